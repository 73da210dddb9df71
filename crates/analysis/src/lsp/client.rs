//! A language server process and a JSON-RPC connection to it.
//!
//! The server runs in its own process group, so killing the group also ends
//! whatever it started (tsserver under typescript-language-server). Three
//! helper threads keep the caller from ever blocking on the server: a writer
//! (stdin), a reader (stdout → framed JSON → bounded channel) and a stderr
//! drain that keeps the last few KiB for error messages. The caller only
//! waits on the channel, always with a deadline. A panic on a helper thread
//! arrives on that channel too ([`Next::Failed`]), never lost with the thread. Dropping a [`Server`] kills
//! the group and reaps the process, on every path (errors, timeouts, panics).

use super::framing::{write_message, FrameReader};
use crate::panics;
use serde_json::{json, Value};
use std::io::{self, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Bounds on what a server may send in one session (a warm session: in one
/// check, see [`Server::reset_counts`]).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// One message body.
    pub max_message_bytes: usize,
    /// Messages of any kind (responses, notifications, requests).
    pub max_messages: usize,
    /// Message bytes in total.
    pub max_total_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 16 * 1024 * 1024,
            max_messages: 20_000,
            max_total_bytes: 128 * 1024 * 1024,
        }
    }
}

const STDERR_TAIL_BYTES: usize = 4096;
const CHANNEL_DEPTH: usize = 256;

/// What waiting on the server produced.
#[derive(Debug)]
pub enum Next {
    /// A response or a notification (server requests are answered for you).
    Message(Value),
    /// The deadline passed first.
    Timeout,
    /// The server's output ended or broke; the reason, for people.
    Closed(String),
    /// The server went over a [`Limits`] bound; the reason, for people.
    Flood(String),
    /// A helper thread of ours panicked; the error message, for people.
    Failed(String),
}

enum Event {
    Message(Value, usize),
    Closed(Option<String>),
    /// A helper thread panicked (see [`spawn_helper`]).
    Panicked(String),
}

/// Kills a server's process group from another thread (closing a session
/// while a check runs), but never after the server was killed and reaped,
/// when its id may belong to someone else.
#[derive(Debug)]
pub struct Killer {
    pgid: u32,
    finished: Mutex<bool>,
}

impl Killer {
    pub fn kill(&self) {
        let finished = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        if !*finished {
            kill_group(self.pgid);
        }
    }
}

pub struct Server {
    child: Child,
    killer: Arc<Killer>,
    to_server: Option<Sender<Vec<u8>>>,
    events: Receiver<Event>,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    next_id: i64,
    messages: usize,
    bytes: usize,
    limits: Limits,
    reaped: Option<ExitStatus>,
    group_killed: bool,
}

impl Server {
    /// Starts `command` (program and arguments) in `cwd` with piped stdio.
    pub fn spawn(command: &[String], cwd: &Path, limits: Limits) -> io::Result<Server> {
        let (program, args) = command
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd.spawn()?;
        // From here on `server` owns the child: any early return kills it.
        let (events_tx, events) = mpsc::sync_channel(CHANNEL_DEPTH);
        let (to_server, writer_rx) = mpsc::channel::<Vec<u8>>();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let killer = Arc::new(Killer {
            pgid: child.id(),
            finished: Mutex::new(false),
        });
        let server = Server {
            child,
            killer,
            to_server: Some(to_server),
            events,
            stderr_tail: Arc::new(Mutex::new(Vec::new())),
            next_id: 0,
            messages: 0,
            bytes: 0,
            limits,
            reaped: None,
            group_killed: false,
        };
        if let Some(mut stdin) = stdin {
            spawn_helper("lsp-writer", events_tx.clone(), move || {
                for body in writer_rx {
                    if write_message(&mut stdin, &body).is_err() {
                        break;
                    }
                }
            })?;
        }
        if let Some(mut stderr) = stderr {
            let tail = Arc::clone(&server.stderr_tail);
            spawn_helper("lsp-stderr", events_tx.clone(), move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut tail) = tail.lock() {
                        tail.extend_from_slice(&chunk[..n]);
                        let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
                        tail.drain(..excess);
                    }
                }
            })?;
        }
        if let Some(stdout) = stdout {
            let max = limits.max_message_bytes;
            let events = events_tx.clone();
            spawn_helper("lsp-reader", events_tx, move || {
                read_loop(stdout, max, events)
            })?;
        }
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn killer(&self) -> Arc<Killer> {
        Arc::clone(&self.killer)
    }

    /// Starts counting messages and bytes against [`Limits`] afresh.
    pub fn reset_counts(&mut self) {
        self.messages = 0;
        self.bytes = 0;
    }

    fn send(&self, message: &Value) {
        if let Some(tx) = &self.to_server {
            // A closed writer means the server is gone; the reader reports it.
            let _ = tx.send(message.to_string().into_bytes());
        }
    }

    /// Sends a request; returns its id.
    pub fn request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Answers a request from the server with an empty result (for
    /// `workspace/configuration`, one `null` per item asked for).
    fn answer(&self, request: &Value) {
        let result = match request["method"].as_str() {
            Some("workspace/configuration") => {
                let n = request["params"]["items"].as_array().map_or(0, Vec::len);
                Value::Array(vec![Value::Null; n])
            }
            _ => Value::Null,
        };
        self.send(&json!({ "jsonrpc": "2.0", "id": request["id"].clone(), "result": result }));
    }

    /// The next response or notification, or why there is none by `deadline`.
    pub fn next(&mut self, deadline: Instant) -> Next {
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let event = match self.events.recv_timeout(wait) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) => return Next::Timeout,
                Err(RecvTimeoutError::Disconnected) => {
                    return Next::Closed("the server's output closed".into())
                }
            };
            let (message, size) = match event {
                Event::Message(message, size) => (message, size),
                Event::Closed(None) => {
                    return Next::Closed("the server closed its output".into());
                }
                Event::Closed(Some(reason)) => {
                    return Next::Closed(format!("unreadable server output: {reason}"));
                }
                Event::Panicked(error) => return Next::Failed(error),
            };
            self.messages += 1;
            self.bytes += size;
            if self.messages > self.limits.max_messages {
                return Next::Flood(format!(
                    "the server sent more than {} messages",
                    self.limits.max_messages
                ));
            }
            if self.bytes > self.limits.max_total_bytes {
                return Next::Flood(format!(
                    "the server sent more than {} bytes",
                    self.limits.max_total_bytes
                ));
            }
            if message.get("method").is_some() && message.get("id").is_some() {
                self.answer(&message);
                continue;
            }
            return Next::Message(message);
        }
    }

    /// Waits for the response to request `id`, handing every notification
    /// that arrives meanwhile to `on_notification`.
    pub fn response(
        &mut self,
        id: i64,
        deadline: Instant,
        mut on_notification: impl FnMut(&Value),
    ) -> Result<Value, Next> {
        loop {
            match self.next(deadline) {
                Next::Message(m) if m.get("id").and_then(Value::as_i64) == Some(id) => {
                    return Ok(m)
                }
                Next::Message(m) => on_notification(&m),
                other => return Err(other),
            }
        }
    }

    /// The exit status if the server ends within `grace`.
    pub fn wait_exit(&mut self, grace: Duration) -> Option<ExitStatus> {
        if self.reaped.is_some() {
            return self.reaped;
        }
        let until = Instant::now() + grace;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.reaped = Some(status);
                return self.reaped;
            }
            if Instant::now() >= until {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The last bytes the server wrote to stderr, trimmed.
    pub fn stderr_tail(&self) -> String {
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default();
        String::from_utf8_lossy(&tail).trim().to_string()
    }

    /// The polite end: `shutdown`, `exit`, a wait; then the group is killed
    /// whatever happened (children the server left behind included).
    pub fn shutdown(&mut self, grace: Duration) {
        let until = Instant::now() + grace;
        if self.wait_exit(Duration::ZERO).is_none() {
            let id = self.request("shutdown", Value::Null);
            if self.response(id, until, |_| {}).is_ok() {
                self.notify("exit", Value::Null);
                self.wait_exit(until.saturating_duration_since(Instant::now()));
            }
        }
        self.kill();
    }

    /// Kills the process group (SIGKILL) and reaps the server.
    pub fn kill(&mut self) {
        self.to_server = None;
        let killer = Arc::clone(&self.killer);
        let mut finished = killer.finished.lock().unwrap_or_else(|e| e.into_inner());
        if !self.group_killed {
            self.group_killed = true;
            kill_group(self.child.id());
        }
        if self.reaped.is_none() {
            let _ = self.child.kill();
            if let Ok(status) = self.child.wait() {
                self.reaped = Some(status);
            }
        }
        *finished = true;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `f` on a thread named `name`; if it panics, the panic is sent on
/// `events` as an error (the session then reports it and ends).
fn spawn_helper(
    name: &str,
    events: SyncSender<Event>,
    f: impl FnOnce() + Send + 'static,
) -> io::Result<()> {
    let what = format!("the {name} thread");
    thread::Builder::new().name(name.into()).spawn(move || {
        if let Err(error) = panics::catch(&what, || {
            f();
            Ok(())
        }) {
            // The session is gone when nobody receives: nobody to tell.
            let _ = events.send(Event::Panicked(error.message));
        }
    })?;
    Ok(())
}

fn read_loop(stdout: impl Read, max_body: usize, events: SyncSender<Event>) {
    let mut reader = FrameReader::new(stdout, max_body);
    loop {
        let event = match reader.read_message() {
            Ok(Some(body)) => match serde_json::from_slice::<Value>(&body) {
                Ok(value) => Event::Message(value, body.len()),
                Err(e) => Event::Closed(Some(format!("message is not JSON: {e}"))),
            },
            Ok(None) => Event::Closed(None),
            Err(e) => Event::Closed(Some(e.to_string())),
        };
        let last = matches!(event, Event::Closed(_));
        // The receiver is gone when the session ended: stop reading.
        if events.send(event).is_err() || last {
            return;
        }
    }
}

/// SIGKILL to the process group `pgid` leads (a [`Server`]'s pid). Only for
/// a server that has not been reaped yet: after that the id may be reused.
#[cfg(unix)]
pub fn kill_group(pgid: u32) {
    extern "C" {
        fn kill(pid: i32, sig: i32) -> i32;
    }
    const SIGKILL: i32 = 9;
    if let Ok(pgid) = i32::try_from(pgid) {
        if pgid > 0 {
            // SAFETY: kill(2) with a negative pid signals the process group
            // the server leads (it was spawned with `process_group(0)`); it
            // touches no memory of ours.
            unsafe {
                kill(-pgid, SIGKILL);
            }
        }
    }
}

#[cfg(not(unix))]
pub fn kill_group(_pgid: u32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_a_helper_thread_is_sent_as_an_event() {
        crate::panics::install_hook();
        let (tx, rx) = mpsc::sync_channel(1);
        spawn_helper("lsp-reader", tx, || panic!("bad frame")).unwrap();
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Event::Panicked(message)) => {
                assert!(
                    message.starts_with("internal error (panic at src/lsp/client.rs:"),
                    "{message}"
                );
                assert!(
                    message.ends_with("in the lsp-reader thread): bad frame"),
                    "{message}"
                );
            }
            _ => panic!("no panic event"),
        }
    }
}
