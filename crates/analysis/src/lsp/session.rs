//! One language server kept running across checks.
//!
//! [`Session::start`] spawns the server and runs `initialize`/`initialized`.
//! Each [`Session::check`] first brings the server's open documents in line
//! with the disk (a changed file is re-opened, a deleted one or one not asked
//! for in [`KEEP_CHECKS`] checks is closed), then waits until every requested
//! file has diagnostics for its current text and the server has been quiet
//! for the settle time. When nothing had to be sent and every requested file
//! already has diagnostics, they are answered at once.
//!
//! A changed document is re-opened (`didClose`, then `didOpen` with a higher
//! version), not sent as a `didChange`: typescript-language-server publishes
//! nothing after a change that leaves a file's diagnostics empty, so waiting
//! for a report after `didChange` would last until the timeout for every
//! clean file, while a newly opened document always gets a first report.
//! Servers answer `didClose` with an empty report; to keep that from passing
//! for the new text, the `didOpen`s are sent only once the server answered a
//! request sent behind the `didClose`s (a barrier: an unknown method, which
//! JSON-RPC servers answer with an error). A report with a `version` counts
//! only for that version.

use super::client::{Killer, Limits, Next, Server};
use super::{
    clip_tail, convert, file_uri, language_id, uri_path, Diagnostic, FileDiagnostics, MAX_FILES,
    MAX_FILE_BYTES,
};
use crate::error::{Error, ErrorCode, Result};
use crate::source::Root;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Time allowed for `shutdown`/`exit` before the process group is killed.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);
/// A document not asked for in this many checks is closed.
pub const KEEP_CHECKS: u64 = 3;
/// The barrier request (see the module documentation).
const BARRIER_METHOD: &str = "opencode/barrier";

/// A requested file, read and checked before anything is sent.
pub struct Source {
    abs: PathBuf,
    rel: String,
    text: String,
}

impl Source {
    /// Root-relative path.
    pub fn rel(&self) -> &str {
        &self.rel
    }
}

/// Reads `files` (root-relative or absolute inside the root). Paths outside
/// the root, unreadable or oversized files and too many files are errors.
pub fn load_files(root: &Root, files: &[String]) -> Result<Vec<Source>> {
    if files.len() > MAX_FILES {
        return Err(Error::new(
            ErrorCode::BadRequest,
            format!("at most {MAX_FILES} files per call"),
        ));
    }
    let mut out: Vec<Source> = Vec::with_capacity(files.len());
    for file in files {
        let abs = root.resolve(file)?;
        if out.iter().any(|s| s.abs == abs) {
            continue;
        }
        let meta = std::fs::metadata(&abs)
            .map_err(|e| Error::new(ErrorCode::Io, format!("cannot read {file:?}: {e}")))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::new(
                ErrorCode::BadRequest,
                format!("{file:?} is larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        let bytes = std::fs::read(&abs)
            .map_err(|e| Error::new(ErrorCode::Io, format!("cannot read {file:?}: {e}")))?;
        out.push(Source {
            rel: root.relative(&abs),
            abs,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    Ok(out)
}

/// A request error unless `command` names a program.
pub fn check_command(command: &[String]) -> Result<()> {
    if command.first().is_none_or(|p| p.is_empty()) {
        return Err(Error::new(
            ErrorCode::BadRequest,
            "command must name the language server program",
        ));
    }
    Ok(())
}

pub struct StartOptions<'a> {
    /// Program and arguments (see [`check_command`]).
    pub command: &'a [String],
    /// For every file; by default from the extension.
    pub language_id: Option<String>,
    pub initialization_options: Option<Value>,
    pub limits: Limits,
}

/// Why a server did not start; `timed_out` when it never answered `initialize`.
#[derive(Debug)]
pub struct StartFailure {
    pub error: String,
    pub timed_out: bool,
}

/// The outcome of one check.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// The server still runs; false when it died or was closed (start another).
    pub alive: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub files: Vec<FileDiagnostics>,
    pub timed_out: bool,
    /// From the call until the diagnostics were complete (settle time included).
    pub diagnostics_ms: u64,
    /// Documents opened for the first time, re-opened (changed, or to get a
    /// fresh report) and closed by this check.
    pub opened: usize,
    pub reopened: usize,
    pub closed: usize,
}

/// What a check sends to bring the server's documents in line with the
/// disk and the request (see [`Session::plan_sync`]).
struct Changes<'f> {
    close: Vec<PathBuf>,
    /// Path and current text.
    reopen: Vec<(PathBuf, String)>,
    open: Vec<&'f Source>,
}

impl Changes<'_> {
    fn is_empty(&self) -> bool {
        self.close.is_empty() && self.reopen.is_empty() && self.open.is_empty()
    }
}

struct Doc {
    rel: String,
    text: String,
    version: i64,
    /// The diagnostics of the current text, once reported.
    diagnostics: Option<Vec<Diagnostic>>,
    /// The check that last asked for it.
    asked: u64,
}

pub struct Session {
    server: Server,
    root: Root,
    language_id: Option<String>,
    name: Option<String>,
    docs: HashMap<PathBuf, Doc>,
    checks: u64,
    next_version: i64,
    dead: Option<String>,
}

fn ms_since(t: Instant) -> u64 {
    t.elapsed().as_millis() as u64
}

/// Why the server stopped, for people: exit status and the end of its stderr.
fn describe(server: &mut Server, why: Next, during: &str) -> String {
    match why {
        Next::Timeout => format!("the server stopped answering {during}"),
        Next::Flood(reason) => format!("output limit exceeded: {reason}"),
        Next::Failed(error) => format!("{error} ({during})"),
        Next::Closed(reason) => {
            let status = server
                .wait_exit(Duration::from_millis(500))
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let tail = server.stderr_tail();
            let tail = if tail.is_empty() {
                String::new()
            } else {
                format!("; stderr: {}", clip_tail(&tail, 600))
            };
            format!("the server exited {during}{status}: {reason}{tail}")
        }
        Next::Message(_) => "unexpected message".to_string(),
    }
}

impl Session {
    /// Spawns the server in `root` (its own process group) and initializes it
    /// within `timeout`. On failure the server is already gone.
    pub fn start(
        root: Root,
        options: StartOptions,
        timeout: Duration,
    ) -> std::result::Result<Session, StartFailure> {
        let program = options.command.first().cloned().unwrap_or_default();
        let mut server =
            Server::spawn(options.command, root.dir(), options.limits).map_err(|e| {
                StartFailure {
                    error: format!("cannot start {program:?}: {e}"),
                    timed_out: false,
                }
            })?;
        let deadline = Instant::now() + timeout;
        let root_uri = file_uri(root.dir());
        let init = server.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": root_uri,
                "rootPath": root.dir().to_string_lossy(),
                "workspaceFolders": [{ "uri": root_uri, "name": "root" }],
                "initializationOptions": options.initialization_options.unwrap_or(json!({})),
                "capabilities": {
                    "textDocument": {
                        "publishDiagnostics": { "relatedInformation": false, "versionSupport": true },
                        "synchronization": { "didSave": false, "dynamicRegistration": false }
                    },
                    "workspace": { "configuration": true, "workspaceFolders": true },
                    "window": { "workDoneProgress": false }
                },
            }),
        );
        let answer = match server.response(init, deadline, |_| {}) {
            Ok(answer) => answer,
            Err(Next::Timeout) => {
                server.kill();
                return Err(StartFailure {
                    error: format!(
                        "the server did not answer initialize within {} ms",
                        timeout.as_millis()
                    ),
                    timed_out: true,
                });
            }
            Err(why) => {
                let error = describe(&mut server, why, "during initialize");
                server.kill();
                return Err(StartFailure {
                    error,
                    timed_out: false,
                });
            }
        };
        if let Some(error) = answer.get("error") {
            server.shutdown(SHUTDOWN_GRACE);
            return Err(StartFailure {
                error: format!("initialize failed: {error}"),
                timed_out: false,
            });
        }
        server.notify("initialized", json!({}));
        Ok(Session {
            server,
            root,
            language_id: options.language_id,
            name: answer["result"]["serverInfo"]["name"]
                .as_str()
                .map(str::to_string),
            docs: HashMap::new(),
            checks: 0,
            next_version: 0,
            dead: None,
        })
    }

    /// `serverInfo.name` from the `initialize` answer.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub fn pid(&self) -> u32 {
        self.server.pid()
    }

    pub fn killer(&self) -> Arc<Killer> {
        self.server.killer()
    }

    pub fn root(&self) -> &Root {
        &self.root
    }

    pub fn alive(&self) -> bool {
        self.dead.is_none()
    }

    /// Diagnostics of `files` (see the module documentation). Request errors
    /// (paths, unreadable files) are `Err` and send nothing.
    pub fn check(
        &mut self,
        files: &[String],
        timeout: Duration,
        settle: Duration,
    ) -> Result<Check> {
        let sources = load_files(&self.root, files)?;
        Ok(self.check_sources(sources, timeout, settle))
    }

    /// [`Session::check`] for files already read: bring the server's
    /// documents in line ([`Session::plan_sync`], [`Session::send_sync`]),
    /// wait for the reports ([`Session::await_reports`]), answer.
    pub fn check_sources(
        &mut self,
        files: Vec<Source>,
        timeout: Duration,
        settle: Duration,
    ) -> Check {
        let started = Instant::now();
        let deadline = started + timeout;
        let mut check = Check {
            alive: true,
            error: None,
            files: Vec::new(),
            timed_out: false,
            diagnostics_ms: 0,
            opened: 0,
            reopened: 0,
            closed: 0,
        };
        if let Some(reason) = &self.dead {
            check.alive = false;
            check.error = Some(reason.clone());
            check.files = files.iter().map(|f| unreported(&f.rel)).collect();
            return check;
        }
        self.checks += 1;
        self.server.reset_counts();
        if let Err(why) = self.take_idle_reports() {
            return self.died(check, why, "while idle", files);
        }
        let requested: HashSet<PathBuf> = files.iter().map(|f| f.abs.clone()).collect();
        let sync = self.plan_sync(&files, &requested);
        match self.send_sync(&sync, deadline) {
            Ok(()) => {}
            Err(Next::Timeout) => {
                check.timed_out = true;
                check.error = Some(format!(
                    "the server answered no request within {} ms",
                    timeout.as_millis()
                ));
                check.files = files.iter().map(|f| unreported(&f.rel)).collect();
                return check;
            }
            Err(why) => return self.died(check, why, "during diagnostics", files),
        }
        check.opened = sync.open.len();
        check.reopened = sync.reopen.len();
        check.closed = sync.close.len();
        for file in &files {
            if let Some(doc) = self.docs.get_mut(&file.abs) {
                doc.asked = self.checks;
            }
        }
        // Nothing sent and everything known: answered from what was reported.
        if !sync.is_empty() || !self.complete(&requested) {
            match self.await_reports(&requested, deadline, settle) {
                Ok(complete) => check.timed_out = !complete,
                Err(why) => return self.died(check, why, "during diagnostics", files),
            }
        }
        check.diagnostics_ms = ms_since(started);
        if check.timed_out {
            check.error = Some(self.missing_error(&files, timeout));
        }
        check.files = files.iter().map(|f| self.reported(f)).collect();
        check
    }

    /// Applies what the server sent since the last check (reports, its
    /// requests); `Err` when it is gone.
    fn take_idle_reports(&mut self) -> std::result::Result<(), Next> {
        loop {
            match self.server.next(Instant::now()) {
                Next::Message(m) => {
                    self.take(&m);
                }
                Next::Timeout => return Ok(()),
                why => return Err(why),
            }
        }
    }

    /// What must be sent for `files`: documents to close (deleted, or not
    /// asked for in [`KEEP_CHECKS`] checks), to re-open (changed on disk or in
    /// the request; with any change, every requested one) and to open.
    fn plan_sync<'f>(&self, files: &'f [Source], requested: &HashSet<PathBuf>) -> Changes<'f> {
        let mut sync = Changes {
            close: Vec::new(),
            reopen: Vec::new(),
            open: Vec::new(),
        };
        for (path, doc) in &self.docs {
            if requested.contains(path) {
                continue;
            }
            let current = std::fs::metadata(path)
                .ok()
                .filter(|m| m.len() <= MAX_FILE_BYTES)
                .and_then(|_| std::fs::read(path).ok());
            match current {
                Some(_) if self.checks - doc.asked >= KEEP_CHECKS => sync.close.push(path.clone()),
                Some(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    if text != doc.text {
                        sync.reopen.push((path.clone(), text.into_owned()));
                    }
                }
                None => sync.close.push(path.clone()),
            }
        }
        let mut unchanged = Vec::new();
        for file in files {
            match self.docs.get(&file.abs) {
                None => sync.open.push(file),
                Some(doc) if doc.text != file.text => {
                    sync.reopen.push((file.abs.clone(), file.text.clone()))
                }
                Some(_) => unchanged.push(file),
            }
        }
        // Any change may alter the diagnostics of the other requested files,
        // and only a (re)opened document is sure to be reported again.
        if !sync.is_empty() {
            let again = unchanged.iter().map(|f| (f.abs.clone(), f.text.clone()));
            sync.reopen.extend(again);
        }
        sync
    }

    /// Sends `sync`: `didClose`s, the barrier when anything is re-opened
    /// (see the module documentation), then the `didOpen`s.
    fn send_sync(&mut self, sync: &Changes, deadline: Instant) -> std::result::Result<(), Next> {
        for path in &sync.close {
            self.server.notify(
                "textDocument/didClose",
                json!({ "textDocument": { "uri": file_uri(path) } }),
            );
            self.docs.remove(path);
        }
        for (path, _) in &sync.reopen {
            self.server.notify(
                "textDocument/didClose",
                json!({ "textDocument": { "uri": file_uri(path) } }),
            );
        }
        if !sync.reopen.is_empty() {
            let barrier = self.server.request(BARRIER_METHOD, json!({}));
            self.await_answer(barrier, deadline)?;
        }
        for (path, text) in &sync.reopen {
            let rel = self.root.relative(path);
            let version = self.send_open(&file_uri(path), &rel, text);
            if let Some(doc) = self.docs.get_mut(path) {
                doc.text.clone_from(text);
                doc.version = version;
                doc.diagnostics = None;
            }
        }
        for file in &sync.open {
            let uri = file_uri(&file.abs);
            let version = self.send_open(&uri, &file.rel, &file.text);
            self.docs.insert(
                file.abs.clone(),
                Doc {
                    rel: file.rel.clone(),
                    text: file.text.clone(),
                    version,
                    diagnostics: None,
                    asked: self.checks,
                },
            );
        }
        Ok(())
    }

    /// Every requested document has diagnostics for its current text.
    fn complete(&self, requested: &HashSet<PathBuf>) -> bool {
        requested
            .iter()
            .all(|p| self.docs.get(p).is_some_and(|d| d.diagnostics.is_some()))
    }

    /// Applies reports until every requested document has one and the
    /// server has been quiet for `settle`, or until `deadline`; whether they
    /// all came.
    fn await_reports(
        &mut self,
        requested: &HashSet<PathBuf>,
        deadline: Instant,
        settle: Duration,
    ) -> std::result::Result<bool, Next> {
        let mut last_report = Instant::now();
        loop {
            let all = self.complete(requested);
            let until = if all {
                (last_report + settle).min(deadline)
            } else {
                deadline
            };
            if Instant::now() >= until {
                return Ok(all);
            }
            match self.server.next(until) {
                Next::Message(m) => {
                    if self.take(&m).is_some_and(|p| requested.contains(&p)) {
                        last_report = Instant::now();
                    }
                }
                Next::Timeout => {}
                why => return Err(why),
            }
        }
    }

    /// Why a check timed out: the files without a report.
    fn missing_error(&self, files: &[Source], timeout: Duration) -> String {
        let missing: Vec<&str> = files
            .iter()
            .filter(|f| {
                self.docs
                    .get(&f.abs)
                    .is_none_or(|d| d.diagnostics.is_none())
            })
            .map(|f| f.rel.as_str())
            .collect();
        format!(
            "no diagnostics within {} ms for {}",
            timeout.as_millis(),
            missing.join(", ")
        )
    }

    /// A requested file's diagnostics, if reported.
    fn reported(&self, file: &Source) -> FileDiagnostics {
        match self.docs.get(&file.abs).and_then(|d| d.diagnostics.clone()) {
            Some(diagnostics) => FileDiagnostics {
                file: file.rel.clone(),
                reported: true,
                diagnostics,
            },
            None => unreported(&file.rel),
        }
    }

    /// Sends `didOpen` with the next version; returns it.
    fn send_open(&mut self, uri: &str, rel: &str, text: &str) -> i64 {
        self.next_version += 1;
        let language = self
            .language_id
            .clone()
            .unwrap_or_else(|| language_id(rel).to_string());
        self.server.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri,
                "languageId": language,
                "version": self.next_version,
                "text": text,
            }}),
        );
        self.next_version
    }

    /// Waits for the answer to request `id`, applying whatever else arrives.
    fn await_answer(&mut self, id: i64, deadline: Instant) -> std::result::Result<(), Next> {
        loop {
            match self.server.next(deadline) {
                Next::Message(m) => {
                    if m.get("method").is_none() && m["id"].as_i64() == Some(id) {
                        return Ok(());
                    }
                    self.take(&m);
                }
                other => return Err(other),
            }
        }
    }

    /// Applies a report from the server; returns the path of the document
    /// whose diagnostics it set. A report carrying a `version` counts only
    /// for that version of the document.
    fn take(&mut self, message: &Value) -> Option<PathBuf> {
        if message["method"] != "textDocument/publishDiagnostics" {
            return None;
        }
        let params = &message["params"];
        let path = params["uri"].as_str().and_then(uri_path)?;
        let doc = self.docs.get_mut(&path)?;
        if params["version"].as_i64().is_some_and(|v| v < doc.version) {
            return None;
        }
        doc.diagnostics = Some(convert(&params["diagnostics"], &doc.text));
        Some(path)
    }

    /// Records why the server is gone, kills what is left of it, and fills
    /// the check accordingly.
    fn died(&mut self, mut check: Check, why: Next, during: &str, files: Vec<Source>) -> Check {
        let error = describe(&mut self.server, why, during);
        self.server.kill();
        self.dead = Some(error.clone());
        check.alive = false;
        check.error = Some(error);
        check.files = files.iter().map(|f| unreported(&f.rel)).collect();
        check
    }

    /// `shutdown`, `exit`, then the process group is killed.
    pub fn shutdown(&mut self, grace: Duration) {
        if self.dead.is_none() {
            self.server.shutdown(grace);
            self.dead = Some("the session was closed".into());
        }
        self.server.kill();
    }

    /// Kills the process group at once.
    pub fn kill(&mut self) {
        self.server.kill();
        self.dead
            .get_or_insert_with(|| "the session was closed".into());
    }

    /// Open documents, root-relative (for tests and debugging).
    pub fn open_documents(&self) -> Vec<String> {
        let mut out: Vec<String> = self.docs.values().map(|d| d.rel.clone()).collect();
        out.sort();
        out
    }
}

fn unreported(rel: &str) -> FileDiagnostics {
    FileDiagnostics {
        file: rel.to_string(),
        reported: false,
        diagnostics: Vec::new(),
    }
}
