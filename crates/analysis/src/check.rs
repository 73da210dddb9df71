//! Syntax check: where the parser had to recover (ERROR nodes) or invent a
//! token (MISSING nodes), with a line, a column and the line's text. Only the
//! outermost error of a region is reported; a file gets at most
//! [`MAX_ERRORS`] entries.

use crate::source::{clip, line_at};
use serde::Serialize;
use tree_sitter::Tree;

pub const MAX_ERRORS: usize = 20;
const SNIPPET_CHARS: usize = 40;
const CONTEXT_CHARS: usize = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    Error,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// 1-based line and column (the column counts bytes).
    pub line: usize,
    pub column: usize,
    pub kind: ErrorKind,
    pub message: String,
    /// The text of the line, trimmed.
    pub context: String,
}

/// The syntax errors of a parsed file, in document order, and whether more
/// than [`MAX_ERRORS`] were found.
pub fn check(tree: &Tree, text: &[u8]) -> (Vec<SyntaxError>, bool) {
    let mut errors = Vec::new();
    let root = tree.root_node();
    if !root.has_error() {
        return (errors, false);
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let kind = if node.is_missing() {
            ErrorKind::Missing
        } else if node.is_error() {
            ErrorKind::Error
        } else {
            if node.has_error() {
                let mut cursor = node.walk();
                let children: Vec<_> = node.children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
            continue;
        };
        if errors.len() == MAX_ERRORS {
            return (errors, true);
        }
        let at = node.start_position();
        let message = match kind {
            ErrorKind::Missing => format!("missing `{}`", node.kind()),
            ErrorKind::Error => {
                let snippet = node.utf8_text(text).unwrap_or("");
                let first = snippet
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("");
                if first.is_empty() {
                    "syntax error".to_string()
                } else {
                    format!("unexpected `{}`", clip(first, SNIPPET_CHARS))
                }
            }
        };
        errors.push(SyntaxError {
            line: at.row + 1,
            column: at.column + 1,
            kind,
            message,
            context: line_at(text, at.row, CONTEXT_CHARS),
        });
    }
    (errors, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::parse::SourceParser;

    fn errors(lang: Lang, src: &str) -> (Vec<SyntaxError>, bool) {
        let tree = SourceParser::default().parse(lang, src.as_bytes()).unwrap();
        check(&tree, src.as_bytes())
    }

    #[test]
    fn valid_code_has_no_errors() {
        for (lang, src) in [
            (Lang::TypeScript, "const a: number = 1;\n"),
            (Lang::Python, "def f():\n    return 1\n"),
            (Lang::Go, "package a\nfunc f() {}\n"),
            (Lang::Rust, "fn f() {}\n"),
            (Lang::Json, "{\"a\": [1, 2]}"),
        ] {
            assert_eq!(errors(lang, src), (vec![], false), "{}", lang.name());
        }
    }

    #[test]
    fn broken_code_reports_position_and_context() {
        let (errs, truncated) = errors(Lang::TypeScript, "function f() {\n  let x = ;\n}\n");
        assert!(!truncated);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].line, 2);
        assert_eq!(errs[0].context, "let x = ;");
        let (errs, _) = errors(Lang::Python, "def f(:\n    pass\n");
        assert!(!errs.is_empty());
        assert_eq!(errs[0].line, 1);
        let (errs, _) = errors(Lang::Go, "package a\nfunc f( {\n}\n");
        assert!(!errs.is_empty());
        let (errs, _) = errors(Lang::Rust, "fn main() { let x = 1 }\n");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].kind, ErrorKind::Missing);
        assert_eq!(errs[0].message, "missing `;`");
        assert_eq!((errs[0].line, errs[0].column), (1, 22));
    }

    #[test]
    fn error_count_is_capped() {
        let src = "let = ;\n".repeat(100);
        let (errs, truncated) = errors(Lang::JavaScript, &src);
        assert_eq!(errs.len(), MAX_ERRORS);
        assert!(truncated);
    }
}
