//! Order-preserving parallel map over a slice with per-thread state (a
//! tree-sitter parser is not shared between threads). Plain `std` threads:
//! the work is CPU-bound and the calls are short-lived.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// At most this many threads per call, whatever the machine.
const MAX_THREADS: usize = 8;

/// Maps `items` on up to `threads` threads (0: one per core, at most
/// [`MAX_THREADS`]), each with its own state from `init`.
pub fn map_with<T, S, R, I, F>(items: &[T], threads: usize, init: I, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &T) -> R + Sync,
{
    map_weighted(items, threads, |_| 0, init, f)
}

/// Like [`map_with`], but starts the costliest items first so one big item
/// at the end does not leave the other threads idle. Results keep the order
/// of `items`.
pub fn map_weighted<T, S, R, C, I, F>(items: &[T], threads: usize, cost: C, init: I, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    C: Fn(&T) -> u64,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &T) -> R + Sync,
{
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let wanted = if threads == 0 { cores } else { threads };
    let threads = wanted.min(MAX_THREADS).min(items.len());
    if threads <= 1 {
        let mut state = init();
        return items.iter().map(|item| f(&mut state, item)).collect();
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(&items[i])));
    let next = AtomicUsize::new(0);
    let mut indexed: Vec<(usize, R)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut state = init();
                    let mut done = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&i) = order.get(n) else { break };
                        done.push((i, f(&mut state, &items[i])));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(done) => done,
                // Re-raise on the calling thread, where the boundary catches it.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    indexed.sort_unstable_by_key(|(i, _)| *i);
    indexed.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_uses_per_thread_state() {
        let items: Vec<u32> = (0..1000).collect();
        let out = map_with(
            &items,
            0,
            || 0u32,
            |calls, x| {
                *calls += 1;
                x * 2
            },
        );
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(map_with(&[] as &[u32], 0, || (), |_, x| *x).is_empty());
    }

    #[test]
    fn weighted_keeps_order() {
        let items: Vec<u64> = (0..100).collect();
        let out = map_weighted(&items, 4, |x| x % 7, || (), |_, x| x + 1);
        assert_eq!(out, (1..=100).collect::<Vec<u64>>());
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let items: Vec<u32> = (0..64).collect();
        let result = std::panic::catch_unwind(|| {
            map_with(
                &items,
                3,
                || (),
                |_, x| if *x == 40 { panic!("boom") } else { *x },
            )
        });
        assert!(result.is_err());
    }
}
