//! Stage 3: the topology as graphs (petgraph).
//!
//! - the network: regions as nodes, links as edges (node index == region index), used for
//!   connectivity after failures;
//! - the dependency graph: services, datastores and externals, with an edge from a service to
//!   each thing it depends on; its topological order lets evaluation decide where a service is
//!   usable after its dependencies, and its cycles are validation errors.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex, UnGraph};
use petgraph::visit::{Dfs, EdgeRef};

use crate::model::{DatastoreIdx, Dependency, LinkIdx, Model, RegionIdx, ServiceIdx};

/// The graphs evaluation needs, built once per model.
pub struct Graphs {
    pub network: UnGraph<RegionIdx, LinkIdx>,
    pub dependencies: DiGraph<Dependency, ()>,
    /// Services ordered so that every service comes after the services it depends on.
    pub service_order: Vec<ServiceIdx>,
    /// Services the entry service needs, directly or through others (the entry excluded).
    pub entry_services: Vec<ServiceIdx>,
    /// Datastores the entry service needs, directly or through other services.
    pub entry_datastores: Vec<DatastoreIdx>,
    /// MODEL.md §12.1: the call fraction of every service, datastore and external (indexed
    /// like the dependency graph's nodes: services, then datastores, then externals); 0 for
    /// what the entry service never calls, 1 for what every request needs.
    pub call_fraction: Vec<f64>,
    /// Whether some item of the entry service's closure is partial (call fraction below 1).
    pub has_partial: bool,
}

/// The dependency graph, with one node per service, datastore and external in that order.
pub fn dependency_graph(model: &Model) -> DiGraph<Dependency, ()> {
    let mut g = DiGraph::new();
    for i in 0..model.services.len() {
        g.add_node(Dependency::Service(i.into()));
    }
    for i in 0..model.datastores.len() {
        g.add_node(Dependency::Datastore(i.into()));
    }
    for i in 0..model.externals.len() {
        g.add_node(Dependency::External(i.into()));
    }
    for (i, s) in model.services.iter().enumerate() {
        for (d, _) in s.needs() {
            g.add_edge(NodeIndex::new(i), node_of(model, d), ());
        }
    }
    g
}

fn node_of(model: &Model, d: Dependency) -> NodeIndex {
    match d {
        Dependency::Service(s) => NodeIndex::new(s.idx()),
        Dependency::Datastore(x) => NodeIndex::new(model.services.len() + x.idx()),
        Dependency::External(e) => {
            NodeIndex::new(model.services.len() + model.datastores.len() + e.idx())
        }
    }
}

/// Groups of services that depend on each other in a cycle (each group in file order).
pub fn dependency_cycles(model: &Model) -> Vec<Vec<ServiceIdx>> {
    let g = dependency_graph(model);
    let mut cycles: Vec<Vec<ServiceIdx>> = tarjan_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
        .map(|scc| {
            let mut services: Vec<ServiceIdx> = scc
                .into_iter()
                .filter_map(|n| match g[n] {
                    Dependency::Service(s) => Some(s),
                    _ => None,
                })
                .collect();
            services.sort();
            services
        })
        .collect();
    cycles.sort();
    cycles
}

impl Graphs {
    /// Builds the graphs of a validated (acyclic) model.
    pub fn new(model: &Model) -> Graphs {
        let mut network = UnGraph::with_capacity(model.regions.len(), model.links.len());
        for i in 0..model.regions.len() {
            network.add_node(RegionIdx::from(i));
        }
        for (i, l) in model.links.iter().enumerate() {
            network.add_edge(
                NodeIndex::new(l.ends[0].idx()),
                NodeIndex::new(l.ends[1].idx()),
                LinkIdx::from(i),
            );
        }
        let dependencies = dependency_graph(model);
        let service_order = post_order_services(model, &dependencies);
        let mut entry_services = Vec::new();
        let mut entry_datastores = Vec::new();
        let mut dfs = Dfs::new(&dependencies, NodeIndex::new(model.entry.idx()));
        while let Some(n) = dfs.next(&dependencies) {
            match dependencies[n] {
                Dependency::Service(s) if s != model.entry => entry_services.push(s),
                Dependency::Datastore(d) => entry_datastores.push(d),
                _ => {}
            }
        }
        entry_services.sort();
        entry_datastores.sort();
        let call_fraction = call_fractions(model, &service_order);
        let has_partial = call_fraction.iter().any(|c| *c > 0.0 && *c < 1.0);
        Graphs {
            network,
            dependencies,
            service_order,
            entry_services,
            entry_datastores,
            call_fraction,
            has_partial,
        }
    }

    /// The call fraction of a service, datastore or external (MODEL.md §12.1).
    pub fn fraction(&self, model: &Model, d: Dependency) -> f64 {
        self.call_fraction[node_of(model, d).index()]
    }

    /// Whether every request needs `d` (its call fraction is 1).
    pub fn required(&self, model: &Model, d: Dependency) -> bool {
        self.fraction(model, d) >= 1.0
    }

    /// The links of the network as (link, a, b) triples.
    pub fn links(&self) -> impl Iterator<Item = (LinkIdx, RegionIdx, RegionIdx)> + '_ {
        self.network.edge_references().map(|e| {
            (
                *e.weight(),
                RegionIdx::from(e.source().index()),
                RegionIdx::from(e.target().index()),
            )
        })
    }
}

/// MODEL.md §12.1: the entry's call fraction is 1; through an item of a service with call
/// fraction c the item gets c x its fraction; an item reached along several paths takes the
/// largest. Callers come before what they call in the reverse of `order` (dependencies first),
/// so one pass in that order settles every item.
fn call_fractions(model: &Model, order: &[ServiceIdx]) -> Vec<f64> {
    let n = model.services.len() + model.datastores.len() + model.externals.len();
    let mut c = vec![0.0_f64; n];
    c[model.entry.idx()] = 1.0;
    for s in order.iter().rev() {
        let here = c[s.idx()];
        if here == 0.0 {
            continue;
        }
        for (d, f) in model.services[s.idx()].needs() {
            let i = node_of(model, d).index();
            c[i] = c[i].max(here * f);
        }
    }
    c
}

/// Services in dependency order (dependencies first), deterministic: a depth-first post-order
/// from each service in file order.
fn post_order_services(model: &Model, g: &DiGraph<Dependency, ()>) -> Vec<ServiceIdx> {
    let mut order = Vec::new();
    let mut done = vec![false; model.services.len()];
    fn visit(
        model: &Model,
        s: ServiceIdx,
        done: &mut [bool],
        order: &mut Vec<ServiceIdx>,
        depth: usize,
    ) {
        if done[s.idx()] || depth > model.services.len() {
            return;
        }
        done[s.idx()] = true;
        for (d, _) in model.services[s.idx()].needs() {
            if let Dependency::Service(t) = d {
                visit(model, t, done, order, depth + 1);
            }
        }
        order.push(s);
    }
    let _ = g;
    for i in 0..model.services.len() {
        visit(model, i.into(), &mut done, &mut order, 0);
    }
    order
}
