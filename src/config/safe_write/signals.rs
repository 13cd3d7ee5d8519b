//! Holding Ctrl-C back while files are replaced.

/// Holds Ctrl-C (SIGINT), SIGTERM and SIGHUP back while it lives.
///
/// Why: a run stopped between two renames would leave some files new and some old, and one
/// stopped while staging would leave temporary and lock files beside the user's configs. The
/// commit takes milliseconds; a signal that arrives meanwhile takes effect right after it, when
/// every file is consistent again. (Windows: no-op.)
pub struct HoldSignals {
    #[cfg(unix)]
    previous: Option<libc::sigset_t>,
}

impl HoldSignals {
    /// Blocks the signals until the guard is dropped.
    #[cfg(unix)]
    pub fn new() -> Self {
        // SAFETY: sigemptyset/sigaddset initialise a local set; pthread_sigmask only changes this
        // thread's mask and writes the old mask into `previous`, which we own.
        unsafe {
            let mut blocked: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut blocked);
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                libc::sigaddset(&mut blocked, signal);
            }
            let mut previous: libc::sigset_t = std::mem::zeroed();
            let ok = libc::pthread_sigmask(libc::SIG_BLOCK, &blocked, &mut previous) == 0;
            HoldSignals {
                previous: ok.then_some(previous),
            }
        }
    }

    /// Blocks nothing (no POSIX signals here).
    #[cfg(not(unix))]
    pub fn new() -> Self {
        HoldSignals {}
    }
}

impl Default for HoldSignals {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for HoldSignals {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(previous) = &self.previous {
            // SAFETY: restores the mask saved in `new`; a held signal is delivered now.
            unsafe {
                libc::pthread_sigmask(libc::SIG_SETMASK, previous, std::ptr::null_mut());
            }
        }
    }
}
