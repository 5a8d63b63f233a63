//! A Boolean circuit over basic events: AND, OR and AT-LEAST gates whose inputs may be negated.
//!
//! The builder folds constants (a dead end in the topology is `false`, not a gate), shares
//! identical gates (the same inputs under the same operator give one gate) and gives every
//! gate and basic event a unique, valid Open-PSA name derived from a readable hint. Negation
//! costs nothing: it is a flag on the reference, written as a `<not>` around it.

use std::collections::{HashMap, HashSet};
use std::ops::Not;

/// A reference to a constant, a basic event or a gate, possibly negated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lit {
    False,
    True,
    Event { index: u32, negated: bool },
    Gate { index: u32, negated: bool },
}

impl Not for Lit {
    type Output = Lit;

    /// The complement.
    fn not(self) -> Lit {
        match self {
            Lit::False => Lit::True,
            Lit::True => Lit::False,
            Lit::Event { index, negated } => Lit::Event {
                index,
                negated: !negated,
            },
            Lit::Gate { index, negated } => Lit::Gate {
                index,
                negated: !negated,
            },
        }
    }
}

impl Lit {
    /// The same reference without its negation, and whether it had one.
    fn positive(self) -> (Lit, bool) {
        match self {
            Lit::Event { index, negated } => (
                Lit::Event {
                    index,
                    negated: false,
                },
                negated,
            ),
            Lit::Gate { index, negated } => (
                Lit::Gate {
                    index,
                    negated: false,
                },
                negated,
            ),
            constant => (constant, false),
        }
    }
}

/// A gate's operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    And,
    Or,
    /// True when at least this many inputs are.
    AtLeast(usize),
    /// A named copy of its single input (kept so that key conditions have readable names).
    Same,
}

/// A basic event: a component that fails with `probability`.
#[derive(Clone, Debug)]
pub struct Event {
    pub name: String,
    pub label: String,
    pub probability: f64,
}

/// A gate.
#[derive(Clone, Debug)]
pub struct Gate {
    pub name: String,
    pub label: String,
    pub op: Op,
    pub args: Vec<Lit>,
}

/// The circuit under construction.
#[derive(Default)]
pub struct Circuit {
    pub events: Vec<Event>,
    pub gates: Vec<Gate>,
    /// Names taken, lowercased (Open-PSA tools may compare names without case).
    names: HashSet<String>,
    /// Gates by operator and canonical inputs, for sharing.
    consed: HashMap<(Op, Vec<Lit>), u32>,
}

impl Circuit {
    /// Adds a basic event.
    pub fn event(&mut self, hint: &str, label: String, probability: f64) -> Lit {
        let name = self.unique_name(hint);
        self.events.push(Event {
            name,
            label,
            probability,
        });
        Lit::Event {
            index: (self.events.len() - 1) as u32,
            negated: false,
        }
    }

    /// All of `args`.
    pub fn and(&mut self, hint: &str, label: impl FnOnce() -> String, args: Vec<Lit>) -> Lit {
        match fold(args) {
            Folded::Const(c) => c,
            Folded::One(l) => l,
            Folded::Many(args) => self.gate(hint, label, Op::And, args),
        }
    }

    /// Any of `args`.
    pub fn or(&mut self, hint: &str, label: impl FnOnce() -> String, args: Vec<Lit>) -> Lit {
        // OR is a negated AND of the negated inputs; fold it as such.
        let negated: Vec<Lit> = args.into_iter().map(Lit::not).collect();
        match fold(negated) {
            Folded::Const(c) => c.not(),
            Folded::One(l) => l.not(),
            Folded::Many(args) => {
                let args = args.into_iter().map(Lit::not).collect();
                self.gate(hint, label, Op::Or, args)
            }
        }
    }

    /// At least `k` of `args` (each input counts once per occurrence).
    pub fn at_least(
        &mut self,
        hint: &str,
        label: impl FnOnce() -> String,
        k: usize,
        args: Vec<Lit>,
    ) -> Lit {
        let mut k = k as i64;
        let mut rest = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Lit::True => k -= 1,
                Lit::False => {}
                other => rest.push(other),
            }
        }
        if k <= 0 {
            return Lit::True;
        }
        if k as usize > rest.len() {
            return Lit::False;
        }
        if k == 1 {
            return self.or(hint, label, rest);
        }
        if k as usize == rest.len() {
            return self.and(hint, label, rest);
        }
        rest.sort();
        self.gate(hint, label, Op::AtLeast(k as usize), rest)
    }

    /// A gate with this name that equals `lit`, so that a key condition is visible by name in
    /// the output even when it simplifies to another gate or an event. Constants stay constants.
    pub fn named(&mut self, hint: &str, label: impl FnOnce() -> String, lit: Lit) -> Lit {
        match lit {
            Lit::True | Lit::False => lit,
            // The gate was just made under this very name: it is its own readable copy.
            Lit::Gate {
                index,
                negated: false,
            } if self.gates[index as usize].name == sanitize(hint) => lit,
            _ => self.gate(hint, label, Op::Same, vec![lit]),
        }
    }

    fn gate(&mut self, hint: &str, label: impl FnOnce() -> String, op: Op, args: Vec<Lit>) -> Lit {
        let key = (op, args);
        if op != Op::Same
            && let Some(&index) = self.consed.get(&key)
        {
            return Lit::Gate {
                index,
                negated: false,
            };
        }
        let name = self.unique_name(hint);
        let index = self.gates.len() as u32;
        self.gates.push(Gate {
            name,
            label: label(),
            op,
            args: key.1.clone(),
        });
        if op != Op::Same {
            self.consed.insert(key, index);
        }
        Lit::Gate {
            index,
            negated: false,
        }
    }

    /// A valid Open-PSA identifier from a readable hint, unique in the circuit.
    fn unique_name(&mut self, hint: &str) -> String {
        let base = sanitize(hint);
        let mut name = base.clone();
        let mut n = 2;
        while !self.names.insert(name.to_ascii_lowercase()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }

    /// The value of `root` when exactly the events flagged in `failed` are true (indexed like
    /// `events`): an independent check of the tree against the evaluation engine, state by
    /// state. Gates only refer to earlier gates, so one pass in order evaluates them all.
    pub fn evaluate(&self, root: Lit, failed: &[bool]) -> bool {
        let mut value = vec![false; self.gates.len()];
        let lit = |value: &[bool], l: Lit| match l {
            Lit::False => false,
            Lit::True => true,
            Lit::Event { index, negated } => {
                failed.get(index as usize).copied().unwrap_or(false) != negated
            }
            Lit::Gate { index, negated } => value[index as usize] != negated,
        };
        for (i, g) in self.gates.iter().enumerate() {
            let trues = g.args.iter().filter(|a| lit(&value, **a)).count();
            value[i] = match g.op {
                Op::And => trues == g.args.len(),
                Op::Or => trues > 0,
                Op::AtLeast(k) => trues >= k,
                Op::Same => trues == 1,
            };
        }
        lit(&value, root)
    }

    /// Which gates and events `root` depends on (flags indexed like `gates` and `events`).
    pub fn reachable(&self, root: Lit) -> (Vec<bool>, Vec<bool>) {
        let mut gates = vec![false; self.gates.len()];
        let mut events = vec![false; self.events.len()];
        let mut stack = vec![root];
        while let Some(lit) = stack.pop() {
            match lit {
                Lit::Gate { index, .. } => {
                    let i = index as usize;
                    if !gates[i] {
                        gates[i] = true;
                        stack.extend(self.gates[i].args.iter().copied());
                    }
                }
                Lit::Event { index, .. } => events[index as usize] = true,
                Lit::True | Lit::False => {}
            }
        }
        (gates, events)
    }
}

enum Folded {
    Const(Lit),
    One(Lit),
    Many(Vec<Lit>),
}

/// Folds the inputs of an AND: drops `true`, is `false` on a `false` or on an input and its
/// complement, sorts and removes repeats.
fn fold(args: Vec<Lit>) -> Folded {
    let mut rest = Vec::with_capacity(args.len());
    for a in args {
        match a {
            Lit::True => {}
            Lit::False => return Folded::Const(Lit::False),
            other => rest.push(other),
        }
    }
    rest.sort();
    rest.dedup();
    // A literal and its complement sort next to each other (same kind and index).
    if rest
        .windows(2)
        .any(|w| w[0].positive().0 == w[1].positive().0)
    {
        return Folded::Const(Lit::False);
    }
    match rest.len() {
        0 => Folded::Const(Lit::True),
        1 => Folded::One(rest[0]),
        _ => Folded::Many(rest),
    }
}

/// Makes an Open-PSA identifier: ASCII letters, digits, `_` and single inner hyphens, starting
/// with a letter (the MEF pattern `[^\-.]+(-[^\-.]+)*` on an XML NCName).
pub fn sanitize(hint: &str) -> String {
    let mut out = String::with_capacity(hint.len());
    for c in hint.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else if c == '-' && !out.is_empty() && !out.ends_with('-') {
            '-'
        } else {
            '_'
        };
        out.push(c);
    }
    if out.ends_with('-') {
        out.pop();
        out.push('_');
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "n_");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> String {
        "test".into()
    }

    #[test]
    fn constants_fold_and_complements_cancel() {
        let mut c = Circuit::default();
        let a = c.event("a", label(), 0.1);
        let b = c.event("b", label(), 0.2);
        assert_eq!(c.and("g", label, vec![a, Lit::True]), a);
        assert_eq!(c.and("g", label, vec![a, Lit::False]), Lit::False);
        assert_eq!(c.and("g", label, vec![a, a.not()]), Lit::False);
        assert_eq!(c.or("g", label, vec![a, a.not()]), Lit::True);
        assert_eq!(c.or("g", label, vec![]), Lit::False);
        assert_eq!(c.and("g", label, vec![]), Lit::True);
        assert_eq!(c.at_least("g", label, 2, vec![a, b, Lit::True]), {
            c.or("g", label, vec![a, b])
        });
        assert_eq!(c.at_least("g", label, 3, vec![a, b]), Lit::False);
        assert!(c.gates.len() == 1, "{:?}", c.gates);
    }

    #[test]
    fn identical_gates_are_shared_and_names_stay_unique() {
        let mut c = Circuit::default();
        let a = c.event("x", label(), 0.1);
        let b = c.event("X", label(), 0.2);
        assert_eq!(c.events[1].name, "X_2");
        let g1 = c.and("g", label, vec![a, b.not()]);
        let g2 = c.and("h", label, vec![b.not(), a]);
        assert_eq!(g1, g2);
        // A gate made under the asked name is its own named copy; another name gets a copy.
        assert_eq!(c.named("g", label, g1), g1);
        let copy = c.named("h", label, g1);
        assert_ne!(copy, g1);
        assert_eq!(c.gates[1].name, "h");
        assert_eq!(c.gates[1].args, vec![g1]);
        let again = c.and("h", label, vec![a, b]);
        assert_eq!(c.gates[2].name, "h_2", "{again:?}");
    }

    #[test]
    fn names_follow_the_open_psa_pattern() {
        assert_eq!(sanitize("region:us-east"), "region_us-east");
        assert_eq!(sanitize("link:a~b"), "link_a_b");
        assert_eq!(sanitize("az:--x--"), "az_-_x-_");
        assert_eq!(sanitize("9lives"), "n_9lives");
        assert_eq!(sanitize("café.eu"), "caf__eu");
    }
}
