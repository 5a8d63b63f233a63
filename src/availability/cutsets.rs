//! Minimal cut sets (MODEL.md §5): sets of components whose failure, all others up, is `down`
//! while the failure of no proper subset is. The model is not monotone (§3.2), so every subset
//! is checked, not only supersets of known cuts.

use std::collections::HashSet;

use rayon::prelude::*;
use serde::Serialize;

use crate::evaluate::{Engine, Failure, Outcome};
use crate::scenario::proper_subsets;

/// Subsets evaluated per parallel batch.
const BATCH: usize = 4096;

/// The automatic order: 3 while that is at most this many subsets, else 2.
const AUTO_ORDER_3_LIMIT: u64 = 250_000;

/// One minimal cut set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CutSet {
    /// Component ids, sorted.
    pub components: Vec<String>,
    /// The product of the members' unavailabilities.
    pub probability: f64,
}

/// All minimal cut sets up to an order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CutSets {
    pub max_order: usize,
    /// Sorted by probability (largest first), then by ids.
    pub sets: Vec<CutSet>,
}

/// The order `analyze` uses when not told: 3, or 2 when there are too many triples.
pub fn auto_order(components: usize) -> usize {
    if crate::scenario::binomial(components as u64, 3) <= AUTO_ORDER_3_LIMIT {
        3
    } else {
        2
    }
}

/// Every minimal cut set of at most `max_order` components. `single_down` says which single
/// failures are down.
pub fn minimal(
    engine: &Engine,
    single_down: &[bool],
    max_order: usize,
    pool: Option<&rayon::ThreadPool>,
) -> CutSets {
    let n = engine.components().len();
    let mut found: Vec<Vec<usize>> = (0..n)
        .filter(|&i| single_down[i])
        .map(|i| vec![i])
        .collect();
    // Down subsets of two or more components (minimal or not), for the subset checks.
    let mut down_sets: HashSet<Vec<usize>> = HashSet::new();
    for k in 2..=max_order.min(n) {
        let mut combo: Vec<usize> = (0..k).collect();
        let mut more = true;
        let mut batch: Vec<usize> = Vec::with_capacity(BATCH * k);
        while more {
            batch.clear();
            while more && batch.len() < BATCH * k {
                batch.extend_from_slice(&combo);
                more = next_combination(&mut combo, n);
            }
            // One scratch per worker, reused across combinations (a fresh one allocates every
            // table of the evaluation).
            let down = |core: &mut crate::evaluate::Core, set: &[usize]| {
                let failure = Failure {
                    components: set.to_vec(),
                    corrupted: Vec::new(),
                    change: None,
                };
                engine.core_into(&failure, core);
                core.outcome == Outcome::Down
            };
            let flags: Vec<bool> = match pool {
                Some(pool) => pool.install(|| {
                    batch
                        .par_chunks(k)
                        .map_init(|| engine.scratch(), down)
                        .collect()
                }),
                None => {
                    let mut core = engine.scratch();
                    batch.chunks(k).map(|set| down(&mut core, set)).collect()
                }
            };
            for (set, is_down) in batch.chunks(k).zip(flags) {
                if !is_down {
                    continue;
                }
                let is_down = |sub: &Vec<usize>| {
                    if sub.len() == 1 {
                        single_down[sub[0]]
                    } else {
                        down_sets.contains(sub)
                    }
                };
                let minimal = !proper_subsets(set, 1).any(|sub| is_down(&sub));
                down_sets.insert(set.to_vec());
                if minimal {
                    found.push(set.to_vec());
                }
            }
        }
    }
    let model = engine.model();
    let mut sets: Vec<CutSet> = found
        .iter()
        .map(|set| {
            // Members in id order, and the product taken in that order, so that neither the
            // ids nor the last bit of the probability (and so the ranking) depend on file order.
            let mut members: Vec<(String, f64)> = set
                .iter()
                .map(|&i| {
                    let c = engine.components()[i];
                    (
                        model.component_id(c),
                        model.availability(c).unavailability(),
                    )
                })
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let probability = members.iter().map(|(_, q)| q).product();
            let components: Vec<String> = members.into_iter().map(|(id, _)| id).collect();
            CutSet {
                components,
                probability,
            }
        })
        .collect();
    sets.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| a.components.len().cmp(&b.components.len()))
            .then_with(|| a.components.cmp(&b.components))
    });
    CutSets { max_order, sets }
}

/// Advances `combo` (strictly increasing indices below `n`) to the next combination in
/// lexicographic order; false after the last.
fn next_combination(combo: &mut [usize], n: usize) -> bool {
    let k = combo.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        if combo[i] < n - k + i {
            combo[i] += 1;
            for j in i + 1..k {
                combo[j] = combo[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_run_in_lexicographic_order() {
        let mut combo = vec![0, 1];
        let mut all = vec![combo.clone()];
        while next_combination(&mut combo, 4) {
            all.push(combo.clone());
        }
        assert_eq!(
            all,
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3]
            ]
        );
    }

    #[test]
    fn proper_subsets_exclude_empty_and_whole() {
        let subs: Vec<Vec<usize>> = proper_subsets(&[4, 7, 9], 1).collect();
        assert_eq!(subs.len(), 6);
        assert!(!subs.contains(&vec![4, 7, 9]));
        assert!(subs.contains(&vec![4, 9]));
    }
}
