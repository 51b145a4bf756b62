//! Runs independent simulations on several host threads and hands back their results in input
//! order, so a report never depends on how many threads ran it or which finished first.
//!
//! This is the one place irqlab uses threads: each simulation is still single-threaded and
//! deterministic (its own `Machine`, its own thread-local object serials); only whole runs are
//! spread over the host's cores. The progress bar is drawn on stderr only when stderr is a
//! terminal.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of worker threads to use when the user gives none: the host's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Calls `f(i)` for every `i` in `0..n` on `jobs` threads; returns the results in index order.
///
/// `label` names the items in the progress bar (`runs`, `interleavings`).
pub fn map<R: Send>(n: usize, jobs: usize, label: &str, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    let progress = Progress::new(n, label);
    let worker = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                return;
            }
            let r = f(i);
            results
                .lock()
                .expect("no worker panics while holding the lock")[i] = Some(r);
            progress.tick();
        }
    };
    let jobs = jobs.clamp(1, n.max(1));
    std::thread::scope(|s| {
        for _ in 1..jobs {
            s.spawn(worker);
        }
        worker();
    });
    progress.finish();
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every index was run"))
        .collect()
}

/// A one-line progress bar on stderr (drawn only on a terminal, redrawn per percent).
struct Progress {
    total: usize,
    done: AtomicUsize,
    shown: AtomicUsize,
    label: String,
    visible: bool,
}

impl Progress {
    fn new(total: usize, label: &str) -> Progress {
        Progress {
            total,
            done: AtomicUsize::new(0),
            shown: AtomicUsize::new(usize::MAX),
            label: label.to_owned(),
            visible: std::io::stderr().is_terminal() && total > 1,
        }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.visible {
            return;
        }
        let percent = done * 100 / self.total.max(1);
        if self.shown.swap(percent, Ordering::Relaxed) == percent {
            return;
        }
        let filled = percent * 30 / 100;
        let bar: String = (0..30)
            .map(|i| if i < filled { '#' } else { '-' })
            .collect();
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{bar}] {done}/{} {} ({percent}%)",
            self.total, self.label
        );
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.visible {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{:80}\r", "");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Results come back in index order whatever the number of threads.
    #[test]
    fn results_are_in_index_order() {
        for jobs in [1, 2, 5] {
            let v = map(37, jobs, "items", |i| i * i);
            assert_eq!(v, (0..37).map(|i| i * i).collect::<Vec<_>>());
        }
        assert!(map(0, 3, "items", |i| i).is_empty());
    }
}
