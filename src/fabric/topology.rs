//! The wiring between fabric entities: a petgraph directed graph of
//! [`Node`]s joined by typed [`Edge`]s (a VPC contains its subnets, a
//! peering joins two VPCs, an NLB targets a workload, ...).
//!
//! Forwarding decisions do not search this graph: AWS forwards by
//! longest-prefix routes and per-service rules, which the control plane
//! reads from typed tables. The graph answers a different question,
//! "what is wired to what": [`Topology::wiring_path`] finds the shortest
//! chain of wired entities between two ends (a shortest-path search over
//! the network edges, either direction), which `explain` shows beside a
//! denial so a user sees whether the ends are connected at all and through
//! what. Node and edge counts go to the summary.
//!
//! Owns: the nodes, edges and path queries over them. Must not: decide
//! reachability (the control plane does).

use petgraph::graph::DiGraph;
use petgraph::visit::{EdgeFiltered, EdgeRef, UndirectedAdaptor};

pub use petgraph::graph::NodeIndex;

use super::{Edge, Node};

/// The nodes and directed edges of a fabric.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    graph: DiGraph<Node, Edge>,
}

impl Topology {
    /// Adds a node and returns its index.
    pub fn add_node(&mut self, n: Node) -> NodeIndex {
        self.graph.add_node(n)
    }

    /// Adds an edge `from → to` of kind `kind`.
    pub fn add_edge(&mut self, from: NodeIndex, to: NodeIndex, kind: Edge) {
        self.graph.add_edge(from, to, kind);
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The entity a node stands for.
    pub fn node(&self, i: NodeIndex) -> Option<Node> {
        self.graph.node_weight(i).copied()
    }

    /// Targets of the edges of kind `kind` leaving `from`, in insertion order.
    pub fn neighbours(&self, from: NodeIndex, kind: Edge) -> Vec<Node> {
        let mut out: Vec<_> = self
            .graph
            .edges(from)
            .filter(|e| *e.weight() == kind)
            .map(|e| (e.id(), self.graph[e.target()]))
            .collect();
        // petgraph lists a node's edges newest first: sort by edge index.
        out.sort_by_key(|(id, _)| *id);
        out.into_iter().map(|(_, n)| n).collect()
    }

    /// The shortest chain of wired entities from `from` to `to`, both ends
    /// included, following network wiring in either direction (containment,
    /// peering, attachments, Direct Connect links, endpoint → service → NLB
    /// → targets). Sharing an AZ or an account is not wiring. `None` when
    /// nothing connects the two.
    pub fn wiring_path(&self, from: NodeIndex, to: NodeIndex) -> Option<Vec<Node>> {
        let wired = EdgeFiltered::from_fn(UndirectedAdaptor(&self.graph), |e| {
            !matches!(e.weight(), Edge::InAz | Edge::OwnedBy)
        });
        // Every hop costs 1, no estimate: a breadth-first shortest path
        // (O(E log V)), deterministic for a given build order.
        let (_, path) = petgraph::algo::astar(&wired, from, |n| n == to, |_| 1u32, |_| 0u32)?;
        Some(path.into_iter().map(|i| self.graph[i]).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fabric::{AccountId, PeeringId, SubnetId, VpcId, WorkloadId};

    #[test]
    fn neighbours_follow_one_kind_of_edge_in_insertion_order() {
        let mut t = Topology::default();
        let v = t.add_node(Node::Vpc(VpcId(0)));
        let a = t.add_node(Node::Workload(WorkloadId(1)));
        let b = t.add_node(Node::Workload(WorkloadId(2)));
        t.add_edge(v, b, Edge::Contains);
        t.add_edge(v, a, Edge::Contains);
        t.add_edge(a, v, Edge::Contains);
        assert_eq!(
            t.neighbours(v, Edge::Contains),
            vec![Node::Workload(WorkloadId(2)), Node::Workload(WorkloadId(1))]
        );
        assert_eq!(t.neighbours(b, Edge::Contains), vec![]);
        assert_eq!((t.node_count(), t.edge_count()), (3, 3));
    }

    /// Two VPCs, each with a subnet and a workload, peered; both VPCs are
    /// owned by one account, which must not count as a shortcut.
    fn peered_pair() -> (Topology, [NodeIndex; 8]) {
        let mut t = Topology::default();
        let acc = t.add_node(Node::Account(AccountId(0)));
        let va = t.add_node(Node::Vpc(VpcId(0)));
        let vb = t.add_node(Node::Vpc(VpcId(1)));
        let sa = t.add_node(Node::Subnet(SubnetId(0)));
        let sb = t.add_node(Node::Subnet(SubnetId(1)));
        let wa = t.add_node(Node::Workload(WorkloadId(0)));
        let wb = t.add_node(Node::Workload(WorkloadId(1)));
        let p = t.add_node(Node::Peering(PeeringId(0)));
        for (v, s, w) in [(va, sa, wa), (vb, sb, wb)] {
            t.add_edge(v, acc, Edge::OwnedBy);
            t.add_edge(v, s, Edge::Contains);
            t.add_edge(s, w, Edge::Contains);
            t.add_edge(p, v, Edge::Peers);
        }
        (t, [acc, va, vb, sa, sb, wa, wb, p])
    }

    #[test]
    fn the_wiring_path_crosses_the_peering_not_the_shared_account() {
        let (t, [_, _, _, _, _, wa, wb, _]) = peered_pair();
        assert_eq!(
            t.wiring_path(wa, wb),
            Some(vec![
                Node::Workload(WorkloadId(0)),
                Node::Subnet(SubnetId(0)),
                Node::Vpc(VpcId(0)),
                Node::Peering(PeeringId(0)),
                Node::Vpc(VpcId(1)),
                Node::Subnet(SubnetId(1)),
                Node::Workload(WorkloadId(1)),
            ])
        );
    }

    #[test]
    fn unwired_ends_have_no_path() {
        let (mut t, [acc, _, _, _, _, wa, _, _]) = peered_pair();
        let lone = t.add_node(Node::Vpc(VpcId(2)));
        t.add_edge(lone, acc, Edge::OwnedBy);
        assert_eq!(t.wiring_path(wa, lone), None);
        assert_eq!(
            t.wiring_path(wa, wa),
            Some(vec![Node::Workload(WorkloadId(0))])
        );
    }
}
