//! Rust items: functions, structs, enums, traits (with their methods), impls
//! (named `Type` or `Trait for Type`, with their methods), modules, types,
//! constants, statics and macros. Exported means a `pub` visibility.

use super::{has_child_kind, named_children, Cx, Symbol, SymbolKind, MAX_DEPTH};
use tree_sitter::Node;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Module,
    Impl,
    /// Trait methods are as visible as the trait.
    Trait {
        public: bool,
    },
}

pub(super) fn items(cx: &Cx, list: Node, scope: Scope, depth: usize, out: &mut Vec<Symbol>) {
    if depth > MAX_DEPTH {
        return;
    }
    for item in named_children(list) {
        let public = has_child_kind(item, "visibility_modifier")
            || matches!(scope, Scope::Trait { public: true });
        let named = |kind| {
            cx.field_name(item, "name")
                .map(|name| cx.symbol(kind, name, item, public))
        };
        let symbol = match item.kind() {
            "function_item" if scope == Scope::Module => named(SymbolKind::Function),
            "function_item" | "function_signature_item" => named(SymbolKind::Method),
            "struct_item" | "union_item" => named(SymbolKind::Struct),
            "enum_item" => named(SymbolKind::Enum),
            "type_item" => named(SymbolKind::Type),
            "const_item" => named(SymbolKind::Constant),
            "static_item" => named(SymbolKind::Variable),
            "macro_definition" => named(SymbolKind::Macro),
            "trait_item" => named(SymbolKind::Trait).map(|mut t| {
                if let Some(body) = item.child_by_field_name("body") {
                    items(
                        cx,
                        body,
                        Scope::Trait { public },
                        depth + 1,
                        &mut t.children,
                    );
                }
                t
            }),
            "mod_item" => named(SymbolKind::Module).map(|mut m| {
                if let Some(body) = item.child_by_field_name("body") {
                    items(cx, body, Scope::Module, depth + 1, &mut m.children);
                }
                m
            }),
            "impl_item" => impl_name(cx, item).map(|name| {
                let mut imp = cx.symbol(SymbolKind::Impl, name, item, false);
                if let Some(body) = item.child_by_field_name("body") {
                    items(cx, body, Scope::Impl, depth + 1, &mut imp.children);
                }
                imp
            }),
            _ => None,
        };
        out.extend(symbol);
    }
}

fn impl_name(cx: &Cx, item: Node) -> Option<String> {
    let ty = cx.field_name(item, "type")?;
    Some(match cx.field_name(item, "trait") {
        Some(tr) => format!("{tr} for {ty}"),
        None => ty,
    })
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::outline::test_support::{outline_of, render};

    #[test]
    fn rust_items_impls_and_traits() {
        let src = r#"use std::fmt;
pub struct Point { x: i32 }
enum Mode { A, B }
pub trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> String { String::new() }
}
impl Point {
    pub fn new() -> Self { fn helper() {} Point { x: 0 } }
    fn private(&self) {}
}
impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) }
}
pub mod inner { pub const MAX: u32 = 1; static mut COUNT: u32 = 0; }
type Res<T> = Result<T, ()>;
macro_rules! m { () => {} }
fn main() {}
"#;
        let want = "\
struct Point + 2-2
enum Mode 3-3
trait Shape + 4-7
  method area + 5-5
  method name + 6-6
impl Point 8-11
  method new + 9-9
  method private 10-10
impl fmt::Display for Point 12-14
  method fmt 13-13
module inner + 15-15
  constant MAX + 15-15
  variable COUNT 15-15
type Res 16-16
macro m 17-17
function main 18-18
";
        assert_eq!(render(&outline_of(Lang::Rust, src)), want);
    }
}
