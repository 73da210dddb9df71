//! Symbol index: where a name is defined and where it is used, across a
//! repository, kept in memory per root and refreshed incrementally.
//!
//! Each file contributes its definitions (from the outline, via
//! [`crate::tags`]), every identifier occurrence with its position, and the
//! local files it imports (for ranking). A refresh walks the repository
//! (honouring `.gitignore`, like the repo map) and re-parses only files whose
//! size or modification time changed. A file whose mtime is too close to the
//! moment it was read ("racy" mtime: it could have changed again within the
//! file system's timestamp granularity) is hashed instead of trusted. Files
//! that disappear drop out.
//!
//! Look-ups are by name (`symbol`) or by position (the identifier under
//! `file:line:column`). Every candidate is returned, ranked: the query file
//! first, then files it imports or that import it, then the rest.

use crate::discover::discover;
use crate::error::{Error, ErrorCode, Result};
use crate::imports::{extract, EdgeKind, Resolver};
use crate::lang::Lang;
use crate::outline::SymbolKind;
use crate::parallel::map_weighted;
use crate::parse::SourceParser;
use crate::source::{Lines, Root};
use crate::tags::{definitions, identifier_kinds};
use crate::walk::preorder;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// Files walked per root at most.
pub const MAX_FILES: usize = 20_000;
/// Larger files are not indexed (generated code, bundles).
pub const MAX_BYTES: u64 = 1024 * 1024;
/// A file is given up after this long.
const PARSE_TIMEOUT_MICROS: u64 = 2_000_000;
/// A line longer than this near the top means minified or generated code.
const MINIFIED_LINE_BYTES: usize = 1000;
const MAX_IDENT_BYTES: usize = 128;
/// An mtime this close to (or after) the time the file was read is not
/// trusted: a later write in the same timestamp tick would keep it.
const RACY_WINDOW: Duration = Duration::from_secs(2);
/// Roots kept in memory; the least recently used is dropped.
const MAX_ROOTS: usize = 8;
const CONTEXT_CHARS: usize = 200;

#[derive(Debug, Clone)]
struct Def {
    name: Box<str>,
    kind: SymbolKind,
    line: u32,
    column: u32,
}

#[derive(Debug)]
struct FileEntry {
    lang: Lang,
    mtime: Option<SystemTime>,
    size: u64,
    hash: u64,
    /// When the content was last read (parsed or hashed).
    read_at: SystemTime,
    defs: Vec<Def>,
    /// Every identifier occurrence, definition sites included: name →
    /// (line, column), 1-based, columns in bytes.
    occurrences: HashMap<Box<str>, Vec<(u32, u32)>>,
    /// Local files (Go: package directories) this file imports.
    imports: Vec<String>,
}

impl FileEntry {
    fn racy(&self) -> bool {
        match self.mtime {
            Some(mtime) => mtime + RACY_WINDOW > self.read_at,
            None => true,
        }
    }

    fn is_def_site(&self, name: &str, line: u32, column: u32) -> bool {
        self.defs
            .iter()
            .any(|d| d.line == line && d.column == column && &*d.name == name)
    }
}

/// What a refresh did; returned with every answer so callers (and tests) can
/// see that a warm index re-parses nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshStats {
    /// Files in the index after the refresh.
    pub files: usize,
    /// Files parsed by this call.
    pub parsed: usize,
    /// Unchanged-looking files whose content was hashed (racy mtime).
    pub hashed: usize,
    /// Files dropped (deleted, now ignored, too large).
    pub removed: usize,
    /// Files left out: too large, minified, unreadable or too slow to parse.
    pub skipped: usize,
    /// The walk stopped at [`MAX_FILES`].
    pub truncated: bool,
    pub refresh_ms: u64,
}

pub struct Index {
    root: Root,
    files: HashMap<String, FileEntry>,
}

fn hash(text: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(text);
    h.finish()
}

fn looks_minified(text: &[u8]) -> bool {
    let head = &text[..text.len().min(64 * 1024)];
    head.split(|&b| b == b'\n')
        .any(|line| line.len() > MINIFIED_LINE_BYTES)
}

struct Job {
    path: String,
    lang: Lang,
    mtime: Option<SystemTime>,
    size: u64,
    /// Already read while checking a racy file.
    text: Option<Vec<u8>>,
}

impl Index {
    pub fn new(root: Root) -> Index {
        Index {
            root,
            files: HashMap::new(),
        }
    }

    pub fn root(&self) -> &Root {
        &self.root
    }

    /// Brings the index up to date with the file system. A panic while
    /// parsing is an error; the files it did not reach stay as they were.
    pub fn refresh(&mut self, threads: usize) -> Result<RefreshStats> {
        let started = Instant::now();
        let mut stats = RefreshStats::default();
        let found = discover(&self.root, |lang| lang != Lang::Json, MAX_FILES);
        stats.truncated = found.truncated;
        let mut seen: HashSet<&str> = HashSet::with_capacity(found.files.len());
        let mut jobs = Vec::new();
        for (path, lang) in &found.files {
            let Ok(meta) = self.root.dir().join(path).metadata() else {
                continue;
            };
            let (size, mtime) = (meta.len(), meta.modified().ok());
            if size > MAX_BYTES {
                stats.skipped += 1;
                continue;
            }
            seen.insert(path);
            if let Some(entry) = self.files.get_mut(path) {
                if entry.size == size && entry.mtime == mtime && entry.lang == *lang {
                    if !entry.racy() {
                        continue;
                    }
                    let now = SystemTime::now();
                    let Ok(text) = std::fs::read(self.root.dir().join(path)) else {
                        continue;
                    };
                    stats.hashed += 1;
                    if hash(&text) == entry.hash {
                        entry.read_at = now;
                        continue;
                    }
                    jobs.push(Job {
                        path: path.clone(),
                        lang: *lang,
                        mtime,
                        size,
                        text: Some(text),
                    });
                    continue;
                }
            }
            jobs.push(Job {
                path: path.clone(),
                lang: *lang,
                mtime,
                size,
                text: None,
            });
        }
        let before = self.files.len();
        self.files.retain(|path, _| seen.contains(path.as_str()));
        stats.removed = before - self.files.len();
        let root = &self.root;
        let built: Vec<Option<FileEntry>> = map_weighted(
            &jobs,
            threads,
            |job| job.size,
            || {
                (
                    SourceParser::with_timeout(PARSE_TIMEOUT_MICROS),
                    Resolver::new(root),
                )
            },
            |(parser, resolver), job| {
                let read_at = SystemTime::now();
                let text = match &job.text {
                    Some(text) => text.clone(),
                    None => std::fs::read(root.dir().join(&job.path)).ok()?,
                };
                if looks_minified(&text) {
                    return None;
                }
                let tree = parser.parse(job.lang, &text).ok()?;
                Some(index_file(&tree, &text, job, resolver, read_at))
            },
        )?;
        stats.parsed = jobs.len();
        for (job, entry) in jobs.into_iter().zip(built) {
            match entry {
                Some(entry) => {
                    self.files.insert(job.path, entry);
                }
                None => {
                    stats.skipped += 1;
                    if self.files.remove(&job.path).is_some() {
                        stats.removed += 1;
                    }
                }
            }
        }
        stats.files = self.files.len();
        stats.refresh_ms = started.elapsed().as_millis() as u64;
        Ok(stats)
    }

    /// The identifier at `line:column` (1-based; column in bytes) of an
    /// indexed file. The cursor may also sit just after the identifier.
    pub fn identifier_at(&self, file: &str, line: u32, column: u32) -> Result<String> {
        let entry = self.entry(file)?;
        let mut after = None;
        for (name, occs) in &entry.occurrences {
            let len = name.len() as u32;
            for &(l, c) in occs {
                if l == line && c <= column && column < c + len {
                    return Ok(name.to_string());
                }
                if l == line && column == c + len {
                    after = Some(name.to_string());
                }
            }
        }
        after.ok_or_else(|| {
            let text = std::fs::read(self.root.dir().join(file)).unwrap_or_default();
            let context = Lines::new(&text).get(line.saturating_sub(1) as usize, CONTEXT_CHARS);
            Error::new(
                ErrorCode::BadRequest,
                format!("no identifier at {file}:{line}:{column} (the line is: {context:?})"),
            )
        })
    }

    fn entry(&self, file: &str) -> Result<&FileEntry> {
        self.files.get(file).ok_or_else(|| {
            Error::new(
                ErrorCode::BadRequest,
                format!(
                    "{file} is not indexed: missing, ignored (.gitignore, hidden, node_modules), larger than {MAX_BYTES} bytes or minified"
                ),
            )
        })
    }

    /// 0: the query file, 1: imports it or is imported by it, 2: the rest.
    fn rank_of(&self, near: Option<&str>, file: &str) -> u8 {
        let Some(near) = near else { return 2 };
        if file == near {
            return 0;
        }
        let dir_of = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        let links = |from: &str, to: &str| {
            self.files.get(from).is_some_and(|e| {
                e.imports
                    .iter()
                    .any(|target| target == to || *target == dir_of(to))
            })
        };
        if links(near, file) || links(file, near) {
            1
        } else {
            2
        }
    }

    /// Definitions of `name`, ranked relative to `near`.
    pub fn definitions(&self, name: &str, near: Option<&str>) -> Vec<Location> {
        let mut found = Vec::new();
        for (file, entry) in &self.files {
            for def in entry.defs.iter().filter(|d| &*d.name == name) {
                found.push(self.located(near, file, def.line, def.column, kind_name(def.kind)));
            }
        }
        sort(&mut found);
        found
    }

    /// Uses of `name` (definition sites excluded), ranked relative to `near`.
    pub fn references(&self, name: &str, near: Option<&str>) -> Vec<Location> {
        let mut found = Vec::new();
        for (file, entry) in &self.files {
            let Some(occs) = entry.occurrences.get(name) else {
                continue;
            };
            for &(line, column) in occs {
                if !entry.is_def_site(name, line, column) {
                    found.push(self.located(near, file, line, column, "reference"));
                }
            }
        }
        sort(&mut found);
        found
    }

    fn located(
        &self,
        near: Option<&str>,
        file: &str,
        line: u32,
        column: u32,
        kind: &str,
    ) -> Location {
        Location {
            file: file.to_string(),
            line,
            column,
            kind: kind.to_string(),
            context: String::new(),
            rank: self.rank_of(near, file),
        }
    }

    /// Fills `context` (the line, trimmed) of each location, reading each
    /// file once.
    pub fn fill_context(&self, locations: &mut [Location]) {
        let mut cache: HashMap<String, Vec<u8>> = HashMap::new();
        for loc in locations.iter_mut() {
            let text = cache.entry(loc.file.clone()).or_insert_with(|| {
                std::fs::read(self.root.dir().join(&loc.file)).unwrap_or_default()
            });
            loc.context = Lines::new(text).get(loc.line as usize - 1, CONTEXT_CHARS);
        }
    }
}

fn kind_name(kind: SymbolKind) -> &'static str {
    match kind {
        SymbolKind::Function => "function",
        SymbolKind::Method => "method",
        SymbolKind::Class => "class",
        SymbolKind::Interface => "interface",
        SymbolKind::Type => "type",
        SymbolKind::Enum => "enum",
        SymbolKind::Struct => "struct",
        SymbolKind::Trait => "trait",
        SymbolKind::Impl => "impl",
        SymbolKind::Module => "module",
        SymbolKind::Constant => "constant",
        SymbolKind::Variable => "variable",
        SymbolKind::Property => "property",
        SymbolKind::Macro => "macro",
        SymbolKind::Key => "key",
    }
}

fn sort(found: &mut [Location]) {
    found.sort_by(|a, b| {
        (a.rank, &a.file, a.line, a.column).cmp(&(b.rank, &b.file, b.line, b.column))
    });
}

/// A place in the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in bytes.
    pub column: u32,
    /// The definition's symbol kind, or `reference`.
    pub kind: String,
    /// The source line, trimmed.
    pub context: String,
    /// 0: the query file, 1: a file importing it or imported by it, 2: other.
    pub rank: u8,
}

fn index_file(
    tree: &tree_sitter::Tree,
    text: &[u8],
    job: &Job,
    resolver: &Resolver,
    read_at: SystemTime,
) -> FileEntry {
    let kinds = identifier_kinds(job.lang);
    let mut occurrences: HashMap<Box<str>, Vec<(u32, u32)>> = HashMap::new();
    if !kinds.is_empty() {
        preorder(tree.root_node(), |node| {
            if node.child_count() == 0 && kinds.contains(&node.kind()) {
                let range = node.byte_range();
                if range.len() <= MAX_IDENT_BYTES {
                    if let Ok(name) = std::str::from_utf8(&text[range]) {
                        let p = node.start_position();
                        let at = (p.row as u32 + 1, p.column as u32 + 1);
                        match occurrences.get_mut(name) {
                            Some(v) => v.push(at),
                            None => {
                                occurrences.insert(name.into(), vec![at]);
                            }
                        }
                    }
                }
            }
            true
        });
    }
    let lines = Lines::new(text);
    let defs = definitions(tree, text, job.lang)
        .into_iter()
        .map(|d| {
            let line = d.line as u32;
            // The column of the name: its identifier node on the declaring
            // line, else its first textual occurrence there.
            let column = occurrences
                .get(d.ident.as_str())
                .and_then(|occs| occs.iter().find(|(l, _)| *l == line))
                .map(|&(_, c)| c)
                .or_else(|| {
                    let raw = lines.raw(d.line - 1);
                    find_word(raw, d.ident.as_bytes()).map(|i| i as u32 + 1)
                })
                .unwrap_or(1);
            Def {
                name: d.ident.into(),
                kind: d.kind,
                line,
                column,
            }
        })
        .collect();
    let imports = extract(tree, text, job.lang)
        .iter()
        .map(|raw| resolver.edge(&job.path, job.lang, raw))
        .filter(|edge| edge.kind == EdgeKind::Local)
        .filter_map(|edge| edge.to)
        .collect();
    FileEntry {
        lang: job.lang,
        mtime: job.mtime,
        size: job.size,
        hash: hash(text),
        read_at,
        defs,
        occurrences,
        imports,
    }
}

fn find_word(line: &[u8], word: &[u8]) -> Option<usize> {
    if word.is_empty() || word.len() > line.len() {
        return None;
    }
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    (0..=line.len() - word.len()).find(|&i| {
        &line[i..i + word.len()] == word
            && (i == 0 || !ident(line[i - 1]))
            && line.get(i + word.len()).is_none_or(|&b| !ident(b))
    })
}

// ---- the per-root cache the exports use ----------------------------------------

struct Cached {
    dir: PathBuf,
    index: Arc<Mutex<Index>>,
    used: u64,
}

static CACHE: Mutex<(u64, Vec<Cached>)> = Mutex::new((0, Vec::new()));

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The index of `root`, created empty on first use. A panic while an index
/// was locked leaves it poisoned; it is then rebuilt from nothing.
pub fn with_index<R>(root: Root, f: impl FnOnce(&mut Index) -> R) -> R {
    let shared = {
        let mut cache = lock(&CACHE);
        cache.0 += 1;
        let tick = cache.0;
        let dir = root.dir().to_path_buf();
        let found = cache.1.iter_mut().find(|c| c.dir == dir);
        match found {
            Some(c) => {
                c.used = tick;
                c.index.clone()
            }
            None => {
                if cache.1.len() >= MAX_ROOTS {
                    let oldest = (0..cache.1.len())
                        .min_by_key(|&i| cache.1[i].used)
                        .unwrap_or(0);
                    cache.1.swap_remove(oldest);
                }
                let index = Arc::new(Mutex::new(Index::new(root.clone())));
                cache.1.push(Cached {
                    dir,
                    index: index.clone(),
                    used: tick,
                });
                index
            }
        }
    };
    let mut guard = match shared.lock() {
        Ok(guard) => guard,
        Err(poisoned) => {
            let mut guard = poisoned.into_inner();
            *guard = Index::new(root);
            shared.clear_poison();
            guard
        }
    };
    f(&mut guard)
}

// ---- JSON exports (`definition`, `references`; listed in api.rs) ---------------

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SymbolRequest {
    root: String,
    symbol: Option<String>,
    /// Root-relative (or absolute, inside the root). With `line` and
    /// `column`: the identifier there is looked up; with `symbol`: ranking
    /// is relative to this file.
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    limit: Option<usize>,
    threads: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct At {
    file: String,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SymbolReport {
    symbol: String,
    /// The position the symbol was resolved from, if one was given.
    at: Option<At>,
    definitions: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    references: Option<Vec<Location>>,
    /// All definitions / references found, before `limit`.
    total_definitions: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_references: Option<usize>,
    /// More than one definition: the caller must choose.
    ambiguous: bool,
    truncated: bool,
    stats: RefreshStats,
}

fn bad(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::BadRequest, message)
}

fn lookup(json: &str, with_references: bool) -> Result<String> {
    let req: SymbolRequest =
        serde_json::from_str(json).map_err(|e| bad(format!("bad request: {e}")))?;
    let root = Root::new(&req.root)?;
    let symbol = req.symbol.filter(|s| !s.trim().is_empty()).map(|s| {
        // `Class.method`, `pkg.Func`, `mod::f`: the index knows the last name.
        let s = s.trim();
        s.rsplit(['.', ':']).next().unwrap_or(s).to_string()
    });
    let file = match &req.file {
        Some(file) if !file.is_empty() => {
            let abs = root.resolve(file)?;
            if Lang::from_path(&abs).is_none_or(|l| l == Lang::Json) {
                let names: Vec<&str> = Lang::ALL
                    .iter()
                    .filter(|l| **l != Lang::Json)
                    .flat_map(|l| l.extensions().iter().copied())
                    .collect();
                return Err(Error::new(
                    ErrorCode::UnknownLanguage,
                    format!(
                        "{file}: no symbol index for this language (extensions: {})",
                        names.join(", ")
                    ),
                ));
            }
            Some(root.relative(&abs))
        }
        _ => None,
    };
    let position = match (req.line, req.column) {
        (Some(line), Some(column)) if line >= 1 && column >= 1 => Some((line, column)),
        (None, None) => None,
        _ => return Err(bad("line and column are 1-based and go together")),
    };
    if position.is_some() && file.is_none() {
        return Err(bad("a position needs a file"));
    }
    if symbol.is_none() && position.is_none() {
        return Err(bad(
            "give a symbol name, or a file with line and column of an identifier",
        ));
    }
    let limit = req.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let threads = req.threads.unwrap_or(0);
    let report = with_index(root, |index| -> Result<SymbolReport> {
        let stats = index.refresh(threads)?;
        let (name, at) = match (position, &file) {
            (Some((line, column)), Some(f)) => {
                let found = index.identifier_at(f, line, column)?;
                if let Some(s) = &symbol {
                    if *s != found {
                        return Err(bad(format!(
                            "the identifier at {f}:{line}:{column} is {found:?}, not {s:?}"
                        )));
                    }
                }
                (
                    found,
                    Some(At {
                        file: f.clone(),
                        line,
                        column,
                    }),
                )
            }
            _ => (symbol.clone().unwrap_or_default(), None),
        };
        let near = file.as_deref();
        let mut definitions = index.definitions(&name, near);
        let total_definitions = definitions.len();
        let mut truncated = definitions.len() > limit;
        definitions.truncate(limit);
        index.fill_context(&mut definitions);
        let (references, total_references) = if with_references {
            let mut refs = index.references(&name, near);
            let total = refs.len();
            truncated |= refs.len() > limit;
            refs.truncate(limit);
            index.fill_context(&mut refs);
            (Some(refs), Some(total))
        } else {
            (None, None)
        };
        Ok(SymbolReport {
            symbol: name,
            at,
            ambiguous: total_definitions > 1,
            definitions,
            references,
            total_definitions,
            total_references,
            truncated,
            stats,
        })
    })?;
    serde_json::to_string(&report).map_err(|e| bad(format!("cannot encode response: {e}")))
}

/// `definition({root, symbol?, file?, line?, column?, limit?, threads?})`.
pub fn definition_json(json: &str) -> Result<String> {
    lookup(json, false)
}

/// `references({root, symbol? | file+line+column, limit?, threads?})`:
/// uses (definition sites excluded) plus the definitions.
pub fn references_json(json: &str) -> Result<String> {
    lookup(json, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn project(name: &str, files: &[(&str, &str)]) -> (PathBuf, Index) {
        let dir =
            std::env::temp_dir().join(format!("analysis-symbols-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        let root = Root::new(dir.to_str().unwrap()).unwrap();
        (dir, Index::new(root))
    }

    fn places(locs: &[Location]) -> Vec<String> {
        locs.iter()
            .map(|l| format!("{}:{}:{} {}", l.file, l.line, l.column, l.kind))
            .collect()
    }

    const FILES: &[(&str, &str)] = &[
        (
            "src/a.ts",
            "import { helper } from './b.js';\nexport function run() { return helper() + init(); }\nfunction init() { return 0; }\n",
        ),
        ("src/b.ts", "export function helper() { return 1; }\nexport function init() {}\n"),
        ("src/c.ts", "export function init() {}\nexport const x = init;\n"),
        ("py/m.py", "def init():\n    pass\n\nclass User:\n    def init(self):\n        init()\n"),
    ];

    #[test]
    fn incremental_refresh_parses_only_what_changed() {
        let (dir, mut index) = project("incr", FILES);
        let first = index.refresh(1).unwrap();
        assert_eq!((first.files, first.parsed, first.removed), (4, 4, 0));
        let second = index.refresh(1).unwrap();
        assert_eq!(second.parsed, 0, "{second:?}");
        assert_eq!(second.files, 4);
        // Just written: the mtimes are racy, so the content was hashed.
        assert_eq!(second.hashed, 4);

        fs::write(
            dir.join("src/c.ts"),
            "export function init() {}\nexport function extra() {}\n",
        )
        .unwrap();
        let third = index.refresh(1).unwrap();
        assert_eq!(third.parsed, 1, "{third:?}");
        assert_eq!(
            places(&index.definitions("extra", None)),
            ["src/c.ts:2:17 function"]
        );

        // Same size, same mtime, different content: the hash catches it.
        let path = dir.join("src/b.ts");
        let mtime = fs::metadata(&path).unwrap().modified().unwrap();
        fs::write(
            &path,
            "export function helpex() { return 1; }\nexport function init() {}\n",
        )
        .unwrap();
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let fourth = index.refresh(1).unwrap();
        assert_eq!(fourth.parsed, 1, "{fourth:?}");
        assert!(index.definitions("helper", None).is_empty());

        fs::remove_file(dir.join("src/c.ts")).unwrap();
        let fifth = index.refresh(1).unwrap();
        assert_eq!((fifth.parsed, fifth.removed, fifth.files), (0, 1, 3));
        assert!(index.definitions("extra", None).is_empty());
    }

    #[test]
    fn old_files_are_trusted_without_reading() {
        let (dir, mut index) = project("old", FILES);
        let old = SystemTime::now() - Duration::from_secs(3600);
        for (path, _) in FILES {
            fs::File::options()
                .write(true)
                .open(dir.join(path))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        index.refresh(1).unwrap();
        let again = index.refresh(1).unwrap();
        assert_eq!((again.parsed, again.hashed), (0, 0));
    }

    #[test]
    fn ambiguity_is_listed_and_ranked() {
        let (_dir, mut index) = project("ambig", FILES);
        index.refresh(0).unwrap();
        let mut defs = index.definitions("init", Some("src/a.ts"));
        index.fill_context(&mut defs);
        assert_eq!(
            places(&defs),
            [
                "src/a.ts:3:10 function",
                "src/b.ts:2:17 function",
                "py/m.py:1:5 function",
                "py/m.py:5:9 method",
                "src/c.ts:1:17 function",
            ]
        );
        assert_eq!(defs[0].context, "function init() { return 0; }");
        assert_eq!(
            defs.iter().map(|d| d.rank).collect::<Vec<_>>(),
            [0, 1, 2, 2, 2]
        );
        let refs = index.references("init", Some("src/c.ts"));
        assert_eq!(
            places(&refs),
            [
                "src/c.ts:2:18 reference",
                "py/m.py:6:9 reference",
                "src/a.ts:2:43 reference",
            ]
        );
        assert_eq!(index.identifier_at("src/a.ts", 2, 35).unwrap(), "helper");
        assert_eq!(
            index.identifier_at("src/a.ts", 2, 38).unwrap(),
            "helper",
            "just after"
        );
        let err = index.identifier_at("src/a.ts", 2, 1).unwrap_err();
        assert!(err.message.contains("no identifier"), "{}", err.message);
        assert_eq!(
            index.identifier_at("nope.ts", 1, 1).unwrap_err().code,
            ErrorCode::BadRequest
        );
    }

    #[test]
    fn go_package_imports_rank_as_related() {
        let (_dir, mut index) = project(
            "go",
            &[
                ("go.mod", "module example.com/app\n\ngo 1.22\n"),
                ("main.go", "package main\n\nimport \"example.com/app/store\"\n\nfunc main() { store.Open() }\n"),
                ("store/store.go", "package store\n\nfunc Open() int { return 1 }\n"),
                ("other/other.go", "package other\n\nfunc Open() int { return 2 }\n"),
            ],
        );
        index.refresh(1).unwrap();
        let defs = index.definitions("Open", Some("main.go"));
        assert_eq!(
            places(&defs),
            ["store/store.go:3:6 function", "other/other.go:3:6 function"]
        );
        assert_eq!(
            places(&index.references("Open", None)),
            ["main.go:5:21 reference"]
        );
    }

    #[test]
    fn json_requests_are_checked_and_answered() {
        let (dir, _) = project("json", FILES);
        fs::write(dir.join("notes.txt"), "init\n").unwrap();
        let root = dir.to_str().unwrap();
        let call = |v: serde_json::Value| references_json(&v.to_string());
        let code = |v: serde_json::Value| call(v).unwrap_err().code;
        assert_eq!(
            code(serde_json::json!({ "root": root })),
            ErrorCode::BadRequest
        );
        assert_eq!(
            code(serde_json::json!({ "root": root, "file": "src/a.ts" })),
            ErrorCode::BadRequest
        );
        assert_eq!(
            code(serde_json::json!({ "root": root, "file": "../x.ts", "line": 1, "column": 1 })),
            ErrorCode::OutsideRoot
        );
        assert_eq!(
            code(serde_json::json!({ "root": root, "file": "notes.txt", "line": 1, "column": 1 })),
            ErrorCode::UnknownLanguage
        );
        let err = call(serde_json::json!({ "root": root, "symbol": "run", "file": "src/a.ts", "line": 2, "column": 35 }))
            .unwrap_err();
        assert!(
            err.message.contains("is \"helper\", not \"run\""),
            "{}",
            err.message
        );
        let out: serde_json::Value = serde_json::from_str(
            &definition_json(
                &serde_json::json!({ "root": root, "file": "src/a.ts", "line": 2, "column": 44 })
                    .to_string(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(out["symbol"], "init");
        assert_eq!(out["ambiguous"], true);
        assert_eq!(out["totalDefinitions"], 5);
        assert_eq!(out["definitions"][0]["file"], "src/a.ts");
        assert_eq!(
            out["definitions"][0]["context"],
            "function init() { return 0; }"
        );
        assert!(out.get("references").is_none());
        let again: serde_json::Value = serde_json::from_str(
            &call(serde_json::json!({ "root": root, "symbol": "User.init", "limit": 1 })).unwrap(),
        )
        .unwrap();
        assert_eq!(again["stats"]["parsed"], 0, "{again}");
        assert_eq!(again["totalReferences"], 3);
        assert_eq!(again["truncated"], true);
    }
}
