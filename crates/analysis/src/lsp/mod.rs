//! Diagnostics from a real language server over LSP (stdio).
//!
//! [`framing`] is the `Content-Length` base protocol, [`client`] the server
//! process and its JSON-RPC connection, [`session`] a server kept across
//! checks (`initialize` → `initialized`; per check `didOpen`/re-open → collect
//! `publishDiagnostics` until every file reported and the server has been
//! quiet for `settleMs`; `shutdown` → `exit` → kill the process group), and
//! [`warm`] the sessions the addon keeps by id for JavaScript. [`diagnostics`]
//! is one session for one check. A server that cannot start, dies, never
//! answers or floods its output is reported, never a hang.

pub mod client;
pub mod framing;
pub mod session;
pub mod warm;

use crate::error::Result;
use crate::source::Root;
use client::Limits;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use session::{Session, StartOptions, SHUTDOWN_GRACE};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
pub const MAX_TIMEOUT_MS: u64 = 300_000;
/// The quiet time a check waits, once every file has a report, after the
/// last report before answering: typescript-language-server publishes a
/// file's syntax, then semantic, then suggestion diagnostics as separate
/// reports (each debounced 50 ms), and the later ones must not be missed.
/// The one value for every caller (JavaScript passes none; `settleMs`
/// overrides it per call).
pub const DEFAULT_SETTLE_MS: u64 = 500;
/// Files above this are refused (they would be sent whole in `didOpen`).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
pub const MAX_FILES: usize = 500;
const MAX_DIAGNOSTICS_PER_FILE: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiagnosticsRequest {
    pub root: String,
    /// Program and arguments, e.g. `["typescript-language-server", "--stdio"]`.
    pub command: Vec<String>,
    pub files: Vec<String>,
    /// For every file; by default from the extension.
    pub language_id: Option<String>,
    pub timeout_ms: Option<u64>,
    /// Quiet time after the last `publishDiagnostics` once every file reported.
    pub settle_ms: Option<u64>,
    pub initialization_options: Option<Value>,
    pub max_messages: Option<usize>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsReport {
    pub server: ServerStatus,
    pub files: Vec<FileDiagnostics>,
    pub timed_out: bool,
    pub timings: Timings,
}

/// Milliseconds spent in each phase (0 for a phase not reached).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    /// Spawn until the `initialize` answer.
    pub initialize_ms: u64,
    /// `didOpen` until the diagnostics were complete (settle time included).
    pub diagnostics_ms: u64,
    /// `shutdown`/`exit`/kill.
    pub shutdown_ms: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    /// The server started and answered `initialize`.
    pub started: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `serverInfo.name` from the `initialize` answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileDiagnostics {
    pub file: String,
    /// The server published diagnostics for this file (possibly none).
    pub reported: bool,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    /// 1-based.
    pub line: u64,
    /// 1-based, in bytes of the line (LSP's UTF-16 offset converted).
    pub column: u64,
    pub end_line: u64,
    pub end_column: u64,
    /// error, warning, information or hint.
    pub severity: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The language id LSP expects for a file, from its extension.
pub fn language_id(path: &str) -> &'static str {
    match Path::new(path).extension().and_then(|e| e.to_str()) {
        Some("ts" | "mts" | "cts") => "typescript",
        Some("tsx") => "typescriptreact",
        Some("js" | "mjs" | "cjs") => "javascript",
        Some("jsx") => "javascriptreact",
        Some("py") => "python",
        Some("go") => "go",
        Some("rs") => "rust",
        Some("json") => "json",
        _ => "plaintext",
    }
}

/// Runs one diagnostics session: a [`Session`] started, checked once and
/// shut down. Request errors (bad paths, unreadable files, an empty command)
/// are `Err`; everything the server does wrong is in the report.
pub fn diagnostics(req: &DiagnosticsRequest) -> Result<DiagnosticsReport> {
    session::check_command(&req.command)?;
    let root = Root::new(&req.root)?;
    let sources = session::load_files(&root, &req.files)?;
    let timeout = timeout_time(req.timeout_ms);
    let settle = settle_time(req.settle_ms);
    let begun = Instant::now();
    let options = StartOptions {
        command: &req.command,
        language_id: req.language_id.clone(),
        initialization_options: req.initialization_options.clone(),
        limits: limits(req.max_messages),
    };
    let mut session = match Session::start(root, options, timeout) {
        Ok(session) => session,
        Err(failure) => {
            return Ok(DiagnosticsReport {
                server: ServerStatus {
                    started: false,
                    error: Some(failure.error),
                    name: None,
                },
                files: req_files_unreported(&sources),
                timed_out: failure.timed_out,
                timings: Timings::default(),
            })
        }
    };
    let initialize_ms = ms_since(begun);
    let left = timeout.saturating_sub(begun.elapsed());
    let check = session.check_sources(sources, left, settle);
    let closing = Instant::now();
    session.shutdown(SHUTDOWN_GRACE);
    Ok(DiagnosticsReport {
        server: ServerStatus {
            started: true,
            error: check.error,
            name: session.name().map(str::to_string),
        },
        files: check.files,
        timed_out: check.timed_out,
        timings: Timings {
            initialize_ms,
            diagnostics_ms: check.diagnostics_ms,
            shutdown_ms: ms_since(closing),
        },
    })
}

/// The timeout asked for, default [`DEFAULT_TIMEOUT_MS`], at most [`MAX_TIMEOUT_MS`].
pub fn timeout_time(timeout_ms: Option<u64>) -> Duration {
    Duration::from_millis(
        timeout_ms
            .unwrap_or(DEFAULT_TIMEOUT_MS)
            .clamp(1, MAX_TIMEOUT_MS),
    )
}

/// The settle time asked for, default [`DEFAULT_SETTLE_MS`], at most 10 s.
pub fn settle_time(settle_ms: Option<u64>) -> Duration {
    Duration::from_millis(settle_ms.unwrap_or(DEFAULT_SETTLE_MS).min(10_000))
}

/// The default [`Limits`] with `max_messages` if given.
pub fn limits(max_messages: Option<usize>) -> Limits {
    Limits {
        max_messages: max_messages.unwrap_or(Limits::default().max_messages),
        ..Limits::default()
    }
}

fn req_files_unreported(sources: &[session::Source]) -> Vec<FileDiagnostics> {
    sources
        .iter()
        .map(|s| FileDiagnostics {
            file: s.rel().to_string(),
            reported: false,
            diagnostics: Vec::new(),
        })
        .collect()
}

fn ms_since(t: Instant) -> u64 {
    t.elapsed().as_millis() as u64
}

pub(crate) fn clip_tail(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= max {
        s.to_string()
    } else {
        format!("…{}", chars[chars.len() - max..].iter().collect::<String>())
    }
}

pub(crate) fn convert(list: &Value, text: &str) -> Vec<Diagnostic> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<Diagnostic> = list
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .take(MAX_DIAGNOSTICS_PER_FILE)
        .map(|d| {
            let pos = |p: &Value| {
                let line = p["line"].as_u64().unwrap_or(0);
                let utf16 = p["character"].as_u64().unwrap_or(0);
                let text = lines.get(line as usize).copied().unwrap_or("");
                (line + 1, byte_column(text, utf16) + 1)
            };
            let (line, column) = pos(&d["range"]["start"]);
            let (end_line, end_column) = pos(&d["range"]["end"]);
            Diagnostic {
                line,
                column,
                end_line,
                end_column,
                severity: match d["severity"].as_u64() {
                    Some(2) => "warning",
                    Some(3) => "information",
                    Some(4) => "hint",
                    _ => "error",
                },
                message: d["message"].as_str().unwrap_or("").to_string(),
                source: d["source"].as_str().map(str::to_string),
                code: match &d["code"] {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                },
            }
        })
        .collect();
    out.sort_by_key(|d| (d.line, d.column));
    out
}

/// Byte offset in `line` of the position `utf16` UTF-16 code units in.
pub fn byte_column(line: &str, utf16: u64) -> u64 {
    let mut units = 0u64;
    for (at, c) in line.char_indices() {
        if units >= utf16 {
            return at as u64;
        }
        units += c.len_utf16() as u64;
    }
    line.trim_end_matches('\r').len() as u64
}

const URI_KEEP: &[u8] = b"-._~/";

/// `file://` URI of an absolute path, percent-encoding all but unreserved bytes.
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for &b in path.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || URI_KEEP.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path of a `file://` URI (percent-decoded), or `None` for other schemes.
pub fn uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a dir/ü#x.ts");
        let uri = file_uri(p);
        assert_eq!(uri, "file:///tmp/a%20dir/%C3%BC%23x.ts");
        assert_eq!(uri_path(&uri).unwrap(), p);
        assert_eq!(
            uri_path("file:///tmp/a%3Ab.ts").unwrap(),
            Path::new("/tmp/a:b.ts")
        );
        assert!(uri_path("untitled:1").is_none());
    }

    #[test]
    fn utf16_to_byte_columns() {
        assert_eq!(byte_column("abc", 1), 1);
        // "é" is 2 bytes, 1 unit; "🎉" is 4 bytes, 2 units.
        assert_eq!(byte_column("é🎉x", 1), 2);
        assert_eq!(byte_column("é🎉x", 3), 6);
        assert_eq!(byte_column("ab\r", 9), 2);
    }

    #[test]
    fn diagnostics_converted() {
        let list = json!([
            { "range": { "start": { "line": 1, "character": 2 }, "end": { "line": 1, "character": 3 } },
              "severity": 1, "message": "bad", "source": "ts", "code": 2322 },
            { "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 1 } },
              "severity": 2, "message": "meh", "code": "x" }
        ]);
        let d = convert(&list, "a\n🎉b\n");
        assert_eq!(d[0].line, 1);
        assert_eq!(d[0].severity, "warning");
        assert_eq!(d[1].line, 2);
        assert_eq!(d[1].column, 5);
        assert_eq!(d[1].code.as_deref(), Some("2322"));
        assert_eq!(d[1].source.as_deref(), Some("ts"));
    }
}
