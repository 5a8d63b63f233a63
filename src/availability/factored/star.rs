//! Step 4 on a star (every link has the anchor at one end, `drplan generate --links hub`):
//! the split states summed exactly.
//!
//! No part of the network without the anchor is OK (`Setup::anchor`), so the anchor's part is
//! the only one that can serve. With the anchor dead nothing is OK: `down`. Given it alive,
//! another region is in its part exactly when it is alive and one of its links to the anchor
//! is up: independently of the other regions. So each alive class of such a region becomes
//! two, in the part (weighted by P(some link up)) and cut off (`Class::outside`: it holds its
//! tiers, as MODEL.md §3.2 has an alive primary be the home wherever it is, but never serves),
//! and one OK programme and routing search over these classes give the figures on every
//! state, split or not. P(¬N) is then no part of the error bound.

use super::Setup;
use super::requirements::Items;
use crate::availability::StateProbabilities;
use crate::evaluate::Outcome;

use super::Class;

impl Setup<'_> {
    /// E[(down, not full, shortfall)] over every state of the regions and links, and the
    /// pruned mass, for one subproblem on a star.
    pub(super) fn star(
        &self,
        avail: &[f64],
        items: &Items,
        classes: &[Vec<Class>],
    ) -> Result<(StateProbabilities, f64), String> {
        let a = self.anchor.expect("a star has an anchor");
        let m = self.engine.model();
        // Per region: P(every link to the anchor down).
        let mut cut = vec![1.0; classes.len()];
        for (l, link) in m.links.iter().enumerate() {
            let [x, y] = [link.ends[0].idx(), link.ends[1].idx()];
            let other = if x == a { y } else { x };
            if other != a {
                cut[other] *= 1.0 - avail[self.link_c[l]];
            }
        }
        let (alive, dead): (f64, f64) = classes[a].iter().fold((0.0, 0.0), |(al, de), c| {
            if c.alive {
                (al + c.probability, de)
            } else {
                (al, de + c.probability)
            }
        });
        let mut total = StateProbabilities::ZERO;
        total.add(&StateProbabilities::of(Outcome::Down, 0.0), dead);
        if alive == 0.0 {
            return Ok((total, 0.0));
        }
        let conditioned: Vec<Vec<Class>> = classes
            .iter()
            .enumerate()
            .map(|(r, cs)| {
                if r == a {
                    return cs
                        .iter()
                        .filter(|c| c.alive)
                        .map(|c| Class {
                            probability: c.probability / alive,
                            ..c.clone()
                        })
                        .collect();
                }
                let mut out: Vec<Class> = Vec::with_capacity(cs.len() * 2);
                let mut cut_off: Vec<Class> = Vec::new();
                for c in cs {
                    if !c.alive {
                        out.push(c.clone());
                        continue;
                    }
                    if cut[r] < 1.0 {
                        out.push(Class {
                            probability: c.probability * (1.0 - cut[r]),
                            ..c.clone()
                        });
                    }
                    if cut[r] == 0.0 {
                        continue;
                    }
                    // Cut off, only the tiers and members matter (it never serves): one
                    // class per way they can be, so that the routing search branches less.
                    let p = c.probability * cut[r];
                    match cut_off
                        .iter_mut()
                        .find(|x| x.bits == c.bits && x.members == c.members)
                    {
                        Some(x) => x.probability += p,
                        None => cut_off.push(Class {
                            probability: p,
                            outside: true,
                            ..c.clone()
                        }),
                    }
                }
                out.extend(cut_off);
                out
            })
            .collect();
        let none = vec![false; classes.len()];
        let (figures, pruned) =
            self.connected_within(items, &conditioned, Some(&none), (alive, self.prune.0))?;
        total.add(&figures, alive);
        Ok((total, pruned * alive))
    }
}
