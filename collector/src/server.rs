//! The listener: accepts connections on 127.0.0.1, serves each on its own
//! thread up to a bound, and stops gracefully.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::http::{Connection, Response, Timeouts};
use crate::routes::{App, Reply};

/// Longest wait for the next request on a kept-alive connection.
const KEEP_ALIVE_IDLE: Duration = Duration::from_secs(5);
/// Requests served on one connection before closing it.
const MAX_REQUESTS_PER_CONNECTION: usize = 1000;
/// Time allowed for writing one response.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `stop` waits for in-flight requests.
const STOP_GRACE: Duration = Duration::from_secs(5);

struct Shared {
    app: App,
    stopping: AtomicBool,
    active: AtomicUsize,
    next_id: AtomicU64,
    connections: Mutex<HashMap<u64, TcpStream>>,
    max_connections: usize,
    log: bool,
    timeouts: Timeouts,
}

impl Shared {
    fn connections(&self) -> std::sync::MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A started collector. Dropping it stops it too.
pub struct RunningServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Binds 127.0.0.1:`config.port`, opens the event store and starts serving on
/// background threads.
pub fn start(config: Config) -> io::Result<RunningServer> {
    let app = App::new(&config)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        app,
        stopping: AtomicBool::new(false),
        active: AtomicUsize::new(0),
        next_id: AtomicU64::new(0),
        connections: Mutex::new(HashMap::new()),
        max_connections: config.max_connections.max(1),
        log: config.log,
        timeouts: Timeouts::from_request_timeout(config.request_timeout),
    });
    let accept_shared = Arc::clone(&shared);
    let accept = thread::Builder::new()
        .name("collector-accept".into())
        .spawn(move || accept_loop(&listener, &accept_shared))?;
    Ok(RunningServer {
        addr,
        shared,
        accept: Some(accept),
    })
}

impl RunningServer {
    /// The bound address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Events loaded from the data file when the server started.
    pub fn loaded_events(&self) -> usize {
        self.shared.app.loaded_events()
    }

    /// Blocks until the server stops (it only stops through [`Self::stop`], so
    /// in practice until the process ends).
    pub fn wait(mut self) {
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }

    /// Stops accepting, closes idle connections, and waits (bounded) for
    /// in-flight requests to finish.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(handle) = self.accept.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept with a throwaway connection.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = handle.join();
        // Idle keep-alive connections see EOF; answers in progress can still be written.
        for stream in self.shared.connections().values() {
            let _ = stream.shutdown(Shutdown::Read);
        }
        let deadline = Instant::now() + STOP_GRACE;
        while self.shared.active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Decrements the active count and unregisters the connection, even on panic.
struct ConnectionGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.shared.connections().remove(&self.id);
        self.shared.active.fetch_sub(1, Ordering::SeqCst);
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            Err(_) => {
                // E.g. out of file descriptors: back off instead of spinning.
                thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        if shared.active.load(Ordering::SeqCst) >= shared.max_connections {
            refuse(stream);
            continue;
        }
        let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
        shared.active.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            shared.connections().insert(id, clone);
        }
        let guard = ConnectionGuard {
            shared: Arc::clone(shared),
            id,
        };
        let spawned = thread::Builder::new()
            .name(format!("collector-conn-{id}"))
            .spawn(move || {
                let guard = guard;
                serve_connection(stream, &guard.shared);
            });
        if spawned.is_err() {
            // The closure (and with it the guard and stream) was dropped.
            continue;
        }
    }
}

fn refuse(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let response =
        Response::error(503, "overloaded", "too many connections").header("Retry-After", "1");
    let _ = response.write_to(&mut stream, false);
    let _ = stream.shutdown(Shutdown::Write);
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut conn = Connection::new(stream, shared.timeouts);
    let mut served = 0usize;
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let idle = if served == 0 {
            shared.timeouts.head
        } else {
            KEEP_ALIVE_IDLE.min(shared.timeouts.head)
        };
        match conn.read_request(idle) {
            Ok(None) => break,
            Ok(Some(request)) => {
                let started = Instant::now();
                match shared.app.handle(&request) {
                    Reply::Drop => {
                        log(shared, &request.method, &request.target, "dropped", started);
                        let _ = conn.stream().shutdown(Shutdown::Both);
                        return;
                    }
                    Reply::Respond(mut response) => {
                        response.head_only = request.method == "HEAD";
                        served += 1;
                        let keep_alive = request.keep_alive()
                            && served < MAX_REQUESTS_PER_CONNECTION
                            && !shared.stopping.load(Ordering::SeqCst);
                        let written = response.write_to(conn.stream(), keep_alive);
                        log(
                            shared,
                            &request.method,
                            &request.target,
                            &response.status.to_string(),
                            started,
                        );
                        if written.is_err() || !keep_alive {
                            break;
                        }
                    }
                }
            }
            Err(error) => {
                if let Some(response) = shared.app.error_response(&error) {
                    let _ = response.write_to(conn.stream(), false);
                    log(
                        shared,
                        error.method.as_deref().unwrap_or("-"),
                        error.path.as_deref().unwrap_or("-"),
                        &response.status.to_string(),
                        Instant::now(),
                    );
                }
                // Let the peer read the answer before the socket goes away:
                // swallow what it is still sending, within bounds.
                let _ = conn.stream().shutdown(Shutdown::Write);
                if error.drain {
                    conn.drain(16 * 1024 * 1024, Duration::from_secs(5));
                } else {
                    conn.drain(256 * 1024, Duration::from_millis(500));
                }
                return;
            }
        }
    }
    let _ = conn.stream().shutdown(Shutdown::Write);
}

fn log(shared: &Shared, method: &str, target: &str, outcome: &str, started: Instant) {
    if !shared.log {
        return;
    }
    let target: String = target
        .chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    eprintln!(
        "{method} {target} -> {outcome} ({} ms)",
        started.elapsed().as_millis()
    );
}
