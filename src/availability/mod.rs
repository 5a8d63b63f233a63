//! MODEL.md §5: availability over all 2^n component states, the figures derived from it,
//! minimal cut sets and importance measures.
//!
//! Two exact methods: [`brute`] enumerates every state (up to [`brute::MAX_COMPONENTS`]
//! components), [`factored`] conditions on the few components that couple regions and sums
//! per-region distributions (see docs/availability.md), the states where the network splits
//! corrected one by one by [`split_states`]. When neither reaches a topology within
//! [`factored::TOLERANCE`], [`partial`] evaluates the most probable states and the figures are
//! a proven interval (intersected with the factored method's own bound when it gives one);
//! they are never sampled silently, and never missing.

pub mod brute;
pub mod cutsets;
pub mod factored;
pub mod partial;
pub mod split_states;

use serde::Serialize;

use crate::evaluate::Engine;
use brute::Forced;
/// Hours in the model's year (365.25 days).
pub const HOURS_PER_YEAR: f64 = 8766.0;
/// Seconds in the model's year.
pub const SECONDS_PER_YEAR: f64 = 31_557_600.0;
/// Minutes in the model's year.
pub const MINUTES_PER_YEAR: f64 = 525_960.0;

/// Probabilities over all component states.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateProbabilities {
    /// P(outcome is down), summed directly so that tiny values keep their digits.
    pub unavailability: f64,
    /// P(outcome is not up).
    pub not_full_capacity: f64,
    /// E[1 - served fraction].
    pub expected_shortfall: f64,
}

/// The figures given one component is down, and given it is up.
#[derive(Clone, Debug, PartialEq)]
pub struct Conditional {
    pub given_down: StateProbabilities,
    pub given_up: StateProbabilities,
}

/// How the figures were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Every state enumerated.
    Enumeration,
    /// Conditioning and per-region sums (docs/availability.md).
    Factored,
    /// The most probable states evaluated one by one, the others' probability bounding the
    /// error (intersected with the factored method's bound where it gives one); exact when that
    /// is at most [`factored::TOLERANCE`], a proven interval otherwise (docs/availability.md).
    MostProbableStates,
}

/// The exact probabilities of a topology.
#[derive(Clone, Debug)]
pub struct Exact {
    pub total: StateProbabilities,
    /// Per component, for the importance measures (`None` when not computed).
    pub conditional: Option<Vec<Conditional>>,
    pub method: Method,
    /// A proven bound on the absolute error of every probability (0 for enumeration; above
    /// [`factored::TOLERANCE`] only for [`Method::MostProbableStates`], whose `total` is then
    /// the middle of the interval).
    pub error_bound: f64,
    /// Why the figures are an interval rather than exact, when they are.
    pub note: Option<String>,
    /// Why `conditional` is `None`, when importance was asked for: which runs were over the
    /// work budget, or whose figures were not within [`CONDITIONAL_TOLERANCE`].
    pub importance_note: Option<String>,
}

impl Exact {
    /// Figures by the factored method within `error_bound`, without the importance figures.
    pub fn factored(total: StateProbabilities, error_bound: f64) -> Exact {
        Exact {
            total,
            conditional: None,
            method: Method::Factored,
            error_bound,
            note: None,
            importance_note: None,
        }
    }

    /// Whether the figures are exact (error at most [`factored::TOLERANCE`]) rather than an
    /// interval.
    pub fn is_exact(&self) -> bool {
        self.error_bound <= factored::TOLERANCE
    }
}

/// The largest error accepted in the conditional figures (given a component down, given it
/// up) of the most probable states for the importance measures: Birnbaum and the risk worths
/// are read to about nine digits.
pub(crate) const CONDITIONAL_TOLERANCE: f64 = 1e-9;

/// Proven lower and upper bounds, `[low, high]`, on each §5 figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bounds {
    pub availability: [f64; 2],
    pub full_capacity_availability: [f64; 2],
    pub expected_served_fraction: [f64; 2],
    pub effective_availability: [f64; 2],
    pub downtime_minutes_per_year: [f64; 2],
}

/// The §5 summary figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Availability {
    pub availability: f64,
    pub full_capacity_availability: f64,
    pub expected_served_fraction: f64,
    pub effective_availability: f64,
    pub downtime_minutes_per_year: f64,
    pub unavailability: f64,
    /// -log10(unavailability), from the unavailability itself (`None` when it is 0).
    pub nines: Option<f64>,
    pub method: Method,
    pub error_bound: f64,
    /// Each figure within `error_bound`, as an interval (the gate reads the pessimistic end
    /// when the figures are not exact).
    pub bounds: Bounds,
    /// Why the figures are an interval, when they are.
    pub note: Option<String>,
    /// How `downtime_minutes_per_year` splits, from the same sums (the parts add up to it).
    pub downtime_split: DowntimeSplit,
}

/// The three parts of §5's downtime per year, minutes a year each: requests lost to capacity
/// shortfalls over the component states (1 - expected served fraction), the recovery
/// transients of single failures (sum of f_c x impact({c}) over the components whose single
/// failure is not `down`), and bad changes (§11.6). When the lost fraction is clamped at a
/// whole year (README, Interpretations), the later parts are cut so that the three still add
/// up to the headline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct DowntimeSplit {
    pub capacity_shortfall_minutes_per_year: f64,
    pub recovery_transients_minutes_per_year: f64,
    pub bad_changes_minutes_per_year: f64,
}

impl Availability {
    /// Whether the figures are exact (error at most [`factored::TOLERANCE`]) rather than a
    /// proven interval.
    pub fn is_exact(&self) -> bool {
        self.error_bound <= factored::TOLERANCE
    }
}

/// What [`compute`] is doing, for a progress display (reported in the calling thread, so that
/// a display that holds the standard error lock can draw it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The exact figures: enumeration, or the factored method on the static network.
    Exact,
    /// The split states of the factored method's step 4, one by one.
    SplitStates,
    /// The factored method's importance runs: done, of.
    Importance(usize, usize),
    /// The islands of step 4: the parts a split network leaves (with an anchor, every part
    /// that can serve).
    Islands,
    /// The most probable states, for a proven interval.
    Interval,
}

/// The probabilities by the cheapest method that reaches the topology exactly, else a proven
/// interval ([`Method::MostProbableStates`]); `importance` asks for the per-component
/// conditional figures too (free with enumeration, more runs with the factored method, within
/// a work budget; not with the most probable states). `progress` hears each step as it
/// starts.
pub fn compute(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    importance: bool,
    progress: &mut dyn FnMut(Step),
) -> Exact {
    let mut why_not = Vec::new();
    let mut exact = compute_noting(engine, pool, importance, progress, &mut why_not);
    if importance && exact.conditional.is_none() {
        why_not.dedup();
        exact.importance_note = (!why_not.is_empty()).then(|| why_not.join("; "));
    }
    exact
}

/// [`compute`], noting in `why_not` each way of getting the importance figures that was
/// tried and why it did not give them.
fn compute_noting(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    importance: bool,
    progress: &mut dyn FnMut(Step),
    why_not: &mut Vec<String>,
) -> Exact {
    progress(Step::Exact);
    let n = engine.components().len();
    if n <= brute::MAX_COMPONENTS {
        let forced = vec![Forced::Free; n];
        if let Some(e) = brute::enumerate(engine, &forced, pool) {
            return Exact {
                total: e.total,
                conditional: Some(e.conditional),
                method: Method::Enumeration,
                error_bound: 0.0,
                note: None,
                importance_note: None,
            };
        }
    }
    // The factored method on the static network (every alive region connected); exact when
    // the network splits too rarely to matter, else corrected on the split states one by one
    // (docs/availability.md, step 4).
    let mut static_ = match factored::static_network_alone(engine, pool, importance) {
        Ok(static_) => static_,
        Err(reason) => {
            progress(Step::Interval);
            return interval(engine, pool, None, reason, why_not);
        }
    };
    let alone = |r: &factored::StaticRun| r.pruned + r.split;
    let static_bound = alone(&static_.main);
    // With an anchor (a region no serving part can do without), the islands that hold it
    // cover the split states exactly, at the cost of a few static runs each: tried first.
    // With importance, the same again per component through the islands (each run cheaper
    // than the main one); when those are out of reach, the split states one by one below may
    // still give the table, and the islands' figures are kept for the end.
    let anchored = static_bound > factored::TOLERANCE && factored::anchored(engine);
    let mut islands_exact = None;
    if anchored {
        progress(Step::Islands);
        if let Ok(mut islands) = factored::islands(engine, pool, factored::TOLERANCE, importance)
            && islands.exact.is_exact()
        {
            if importance {
                progress(Step::Importance(0, 0));
                islands.add_importance(engine, pool, &mut |done, of| {
                    progress(Step::Importance(done, of))
                });
            }
            if !importance || islands.exact.conditional.is_some() {
                return islands.exact;
            }
            why_not.extend(islands.exact.importance_note.take());
            islands_exact = Some(islands.exact);
        }
    }
    // The importance runs only where the figures will be exact: first on the static network
    // alone, else on the split states (whose walk is then made again with them).
    // With an anchor the islands below make the figures exact, so the split states are
    // walked here only for the importance table: not evaluated when they cannot reach the
    // tolerance (a large ring's), and then not at all.
    let mut first = None;
    let mut walked = true;
    if importance {
        if static_bound > factored::TOLERANCE {
            progress(Step::SplitStates);
            first = if anchored {
                split_states::compute_exact(engine, pool, &static_)
            } else {
                Some(split_states::compute(engine, pool, &static_))
            };
            walked = first.is_some();
            match &first {
                None => why_not.push(format!(
                    "the split states one by one cannot reach {:.0e}",
                    factored::TOLERANCE
                )),
                Some(s) if s.bound > factored::TOLERANCE => why_not.push(format!(
                    "the split states one by one leave {:.1e}, above {:.0e}",
                    s.bound,
                    factored::TOLERANCE
                )),
                Some(_) => {}
            }
        }
        if walked
            && first
                .as_ref()
                .is_none_or(|s| s.bound <= factored::TOLERANCE)
        {
            progress(Step::Importance(0, 0));
            static_.add_importance(engine, pool, &mut |done, of| {
                progress(Step::Importance(done, of))
            });
            why_not.extend(static_.importance_note.take());
            if first.is_some() {
                progress(Step::SplitStates);
            }
            first = first.map(|s| split_states::compute_again(engine, pool, &static_, s));
        }
    }
    let conditional_bound = static_
        .conditional
        .iter()
        .flatten()
        .flat_map(|pair| pair.iter().map(alone))
        .fold(0.0, f64::max);
    let split = (static_bound > factored::TOLERANCE || conditional_bound > CONDITIONAL_TOLERANCE)
        .then(|| {
            first.or_else(|| {
                // (Not when the anchored walk above gave up: the islands come next.)
                walked.then(|| {
                    progress(Step::SplitStates);
                    split_states::compute(engine, pool, &static_)
                })
            })
        })
        .flatten();
    let found = match split {
        None => Exact {
            conditional: static_.conditional.as_deref().map(factored::conditionals),
            ..Exact::factored(static_.main.total.clone(), static_bound)
        },
        Some(split) => {
            // Importance from the same split states, when every conditional figure is within
            // its tolerance.
            let widest = split
                .conditional
                .iter()
                .flatten()
                .flat_map(|(_, b)| *b)
                .fold(0.0, f64::max);
            if split.conditional.is_some() && widest > CONDITIONAL_TOLERANCE {
                why_not.push(format!(
                    "the split states one by one give the figures given a component down or up within {widest:.1e}, not {CONDITIONAL_TOLERANCE:.0e}"
                ));
            }
            Exact {
                conditional: split
                    .conditional
                    .filter(|_| widest <= CONDITIONAL_TOLERANCE)
                    .map(|c| c.into_iter().map(|(c, _)| c).collect()),
                ..Exact::factored(split.total, split.bound)
            }
        }
    };
    if found.is_exact() {
        return found;
    }
    // Still too wide: the islands of step 4 may narrow it (with an anchor, make it exact:
    // then with the split states' importance figures when those are within their
    // tolerance); else the most probable states.
    let islands = match islands_exact {
        Some(exact) => Ok(exact),
        None => {
            progress(Step::Islands);
            factored::compute_within(engine, pool, found.error_bound)
        }
    };
    let best = match islands {
        Ok(mut islands) if islands.is_exact() => {
            islands.conditional = found.conditional;
            return islands;
        }
        Ok(islands) if islands.error_bound < found.error_bound => islands,
        _ => found,
    };
    // The anchored walk that gave up above, evaluated now, may narrow the interval.
    let best = if walked {
        best
    } else {
        progress(Step::SplitStates);
        let split = split_states::compute(engine, pool, &static_);
        let walked = Exact::factored(split.total, split.bound);
        if walked.is_exact() {
            // (`compute_exact` gave up only where this cannot be: kept in case.)
            return walked;
        }
        if walked.error_bound < best.error_bound {
            walked
        } else {
            best
        }
    };
    progress(Step::Interval);
    let reason = format!(
        "the factored method bounds its error by {:.1e}, above {:.0e} (links or regions whose failure splits the network, such as a ring or a hub, make it large)",
        best.error_bound,
        factored::TOLERANCE
    );
    interval(engine, pool, Some(best), reason, why_not)
}

/// [`Method::MostProbableStates`]: the most probable states evaluated ([`partial`]),
/// intersected with the factored method's interval when it gives one.
fn interval(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    factored: Option<Exact>,
    reason: String,
    why_not: &mut Vec<String>,
) -> Exact {
    let p = partial::evaluate(engine, pool);
    let figures =
        |s: &StateProbabilities| [s.unavailability, s.not_full_capacity, s.expected_shortfall];
    let low = figures(&p.evaluated);
    let mut bounds: [[f64; 2]; 3] =
        std::array::from_fn(|i| [low[i], (low[i] + p.unexplored).min(1.0)]);
    if let Some(f) = &factored {
        let mid = figures(&f.total);
        for (i, b) in bounds.iter_mut().enumerate() {
            let (lo, hi) = (mid[i] - f.error_bound, mid[i] + f.error_bound);
            *b = if lo.max(b[0]) <= hi.min(b[1]) {
                [lo.max(b[0]), hi.min(b[1])]
            } else if hi - lo < b[1] - b[0] {
                // Both are proven, so they overlap up to rounding: keep the narrower one.
                [lo, hi]
            } else {
                *b
            };
        }
    }
    let middle = |b: [f64; 2]| (b[0] + b[1]) / 2.0;
    let half = bounds
        .iter()
        .map(|b| (b[1] - b[0]) / 2.0)
        .fold(0.0, f64::max);
    // Ends closer than the figures' own rounding: the bound is the width that was proven.
    let half = if half > 0.0 {
        half
    } else {
        let factored_width = factored
            .as_ref()
            .map_or(f64::INFINITY, |f| 2.0 * f.error_bound);
        p.unexplored.min(factored_width) / 2.0
    };
    // Importance from the same states, when the figures are exact and every conditional
    // figure is within CONDITIONAL_TOLERANCE (each lies in [part, part + width]).
    let widest = p
        .conditional
        .iter()
        .flat_map(|(_, w)| *w)
        .fold(0.0, f64::max);
    if half > factored::TOLERANCE {
        why_not.push("the figures are an interval, not exact".into());
    } else if widest > CONDITIONAL_TOLERANCE {
        why_not.push(format!(
            "the most probable states give the figures given a component down or up within {widest:.1e}, not {CONDITIONAL_TOLERANCE:.0e}"
        ));
    }
    let conditional = (half <= factored::TOLERANCE && widest <= CONDITIONAL_TOLERANCE).then(|| {
        p.conditional
            .iter()
            .map(|(c, [down, up])| {
                let mid = |s: &StateProbabilities, w: f64| StateProbabilities {
                    unavailability: s.unavailability + w / 2.0,
                    not_full_capacity: s.not_full_capacity + w / 2.0,
                    expected_shortfall: s.expected_shortfall + w / 2.0,
                };
                Conditional {
                    given_down: mid(&c.given_down, *down),
                    given_up: mid(&c.given_up, *up),
                }
            })
            .collect()
    });
    Exact {
        total: StateProbabilities {
            unavailability: middle(bounds[0]),
            not_full_capacity: middle(bounds[1]),
            expected_shortfall: middle(bounds[2]),
        },
        conditional,
        method: Method::MostProbableStates,
        error_bound: half,
        importance_note: None,
        note: (half > factored::TOLERANCE).then(|| {
            format!(
                "not exact ({reason}): a proven interval from the {} most probable component states{}",
                p.states,
                if factored.is_some() {
                    " and the factored method's bound"
                } else {
                    ""
                }
            )
        }),
    }
}

/// The sum of [`transients`], taken in component id order (so it does not depend on the order
/// of the file).
fn transient_sum(engine: &Engine, terms: &[f64]) -> f64 {
    let model = engine.model();
    let mut order: Vec<(String, f64)> = engine
        .components()
        .iter()
        .zip(terms)
        .map(|(c, t)| (model.component_id(*c), *t))
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0));
    order.iter().map(|(_, t)| t).sum()
}

/// Per component: f_c x impact of its single failure / seconds per year, 0 when that failure
/// is down (its cost is already in the expected shortfall). `singles` holds the impact of each
/// component's single failure, `None` when down.
fn transients(engine: &Engine, singles: &[(usize, Option<f64>)]) -> Vec<f64> {
    let model = engine.model();
    let mut out = vec![0.0; engine.components().len()];
    for (i, impact) in singles {
        if let Some(impact) = impact {
            let c = engine.components()[*i];
            let frequency =
                model.availability(c).unavailability() * HOURS_PER_YEAR / model.mttr(c).hours();
            out[*i] = frequency * impact / SECONDS_PER_YEAR;
        }
    }
    out
}

/// How much one component matters (per component of the topology).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Importance {
    pub component: String,
    /// 1 - its availability.
    pub unavailability: f64,
    /// f_c, failures per year.
    pub failures_per_year: f64,
    /// Expected downtime per year that would go away if it never failed (minutes).
    pub downtime_minutes_per_year: f64,
    /// Birnbaum: P(down | it is down) - P(down | it is up).
    pub birnbaum: f64,
    /// Risk achievement worth: P(down | it is down) / P(down) (`null` when P(down) is 0).
    pub risk_achievement_worth: Option<f64>,
    /// Risk reduction worth: P(down) / P(down | it is up) (`null` when that is 0).
    pub risk_reduction_worth: Option<f64>,
}

/// The importance of every component, sorted by downtime contribution (largest first), then id.
pub fn importance(
    engine: &Engine,
    total: &StateProbabilities,
    conditional: &[Conditional],
    singles: &[(usize, Option<f64>)],
) -> Vec<Importance> {
    let model = engine.model();
    let terms = transients(engine, singles);
    let transient = transient_sum(engine, &terms);
    let lost = total.expected_shortfall + transient;
    let u = total.unavailability;
    let mut out: Vec<Importance> = engine
        .components()
        .iter()
        .zip(conditional)
        .enumerate()
        .map(|(i, (c, cond))| {
            let q = model.availability(*c).unavailability();
            let lost_if_perfect = cond.given_up.expected_shortfall + transient - terms[i];
            let (down, up) = (cond.given_down.unavailability, cond.given_up.unavailability);
            Importance {
                component: model.component_id(*c),
                unavailability: q,
                failures_per_year: q * HOURS_PER_YEAR / model.mttr(*c).hours(),
                downtime_minutes_per_year: ((lost - lost_if_perfect) * MINUTES_PER_YEAR).max(0.0),
                // Differences below the rounding of the two terms are reported as 0.
                birnbaum: if (down - up).abs() <= 1e-12 * down.max(up) {
                    0.0
                } else {
                    down - up
                },
                risk_achievement_worth: (u > 0.0).then(|| down / u),
                risk_reduction_worth: (up > 0.0).then(|| u / up),
            }
        })
        .collect();
    // Ranked by downtime, then Birnbaum, then id, where values close to the first of their run
    // count as equal: rounding can follow the order of the file and must never reorder equal
    // contributions. Each downtime is a difference of two near-equal sums, so its rounding is
    // absolute, about the size of the total's: values within 1e-9 of the whole downtime are
    // equal; Birnbaum is a difference of probabilities: within 1e-12. (Rounding to a number of
    // digits cannot do this: two values a last bit apart can fall on either side of a
    // rounding boundary.)
    let whole = (lost * MINUTES_PER_YEAR).abs();
    out.sort_by(|a, b| {
        b.downtime_minutes_per_year
            .total_cmp(&a.downtime_minutes_per_year)
            .then_with(|| a.component.cmp(&b.component))
    });
    let by_downtime = runs(
        out.iter().map(|x| x.downtime_minutes_per_year),
        1e-9 * whole,
    );
    let mut keyed: Vec<(usize, Importance)> = by_downtime.into_iter().zip(out).collect();
    keyed.sort_by(|(ga, a), (gb, b)| {
        ga.cmp(gb)
            .then_with(|| b.birnbaum.total_cmp(&a.birnbaum))
            .then_with(|| a.component.cmp(&b.component))
    });
    let mut by_birnbaum = Vec::with_capacity(keyed.len());
    let mut start = 0;
    while start < keyed.len() {
        let group = keyed[start].0;
        let end = keyed[start..]
            .iter()
            .position(|(g, _)| *g != group)
            .map_or(keyed.len(), |k| start + k);
        by_birnbaum.extend(runs(
            keyed[start..end].iter().map(|(_, x)| x.birnbaum),
            1e-12,
        ));
        start = end;
    }
    let mut ranked: Vec<((usize, usize), Importance)> = keyed
        .into_iter()
        .zip(by_birnbaum)
        .map(|((g, x), h)| ((g, h), x))
        .collect();
    ranked.sort_by(|(ka, a), (kb, b)| ka.cmp(kb).then_with(|| a.component.cmp(&b.component)));
    ranked.into_iter().map(|(_, x)| x).collect()
}

/// For values sorted from largest to smallest, the index of each one's run: a run starts at a
/// value and holds the following ones within 1e-9 (relative) or `floor` (absolute) of it.
fn runs(values: impl Iterator<Item = f64>, floor: f64) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut run, mut first) = (0, f64::NAN);
    for v in values {
        let same = (v - first).abs() <= 1e-9 * v.abs().max(first.abs()) + floor;
        if !out.is_empty() && !same {
            run += 1;
        }
        if out.is_empty() || !same {
            first = v;
        }
        out.push(run);
    }
    out
}

/// §5 and §11.6: bad changes cost `seconds_per_year` of impact a year; they lower the
/// effective availability and raise the downtime, but not the steady-state probabilities.
pub fn add_changes(a: &mut Availability, seconds_per_year: f64) {
    if seconds_per_year <= 0.0 {
        return;
    }
    let before = a.downtime_minutes_per_year / MINUTES_PER_YEAR;
    let changes = (seconds_per_year / SECONDS_PER_YEAR).min(1.0 - before);
    let lost = before + changes;
    a.effective_availability = (1.0 - lost).clamp(0.0, 1.0);
    a.downtime_minutes_per_year = lost * MINUTES_PER_YEAR;
    let e = &mut a.bounds.effective_availability;
    *e = [(e[0] - changes).max(0.0), (e[1] - changes).max(0.0)];
    let d = &mut a.bounds.downtime_minutes_per_year;
    *d = [
        (d[0] + changes * MINUTES_PER_YEAR).min(MINUTES_PER_YEAR),
        (d[1] + changes * MINUTES_PER_YEAR).min(MINUTES_PER_YEAR),
    ];
    a.downtime_split.bad_changes_minutes_per_year = changes * MINUTES_PER_YEAR;
}

/// Combines state probabilities with the transients of single failures: `singles` holds, for
/// each component index, the impact in seconds of its single failure when that is not down.
pub fn summarize(engine: &Engine, exact: &Exact, singles: &[(usize, Option<f64>)]) -> Availability {
    let probabilities = &exact.total;
    let transient = transient_sum(engine, &transients(engine, singles));
    // Transients longer than the time between failures would push the figure below 0: it is
    // a fraction of requests served, so it stays in [0, expected served fraction] (README,
    // Interpretations).
    let shortfall = probabilities.expected_shortfall.min(1.0);
    let transient = transient.min(1.0 - shortfall);
    let lost = shortfall + transient;
    let u = probabilities.unavailability;
    let b = exact.error_bound;
    // Sums of many terms can leave a last-bit excursion outside [0, 1]; clamp it.
    let unit = |x: f64| x.clamp(0.0, 1.0);
    let u = unit(u);
    Availability {
        availability: 1.0 - u,
        full_capacity_availability: unit(1.0 - probabilities.not_full_capacity),
        expected_served_fraction: unit(1.0 - probabilities.expected_shortfall),
        effective_availability: unit(1.0 - lost),
        downtime_minutes_per_year: lost * MINUTES_PER_YEAR,
        unavailability: u,
        nines: (u > 0.0).then(|| -u.log10()),
        method: exact.method,
        error_bound: exact.error_bound,
        bounds: Bounds {
            availability: [unit(1.0 - u - b), unit(1.0 - u + b)],
            full_capacity_availability: [
                unit(1.0 - probabilities.not_full_capacity - b),
                unit(1.0 - probabilities.not_full_capacity + b),
            ],
            expected_served_fraction: [
                unit(1.0 - probabilities.expected_shortfall - b),
                unit(1.0 - probabilities.expected_shortfall + b),
            ],
            effective_availability: [unit(1.0 - lost - b), unit(1.0 - lost + b)],
            downtime_minutes_per_year: [
                (lost - b).clamp(0.0, 1.0) * MINUTES_PER_YEAR,
                (lost + b).min(1.0) * MINUTES_PER_YEAR,
            ],
        },
        note: exact.note.clone(),
        downtime_split: DowntimeSplit {
            capacity_shortfall_minutes_per_year: shortfall * MINUTES_PER_YEAR,
            recovery_transients_minutes_per_year: transient * MINUTES_PER_YEAR,
            bad_changes_minutes_per_year: 0.0,
        },
    }
}
