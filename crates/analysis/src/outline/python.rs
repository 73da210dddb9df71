//! Python declarations: functions, classes, methods, module constants and
//! class attributes. A leading underscore means not exported (dunders are).

use super::{named_children, Cx, Symbol, SymbolKind, MAX_DEPTH};
use tree_sitter::Node;

pub(super) fn items(cx: &Cx, block: Node, in_class: bool, depth: usize, out: &mut Vec<Symbol>) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in named_children(block) {
        // A decorated definition spans its decorators.
        let (def, outer) = if child.kind() == "decorated_definition" {
            match child.child_by_field_name("definition") {
                Some(def) => (def, child),
                None => continue,
            }
        } else {
            (child, child)
        };
        match def.kind() {
            "function_definition" => {
                let Some(name) = cx.field_name(def, "name") else {
                    continue;
                };
                let kind = if in_class {
                    SymbolKind::Method
                } else {
                    SymbolKind::Function
                };
                let public = is_public(&name);
                out.push(cx.symbol(kind, name, outer, public));
            }
            "class_definition" => {
                let Some(name) = cx.field_name(def, "name") else {
                    continue;
                };
                let public = is_public(&name);
                let mut class = cx.symbol(SymbolKind::Class, name, outer, public);
                if let Some(body) = def.child_by_field_name("body") {
                    items(cx, body, true, depth + 1, &mut class.children);
                }
                out.push(class);
            }
            "expression_statement" => {
                let Some(assign) = def.named_child(0).filter(|n| n.kind() == "assignment") else {
                    continue;
                };
                let Some(left) = assign
                    .child_by_field_name("left")
                    .filter(|n| n.kind() == "identifier")
                else {
                    continue;
                };
                let name = cx.name(left);
                let kind = if in_class {
                    SymbolKind::Property
                } else if is_constant_name(&name) {
                    SymbolKind::Constant
                } else {
                    SymbolKind::Variable
                };
                let public = is_public(&name);
                out.push(cx.symbol(kind, name, def, public));
            }
            _ => {}
        }
    }
}

fn is_public(name: &str) -> bool {
    !name.starts_with('_') || (name.starts_with("__") && name.ends_with("__") && name.len() > 4)
}

fn is_constant_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::outline::test_support::{outline_of, render};

    #[test]
    fn python_classes_methods_and_module_names() {
        let src = r#"import os
MAX_SIZE = 10
_cache = {}

@dataclass
class User(Base):
    role = "admin"
    def __init__(self):
        self.x = 1
    def _private(self):
        def local(): pass
    @property
    def name(self):
        return "n"

async def fetch(url):
    pass
"#;
        let want = "\
constant MAX_SIZE + 2-2
variable _cache 3-3
class User + 5-14
  property role + 7-7
  method __init__ + 8-9
  method _private 10-11
  method name + 12-14
function fetch + 16-17
";
        assert_eq!(render(&outline_of(Lang::Python, src)), want);
    }
}
