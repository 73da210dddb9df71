//! Go declarations: functions, methods (named `Receiver.Method`), types
//! (struct, interface with its methods, others), constants and variables.
//! Exported means the name starts with an upper-case letter.

use super::{named_children, Cx, Symbol, SymbolKind};
use tree_sitter::Node;

pub(super) fn items(cx: &Cx, root: Node, out: &mut Vec<Symbol>) {
    for child in named_children(root) {
        match child.kind() {
            "function_declaration" => {
                if let Some(name) = cx.field_name(child, "name") {
                    out.push(symbol(cx, SymbolKind::Function, name, child));
                }
            }
            "method_declaration" => {
                let Some(name) = cx.field_name(child, "name") else {
                    continue;
                };
                let exported = is_exported(&name);
                let full = match receiver_type(cx, child) {
                    Some(recv) => format!("{recv}.{name}"),
                    None => name,
                };
                out.push(cx.symbol(SymbolKind::Method, full, child, exported));
            }
            "type_declaration" => {
                for spec in named_children(child) {
                    if matches!(spec.kind(), "type_spec" | "type_alias") {
                        type_spec(cx, spec, out);
                    }
                }
            }
            "const_declaration" => specs(cx, child, "const_spec", SymbolKind::Constant, out),
            "var_declaration" => specs(cx, child, "var_spec", SymbolKind::Variable, out),
            _ => {}
        }
    }
}

fn symbol(cx: &Cx, kind: SymbolKind, name: String, node: Node) -> Symbol {
    let exported = is_exported(&name);
    cx.symbol(kind, name, node, exported)
}

fn type_spec(cx: &Cx, spec: Node, out: &mut Vec<Symbol>) {
    let Some(name) = cx.field_name(spec, "name") else {
        return;
    };
    let ty = spec.child_by_field_name("type");
    let kind = match ty.map(|t| t.kind()) {
        Some("struct_type") if spec.kind() == "type_spec" => SymbolKind::Struct,
        Some("interface_type") if spec.kind() == "type_spec" => SymbolKind::Interface,
        _ => SymbolKind::Type,
    };
    let mut symbol = symbol(cx, kind, name, spec);
    if let (SymbolKind::Interface, Some(ty)) = (kind, ty) {
        for elem in named_children(ty) {
            if elem.kind() == "method_elem" {
                if let Some(name) = cx.field_name(elem, "name") {
                    let method = self::symbol(cx, SymbolKind::Method, name, elem);
                    symbol.children.push(method);
                }
            }
        }
    }
    out.push(symbol);
}

/// `const (...)`/`var (...)` groups: one symbol per declared name.
fn specs(cx: &Cx, decl: Node, spec_kind: &str, kind: SymbolKind, out: &mut Vec<Symbol>) {
    for child in named_children(decl) {
        let specs = if child.kind() == spec_kind {
            vec![child]
        } else {
            named_children(child)
                .into_iter()
                .filter(|n| n.kind() == spec_kind)
                .collect()
        };
        for spec in specs {
            let mut cursor = spec.walk();
            for name in spec.children_by_field_name("name", &mut cursor) {
                if name.kind() == "identifier" {
                    out.push(symbol(cx, kind, cx.name(name), spec));
                }
            }
        }
    }
}

/// `func (s *Server[T]) Start()` → `Server`.
fn receiver_type(cx: &Cx, method: Node) -> Option<String> {
    let receiver = method.child_by_field_name("receiver")?;
    let param = named_children(receiver)
        .into_iter()
        .find(|n| n.kind() == "parameter_declaration")?;
    let ty = cx.name(param.child_by_field_name("type")?);
    let ty = ty.trim_start_matches('*');
    Some(ty.split('[').next().unwrap_or(ty).trim().to_string())
}

fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::outline::test_support::{outline_of, render};

    #[test]
    fn go_functions_methods_types_and_values() {
        let src = r#"package server

import "fmt"

const Version = "1"
const (
	a, B = 1, 2
)
var (
	defaultPort = 80
)

type Server struct { port int }
type Handler interface {
	Serve(w Writer) error
	close()
}
type ID = string

func New() *Server { return nil }
func (s *Server) Start() error { return nil }
func (s Server) stop() {}
"#;
        let want = "\
constant Version + 5-5
constant a 7-7
constant B + 7-7
variable defaultPort 10-10
struct Server + 13-13
interface Handler + 14-17
  method Serve + 15-15
  method close 16-16
type ID + 18-18
function New + 20-20
method Server.Start + 21-21
method Server.stop 22-22
";
        assert_eq!(render(&outline_of(Lang::Go, src)), want);
    }
}
