//! Stage 4: the failure scenarios to evaluate (MODEL.md §2).
//!
//! A [`Plan`] holds the standard scenarios (every single component, every corruption, every
//! custom scenario) and, with `--max-failures K`, describes every combination of 2..=K
//! components without materializing them: [`Plan::scenarios`] yields all of them merged in id
//! order (bytes), so output can be streamed in the order MODEL.md §8 requires.

use std::cmp::Ordering;

use crate::evaluate::{ChangeRun, Engine, Failure};
use crate::model::{ChangeTarget, Class, FailItem, Model};

/// One scenario: its id, class, what fails, and the failure as the engine takes it.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub id: String,
    pub class: Class,
    /// Ids of what fails (component ids and `corruption:<store>`), sorted by bytes.
    pub failed: Vec<String>,
    pub failure: Failure,
}

impl Scenario {
    /// Whether this is the failure of one component alone (a class-`region`, `az`, ... scenario).
    pub fn is_single(&self) -> bool {
        !matches!(
            self.class,
            Class::Custom | Class::Corruption | Class::Change | Class::Combo
        )
    }
}

/// Every single-component scenario, every corruption scenario and every custom scenario,
/// sorted by id (bytes).
pub fn standard(engine: &Engine) -> Vec<Scenario> {
    let model = engine.model();
    let mut out = Vec::new();
    for (i, c) in engine.components().iter().enumerate() {
        let id = model.component_id(*c);
        out.push(Scenario {
            id: id.clone(),
            class: Model::component_class(*c),
            failed: vec![id],
            failure: Failure {
                components: vec![i],
                corrupted: Vec::new(),
                change: None,
            },
        });
    }
    for (i, ds) in model.datastores.iter().enumerate() {
        let id = format!("corruption:{}", ds.id);
        out.push(Scenario {
            id: id.clone(),
            class: Class::Corruption,
            failed: vec![id],
            failure: Failure {
                components: Vec::new(),
                corrupted: vec![i.into()],
                change: None,
            },
        });
    }
    // MODEL.md §11: one scenario per change stream, and one for its latent faults.
    for (i, change) in model.changes.iter().enumerate() {
        for latent in [false, true] {
            if latent && change.latent <= 0.0 {
                continue;
            }
            out.push(Scenario {
                id: change.scenario_id(latent),
                class: Class::Change,
                failed: Vec::new(),
                failure: Failure {
                    components: Vec::new(),
                    // A bad migration or data fix is evaluated as the store's corruption.
                    corrupted: match change.target {
                        ChangeTarget::Datastore(d) => vec![d],
                        _ => Vec::new(),
                    },
                    change: Some(ChangeRun {
                        change: i.into(),
                        latent,
                    }),
                },
            });
        }
    }
    for custom in &model.scenarios {
        let mut failure = Failure::default();
        for item in &custom.fail {
            match item {
                FailItem::Component(c) => failure.components.push(engine.component_index(*c)),
                FailItem::Corruption(d) => failure.corrupted.push(*d),
            }
        }
        let mut failed: Vec<String> = custom.fail.iter().map(|f| model.fail_item_id(*f)).collect();
        failed.sort();
        out.push(Scenario {
            id: custom.name.clone(),
            class: Class::Custom,
            failed,
            failure,
        });
    }
    out.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    out
}

/// The classes a component belongs to, for `--classes`.
pub const COMPONENT_CLASSES: [Class; 7] = [
    Class::Region,
    Class::Az,
    Class::Link,
    Class::Routing,
    Class::Shared,
    Class::External,
    Class::Control,
];

/// All scenarios of one analysis.
pub struct Plan {
    pub standard: Vec<Scenario>,
    /// Components that may fail in combinations: (component index, id), sorted by id.
    combo_components: Vec<(usize, String)>,
    max_failures: usize,
    /// Whether the depth-first combination order is the byte order of ids (true unless an id
    /// holds a character that sorts before `+`).
    ordered: bool,
}

impl Plan {
    /// `max_failures` of 1 means no combinations; `classes` limits the components that may
    /// fail in combinations (all when `None`).
    pub fn new(engine: &Engine, max_failures: usize, classes: Option<&[Class]>) -> Plan {
        let model = engine.model();
        let mut combo_components: Vec<(usize, String)> = engine
            .components()
            .iter()
            .enumerate()
            .filter(|(_, c)| classes.is_none_or(|cl| cl.contains(&Model::component_class(**c))))
            .map(|(i, c)| (i, model.component_id(*c)))
            .collect();
        combo_components.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
        let ordered = combo_components
            .iter()
            .all(|(_, id)| id.bytes().all(|b| b > b'+'));
        Plan {
            standard: standard(engine),
            combo_components,
            max_failures: max_failures.max(1),
            ordered,
        }
    }

    /// The number of combination scenarios (2..=K components).
    pub fn combo_count(&self) -> u64 {
        let n = self.combo_components.len() as u64;
        (2..=self.max_failures as u64)
            .map(|k| binomial(n, k))
            .fold(0, u64::saturating_add)
    }

    /// The number of scenarios in all.
    pub fn total(&self) -> u64 {
        (self.standard.len() as u64).saturating_add(self.combo_count())
    }

    /// Every scenario in id order: the standard ones merged with the combinations.
    pub fn scenarios(&self) -> impl Iterator<Item = Scenario> + '_ {
        self.items().map(|item| self.materialize(&item))
    }

    /// Every scenario in id order, as cheap descriptions to [`Plan::materialize`] later (in
    /// parallel: building the ids is a good part of the work for millions of combinations).
    pub fn items(&self) -> Box<dyn Iterator<Item = Item> + '_> {
        let combos = Combos::new(self);
        if self.ordered {
            Box::new(Merge {
                plan: self,
                left: (0..self.standard.len()).peekable(),
                right: combos.peekable(),
            })
        } else {
            // Rare ids with characters below `+`: sort the whole list (memory grows with it).
            let mut all: Vec<(String, Item)> = (0..self.standard.len())
                .map(|i| (self.standard[i].id.clone(), Item::Standard(i)))
                .chain(combos.map(|c| (self.combo_id(&c), Item::Combo(c))))
                .collect();
            all.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            Box::new(all.into_iter().map(|(_, item)| item))
        }
    }

    /// The scenario an item describes.
    pub fn materialize(&self, item: &Item) -> Scenario {
        match item {
            Item::Standard(i) => self.standard[*i].clone(),
            Item::Combo(positions) => {
                let parts: Vec<&(usize, String)> = positions
                    .iter()
                    .map(|p| &self.combo_components[*p as usize])
                    .collect();
                let failed: Vec<String> = parts.iter().map(|(_, id)| id.clone()).collect();
                Scenario {
                    id: failed.join("+"),
                    class: Class::Combo,
                    failed,
                    failure: Failure {
                        components: parts.iter().map(|(i, _)| *i).collect(),
                        corrupted: Vec::new(),
                        change: None,
                    },
                }
            }
        }
    }

    fn combo_id(&self, positions: &[u32]) -> String {
        positions
            .iter()
            .map(|p| self.combo_components[*p as usize].1.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// Compares a combination's id with a string without building the id.
    fn cmp_combo(&self, positions: &[u32], other: &str) -> Ordering {
        let mut joined = positions.iter().enumerate().flat_map(|(i, p)| {
            let sep: &[u8] = if i == 0 { b"" } else { b"+" };
            sep.iter()
                .chain(self.combo_components[*p as usize].1.as_bytes())
        });
        let mut other = other.bytes();
        loop {
            match (joined.next(), other.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(a), Some(b)) if *a != b => return a.cmp(&b),
                _ => {}
            }
        }
    }
}

/// A scenario of a [`Plan`], before its strings are built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `plan.standard[i]`.
    Standard(usize),
    /// Positions into the plan's id-sorted combination components.
    Combo(Vec<u32>),
}

/// Every subset of `set` with at least `min_len` elements and smaller than the set, in the
/// set's order (the minimality checks of hidden dependencies and cut sets).
pub fn proper_subsets(set: &[usize], min_len: u32) -> impl Iterator<Item = Vec<usize>> + '_ {
    let n = set.len();
    (1u32..(1u32 << n) - 1)
        .filter(move |mask| mask.count_ones() >= min_len)
        .map(move |mask| {
            (0..n)
                .filter(|i| mask >> i & 1 == 1)
                .map(|i| set[i])
                .collect()
        })
}

/// n choose k, saturating.
pub fn binomial(n: u64, k: u64) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut acc: u128 = 1;
    for i in 0..k {
        acc = acc * u128::from(n - i) / u128::from(i + 1);
        if acc > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    acc as u64
}

/// Combinations of 2..=K components in depth-first order over id-sorted components, which is
/// the byte order of their joined ids.
struct Combos<'p> {
    plan: &'p Plan,
    /// Positions into `plan.combo_components` of the current combination.
    stack: Vec<usize>,
    started: bool,
}

impl<'p> Combos<'p> {
    fn new(plan: &'p Plan) -> Self {
        Combos {
            plan,
            stack: Vec::new(),
            started: false,
        }
    }

    /// Advances to the next combination in depth-first order (singles included).
    fn advance(&mut self) -> bool {
        let n = self.plan.combo_components.len();
        let k = self.plan.max_failures;
        if !self.started {
            self.started = true;
            if n == 0 {
                return false;
            }
            self.stack.push(0);
            return true;
        }
        // Go deeper when there is room and a next component.
        if let Some(&last) = self.stack.last()
            && self.stack.len() < k
            && last + 1 < n
        {
            self.stack.push(last + 1);
            return true;
        }
        // Otherwise move the last position on, popping exhausted levels.
        while let Some(last) = self.stack.pop() {
            if last + 1 < n {
                self.stack.push(last + 1);
                return true;
            }
        }
        false
    }
}

impl Iterator for Combos<'_> {
    type Item = Vec<u32>;

    fn next(&mut self) -> Option<Vec<u32>> {
        if self.plan.max_failures < 2 {
            return None;
        }
        loop {
            if !self.advance() {
                return None;
            }
            if self.stack.len() >= 2 {
                break;
            }
        }
        Some(self.stack.iter().map(|p| *p as u32).collect())
    }
}

/// Merges the id-sorted standard scenarios with the id-ordered combinations.
struct Merge<'p, L: Iterator<Item = usize>, R: Iterator<Item = Vec<u32>>> {
    plan: &'p Plan,
    left: std::iter::Peekable<L>,
    right: std::iter::Peekable<R>,
}

impl<L: Iterator<Item = usize>, R: Iterator<Item = Vec<u32>>> Iterator for Merge<'_, L, R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        let take_left = match (self.left.peek(), self.right.peek()) {
            (Some(i), Some(c)) => {
                self.plan.cmp_combo(c, &self.plan.standard[*i].id) == Ordering::Greater
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if take_left {
            self.left.next().map(Item::Standard)
        } else {
            self.right.next().map(Item::Combo)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_come_in_byte_order_of_their_ids() {
        let text = crate::generate::topology(&crate::generate::GenerateArgs {
            regions: 4,
            azs: 2,
            ..Default::default()
        })
        .unwrap();
        let source = crate::load::Source {
            name: "g.yaml".into(),
            text,
        };
        let Ok(checked) = crate::pipeline::check_source(source, "g") else {
            panic!("the generated topology validates")
        };
        let engine = Engine::new(&checked.model);
        let plan = Plan::new(&engine, 3, None);
        let ids: Vec<String> = plan.scenarios().map(|s| s.id).collect();
        assert_eq!(ids.len() as u64, plan.total());
        let mut sorted = ids.clone();
        sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(ids, sorted);
        let n = engine.components().len() as u64;
        assert_eq!(plan.combo_count(), binomial(n, 2) + binomial(n, 3));
    }

    #[test]
    fn binomials() {
        assert_eq!(binomial(187, 3), 1_072_445);
        assert_eq!(binomial(5, 0), 1);
        assert_eq!(binomial(3, 5), 0);
        assert_eq!(binomial(10_000, 50), u64::MAX);
    }
}
