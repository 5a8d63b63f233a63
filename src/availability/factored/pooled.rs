//! Step 5 under `global-lb`: pooled capacity (MODEL.md §3.5, §12.2). Routing still sends each
//! group to its lowest-RTT serving region (for latency, residency and shifts), but the entry's
//! capacity is one pool: its pass ratio is min(1, total / offered), the total summing the
//! capacity of every region where the entry is usable (a serving region's, scaled when its own
//! load exceeds its steady capacity; an idle one's steady capacity), and each serving region
//! serves up to the tighter of that ratio and its own tracked tiers (which do not pool).
//!
//! On the static network with OK, an idle region adds its steady capacity exactly when it is
//! alive and runs the entry, independently of the others given the OK programme's state. So a
//! programme over regions in `Setup::order` whose state is (OK key, entry instances added to
//! the pool, saturated where the pool carries the whole offered load) gives, backwards and once
//! per subproblem, P(OK, the regions from p on add x) for every key; at a leaf of the routing
//! search a forward pass over the regions up to the last one the search fixed (those with their
//! leaf capacity, the others free) meets it, and the leaf's figures are summed over the
//! distribution of the final pool. Cost: the keys reached at each position x (pool size + 1) x
//! classes, once per
//! subproblem, and per leaf the forward states x (pool size + 1).

use rustc_hash::FxHashMap;

use super::ok::{Effect, NONE, OkProgramme};
use super::{Class, Setup};
use crate::availability::StateProbabilities;

/// Programme entries (states x positions) beyond which `global-lb` is declined.
const MAX_ENTRIES: usize = 40_000_000;

pub(super) struct Pooled {
    /// Per region, its classes' distinct (OK effect, entry instances added to the pool when
    /// idle: steady, when alive and running the entry, else 0) with their summed
    /// probabilities: what the programme and the leaves' walks see of them.
    merged: Vec<Vec<(Effect, usize, f64)>>,
    /// The pool size (in instances) from which the whole offered load is carried: states are
    /// saturated there.
    cap: usize,
    /// Per position p in `Setup::order`: for each key the OK programme reaches there (in the
    /// order of `OkProgramme::reach`) and x, P(OK at the end, and the regions from p on add x
    /// instances to the pool (x = `cap`: at least that) | the key after the first p regions).
    value: Vec<Vec<f64>>,
}

impl Pooled {
    pub(super) fn new(
        setup: &Setup,
        classes: &[Vec<Class>],
        ok: &OkProgramme,
        outside: Option<&[bool]>,
    ) -> Result<Pooled, String> {
        let m = setup.engine.model();
        let per = m.services[m.entry.idx()].capacity_per_instance;
        // Regions outside the serving part (`serving_part.rs`, anchored islands) never add
        // to the pool.
        let outside = |r: usize| outside.is_some_and(|o| o[r]);
        let units: Vec<Vec<usize>> = classes
            .iter()
            .enumerate()
            .map(|(r, cs)| {
                cs.iter()
                    .map(|c| {
                        if c.alive && c.entry && !outside(r) && !c.outside {
                            (c.steady / per).round() as usize
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect();
        let offered = offered(setup);
        let mut cap = (offered / per).ceil() as usize;
        while cap > 0 && covers(setup, cap - 1) {
            cap -= 1;
        }
        while !covers(setup, cap) {
            cap += 1;
        }
        let keys = ok.keys;
        let n = setup.order.len();
        let width = cap + 1;
        // Only the keys the OK programme can reach at each position (`OkProgramme::reach`).
        let entries: usize = ok.reach.iter().map(Vec::len).sum();
        if entries.saturating_mul(width) > MAX_ENTRIES {
            return Err(format!(
                "global-lb pools {cap} entry instances over {keys} requirement states, more than the factored method sums"
            ));
        }
        let mut value: Vec<Vec<f64>> = ok
            .reach
            .iter()
            .map(|r| vec![0.0; r.len() * width])
            .collect();
        for (i, &key) in ok.reach[n].iter().enumerate() {
            if ok.outcome(key) == 1 {
                value[n][i * width] = 1.0;
            }
        }
        // Per region, its classes with the same effect and the same instances merged.
        let merged: Vec<Vec<(Effect, usize, f64)>> = (0..classes.len())
            .map(|r| {
                let mut out: Vec<(Effect, usize, f64)> = Vec::new();
                for (k, (c, e)) in classes[r].iter().zip(&ok.effects[r]).enumerate() {
                    let u = units[r][k].min(cap);
                    match out.iter_mut().find(|(x, v, _)| x == e && *v == u) {
                        Some((_, _, q)) => *q += c.probability,
                        None => out.push((*e, u, c.probability)),
                    }
                }
                out
            })
            .collect();
        let mut index = vec![u32::MAX; keys];
        for p in (0..n).rev() {
            let r = setup.order[p];
            for (i, &key) in ok.reach[p + 1].iter().enumerate() {
                index[key] = i as u32;
            }
            let (head, tail) = value.split_at_mut(p + 1);
            let next = &tail[0];
            for (i, &key) in ok.reach[p].iter().enumerate() {
                let row = &mut head[p][i * width..(i + 1) * width];
                for &(ref e, u, q) in &merged[r] {
                    let to = index[ok.apply(key, e)] as usize * width;
                    let from = &next[to..to + width];
                    // x + u below the cap shifts by u; the rest saturates at the cap.
                    for (out, &v) in row[u..cap].iter_mut().zip(&from[..cap - u]) {
                        *out += q * v;
                    }
                    row[cap] += q * from[cap - u..].iter().sum::<f64>();
                }
            }
        }
        Ok(Pooled { merged, cap, value })
    }

    /// E[figures x 1{OK} | the regions with `visited[r] != NONE` in that class], each visited
    /// region adding `fixed[r]` instances to the pool (its capacity at the leaf's loads), the
    /// figures of a pool of u instances being `figures(u)` (u = `cap`: at least that).
    pub(super) fn given(
        &self,
        setup: &Setup,
        ok: &OkProgramme,
        visited: &[u16],
        fixed: &[usize],
        figures: &dyn Fn(usize) -> StateProbabilities,
        walked: &mut u64,
    ) -> StateProbabilities {
        let last = visited
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != NONE)
            .map(|(r, _)| setup.position[r] + 1)
            .max()
            .unwrap_or(0);
        let width = self.cap + 1;
        let mut dist: FxHashMap<usize, f64> = FxHashMap::default();
        let mut next: FxHashMap<usize, f64> = FxHashMap::default();
        dist.insert(0, 1.0);
        for &r in &setup.order[..last] {
            // (A pooled state costs about four of the OK programme's: hashed, and wider.)
            *walked += 4 * dist.len() as u64;
            next.clear();
            for (&state, &p) in &dist {
                let (key, acc) = (state / width, state % width);
                if visited[r] != NONE {
                    let e = &ok.effects[r][visited[r] as usize];
                    let to = ok.apply(key, e) * width + (acc + fixed[r]).min(self.cap);
                    *next.entry(to).or_default() += p;
                } else {
                    for &(ref e, u, q) in &self.merged[r] {
                        let to = ok.apply(key, e) * width + (acc + u).min(self.cap);
                        *next.entry(to).or_default() += p * q;
                    }
                }
            }
            std::mem::swap(&mut dist, &mut next);
        }
        let mut states: Vec<(usize, f64)> = dist.into_iter().collect();
        states.sort_unstable_by_key(|(s, _)| *s);
        // P(OK, final pool u), then the figures of each pool.
        let mut pool = vec![0.0; width];
        for (state, p) in states {
            let (key, acc) = (state / width, state % width);
            let Ok(i) = ok.reach[last].binary_search(&key) else {
                continue;
            };
            let rest = &self.value[last][i * width..(i + 1) * width];
            for (x, &v) in rest.iter().enumerate() {
                if v != 0.0 {
                    pool[(acc + x).min(self.cap)] += p * v;
                }
            }
        }
        let mut out = StateProbabilities::ZERO;
        for (u, &p) in pool.iter().enumerate() {
            if p != 0.0 {
                out.add(&figures(u), p);
            }
        }
        out
    }
}

/// The load offered when every group is served.
fn offered(setup: &Setup) -> f64 {
    let m = setup.engine.model();
    m.peak_rps * m.users.iter().map(|u| u.share).sum::<f64>()
}

fn tolerance(setup: &Setup) -> f64 {
    1e-9 * setup.engine.model().peak_rps
}

/// Whether a pool of `units` entry instances carries the whole offered load.
fn covers(setup: &Setup, units: usize) -> bool {
    let m = setup.engine.model();
    units as f64 * m.services[m.entry.idx()].capacity_per_instance >= offered(setup)
}

/// The entry's pooled pass ratio (MODEL.md §12.2) with `units` instances in the pool (at
/// least `cap`: 1), and whether the pool falls short (§3.5's tolerance).
pub(super) fn pass(setup: &Setup, pooled: &Pooled, units: usize) -> (f64, bool) {
    if units >= pooled.cap {
        return (1.0, false);
    }
    let m = setup.engine.model();
    let total = units as f64 * m.services[m.entry.idx()].capacity_per_instance;
    let offered = offered(setup);
    let pass = if offered > 0.0 {
        (total / offered).min(1.0)
    } else {
        1.0
    };
    (
        pass,
        offered - total > tolerance(setup) || pass < 1.0 - 1e-9,
    )
}
