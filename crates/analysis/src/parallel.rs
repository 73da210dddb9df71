//! Order-preserving parallel map over a slice with per-thread state (a
//! tree-sitter parser is not shared between threads). Plain `std` threads:
//! the work is CPU-bound and the calls are short-lived. A panic on a worker
//! stops the others and is returned as an error (see [`crate::panics`]).

use crate::error::Result;
use crate::panics;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

/// At most this many threads per call, whatever the machine.
const MAX_THREADS: usize = 8;

/// Maps `items` on up to `threads` threads (0: one per core, at most
/// [`MAX_THREADS`]), each with its own state from `init`. A panic in `f` or
/// `init` is an [`crate::error::ErrorCode::Panic`] error.
pub fn map_with<T, S, R, I, F>(items: &[T], threads: usize, init: I, f: F) -> Result<Vec<R>>
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
pub fn map_weighted<T, S, R, C, I, F>(
    items: &[T],
    threads: usize,
    cost: C,
    init: I,
    f: F,
) -> Result<Vec<R>>
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
        return panics::catch("the parser", || {
            let mut state = init();
            Ok(items.iter().map(|item| f(&mut state, item)).collect())
        });
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(&items[i])));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let worker = || {
        let done = panics::catch("a parser thread", || {
            let mut state = init();
            let mut done = Vec::new();
            while !failed.load(Ordering::Relaxed) {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(n) else { break };
                done.push((i, f(&mut state, &items[i])));
            }
            Ok(done)
        });
        if done.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        done
    };
    let results: Vec<Result<Vec<(usize, R)>>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(worker)).collect();
        workers
            .into_iter()
            .map(|w| {
                // A worker catches its own panics; this is only for one
                // raised while it reports.
                w.join()
                    .unwrap_or_else(|p| Err(panics::error("a parser thread", p.as_ref())))
            })
            .collect()
    });
    let mut indexed = Vec::with_capacity(items.len());
    for done in results {
        indexed.extend(done?);
    }
    indexed.sort_unstable_by_key(|(i, _)| *i);
    Ok(indexed.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

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
        )
        .unwrap();
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(map_with(&[] as &[u32], 0, || (), |_, x| *x)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn weighted_keeps_order() {
        let items: Vec<u64> = (0..100).collect();
        let out = map_weighted(&items, 4, |x| x % 7, || (), |_, x| x + 1).unwrap();
        assert_eq!(out, (1..=100).collect::<Vec<u64>>());
    }

    #[test]
    fn a_panic_in_a_worker_is_returned_as_an_error() {
        crate::panics::install_hook();
        let items: Vec<u32> = (0..64).collect();
        for threads in [1, 3] {
            let error = map_with(
                &items,
                threads,
                || (),
                |_, x| if *x == 40 { panic!("boom at {x}") } else { *x },
            )
            .unwrap_err();
            assert_eq!(error.code, ErrorCode::Panic);
            assert!(
                error.message.contains("at src/parallel.rs:"),
                "{}",
                error.message
            );
            assert!(error.message.ends_with("boom at 40"), "{}", error.message);
        }
    }
}
