//! MODEL.md §3.5 and §12.1-4: the capacity of every tier of the entry service's closure.
//!
//! Every request served by region r calls each service s of the closure, with probability its
//! call fraction, in σ_s(r) (r if s is usable there, else the nearest connected region where it
//! is). A tier's offered load in q is what the serving regions send it there; its capacity is
//! its instances in alive AZs of q (scaled up when the load exceeds them and `scale_to` allows);
//! its pass ratio is min(1, capacity / load). A region's requests are served up to the tightest
//! required tier they pass through (ρ_r), times the partial factor of the partial items that
//! fail for it (§12.4).

use super::{Core, Engine, Outcome, reset, scaled_capacity};
use crate::model::{Dependency, RegionIdx, RoutingKind, ServiceIdx};

/// No region: σ_s(r) when s is usable in no region connected to r.
pub(crate) const NOWHERE: u32 = u32::MAX;

/// The tier that limited a degraded scenario: the lowest pass ratio among the tiers short of
/// capacity (ties by service id, then region id).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bottleneck {
    pub service: ServiceIdx,
    /// `None` for the entry service's pooled capacity under `global-lb`.
    pub region: Option<RegionIdx>,
    pub pass_ratio: f64,
}

/// Per closure tier (index k into [`Engine::closure`], the entry first) and region q, indexed
/// [k * R + q]; per serving region r, indexed [r].
#[derive(Clone, Debug, Default)]
pub struct Tiers {
    /// σ_k(r): the region tier k is called in from serving region r, or [`NOWHERE`].
    pub sigma: Vec<u32>,
    pub offered: Vec<f64>,
    pub steady: Vec<f64>,
    pub capacity: Vec<f64>,
    pub scaled: Vec<bool>,
    pub pass: Vec<f64>,
    /// ρ_r: the share of r's requests served.
    pub rho: Vec<f64>,
    /// Per closure item (dependency-graph node), for the region being looked at: whether some
    /// path from the entry reaches it through no partial service unusable from that region.
    open: Vec<bool>,
    /// Per serving region, the items that are open from it ([r * items + i]).
    pub open_from: Vec<bool>,
    /// Scratch: the serving regions, and the [k * R + q] entries written this scenario (only
    /// those are reset for the next one, so a scenario costs what its serving regions call).
    serving: Vec<usize>,
    touched: Vec<usize>,
    /// Whether [k * R + q] is in `touched`.
    marked: Vec<bool>,
    pub bottleneck: Option<Bottleneck>,
    /// Under `global-lb`: the pooled entry steady capacity and offered load (for the scale
    /// weight of §12.5).
    pub pooled_steady: f64,
    pub pooled_offered: f64,
}

impl Tiers {
    /// Back to "nothing computed" for `size` = tiers x regions entries and `n` regions:
    /// everything on the first use, then only what the last scenario wrote.
    fn clear(&mut self, size: usize, n: usize) {
        if self.sigma.len() != size || self.rho.len() != n {
            reset(&mut self.sigma, size, NOWHERE);
            reset(&mut self.offered, size, 0.0);
            reset(&mut self.steady, size, 0.0);
            reset(&mut self.capacity, size, 0.0);
            reset(&mut self.scaled, size, false);
            reset(&mut self.pass, size, 1.0);
            reset(&mut self.rho, n, 0.0);
            reset(&mut self.marked, size, false);
        } else {
            // σ of every serving region and the capacity figures of every touched entry are
            // written before they are read; only the sums and marks need clearing.
            for &r in &self.serving {
                self.rho[r] = 0.0;
            }
            for &i in &self.touched {
                self.marked[i] = false;
                self.offered[i] = 0.0;
            }
        }
        self.touched.clear();
        self.serving.clear();
        self.bottleneck = None;
        self.pooled_steady = 0.0;
        self.pooled_offered = 0.0;
    }

    /// Adds [k * R + q] to the entries written this scenario (once).
    fn touch(&mut self, i: usize) {
        if !self.marked[i] {
            self.marked[i] = true;
            self.touched.push(i);
        }
    }

    /// Whether item `i` (a dependency-graph node) is reached from serving region `r` through
    /// no partial service unusable from r.
    pub fn open(&self, items: usize, r: usize, i: usize) -> bool {
        self.open_from[r * items + i]
    }
}

impl Engine<'_> {
    /// MODEL.md §3.5 with §12.2-4: loads, scaling, pass ratios, served fraction, degradation,
    /// surge and the bottleneck. `core.assignment` is set and not every group is unserved.
    pub(super) fn capacity(&self, core: &mut Core) {
        let m = self.model;
        let peak = m.peak_rps;
        let tolerance = 1e-9 * peak;
        let n = m.regions.len();
        let closure = &self.closure;
        let k_count = closure.len();
        let mut t = std::mem::take(&mut core.tiers);
        let mut load = std::mem::take(&mut core.load);
        let global_lb = m.routing.kind == RoutingKind::GlobalLb;
        reset(&mut load, n, 0.0);
        for (u, r) in core.assignment.iter().enumerate() {
            if let Some(r) = r {
                load[r.idx()] += peak * m.users[u].share;
            }
        }
        t.clear(k_count * n, n);
        t.serving.extend((0..n).filter(|&r| load[r] > 0.0));
        // σ and offered loads.
        for (k, &(s, c)) in closure.iter().enumerate() {
            for j in 0..t.serving.len() {
                let r = t.serving[j];
                let q = if k == 0 {
                    Some(r)
                } else {
                    self.called_in(core, s, r)
                };
                t.sigma[k * n + r] = q.map_or(NOWHERE, |q| q as u32);
                if let Some(q) = q {
                    t.offered[k * n + q] += c * load[r];
                    t.touch(k * n + q);
                }
            }
        }
        // Under global-lb an idle region where the entry is usable still adds to the pool.
        if global_lb {
            for q in 0..n {
                if core.usable(m.entry.idx(), q) {
                    t.touch(q);
                }
            }
        }
        // Capacity, scaling and pass ratios of every tier where it is called (and of the
        // entry wherever it is usable, under global-lb).
        let entry = m.entry.idx();
        for j in 0..t.touched.len() {
            let i = t.touched[j];
            let (k, q) = (i / n, i % n);
            let counts = if k == 0 {
                core.usable(entry, q)
            } else {
                t.offered[i] > 0.0
            };
            if !counts {
                (t.steady[i], t.capacity[i], t.scaled[i], t.pass[i]) = (0.0, 0.0, false, 1.0);
                continue;
            }
            let service = closure[k].0;
            let svc = &m.services[service.idx()];
            let (mut steady, mut scaled) = (0u64, 0u64);
            for a in &m.regions[q].azs {
                // Instances in alive AZs that a bad change did not break (§11.2).
                if core.instances_up(service.idx(), a.idx()) {
                    steady += u64::from(svc.instances[a.idx()]);
                    scaled += u64::from(svc.scaled_instances[a.idx()]);
                }
            }
            let steady = steady as f64 * svc.capacity_per_instance;
            let scaled = scaled as f64 * svc.capacity_per_instance;
            t.steady[i] = steady;
            (t.scaled[i], t.capacity[i]) =
                scaled_capacity(t.offered[i], steady, scaled, svc.scales[q], tolerance);
            if t.scaled[i] && !super::control::can_scale(core, svc) {
                // §10.3: scaling needs a control plane that is down; the tier keeps its steady
                // capacity there.
                (t.scaled[i], t.capacity[i]) = (false, steady);
                if !core.scale_frozen.contains(&service) {
                    core.scale_frozen.push(service);
                }
            }
            t.pass[i] = if t.offered[i] > 0.0 {
                (t.capacity[i] / t.offered[i]).min(1.0)
            } else {
                1.0
            };
        }
        let mut degraded = false;
        let mut surge = 0.0;
        let instances = |shortfall: f64, per: f64| (shortfall / per - 1e-9).ceil().max(0.0);
        let note = |t: &mut Tiers, k: usize, region: Option<usize>, pass: f64| {
            let candidate = Bottleneck {
                service: closure[k].0,
                region: region.map(RegionIdx::from),
                pass_ratio: pass,
            };
            // Ties by service id, then region id (the pooled entry, no region, first).
            let key = |b: &Bottleneck| {
                (
                    self.service_rank[b.service.idx()],
                    b.region.map(|r| self.region_rank[r.idx()]),
                )
            };
            let better = match &t.bottleneck {
                None => true,
                Some(b) => {
                    pass < b.pass_ratio || (pass == b.pass_ratio && key(&candidate) < key(b))
                }
            };
            if better {
                t.bottleneck = Some(candidate);
            }
        };
        // The entry, pooled under global-lb.
        let pooled_pass = if global_lb {
            // The entry's entries (k = 0) among the touched ones, in region order.
            let mut total = 0.0;
            let mut steady = 0.0;
            for q in 0..n {
                if t.marked[q] {
                    total += t.capacity[q];
                    steady += t.steady[q];
                }
            }
            let offered: f64 = load.iter().sum();
            t.pooled_steady = steady;
            t.pooled_offered = offered;
            let shortfall = offered - total;
            let pass = if offered > 0.0 {
                (total / offered).min(1.0)
            } else {
                1.0
            };
            if shortfall > tolerance {
                degraded = true;
                surge += instances(shortfall, m.services[entry].capacity_per_instance)
                    * m.services[entry].cost_per_hour.0;
                note(&mut t, 0, None, pass);
            }
            Some(pass)
        } else {
            None
        };
        // Every other tier where it is called (in the order first called: deterministic).
        for j in 0..t.touched.len() {
            let i = t.touched[j];
            let (k, q) = (i / n, i % n);
            if k == 0 && global_lb {
                continue;
            }
            let shortfall = t.offered[i] - t.capacity[i];
            if shortfall > tolerance {
                let svc = &m.services[closure[k].0.idx()];
                degraded = true;
                surge += instances(shortfall, svc.capacity_per_instance) * svc.cost_per_hour.0;
                let pass = t.pass[i];
                note(&mut t, k, Some(q), pass);
            }
        }
        // ρ_r for every serving region.
        let items = self.graphs.call_fraction.len();
        reset(
            &mut t.open_from,
            if self.graphs.has_partial {
                n * items
            } else {
                0
            },
            false,
        );
        let mut served = 0.0;
        for j in 0..t.serving.len() {
            let r = t.serving[j];
            let load_r = load[r];
            let mut rho = pooled_pass.unwrap_or(t.pass[r]);
            for (k, &(_, c)) in closure.iter().enumerate().skip(1) {
                let q = t.sigma[k * n + r];
                if c >= 1.0 && q != NOWHERE {
                    rho = rho.min(t.pass[k * n + q as usize]);
                }
            }
            if self.graphs.has_partial {
                rho *= self.partial_factor(core, &mut t, r, tolerance);
            }
            t.rho[r] = rho;
            if rho < 1.0 - 1e-9 {
                degraded = true;
            }
            served += load_r / peak * rho;
        }
        core.served_fraction = served.min(1.0);
        core.outcome = if core.served_fraction <= 0.0 {
            Outcome::Down
        } else if degraded {
            Outcome::Degraded
        } else {
            Outcome::Up
        };
        core.surge_cost_per_hour = surge;
        for &r in &t.serving {
            core.scaled[r] = t.scaled[r];
        }
        core.load = load;
        core.tiers = t;
    }

    /// σ_s(r): r if s is usable there, else the nearest region connected to r where it is (by
    /// round trip, ties by id); `None` when there is none.
    fn called_in(&self, core: &Core, s: ServiceIdx, r: usize) -> Option<usize> {
        if core.usable(s.idx(), r) {
            return Some(r);
        }
        let from = RegionIdx::from(r);
        self.regions_by_rtt(from)
            .iter()
            .find(|q| core.usable(s.idx(), q.idx()) && core.state.connected(from, **q))
            .map(|q| q.idx())
    }

    /// MODEL.md §12.4: the partial factor of serving region r, and which items are open from
    /// it (reached through no partial service unusable from r).
    fn partial_factor(&self, core: &Core, t: &mut Tiers, r: usize, tolerance: f64) -> f64 {
        let m = self.model;
        let n = m.regions.len();
        let graphs = &self.graphs;
        let items = graphs.call_fraction.len();
        let node = |d: Dependency| match d {
            Dependency::Service(s) => s.idx(),
            Dependency::Datastore(x) => m.services.len() + x.idx(),
            Dependency::External(e) => m.services.len() + m.datastores.len() + e.idx(),
        };
        let tier_of = |s: ServiceIdx| self.closure.iter().position(|(x, _)| *x == s);
        // Services in callers-first order: an item is open when some open caller that is not a
        // blocked partial service lists it.
        reset(&mut t.open, items, false);
        t.open[m.entry.idx()] = true;
        for s in graphs.service_order.iter().rev() {
            if !t.open[s.idx()] {
                continue;
            }
            let c = graphs.call_fraction[s.idx()];
            let blocked = *s != m.entry
                && c < 1.0
                && tier_of(*s).is_none_or(|k| t.sigma[k * n + r] == NOWHERE);
            if blocked {
                continue;
            }
            for (d, _) in m.services[s.idx()].needs() {
                t.open[node(d)] = true;
            }
        }
        t.open_from[r * items..(r + 1) * items].copy_from_slice(&t.open);
        let from = RegionIdx::from(r);
        let mut factor = 1.0;
        for (d, c) in &self.partial_items {
            if !t.open[node(*d)] {
                continue;
            }
            let lost = match d {
                Dependency::Service(s) => match tier_of(*s) {
                    Some(k) if t.sigma[k * n + r] != NOWHERE => {
                        let q = t.sigma[k * n + r] as usize;
                        let i = k * n + q;
                        if t.offered[i] - t.capacity[i] > tolerance {
                            c * (1.0 - t.pass[i])
                        } else {
                            0.0
                        }
                    }
                    _ => *c,
                },
                Dependency::Datastore(x) => {
                    let homes = &core.recoveries[x.idx()].homes;
                    if homes.iter().any(|h| core.state.connected(from, *h)) {
                        0.0
                    } else {
                        *c
                    }
                }
                Dependency::External(e) => {
                    if core.state.external_alive[e.idx()] {
                        0.0
                    } else {
                        *c
                    }
                }
            };
            factor *= 1.0 - lost;
        }
        factor
    }
}
