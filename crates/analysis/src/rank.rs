//! Personalised PageRank over a weighted directed graph given as an edge
//! list. Rank leaks back to the personalisation vector (teleport) and so does
//! the rank of nodes without out-edges.

pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub weight: f64,
}

const DAMPING: f64 = 0.85;
const MAX_ITERATIONS: usize = 100;
const TOLERANCE: f64 = 1e-10;

/// `personal` is non-negative with a positive sum (normalised here).
pub fn pagerank(nodes: usize, edges: &[Edge], personal: &[f64]) -> Vec<f64> {
    assert_eq!(personal.len(), nodes);
    let total: f64 = personal.iter().sum();
    if nodes == 0 || total <= 0.0 {
        return vec![0.0; nodes];
    }
    let p: Vec<f64> = personal.iter().map(|x| x / total).collect();
    let mut out_weight = vec![0.0; nodes];
    for e in edges {
        out_weight[e.from] += e.weight;
    }
    let mut rank = p.clone();
    let mut next = vec![0.0; nodes];
    for _ in 0..MAX_ITERATIONS {
        let dangling: f64 = (0..nodes)
            .filter(|&i| out_weight[i] <= 0.0)
            .map(|i| rank[i])
            .sum();
        for (i, slot) in next.iter_mut().enumerate() {
            *slot = (1.0 - DAMPING + DAMPING * dangling) * p[i];
        }
        for e in edges {
            next[e.to] += DAMPING * rank[e.from] * e.weight / out_weight[e.from];
        }
        let delta: f64 = rank.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
        std::mem::swap(&mut rank, &mut next);
        if delta < TOLERANCE {
            break;
        }
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: usize, to: usize) -> Edge {
        Edge {
            from,
            to,
            weight: 1.0,
        }
    }

    #[test]
    fn ranks_sum_to_one_and_follow_links() {
        // 0 → 2, 1 → 2, 2 → 0: node 2 collects most rank.
        let r = pagerank(3, &[edge(0, 2), edge(1, 2), edge(2, 0)], &[1.0, 1.0, 1.0]);
        assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(r[2] > r[0] && r[0] > r[1], "{r:?}");
    }

    #[test]
    fn personalisation_pulls_rank_towards_the_focus() {
        // Two separate chains: 0 → 1 and 2 → 3. Focus on 2.
        let edges = [edge(0, 1), edge(2, 3)];
        let r = pagerank(4, &edges, &[0.0, 0.0, 1.0, 0.0]);
        assert!(r[3] > r[1] && r[2] > r[0], "{r:?}");
        assert!(r[0] < 1e-12 && r[1] < 1e-12, "{r:?}");
    }

    #[test]
    fn empty_graph() {
        assert!(pagerank(0, &[], &[]).is_empty());
        assert_eq!(pagerank(2, &[], &[0.0, 0.0]), [0.0, 0.0]);
    }
}
