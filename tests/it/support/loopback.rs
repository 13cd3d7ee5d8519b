//! The one accept loop the hand-written HTTP fakes ([`super::fake_tray`], [`super::fake_gateway`],
//! [`super::fake_oauth`]) build on: a listener on 127.0.0.1, a thread per connection, and a stop
//! on drop that wakes the acceptor. Each fake only says how to answer one connection.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A running listener on 127.0.0.1; dropping it stops accepting and joins the acceptor.
pub struct Loopback {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

/// What a connection's handler is given besides the stream.
#[derive(Clone)]
pub struct Connection {
    /// The listener's own address (for URLs in answers).
    pub address: SocketAddr,
    /// Set once the fake is stopping (long-lived streams end when it is).
    pub stop: Arc<AtomicBool>,
}

impl Loopback {
    /// Listens on `port` of 127.0.0.1 (0: a free one) and answers each connection with `handle`
    /// on its own thread.
    pub fn start<F>(port: u16, handle: F) -> Self
    where
        F: Fn(TcpStream, &Connection) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("address");
        let stop = Arc::new(AtomicBool::new(false));
        let connection = Connection {
            address,
            stop: Arc::clone(&stop),
        };
        let handle = Arc::new(handle);
        let acceptor = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if connection.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let handle = Arc::clone(&handle);
                let connection = connection.clone();
                std::thread::spawn(move || handle(stream, &connection));
            }
        });
        Loopback {
            address,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Marks it as stopping (handlers see it) without waiting for the acceptor; drop finishes.
    pub fn signal_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.signal_stop();
        // Wake the acceptor so it sees the stop flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}
