//! Step 3: each region's own components (the region, its AZs) collapsed into classes with
//! their probabilities, and the tiers (MODEL.md §12) whose capacity the classes carry.

use super::requirements::Items;
use rustc_hash::FxHashMap;

use super::{Class, MAX_TRACKED, Setup};

impl<'a> Setup<'a> {
    /// The requirements under `policy` and each region's classes with these groups failed.
    pub(super) fn prepare(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
    ) -> Result<(Items<'_>, Vec<Vec<Class>>), String> {
        let items = Items::new(self, policy)?;
        let classes = self.classes(avail, &items, failed_groups);
        Ok((items, classes))
    }

    /// Step 3: each region's classes.
    pub(super) fn classes(
        &self,
        avail: &[f64],
        items: &Items,
        failed_groups: u32,
    ) -> Vec<Vec<Class>> {
        self.classes_where(avail, items, failed_groups, |_| true)
    }

    /// [`Setup::classes`] of the regions `wanted` keeps (the others' lists are empty).
    pub(super) fn classes_where(
        &self,
        avail: &[f64],
        items: &Items,
        failed_groups: u32,
        wanted: impl Fn(usize) -> bool,
    ) -> Vec<Vec<Class>> {
        let m = self.engine.model();
        let entry = &m.services[m.entry.idx()];
        let mut region_killed = vec![false; m.regions.len()];
        let mut az_killed = vec![false; m.azs.len()];
        for (g, group) in m.shared.iter().enumerate() {
            if failed_groups >> g & 1 == 1 {
                for r in &group.regions {
                    region_killed[r.idx()] = true;
                }
                for a in &group.azs {
                    az_killed[a.idx()] = true;
                }
            }
        }
        let dead = |p: f64| Class {
            probability: p,
            alive: false,
            entry: false,
            steady: 0.0,
            scaled: 0.0,
            tiers: [(0.0, 0.0); MAX_TRACKED],
            bits: 0,
            members: 0,
            outside: false,
        };
        (0..m.regions.len())
            .map(|r| {
                if !wanted(r) {
                    return Vec::new();
                }
                if region_killed[r] {
                    return vec![dead(1.0)];
                }
                // A programme over the region's AZs: what the alive ones add up to (entry
                // instances steady and scaled, whether any runs the entry, tiers held).
                let a_region = avail[self.region_c[r]];
                // The tracked tiers' instances, steady and scaled, in pairs.
                type Key = (bool, u64, u64, bool, u64, [u64; 2 * MAX_TRACKED]);
                let mut dist: FxHashMap<Key, f64> = FxHashMap::default();
                dist.insert((false, 0, 0, false, 0, [0; 2 * MAX_TRACKED]), a_region);
                for a in &m.regions[r].azs {
                    let a = a.idx();
                    if az_killed[a] {
                        continue;
                    }
                    let av = avail[self.az_c[a]];
                    let bits = items.az_bits(r, a);
                    let mut next: FxHashMap<Key, f64> = FxHashMap::default();
                    for ((any, steady, scaled, runs, b, tiers), p) in dist {
                        if av < 1.0 {
                            *next
                                .entry((any, steady, scaled, runs, b, tiers))
                                .or_default() += p * (1.0 - av);
                        }
                        if av > 0.0 {
                            let mut tiers = tiers;
                            for (k, &s) in self.tracked.iter().enumerate() {
                                let svc = &m.services[s];
                                tiers[2 * k] += u64::from(svc.instances[a]);
                                tiers[2 * k + 1] += u64::from(svc.scaled_instances[a]);
                            }
                            let key = (
                                true,
                                steady + u64::from(entry.instances[a]),
                                scaled + u64::from(entry.scaled_instances[a]),
                                runs || entry.scaled_instances[a] > 0,
                                b | bits,
                                tiers,
                            );
                            *next.entry(key).or_default() += p * av;
                        }
                    }
                    dist = next;
                }
                let mut outcomes: Vec<(Key, f64)> = dist.into_iter().collect();
                outcomes.sort_by_key(|(k, _)| *k);
                let mut out = vec![dead(1.0 - a_region)];
                let region_bits = items.region_bits(r);
                for ((any, steady, scaled, runs, bits, counts), p) in outcomes {
                    if !any {
                        out[0].probability += p;
                        continue;
                    }
                    out.push(Class {
                        probability: p,
                        alive: true,
                        entry: runs,
                        steady: steady as f64 * entry.capacity_per_instance,
                        scaled: scaled as f64 * entry.capacity_per_instance,
                        tiers: std::array::from_fn(|k| match self.tracked.get(k) {
                            Some(&s) => {
                                let per = m.services[s].capacity_per_instance;
                                (counts[2 * k] as f64 * per, counts[2 * k + 1] as f64 * per)
                            }
                            None => (0.0, 0.0),
                        }),
                        bits: bits | region_bits,
                        members: items.members(r),
                        outside: false,
                    });
                }
                out.retain(|c| c.probability > 0.0);
                let most = m.peak_rps * m.users.iter().map(|u| u.share).sum::<f64>().max(1.0);
                merge_sufficient(out, most + 1e-9 * m.peak_rps, self.tracked.len())
            })
            .collect()
    }
}

/// MODEL.md §12: the tiers other than the entry whose capacity the method must track. It sums
/// per-region classes, so every tier must be called in the region that serves (σ_s(r) = r).
/// Every other service of the closure must be required (no partial dependencies) and
/// - *never short*: every AZ holding it (placement or `scale_to`) alone carries the whole
///   demand (its offered load anywhere is at most `peak_rps`, and a region short on its steady
///   instances scales to at least that AZ's scaled capacity): not tracked; or
/// - *dominated*: in every AZ where the entry runs (placement or `scale_to`) it has instances
///   of at least the entry's scaled capacity there; it is then usable wherever the entry is
///   (its required items are required by the entry too, so usable from any region where the
///   entry is), its offered load equals the entry's and its capacity is never below the
///   entry's, so its pass ratio never binds and it falls short only when the entry does: not
///   tracked; or
/// - *co-located*: it has an instance (placement or `scale_to`) in every AZ where the entry
///   has one, so again σ_s(r) = r and its offered load in r is r's load, but its capacity may
///   bind: tracked, its steady and scaled capacity a feature of each region class.
///
/// Otherwise (a tier called in another region), or above [`MAX_TRACKED`] tracked tiers, the
/// topology is declined (enumeration reaches it up to 22 components).
pub(super) fn tiers_to_track(
    m: &crate::model::Model,
    graphs: &crate::graph::Graphs,
) -> Result<Vec<usize>, String> {
    if graphs.has_partial {
        return Err(
            "partial dependencies (MODEL.md §12.4) are not summed by the factored method yet"
                .into(),
        );
    }
    let entry = &m.services[m.entry.idx()];
    let mut tracked = Vec::new();
    for s in &graphs.entry_services {
        let svc = &m.services[s.idx()];
        let never_short = (0..m.azs.len()).all(|a| {
            svc.scaled_instances[a] == 0
                || f64::from(svc.scaled_instances[a]) * svc.capacity_per_instance >= m.peak_rps
        });
        let dominated = (0..m.azs.len()).all(|a| {
            entry.scaled_instances[a] == 0
                || f64::from(svc.instances[a]) * svc.capacity_per_instance
                    >= f64::from(entry.scaled_instances[a]) * entry.capacity_per_instance
        });
        // Under global-lb only the entry pools: a dominated tier can still bind where the pool
        // sends a region more load than its own entry capacity (MODEL.md §12.2).
        if never_short || (dominated && m.routing.kind != crate::model::RoutingKind::GlobalLb) {
            continue;
        }
        let co_located =
            (0..m.azs.len()).all(|a| entry.scaled_instances[a] == 0 || svc.scaled_instances[a] > 0);
        if !co_located {
            return Err(format!(
                "service `{}` can limit capacity and is not placed in every AZ where the entry service runs, so some regions call it in another region (MODEL.md §12.2), which the factored method does not sum",
                svc.id
            ));
        }
        tracked.push(s.idx());
    }
    if tracked.len() > MAX_TRACKED {
        return Err(format!(
            "{} tiers besides the entry can limit capacity, above the {MAX_TRACKED} the factored method tracks",
            tracked.len()
        ));
    }
    Ok(tracked)
}

/// Merges the alive classes whose steady capacity alone covers `most` (the whole demand, with
/// the degradation tolerance) and that differ in nothing else: no load can exceed them or make
/// them scale, so their capacities have the same effect. Regions with many AZs otherwise have
/// a class per number of alive AZs, and the routing search would branch on each.
pub(super) fn merge_sufficient(classes: Vec<Class>, most: f64, tracked: usize) -> Vec<Class> {
    let sufficient =
        |c: &Class| c.alive && c.steady >= most && c.tiers[..tracked].iter().all(|t| t.0 >= most);
    let mut out: Vec<Class> = Vec::with_capacity(classes.len());
    for c in classes {
        if sufficient(&c)
            && let Some(same) = out.iter_mut().find(|o| {
                sufficient(o) && o.entry == c.entry && o.bits == c.bits && o.members == c.members
            })
        {
            same.probability += c.probability;
            continue;
        }
        out.push(c);
    }
    out
}
