//! Outline: the declarations of a file (functions, classes, methods,
//! interfaces, types, enums, ...) as a tree of [`Symbol`]s with kind, name,
//! line range and whether the symbol is visible outside its module.
//!
//! Each language has its own walker; they descend into containers (classes,
//! namespaces, modules, impls) but never into function bodies, so locals do
//! not show up. Not for references or call graphs: see `repomap`.

mod ecma;
mod go;
mod json;
mod python;
mod rust;

use crate::lang::Lang;
use crate::source::clip;
use serde::Serialize;
use tree_sitter::{Node, Tree};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SymbolKind {
    Function,
    Method,
    Class,
    Interface,
    Type,
    Enum,
    Struct,
    Trait,
    Impl,
    Module,
    Constant,
    Variable,
    Property,
    Macro,
    Key,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Symbol {
    pub kind: SymbolKind,
    pub name: String,
    /// 1-based, inclusive.
    pub start_line: usize,
    pub end_line: usize,
    pub exported: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Symbol>,
}

/// Containers nested deeper than this are not walked (guards the stack).
const MAX_DEPTH: usize = 48;
const MAX_NAME_CHARS: usize = 120;

/// The outline of a parsed file.
pub fn outline(tree: &Tree, text: &[u8], lang: Lang) -> Vec<Symbol> {
    let cx = Cx { text };
    let root = tree.root_node();
    let mut out = Vec::new();
    match lang {
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => {
            ecma::items(&cx, root, false, 0, &mut out)
        }
        Lang::Python => python::items(&cx, root, false, 0, &mut out),
        Lang::Go => go::items(&cx, root, &mut out),
        Lang::Rust => rust::items(&cx, root, rust::Scope::Module, 0, &mut out),
        Lang::Json => json::items(&cx, root, &mut out),
    }
    out
}

/// Every symbol of the tree, parents before children.
pub fn flatten(symbols: &[Symbol]) -> Vec<&Symbol> {
    let mut out = Vec::new();
    let mut stack: Vec<&Symbol> = symbols.iter().rev().collect();
    while let Some(symbol) = stack.pop() {
        out.push(symbol);
        stack.extend(symbol.children.iter().rev());
    }
    out
}

/// What the walkers share: the source text and small node helpers.
pub(crate) struct Cx<'a> {
    pub text: &'a [u8],
}

impl<'a> Cx<'a> {
    pub fn text(&self, node: Node) -> &'a str {
        node.utf8_text(self.text).unwrap_or("")
    }

    /// The node's text on one line, whitespace collapsed, clipped.
    pub fn name(&self, node: Node) -> String {
        let joined = self
            .text(node)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        clip(&joined, MAX_NAME_CHARS)
    }

    pub fn field_name(&self, node: Node, field: &str) -> Option<String> {
        node.child_by_field_name(field).map(|n| self.name(n))
    }

    pub fn symbol(&self, kind: SymbolKind, name: String, node: Node, exported: bool) -> Symbol {
        Symbol {
            kind,
            name,
            start_line: node.start_position().row + 1,
            end_line: node.end_position().row + 1,
            exported,
            children: Vec::new(),
        }
    }
}

pub(crate) fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

pub(crate) fn has_child_kind(node: Node, kind: &str) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(|c| c.kind() == kind);
    found
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::parse::SourceParser;

    pub fn outline_of(lang: Lang, src: &str) -> Vec<Symbol> {
        let tree = SourceParser::default().parse(lang, src.as_bytes()).unwrap();
        outline(&tree, src.as_bytes(), lang)
    }

    /// `kind name [exported] lines` per symbol, children indented.
    pub fn render(symbols: &[Symbol]) -> String {
        fn go(out: &mut String, symbols: &[Symbol], depth: usize) {
            for s in symbols {
                let kind = serde_json::to_string(&s.kind).unwrap();
                out.push_str(&format!(
                    "{}{} {}{} {}-{}\n",
                    "  ".repeat(depth),
                    kind.trim_matches('"'),
                    s.name,
                    if s.exported { " +" } else { "" },
                    s.start_line,
                    s.end_line
                ));
                go(out, &s.children, depth + 1);
            }
        }
        let mut out = String::new();
        go(&mut out, symbols, 0);
        out
    }
}
