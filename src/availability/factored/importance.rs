//! Importance on the static network: the figures with each component held down and held up
//! (docs/availability.md, "Importance").
//!
//! Every figure is an expectation over independent components, so it is affine in each
//! component's availability a: F = a F(up) + q F(down). Only the held-down runs are made, and
//! F(up) = (F - q F(down)) / a. And components whose held-down run is the same computation
//! share one run:
//! - two AZs of a region whose region has the same classes with either held down, in every
//!   restore policy and for every set of failed shared-fate groups, and the same MTTR (which
//!   decides the restore-policy terms they weigh on): nothing else of the method sees an AZ;
//! - links with the same MTTR: on the static network a link is seen only through its MTTR
//!   (the restore-policy terms) and through P(¬N), which each link gets from its own network
//!   programme.

use rayon::prelude::*;

use super::policy::Expectation;
use super::{Class, Setup, StaticRun, TOLERANCE};
use crate::availability::StateProbabilities;
use crate::model::Component;

/// The held-down runs made, and the links' own P(¬N).
/// A held-down run, or a link's own P(¬N).
enum Job {
    Run(usize),
    Split(usize),
}

/// What a [`Job`] gives.
enum Done {
    Run(Result<Expectation, String>),
    Split(Result<f64, String>),
}

/// Jobs per batch between two progress reports (`reruns`).
const BATCH: usize = 16;

/// What a component's held-down run depends on, for sharing runs.
#[derive(PartialEq)]
enum Effect {
    /// Nothing shared.
    Own,
    /// An AZ: its region, MTTR and the region's classes with it held down.
    Az {
        region: usize,
        mttr: u64,
        classes: Vec<Vec<Class>>,
    },
    /// A link: its MTTR (its P(¬N) is its own).
    Link { mttr: u64 },
}

/// Per component, the static figures held down and held up; an error saying why not when
/// the held-down runs (after sharing) would take more than `budget` units of work, the main
/// run having taken `main_work`, or one is out of reach. `progress` gets the runs done and
/// their number after each batch, in the calling thread.
///
/// With a `setup` that computes the islands of step 4 (`Setup::islands`), the runs are the
/// whole method's instead, islands included (see [`super::Islands::add_importance`]): each
/// run's `pruned` is then its whole error bound and `split` is 0. A link is then seen through
/// the islands' connectivity too, so its run is its own.
pub(super) fn reruns(
    setup: &Setup,
    base: &[f64],
    (main, found): (&StaticRun, Option<&mut super::policy::Found>),
    (main_work, budget): (u64, u64),
    pool: Option<&rayon::ThreadPool>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<[StaticRun; 2]>, String> {
    let n = base.len();
    let held_down = |c: usize| {
        let mut avail = base.to_vec();
        avail[c] = 0.0;
        avail
    };
    let effects: Vec<Effect> = (0..n)
        .map(|c| match setup.effect(c, &held_down(c)) {
            Effect::Link { .. } if setup.islands => Effect::Own,
            effect => effect,
        })
        .collect();
    // The run each component takes its figures from: the first with the same effect.
    let mut source: Vec<usize> = (0..n).collect();
    for c in 0..n {
        if effects[c] == Effect::Own {
            continue;
        }
        if let Some(s) = (0..c).find(|&s| source[s] == s && effects[s] == effects[c]) {
            source[c] = s;
        }
    }
    let runs: Vec<usize> = (0..n).filter(|&c| source[c] == c).collect();
    // P(¬N) >= q P(¬N | c down): where that bound is negligible (a well-linked network, such
    // as a full mesh, whose P(¬N) is far below the tolerance), it is taken as P(¬N | c down)
    // rather than computed (each run of the network programme costs as much as the main
    // one's, and a mesh has hundreds of links).
    let negligible = |c: usize| {
        let q = 1.0 - base[c];
        (!setup.islands && q > 0.0 && main.split / q <= TOLERANCE).then(|| main.split / q)
    };
    let links: Vec<usize> = (0..n)
        .filter(|&c| matches!(effects[c], Effect::Link { .. }))
        .collect();
    // Each run, and each link's own P(¬N) where it is computed, costs about the main run
    // (a network programme whose states are part of its work).
    let own_splits = links.iter().filter(|&&c| negligible(c).is_none()).count();
    let estimate = ((runs.len() + own_splits) as u64).saturating_mul(main_work.max(1));
    if estimate > budget {
        return Err(format!(
            "its {} runs are estimated at {} units of work, over the budget of {}",
            runs.len() + own_splits,
            units(estimate),
            units(budget)
        ));
    }
    // Through the islands, the main run's anchored islands are weighed again rather than
    // sought (where that misses too much, they are sought), with their connectivity given
    // each link among them down computed once for all of those links' runs.
    let found = found.map(|found| {
        setup.connected_with_each_down_in(found, pool);
        &*found
    });
    let run = |&c: &usize| {
        let avail = held_down(c);
        let first = setup.expectation_given(&avail, None, (negligible(c), found));
        match first {
            Ok(e) if found.is_some() && e.bound > setup.give_up_above => {
                setup.expectation_given(&avail, None, (negligible(c), None))
            }
            first => first,
        }
    };
    let split = |&c: &usize| match negligible(c) {
        Some(b) => Ok(b),
        None => setup.split_probability(&held_down(c)),
    };
    let jobs: Vec<Job> = runs
        .iter()
        .map(|&c| Job::Run(c))
        .chain(links.iter().map(|&c| Job::Split(c)))
        .collect();
    let work = |job: &Job| match *job {
        Job::Run(c) => Done::Run(run(&c)),
        Job::Split(c) => Done::Split(split(&c)),
    };
    let mut down: Vec<Option<StaticRun>> = (0..n).map(|_| None).collect();
    let mut own_split: Vec<Option<f64>> = vec![None; n];
    for (k, batch) in jobs.chunks(BATCH).enumerate() {
        let done: Vec<Done> = match pool {
            Some(pool) => pool.install(|| batch.par_iter().map(work).collect()),
            None => batch.iter().map(work).collect(),
        };
        for (job, result) in batch.iter().zip(done) {
            match (job, result) {
                (&Job::Run(c), Done::Run(e)) => {
                    let e = e.map_err(|e| format!("a run is out of reach: {e}"))?;
                    down[c] = Some(match setup.islands {
                        true => StaticRun {
                            total: e.total,
                            pruned: e.bound,
                            split: 0.0,
                        },
                        false => StaticRun {
                            total: e.total,
                            pruned: e.pruned,
                            split: e.split,
                        },
                    });
                }
                (&Job::Split(c), Done::Split(s)) => {
                    own_split[c] = Some(s.map_err(|e| format!("a run is out of reach: {e}"))?)
                }
                _ => unreachable!("each job gives its own kind"),
            }
        }
        progress((k * BATCH + batch.len()).min(jobs.len()), jobs.len());
    }
    let out = (0..n)
        .map(|c| {
            let shared = down[source[c]].as_ref().expect("every source was run");
            let held_down = StaticRun {
                total: shared.total.clone(),
                pruned: shared.pruned,
                split: own_split[c].unwrap_or(shared.split),
            };
            let held_up = held_up(main, &held_down, base[c]);
            [held_down, held_up]
        })
        .collect();
    Ok(out)
}

/// A count of units of work in words: "690 million", "2.4 billion".
fn units(n: u64) -> String {
    match n {
        n if n >= 1_000_000_000 => format!("{:.1} billion", n as f64 / 1e9),
        n if n >= 1_000_000 => format!("{} million", (n as f64 / 1e6).round()),
        n => n.to_string(),
    }
}

/// F(up) = (F - q F(down)) / a, its pruned mass bounded the same way, and P(¬N | up) bounded
/// by P(¬N) / a (P(¬N) >= a P(¬N | up)). A component that never works (a = 0) is never up:
/// its figures given up are taken as the whole (they weigh nothing).
fn held_up(main: &StaticRun, down: &StaticRun, a: f64) -> StaticRun {
    if a <= 0.0 {
        return StaticRun {
            total: main.total.clone(),
            pruned: main.pruned,
            split: main.split,
        };
    }
    let q = 1.0 - a;
    let mut total = StateProbabilities::ZERO;
    total.add(&main.total, 1.0 / a);
    total.add(&down.total, -q / a);
    let clamp = |x: f64| x.clamp(0.0, 1.0);
    StaticRun {
        total: StateProbabilities {
            unavailability: clamp(total.unavailability),
            not_full_capacity: clamp(total.not_full_capacity),
            expected_shortfall: clamp(total.expected_shortfall),
        },
        pruned: (main.pruned + q * down.pruned) / a,
        split: (main.split / a).min(1.0),
    }
}

impl Setup<'_> {
    /// What component `c`'s run with availabilities `avail` (it held down) depends on.
    fn effect(&self, c: usize, avail: &[f64]) -> Effect {
        let m = self.engine.model();
        let component = self.engine.components()[c];
        let mttr = m.mttr(component).0.to_bits();
        match component {
            Component::Az(a) => {
                let region = m.azs[a.idx()].region.idx();
                let Ok((terms, _)) = self.terms(avail) else {
                    return Effect::Own;
                };
                let mut classes = Vec::new();
                for (weight, forced, policy) in &terms {
                    let Ok(items) = super::requirements::Items::new(self, policy) else {
                        return Effect::Own;
                    };
                    for mask in 0u32..(1 << m.shared.len()) {
                        let mut of_region = self
                            .classes_where(forced, &items, mask, |r| r == region)
                            .swap_remove(region);
                        if *weight == 0.0 {
                            of_region.clear();
                        }
                        classes.push(of_region);
                    }
                }
                Effect::Az {
                    region,
                    mttr,
                    classes,
                }
            }
            // On a star a link decides whether its region is in the anchor's part
            // (`star.rs`): its run is its own.
            Component::Link(_) if self.star => Effect::Own,
            Component::Link(_) => Effect::Link { mttr },
            _ => Effect::Own,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateArgs, LinkShape};

    /// [`reruns`] on the static network, whatever their work, on one thread.
    fn every_rerun(setup: &Setup, base: &[f64], main: &StaticRun) -> Vec<[StaticRun; 2]> {
        reruns(
            setup,
            base,
            (main, None),
            (1, u64::MAX),
            None,
            &mut |_, _| {},
        )
        .unwrap()
    }

    /// Every component's held-down and held-up figures, shared between components, derived
    /// from the whole and with P(¬N) from the main run's recorded network programmes, equal
    /// those of its own runs (up to what the searches pruned), its own P(¬N) held down, and a
    /// bound on it held up; and runs are shared.
    #[test]
    fn shared_and_derived_runs_equal_each_components_own() {
        for (links, regions, azs, routing) in [
            (LinkShape::Ring, 6, 3, "geodns"),
            (LinkShape::Hub, 5, 2, "anycast"),
            (LinkShape::Nearest(2), 7, 3, "global-lb"),
            (LinkShape::Chain, 5, 3, "failover-dns"),
        ] {
            let args = GenerateArgs {
                regions,
                azs,
                links,
                routing: routing.into(),
                ..GenerateArgs::default()
            };
            let checked = super::super::generated(&args);
            let engine = crate::evaluate::Engine::new(&checked.model);
            let mut setup = Setup::static_network(&engine).unwrap();
            setup.record = true;
            // Unreliable components, the same per kind (so that AZs and links can share).
            let base: Vec<f64> = engine
                .components()
                .iter()
                .map(|c| match c {
                    Component::Region(_) => 0.95,
                    Component::Az(_) => 0.97,
                    Component::Link(_) => 0.9,
                    _ => 0.99,
                })
                .collect();
            let e = setup.expectation_parts(&base, None).unwrap();
            let main = StaticRun {
                total: e.total,
                pruned: e.pruned,
                split: e.split,
            };
            // The runs reuse the main run's network programmes (as `static_network` has them
            // do); each component's own runs are made without.
            setup.record = false;
            setup.recorded = std::mem::take(setup.recording.get_mut().unwrap());
            // (A hub is a star: no network programme, `star.rs`.)
            assert!(
                setup.star || !setup.recorded.is_empty(),
                "{links:?}: nothing recorded"
            );
            let own_setup = Setup::static_network(&engine).unwrap();
            let got = every_rerun(&setup, &base, &main);
            let n = base.len();
            let effects: Vec<Effect> = (0..n)
                .map(|c| {
                    let mut avail = base.clone();
                    avail[c] = 0.0;
                    setup.effect(c, &avail)
                })
                .collect();
            let distinct = (0..n)
                .filter(|&c| effects[c] == Effect::Own || !effects[..c].contains(&effects[c]))
                .count();
            assert!(distinct < n, "{links:?}: no run shared");
            for c in 0..n {
                for (k, held) in [(0, 0.0), (1, 1.0)] {
                    let mut avail = base.clone();
                    avail[c] = held;
                    let own = own_setup.expectation_parts(&avail, None).unwrap();
                    let run = &got[c][k];
                    let id = engine.model().component_id(engine.components()[c]);
                    let figures = |s: &StateProbabilities| {
                        [s.unavailability, s.not_full_capacity, s.expected_shortfall]
                    };
                    for (x, y) in figures(&run.total).into_iter().zip(figures(&own.total)) {
                        let tolerance = run.pruned + own.pruned + 1e-12 * y.abs() + 1e-15;
                        assert!(
                            (x - y).abs() <= tolerance,
                            "{links:?} {id} held {held}: {x:e} against its own run's {y:e}"
                        );
                    }
                    if k == 0 {
                        assert!(
                            (run.split - own.split).abs() <= 1e-12 * own.split,
                            "{links:?} {id} down: P(¬N) {:e} against {:e}",
                            run.split,
                            own.split
                        );
                    } else {
                        assert!(
                            run.split >= own.split * (1.0 - 1e-12),
                            "{links:?} {id} up: P(¬N) bound {:e} below {:e}",
                            run.split,
                            own.split
                        );
                    }
                }
            }
        }
    }

    /// Where P(¬N) / q is negligible (a full mesh of reliable links), P(¬N | c down) is that
    /// bound rather than a run of the network programme: never below the computed value, and
    /// the figures the same.
    #[test]
    fn a_negligible_split_is_bounded_not_computed() {
        let args = GenerateArgs {
            regions: 8,
            azs: 2,
            links: LinkShape::Mesh,
            ..GenerateArgs::default()
        };
        let checked = super::super::generated(&args);
        let engine = crate::evaluate::Engine::new(&checked.model);
        let setup = Setup::static_network(&engine).unwrap();
        let base = super::super::availabilities(&engine);
        let e = setup.expectation_parts(&base, None).unwrap();
        let main = StaticRun {
            total: e.total,
            pruned: e.pruned,
            split: e.split,
        };
        assert!(
            main.split > 0.0 && main.split < 1e-15,
            "P(¬N) {:e}",
            main.split
        );
        let got = every_rerun(&setup, &base, &main);
        let mut bounded = 0;
        for (c, [down, _]) in got.iter().enumerate() {
            let mut avail = base.clone();
            avail[c] = 0.0;
            let own = setup.expectation_parts(&avail, None).unwrap();
            let id = engine.model().component_id(engine.components()[c]);
            assert!(
                down.split >= own.split,
                "{id}: {:e} below {:e}",
                down.split,
                own.split
            );
            let q = 1.0 - base[c];
            if main.split / q <= TOLERANCE {
                // (A series component held down leaves no state to split: 0.)
                assert!(down.split <= main.split / q, "{id}");
                bounded += usize::from(down.split > own.split);
            } else {
                assert!(down.split <= own.split * (1.0 + 1e-12), "{id}");
            }
            assert_eq!(down.total.unavailability, own.total.unavailability, "{id}");
        }
        assert!(bounded > 0, "no split was bounded");
    }
}
