//! A spinner on stderr for the slow (network) steps, shown only on a real terminal.
//!
//! Why its own module: output decisions (is stderr a terminal, is it dumb, is colour off) are
//! the same for every command that waits on the network, and none of them belongs in the core.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::env::Variables;

/// A spinner that shows the current step; silent when stderr is not an interactive terminal.
pub struct Spinner {
    message: Arc<Mutex<String>>,
    running: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts a spinner (a no-op off a terminal or with `TERM=dumb`).
    pub fn start(variables: &Variables) -> Self {
        let message = Arc::new(Mutex::new(String::new()));
        let running = Arc::new(AtomicBool::new(true));
        let interactive = std::io::stderr().is_terminal() && !variables.dumb_terminal;
        let thread = interactive.then(|| {
            let (message, running) = (Arc::clone(&message), Arc::clone(&running));
            std::thread::spawn(move || spin(&message, &running))
        });
        Spinner {
            message,
            running,
            thread,
        }
    }

    /// Shows `text` as the current step (empty hides it).
    pub fn set(&self, text: &str) {
        if let Ok(mut message) = self.message.lock() {
            *message = text.to_string();
        }
    }
}

fn spin(message: &Mutex<String>, running: &AtomicBool) {
    let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let mut index = 0;
    let mut stderr = std::io::stderr();
    while running.load(Ordering::Relaxed) {
        let text = message.lock().map(|text| text.clone()).unwrap_or_default();
        let _ = if text.is_empty() {
            write!(stderr, "\r\x1b[2K")
        } else {
            write!(stderr, "\r\x1b[2K{} {text}", frames[index % frames.len()])
        };
        let _ = stderr.flush();
        index += 1;
        std::thread::sleep(Duration::from_millis(80));
    }
    let _ = write!(stderr, "\r\x1b[2K");
    let _ = stderr.flush();
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
