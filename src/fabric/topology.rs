//! The wiring between fabric entities: an append-only directed graph of
//! [`Node`]s joined by typed [`Edge`]s (a VPC contains its subnets, an NLB
//! targets a workload, ...).
//!
//! The control plane walks typed tables (routes, attachments, peerings),
//! not this graph, so path finding does not search it; it records what is
//! connected to what for counts in the summary and for structural tests.
//! A plain edge list does that without a graph library.
//!
//! Owns: the nodes and edges. Must not: decide reachability (the control
//! plane does).

use super::{Edge, Node};

/// A node of the [`Topology`], in order of creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeIndex(u32);

impl NodeIndex {
    /// Position of the node in creation order.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The nodes and directed edges of a fabric.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    nodes: Vec<Node>,
    edges: Vec<(NodeIndex, NodeIndex, Edge)>,
}

impl Topology {
    /// Adds a node and returns its index.
    pub fn add_node(&mut self, n: Node) -> NodeIndex {
        // Fabric sizes are capped far below u32::MAX by the entity limit.
        let i = NodeIndex(self.nodes.len() as u32);
        self.nodes.push(n);
        i
    }

    /// Adds an edge `from → to` of kind `kind`.
    pub fn add_edge(&mut self, from: NodeIndex, to: NodeIndex, kind: Edge) {
        self.edges.push((from, to, kind));
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// The entity a node stands for.
    pub fn node(&self, i: NodeIndex) -> Option<Node> {
        self.nodes.get(i.index()).copied()
    }

    /// Targets of the edges of kind `kind` leaving `from`, in insertion order.
    pub fn neighbours(&self, from: NodeIndex, kind: Edge) -> Vec<Node> {
        self.edges
            .iter()
            .filter(|(a, _, k)| *a == from && *k == kind)
            .filter_map(|(_, b, _)| self.node(*b))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fabric::{VpcId, WorkloadId};

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
}
