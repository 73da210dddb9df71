//! The functions the addon exports. Each takes one JSON request string and
//! returns one JSON response string (the shapes are mirrored by the
//! TypeScript types in `src/native/types.ts`). Nothing here knows about
//! Node-API: `napi.rs` calls these through [`EXPORTS`].

use crate::check::{check as check_tree, SyntaxError};
use crate::error::{Error, ErrorCode, Result};
use crate::imports::{extract, ImportEdge, Resolver};
use crate::lang::Lang;
use crate::outline::{outline as outline_tree, Symbol};
use crate::parallel::map_weighted;
use crate::parse::SourceParser;
use crate::query::{captures, compile, Capture};
use crate::repomap::{repo_map as build_map, MapOptions};
use crate::source::{Root, Skip, SourceFile, DEFAULT_MAX_BYTES};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub type Handler = fn(&str) -> Result<String>;

/// How JavaScript calls an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `name(request)` on the JavaScript thread: only for calls that never
    /// wait (no repository walk, no language server).
    Sync,
    /// `nameAsync(request)`, a Promise, run on the host's worker pool: every
    /// call that parses files, walks a repository or waits for a server.
    Async,
}

pub struct Export {
    pub name: &'static str,
    pub mode: Mode,
    pub handler: Handler,
}

impl Export {
    const fn sync(name: &'static str, handler: Handler) -> Export {
        Export {
            name,
            mode: Mode::Sync,
            handler,
        }
    }

    const fn asynchronous(name: &'static str, handler: Handler) -> Export {
        Export {
            name,
            mode: Mode::Async,
            handler,
        }
    }

    /// The JavaScript name: `name`, or `nameAsync` for an async export.
    pub fn js_name(&self) -> String {
        match self.mode {
            Mode::Sync => self.name.to_string(),
            Mode::Async => format!("{}Async", self.name),
        }
    }
}

/// Every export of the addon, once. `src/native/load.ts` names the same
/// JavaScript functions; `test/native/addon.test.ts` checks that they agree.
pub const EXPORTS: &[Export] = &[
    Export::asynchronous("outline", outline),
    Export::asynchronous("check", check),
    Export::asynchronous("query", query),
    Export::asynchronous("imports", imports),
    Export::asynchronous("repoMap", repo_map),
    Export::asynchronous("definition", crate::symbols::definition_json),
    Export::asynchronous("references", crate::symbols::references_json),
    Export::asynchronous("diagnostics", diagnostics),
    Export::asynchronous("lspStart", lsp_start),
    Export::asynchronous("lspCheck", lsp_check),
    Export::asynchronous("lspClose", lsp_close),
    Export::sync("languages", languages),
    // Kills without waiting: exit handlers cannot wait for a promise.
    Export::sync("lspCloseAll", lsp_close_all),
];

const DEFAULT_QUERY_LIMIT: usize = 500;
const MAX_QUERY_LIMIT: usize = 100_000;
const DEFAULT_MAP_FILES: usize = 20_000;
const DEFAULT_MAP_MAX_BYTES: u64 = 256 * 1024;
const DEFAULT_QUERY_FILES: usize = 20_000;

fn request<T: DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| Error::new(ErrorCode::BadRequest, format!("bad request: {e}")))
}

fn respond<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| {
        Error::new(
            ErrorCode::BadRequest,
            format!("cannot encode response: {e}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FilesRequest {
    root: String,
    files: Vec<String>,
    max_bytes: Option<u64>,
    /// Parser threads (absent or 0: one per core).
    threads: Option<usize>,
}

impl FilesRequest {
    fn load(&self) -> Result<(Root, Vec<SourceFile>, Vec<Skip>)> {
        let root = Root::new(&self.root)?;
        let (sources, skipped) =
            root.load_all(&self.files, self.max_bytes.unwrap_or(DEFAULT_MAX_BYTES))?;
        Ok((root, sources, skipped))
    }
}

/// Parses every source on the worker threads and maps its tree.
fn per_file<R: Send>(
    sources: &[SourceFile],
    threads: usize,
    f: impl Fn(&SourceFile, &tree_sitter::Tree) -> R + Sync,
) -> Result<Vec<R>> {
    map_weighted(
        sources,
        threads,
        |src| src.text.len() as u64,
        SourceParser::default,
        |parser, src| {
            let tree = parser.parse(src.lang, &src.text)?;
            Ok(f(src, &tree))
        },
    )?
    .into_iter()
    .collect()
}

#[derive(Serialize)]
struct FileOutline {
    file: String,
    language: Lang,
    symbols: Vec<Symbol>,
}

#[derive(Serialize)]
struct OutlineReport {
    files: Vec<FileOutline>,
    skipped: Vec<Skip>,
}

pub fn outline(json: &str) -> Result<String> {
    let req: FilesRequest = request(json)?;
    let (_, sources, skipped) = req.load()?;
    let files = per_file(&sources, req.threads.unwrap_or(0), |src, tree| {
        FileOutline {
            file: src.path.clone(),
            language: src.lang,
            symbols: outline_tree(tree, &src.text, src.lang),
        }
    })?;
    respond(&OutlineReport { files, skipped })
}

#[derive(Serialize)]
struct FileCheck {
    file: String,
    language: Lang,
    ok: bool,
    errors: Vec<SyntaxError>,
    /// More errors than reported.
    truncated: bool,
}

#[derive(Serialize)]
struct CheckReport {
    ok: bool,
    files: Vec<FileCheck>,
    skipped: Vec<Skip>,
}

pub fn check(json: &str) -> Result<String> {
    let req: FilesRequest = request(json)?;
    let (_, sources, skipped) = req.load()?;
    let files = per_file(&sources, req.threads.unwrap_or(0), |src, tree| {
        let (errors, truncated) = check_tree(tree, &src.text);
        FileCheck {
            file: src.path.clone(),
            language: src.lang,
            ok: errors.is_empty(),
            errors,
            truncated,
        }
    })?;
    respond(&CheckReport {
        ok: files.iter().all(|f| f.ok),
        files,
        skipped,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct QueryRequest {
    root: String,
    language: String,
    query: String,
    /// Absent: every file of the language under the root.
    files: Option<Vec<String>>,
    limit: Option<usize>,
    max_bytes: Option<u64>,
    threads: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryReport {
    captures: Vec<Capture>,
    /// The capture limit was reached.
    truncated: bool,
    files_searched: usize,
    skipped: Vec<Skip>,
}

pub fn query(json: &str) -> Result<String> {
    let req: QueryRequest = request(json)?;
    let lang = Lang::from_name(&req.language).ok_or_else(|| {
        let known: Vec<&str> = Lang::ALL.iter().map(|l| l.name()).collect();
        Error::new(
            ErrorCode::UnknownLanguage,
            format!(
                "unknown language {:?}; use one of: {}",
                req.language,
                known.join(", ")
            ),
        )
    })?;
    let compiled = compile(lang, &req.query)?;
    let limit = req
        .limit
        .unwrap_or(DEFAULT_QUERY_LIMIT)
        .clamp(1, MAX_QUERY_LIMIT);
    let root = Root::new(&req.root)?;
    let files = match req.files {
        Some(files) => files,
        None => crate::discover::discover(&root, |l| l == lang, DEFAULT_QUERY_FILES)
            .files
            .into_iter()
            .map(|(p, _)| p)
            .collect(),
    };
    let (loaded, mut skipped) =
        root.load_all(&files, req.max_bytes.unwrap_or(DEFAULT_MAX_BYTES))?;
    let mut sources = Vec::new();
    for src in loaded {
        if src.lang == lang {
            sources.push(src);
        } else {
            skipped.push(Skip {
                reason: format!(
                    "language {} does not match the query's {}",
                    src.lang.name(),
                    lang.name()
                ),
                file: src.path,
            });
        }
    }
    let per_file_caps = per_file(&sources, req.threads.unwrap_or(0), |src, tree| {
        captures(&compiled, tree, &src.text, &src.path, limit + 1)
    })?;
    let mut all: Vec<Capture> = per_file_caps.into_iter().flatten().collect();
    let truncated = all.len() > limit;
    all.truncate(limit);
    respond(&QueryReport {
        captures: all,
        truncated,
        files_searched: sources.len(),
        skipped,
    })
}

#[derive(Serialize)]
struct ImportsReport {
    edges: Vec<ImportEdge>,
    skipped: Vec<Skip>,
}

pub fn imports(json: &str) -> Result<String> {
    let req: FilesRequest = request(json)?;
    let (root, sources, skipped) = req.load()?;
    let raw = per_file(&sources, req.threads.unwrap_or(0), |src, tree| {
        extract(tree, &src.text, src.lang)
    })?;
    let resolver = Resolver::new(&root);
    let edges = sources
        .iter()
        .zip(raw)
        .flat_map(|(src, raws)| {
            raws.into_iter()
                .map(|r| resolver.edge(&src.path, src.lang, &r))
                .collect::<Vec<_>>()
        })
        .collect();
    respond(&ImportsReport { edges, skipped })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MapRequest {
    root: String,
    budget_tokens: usize,
    #[serde(default)]
    focus: Vec<String>,
    max_files: Option<usize>,
    max_bytes: Option<u64>,
    threads: Option<usize>,
}

pub fn repo_map(json: &str) -> Result<String> {
    let req: MapRequest = request(json)?;
    let root = Root::new(&req.root)?;
    let map = build_map(
        &root,
        &MapOptions {
            budget_tokens: req.budget_tokens,
            focus: req.focus,
            max_files: req.max_files.unwrap_or(DEFAULT_MAP_FILES),
            max_bytes: req.max_bytes.unwrap_or(DEFAULT_MAP_MAX_BYTES),
            threads: req.threads.unwrap_or(0),
        },
    )?;
    respond(&map)
}

#[derive(Serialize)]
struct LanguageInfo {
    name: &'static str,
    extensions: &'static [&'static str],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    version: &'static str,
    languages: Vec<LanguageInfo>,
    max_bytes: u64,
    /// The language-server checks' default settle time.
    settle_ms: u64,
}

pub fn languages(_json: &str) -> Result<String> {
    respond(&Info {
        version: env!("CARGO_PKG_VERSION"),
        languages: Lang::ALL
            .iter()
            .map(|l| LanguageInfo {
                name: l.name(),
                extensions: l.extensions(),
            })
            .collect(),
        max_bytes: DEFAULT_MAX_BYTES,
        settle_ms: crate::lsp::DEFAULT_SETTLE_MS,
    })
}

/// Diagnostics from a language server (see `lsp`): `{root, command, files,
/// languageId?, timeoutMs?, settleMs?}` → `{server, files, timedOut}`.
pub fn diagnostics(json: &str) -> Result<String> {
    let req: crate::lsp::DiagnosticsRequest = request(json)?;
    respond(&crate::lsp::diagnostics(&req)?)
}

/// A warm language server (see `lsp::warm`): `{root, command, languageId?,
/// timeoutMs?, initializationOptions?, maxMessages?}` → `{id?, pid?, server,
/// timedOut, initializeMs}`.
pub fn lsp_start(json: &str) -> Result<String> {
    respond(&crate::lsp::warm::start(&request(json)?)?)
}

/// `{id, files, timeoutMs?, settleMs?}` → `{alive, error?, files, timedOut,
/// diagnosticsMs, opened, reopened, closed}`.
pub fn lsp_check(json: &str) -> Result<String> {
    respond(&crate::lsp::warm::check(&request(json)?)?)
}

/// `{id}` → `{closed}` (false: no such session).
pub fn lsp_close(json: &str) -> Result<String> {
    let req: crate::lsp::warm::CloseRequest = request(json)?;
    respond(&serde_json::json!({ "closed": crate::lsp::warm::close(req.id) }))
}

/// `{}` → `{closed: n}`: kills every server the calling environment started.
pub fn lsp_close_all(_json: &str) -> Result<String> {
    respond(&serde_json::json!({ "closed": crate::lsp::warm::close_all_mine() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("analysis-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn requests_are_validated() {
        let err = outline("{\"root\": 1}").unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest);
        let err = outline("{\"root\": \"/\", \"files\": [], \"extra\": 1}").unwrap_err();
        assert!(err.message.contains("unknown field"), "{}", err.message);
        let err =
            query("{\"root\": \"/\", \"language\": \"cobol\", \"query\": \"(x) @x\"}").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnknownLanguage);
        assert!(err.message.contains("typescript"));
        let err = outline("{\"root\": \"/no/such/dir\", \"files\": []}").unwrap_err();
        assert_eq!(err.code, ErrorCode::Io);
    }

    #[test]
    fn end_to_end_json() {
        let dir = tmp("e2e");
        std::fs::write(
            dir.join("a.ts"),
            "import { b } from './b.js';\nexport function a() { return b(); }\n",
        )
        .unwrap();
        std::fs::write(dir.join("b.ts"), "export function b() { return 1 +; }\n").unwrap();
        std::fs::write(dir.join("c.go"), "package c\n").unwrap();
        let root = dir.to_str().unwrap();
        let req =
            serde_json::json!({ "root": root, "files": ["a.ts", "b.ts", "x.txt"] }).to_string();
        let out: Value = serde_json::from_str(&outline(&req).unwrap()).unwrap();
        assert_eq!(out["files"][0]["symbols"][0]["name"], "a");
        assert_eq!(out["skipped"][0]["file"], "x.txt");
        let chk: Value = serde_json::from_str(&check(&req).unwrap()).unwrap();
        assert_eq!(chk["ok"], false);
        assert_eq!(chk["files"][0]["ok"], true);
        assert_eq!(chk["files"][1]["errors"][0]["line"], 1);
        let imp: Value = serde_json::from_str(&imports(&req).unwrap()).unwrap();
        assert_eq!(imp["edges"][0]["to"], "b.ts");
        assert_eq!(imp["edges"][0]["kind"], "local");
        let q = serde_json::json!({ "root": root, "language": "ts", "query": "(function_declaration name: (identifier) @name)" }).to_string();
        let caps: Value = serde_json::from_str(&query(&q).unwrap()).unwrap();
        assert_eq!(caps["filesSearched"], 2);
        assert_eq!(caps["captures"].as_array().unwrap().len(), 2);
        let m =
            serde_json::json!({ "root": root, "budgetTokens": 200, "focus": ["a.ts"] }).to_string();
        let map: Value = serde_json::from_str(&repo_map(&m).unwrap()).unwrap();
        assert!(map["map"].as_str().unwrap().starts_with("b.ts:\n"), "{map}");
    }
}
