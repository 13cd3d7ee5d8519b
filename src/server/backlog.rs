//! What `serve` owes its client and has not delivered: requests not yet answered, and output
//! queued but not yet written. Input is read only while both are small.
//!
//! Why: rmcp answers every request in a task of its own and writes the answer when stdout takes
//! it. A client that keeps sending requests but reads no answers (stalled, or hostile) makes
//! those answers pile up in memory without bound (gigabytes within seconds). The transport
//! counts every message from the moment it is queued ([`Backlog::add`]) until it is written
//! (the [`Pending`] guard is dropped), and every request from the moment it is handed to rmcp
//! ([`Backlog::asked`]) until its answer is queued or the client cancels it
//! ([`Backlog::answered`]); it reads the next line only while both are under their limits
//! ([`Backlog::wait_for_room`]). Both are needed: lines already buffered are handed over
//! faster than the answers are made, so counting output alone lets thousands of requests in
//! before the first answer is queued. The client's own writes then block on a full pipe, which
//! is the back-pressure it asked for; nothing is dropped, and everything is answered once it
//! reads again.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Bytes queued for output that stop the reading of input (a little more than one large
/// answer, far less than memory).
pub const LIMIT_BYTES: usize = 8 * 1024 * 1024;

/// Requests handed to rmcp and not yet answered that stop the reading of input (far more than
/// an AI client runs at once).
pub const LIMIT_REQUESTS: usize = 256;

/// Output queued and not yet written, and requests not yet answered.
#[derive(Debug, Default)]
pub struct Backlog {
    queued: AtomicUsize,
    /// The IDs (as JSON text) of the requests not yet answered.
    unanswered: Mutex<HashSet<String>>,
    drained: Notify,
}

/// One queued message: its bytes count in the backlog until this is dropped (written, or
/// given up).
#[derive(Debug)]
pub struct Pending {
    backlog: Arc<Backlog>,
    bytes: usize,
}

impl Backlog {
    /// An empty backlog.
    pub fn new() -> Arc<Backlog> {
        Arc::new(Backlog::default())
    }

    /// Counts `bytes` queued until the returned guard is dropped.
    pub fn add(self: &Arc<Self>, bytes: usize) -> Pending {
        self.queued.fetch_add(bytes, Ordering::SeqCst);
        Pending {
            backlog: Arc::clone(self),
            bytes,
        }
    }

    /// The bytes queued now.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// The request `id` (its JSON text) was handed over to be answered.
    pub fn asked(&self, id: String) {
        if let Ok(mut unanswered) = self.unanswered.lock() {
            unanswered.insert(id);
        }
    }

    /// The request `id` was answered (or cancelled by the client: rmcp then sends nothing).
    pub fn answered(&self, id: &str) {
        if let Ok(mut unanswered) = self.unanswered.lock()
            && unanswered.remove(id)
        {
            self.drained.notify_waiters();
        }
    }

    fn unanswered(&self) -> usize {
        self.unanswered.lock().map(|unanswered| unanswered.len()).unwrap_or(0)
    }

    /// Returns once fewer than `bytes` are queued and fewer than `requests` are unanswered.
    /// Cancel-safe.
    pub async fn wait_for_room(&self, bytes: usize, requests: usize) {
        loop {
            let drained = self.drained.notified();
            tokio::pin!(drained);
            // Registered before the check, so a drain in between is not missed.
            drained.as_mut().enable();
            if self.queued() < bytes && self.unanswered() < requests {
                return;
            }
            drained.await;
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.backlog.queued.fetch_sub(self.bytes, Ordering::SeqCst);
        self.backlog.drained.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_while_over_a_limit_and_wakes_when_drained() {
        let backlog = Backlog::new();
        backlog.wait_for_room(10, 2).await;
        let first = backlog.add(6);
        let second = backlog.add(6);
        assert_eq!(backlog.queued(), 12);
        let waiter = {
            let backlog = Arc::clone(&backlog);
            tokio::spawn(async move { backlog.wait_for_room(10, 2).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(first);
        waiter.await.expect("woken");
        drop(second);
        assert_eq!(backlog.queued(), 0);

        backlog.asked("1".to_string());
        backlog.asked("\"two\"".to_string());
        let waiter = {
            let backlog = Arc::clone(&backlog);
            tokio::spawn(async move { backlog.wait_for_room(10, 2).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        backlog.answered("7");
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "an unknown id frees nothing");
        backlog.answered("\"two\"");
        waiter.await.expect("woken");
    }
}
