//! Monte Carlo over time: simulated years of component failures and repairs, and the
//! distribution of annual downtime they give (`drplan simulate`).
//!
//! # The stochastic model
//!
//! Each component c (MODEL.md §2) is an alternating renewal process, independent of the others:
//! up periods are exponential with mean `U_c = mttr_c x A_c / (1 - A_c)`, down periods
//! exponential with mean `mttr_c`. Its long-run unavailability is then `mttr_c / (U_c + mttr_c)`
//! = `1 - A_c` exactly, and it fails `1 / (U_c + mttr_c)` = `(1 - A_c) / mttr_c` times per unit
//! of time: `f_c = (1 - A_c) x 8766 / mttr_c` per year, the frequency of MODEL.md §5. A
//! component with availability 1 never fails.
//!
//! Every simulated year is an independent run that starts from the stationary distribution:
//! each component is down with probability `1 - A_c` and, thanks to the exponential periods,
//! the rest of its current period is again exponential with the same mean. So the years are
//! independent and identically distributed (the confidence intervals below need that), and the
//! state at any instant of a year has exactly the product distribution that §5 enumerates.
//! Runs are simulated event by event (the next transition among all components is exponential
//! with the total rate; which component moves is drawn in proportion to its rate).
//!
//! # Annual downtime of one year, in minutes
//!
//! - **States**: the integral over the year of `1 - served_fraction` of the current failed set
//!   (a `down` state counts 1), as [`Engine::evaluate_into`] reports it.
//! - **Transients**: for every failure event (a component going down during the year) after
//!   which the system is not `down`, the `impact_s` of the scenario of the new failed set, in
//!   minutes. A failure that leaves the system `down` adds nothing here: its cost is the time
//!   spent in the down state, already integrated. Components already down when a year starts
//!   failed in an earlier year and add no transient.
//!
//! - **Bad changes** (MODEL.md §11): each change scenario is a Poisson process of its
//!   `frequency_per_year`, independent of the components; each event adds the scenario's
//!   `impact_s` (a lost store's null impact adds nothing) to the year's transients. §5 adds
//!   frequency x impact, which is exactly the expectation of that sum.
//!
//! # What this converges to, against the analytic figure
//!
//! §5 gives `downtime_minutes_per_year` = 525,960 x (E[1 - served] + sum over components c
//! whose single failure is not down of f_c x impact({c}) / 31,557,600), E over the product
//! distribution of the states.
//!
//! - The states part of the simulated mean has exactly the expectation 525,960 x
//!   E[1 - served], since every instant of a year is in the stationary distribution.
//! - Failures of c happen at rate f_c per year. When every other component is up (probability
//!   `P_c` = product of `A_d`, d != c), the failure leads to the single-failure scenario {c} and
//!   adds impact({c}) exactly when {c} is not down: the §5 term. When other components are
//!   already down (probability `1 - P_c`, about the sum of the other components'
//!   unavailabilities: under 1% for every example) the simulation charges the impact of the
//!   combined scenario (nothing when it is down), where §5 charges impact({c}). The two agree
//!   to first order in the unavailabilities. The second-order difference is small against the
//!   total but not always against the transients alone: where a second failure forces a slow
//!   recovery (spanner-consensus: losing a second region leaves no majority, and the store is
//!   restored from backups in 4 h while the service runs degraded) the combined impact is
//!   hours against seconds. [`Analytic::transients_with_pairs`] is the expectation of the
//!   simulated transients with at most one other component down (exact to second order), so
//!   the tests check the states part against §5 exactly, the transients against that, and the
//!   total against §5's `downtime_minutes_per_year`. Charging the combined scenario is the
//!   better reading of "that failure's transient": it is what drplan evaluates for the state
//!   the failure leads to; §5 has single-failure impacts only because it is a closed form.
//!
//! # Reproducibility
//!
//! The years are split into chunks of [`CHUNK_YEARS`]; chunk k draws from
//! `ChaCha8Rng::seed_from_u64(seed)` on stream k, whatever thread runs it, and the results are
//! gathered in year order, so the output depends only on the seed and the number of years, not
//! on `--threads`. Uniform numbers come from the generator's 64-bit words by exact arithmetic;
//! exponential times use `f64::ln` from the platform's math library, the one function here
//! whose last bit may differ between platforms (glibc's `log` is correctly rounded, so Linux
//! machines agree).

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use crate::availability::{self, MINUTES_PER_YEAR, SECONDS_PER_YEAR};
use crate::evaluate::{Engine, Failure, Outcome};

/// Years per chunk: each chunk has its own random stream, so this fixes the output for a seed.
pub const CHUNK_YEARS: u64 = 1024;
/// Chunks run in parallel between two progress reports.
const BATCH_CHUNKS: u64 = 16;
/// The most years one run simulates (each year keeps 16 bytes until the end, for percentiles).
pub const MAX_YEARS: u64 = 10_000_000;
/// The two-sided 95% normal quantile.
const Z95: f64 = 1.959_963_984_540_054;
/// The percentiles reported.
pub const PERCENTILES: [f64; 3] = [0.5, 0.9, 0.99];
/// Cached states per worker before the cache is emptied (bounds memory on huge topologies).
const CACHE_LIMIT: usize = 1 << 16;

/// How much to simulate.
#[derive(Clone, Debug)]
pub struct Settings {
    pub years: u64,
    pub seed: u64,
    /// Worker threads (`None`: all cores); the result does not depend on it.
    pub threads: Option<usize>,
}

/// An estimate with its 95% confidence interval (`None` where the data cannot bound it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub ci95: [Option<f64>; 2],
}

/// A percentile of annual downtime.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Percentile {
    /// The quantile level (0.5, 0.9, 0.99).
    pub q: f64,
    /// The sample quantile: the `ceil(q x years)`-th smallest year.
    pub value: f64,
    /// Distribution-free: order statistics whose ranks come from Binomial(years, q).
    pub ci95: [Option<f64>; 2],
}

/// The §5 figures the simulation estimates, split like the simulated downtime.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Analytic {
    pub downtime_minutes_per_year: f64,
    /// 525,960 x E[1 - served fraction].
    pub states: f64,
    /// The recovery transients of single failures, minutes per year.
    pub transients: f64,
    /// The expected transients as the simulation counts them, minutes per year: every failure
    /// of c while at most one other component is down, charged the impact of the resulting
    /// scenario when it is not down. Exact up to terms in the square of the unavailabilities
    /// (two other components down at once); it differs from `transients` by the failures that
    /// happen while another component is down, which §5 prices as single failures.
    pub transients_with_pairs: f64,
}

/// The result of a simulation: annual downtime in minutes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Simulation {
    pub years: u64,
    pub seed: u64,
    /// Failure events (a component going down) over all years.
    pub failure_events: u64,
    /// Mean annual downtime, with a normal-approximation interval over the years.
    pub mean: Estimate,
    /// The sample standard deviation of annual downtime.
    pub std_dev: f64,
    /// The part of the mean spent in degraded or down states.
    pub states: Estimate,
    /// The part of the mean from recovery transients.
    pub transients: Estimate,
    pub percentiles: Vec<Percentile>,
}

/// Why a simulation cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingsError {
    NoYears,
    TooManyYears,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::NoYears => f.write_str("--years must be 1 or more"),
            SettingsError::TooManyYears => write!(
                f,
                "--years is at most {} (each year is kept in memory for the percentiles)",
                crate::model::units::group_thousands(MAX_YEARS)
            ),
        }
    }
}

impl Settings {
    /// Checks the numbers before any work starts.
    pub fn check(&self) -> Result<(), SettingsError> {
        match self.years {
            0 => Err(SettingsError::NoYears),
            n if n > MAX_YEARS => Err(SettingsError::TooManyYears),
            _ => Ok(()),
        }
    }
}

/// The §5 figures split into states and transients, or `None` when the exact methods do not
/// reach the topology.
pub fn analytic(engine: &Engine) -> Result<Analytic, String> {
    let exact = availability::compute(engine, None, false, &mut |_| {});
    if let Some(note) = exact.note.clone().filter(|_| !exact.is_exact()) {
        return Err(note);
    }
    let probabilities = &exact.total;
    let singles: Vec<(usize, Option<f64>)> = (0..engine.components().len())
        .map(|i| {
            let r = engine.evaluate(&single(i));
            let impact = if r.outcome == Outcome::Down {
                None
            } else {
                r.transient_impact
            };
            (i, impact)
        })
        .collect();
    let mut a = availability::summarize(engine, &exact, &singles);
    let changes = Changes::new(engine);
    availability::add_changes(&mut a, changes.seconds_per_year());
    let states = probabilities.expected_shortfall * MINUTES_PER_YEAR;
    Ok(Analytic {
        downtime_minutes_per_year: a.downtime_minutes_per_year,
        states,
        transients: a.downtime_minutes_per_year - states,
        transients_with_pairs: transients_with_pairs(engine, &singles)
            + changes.seconds_per_year() / 60.0,
    })
}

/// E[transient minutes per year] of the simulation with at most one other component down:
/// sum over c of f_c x (P(others up) x impact({c}) + sum over d != c of P(only d down among
/// the others) x impact({c, d})), an impact counting only when its scenario is not down.
fn transients_with_pairs(engine: &Engine, singles: &[(usize, Option<f64>)]) -> f64 {
    let model = engine.model();
    let components = engine.components();
    let up: Vec<f64> = components
        .iter()
        .map(|&c| model.availability(c).0)
        .collect();
    let all_up: f64 = up.iter().product();
    let per_year: Vec<f64> = components
        .iter()
        .map(|&c| {
            model.availability(c).unavailability() * availability::HOURS_PER_YEAR
                / model.mttr(c).hours()
        })
        .collect();
    let mut pair = vec![0.0; components.len() * components.len()];
    for c in 0..components.len() {
        for d in c + 1..components.len() {
            let r = engine.evaluate(&Failure {
                components: vec![c, d],
                corrupted: Vec::new(),
                change: None,
            });
            let impact = if r.outcome == Outcome::Down {
                0.0
            } else {
                r.impact.unwrap_or(0.0)
            };
            pair[c * components.len() + d] = impact;
            pair[d * components.len() + c] = impact;
        }
    }
    let mut seconds = 0.0;
    for &(c, single) in singles {
        // P(every other component up), then P(only d down among the others).
        let others_up = all_up / up[c];
        let mut expected = others_up * single.unwrap_or(0.0);
        for d in 0..components.len() {
            if d != c {
                let q = 1.0 - up[d];
                expected += others_up / up[d] * q * pair[c * components.len() + d];
            }
        }
        seconds += per_year[c] * expected;
    }
    seconds / 60.0
}

fn single(i: usize) -> Failure {
    Failure {
        components: vec![i],
        corrupted: Vec::new(),
        change: None,
    }
}

/// Simulates `settings.years` independent stationary years; `progress` gets the number of
/// years finished so far after each batch of chunks, always in the calling thread (the command
/// holds the standard error lock there, so a progress bar drawn from a worker would deadlock).
pub fn simulate(
    engine: &Engine,
    settings: &Settings,
    progress: &mut dyn FnMut(u64),
) -> Result<Simulation, SettingsError> {
    settings.check()?;
    let rates = Rates::new(engine);
    let changes = Changes::new(engine);
    let chunks = settings.years.div_ceil(CHUNK_YEARS);
    let run_chunk = |worker: &mut Worker, k: u64| {
        let first = k * CHUNK_YEARS;
        let count = CHUNK_YEARS.min(settings.years - first);
        let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
        rng.set_stream(k);
        (0..count)
            .map(|_| {
                let mut year = worker.year(engine, &rates, &mut rng);
                year.transients += changes.year(&mut rng) / 60.0;
                year
            })
            .collect::<Vec<Year>>()
    };
    let pool = crate::sweep::pool(settings.threads);
    let mut serial = Worker::default();
    let mut years: Vec<Year> = Vec::with_capacity(usize::try_from(settings.years).unwrap_or(0));
    let mut next = 0;
    while next < chunks {
        let batch = next..chunks.min(next + BATCH_CHUNKS);
        next = batch.end;
        let done: Vec<Vec<Year>> = match &pool {
            Some(pool) => pool.install(|| {
                batch
                    .into_par_iter()
                    .map_init(Worker::default, run_chunk)
                    .collect()
            }),
            None => batch.map(|k| run_chunk(&mut serial, k)).collect(),
        };
        years.extend(done.into_iter().flatten());
        progress(years.len() as u64);
    }
    Ok(summarize(settings, &years))
}

/// One simulated year.
#[derive(Clone, Copy, Debug, Default)]
struct Year {
    /// Minutes of (1 - served fraction).
    states: f64,
    /// Minutes of recovery transients.
    transients: f64,
    failures: u64,
}

/// Per component, the rates of leaving the up and the down state, per second.
struct Rates {
    /// P(down) at a random instant: 1 - A_c.
    p_down: Vec<f64>,
    fail: Vec<f64>,
    repair: Vec<f64>,
}

impl Rates {
    fn new(engine: &Engine) -> Rates {
        let model = engine.model();
        let mut out = Rates {
            p_down: Vec::new(),
            fail: Vec::new(),
            repair: Vec::new(),
        };
        for &c in engine.components() {
            let a = model.availability(c).0;
            let mttr = model.mttr(c).0;
            let q = model.availability(c).unavailability();
            out.p_down.push(q);
            // Up periods of mean mttr x A / (1 - A); none when A = 1.
            out.fail.push(if q > 0.0 { q / (a * mttr) } else { 0.0 });
            out.repair.push(1.0 / mttr);
        }
        out
    }
}

/// The bad changes of the topology: per change scenario, its frequency a year and its impact
/// in seconds (MODEL.md §11.6).
struct Changes {
    events: Vec<(f64, f64)>,
}

impl Changes {
    fn new(engine: &Engine) -> Changes {
        let model = engine.model();
        let mut events = Vec::new();
        for (i, change) in model.changes.iter().enumerate() {
            for latent in [false, true] {
                if latent && change.latent <= 0.0 {
                    continue;
                }
                let failure = Failure {
                    components: Vec::new(),
                    corrupted: match change.target {
                        crate::model::ChangeTarget::Datastore(d) => vec![d],
                        _ => Vec::new(),
                    },
                    change: Some(crate::evaluate::ChangeRun {
                        change: i.into(),
                        latent,
                    }),
                };
                let r = engine.evaluate(&failure);
                let frequency = change.frequency(latent);
                if let Some(impact) = r.impact
                    && frequency > 0.0
                {
                    events.push((frequency, impact));
                }
            }
        }
        Changes { events }
    }

    /// §11.6: the expected seconds a year.
    fn seconds_per_year(&self) -> f64 {
        self.events
            .iter()
            .map(|(f, i)| f * i)
            .fold(0.0, |a, b| a + b)
    }

    /// The seconds of one simulated year: a Poisson number of events of each scenario (drawn
    /// only when the topology has changes, so years without them use the same random numbers
    /// as before).
    fn year(&self, rng: &mut ChaCha8Rng) -> f64 {
        let mut seconds = 0.0;
        for &(frequency, impact) in &self.events {
            // Exponential gaps of mean 1 / frequency years until the year is over.
            let mut t = -open_unit(rng).ln() / frequency;
            while t < 1.0 {
                seconds += impact;
                t += -open_unit(rng).ln() / frequency;
            }
        }
        seconds
    }
}

/// What the simulation needs from one failed set.
#[derive(Clone, Copy, Debug)]
struct StateCost {
    down: bool,
    /// 1 - served fraction (1 when down).
    shortfall: f64,
    /// The scenario's impact, seconds (0 when down: not used).
    impact: f64,
}

/// A worker's scratch: the evaluation cache (one entry per failed set met) and the state.
#[derive(Default)]
struct Worker {
    cache: HashMap<Vec<u32>, StateCost>,
    scratch: Option<crate::evaluate::Core>,
    failure: Failure,
    /// The failed components, sorted (the cache key).
    failed: Vec<u32>,
    is_failed: Vec<bool>,
}

impl Worker {
    /// The cost of the current failed set, evaluated once per worker.
    fn cost(&mut self, engine: &Engine) -> StateCost {
        if let Some(c) = self.cache.get(self.failed.as_slice()) {
            return *c;
        }
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.failure.components.clear();
        self.failure
            .components
            .extend(self.failed.iter().map(|&i| i as usize));
        let scratch = self.scratch.get_or_insert_with(|| engine.scratch());
        let r = engine.evaluate_into(&self.failure, scratch);
        let down = r.outcome == Outcome::Down;
        let cost = StateCost {
            down,
            shortfall: if down { 1.0 } else { 1.0 - r.served_fraction },
            // Stuck groups are left out: their requests are in the state's shortfall (§10.5).
            impact: if down {
                0.0
            } else {
                r.transient_impact.unwrap_or(0.0)
            },
        };
        self.cache.insert(self.failed.clone(), cost);
        cost
    }

    /// Flips component `i` and keeps `failed` sorted.
    fn flip(&mut self, i: usize) {
        let key = i as u32;
        if self.is_failed[i] {
            self.is_failed[i] = false;
            if let Ok(at) = self.failed.binary_search(&key) {
                self.failed.remove(at);
            }
        } else {
            self.is_failed[i] = true;
            if let Err(at) = self.failed.binary_search(&key) {
                self.failed.insert(at, key);
            }
        }
    }

    /// One year from the stationary distribution.
    fn year(&mut self, engine: &Engine, rates: &Rates, rng: &mut ChaCha8Rng) -> Year {
        let n = rates.p_down.len();
        self.is_failed.clear();
        self.is_failed.resize(n, false);
        self.failed.clear();
        for i in 0..n {
            if uniform(rng) < rates.p_down[i] {
                self.is_failed[i] = true;
                self.failed.push(i as u32);
            }
        }
        let mut year = Year::default();
        let mut cost = self.cost(engine);
        let mut t = 0.0;
        let mut shortfall_seconds = 0.0;
        let mut transient_seconds = 0.0;
        loop {
            let rate_of = |i: usize, failed: &[bool]| {
                if failed[i] {
                    rates.repair[i]
                } else {
                    rates.fail[i]
                }
            };
            let total: f64 = (0..n).map(|i| rate_of(i, &self.is_failed)).sum();
            let dt = if total > 0.0 {
                -open_unit(rng).ln() / total
            } else {
                f64::INFINITY
            };
            if t + dt >= SECONDS_PER_YEAR {
                shortfall_seconds += (SECONDS_PER_YEAR - t) * cost.shortfall;
                break;
            }
            shortfall_seconds += dt * cost.shortfall;
            t += dt;
            let target = uniform(rng) * total;
            let mut acc = 0.0;
            let mut chosen = None;
            for i in 0..n {
                let r = rate_of(i, &self.is_failed);
                if r > 0.0 {
                    chosen = Some(i);
                    acc += r;
                    if target < acc {
                        break;
                    }
                }
            }
            let Some(i) = chosen else { break };
            let failing = !self.is_failed[i];
            self.flip(i);
            cost = self.cost(engine);
            if failing {
                year.failures += 1;
                if !cost.down {
                    transient_seconds += cost.impact;
                }
            }
        }
        year.states = shortfall_seconds / 60.0;
        year.transients = transient_seconds / 60.0;
        year
    }
}

/// A uniform number in [0, 1) from the top 53 bits of a word (exact, platform-independent).
fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform number in (0, 1], for logarithms.
fn open_unit(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Mean, intervals and percentiles over the years, in year order (deterministic sums).
fn summarize(settings: &Settings, years: &[Year]) -> Simulation {
    let totals: Vec<f64> = years.iter().map(|y| y.states + y.transients).collect();
    let (mean, std_dev) = mean_and_sd(&totals);
    let states: Vec<f64> = years.iter().map(|y| y.states).collect();
    let transients: Vec<f64> = years.iter().map(|y| y.transients).collect();
    let mut sorted = totals;
    sorted.sort_by(f64::total_cmp);
    Simulation {
        years: settings.years,
        seed: settings.seed,
        failure_events: years.iter().map(|y| y.failures).sum(),
        mean: normal_estimate(mean, std_dev, years.len()),
        std_dev,
        states: estimate(&states),
        transients: estimate(&transients),
        percentiles: PERCENTILES
            .iter()
            .map(|&q| percentile(&sorted, q))
            .collect(),
    }
}

fn estimate(values: &[f64]) -> Estimate {
    let (mean, sd) = mean_and_sd(values);
    normal_estimate(mean, sd, values.len())
}

/// The mean and the sample standard deviation (0 for one value), two passes in order.
fn mean_and_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
    (mean, (ss / (n - 1) as f64).sqrt())
}

/// mean ± 1.96 standard errors; no interval from a single year.
fn normal_estimate(mean: f64, sd: f64, n: usize) -> Estimate {
    if n < 2 {
        return Estimate {
            value: mean,
            ci95: [None, None],
        };
    }
    let half = Z95 * sd / (n as f64).sqrt();
    Estimate {
        value: mean,
        ci95: [Some(mean - half), Some(mean + half)],
    }
}

/// The q-quantile of sorted values and its distribution-free 95% interval.
fn percentile(sorted: &[f64], q: f64) -> Percentile {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1));
    let (low, high) = quantile_ranks(n as u64, q, 0.05);
    let at = |r: Option<u64>| r.and_then(|r| sorted.get(r as usize - 1).copied());
    Percentile {
        q,
        value: sorted.get(rank - 1).copied().unwrap_or(0.0),
        ci95: [at(low), at(high)],
    }
}

/// The 1-based ranks (l, u) of the order statistics that bound the q-quantile with confidence
/// at least 1 - alpha, alpha/2 on each side: with B ~ Binomial(n, q) the number of values
/// below the quantile, l is the largest rank with P(B <= l - 1) <= alpha/2, and u the smallest
/// with P(B >= u) <= alpha/2. `None` when n is too small for that side (no order statistic
/// bounds it at this confidence). Exact for continuous distributions, conservative with ties.
pub fn quantile_ranks(n: u64, q: f64, alpha: f64) -> (Option<u64>, Option<u64>) {
    if n == 0 || !(0.0..1.0).contains(&q) || q == 0.0 {
        return (None, None);
    }
    let tail = alpha / 2.0;
    // log P(B = k) by the ratio P(k + 1) / P(k) = (n - k) / (k + 1) x q / (1 - q), from
    // log P(B = 0) = n log(1 - q); cdf[k] = P(B <= k) accumulated in order.
    let log_odds = (q / (1.0 - q)).ln();
    let mut log_p = n as f64 * (-q).ln_1p();
    let mut cdf = 0.0;
    let mut low = None;
    let mut high = None;
    for k in 0..=n {
        cdf += log_p.exp();
        // P(B <= k) <= tail: rank k + 1 is still a valid lower bound.
        if cdf <= tail {
            low = Some(k + 1);
        }
        // P(B >= k + 1) = 1 - P(B <= k) <= tail: rank k + 1 bounds from above.
        if 1.0 - cdf <= tail {
            high = Some(k + 1);
            break;
        }
        if k < n {
            log_p += ((n - k) as f64 / (k + 1) as f64).ln() + log_odds;
        }
    }
    // Rank n + 1 does not exist: nothing bounds the quantile from above.
    (low, high.filter(|&u| u <= n))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P(B <= k) by direct summation, for checking the ranks on small n.
    fn binomial_cdf(n: u64, q: f64, k: u64) -> f64 {
        let mut total = 0.0;
        for j in 0..=k {
            let mut c = 1.0;
            for i in 0..j {
                c *= (n - i) as f64 / (i + 1) as f64;
            }
            total += c * q.powi(j as i32) * (1.0 - q).powi((n - j) as i32);
        }
        total
    }

    #[test]
    fn quantile_ranks_are_the_tightest_with_the_coverage() {
        for (n, q) in [(20, 0.5), (100, 0.5), (100, 0.9), (1000, 0.99), (59, 0.5)] {
            let (l, u) = quantile_ranks(n, q, 0.05);
            let (l, u) = (l.unwrap(), u.unwrap());
            // Coverage P(l <= B < u) = P(B <= u - 1) - P(B <= l - 1) >= 0.95.
            let below = if l >= 1 {
                binomial_cdf(n, q, l - 1)
            } else {
                0.0
            };
            assert!(below <= 0.025 + 1e-12, "n={n} q={q}: {below}");
            assert!(1.0 - binomial_cdf(n, q, u - 1) <= 0.025 + 1e-12);
            // One rank tighter on either side breaks the tail bound.
            assert!(binomial_cdf(n, q, l) > 0.025, "n={n} q={q} l={l}");
            assert!(1.0 - binomial_cdf(n, q, u - 2) > 0.025, "n={n} q={q} u={u}");
        }
        // n = 20, median: the textbook ranks 6 and 15.
        assert_eq!(quantile_ranks(20, 0.5, 0.05), (Some(6), Some(15)));
    }

    #[test]
    fn too_few_years_leave_a_side_unbounded() {
        // With 50 years, P(all 50 below the 99th percentile) = 0.99^50 = 0.6: no upper bound.
        let (l, u) = quantile_ranks(50, 0.99, 0.05);
        assert_eq!(u, None);
        assert!(l.is_some());
        // 0.99^n <= 0.025 from n = 368 on.
        assert_eq!(quantile_ranks(367, 0.99, 0.05).1, None);
        assert_eq!(quantile_ranks(368, 0.99, 0.05).1, Some(368));
        // With 3 years even the median has no bound either side (0.5^3 = 0.125 > 0.025).
        assert_eq!(quantile_ranks(3, 0.5, 0.05), (None, None));
    }

    #[test]
    fn the_mean_interval_is_the_normal_one() {
        let values = [1.0, 2.0, 3.0, 4.0];
        let e = estimate(&values);
        let sd = (5.0f64 / 3.0).sqrt();
        assert_eq!(e.value, 2.5);
        let half = Z95 * sd / 2.0;
        assert!((e.ci95[0].unwrap() - (2.5 - half)).abs() < 1e-12);
        assert!((e.ci95[1].unwrap() - (2.5 + half)).abs() < 1e-12);
        assert_eq!(estimate(&[7.0]).ci95, [None, None]);
    }

    #[test]
    fn uniforms_stay_in_their_intervals() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..10_000 {
            let u = uniform(&mut rng);
            assert!((0.0..1.0).contains(&u));
            let v = open_unit(&mut rng);
            assert!(v > 0.0 && v <= 1.0);
        }
    }
}
