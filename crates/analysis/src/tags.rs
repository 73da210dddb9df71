//! Tags of a file for the repo map: the definitions it makes (from the
//! outline) and the identifiers it mentions, counted.

use crate::lang::Lang;
use crate::outline::{outline, Symbol, SymbolKind};
use crate::source::Lines;
use crate::walk::preorder;
use std::collections::HashMap;
use tree_sitter::Tree;

const LABEL_CHARS: usize = 100;
const MAX_IDENT_BYTES: usize = 64;

#[derive(Debug, Clone)]
pub struct Definition {
    /// The identifier other files use to refer to it.
    pub ident: String,
    pub kind: SymbolKind,
    /// 1-based.
    pub line: usize,
    /// Nesting depth in the outline (0 = top level).
    pub depth: usize,
    /// The source line that declares it, trimmed and clipped.
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct FileTags {
    pub definitions: Vec<Definition>,
    /// Identifier → number of occurrences.
    pub references: HashMap<String, u32>,
}

pub fn tags(tree: &Tree, text: &[u8], lang: Lang) -> FileTags {
    let definitions = definitions(tree, text, lang);
    let ident_kinds = identifier_kinds(lang);
    let mut references: HashMap<String, u32> = HashMap::new();
    if !ident_kinds.is_empty() {
        preorder(tree.root_node(), |node| {
            if node.child_count() == 0 && ident_kinds.contains(&node.kind()) {
                let range = node.byte_range();
                if range.len() <= MAX_IDENT_BYTES {
                    if let Ok(name) = std::str::from_utf8(&text[range]) {
                        match references.get_mut(name) {
                            Some(count) => *count += 1,
                            None => {
                                references.insert(name.to_string(), 1);
                            }
                        }
                    }
                }
            }
            true
        });
    }
    // A definition's own name is not a reference to it.
    for def in &definitions {
        if let Some(count) = references.get_mut(&def.ident) {
            *count -= 1;
            if *count == 0 {
                references.remove(&def.ident);
            }
        }
    }
    FileTags {
        definitions,
        references,
    }
}

/// The definitions a file makes, from its outline (also used by `symbols`).
pub fn definitions(tree: &Tree, text: &[u8], lang: Lang) -> Vec<Definition> {
    let mut definitions = Vec::new();
    collect_definitions(
        &outline(tree, text, lang),
        0,
        &Lines::new(text),
        &mut definitions,
    );
    definitions
}

/// Leaf node kinds that are identifiers (names used or declared) in `lang`.
pub fn identifier_kinds(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => &[
            "identifier",
            "type_identifier",
            "property_identifier",
            "shorthand_property_identifier",
        ],
        Lang::Python => &["identifier"],
        Lang::Go | Lang::Rust => &["identifier", "type_identifier", "field_identifier"],
        Lang::Json => &[],
    }
}

fn collect_definitions(symbols: &[Symbol], depth: usize, lines: &Lines, out: &mut Vec<Definition>) {
    for symbol in symbols {
        // Impl blocks name other types; `mod x;` only points at another file.
        let declaration_only = symbol.kind == SymbolKind::Module && symbol.children.is_empty();
        if !matches!(symbol.kind, SymbolKind::Impl | SymbolKind::Key) && !declaration_only {
            // `Server.Start` (Go methods) is referred to as `Start`.
            let ident = symbol.name.rsplit('.').next().unwrap_or(&symbol.name);
            let quoted = ident.starts_with(['"', '\'']);
            if !ident.is_empty() && !quoted {
                out.push(Definition {
                    ident: ident.to_string(),
                    kind: symbol.kind,
                    line: symbol.start_line,
                    depth,
                    label: lines.get(symbol.start_line - 1, LABEL_CHARS),
                });
            }
        }
        collect_definitions(&symbol.children, depth + 1, lines, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::SourceParser;

    #[test]
    fn definitions_and_reference_counts() {
        let src = "import { helper } from './h';\nexport class Cart {\n  total(): number { return helper(this.items) + helper(1); }\n}\n";
        let tree = SourceParser::default()
            .parse(Lang::TypeScript, src.as_bytes())
            .unwrap();
        let tags = tags(&tree, src.as_bytes(), Lang::TypeScript);
        let defs: Vec<(&str, usize, usize)> = tags
            .definitions
            .iter()
            .map(|d| (d.ident.as_str(), d.line, d.depth))
            .collect();
        assert_eq!(defs, [("Cart", 2, 0), ("total", 3, 1)]);
        assert_eq!(
            tags.definitions[1].label,
            "total(): number { return helper(this.items) + helper(1); }"
        );
        assert_eq!(tags.references.get("helper"), Some(&3));
        assert_eq!(tags.references.get("Cart"), None, "the definition itself");
        assert_eq!(tags.references.get("items"), Some(&1));
    }
}
