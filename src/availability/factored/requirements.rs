//! The requirements of OK (step 5): one item per needed datastore and service, with its tiers
//! of homes, and the quorum stores' member counts.

use crate::model::Replication;

use super::{MAX_ITEMS, Quorum, Setup};

/// The requirements of OK (step 5): one item per needed datastore without a majority rule and
/// per needed service other than the entry, and per quorum store a member count (with an item
/// for its restore). Each item has tiers (MODEL.md §3.2): its homes are the alive satisfiers of
/// the first tier that has one (an active-passive store's primary, then each replica in order,
/// then its backups region when this policy restores it).
pub(super) struct Items<'a> {
    pub(super) setup: &'a Setup<'a>,
    /// Per item, its tiers in order, each the regions (with an AZ condition) that satisfy it.
    pub(super) tiers: Vec<Vec<Vec<Satisfier>>>,
    /// Per item, the bit of its first tier in `Class::bits` (tier t is bit `offset + t`).
    pub(super) offset: Vec<u32>,
    pub(super) quorums: Vec<Quorum>,
    /// Per quorum: its member regions.
    pub(super) quorum_members: Vec<Vec<usize>>,
    /// Items that must all be met (the quorum restore items are alternatives, not required).
    pub(super) required: u32,
    /// Per item, the datastore whose homes it is, for a store without a majority rule.
    pub(super) store: Vec<Option<usize>>,
}

#[derive(Clone, Debug)]
pub(super) enum Satisfier {
    /// Region alive.
    Region(usize),
    /// Region alive with this AZ alive, or (when `standby`) with any AZ alive.
    Primary {
        region: usize,
        az: usize,
        standby: bool,
    },
    /// This AZ alive.
    Az(usize),
    /// The service has an instance in an alive AZ of any region.
    Service(usize),
}

impl<'a> Items<'a> {
    pub(super) fn new(setup: &'a Setup<'a>, policy: &[usize]) -> Result<Items<'a>, String> {
        let m = setup.engine.model();
        let graphs = setup.engine.graphs();
        let mut tiers: Vec<Vec<Vec<Satisfier>>> = Vec::new();
        let mut quorums = Vec::new();
        let mut quorum_members = Vec::new();
        let mut required = 0u32;
        let mut store = Vec::new();
        for d in &graphs.entry_datastores {
            let ds = &m.datastores[d.idx()];
            let restore = policy
                .contains(&d.idx())
                .then(|| {
                    ds.backups
                        .as_ref()
                        .map(|b| Satisfier::Region(b.region.idx()))
                })
                .flatten();
            let mut item: Vec<Vec<Satisfier>> = Vec::new();
            match &ds.replication {
                Replication::SingleAz { az } => item.push(vec![Satisfier::Az(az.idx())]),
                Replication::MultiAz {
                    primary,
                    primary_az,
                    standby,
                } => item.push(vec![Satisfier::Primary {
                    region: primary.idx(),
                    az: primary_az.idx(),
                    standby: *standby,
                }]),
                Replication::ActivePassive {
                    primary,
                    primary_az,
                    standby,
                    replicas,
                } => {
                    item.push(vec![Satisfier::Primary {
                        region: primary.idx(),
                        az: primary_az.idx(),
                        standby: *standby,
                    }]);
                    item.extend(replicas.iter().map(|r| vec![Satisfier::Region(r.idx())]));
                }
                Replication::ActiveActive { regions } if !ds.sync => {
                    item.push(regions.iter().map(|r| Satisfier::Region(r.idx())).collect());
                }
                Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                    let restore_item = restore.map(|s| {
                        tiers.push(vec![vec![s]]);
                        store.push(None);
                        tiers.len() - 1
                    });
                    quorums.push(Quorum {
                        majority: (regions.len() / 2 + 1) as u32,
                        restore_item,
                    });
                    quorum_members.push(regions.iter().map(|r| r.idx()).collect());
                    continue;
                }
            }
            item.extend(restore.map(|s| vec![s]));
            required |= 1 << tiers.len().min(31);
            tiers.push(item);
            store.push(Some(d.idx()));
        }
        for s in &graphs.entry_services {
            required |= 1 << tiers.len().min(31);
            tiers.push(vec![vec![Satisfier::Service(s.idx())]]);
            store.push(None);
        }
        let mut offset = Vec::with_capacity(tiers.len());
        let mut bits = 0u32;
        for item in &tiers {
            offset.push(bits);
            bits += item.len() as u32;
        }
        if tiers.len() > MAX_ITEMS || quorums.len() > 4 || bits > 64 {
            return Err(format!(
                "{} datastore and service requirements is above what the factored method tracks",
                tiers.len() + quorums.len()
            ));
        }
        Ok(Items {
            setup,
            tiers,
            offset,
            quorums,
            quorum_members,
            required,
            store,
        })
    }

    /// The region that holds the first tier of datastore `d`'s item when it is one region (a
    /// single-AZ store's AZ's, a primary's), with that tier's bit in `Class::bits`.
    pub(super) fn first_tier(&self, d: usize) -> Option<(usize, u64)> {
        let i = self.store.iter().position(|&s| s == Some(d))?;
        let [satisfier] = &self.tiers[i][0][..] else {
            return None;
        };
        let region = match *satisfier {
            Satisfier::Region(r) | Satisfier::Primary { region: r, .. } => r,
            Satisfier::Az(a) => self.setup.engine.model().azs[a].region.idx(),
            Satisfier::Service(_) => return None,
        };
        Some((region, 1 << self.offset[i]))
    }

    /// The tiers region `r` holds whenever it is alive.
    pub(super) fn region_bits(&self, r: usize) -> u64 {
        self.hits(|s| match *s {
            Satisfier::Region(x) => x == r,
            Satisfier::Primary {
                region, standby, ..
            } => region == r && standby,
            Satisfier::Az(_) | Satisfier::Service(_) => false,
        })
    }

    /// The tiers AZ `a` of region `r` holds when it is alive.
    pub(super) fn az_bits(&self, r: usize, a: usize) -> u64 {
        let m = self.setup.engine.model();
        self.hits(|s| match *s {
            Satisfier::Region(_) => false,
            Satisfier::Primary { region, az, .. } => region == r && az == a,
            Satisfier::Az(az) => az == a,
            Satisfier::Service(s) => m.services[s].scaled_instances[a] > 0,
        })
    }

    pub(super) fn hits(&self, hit: impl Fn(&Satisfier) -> bool) -> u64 {
        let mut bits = 0;
        for (i, item) in self.tiers.iter().enumerate() {
            for (t, sats) in item.iter().enumerate() {
                if sats.iter().any(&hit) {
                    bits |= 1 << (self.offset[i] as usize + t);
                }
            }
        }
        bits
    }

    /// The tiers region `r` holds with it and all its AZs alive.
    pub(super) fn held_by(&self, r: usize) -> u64 {
        let m = self.setup.engine.model();
        m.regions[r]
            .azs
            .iter()
            .fold(self.region_bits(r), |b, a| b | self.az_bits(r, a.idx()))
    }

    /// The tiers of item `i` among `bits` (bit t: tier t).
    pub(super) fn tiers_of(&self, bits: u64, i: usize) -> u64 {
        let n = self.tiers[i].len() as u32;
        if n == 0 {
            return 0;
        }
        (bits >> self.offset[i]) & (u64::MAX >> (64 - n))
    }

    /// Per quorum store, whether alive region `r` is a member.
    pub(super) fn members(&self, r: usize) -> u32 {
        let mut out = 0;
        for (q, members) in self.quorum_members.iter().enumerate() {
            if members.contains(&r) {
                out |= 1 << q;
            }
        }
        out
    }
}
