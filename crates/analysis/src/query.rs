//! Tree-sitter queries over files: compile once per call, run on each file,
//! return the captures with their ranges. A query that does not compile is a
//! [`ErrorCode::BadQuery`] naming the line and column of the mistake.

use crate::error::{Error, ErrorCode, Result};
use crate::lang::Lang;
use crate::source::clip;
use serde::Serialize;
use tree_sitter::{Query, QueryCursor, Tree};

const TEXT_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capture {
    pub file: String,
    /// The capture's name in the query, without `@`.
    pub name: String,
    /// The node kind.
    pub kind: String,
    /// The captured text, clipped.
    pub text: String,
    /// 1-based; columns count bytes.
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn compile(lang: Lang, source: &str) -> Result<Query> {
    // tree-sitter 0.20's binding can panic while describing some errors
    // (an unterminated node name at the very end): that is a bad query too.
    let compiled =
        std::panic::catch_unwind(|| Query::new(lang.grammar(), source)).map_err(|_| {
            Error::new(
                ErrorCode::BadQuery,
                format!(
                    "invalid {} query: check that parentheses are balanced and node names exist",
                    lang.name()
                ),
            )
        })?;
    let query = compiled.map_err(|e| {
        Error::new(
            ErrorCode::BadQuery,
            format!(
                "invalid {} query at line {}, column {} ({:?} error): {}",
                lang.name(),
                e.row + 1,
                e.column + 1,
                e.kind,
                e.message.trim()
            ),
        )
    })?;
    if query.pattern_count() == 0 {
        return Err(Error::new(ErrorCode::BadQuery, "the query has no patterns"));
    }
    if query.capture_names().is_empty() {
        return Err(Error::new(
            ErrorCode::BadQuery,
            "the query captures nothing: name the nodes you want, e.g. (function_declaration name: (identifier) @name)",
        ));
    }
    Ok(query)
}

/// Captures of `query` in one file, at most `limit` of them.
pub fn captures(query: &Query, tree: &Tree, text: &[u8], file: &str, limit: usize) -> Vec<Capture> {
    let mut out = Vec::new();
    let names = query.capture_names();
    let mut cursor = QueryCursor::new();
    for m in cursor.matches(query, tree.root_node(), text) {
        for c in m.captures {
            if out.len() >= limit {
                return out;
            }
            let node = c.node;
            let (start, end) = (node.start_position(), node.end_position());
            out.push(Capture {
                file: file.to_string(),
                name: names[c.index as usize].clone(),
                kind: node.kind().to_string(),
                text: clip(node.utf8_text(text).unwrap_or(""), TEXT_CHARS),
                start_line: start.row + 1,
                start_column: start.column + 1,
                end_line: end.row + 1,
                end_column: end.column + 1,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::SourceParser;

    #[test]
    fn captures_with_ranges_and_predicates() {
        let src = "function a() {}\nfunction bb() {}\n";
        let tree = SourceParser::default()
            .parse(Lang::JavaScript, src.as_bytes())
            .unwrap();
        let q = compile(
            Lang::JavaScript,
            "(function_declaration name: (identifier) @fn (#eq? @fn \"bb\"))",
        )
        .unwrap();
        let caps = captures(&q, &tree, src.as_bytes(), "x.js", 10);
        assert_eq!(caps.len(), 1);
        assert_eq!(caps[0].text, "bb");
        assert_eq!(
            (caps[0].start_line, caps[0].start_column, caps[0].end_column),
            (2, 10, 12)
        );
        let all = compile(Lang::JavaScript, "(identifier) @id").unwrap();
        assert_eq!(captures(&all, &tree, src.as_bytes(), "x.js", 1).len(), 1);
    }

    #[test]
    fn bad_queries_are_clear_errors() {
        let err = compile(Lang::Python, "(function_definition name: (identifier) @n").unwrap_err();
        assert_eq!(err.code, ErrorCode::BadQuery);
        assert!(err.message.contains("line 1"), "{}", err.message);
        let err = compile(Lang::Python, "(no_such_node) @n").unwrap_err();
        assert!(err.message.contains("NodeType"), "{}", err.message);
        let err = compile(Lang::Python, "(oops").unwrap_err();
        assert_eq!(err.code, ErrorCode::BadQuery);
        let err = compile(Lang::Python, "(identifier)").unwrap_err();
        assert!(err.message.contains("captures nothing"), "{}", err.message);
    }
}
