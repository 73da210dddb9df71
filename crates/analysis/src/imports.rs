//! Import graph: the module dependencies a file declares, and where they lead.
//! Relative imports are resolved to files under the root (TypeScript's
//! `./x.js` → `x.ts` included); packages from elsewhere are `external`; a
//! relative import that leads nowhere is `unresolved`.
//!
//! Extraction is per language: ES `import`/`export from`/`require()`/
//! `import()`, Python `import`/`from ... import`, Go import specs (resolved to
//! package directories through `go.mod`), Rust `mod x;` and `use
//! crate|self|super::...`.

use crate::lang::Lang;
use crate::source::{clip, Root};
use crate::walk::preorder;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tree_sitter::{Node, Tree};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    Local,
    External,
    Unresolved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportEdge {
    pub from: String,
    pub specifier: String,
    pub line: usize,
    /// Root-relative file (a directory for Go packages), when local.
    pub to: Option<String>,
    pub kind: EdgeKind,
}

/// An import as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawImport {
    pub specifier: String,
    pub line: usize,
    /// Rust `mod name;` (a file of the crate), as opposed to a `use` path.
    pub rust_mod: bool,
}

pub fn extract(tree: &Tree, text: &[u8], lang: Lang) -> Vec<RawImport> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<RawImport>, node: Node, spec: String, rust_mod: bool| {
        if !spec.is_empty() {
            out.push(RawImport {
                specifier: clip(&spec, 200),
                line: node.start_position().row + 1,
                rust_mod,
            });
        }
    };
    let txt = |node: Node| node.utf8_text(text).unwrap_or("").to_string();
    let unquote = |node: Node| {
        txt(node)
            .trim_matches(|c| c == '"' || c == '\'' || c == '`')
            .to_string()
    };
    preorder(tree.root_node(), |node| {
        match (lang, node.kind()) {
            (
                Lang::TypeScript | Lang::Tsx | Lang::JavaScript,
                "import_statement" | "export_statement",
            ) => {
                let source = node.child_by_field_name("source").or_else(|| {
                    let mut cursor = node.walk();
                    let clause = node
                        .named_children(&mut cursor)
                        .find(|c| c.kind() == "import_require_clause");
                    clause.and_then(|c| c.child_by_field_name("source"))
                });
                if let Some(source) = source {
                    push(&mut out, node, unquote(source), false);
                }
                node.kind() == "export_statement" // `export const x = require(...)`
            }
            (Lang::TypeScript | Lang::Tsx | Lang::JavaScript, "call_expression") => {
                let callee = node.child_by_field_name("function");
                let is_import = callee.is_some_and(|f| {
                    f.kind() == "import" || (f.kind() == "identifier" && txt(f) == "require")
                });
                let arg = node
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0));
                if let (true, Some(arg)) = (is_import, arg) {
                    if arg.kind() == "string" {
                        push(&mut out, node, unquote(arg), false);
                    }
                }
                true
            }
            (Lang::Python, "import_statement") => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let module = name.child_by_field_name("name").unwrap_or(name);
                    push(&mut out, node, txt(module), false);
                }
                false
            }
            (Lang::Python, "import_from_statement") => {
                let Some(module) = node.child_by_field_name("module_name") else {
                    return false;
                };
                let module = txt(module);
                if module.chars().all(|c| c == '.') {
                    // `from . import a, b`: each name may be a module.
                    let mut cursor = node.walk();
                    for name in node.children_by_field_name("name", &mut cursor) {
                        let name = name.child_by_field_name("name").unwrap_or(name);
                        push(&mut out, node, format!("{module}{}", txt(name)), false);
                    }
                } else {
                    push(&mut out, node, module, false);
                }
                false
            }
            (Lang::Go, "import_spec") => {
                if let Some(path) = node.child_by_field_name("path") {
                    push(&mut out, node, unquote(path), false);
                }
                false
            }
            (Lang::Rust, "mod_item") => {
                if node.child_by_field_name("body").is_none() {
                    if let Some(name) = node.child_by_field_name("name") {
                        push(&mut out, node, txt(name), true);
                    }
                }
                true
            }
            (Lang::Rust, "use_declaration") => {
                if let Some(arg) = node.child_by_field_name("argument") {
                    let spec: String = txt(arg).split_whitespace().collect();
                    push(&mut out, node, spec, false);
                }
                false
            }
            _ => true,
        }
    });
    out
}

/// Resolves imports of files under one root. Not thread-safe (it caches
/// `go.mod` and crate-root look-ups); resolution is cheap next to parsing.
pub struct Resolver<'a> {
    root: &'a Root,
    go_modules: RefCell<HashMap<PathBuf, Option<(PathBuf, String)>>>,
}

impl<'a> Resolver<'a> {
    pub fn new(root: &'a Root) -> Self {
        Resolver {
            root,
            go_modules: RefCell::new(HashMap::new()),
        }
    }

    pub fn edge(&self, from: &str, lang: Lang, raw: &RawImport) -> ImportEdge {
        let file = self.root.dir().join(from);
        let (to, kind) = match lang {
            Lang::TypeScript | Lang::Tsx | Lang::JavaScript => self.ecma(&file, &raw.specifier),
            Lang::Python => self.python(&file, &raw.specifier),
            Lang::Go => self.go(&file, &raw.specifier),
            Lang::Rust if raw.rust_mod => self.rust_mod(&file, &raw.specifier),
            Lang::Rust => self.rust_use(&file, &raw.specifier),
            Lang::Json => (None, EdgeKind::External),
        };
        ImportEdge {
            from: from.to_string(),
            specifier: if raw.rust_mod {
                format!("mod {}", raw.specifier)
            } else {
                raw.specifier.clone()
            },
            line: raw.line,
            to: to.map(|p| self.root.relative(&p)),
            kind,
        }
    }

    /// The first candidate that is a file inside the root.
    fn first_file(
        &self,
        candidates: impl IntoIterator<Item = PathBuf>,
    ) -> (Option<PathBuf>, EdgeKind) {
        for candidate in candidates {
            let Some(rel) = candidate
                .strip_prefix(self.root.dir())
                .ok()
                .and_then(|p| p.to_str())
            else {
                continue;
            };
            if let Ok(abs) = self.root.resolve(rel) {
                if abs.is_file() {
                    return (Some(abs), EdgeKind::Local);
                }
            }
        }
        (None, EdgeKind::Unresolved)
    }

    fn ecma(&self, file: &Path, spec: &str) -> (Option<PathBuf>, EdgeKind) {
        let relative =
            spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../");
        if !relative {
            return (None, EdgeKind::External);
        }
        let base = normalize(&file.parent().unwrap_or(file).join(spec));
        let mut candidates = vec![base.clone()];
        let ext = base.extension().and_then(|e| e.to_str()).unwrap_or("");
        let swaps: &[&str] = match ext {
            "js" | "jsx" => &["ts", "tsx", "d.ts"],
            "mjs" => &["mts", "d.mts"],
            "cjs" => &["cts", "d.cts"],
            _ => &[],
        };
        candidates.extend(swaps.iter().map(|e| base.with_extension(e)));
        for e in [
            "ts", "tsx", "d.ts", "js", "jsx", "mjs", "cjs", "mts", "cts", "json",
        ] {
            candidates.push(append(&base, &format!(".{e}")));
        }
        for e in ["ts", "tsx", "js", "jsx", "mjs"] {
            candidates.push(base.join(format!("index.{e}")));
        }
        self.first_file(candidates)
    }

    fn python(&self, file: &Path, spec: &str) -> (Option<PathBuf>, EdgeKind) {
        let dots = spec.chars().take_while(|&c| c == '.').count();
        let rest = spec[dots..].replace('.', "/");
        let module_candidates = |base: PathBuf| {
            let path = if rest.is_empty() {
                base.clone()
            } else {
                base.join(&rest)
            };
            vec![
                append(&path, ".py"),
                append(&path, ".pyi"),
                path.join("__init__.py"),
            ]
        };
        if dots > 0 {
            let mut dir = file.parent().unwrap_or(file).to_path_buf();
            for _ in 1..dots {
                dir.pop();
            }
            return self.first_file(module_candidates(dir));
        }
        let mut candidates = module_candidates(self.root.dir().to_path_buf());
        candidates.extend(module_candidates(self.root.dir().join("src")));
        candidates.extend(module_candidates(
            file.parent().unwrap_or(file).to_path_buf(),
        ));
        match self.first_file(candidates) {
            (Some(path), kind) => (Some(path), kind),
            (None, _) => (None, EdgeKind::External),
        }
    }

    fn go(&self, file: &Path, spec: &str) -> (Option<PathBuf>, EdgeKind) {
        let Some((module_dir, module)) = self.go_module(file.parent().unwrap_or(file)) else {
            return (None, EdgeKind::External);
        };
        let rest = if spec == module {
            ""
        } else if let Some(rest) = spec.strip_prefix(&format!("{module}/")) {
            rest
        } else {
            return (None, EdgeKind::External);
        };
        let dir = normalize(&module_dir.join(rest));
        if dir.starts_with(self.root.dir()) && dir.is_dir() {
            (Some(dir), EdgeKind::Local)
        } else {
            (None, EdgeKind::Unresolved)
        }
    }

    /// The nearest `go.mod` at or above `dir` (inside the root): its
    /// directory and module path.
    fn go_module(&self, dir: &Path) -> Option<(PathBuf, String)> {
        if let Some(hit) = self.go_modules.borrow().get(dir) {
            return hit.clone();
        }
        let found = match std::fs::read_to_string(dir.join("go.mod")) {
            Ok(text) => text
                .lines()
                .find_map(|l| l.trim().strip_prefix("module "))
                .map(|m| (dir.to_path_buf(), m.trim().trim_matches('"').to_string())),
            Err(_) if dir != self.root.dir() && dir.starts_with(self.root.dir()) => {
                dir.parent().and_then(|p| self.go_module(p))
            }
            Err(_) => None,
        };
        self.go_modules
            .borrow_mut()
            .insert(dir.to_path_buf(), found.clone());
        found
    }

    fn rust_mod(&self, file: &Path, name: &str) -> (Option<PathBuf>, EdgeKind) {
        let dir = rust_module_dir(file);
        self.first_file([
            dir.join(format!("{name}.rs")),
            dir.join(name).join("mod.rs"),
        ])
    }

    fn rust_use(&self, file: &Path, spec: &str) -> (Option<PathBuf>, EdgeKind) {
        let path = spec
            .split(['{', ' '])
            .next()
            .unwrap_or(spec)
            .trim_end_matches("::");
        let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        if segments.is_empty() {
            return (None, EdgeKind::External);
        }
        let mut dir = match segments[0] {
            "crate" => match crate_src_dir(file, self.root.dir()) {
                Some(dir) => dir,
                None => return (None, EdgeKind::Unresolved),
            },
            "self" => rust_module_dir(file),
            "super" => rust_module_dir(file)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            _ => return (None, EdgeKind::External),
        };
        segments.remove(0);
        while segments.first() == Some(&"super") {
            dir.pop();
            segments.remove(0);
        }
        // The longest prefix of the path that names a module file.
        for k in (1..=segments.len()).rev() {
            let base = segments[..k].iter().fold(dir.clone(), |p, s| p.join(s));
            let found = self.first_file([append(&base, ".rs"), base.join("mod.rs")]);
            if found.0.is_some() {
                return found;
            }
        }
        // Items of the module itself: the file that declares it.
        let own = [
            dir.join("mod.rs"),
            dir.join("lib.rs"),
            dir.join("main.rs"),
            append(&dir, ".rs"),
        ];
        self.first_file(own)
    }
}

/// Where the child modules of a Rust file live.
fn rust_module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(file).to_path_buf();
    match file.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs" | "lib.rs" | "main.rs") => parent,
        _ => match file.file_stem() {
            Some(stem) => parent.join(stem),
            None => parent,
        },
    }
}

/// `src/` of the nearest crate (directory with Cargo.toml) above `file`.
fn crate_src_dir(file: &Path, root: &Path) -> Option<PathBuf> {
    let mut dir = file.parent()?;
    loop {
        if dir.join("Cargo.toml").is_file() {
            return Some(dir.join("src"));
        }
        if dir == root {
            return None;
        }
        dir = dir.parent()?;
    }
}

fn append(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Removes `.` and `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::SourceParser;

    fn raw(lang: Lang, src: &str) -> Vec<(String, usize)> {
        let tree = SourceParser::default().parse(lang, src.as_bytes()).unwrap();
        extract(&tree, src.as_bytes(), lang)
            .into_iter()
            .map(|r| (r.specifier, r.line))
            .collect()
    }

    #[test]
    fn extracts_imports_per_language() {
        let ts = "import a from './a.js';\nimport type { B } from \"../b\";\nexport * from './c';\nconst d = require('d');\nasync function f() { await import('./e'); }\nimport x = require('./x');\n";
        let got: Vec<String> = raw(Lang::TypeScript, ts)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(got, ["./a.js", "../b", "./c", "d", "./e", "./x"]);
        let py = "import os, a.b as ab\nfrom . import sib, other\nfrom ..pkg.mod import thing\nfrom x import y\n";
        let got: Vec<String> = raw(Lang::Python, py).into_iter().map(|(s, _)| s).collect();
        assert_eq!(got, ["os", "a.b", ".sib", ".other", "..pkg.mod", "x"]);
        let go = "package a\nimport (\n\t\"fmt\"\n\tm \"example.com/app/model\"\n)\n";
        assert_eq!(
            raw(Lang::Go, go),
            [
                ("fmt".to_string(), 3),
                ("example.com/app/model".to_string(), 4)
            ]
        );
        let rs = "mod util;\nmod inline { }\nuse crate::util::{A, B};\nuse std::fmt;\n";
        let got: Vec<String> = raw(Lang::Rust, rs).into_iter().map(|(s, _)| s).collect();
        assert_eq!(got, ["util", "crate::util::{A,B}", "std::fmt"]);
    }
}
