//! The topology as a picture, before any drawing format: what to draw and in which state.
//!
//! [`Picture::new`] reads the validated model and the evaluation engine: regions holding their
//! AZs, the service instances and datastore copies placed in them, links with their round trips,
//! replication between copies, the routing front door, the user groups and the region serving
//! each, externals and shared-fate groups, and the control planes (MODEL.md §10) in their
//! region with the recovery actions that need them. Single points of failure (components whose
//! failure alone is `down`) are marked. With a scenario, the failed parts (a control plane
//! whose region died included), the post-failure routing and datastore homes, and the actions
//! a down control plane froze are marked too. The DOT, Mermaid and SVG renderers only lay this
//! out.

use crate::evaluate::{Core, Engine, Failure, Outcome};
use crate::model::{Component, Model, RegionIdx, Replication, Seconds};
use crate::scenario::Scenario;

/// State of one drawn part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    /// Failed in the scenario (directly, or inside something that failed).
    pub failed: bool,
    /// Its failure alone takes the whole topology down.
    pub spof: bool,
}

/// What a datastore copy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The one copy of a single-AZ store.
    Single,
    /// The primary of a multi-AZ or active-passive store.
    Primary,
    /// The synchronous standby in another AZ of the primary region.
    Standby,
    /// An active-passive replica region.
    Replica,
    /// The leader (first member) of a consensus store.
    Leader,
    /// A member of an active-active or consensus store.
    Member,
    /// Where backups are kept and restored.
    Backups,
}

impl Role {
    /// The role as shown in labels.
    pub fn name(self) -> &'static str {
        match self {
            Role::Single => "single",
            Role::Primary => "primary",
            Role::Standby => "standby",
            Role::Replica => "replica",
            Role::Leader => "leader",
            Role::Member => "member",
            Role::Backups => "backups",
        }
    }
}

/// One copy of a datastore, drawn in an AZ or a region.
#[derive(Clone, Debug)]
pub struct Copy {
    /// Index into [`Picture::stores`].
    pub store: usize,
    pub role: Role,
    /// A home (takes writes) after the scenario, or with nothing failed without one.
    pub home: bool,
    /// The copy's place failed in the scenario.
    pub failed: bool,
}

/// Instances of one service in one AZ.
#[derive(Clone, Debug)]
pub struct Instances {
    pub service: String,
    pub entry: bool,
    pub count: u32,
    /// What the AZ grows to with `scale_to`, when that is more.
    pub scale_to: Option<u32>,
    /// The region scaled up in the scenario.
    pub scaled: bool,
}

/// One AZ and what runs in it.
#[derive(Clone, Debug)]
pub struct AzView {
    pub id: String,
    pub mark: Mark,
    pub instances: Vec<Instances>,
    pub copies: Vec<Copy>,
}

/// One region, its AZs and its region-level datastore copies.
#[derive(Clone, Debug)]
pub struct RegionView {
    pub id: String,
    pub jurisdiction: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub mark: Mark,
    pub azs: Vec<AzView>,
    /// Copies kept at region level: replicas, members, backups.
    pub copies: Vec<Copy>,
}

/// One inter-region link.
#[derive(Clone, Debug)]
pub struct LinkView {
    /// Indices into [`Picture::regions`].
    pub a: usize,
    pub b: usize,
    pub rtt_ms: f64,
    /// The round trip is measured (`rtt:`), not derived from distance.
    pub measured: bool,
    pub mark: Mark,
    /// Down in the scenario (failed, or an end region is dead).
    pub down: bool,
}

/// One user group and where it is served.
#[derive(Clone, Debug)]
pub struct UserView {
    pub id: String,
    pub share: f64,
    pub lon: f64,
    /// The region serving the group (after the scenario); `None` when down.
    pub served_by: Option<usize>,
    /// The region serving it with nothing failed.
    pub before: Option<usize>,
}

impl UserView {
    /// The group moved to another region in the scenario.
    pub fn moved(&self) -> bool {
        self.served_by.is_some() && self.served_by != self.before
    }
}

/// One datastore, as its copies are labelled.
#[derive(Clone, Debug)]
pub struct StoreView {
    pub id: String,
    pub replication: &'static str,
    /// `sync` or `async 1s`.
    pub mode: String,
    pub ephemeral: bool,
    /// No home after the scenario: waiting for repair or lost.
    pub homeless: bool,
}

/// Replication from one copy to another (by region, with the role at each end).
#[derive(Clone, Debug)]
pub struct ReplicationEdge {
    pub store: usize,
    pub from: usize,
    pub from_role: Role,
    pub to: usize,
    pub to_role: Role,
    /// Writes flow both ways (asynchronous active-active: every member takes writes).
    pub both_ways: bool,
}

/// A part drawn as one labelled node: the routing front door, an external, a shared-fate group.
#[derive(Clone, Debug)]
pub struct Named {
    pub id: String,
    pub detail: String,
    pub mark: Mark,
}

/// A control plane (MODEL.md §10.1), drawn in its region, or on its own when it has none.
#[derive(Clone, Debug)]
pub struct ControlView {
    pub id: String,
    /// Index into [`Picture::regions`] of the region hosting it.
    pub region: Option<usize>,
    /// `availability 99.95%`.
    pub detail: String,
    /// `failed`: down in the scenario (it failed, or its region is not alive).
    pub mark: Mark,
    /// Down while an action of the scenario needed it (the scenario's `frozen` list, §10.6).
    pub frozen: bool,
}

/// A recovery action that calls a control plane (MODEL.md §10.2-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A routing shift: a DNS record change (`routing.requires`).
    RecordChange,
    /// A datastore promotion, in-region or to a replica (`datastores.<id>.requires`).
    Promotion,
    /// A restore from backups (`datastores.<id>.requires`).
    Restore,
    /// A region scaling a service up (`services.<id>.scale_requires`).
    ScaleUp,
}

impl Action {
    /// The action as edges are labelled.
    pub fn name(self) -> &'static str {
        match self {
            Action::RecordChange => "record change",
            Action::Promotion => "promotion",
            Action::Restore => "restore",
            Action::ScaleUp => "scale-up",
        }
    }
}

/// The drawn part whose action needs a control plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needer {
    /// The routing front door.
    Routing,
    /// A datastore's copy: the primary for a promotion, the backups for a restore.
    Copy {
        store: usize,
        role: Role,
        region: usize,
    },
    /// A service's instances that scale, in one AZ (the first of the region where it scales):
    /// indices into [`Picture::regions`], [`RegionView::azs`] and [`AzView::instances`].
    Instances {
        region: usize,
        az: usize,
        index: usize,
    },
}

/// One action's need for a control plane: an edge from the needer to the control plane.
#[derive(Clone, Debug)]
pub struct Need {
    /// Index into [`Picture::controls`].
    pub control: usize,
    pub by: Needer,
    pub action: Action,
    /// The scenario froze this action: the control plane was down when it was needed.
    pub frozen: bool,
}

/// The scenario a picture shows.
#[derive(Clone, Debug)]
pub struct ScenarioView {
    pub id: String,
    pub failed: Vec<String>,
    pub outcome: &'static str,
    pub served_fraction: f64,
    /// The scenario's RTO and RPO (`None`: unbounded), for the title.
    pub rto_s: Option<f64>,
    pub rpo_s: Option<f64>,
}

/// Everything to draw.
#[derive(Clone, Debug)]
pub struct Picture {
    pub name: String,
    pub scenario: Option<ScenarioView>,
    /// `failover-dns (ttl 60s)` and so on.
    pub routing: Named,
    pub regions: Vec<RegionView>,
    pub links: Vec<LinkView>,
    pub users: Vec<UserView>,
    pub stores: Vec<StoreView>,
    pub replication: Vec<ReplicationEdge>,
    pub externals: Vec<Named>,
    pub shared: Vec<Named>,
    /// Single points of failure, by component id.
    pub spofs: Vec<String>,
    /// Which datastores each service uses (directly, or for a fraction of its requests): the
    /// service id and the store's index in `stores`.
    pub uses: Vec<(String, usize)>,
    /// Control planes (MODEL.md §10), in file order.
    pub controls: Vec<ControlView>,
    /// The actions that need each control plane.
    pub needs: Vec<Need>,
}

impl Picture {
    /// The picture of a topology, after `scenario` when given.
    pub fn new(engine: &Engine, scenario: Option<&Scenario>) -> Picture {
        let model = engine.model();
        let components = engine.components();
        let spof: Vec<bool> = (0..components.len())
            .map(|i| {
                engine
                    .core(&Failure {
                        components: vec![i],
                        corrupted: Vec::new(),
                        change: None,
                    })
                    .outcome
                    == Outcome::Down
            })
            .collect();
        let is_spof = |c: Component| spof[engine.component_index(c)];
        let failure = scenario.map(|s| s.failure.clone()).unwrap_or_default();
        let directly = |c: Component| failure.components.contains(&engine.component_index(c));
        let core = engine.core(&failure);
        let baseline = engine.baseline();
        let state = &core.state;

        let stores = stores(model, &core, scenario.is_some());
        let mut regions: Vec<RegionView> = model
            .regions
            .iter()
            .enumerate()
            .map(|(r, region)| {
                let ridx = RegionIdx::from(r);
                RegionView {
                    id: region.id.clone(),
                    jurisdiction: region.jurisdiction.clone(),
                    lat: region.location.lat,
                    lon: region.location.lon,
                    mark: Mark {
                        failed: !state.region_alive[r],
                        spof: is_spof(Component::Region(ridx)),
                    },
                    azs: region
                        .azs
                        .iter()
                        .map(|a| AzView {
                            id: model.azs[a.idx()].id.clone(),
                            mark: Mark {
                                failed: !state.az_alive[a.idx()],
                                spof: is_spof(Component::Az(*a)),
                            },
                            instances: model
                                .services
                                .iter()
                                .filter(|s| {
                                    s.instances[a.idx()] > 0 || s.scaled_instances[a.idx()] > 0
                                })
                                .map(|s| Instances {
                                    service: s.id.clone(),
                                    entry: s.entry,
                                    count: s.instances[a.idx()],
                                    scale_to: (s.scaled_instances[a.idx()] > s.instances[a.idx()])
                                        .then_some(s.scaled_instances[a.idx()]),
                                    scaled: s.entry && core.scaled[r],
                                })
                                .collect(),
                            copies: Vec::new(),
                        })
                        .collect(),
                    copies: Vec::new(),
                }
            })
            .collect();

        let mut replication = Vec::new();
        for (i, ds) in model.datastores.iter().enumerate() {
            let homes = &core.recoveries[i].homes;
            let home = |r: RegionIdx| homes.contains(&r);
            let region_failed = |r: RegionIdx| !state.region_alive[r.idx()];
            let put_az = |regions: &mut Vec<RegionView>, az: crate::model::AzIdx, role: Role| {
                let r = model.azs[az.idx()].region;
                let pos = model.regions[r.idx()]
                    .azs
                    .iter()
                    .position(|a| *a == az)
                    .unwrap_or(0);
                regions[r.idx()].azs[pos].copies.push(Copy {
                    store: i,
                    role,
                    home: home(r) && matches!(role, Role::Single | Role::Primary),
                    failed: !state.az_alive[az.idx()],
                });
            };
            let restored = core.recoveries[i].restored;
            let put_region = |regions: &mut Vec<RegionView>, r: RegionIdx, role: Role| {
                regions[r.idx()].copies.push(Copy {
                    store: i,
                    role,
                    // Backups become the home only when restored from.
                    home: home(r) && (role != Role::Backups || restored),
                    failed: region_failed(r),
                });
            };
            match &ds.replication {
                Replication::SingleAz { az } => put_az(&mut regions, *az, Role::Single),
                Replication::MultiAz {
                    primary,
                    primary_az,
                    standby,
                } => {
                    put_az(&mut regions, *primary_az, Role::Primary);
                    if *standby {
                        // The model ties the standby to its region, not to an AZ (MODEL.md
                        // §3.2: alive whenever its region is): drawn in the region.
                        regions[primary.idx()].copies.push(Copy {
                            store: i,
                            role: Role::Standby,
                            home: home(*primary) && !state.az_alive[primary_az.idx()],
                            failed: region_failed(*primary),
                        });
                    }
                }
                Replication::ActivePassive {
                    primary,
                    primary_az,
                    standby,
                    replicas,
                } => {
                    put_az(&mut regions, *primary_az, Role::Primary);
                    if *standby {
                        // The model ties the standby to its region, not to an AZ (MODEL.md
                        // §3.2: alive whenever its region is): drawn in the region.
                        regions[primary.idx()].copies.push(Copy {
                            store: i,
                            role: Role::Standby,
                            home: home(*primary) && !state.az_alive[primary_az.idx()],
                            failed: region_failed(*primary),
                        });
                    }
                    for r in replicas {
                        put_region(&mut regions, *r, Role::Replica);
                        replication.push(ReplicationEdge {
                            both_ways: false,
                            store: i,
                            from: primary.idx(),
                            from_role: Role::Primary,
                            to: r.idx(),
                            to_role: Role::Replica,
                        });
                    }
                }
                Replication::ActiveActive { regions: members }
                | Replication::Consensus { regions: members } => {
                    let consensus = matches!(ds.replication, Replication::Consensus { .. });
                    for (k, r) in members.iter().enumerate() {
                        let role = if consensus && k == 0 {
                            Role::Leader
                        } else {
                            Role::Member
                        };
                        put_region(&mut regions, *r, role);
                        if k > 0 && !ds.ephemeral {
                            replication.push(ReplicationEdge {
                                both_ways: !consensus,
                                store: i,
                                from: members[0].idx(),
                                from_role: if consensus {
                                    Role::Leader
                                } else {
                                    Role::Member
                                },
                                to: r.idx(),
                                to_role: Role::Member,
                            });
                        }
                    }
                }
            }
            if let Some(b) = &ds.backups {
                let first = ds.first_home(model);
                put_region(&mut regions, b.region, Role::Backups);
                replication.push(ReplicationEdge {
                    both_ways: false,
                    store: i,
                    from: first.idx(),
                    from_role: match ds.replication {
                        Replication::SingleAz { .. } => Role::Single,
                        Replication::Consensus { .. } => Role::Leader,
                        Replication::ActiveActive { .. } => Role::Member,
                        _ => Role::Primary,
                    },
                    to: b.region.idx(),
                    to_role: Role::Backups,
                });
            }
        }

        let links = model
            .links
            .iter()
            .enumerate()
            .map(|(l, link)| {
                let [a, b] = link.ends;
                let c = Component::Link(l.into());
                LinkView {
                    a: a.idx(),
                    b: b.idx(),
                    rtt_ms: engine.rtt_regions(a, b),
                    measured: link.rtt.is_some(),
                    mark: Mark {
                        failed: directly(c),
                        spof: is_spof(c),
                    },
                    down: !state.link_up[l],
                }
            })
            .collect();

        let users = model
            .users
            .iter()
            .enumerate()
            .map(|(u, user)| UserView {
                id: user.id.clone(),
                share: user.share,
                lon: user.location.lon,
                served_by: core.assignment[u].map(RegionIdx::idx),
                before: baseline.assignment[u].map(RegionIdx::idx),
            })
            .collect();

        let routing = &model.routing;
        let mut detail = routing.kind.name().to_string();
        if routing.kind.is_dns() {
            detail.push_str(&format!(", ttl {}", routing.ttl));
        }
        if routing.kind == crate::model::RoutingKind::FailoverDns {
            let order: Vec<&str> = std::iter::once(routing.primary)
                .chain(routing.failover_order.iter().copied())
                .map(|r| model.regions[r.idx()].id.as_str())
                .collect();
            detail.push_str(&format!(", {}", order.join(" > ")));
        }
        let routing = Named {
            id: "routing".into(),
            detail,
            mark: Mark {
                failed: state.routing_failed,
                spof: is_spof(Component::Routing),
            },
        };

        let externals = model
            .externals
            .iter()
            .enumerate()
            .map(|(e, ext)| {
                let c = Component::External(e.into());
                let users: Vec<&str> = model
                    .services
                    .iter()
                    .filter(|s| {
                        s.depends_on
                            .contains(&crate::model::Dependency::External(e.into()))
                    })
                    .map(|s| s.id.as_str())
                    .collect();
                Named {
                    id: ext.id.clone(),
                    detail: if users.is_empty() {
                        "not in the request path".into()
                    } else {
                        format!("used by {}", users.join(", "))
                    },
                    mark: Mark {
                        failed: !state.external_alive[e],
                        spof: is_spof(c),
                    },
                }
            })
            .collect();

        let shared = model
            .shared
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let c = Component::Shared(g.into());
                let members: Vec<&str> = group
                    .regions
                    .iter()
                    .map(|r| model.regions[r.idx()].id.as_str())
                    .chain(group.azs.iter().map(|a| model.azs[a.idx()].id.as_str()))
                    .collect();
                Named {
                    id: group.id.clone(),
                    detail: members.join(", "),
                    mark: Mark {
                        failed: directly(c),
                        spof: is_spof(c),
                    },
                }
            })
            .collect();

        let frozen = scenario
            .map(|s| engine.evaluate(&s.failure).frozen)
            .unwrap_or_default();
        let controls = model
            .control_planes
            .iter()
            .enumerate()
            .map(|(c, plane)| ControlView {
                id: plane.id.clone(),
                region: plane.region.map(RegionIdx::idx),
                detail: format!(
                    "availability {}",
                    crate::model::units::percent(plane.availability.0)
                ),
                mark: Mark {
                    failed: !state.control_up.get(c).copied().unwrap_or(true),
                    spof: is_spof(Component::Control(c.into())),
                },
                frozen: frozen.iter().any(|x| x.idx() == c),
            })
            .collect();
        let needs = needs(model, &regions, &core);

        let mut spofs: Vec<String> = components
            .iter()
            .enumerate()
            .filter(|(i, _)| spof[*i])
            .map(|(_, c)| model.component_id(*c))
            .collect();
        spofs.sort();

        Picture {
            name: model.name.clone(),
            scenario: scenario.map(|s| {
                let result = engine.evaluate(&s.failure);
                ScenarioView {
                    id: s.id.clone(),
                    failed: s.failed.clone(),
                    outcome: core.outcome.name(),
                    served_fraction: core.served_fraction,
                    rto_s: result.rto,
                    rpo_s: result.rpo,
                }
            }),
            uses: uses(model),
            routing,
            regions,
            links,
            users,
            stores,
            replication,
            externals,
            shared,
            spofs,
            controls,
            needs,
        }
    }

    /// The picture's title; after a scenario, with its outcome, served fraction, RTO and RPO:
    /// `shop after region:us-east (up, 100% served; RTO 16m 30s, RPO 1s)`.
    pub fn title(&self) -> String {
        let Some(s) = &self.scenario else {
            return self.name.clone();
        };
        let time = |v: Option<f64>| v.map_or("unbounded".to_string(), |x| Seconds(x).to_string());
        format!(
            "{} after {} ({}, {} served; RTO {}, RPO {})",
            self.name,
            s.id,
            s.outcome,
            super::dot::percent(s.served_fraction),
            time(s.rto_s),
            time(s.rpo_s)
        )
    }

    /// A copy's label: `orders-db (primary)`, `sessions (member, cache)`.
    pub fn copy_label(&self, copy: &Copy) -> String {
        let store = &self.stores[copy.store];
        if store.ephemeral {
            format!("{} ({}, cache)", store.id, copy.role.name())
        } else {
            format!("{} ({})", store.id, copy.role.name())
        }
    }

    /// An instance line's label: `web x4`, `web x1 (scales to 3)`.
    pub fn instances_label(i: &Instances) -> String {
        let mut s = format!("{} \u{d7}{}", i.service, i.count);
        if let Some(n) = i.scale_to {
            if i.scaled {
                s.push_str(&format!(" \u{2192} {n} (scaled)"));
            } else {
                s.push_str(&format!(" (scales to {n})"));
            }
        }
        s
    }

    /// A control plane's label (lines joined by `\n`): `control plane: route53-api`, its
    /// availability, and in a scenario whether it is down and froze an action.
    pub fn control_label(&self, c: usize) -> String {
        let plane = &self.controls[c];
        let mut label = format!("control plane: {}\n{}", plane.id, plane.detail);
        if plane.mark.spof {
            label.push_str("\nsingle point of failure");
        }
        if self.scenario.is_some() && plane.mark.failed {
            label.push_str(if plane.frozen {
                "\ndown: recovery frozen"
            } else {
                "\ndown"
            });
        }
        label
    }

    /// What each control plane is called for, deduplicated in order: `record change`,
    /// `promotion of orders-db`, `scale-up of web`.
    pub fn control_uses(&self, control: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for need in self.needs.iter().filter(|n| n.control == control) {
            let what = match need.by {
                Needer::Routing => need.action.name().to_string(),
                Needer::Copy { store, .. } => {
                    format!("{} of {}", need.action.name(), self.stores[store].id)
                }
                Needer::Instances { region, az, index } => format!(
                    "{} of {}",
                    need.action.name(),
                    self.regions[region].azs[az].instances[index].service
                ),
            };
            if !out.contains(&what) {
                out.push(what);
            }
        }
        out
    }

    /// `62 ms` for a link.
    pub fn rtt_label(link: &LinkView) -> String {
        let ms = crate::model::units::round_to(link.rtt_ms, 0);
        if link.measured {
            format!("{ms} ms")
        } else {
            format!("~{ms} ms")
        }
    }

    /// The user groups served by each region, for routing edges: (region, [user indices]).
    pub fn served_groups(&self) -> Vec<(usize, Vec<usize>)> {
        let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
        for (u, user) in self.users.iter().enumerate() {
            if let Some(r) = user.served_by {
                match out.iter_mut().find(|(x, _)| *x == r) {
                    Some((_, list)) => list.push(u),
                    None => out.push((r, vec![u])),
                }
            }
        }
        out.sort_by_key(|(r, _)| *r);
        out
    }
}

/// Every recovery action that names a control plane (MODEL.md §10.2-4), from the part that
/// performs it, frozen when the scenario froze it.
fn needs(model: &Model, regions: &[RegionView], core: &Core) -> Vec<Need> {
    let up =
        |c: crate::model::ControlIdx| core.state.control_up.get(c.idx()).copied().unwrap_or(true);
    let mut out = Vec::new();
    for c in &model.routing.requires {
        out.push(Need {
            control: c.idx(),
            by: Needer::Routing,
            action: Action::RecordChange,
            frozen: core.routing_frozen && !up(*c),
        });
    }
    for (d, ds) in model.datastores.iter().enumerate() {
        let blocked = core.recoveries.get(d).is_some_and(|r| r.blocked);
        let promotion = match &ds.replication {
            Replication::MultiAz {
                primary, standby, ..
            } => standby.then_some(*primary),
            Replication::ActivePassive { primary, .. } => Some(*primary),
            _ => None,
        };
        let mut actions = Vec::new();
        if let Some(p) = promotion {
            actions.push((Action::Promotion, Role::Primary, p.idx()));
        }
        if let Some(b) = &ds.backups {
            actions.push((Action::Restore, Role::Backups, b.region.idx()));
        }
        for c in &ds.requires {
            for &(action, role, region) in &actions {
                out.push(Need {
                    control: c.idx(),
                    by: Needer::Copy {
                        store: d,
                        role,
                        region,
                    },
                    action,
                    frozen: blocked && !up(*c),
                });
            }
        }
    }
    for (s, svc) in model.services.iter().enumerate() {
        if svc.scale_requires.is_empty() {
            continue;
        }
        let stalled = core.scale_frozen.iter().any(|x| x.idx() == s);
        for (r, region) in regions.iter().enumerate() {
            if !svc.scales[r] {
                continue;
            }
            // The first AZ where it grows, else the first where it runs.
            let find = |grows: bool| {
                region.azs.iter().enumerate().find_map(|(a, az)| {
                    az.instances
                        .iter()
                        .position(|i| i.service == svc.id && (!grows || i.scale_to.is_some()))
                        .map(|k| (a, k))
                })
            };
            let Some((az, index)) = find(true).or_else(|| find(false)) else {
                continue;
            };
            for c in &svc.scale_requires {
                out.push(Need {
                    control: c.idx(),
                    by: Needer::Instances {
                        region: r,
                        az,
                        index,
                    },
                    action: Action::ScaleUp,
                    frozen: stalled && !up(*c),
                });
            }
        }
    }
    out
}

/// (service id, datastore index) for every datastore a service depends on, fully or partly.
fn uses(model: &Model) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for service in &model.services {
        let deps = service
            .depends_on
            .iter()
            .chain(service.partial.iter().map(|(d, _)| d));
        for d in deps {
            if let crate::model::Dependency::Datastore(x) = d {
                out.push((service.id.clone(), x.idx()));
            }
        }
    }
    out
}

fn stores(model: &Model, core: &Core, after_failure: bool) -> Vec<StoreView> {
    model
        .datastores
        .iter()
        .zip(&core.recoveries)
        .map(|(ds, rec)| StoreView {
            id: ds.id.clone(),
            replication: ds.replication.name(),
            mode: match &ds.replication {
                Replication::SingleAz { .. } | Replication::MultiAz { .. } => String::new(),
                // A cache's contents are never replicated data (MODEL.md: never lost).
                _ if ds.ephemeral => "cache".into(),
                _ if ds.sync || ds.is_quorum() => "sync".into(),
                _ => format!("async {}", ds.lag),
            },
            ephemeral: ds.ephemeral,
            homeless: after_failure && rec.homes.is_empty(),
        })
        .collect()
}

/// Finds a scenario by id among the standard ones, or builds one from `+`-joined component ids
/// (`region:us-east+az:usw2-az1`, `corruption:orders-db`). `None` when an id is unknown.
pub fn find_scenario(engine: &Engine, id: &str) -> Option<Scenario> {
    let model = engine.model();
    let standard = crate::scenario::standard(engine);
    if let Some(s) = standard.iter().find(|s| s.id == id) {
        return Some(s.clone());
    }
    let mut failure = Failure::default();
    let mut failed = Vec::new();
    for part in id.split('+') {
        let part = part.trim();
        if let Some(c) = engine
            .components()
            .iter()
            .position(|c| model.component_id(*c) == part)
        {
            failure.components.push(c);
        } else if let Some(d) = part
            .strip_prefix("corruption:")
            .and_then(|d| model.datastores.iter().position(|x| x.id == d))
        {
            failure.corrupted.push(d.into());
        } else {
            return None;
        }
        failed.push(part.to_string());
    }
    failed.sort();
    failed.dedup();
    Some(Scenario {
        id: failed.join("+"),
        class: if failed.len() == 1 {
            crate::model::Class::Custom
        } else {
            crate::model::Class::Combo
        },
        failed,
        failure,
    })
}
