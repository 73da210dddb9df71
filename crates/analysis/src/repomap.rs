//! Repo map: which definitions of a repository matter most for given focus
//! files, rendered as `path:` headers and numbered declaration lines that fit
//! a token budget.
//!
//! Files are nodes; a file that mentions an identifier another file defines
//! gets an edge to it, weighted by how often it mentions it and how
//! distinctive the name is. A PageRank personalised towards the focus files
//! ranks the files, and each file's rank flows along its edges to the
//! definitions it uses. Names defined in more than [`MAX_DEFINERS`] files are
//! too generic to link anything and are ignored.

use crate::discover::discover;
use crate::error::{Error, ErrorCode, Result};
use crate::lang::Lang;
use crate::parallel::map_weighted;
use crate::parse::SourceParser;
use crate::rank::{pagerank, Edge};
use crate::source::{Loaded, Root};
use crate::tags::{tags, FileTags};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

pub const MAX_DEFINERS: usize = 32;
/// Rough characters per token for source code.
const CHARS_PER_TOKEN: usize = 4;
/// Extra weight of references made by focus files.
const FOCUS_REFERENCE_BOOST: f64 = 10.0;
/// A file is given up after this long (generated or pathological code).
const PARSE_TIMEOUT_MICROS: u64 = 2_000_000;
/// A line longer than this near the top means minified or generated code.
const MINIFIED_LINE_BYTES: usize = 1000;

pub struct MapOptions {
    pub budget_tokens: usize,
    pub focus: Vec<String>,
    pub max_files: usize,
    pub max_bytes: u64,
    /// Parser threads (0: one per core).
    pub threads: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoMap {
    pub map: String,
    /// Source files parsed.
    pub files: usize,
    pub definitions: usize,
    /// Definitions shown in the map.
    pub shown: usize,
    /// Estimated tokens of `map`.
    pub tokens: usize,
    /// The walk stopped at `max_files`.
    pub truncated: bool,
    /// Files left out: too large, minified, unreadable or too slow to parse.
    pub skipped: usize,
    /// Focus paths that are not source files of the map.
    pub focus_missing: Vec<String>,
}

pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(CHARS_PER_TOKEN)
}

pub fn repo_map(root: &Root, opts: &MapOptions) -> Result<RepoMap> {
    if opts.budget_tokens == 0 {
        return Err(Error::new(
            ErrorCode::BadRequest,
            "budgetTokens must be positive",
        ));
    }
    let mut focus = HashSet::new();
    for f in &opts.focus {
        let abs = root.resolve(f)?; // refuses paths outside the root
        focus.insert(root.relative(&abs));
    }
    let found = discover(root, |lang| lang != Lang::Json, opts.max_files);
    let sizes: Vec<u64> = found
        .files
        .iter()
        .map(|(p, _)| root.dir().join(p).metadata().map_or(0, |m| m.len()))
        .collect();
    let jobs: Vec<(&String, u64)> = found.files.iter().map(|(p, _)| p).zip(sizes).collect();
    let parsed: Vec<Option<FileTags>> = map_weighted(
        &jobs,
        opts.threads,
        |(_, size)| *size,
        || SourceParser::with_timeout(PARSE_TIMEOUT_MICROS),
        |parser, (path, _)| match root.load(path, opts.max_bytes) {
            Ok(Loaded::Source(src)) if !looks_minified(&src.text) => {
                let tree = parser.parse(src.lang, &src.text).ok()?;
                Some(tags(&tree, &src.text, src.lang))
            }
            _ => None,
        },
    )?;
    let mut paths = Vec::new();
    let mut files = Vec::new();
    for ((path, _), tags) in found.files.iter().zip(parsed) {
        if let Some(tags) = tags {
            paths.push(path.as_str());
            files.push(tags);
        }
    }
    let skipped = found.files.len() - files.len();
    let is_focus: Vec<bool> = paths.iter().map(|p| focus.contains(*p)).collect();
    let focus_missing = {
        let present: HashSet<&str> = paths.iter().copied().collect();
        let mut missing: Vec<String> = focus
            .iter()
            .filter(|f| !present.contains(f.as_str()))
            .cloned()
            .collect();
        missing.sort();
        missing
    };
    let scores = score_definitions(&files, &is_focus);
    let (map, shown) = render(&paths, &files, &scores, opts.budget_tokens);
    Ok(RepoMap {
        tokens: estimate_tokens(&map),
        map,
        files: files.len(),
        definitions: files.iter().map(|f| f.definitions.len()).sum(),
        shown,
        truncated: found.truncated,
        skipped,
        focus_missing,
    })
}

/// Minified bundles and generated data have very long lines; they hold no
/// definitions worth a map line and are slow to parse.
fn looks_minified(text: &[u8]) -> bool {
    let head = &text[..text.len().min(64 * 1024)];
    head.split(|&b| b == b'\n')
        .any(|line| line.len() > MINIFIED_LINE_BYTES)
}

/// A score per definition, `scores[file][definition]`.
fn score_definitions(files: &[FileTags], is_focus: &[bool]) -> Vec<Vec<f64>> {
    let mut definers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, file) in files.iter().enumerate() {
        for def in &file.definitions {
            let list = definers.entry(def.ident.as_str()).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    // Edges file → file, and what each edge carries per identifier.
    let mut edges = Vec::new();
    let mut carried: Vec<(usize, usize, &str, f64)> = Vec::new();
    for (from, file) in files.iter().enumerate() {
        for (name, &count) in &file.references {
            let Some(targets) = definers.get(name.as_str()) else {
                continue;
            };
            if targets.len() > MAX_DEFINERS {
                continue;
            }
            let mut weight = name_weight(name, targets.len()) * f64::from(count).sqrt();
            if is_focus[from] {
                weight *= FOCUS_REFERENCE_BOOST;
            }
            for &to in targets {
                if to != from {
                    edges.push(Edge { from, to, weight });
                    carried.push((from, to, name.as_str(), weight));
                }
            }
        }
    }
    let personal: Vec<f64> = if is_focus.iter().any(|&f| f) {
        is_focus
            .iter()
            .map(|&f| if f { 1.0 } else { 0.0 })
            .collect()
    } else {
        vec![1.0; files.len()]
    };
    let rank = pagerank(files.len(), &edges, &personal);
    let mut out_weight = vec![0.0; files.len()];
    for e in &edges {
        out_weight[e.from] += e.weight;
    }
    // Rank flowing into (file, identifier).
    let mut inflow: HashMap<(usize, &str), f64> = HashMap::new();
    for (from, to, name, weight) in carried {
        *inflow.entry((to, name)).or_default() += rank[from] * weight / out_weight[from];
    }
    files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            // A small share of the file's own rank, so highly ranked files
            // (focus files above all) show definitions nobody references yet.
            let own = rank[i] * 0.05 / file.definitions.len().max(1) as f64;
            file.definitions
                .iter()
                .map(|d| own + inflow.get(&(i, d.ident.as_str())).copied().unwrap_or(0.0))
                .collect()
        })
        .collect()
}

/// Distinctive names (long, compound) link files better than short ones.
fn name_weight(name: &str, definers: usize) -> f64 {
    let mut w = 1.0;
    let compound = name.contains('_')
        || (name.chars().any(char::is_uppercase) && name.chars().any(char::is_lowercase));
    if name.len() >= 8 && compound {
        w *= 4.0;
    }
    match name.len() {
        0..=2 => w *= 0.1,
        3 => w *= 0.5,
        _ => {}
    }
    if name.starts_with('_') {
        w *= 0.5;
    }
    if definers > 4 {
        w *= 4.0 / definers as f64;
    }
    w
}

/// Greedily takes the best definitions that fit the budget, then prints them
/// grouped by file (best file first), in line order within a file.
fn render(
    paths: &[&str],
    files: &[FileTags],
    scores: &[Vec<f64>],
    budget_tokens: usize,
) -> (String, usize) {
    let mut ranked: Vec<(usize, usize, f64)> = scores
        .iter()
        .enumerate()
        .flat_map(|(f, s)| s.iter().enumerate().map(move |(d, &score)| (f, d, score)))
        .filter(|&(_, _, score)| score > 0.0)
        .collect();
    ranked.sort_by(|a, b| {
        b.2.total_cmp(&a.2)
            .then(paths[a.0].cmp(paths[b.0]))
            .then(a.1.cmp(&b.1))
    });
    let budget = budget_tokens * CHARS_PER_TOKEN;
    let mut used = 0;
    let mut order: Vec<usize> = Vec::new();
    let mut chosen: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut misses = 0;
    let mut lines_taken: HashSet<(usize, usize)> = HashSet::new();
    for (f, d, _) in ranked {
        let def = &files[f].definitions[d];
        // Several definitions on one line (an interface and its members)
        // are shown once.
        if lines_taken.contains(&(f, def.line)) {
            continue;
        }
        let line_cost = line(def.line, def.depth, &def.label).len();
        let header_cost = if chosen.contains_key(&f) {
            0
        } else {
            paths[f].len() + 2
        };
        if used + line_cost + header_cost > budget {
            misses += 1;
            if misses > 256 {
                break;
            }
            continue;
        }
        used += line_cost + header_cost;
        lines_taken.insert((f, def.line));
        if header_cost > 0 {
            order.push(f);
        }
        chosen.entry(f).or_default().push(d);
    }
    let mut out = String::with_capacity(used);
    let mut shown = 0;
    for f in order {
        let mut defs = chosen.remove(&f).unwrap_or_default();
        defs.sort_by_key(|&d| files[f].definitions[d].line);
        let _ = writeln!(out, "{}:", paths[f]);
        for d in defs {
            let def = &files[f].definitions[d];
            out.push_str(&line(def.line, def.depth, &def.label));
            shown += 1;
        }
    }
    (out, shown)
}

fn line(number: usize, depth: usize, label: &str) -> String {
    format!("{number:>5}│{}{label}\n", "  ".repeat(depth + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("analysis-repomap-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    fn options(budget: usize, focus: &[&str]) -> MapOptions {
        MapOptions {
            budget_tokens: budget,
            focus: focus.iter().map(|s| s.to_string()).collect(),
            max_files: 1000,
            max_bytes: 1 << 20,
            threads: 0,
        }
    }

    #[test]
    fn focus_decides_what_is_shown_first() {
        let dir = repo(
            "focus",
            &[
                ("billing/invoice.ts", "import { computeTaxRate } from './tax';\nexport function renderInvoice() { return computeTaxRate(1); }\n"),
                ("billing/tax.ts", "export function computeTaxRate(x: number) { return x; }\n"),
                ("auth/login.ts", "import { hashPassword } from './hash';\nexport function loginUser() { return hashPassword('x'); }\n"),
                ("auth/hash.ts", "export function hashPassword(p: string) { return p; }\n"),
                ("docs.md", "# not code\n"),
                (".gitignore", "gen/\n"),
                ("gen/out.ts", "export function hashPassword() {}\n"),
            ],
        );
        let root = Root::new(dir.to_str().unwrap()).unwrap();
        let map = repo_map(&root, &options(1000, &["billing/invoice.ts"])).unwrap();
        assert_eq!(map.files, 4, "gen/ is ignored, docs.md is not code");
        assert!(map.map.starts_with("billing/tax.ts:\n"), "{}", map.map);
        let tax = map.map.find("computeTaxRate").unwrap();
        let hash = map.map.find("hashPassword").unwrap_or(usize::MAX);
        assert!(tax < hash, "{}", map.map);
        assert!(map.focus_missing.is_empty());

        let auth = repo_map(&root, &options(1000, &["auth/login.ts"])).unwrap();
        assert!(auth.map.starts_with("auth/hash.ts:\n"), "{}", auth.map);
        assert!(
            auth.map
                .contains("    1│  export function hashPassword(p: string) { return p; }\n"),
            "{}",
            auth.map
        );
    }

    #[test]
    fn the_budget_is_respected_and_bad_focus_refused() {
        let mut files = Vec::new();
        let mut texts = Vec::new();
        for i in 0..40 {
            texts.push((format!("src/mod{i}.py"), format!("from .mod{} import function_number_{}\ndef function_number_{i}():\n    return function_number_{}()\n", (i + 1) % 40, (i + 1) % 40, (i + 1) % 40)));
        }
        for (p, t) in &texts {
            files.push((p.as_str(), t.as_str()));
        }
        let dir = repo("budget", &files);
        let root = Root::new(dir.to_str().unwrap()).unwrap();
        let big = repo_map(&root, &options(100_000, &[])).unwrap();
        assert_eq!(big.shown, 40);
        let small = repo_map(&root, &options(60, &["src/mod3.py", "src/missing.py"])).unwrap();
        assert!(small.tokens <= 60, "{} tokens", small.tokens);
        assert!(small.shown >= 1 && small.shown < 40);
        assert!(small.map.contains("function_number_4"), "{}", small.map);
        assert_eq!(small.focus_missing, ["src/missing.py"]);
        let err = repo_map(&root, &options(60, &["../etc/passwd"])).unwrap_err();
        assert_eq!(err.code, ErrorCode::OutsideRoot);
    }
}
