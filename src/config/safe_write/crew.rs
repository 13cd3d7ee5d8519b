//! The threads a commit fsyncs with: at most [`SyncCrew::WORKERS`] side by side, the caller one
//! of them, kept for both of the commit's rounds (the staged files, then the folders the renames
//! changed).
//!
//! Why not a thread per fsync (as before): a thread costs more than the fsync it waits on when
//! the disk is fast. Measured on the 2-core VM of `BENCHMARKS.md` (hyperfine, a Rust binary that
//! spawns and joins N idle threads): 13 threads add 0.8 ms, 47 add 3.3 ms, which is what a
//! 5-client and an every-client install spawned. Fsyncs in flight stop paying off sooner: 24
//! new files fsynced by 8 workers took 5.0 ms, by 24 threads 5.2 ms, by one 7.9 ms; 7 files by
//! 7 workers 2.7 ms, by 4 2.9 ms, by one 4.2 ms. So eight workers, and no new thread for the
//! second round.
//!
//! The tasks own what they work on (a duplicated file handle, a folder's path), so the crew's
//! helpers need no scope: they wait for tasks until the crew is dropped, then end on their own
//! (nobody waits for that). They are made inside the commit, where Ctrl-C is held, so they hold
//! it too.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

/// A task given to [`SyncCrew::run`]: it owns what it works on and gives a result.
pub type Task<T> = Box<dyn FnOnce() -> io::Result<T> + Send>;

/// A task as queued: it runs once, on any of the crew's threads, and sends its result.
type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// The crew was dropped: helpers finish.
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Shared {
    /// The next task, waiting for one unless `wait` is false; `None` when there is none to wait
    /// for.
    fn next(&self, wait: bool) -> Option<Job> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(job) = queue.jobs.pop_front() {
                return Some(job);
            }
            if !wait || queue.closed {
                return None;
            }
            queue = self.ready.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Up to [`SyncCrew::WORKERS`] threads (the caller included) that run a commit's fsyncs.
#[derive(Default)]
pub struct SyncCrew {
    shared: Arc<Shared>,
    helpers: usize,
}

impl SyncCrew {
    /// Tasks run side by side at most: the caller and seven helpers.
    pub const WORKERS: usize = 8;

    /// A crew with no helper yet (they are started by the first round that needs them).
    pub fn new() -> SyncCrew {
        SyncCrew::default()
    }

    /// Runs every task, the caller taking its share, and returns their results in order. A
    /// task that panicked on a helper gives an error.
    pub fn run<T: Send + 'static>(&mut self, tasks: Vec<Task<T>>) -> Vec<io::Result<T>> {
        let count = tasks.len();
        if count <= 1 {
            return tasks.into_iter().map(|task| task()).collect();
        }
        let (done, results) = mpsc::channel();
        {
            let mut queue = self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            for (index, task) in tasks.into_iter().enumerate() {
                let done = done.clone();
                queue.jobs.push_back(Box::new(move || {
                    let _ = done.send((index, task()));
                }));
            }
        }
        drop(done);
        self.shared.ready.notify_all();
        self.hire(count.min(Self::WORKERS) - 1);
        while let Some(job) = self.shared.next(false) {
            job();
        }
        let mut ordered: Vec<Option<io::Result<T>>> = (0..count).map(|_| None).collect();
        // Ends when every task has sent its result or been dropped (a panic on a helper).
        for (index, result) in results {
            ordered[index] = Some(result);
        }
        ordered
            .into_iter()
            .map(|result| result.unwrap_or_else(|| Err(io::Error::other("fsync thread panicked"))))
            .collect()
    }

    /// Starts helpers until there are `wanted` (a helper that cannot be started leaves its
    /// share to the others and the caller).
    fn hire(&mut self, wanted: usize) {
        while self.helpers < wanted {
            let shared = Arc::clone(&self.shared);
            let started = std::thread::Builder::new().spawn(move || {
                while let Some(job) = shared.next(true) {
                    job();
                }
            });
            if started.is_err() {
                return;
            }
            self.helpers += 1;
        }
    }
}

impl Drop for SyncCrew {
    fn drop(&mut self) {
        self.shared.queue.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        self.shared.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_from_one_set_of_threads_over_rounds() {
        let mut crew = SyncCrew::new();
        for round in 0..3 {
            let tasks: Vec<Task<usize>> = (0..20)
                .map(|index| Box::new(move || Ok(round * 100 + index)) as Task<usize>)
                .collect();
            let results: Vec<usize> = crew.run(tasks).into_iter().map(Result::unwrap).collect();
            assert_eq!(results, (0..20).map(|index| round * 100 + index).collect::<Vec<_>>());
        }
        assert_eq!(crew.helpers, SyncCrew::WORKERS - 1, "the later rounds start no thread");
    }

    #[test]
    fn a_failing_task_fails_alone() {
        let mut crew = SyncCrew::new();
        let tasks: Vec<Task<u8>> = vec![
            Box::new(|| Ok(1)),
            Box::new(|| Err(io::Error::other("disk gone"))),
            Box::new(|| Ok(3)),
        ];
        let results = crew.run(tasks);
        assert_eq!(results[0].as_ref().ok(), Some(&1));
        assert_eq!(
            results[1].as_ref().map_err(ToString::to_string),
            Err("disk gone".to_string())
        );
        assert_eq!(results[2].as_ref().ok(), Some(&3));
        assert_eq!(crew.helpers, 2);
    }

    #[test]
    fn a_task_that_panics_is_an_error_or_the_callers_panic_never_a_hang() {
        let mut crew = SyncCrew::new();
        let tasks: Vec<Task<u8>> = (0..4u8)
            .map(|index| {
                Box::new(move || {
                    if index == 3 {
                        panic!("a broken task");
                    }
                    Ok(index)
                }) as Task<u8>
            })
            .collect();
        // Which thread takes the broken task is up to the threads: on a helper it is an error
        // in its place, on the caller the caller's panic.
        if let Ok(results) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| crew.run(tasks))) {
            assert_eq!(results.iter().filter(|result| result.is_ok()).count(), 3);
            assert!(results[3].is_err());
        }
    }
}
