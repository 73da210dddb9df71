//! Language registry: which grammars are compiled in, how a file's extension
//! or a user-supplied name maps to one, and the `tree_sitter::Language` for it.

use serde::Serialize;
use std::path::Path;
use tree_sitter::Language;

extern "C" {
    fn tree_sitter_typescript() -> Language;
    fn tree_sitter_tsx() -> Language;
    fn tree_sitter_javascript() -> Language;
    fn tree_sitter_python() -> Language;
    fn tree_sitter_go() -> Language;
    fn tree_sitter_rust() -> Language;
    fn tree_sitter_json() -> Language;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    TypeScript,
    Tsx,
    JavaScript,
    Python,
    Go,
    Rust,
    Json,
}

impl Lang {
    pub const ALL: [Lang; 7] = [
        Lang::TypeScript,
        Lang::Tsx,
        Lang::JavaScript,
        Lang::Python,
        Lang::Go,
        Lang::Rust,
        Lang::Json,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::JavaScript => "javascript",
            Lang::Python => "python",
            Lang::Go => "go",
            Lang::Rust => "rust",
            Lang::Json => "json",
        }
    }

    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Lang::TypeScript => &["ts", "mts", "cts"],
            Lang::Tsx => &["tsx"],
            Lang::JavaScript => &["js", "mjs", "cjs", "jsx"],
            Lang::Python => &["py", "pyi"],
            Lang::Go => &["go"],
            Lang::Rust => &["rs"],
            Lang::Json => &["json"],
        }
    }

    /// A language by name or common alias (`ts`, `js`, `py`, `rs`, ...).
    pub fn from_name(name: &str) -> Option<Lang> {
        let lower = name.trim().to_ascii_lowercase();
        let lang = match lower.as_str() {
            "typescript" | "ts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "javascript" | "js" | "jsx" => Lang::JavaScript,
            "python" | "py" => Lang::Python,
            "go" | "golang" => Lang::Go,
            "rust" | "rs" => Lang::Rust,
            "json" => Lang::Json,
            _ => return None,
        };
        Some(lang)
    }

    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.extensions().contains(&ext.as_str()))
    }

    pub fn grammar(self) -> Language {
        // SAFETY: each function is the generated entry point of a grammar
        // compiled by build.rs; it returns a pointer to static data.
        unsafe {
            match self {
                Lang::TypeScript => tree_sitter_typescript(),
                Lang::Tsx => tree_sitter_tsx(),
                Lang::JavaScript => tree_sitter_javascript(),
                Lang::Python => tree_sitter_python(),
                Lang::Go => tree_sitter_go(),
                Lang::Rust => tree_sitter_rust(),
                Lang::Json => tree_sitter_json(),
            }
        }
    }

    /// TypeScript, TSX and JavaScript share node kinds for declarations.
    pub fn is_ecma(self) -> bool {
        matches!(self, Lang::TypeScript | Lang::Tsx | Lang::JavaScript)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_and_names_map_to_languages() {
        assert_eq!(Lang::from_path(Path::new("a/b.ts")), Some(Lang::TypeScript));
        assert_eq!(
            Lang::from_path(Path::new("a/b.d.ts")),
            Some(Lang::TypeScript)
        );
        assert_eq!(Lang::from_path(Path::new("B.TSX")), Some(Lang::Tsx));
        assert_eq!(Lang::from_path(Path::new("x.mjs")), Some(Lang::JavaScript));
        assert_eq!(Lang::from_path(Path::new("x.pyi")), Some(Lang::Python));
        assert_eq!(Lang::from_path(Path::new("x.txt")), None);
        assert_eq!(Lang::from_path(Path::new("Makefile")), None);
        assert_eq!(Lang::from_name("TS"), Some(Lang::TypeScript));
        assert_eq!(Lang::from_name("golang"), Some(Lang::Go));
        assert_eq!(Lang::from_name("cobol"), None);
    }

    #[test]
    fn every_grammar_loads_into_a_parser() {
        for lang in Lang::ALL {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(lang.grammar())
                .unwrap_or_else(|e| panic!("{}: {e}", lang.name()));
            assert!(lang.grammar().node_kind_count() > 10, "{}", lang.name());
        }
    }
}
