//! MODEL.md §3 as a structural fault tree: the top event `down` as Boolean gates over one basic
//! event per component (true = the component failed, probability = 1 - availability).
//!
//! The gates are written in success terms, mirroring the model's wording: an AZ is `alive`, a
//! link `up`, two regions `connected`, a region a `home` of a datastore, a service `usable` in a
//! region, a region `serves`. Then `down = routing OR NOT (some region serves)`.
//!
//! - **Alive** (§3.1): an AZ is alive when neither it, its region nor a shared-fate group
//!   holding either failed; a region is alive when one of its AZs is.
//! - **Connected**: a link is up when it did not fail and both ends are alive. Two regions are
//!   connected when a path of up links joins them; the closure is computed by eliminating
//!   regions one by one and substituting back (Gaussian elimination on the Boolean semiring,
//!   see [`Builder::connectivity`]): polynomial, shared, with structurally impossible pairs
//!   folded away, never by enumerating paths. A region is connected to itself when alive.
//! - **Homes** (§3.2) depend on *alive*, not connected, and on the order of promotion, so they
//!   need NOT: the first alive replica is `alive(r_i) AND NOT alive(r_j)` for the replicas before
//!   it and `NOT primary holds`. A store left with no home is restored from backups when
//!   `backups.region` is alive and `manual_decision + restore < W`, where W is the largest MTTR
//!   among failed components: `W > t` is the OR of the basic events whose MTTR exceeds t.
//!   Quorum stores (consensus, synchronous active-active) use AT-LEAST gates: a region reaches
//!   the majority when it is connected to at least `m/2 + 1` members.
//! - **Usable** (§3.3): a service is usable in r when it has an instance (or `scale_to`) in an
//!   alive AZ of r and every dependency is usable from r (a service usable in a region connected
//!   to r, a datastore with a home connected to r, an alive external).
//! - **Down** (§3.4): routing failed, or no region serves (for `failover-dns`, none of the
//!   primary and `failover_order`). Capacity does not matter, except through a frozen
//!   scale-up (below).
//! - **Control planes** (§10): a control plane is up when it did not fail and its region, if
//!   any, is alive. A promotion (in-region or to a replica) and a restore are homes only when
//!   every control plane of the store's `requires` is up; a frozen promotion waits (it is not a
//!   reason to restore). When a control plane of `routing.requires` is down, routing moves no
//!   one: down also when every user group's region before failure no longer serves.
//! - **Frozen scale-ups** (§10.3, §12.2-3): a scale-up that a control plane freezes leaves a
//!   tier at its steady capacity, and a tier with no steady instance in an alive AZ then passes
//!   nothing; when every user group with a share is stuck or served by a region whose requests
//!   all meet such a tier, the served fraction is 0 and the scenario is down (§3.6). For those
//!   topologies (a required tier of the entry's closure with `scale_requires` and `scale_to`)
//!   the tree routes each group as §3.4 and §10.4 do (`at_<user>_<region>`: the first serving
//!   region in the group's order, or its region before failure when routing is frozen) and
//!   computes, per region, whether the entry (pooled under `global-lb`) or a required tier in
//!   the region it is called in (σ, §12.2: the nearest connected region where it is usable)
//!   is starved: frozen with no steady instance alive. Partial items never bring a region to
//!   0 (their factor is at least 1 - c), so they do not enter. Every positive user share must
//!   exceed 1e-9 of the demand (below it a tier's offered load is within the scaling
//!   tolerance and it would not scale even unfrozen); `open_psa` declines the rare topology
//!   that has both.

use std::collections::{BTreeSet, HashMap};
use std::ops::Not;

use crate::model::{Component, Dependency, Model, RegionIdx, Replication, RoutingKind, ServiceIdx};

use super::circuit::{Circuit, Lit};

/// A fault tree: the circuit and its top event.
pub struct FaultTree {
    pub name: String,
    pub circuit: Circuit,
    pub top: Lit,
}

/// Builds the fault tree of "the service is down" for a validated model.
pub fn build(model: &Model) -> FaultTree {
    let mut b = Builder::new(model);
    let top = b.top();
    FaultTree {
        name: format!("drplan-{}", model.name),
        circuit: b.c,
        top,
    }
}

struct Builder<'m> {
    model: &'m Model,
    c: Circuit,
    /// Per component (in `Model::components` order): the basic event "it failed".
    failed: Vec<(Component, Lit)>,
    az_alive: Vec<Lit>,
    region_alive: Vec<Lit>,
    /// conn[i * R + j]: regions i and j are connected (both alive).
    conn: Vec<Lit>,
    /// usable[s * R + r].
    usable: Vec<Lit>,
    /// Per datastore and region: a home of the store is connected to the region.
    reaches_store: HashMap<(usize, usize), Lit>,
    /// Per datastore: the regions that may be a home, each with its condition (not used for
    /// quorum stores' majority, only for the backup restore).
    homes: HashMap<usize, Vec<(RegionIdx, Lit)>>,
    /// W > t, by the bits of t.
    wait_over: HashMap<u64, Lit>,
    /// Per control plane: it is up (§10.1).
    control_up: Vec<Lit>,
}

impl<'m> Builder<'m> {
    fn new(model: &'m Model) -> Builder<'m> {
        let mut c = Circuit::default();
        let failed = model
            .components()
            .into_iter()
            .map(|comp| {
                let id = model.component_id(comp);
                let hint = match comp {
                    Component::Link(l) => {
                        let [a, b] = model.links[l.idx()].ends;
                        format!(
                            "link_{}_to_{}",
                            model.regions[a.idx()].id,
                            model.regions[b.idx()].id
                        )
                    }
                    _ => id.replacen(':', "_", 1),
                };
                let availability = model.availability(comp);
                let label = format!(
                    "{id} fails (availability {}, MTTR {})",
                    availability.0,
                    model.mttr(comp)
                );
                (comp, c.event(&hint, label, availability.unavailability()))
            })
            .collect();
        let mut b = Builder {
            model,
            c,
            failed,
            az_alive: Vec::new(),
            region_alive: Vec::new(),
            conn: Vec::new(),
            usable: Vec::new(),
            reaches_store: HashMap::new(),
            homes: HashMap::new(),
            wait_over: HashMap::new(),
            control_up: Vec::new(),
        };
        b.alive();
        b.controls();
        b.connectivity();
        b.services();
        b
    }

    fn failed(&self, comp: Component) -> Lit {
        let m = self.model;
        let i = match comp {
            Component::Region(x) => x.idx(),
            Component::Az(x) => m.regions.len() + x.idx(),
            Component::Link(x) => m.regions.len() + m.azs.len() + x.idx(),
            Component::Routing => m.regions.len() + m.azs.len() + m.links.len(),
            Component::Shared(x) => m.regions.len() + m.azs.len() + m.links.len() + 1 + x.idx(),
            Component::External(x) => {
                m.regions.len() + m.azs.len() + m.links.len() + 1 + m.shared.len() + x.idx()
            }
            Component::Control(x) => {
                m.regions.len()
                    + m.azs.len()
                    + m.links.len()
                    + 1
                    + m.shared.len()
                    + m.externals.len()
                    + x.idx()
            }
        };
        debug_assert_eq!(self.failed[i].0, comp);
        self.failed[i].1
    }

    /// §10.1: a control plane is up unless it failed or its region is not alive.
    fn controls(&mut self) {
        let m = self.model;
        for (i, plane) in m.control_planes.iter().enumerate() {
            let mut args = vec![self.failed(Component::Control(i.into())).not()];
            if let Some(r) = plane.region {
                args.push(self.region_alive[r.idx()]);
            }
            let lit = self.c.and(
                &format!("control_up_{}", plane.id),
                || format!("control plane {} is up (§10.1)", plane.id),
                args,
            );
            self.control_up.push(lit);
        }
    }

    /// Every control plane of `list` is up (true for an empty list).
    fn all_up(&mut self, list: &[crate::model::ControlIdx], hint: &str) -> Lit {
        let args = list.iter().map(|c| self.control_up[c.idx()]).collect();
        self.c.and(
            hint,
            || format!("every control plane {hint} needs is up (§10)"),
            args,
        )
    }

    fn region_id(&self, r: usize) -> &'m str {
        &self.model.regions[r].id
    }

    /// §3.1: alive AZs and regions.
    fn alive(&mut self) {
        let m = self.model;
        let groups_of_region = |r: usize| {
            m.shared
                .iter()
                .enumerate()
                .filter(move |(_, g)| g.regions.iter().any(|x| x.idx() == r))
                .map(|(i, _)| i)
        };
        let mut region_intact = Vec::with_capacity(m.regions.len());
        for r in 0..m.regions.len() {
            let mut args = vec![self.failed(Component::Region(r.into())).not()];
            args.extend(
                groups_of_region(r).map(|g| self.failed(Component::Shared(g.into())).not()),
            );
            let id = self.region_id(r);
            let lit = self.c.and(
                &format!("intact_{id}"),
                || format!("region {id} and every shared-fate group holding it did not fail"),
                args,
            );
            region_intact.push(lit);
        }
        for (a, az) in m.azs.iter().enumerate() {
            let mut args = vec![
                self.failed(Component::Az(a.into())).not(),
                region_intact[az.region.idx()],
            ];
            args.extend(
                m.shared
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.azs.iter().any(|x| x.idx() == a))
                    .map(|(g, _)| self.failed(Component::Shared(g.into())).not()),
            );
            let lit = self.c.and(
                &format!("alive_{}", az.id),
                || format!("AZ {} is alive (§3.1)", az.id),
                args,
            );
            self.az_alive.push(lit);
        }
        for region in &m.regions {
            let args = region.azs.iter().map(|a| self.az_alive[a.idx()]).collect();
            let lit = self.c.or(
                &format!("alive_{}", region.id),
                || {
                    format!(
                        "region {} is alive: intact with an alive AZ (§3.1)",
                        region.id
                    )
                },
                args,
            );
            self.region_alive.push(lit);
        }
    }

    /// Connected pairs of regions: the transitive closure of the up links, by elimination.
    ///
    /// Forward: regions are eliminated one at a time (fewest neighbours first); eliminating v
    /// joins every two of its remaining neighbours u, w: `f(u,w) |= f(u,v) & f(v,w)`, so that
    /// `f(u,w)` holds when a path joins them through eliminated regions only. `e(v,u)`, the
    /// value of `f(v,u)` when v is eliminated, is kept. Backward, in reverse order, for every x
    /// eliminated after v: `c(v,x) = OR over v's neighbours u of e(v,u) & c(u,x)` (the first
    /// region after v on a path from v to x is such a u), with `c(x,x) = alive(x)`. Cost: the
    /// squares of the neighbourhoods forward, R^2/2 times a neighbourhood backward: small for
    /// the sparse networks of real estates, and never a path enumeration.
    fn connectivity(&mut self) {
        let m = self.model;
        let n = m.regions.len();
        let mut fill = vec![Lit::False; n * n];
        for (l, link) in m.links.iter().enumerate() {
            let [a, b] = link.ends;
            let (ia, ib) = (a.idx(), b.idx());
            let args = vec![
                self.failed(Component::Link(l.into())).not(),
                self.region_alive[ia],
                self.region_alive[ib],
            ];
            let (ida, idb) = (self.region_id(ia), self.region_id(ib));
            let up = self.c.and(
                &format!("up_{ida}_{idb}"),
                || format!("link {ida}~{idb} is up: not failed, both ends alive (§3.1)"),
                args,
            );
            fill[ia * n + ib] = up;
            fill[ib * n + ia] = up;
        }
        // The remaining neighbours of each region (pairs with a possible path through the
        // regions eliminated so far).
        let mut adjacent: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
        for a in 0..n {
            for b in 0..n {
                if a != b && fill[a * n + b] != Lit::False {
                    adjacent[a].insert(b);
                }
            }
        }
        let mut eliminated = vec![false; n];
        let mut order = Vec::with_capacity(n);
        // Per eliminated region: its remaining neighbours then, with e(v,u).
        let mut kept: Vec<Vec<(usize, Lit)>> = vec![Vec::new(); n];
        while let Some(v) = (0..n)
            .filter(|v| !eliminated[*v])
            .min_by_key(|v| adjacent[*v].len())
        {
            let around: Vec<usize> = adjacent[v].iter().copied().collect();
            for (k, &u) in around.iter().enumerate() {
                for &w in &around[k + 1..] {
                    let (idu, idw, idv) = (self.region_id(u), self.region_id(w), self.region_id(v));
                    let through = self.c.and(
                        &format!("joined_{idu}_{idw}_through_{idv}"),
                        || format!("{idu} and {idw} are both joined to {idv}"),
                        vec![fill[u * n + v], fill[v * n + w]],
                    );
                    let joined = self.c.or(
                        &format!("joined_{idu}_{idw}_upto_{idv}"),
                        || {
                            format!(
                                "a path joins {idu} and {idw} through regions eliminated up to {idv}"
                            )
                        },
                        vec![fill[u * n + w], through],
                    );
                    fill[u * n + w] = joined;
                    fill[w * n + u] = joined;
                    adjacent[u].insert(w);
                    adjacent[w].insert(u);
                }
            }
            for &u in &around {
                adjacent[u].remove(&v);
            }
            kept[v] = around.iter().map(|&u| (u, fill[v * n + u])).collect();
            eliminated[v] = true;
            order.push(v);
        }
        let mut conn = vec![Lit::False; n * n];
        for r in 0..n {
            conn[r * n + r] = self.region_alive[r];
        }
        for (pos, &v) in order.iter().enumerate().rev() {
            for &x in &order[pos + 1..] {
                let (idv, idx) = (self.region_id(v), self.region_id(x));
                let through: Vec<(usize, Lit)> = kept[v]
                    .iter()
                    .copied()
                    .filter(|(u, _)| conn[u * n + x] != Lit::False)
                    .collect();
                let mut args = Vec::new();
                for &(u, e) in &through {
                    let idu = self.region_id(u);
                    // With one way through, this is the connection itself: name it so.
                    let hint = if through.len() == 1 {
                        format!("connected_{idv}_{idx}")
                    } else {
                        format!("connected_{idv}_{idx}_via_{idu}")
                    };
                    args.push(self.c.and(
                        &hint,
                        || format!("{idv} is joined to {idu}, connected to {idx}"),
                        vec![e, conn[u * n + x]],
                    ));
                }
                let lit = self.c.or(
                    &format!("connected_{idv}_{idx}"),
                    || format!("a path of up links joins {idv} and {idx} (§3.1)"),
                    args,
                );
                conn[v * n + x] = lit;
                conn[x * n + v] = lit;
            }
        }
        self.conn = conn;
    }

    fn connected(&self, a: usize, b: usize) -> Lit {
        self.conn[a * self.model.regions.len() + b]
    }

    /// §3.3: where each service is usable, services after their dependencies.
    fn services(&mut self) {
        let m = self.model;
        let n = m.regions.len();
        self.usable = vec![Lit::False; m.services.len() * n];
        let order = crate::graph::Graphs::new(m).service_order;
        for s in order {
            let svc = &m.services[s.idx()];
            for r in 0..n {
                let running: Vec<Lit> = m.regions[r]
                    .azs
                    .iter()
                    .filter(|a| svc.scaled_instances[a.idx()] > 0)
                    .map(|a| self.az_alive[a.idx()])
                    .collect();
                if running.is_empty() {
                    continue;
                }
                let rid = self.region_id(r);
                let running = self.c.or(
                    &format!("running_{}_in_{rid}", svc.id),
                    || {
                        format!(
                            "{} has an instance (or scale_to) in an alive AZ of {rid}",
                            svc.id
                        )
                    },
                    running,
                );
                let mut args = vec![running];
                for dep in &svc.depends_on {
                    let lit = match dep {
                        Dependency::Service(t) => self.service_from(t.idx(), r),
                        Dependency::Datastore(d) => self.store_from(d.idx(), r),
                        Dependency::External(e) => self.failed(Component::External(*e)).not(),
                    };
                    args.push(lit);
                }
                let entry = s == m.entry;
                let hint = if entry {
                    format!("serves_{rid}")
                } else {
                    format!("usable_{}_in_{rid}", svc.id)
                };
                let what = format!(
                    "{} is usable in {rid}: running there with every dependency usable from it (§3.3)",
                    svc.id
                );
                let mut lit = self.c.and(&hint, || what.clone(), args);
                if entry {
                    lit = self.c.named(&hint, || what, lit);
                }
                self.usable[s.idx() * n + r] = lit;
            }
        }
    }

    /// Service `t` is usable in r or in a region connected to r.
    fn service_from(&mut self, t: usize, r: usize) -> Lit {
        let n = self.model.regions.len();
        let mut args = Vec::new();
        for x in 0..n {
            let usable = self.usable[t * n + x];
            if usable == Lit::False {
                continue;
            }
            let conn = self.connected(x, r);
            let (tid, xid, rid) = (
                &self.model.services[t].id,
                self.region_id(x),
                self.region_id(r),
            );
            args.push(self.c.and(
                &format!("uses_{tid}_in_{xid}_from_{rid}"),
                || format!("{tid} is usable in {xid}, connected to {rid}"),
                vec![usable, conn],
            ));
        }
        let (tid, rid) = (&self.model.services[t].id, self.region_id(r));
        self.c.or(
            &format!("reaches_{tid}_from_{rid}"),
            || format!("service {tid} is usable in {rid} or a region connected to it"),
            args,
        )
    }

    /// Datastore `d` has a home connected to r.
    fn store_from(&mut self, d: usize, r: usize) -> Lit {
        if let Some(&lit) = self.reaches_store.get(&(d, r)) {
            return lit;
        }
        let m = self.model;
        let ds = &m.datastores[d];
        let rid = self.region_id(r);
        let mut args = Vec::new();
        if ds.is_quorum() {
            args.push(self.majority_from(d, r));
            // The restore home, when no majority is left anywhere.
            for (h, home) in self.homes_of(d) {
                let conn = self.connected(h.idx(), r);
                args.push(self.c.and(
                    &format!("restored_{}_reaches_{rid}", ds.id),
                    || format!("the restored {} is connected to {rid}", ds.id),
                    vec![home, conn],
                ));
            }
        } else {
            for (h, home) in self.homes_of(d) {
                let conn = self.connected(h.idx(), r);
                let hid = self.region_id(h.idx());
                args.push(self.c.and(
                    &format!("home_{}_in_{hid}_reaches_{rid}", ds.id),
                    || format!("{hid} is a home of {} and connected to {rid}", ds.id),
                    vec![home, conn],
                ));
            }
        }
        let lit = self.c.or(
            &format!("reaches_{}_from_{rid}", ds.id),
            || format!("datastore {} has a home connected to {rid} (§3.3)", ds.id),
            args,
        );
        self.reaches_store.insert((d, r), lit);
        lit
    }

    /// A quorum store's majority is in r's connected component: r is connected to at least
    /// m/2 + 1 members (itself included when it is one).
    fn majority_from(&mut self, d: usize, r: usize) -> Lit {
        let ds = &self.model.datastores[d];
        let (Replication::Consensus { regions } | Replication::ActiveActive { regions }) =
            &ds.replication
        else {
            return Lit::False;
        };
        let args = regions.iter().map(|x| self.connected(r, x.idx())).collect();
        let rid = self.region_id(r);
        let q = regions.len() / 2 + 1;
        self.c.at_least(
            &format!("majority_{}_from_{rid}", ds.id),
            || {
                format!(
                    "{rid} is connected to at least {q} of the {} members of {} (§3.2)",
                    regions.len(),
                    ds.id
                )
            },
            q,
            args,
        )
    }

    /// §3.2: the regions that may be a home of the store, each with its condition. For a quorum
    /// store, only the restore home (the majority is [`Builder::majority_from`]).
    fn homes_of(&mut self, d: usize) -> Vec<(RegionIdx, Lit)> {
        if let Some(h) = self.homes.get(&d) {
            return h.clone();
        }
        let m = self.model;
        let ds = &m.datastores[d];
        let alive = |b: &Self, r: RegionIdx| b.region_alive[r.idx()];
        // §10.2: promotions and restores need the store's control planes.
        let actions = self.all_up(&ds.requires, &format!("actions_of_{}", ds.id));
        // Candidate homes with the condition and the rule that makes each one; a region may be
        // one by several rules (a replica that is also the backup region).
        let mut homes: Vec<(RegionIdx, Lit, &str)> = Vec::new();
        let mut home = |r: RegionIdx, lit: Lit, why: &'static str| {
            homes.push((r, lit, why));
        };
        // The condition under which the rules leave the store with no home.
        let none = match &ds.replication {
            Replication::SingleAz { az } => {
                let lit = self.az_alive[az.idx()];
                home(m.azs[az.idx()].region, lit, "its AZ is alive");
                lit.not()
            }
            Replication::MultiAz {
                primary,
                primary_az,
                standby,
            } => {
                let lit = if *standby {
                    alive(self, *primary)
                } else {
                    self.az_alive[primary_az.idx()]
                };
                let home_lit =
                    self.promoted_in_region(ds, *primary, *primary_az, *standby, actions);
                home(*primary, home_lit, "the primary holds");
                lit.not()
            }
            Replication::ActivePassive {
                primary,
                primary_az,
                standby,
                replicas,
            } => {
                let holds = if *standby {
                    alive(self, *primary)
                } else {
                    self.az_alive[primary_az.idx()]
                };
                let home_lit =
                    self.promoted_in_region(ds, *primary, *primary_az, *standby, actions);
                home(*primary, home_lit, "the primary holds");
                let mut before = vec![holds.not()];
                for r in replicas {
                    let mut args = before.clone();
                    args.push(alive(self, *r));
                    args.push(actions);
                    let rid = self.region_id(r.idx());
                    let lit = self.c.and(
                        &format!("promoted_{}_in_{rid}", ds.id),
                        || {
                            format!(
                                "the primary of {} is lost and {rid} is its first alive replica",
                                ds.id
                            )
                        },
                        args,
                    );
                    home(*r, lit, "the first alive replica after the primary is lost");
                    before.push(alive(self, *r).not());
                }
                self.c.and(
                    &format!("no_replica_{}", ds.id),
                    || format!("the primary of {} is lost and no replica is alive", ds.id),
                    before,
                )
            }
            Replication::ActiveActive { regions } if !ds.sync => {
                let mut dead = Vec::new();
                for r in regions {
                    let lit = alive(self, *r);
                    home(*r, lit, "an alive member");
                    dead.push(lit.not());
                }
                self.c.and(
                    &format!("no_member_{}", ds.id),
                    || format!("no member of {} is alive", ds.id),
                    dead,
                )
            }
            Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                let mut any = Vec::new();
                for r in regions {
                    any.push(self.majority_from(d, r.idx()));
                }
                let lit = self.c.or(
                    &format!("majority_{}", ds.id),
                    || format!("a majority of the members of {} is connected", ds.id),
                    any,
                );
                lit.not()
            }
        };
        if let Some(backups) = &ds.backups {
            let t = ds.manual_decision.0 + backups.restore.0;
            let wait = self.wait_over(t);
            let args = vec![none, alive(self, backups.region), wait, actions];
            let rid = self.region_id(backups.region.idx());
            let lit = self.c.and(
                &format!("restored_{}_in_{rid}", ds.id),
                || {
                    format!(
                        "{} has no home, its backup region {rid} is alive and W > manual_decision + restore",
                        ds.id
                    )
                },
                args,
            );
            homes.push((backups.region, lit, "restored from backups"));
        }
        let mut merged: Vec<(RegionIdx, Lit)> = Vec::new();
        let mut regions: Vec<RegionIdx> = homes.iter().map(|h| h.0).collect();
        regions.retain({
            let mut seen = Vec::new();
            move |r| {
                let new = !seen.contains(r);
                seen.push(*r);
                new
            }
        });
        for r in regions {
            let rules: Vec<&(RegionIdx, Lit, &str)> = homes.iter().filter(|h| h.0 == r).collect();
            let why = rules.iter().map(|h| h.2).collect::<Vec<_>>().join(", or ");
            let rid = self.region_id(r.idx());
            let hint = format!("home_{}_in_{rid}", ds.id);
            let label = || format!("{rid} is a home of {}: {why} (§3.2)", ds.id);
            let lit = self.c.or(&hint, label, rules.iter().map(|h| h.1).collect());
            let label = || format!("{rid} is a home of {}: {why} (§3.2)", ds.id);
            let lit = self.c.named(&hint, label, lit);
            merged.push((r, lit));
        }
        self.homes.insert(d, merged.clone());
        merged
    }

    /// The primary region is a home: its primary AZ is alive, or (with a standby) the region is
    /// alive and the in-region promotion can run (§10.2).
    fn promoted_in_region(
        &mut self,
        ds: &crate::model::Datastore,
        primary: RegionIdx,
        primary_az: crate::model::AzIdx,
        standby: bool,
        actions: Lit,
    ) -> Lit {
        let az = self.az_alive[primary_az.idx()];
        if !standby {
            return az;
        }
        let promoted = self.c.and(
            &format!("promoted_{}_in_region", ds.id),
            || {
                format!(
                    "{}'s standby in {} is promoted (§3.2, §10.2)",
                    ds.id,
                    self.model.regions[primary.idx()].id
                )
            },
            vec![self.region_alive[primary.idx()], actions],
        );
        self.c.or(
            &format!("primary_of_{}_holds", ds.id),
            || format!("the primary of {} holds", ds.id),
            vec![az, promoted],
        )
    }

    /// W > t: some failed component has an MTTR above t seconds.
    fn wait_over(&mut self, t: f64) -> Lit {
        if let Some(&lit) = self.wait_over.get(&t.to_bits()) {
            return lit;
        }
        let m = self.model;
        let args = self
            .failed
            .iter()
            .filter(|(comp, _)| m.mttr(*comp).0 > t)
            .map(|(_, lit)| *lit)
            .collect();
        let lit = self.c.or(
            &format!("wait_over_{}s", t),
            || format!("W, the longest MTTR among the failed components, is over {t} s"),
            args,
        );
        self.wait_over.insert(t.to_bits(), lit);
        lit
    }

    /// §3.4: down = routing failed OR no candidate region serves (OR, with a frozen scale-up,
    /// nothing served: [`Builder::nothing_served`]).
    fn top(&mut self) -> Lit {
        let m = self.model;
        let n = m.regions.len();
        let scaling = frozen_scaling(m);
        if !scaling.is_empty() {
            let routing = self.failed(Component::Routing);
            let nothing = self.nothing_served(&scaling);
            let down = self.c.or(
                "down",
                || "the service is down: routing failed or nothing is served (MODEL.md §3)".into(),
                vec![routing, nothing],
            );
            return self.c.named(
                "down",
                || "the service is down: routing failed or nothing is served (MODEL.md §3)".into(),
                down,
            );
        }
        let candidates: Vec<usize> = match m.routing.kind {
            RoutingKind::FailoverDns => std::iter::once(m.routing.primary)
                .chain(m.routing.failover_order.iter().copied())
                .map(|r| r.idx())
                .collect(),
            _ => (0..n).collect(),
        };
        let serves = candidates
            .iter()
            .map(|r| self.usable[m.entry.idx() * n + r])
            .collect();
        let some = self.c.or(
            "some_region_serves",
            || "some region routing may use serves users (§3.4)".into(),
            serves,
        );
        let some = self.c.named(
            "some_region_serves",
            || "some region routing may use serves users (§3.4)".into(),
            some,
        );
        let routing = self.failed(Component::Routing);
        let mut causes = vec![routing, some.not()];
        if !m.routing.requires.is_empty() {
            // §10.4: routing frozen and every group's region before failure gone.
            let frozen = self.all_up(&m.routing.requires, "routing_shift").not();
            let engine = crate::evaluate::Engine::new(m);
            let mut before: Vec<usize> = engine
                .baseline()
                .assignment
                .iter()
                .flatten()
                .map(|r| r.idx())
                .collect();
            before.sort_unstable();
            before.dedup();
            let mut args = vec![frozen];
            args.extend(
                before
                    .iter()
                    .map(|r| self.usable[m.entry.idx() * n + r].not()),
            );
            causes.push(self.c.and(
                "every_group_stuck",
                || "routing cannot move anyone and every group's region is gone (§10.4)".into(),
                args,
            ));
        }
        let down = self.c.or(
            "down",
            || "the service is down: routing failed or no region serves (MODEL.md §3)".into(),
            causes,
        );
        self.c.named(
            "down",
            || "the service is down: routing failed or no region serves (MODEL.md §3)".into(),
            down,
        )
    }

    /// The served fraction is 0 (§3.6, §10.5): every user group with a share is stuck, or
    /// served by a region whose requests pass nothing (`starved`). Also true when no region
    /// serves at all, so this replaces the "no region serves" and "every group stuck" causes.
    fn nothing_served(&mut self, scaling: &[ServiceIdx]) -> Lit {
        let m = self.model;
        let n = m.regions.len();
        let engine = crate::evaluate::Engine::new(m);
        let frozen_routing = if m.routing.requires.is_empty() {
            Lit::False
        } else {
            self.all_up(&m.routing.requires, "routing_shift").not()
        };
        let starved: Vec<Lit> = (0..n).map(|r| self.starved(r, scaling, &engine)).collect();
        let mut every = Vec::new();
        for (u, user) in m.users.iter().enumerate() {
            if user.share <= 0.0 {
                // No load: whether it is served changes no served fraction.
                continue;
            }
            let before = engine.baseline().assignment[u].map(RegionIdx::idx);
            let order: Vec<usize> = match m.routing.kind {
                RoutingKind::FailoverDns => std::iter::once(m.routing.primary)
                    .chain(m.routing.failover_order.iter().copied())
                    .map(|r| r.idx())
                    .collect(),
                _ => engine
                    .nearest_regions(crate::model::UserIdx::from(u))
                    .iter()
                    .map(|r| r.idx())
                    .collect(),
            };
            let mut earlier = Vec::new();
            for r in order {
                let serves = self.usable[m.entry.idx() * n + r];
                if serves == Lit::False {
                    continue;
                }
                let (uid, rid) = (&user.id, self.region_id(r));
                // §3.4: the first serving region of the group's order.
                let mut args = earlier.clone();
                args.push(serves);
                let pick = self.c.and(
                    &format!("picks_{uid}_{rid}"),
                    || {
                        format!(
                            "{rid} is the first serving region routing would pick for {uid} (§3.4)"
                        )
                    },
                    args,
                );
                earlier.push(serves.not());
                // §10.4: frozen routing keeps the group where it was, if that still serves.
                let moved = self.c.and(
                    &format!("routed_{uid}_{rid}"),
                    || format!("routing can move {uid} and picks {rid}"),
                    vec![frozen_routing.not(), pick],
                );
                let kept = if before == Some(r) {
                    self.c.and(
                        &format!("kept_{uid}_{rid}"),
                        || format!("routing is frozen and {uid}'s region before failure, {rid}, serves (§10.4)"),
                        vec![frozen_routing, serves],
                    )
                } else {
                    Lit::False
                };
                let at = self.c.or(
                    &format!("at_{uid}_{rid}"),
                    || format!("{uid} is served by {rid} after failure"),
                    vec![moved, kept],
                );
                every.push(self.c.or(
                    &format!("{uid}_not_served_by_{rid}"),
                    || format!("{uid} is not served by {rid}, or {rid} passes nothing"),
                    vec![at.not(), starved[r]],
                ));
            }
        }
        let lit = self.c.and(
            "nothing_served",
            || "every user group is unserved: no region serves it, it is stuck, or its region passes nothing (§3.6, §10)".into(),
            every,
        );
        self.c.named(
            "nothing_served",
            || "every user group is unserved: no region serves it, it is stuck, or its region passes nothing (§3.6, §10)".into(),
            lit,
        )
    }

    /// Serving region r passes none of its requests (ρ_r = 0, §12.3): the entry (pooled under
    /// `global-lb`) or a required tier in the region it is called in from r has no capacity,
    /// its scale-up frozen and no steady instance alive. Only `scaling` tiers can.
    fn starved(
        &mut self,
        r: usize,
        scaling: &[ServiceIdx],
        engine: &crate::evaluate::Engine,
    ) -> Lit {
        let m = self.model;
        let n = m.regions.len();
        let rid = self.region_id(r);
        let mut causes = Vec::new();
        for &s in scaling {
            let svc = &m.services[s.idx()];
            if s == m.entry {
                if m.routing.kind == RoutingKind::GlobalLb {
                    // The pool is empty: no region where the entry is usable has a steady
                    // instance alive, and the serving ones cannot scale.
                    let mut args = vec![self.scale_frozen(s)];
                    for q in 0..n {
                        let usable = self.usable[s.idx() * n + q];
                        let steadyless = self.steadyless(s, q);
                        let qid = self.region_id(q);
                        args.push(self.c.or(
                            &format!("no_steady_{}_pooled_from_{qid}", svc.id),
                            || format!("{} adds nothing to the pool from {qid}", svc.id),
                            vec![usable.not(), steadyless],
                        ));
                    }
                    causes.push(self.c.and(
                        &format!("pool_of_{}_empty", svc.id),
                        || format!("the pooled capacity of {} is 0: scale-up frozen, no steady instance alive (§10.3)", svc.id),
                        args,
                    ));
                } else if svc.scales[r] {
                    let args = vec![self.scale_frozen(s), self.steadyless(s, r)];
                    causes.push(self.c.and(
                        &format!("{}_starved_in_{rid}", svc.id),
                        || format!("{} has no capacity in {rid}: scale-up frozen, no steady instance alive (§10.3)", svc.id),
                        args,
                    ));
                }
                continue;
            }
            // A required tier: starved in σ_s(r).
            let here = self.usable[s.idx() * n + r];
            let mut closer = vec![here.not()];
            for q in engine
                .regions_by_rtt(RegionIdx::from(r))
                .iter()
                .map(|q| q.idx())
            {
                let usable = self.usable[s.idx() * n + q];
                if usable == Lit::False {
                    continue;
                }
                let qid = self.region_id(q);
                let sigma = if q == r {
                    usable
                } else {
                    let conn = self.connected(r, q);
                    let reach = self.c.and(
                        &format!("uses_{}_in_{qid}_from_{rid}", svc.id),
                        || format!("{} is usable in {qid}, connected to {rid}", svc.id),
                        vec![usable, conn],
                    );
                    let mut args = closer.clone();
                    args.push(reach);
                    closer.push(reach.not());
                    self.c.and(
                        &format!("sigma_{}_{rid}_is_{qid}", svc.id),
                        || format!("{rid} calls {} in {qid}, the nearest connected region where it is usable (§12.2)", svc.id),
                        args,
                    )
                };
                if !svc.scales[q] {
                    continue;
                }
                let args = vec![sigma, self.scale_frozen(s), self.steadyless(s, q)];
                causes.push(self.c.and(
                    &format!("{}_starved_in_{qid}_for_{rid}", svc.id),
                    || format!("{rid} calls {} in {qid}, where it has no capacity: scale-up frozen, no steady instance alive (§10.3)", svc.id),
                    args,
                ));
            }
        }
        self.c.or(
            &format!("starved_{rid}"),
            || {
                format!(
                    "{rid} passes none of its requests: a tier it needs has no capacity (§12.3)"
                )
            },
            causes,
        )
    }

    /// A control plane of the service's `scale_requires` is down (§10.3).
    fn scale_frozen(&mut self, s: ServiceIdx) -> Lit {
        let svc = &self.model.services[s.idx()];
        self.all_up(&svc.scale_requires, &format!("scale_up_of_{}", svc.id))
            .not()
    }

    /// Service s has no steady (placed) instance in an alive AZ of region q.
    fn steadyless(&mut self, s: ServiceIdx, q: usize) -> Lit {
        let m = self.model;
        let svc = &m.services[s.idx()];
        let args = m.regions[q]
            .azs
            .iter()
            .filter(|a| svc.instances[a.idx()] > 0)
            .map(|a| self.az_alive[a.idx()].not())
            .collect();
        let qid = self.region_id(q);
        self.c.and(
            &format!("no_steady_{}_in_{qid}", svc.id),
            || {
                format!(
                    "no AZ of {qid} holding placed instances of {} is alive",
                    svc.id
                )
            },
            args,
        )
    }
}

/// The required tiers of the entry's closure (the entry included) whose scale-up a control
/// plane can freeze: `scale_requires` and `scale_to` somewhere (MODEL.md §10.3, §12.1).
pub fn frozen_scaling(model: &Model) -> Vec<ServiceIdx> {
    let graphs = crate::graph::Graphs::new(model);
    std::iter::once(model.entry)
        .chain(
            graphs
                .entry_services
                .iter()
                .copied()
                .filter(|s| graphs.required(model, Dependency::Service(*s))),
        )
        .filter(|s| {
            let svc = &model.services[s.idx()];
            !svc.scale_requires.is_empty() && svc.scales.iter().any(|x| *x)
        })
        .collect()
}
