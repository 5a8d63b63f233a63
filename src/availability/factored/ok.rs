//! Step 5, the OK programme: P(every requirement met, per part of the network | some regions'
//! classes fixed), a programme over regions whose state is which tiers each part holds and each
//! quorum's member count.

use super::requirements::Items;
use rustc_hash::FxHashMap;

use super::{Class, MAX_KEYS, Setup};

/// How the OK programme's key holds one item: per part of the network, either one bit "holds
/// some tier" (when the other part holds none, or there is no island) or one bit per tier that
/// part can hold (to tell which part holds the better one).
#[derive(Clone, Default)]
pub(super) struct ItemBits {
    /// Per part (the rest, the island): (tier, key bit); tier `None` is "any tier".
    pub(super) parts: [Vec<(Option<u32>, u32)>; 2],
}

/// What a region in a class changes in the OK programme's state.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct Effect {
    pub(super) alive: bool,
    pub(super) bits: u64,
    pub(super) members: u32,
    /// In the island (else in the rest).
    pub(super) island: bool,
}

/// The OK programme's key: per item its bits, per quorum and part its count digit, the radix
/// and the number of keys.
pub(super) struct Layout {
    pub(super) layout: Vec<ItemBits>,
    pub(super) count_digit: Vec<[Option<usize>; 2]>,
    pub(super) radix: Vec<usize>,
    pub(super) keys: usize,
}

impl Layout {
    /// The key for these classes, with the regions marked in `island` cut off (see
    /// [`OkProgramme`]; with `Parts::Outside` they never serve), or why it is too large.
    pub(super) fn new(
        items: &Items,
        classes: &[Vec<Class>],
        parts: Parts,
    ) -> Result<Layout, String> {
        let island = parts.marked();
        let part = |r: usize| usize::from(island.is_some_and(|b| b[r]));
        let n_items = items.tiers.len();
        // The tiers each part can hold, per item.
        let mut held = vec![[0u64; 2]; n_items];
        for (r, cs) in classes.iter().enumerate() {
            for c in cs.iter().filter(|c| c.alive) {
                for (i, h) in held.iter_mut().enumerate() {
                    h[part(r) | usize::from(c.outside)] |= items.tiers_of(c.bits, i);
                }
            }
        }
        // A part that never serves matters only through the tiers it holds that are better
        // than one the serving part can hold (it then has the home instead).
        if matches!(parts, Parts::Outside(_)) {
            for h in &mut held {
                h[1] &= match h[0] {
                    0 => 0,
                    tiers => (1u64 << (63 - tiers.leading_zeros())) - 1,
                };
            }
        }
        let mut next_bit = 0u32;
        let layout: Vec<ItemBits> = held
            .iter()
            .map(|h| {
                let mut bits = ItemBits::default();
                let both = island.is_some() && h[0] != 0 && h[1] != 0;
                for (p, &tiers) in h.iter().enumerate() {
                    if tiers == 0 {
                        continue;
                    }
                    if both {
                        for t in 0..64 {
                            if tiers >> t & 1 == 1 {
                                bits.parts[p].push((Some(t), next_bit));
                                next_bit += 1;
                            }
                        }
                    } else {
                        bits.parts[p].push((None, next_bit));
                        next_bit += 1;
                    }
                }
                bits
            })
            .collect();
        if next_bit > 40 {
            return Err(format!(
                "the datastore requirements need {next_bit} bits of state, above what the factored method tracks"
            ));
        }
        let mut radix = vec![1usize << next_bit];
        let mut count_digit = Vec::with_capacity(items.quorums.len());
        for (q, quorum) in items.quorums.iter().enumerate() {
            let mut digits = [None; 2];
            for (p, digit) in digits.iter_mut().enumerate() {
                let members = items.quorum_members[q]
                    .iter()
                    .filter(|&&r| part(r) == p)
                    .count();
                // The regions outside the serving part (`Parts::Outside`) hold no majority.
                let outside = p == 1 && matches!(parts, Parts::Outside(_));
                if members >= quorum.majority as usize && !outside {
                    *digit = Some(radix.len());
                    radix.push(quorum.majority as usize + 1);
                }
            }
            count_digit.push(digits);
        }
        let keys = radix
            .iter()
            .try_fold(1usize, |k, &r| k.checked_mul(r))
            .filter(|&k| k <= MAX_KEYS)
            .ok_or_else(|| {
                format!(
                    "the datastore requirements have more combined states than the {MAX_KEYS} the factored method tracks"
                )
            })?;
        Ok(Layout {
            layout,
            count_digit,
            radix,
            keys,
        })
    }
}

/// P(the outcome of OK | some regions' classes fixed), by a programme over regions in
/// `Setup::order`. The outcome has bit 0 "the rest of the network is OK" and, with an island
/// (a set of regions cut off from the rest, step 4), bit 1 "the island is OK"; without one the
/// rest is everything. The state is, per item, which tiers each part holds (see [`ItemBits`]),
/// and each quorum's member count in each part that can reach a majority (capped at it).
/// `value_at(p, key, j)` is P(outcome j, or OK when there is one slot | state `key` after the
/// first p regions).
pub(super) struct OkProgramme<'a> {
    pub(super) items: &'a Items<'a>,
    pub(super) order: &'a [usize],
    /// 1 on the static network (the probability of OK), 4 with an island (every outcome).
    pub(super) slots: usize,
    pub(super) layout: Vec<ItemBits>,
    /// Per quorum and part, the digit of its member count in the key (after the bits).
    pub(super) count_digit: Vec<[Option<usize>; 2]>,
    pub(super) effects: Vec<Vec<Effect>>,
    /// Mixed radix of the key: the bits, then each count (0..=majority).
    pub(super) radix: Vec<usize>,
    /// Per region, its classes' distinct effects with their summed probabilities.
    pub(super) merged: Vec<Vec<(Effect, f64)>>,
    /// Per position, the keys reachable there (sorted), and the values of each (see
    /// [`OkProgramme::value_at`]).
    pub(super) reach: Vec<Vec<usize>>,
    pub(super) value: Vec<Vec<f64>>,
    /// The number of keys of the layout.
    pub(super) keys: usize,
    /// The marked part is outside the serving part: never OK (`Parts::Outside`).
    pub(super) outside: bool,
}

/// How the regions divide into parts of the network for the OK programme.
#[derive(Clone, Copy)]
pub(super) enum Parts<'b> {
    /// One connected network (the static network of step 4).
    One,
    /// The marked regions are an island cut off from the rest; either part may be OK.
    Island(&'b [bool]),
    /// The marked regions are outside the one part that can serve: they hold tiers but are
    /// never OK (`serving_part.rs`, and the anchored islands of `islands.rs`).
    Outside(&'b [bool]),
}

impl<'b> Parts<'b> {
    /// The marked regions (the second part), if any.
    pub(super) fn marked(self) -> Option<&'b [bool]> {
        match self {
            Parts::One => None,
            Parts::Island(b) | Parts::Outside(b) => Some(b),
        }
    }
}

impl<'a> OkProgramme<'a> {
    /// The programme on the static network (`Parts::One`), or with the marked regions cut
    /// off from the others.
    pub(super) fn new(
        setup: &'a Setup<'a>,
        items: &'a Items<'a>,
        classes: &'a [Vec<Class>],
        parts: Parts,
    ) -> Result<OkProgramme<'a>, String> {
        let island = parts.marked();
        let part = |r: usize| usize::from(island.is_some_and(|b| b[r]));
        let Layout {
            layout,
            count_digit,
            radix,
            keys,
        } = Layout::new(items, classes, parts)?;
        let effects: Vec<Vec<Effect>> = classes
            .iter()
            .enumerate()
            .map(|(r, cs)| {
                cs.iter()
                    .map(|c| {
                        let p = part(r) | usize::from(c.outside);
                        let mut bits = 0u64;
                        if c.alive {
                            for (i, item) in layout.iter().enumerate() {
                                let tiers = items.tiers_of(c.bits, i);
                                for &(t, bit) in &item.parts[p] {
                                    let hit = match t {
                                        None => tiers != 0,
                                        Some(t) => tiers >> t & 1 == 1,
                                    };
                                    if hit {
                                        bits |= 1 << bit;
                                    }
                                }
                            }
                        }
                        Effect {
                            alive: c.alive,
                            bits,
                            members: if c.alive { c.members } else { 0 },
                            island: p == 1,
                        }
                    })
                    .collect()
            })
            .collect();
        // Every outcome with an island; else (one network, or a part outside that is never
        // OK) the probability of outcome 1.
        let slots = if matches!(parts, Parts::Island(_)) {
            4
        } else {
            1
        };
        let mut programme = OkProgramme {
            items,
            order: &setup.order,
            slots,
            layout,
            count_digit,
            effects,
            radix,
            value: Vec::new(),
            merged: Vec::new(),
            reach: Vec::new(),
            keys: 0,
            outside: matches!(parts, Parts::Outside(_)),
        };
        let n = setup.order.len();
        // Per region, its classes' distinct effects with their summed probabilities.
        programme.merged = classes
            .iter()
            .zip(&programme.effects)
            .map(|(cs, es)| {
                let mut out: Vec<(Effect, f64)> = Vec::new();
                for (c, e) in cs.iter().zip(es) {
                    match out.iter_mut().find(|(x, _)| x == e) {
                        Some((_, p)) => *p += c.probability,
                        None => out.push((*e, c.probability)),
                    }
                }
                out
            })
            .collect();
        // The keys reachable after each position (the others are never asked for: `given`
        // walks forward from the empty state), so the backward pass visits only those.
        let mut reach: Vec<Vec<usize>> = Vec::with_capacity(n + 1);
        reach.push(vec![0]);
        let mut seen = vec![usize::MAX; keys];
        for p in 0..n {
            let mut next = Vec::new();
            for &key in &reach[p] {
                for (e, _) in &programme.merged[setup.order[p]] {
                    let to = programme.apply(key, e);
                    if seen[to] != p {
                        seen[to] = p;
                        next.push(to);
                    }
                }
            }
            reach.push(next);
        }
        for r in &mut reach {
            r.sort_unstable();
        }
        // Values per position, aligned with `reach` (dense tables of every key would be mostly
        // zeros, and allocating them cost more than the pass).
        let mut value: Vec<Vec<f64>> = reach.iter().map(|r| vec![0.0; r.len() * slots]).collect();
        for (i, &key) in reach[n].iter().enumerate() {
            let o = programme.outcome(key) as usize;
            if slots == 1 {
                value[n][i] = if o == 1 { 1.0 } else { 0.0 };
            } else {
                value[n][i * slots + o] = 1.0;
            }
        }
        // Where each key reached after the next position is in its row.
        let mut index = vec![u32::MAX; keys];
        for p in (0..n).rev() {
            let r = setup.order[p];
            for (i, &key) in reach[p + 1].iter().enumerate() {
                index[key] = i as u32;
            }
            let (head, tail) = value.split_at_mut(p + 1);
            let next = &tail[0];
            for (i, &key) in reach[p].iter().enumerate() {
                let out = &mut head[p][i * slots..(i + 1) * slots];
                for (e, probability) in &programme.merged[r] {
                    let to = index[programme.apply(key, e)] as usize * slots;
                    for (o, v) in out.iter_mut().zip(&next[to..to + slots]) {
                        *o += probability * v;
                    }
                }
            }
        }
        programme.keys = keys;
        programme.reach = reach;
        programme.value = value;
        Ok(programme)
    }

    /// The state after a region with this effect.
    pub(super) fn apply(&self, key: usize, effect: &Effect) -> usize {
        if !effect.alive {
            return key;
        }
        let r0 = self.radix[0];
        let mut out = (key % r0) | effect.bits as usize;
        if effect.members != 0 {
            let part = usize::from(effect.island);
            let mut scale = r0;
            let mut rest = key / r0;
            let mut counts = 0;
            for (d, &r) in self.radix.iter().enumerate().skip(1) {
                let mut c = rest % r;
                rest /= r;
                if let Some(q) = self.count_digit.iter().position(|x| x[part] == Some(d))
                    && effect.members >> q & 1 == 1
                {
                    c = (c + 1).min(r - 1);
                }
                counts += c * scale;
                scale *= r;
            }
            out += counts;
        } else {
            out += key - key % r0;
        }
        out
    }

    /// The outcome of a final state: bit 0 the rest is OK, bit 1 the island is OK.
    pub(super) fn outcome(&self, key: usize) -> u32 {
        let r0 = self.radix[0];
        let bits = key % r0;
        // Per item, which parts hold its homes: the best tier held anywhere.
        let homes = |i: usize| -> [bool; 2] {
            let best = |p: usize| -> Option<u32> {
                self.layout[i].parts[p]
                    .iter()
                    .filter(|(_, bit)| bits >> bit & 1 == 1)
                    .map(|(t, _)| t.unwrap_or(0))
                    .min()
            };
            let (a, b) = (best(0), best(1));
            match (a, b) {
                (Some(a), Some(b)) => [a <= b, b <= a],
                _ => [a.is_some(), b.is_some()],
            }
        };
        // The regions outside the serving part (`Parts::Outside`), kept as the second part,
        // are never OK.
        let mut ok = [true, self.slots > 1 && !self.outside];
        for i in 0..self.layout.len() {
            if self.items.required >> i & 1 == 1 {
                let h = homes(i);
                ok[0] &= h[0];
                ok[1] &= h[1];
            }
        }
        let mut digits = vec![0; self.radix.len()];
        let mut rest = key / r0;
        for (d, &r) in self.radix.iter().enumerate().skip(1) {
            digits[d] = rest % r;
            rest /= r;
        }
        for (q, quorum) in self.items.quorums.iter().enumerate() {
            let majority = |p: usize| {
                self.count_digit[q][p].is_some_and(|d| digits[d] >= quorum.majority as usize)
            };
            let (mine, theirs) = (majority(0), majority(1));
            let restore = quorum.restore_item.map_or([false; 2], homes);
            ok[0] &= mine || (!theirs && restore[0]);
            ok[1] &= theirs || (!mine && restore[1]);
        }
        u32::from(ok[0]) | u32::from(ok[1]) << 1
    }

    /// P(not OK) on the static network with every region free, summed directly over those
    /// states.
    pub(super) fn not_ok(&self) -> f64 {
        let mut dist: FxHashMap<usize, f64> = FxHashMap::default();
        let mut next: FxHashMap<usize, f64> = FxHashMap::default();
        dist.insert(0, 1.0);
        for &r in self.order {
            next.clear();
            // (Classes with the same effect merged: the programme sees no difference.)
            for (&key, &p) in &dist {
                for (e, q) in &self.merged[r] {
                    *next.entry(self.apply(key, e)).or_default() += p * q;
                }
            }
            std::mem::swap(&mut dist, &mut next);
        }
        let mut failing: Vec<(usize, f64)> = dist
            .into_iter()
            .filter(|(k, _)| self.outcome(*k) != 1)
            .collect();
        failing.sort_by_key(|(k, _)| *k);
        failing.iter().map(|(_, p)| p).sum()
    }

    /// P(the outcome of slot `slot` | the regions with `visited[r] != NONE` are in that
    /// class). `scratch` keeps the forward distributions of the last call: a routing search
    /// changes a few regions between two calls, so only the positions from the first changed
    /// one on are walked again.
    pub(super) fn given(
        &self,
        visited: &[u16],
        position: &[usize],
        slot: usize,
        scratch: &mut Buffers,
    ) -> f64 {
        let last = visited
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != NONE)
            .map(|(r, _)| position[r] + 1)
            .max()
            .unwrap_or(0);
        let Buffers {
            rows,
            valid,
            fixed,
            dense,
            walked,
        } = scratch;
        if rows.is_empty() {
            rows.push(vec![(0, 1.0)]);
            *valid = 0;
        }
        dense.resize(self.keys, 0.0);
        // Rows 0..=valid hold the distributions after that many positions, computed with the
        // classes in `fixed`: keep those whose positions before them are fixed the same.
        if let Some(p) = (0..*valid).find(|&p| fixed[p] != visited[self.order[p]]) {
            *valid = p;
        }
        fixed.truncate(*valid);
        while *valid < last {
            let p = *valid;
            let r = self.order[p];
            let fix = visited[r];
            if rows.len() <= p + 1 {
                rows.push(Vec::new());
            }
            let (head, tail) = rows.split_at_mut(p + 1);
            let (dist, next) = (&head[p], &mut tail[0]);
            next.clear();
            let mut add = |key: usize, p: f64| {
                if p > 0.0 {
                    if dense[key] == 0.0 {
                        next.push((key, 0.0));
                    }
                    dense[key] += p;
                }
            };
            *walked += dist.len() as u64;
            for &(key, p) in dist.iter() {
                if fix != NONE {
                    add(self.apply(key, &self.effects[r][fix as usize]), p);
                } else {
                    for (e, q) in &self.merged[r] {
                        add(self.apply(key, e), p * q);
                    }
                }
            }
            for (k, p) in next.iter_mut() {
                *p = std::mem::take(&mut dense[*k]);
            }
            fixed.push(fix);
            *valid += 1;
        }
        rows[last]
            .iter()
            .map(|&(k, p)| p * self.value_at(last, k, slot))
            .sum()
    }

    /// P(the outcome of slot `slot` | state `key` after the first p regions); 0 for a key that
    /// cannot be reached there.
    pub(super) fn value_at(&self, p: usize, key: usize, slot: usize) -> f64 {
        match self.reach[p].binary_search(&key) {
            Ok(i) => self.value[p][i * self.slots + slot],
            Err(_) => 0.0,
        }
    }
}

pub(super) const NONE: u16 = u16::MAX;

/// The forward distributions of [`OkProgramme::given`]'s last call, and a dense accumulator.
#[derive(Default)]
pub(super) struct Buffers {
    /// Sparse distributions over programme states after each position.
    rows: Vec<Vec<(usize, f64)>>,
    /// How many positions `rows` is valid for.
    valid: usize,
    /// The class each of those positions was fixed to (or `NONE`).
    fixed: Vec<u16>,
    dense: Vec<f64>,
    /// States walked forward so far (work, see `Setup::work`).
    pub(super) walked: u64,
}
