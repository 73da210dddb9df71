//! Warm language servers for JavaScript: [`Session`]s kept by id between
//! calls (`lspStart` → id, `lspCheck`, `lspClose`, `lspCloseAll`).
//!
//! Each session belongs to the Node-API environment that started it (its
//! `owner`, set by `napi.rs` around every call); when that environment is
//! torn down, its cleanup hook calls [`close_all`] for it, so a worker
//! thread's or the process's end leaves no server behind. A check holds only
//! its own session's lock: closing a session while a check runs kills the
//! process group at once, and the check returns with the server gone.

use super::client::Killer;
use super::session::{check_command, Check, Session, StartOptions, SHUTDOWN_GRACE};
use super::{limits, settle_time, timeout_time, ServerStatus};
use crate::error::{Error, ErrorCode, Result};
use crate::source::Root;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Instant;

struct Entry {
    owner: u64,
    killer: Arc<Killer>,
    session: Arc<Mutex<Session>>,
}

static SESSIONS: Mutex<BTreeMap<u64, Entry>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static OWNER: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` on behalf of environment `owner` (sessions it starts are its).
pub fn as_owner<T>(owner: u64, f: impl FnOnce() -> T) -> T {
    let previous = OWNER.with(|o| o.replace(owner));
    let out = f();
    OWNER.with(|o| o.set(previous));
    out
}

fn sessions() -> MutexGuard<'static, BTreeMap<u64, Entry>> {
    SESSIONS.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartRequest {
    pub root: String,
    pub command: Vec<String>,
    pub language_id: Option<String>,
    /// For `initialize` (default 30 s, max 300 s).
    pub timeout_ms: Option<u64>,
    pub initialization_options: Option<Value>,
    /// Per check.
    pub max_messages: Option<usize>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartReport {
    /// The session's handle; absent when the server did not start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The server's process id (it leads its own process group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    pub server: ServerStatus,
    pub timed_out: bool,
    pub initialize_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckRequest {
    pub id: u64,
    pub files: Vec<String>,
    /// For this check (default 30 s, max 300 s).
    pub timeout_ms: Option<u64>,
    pub settle_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    pub id: u64,
}

/// Starts a server and keeps it as a session of the calling environment.
pub fn start(req: &StartRequest) -> Result<StartReport> {
    check_command(&req.command)?;
    let root = Root::new(&req.root)?;
    let begun = Instant::now();
    let options = StartOptions {
        command: &req.command,
        language_id: req.language_id.clone(),
        initialization_options: req.initialization_options.clone(),
        limits: limits(req.max_messages),
    };
    match Session::start(root, options, timeout_time(req.timeout_ms)) {
        Ok(session) => {
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            let report = StartReport {
                id: Some(id),
                pid: Some(session.pid()),
                server: ServerStatus {
                    started: true,
                    error: None,
                    name: session.name().map(str::to_string),
                },
                timed_out: false,
                initialize_ms: begun.elapsed().as_millis() as u64,
            };
            let entry = Entry {
                owner: OWNER.with(Cell::get),
                killer: session.killer(),
                session: Arc::new(Mutex::new(session)),
            };
            sessions().insert(id, entry);
            Ok(report)
        }
        Err(failure) => Ok(StartReport {
            id: None,
            pid: None,
            server: ServerStatus {
                started: false,
                error: Some(failure.error),
                name: None,
            },
            timed_out: failure.timed_out,
            initialize_ms: 0,
        }),
    }
}

/// One check on session `id`. A session whose server died is dropped (the
/// report says `alive: false`); an unknown id is a request error.
pub fn check(req: &CheckRequest) -> Result<Check> {
    let session = sessions()
        .get(&req.id)
        .map(|e| Arc::clone(&e.session))
        .ok_or_else(|| {
            Error::new(
                ErrorCode::BadRequest,
                format!(
                    "no language-server session {}: it was closed or its server died; start a new one",
                    req.id
                ),
            )
        })?;
    let mut guard = match session.lock() {
        Ok(guard) => guard,
        Err(poisoned) => {
            // A check panicked half-way: the documents may not match the
            // server's view any more.
            poisoned.into_inner().kill();
            forget(req.id, &session);
            return Err(Error::new(
                ErrorCode::Panic,
                "the language-server session broke in an earlier call and was closed; start a new one",
            ));
        }
    };
    let check = guard.check(
        &req.files,
        timeout_time(req.timeout_ms),
        settle_time(req.settle_ms),
    )?;
    let alive = guard.alive();
    drop(guard);
    if !alive {
        forget(req.id, &session);
    }
    Ok(check)
}

/// Drops `id` from the registry if it still is `session`.
fn forget(id: u64, session: &Arc<Mutex<Session>>) {
    let mut all = sessions();
    if all
        .get(&id)
        .is_some_and(|e| Arc::ptr_eq(&e.session, session))
    {
        all.remove(&id);
    }
}

/// Ends session `id`: `shutdown`/`exit`, then the group is killed; at once
/// if a check is running on it. False when there was no such session.
pub fn close(id: u64) -> bool {
    let Some(entry) = sessions().remove(&id) else {
        return false;
    };
    match entry.session.try_lock() {
        Ok(mut session) => session.shutdown(SHUTDOWN_GRACE),
        Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().kill(),
        Err(TryLockError::WouldBlock) => entry.killer.kill(),
    }
    true
}

/// Kills the servers of environment `owner` (all when `None`) at once;
/// returns how many there were. No polite shutdown: this runs when the
/// environment or the process goes away.
pub fn close_all(owner: Option<u64>) -> usize {
    let ids: Vec<u64> = sessions()
        .iter()
        .filter(|(_, e)| owner.is_none_or(|o| e.owner == o))
        .map(|(id, _)| *id)
        .collect();
    let mut closed = 0;
    for id in ids {
        let Some(entry) = sessions().remove(&id) else {
            continue;
        };
        entry.killer.kill();
        // Reap it now unless a check holds it (that check reaps it).
        match entry.session.try_lock() {
            Ok(mut session) => session.kill(),
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().kill(),
            Err(TryLockError::WouldBlock) => {}
        }
        closed += 1;
    }
    closed
}

/// The calling environment's [`close_all`].
pub fn close_all_mine() -> usize {
    close_all(Some(OWNER.with(Cell::get)))
}

/// Live sessions (all environments).
pub fn count() -> usize {
    sessions().len()
}
