//! Step 4 when the link graph is not connected (`none`, pairs, clusters): the one part of it
//! that can ever serve.
//!
//! The parts of the link graph with every link up are fixed: failures only split them further.
//! A part can serve only if it can hold a home of every datastore the entry service needs (a
//! satisfier of some tier of each requirement, or a strict majority of a quorum's members, or
//! the region it restores to), can run every service it needs, and runs the entry; the regions
//! of any other part never serve, whatever fails. When exactly one part can, the static network
//! of step 4 is that part connected, and the regions outside it are a second part of the OK
//! programme that is never OK: they still hold tiers (an alive primary is the home wherever it
//! is, MODEL.md §3.2, so a primary outside the serving part leaves it without one), which is
//! all they change. P(¬N) is then the probability that the serving part's alive regions are
//! split. Quorums are kept exact by declining when a part outside could hold a majority of
//! their members (then the count outside would have to be per part).

use super::Setup;
use super::islands::parts;
use super::requirements::Items;
use crate::availability::partial::SummedOut;

impl Setup<'_> {
    /// `None` when the link graph is connected; else the regions outside its one part that can
    /// serve, or why the method declines (no part, or several, can serve).
    pub(super) fn serving_part(&self) -> Result<Option<Vec<bool>>, String> {
        let m = self.engine.model();
        let n = m.regions.len();
        let parts = parts(m, &vec![true; n], &vec![false; m.links.len()]);
        if parts.len() == 1 {
            return Ok(None);
        }
        // Every restore allowed: the most tiers any policy gives.
        let restore_all: Vec<usize> = self.restorable.iter().map(|(d, _)| *d).collect();
        let items = Items::new(self, &restore_all)?;
        let entry = &m.services[m.entry.idx()];
        // The parts that can serve, and those that can hold a quorum's majority.
        let (mut can_serve, mut majorities) = (Vec::new(), Vec::new());
        for (p, part) in parts.iter().enumerate() {
            let bits = part.iter().fold(0, |b, &r| b | items.held_by(r));
            let runs_entry = part.iter().any(|&r| {
                m.regions[r]
                    .azs
                    .iter()
                    .any(|a| entry.scaled_instances[a.idx()] > 0)
            });
            let holds = |i: usize| items.tiers_of(bits, i) != 0;
            let mut can = runs_entry
                && (0..items.tiers.len())
                    .filter(|i| items.required >> i & 1 == 1)
                    .all(holds);
            for (q, quorum) in items.quorums.iter().enumerate() {
                let members = items.quorum_members[q]
                    .iter()
                    .filter(|r| part.contains(r))
                    .count();
                let majority = members >= quorum.majority as usize;
                can &= majority || quorum.restore_item.is_some_and(holds);
                if majority {
                    majorities.push(p);
                }
            }
            if can {
                can_serve.push(p);
            }
        }
        let [only] = can_serve[..] else {
            return Err(format!(
                "the regions form {} networks not linked to each other, and {} of them can serve",
                parts.len(),
                can_serve.len()
            ));
        };
        // A majority outside the serving part would need a count of its own part (the OK
        // programme counts the regions outside as one); inside it, it is counted as on a
        // connected network.
        if majorities.iter().any(|&p| p != only) {
            return Err("the regions form networks not linked to each other, and one that cannot serve holds a majority of a consensus store's members".into());
        }
        Ok(Some((0..n).map(|r| !parts[only].contains(&r)).collect()))
    }
}

impl Setup<'_> {
    /// Per component, how the figures on the model and on the static network, and whether the
    /// serving part splits, depend on it (so that the split states of step 4 sum over fewer:
    /// `availability::split_states`). With a serving part (`Setup::outside`), the regions
    /// outside it that hold no tier of a requirement, under any restore policy, that comes
    /// before one the serving part can hold, their AZs, and the links outside it (quorum
    /// members outside never hold a majority, see `serving_part`) change nothing but W
    /// (MODEL.md §3.2), and W only through the restore times it exceeds: with an MTTR no longer
    /// than every restore time, nothing ([`SummedOut::Fully`]); else by the number of restore
    /// times below their MTTR ([`SummedOut::ByW`]). Empty when every region is linked.
    pub(super) fn summed_out(&self) -> Result<Vec<SummedOut>, String> {
        let Some(outside) = &self.outside else {
            return Ok(Vec::new());
        };
        let m = self.engine.model();
        let restore_all: Vec<usize> = self.restorable.iter().map(|(d, _)| *d).collect();
        let items = Items::new(self, &restore_all)?;
        let how = |c: usize| {
            let component = self.engine.components()[c];
            // One that never fails has no place in the walk anyway (and a group of only such
            // would have none).
            if m.availability(component).0 >= 1.0 {
                return SummedOut::No;
            }
            let mttr = m.mttr(component).0;
            let mut below: Vec<f64> = self
                .restorable
                .iter()
                .map(|(_, t)| *t)
                .filter(|t| *t < mttr)
                .collect();
            below.sort_by(f64::total_cmp);
            below.dedup();
            match below.len() {
                0 => SummedOut::Fully,
                k => SummedOut::ByW(k),
            }
        };
        let inside = (0..m.regions.len())
            .filter(|&r| !outside[r])
            .fold(0, |b, r| b | items.held_by(r));
        // A tier held outside changes OK only when the serving part can hold a later tier of
        // the same requirement (the outside one then comes first).
        let blocks = |r: usize| {
            let held = items.held_by(r);
            (0..items.tiers.len()).any(|i| {
                let (theirs, ours) = (items.tiers_of(held, i), items.tiers_of(inside, i));
                theirs != 0 && ours != 0 && theirs.trailing_zeros() < 63 - ours.leading_zeros()
            })
        };
        let mut summed = vec![SummedOut::No; self.engine.components().len()];
        for (r, region) in m.regions.iter().enumerate() {
            if !outside[r] || blocks(r) {
                continue;
            }
            summed[self.region_c[r]] = how(self.region_c[r]);
            for a in &region.azs {
                summed[self.az_c[a.idx()]] = how(self.az_c[a.idx()]);
            }
        }
        for (l, link) in m.links.iter().enumerate() {
            if link.ends.iter().all(|e| outside[e.idx()]) {
                summed[self.link_c[l]] = how(self.link_c[l]);
            }
        }
        Ok(summed)
    }
}
