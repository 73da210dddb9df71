//! JSON: the keys of the top-level object.

use super::{named_children, Cx, Symbol, SymbolKind};
use tree_sitter::Node;

pub(super) fn items(cx: &Cx, root: Node, out: &mut Vec<Symbol>) {
    let Some(object) = named_children(root)
        .into_iter()
        .find(|n| n.kind() == "object")
    else {
        return;
    };
    for pair in named_children(object) {
        if pair.kind() != "pair" {
            continue;
        }
        if let Some(key) = pair.child_by_field_name("key") {
            let name = cx.name(key).trim_matches('"').to_string();
            out.push(cx.symbol(SymbolKind::Key, name, pair, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::outline::test_support::{outline_of, render};

    #[test]
    fn json_top_level_keys() {
        let src = "{\n  \"name\": \"x\",\n  \"scripts\": {\n    \"a\": \"b\"\n  }\n}\n";
        assert_eq!(
            render(&outline_of(Lang::Json, src)),
            "key name 2-2\nkey scripts 3-5\n"
        );
    }
}
