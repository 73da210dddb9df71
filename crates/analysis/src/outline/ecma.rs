//! TypeScript, TSX and JavaScript declarations (one grammar family).

use super::{named_children, Cx, Symbol, SymbolKind, MAX_DEPTH};
use tree_sitter::Node;

/// Declarations directly in `container` (a program, namespace body or
/// statement block). `ambient`: inside `declare module`/`declare namespace`,
/// where every declaration is visible without `export`.
pub(super) fn items(cx: &Cx, container: Node, ambient: bool, depth: usize, out: &mut Vec<Symbol>) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in named_children(container) {
        match child.kind() {
            "export_statement" => export(cx, child, depth, out),
            _ => declaration(cx, child, ambient, ambient, depth, out),
        }
    }
}

fn export(cx: &Cx, node: Node, depth: usize, out: &mut Vec<Symbol>) {
    if let Some(decl) = node.child_by_field_name("declaration") {
        declaration(cx, decl, true, false, depth, out);
        return;
    }
    // `export default function () {}`, `export default class {}`.
    let Some(value) = node.child_by_field_name("value") else {
        return;
    };
    let name = cx
        .field_name(value, "name")
        .unwrap_or_else(|| "default".to_string());
    match value.kind() {
        "function_expression" | "function" | "generator_function" | "arrow_function" => {
            out.push(cx.symbol(SymbolKind::Function, name, node, true));
        }
        "class" => {
            let mut class = cx.symbol(SymbolKind::Class, name, node, true);
            class.children = members(cx, value.child_by_field_name("body"), true);
            out.push(class);
        }
        _ => {}
    }
}

fn declaration(
    cx: &Cx,
    node: Node,
    exported: bool,
    ambient: bool,
    depth: usize,
    out: &mut Vec<Symbol>,
) {
    let named = |kind| {
        cx.field_name(node, "name")
            .map(|name| cx.symbol(kind, name, node, exported))
    };
    let symbol = match node.kind() {
        "function_declaration" | "generator_function_declaration" | "function_signature" => {
            named(SymbolKind::Function)
        }
        "class_declaration" | "abstract_class_declaration" => {
            named(SymbolKind::Class).map(|mut class| {
                class.children = members(cx, node.child_by_field_name("body"), exported);
                class
            })
        }
        "interface_declaration" => named(SymbolKind::Interface).map(|mut iface| {
            iface.children = members(cx, node.child_by_field_name("body"), exported);
            iface
        }),
        "type_alias_declaration" => named(SymbolKind::Type),
        "enum_declaration" => named(SymbolKind::Enum),
        "internal_module" | "module" => named(SymbolKind::Module).map(|mut module| {
            if let Some(body) = node.child_by_field_name("body") {
                items(cx, body, ambient, depth + 1, &mut module.children);
            }
            module
        }),
        "lexical_declaration" | "variable_declaration" => {
            variables(cx, node, exported, out);
            None
        }
        // `namespace X {}` parses as an expression statement.
        "expression_statement" => {
            if let Some(inner) = node
                .named_child(0)
                .filter(|n| n.kind() == "internal_module")
            {
                declaration(cx, inner, exported, ambient, depth, out);
            }
            None
        }
        "ambient_declaration" => {
            for inner in named_children(node) {
                if inner.kind() == "statement_block" {
                    // `declare global { ... }`
                    let mut global =
                        cx.symbol(SymbolKind::Module, "global".to_string(), node, exported);
                    items(cx, inner, true, depth + 1, &mut global.children);
                    out.push(global);
                } else {
                    declaration(cx, inner, exported, true, depth, out);
                }
            }
            None
        }
        _ => None,
    };
    out.extend(symbol);
}

fn variables(cx: &Cx, node: Node, exported: bool, out: &mut Vec<Symbol>) {
    let is_const = node.kind() == "lexical_declaration"
        && node.child(0).is_some_and(|first| cx.text(first) == "const");
    for declarator in named_children(node) {
        if declarator.kind() != "variable_declarator" {
            continue;
        }
        let Some(name) = declarator.child_by_field_name("name") else {
            continue;
        };
        if name.kind() != "identifier" {
            continue; // destructuring: no single name to show
        }
        let value = declarator.child_by_field_name("value");
        let kind = match value.map(|v| v.kind()) {
            Some("arrow_function" | "function_expression" | "function" | "generator_function") => {
                SymbolKind::Function
            }
            Some("class") => SymbolKind::Class,
            _ if is_const => SymbolKind::Constant,
            _ => SymbolKind::Variable,
        };
        let mut symbol = cx.symbol(kind, cx.name(name), declarator, exported);
        symbol.start_line = node.start_position().row + 1;
        if let (SymbolKind::Class, Some(class)) = (kind, value) {
            symbol.children = members(cx, class.child_by_field_name("body"), exported);
        }
        out.push(symbol);
    }
}

/// Methods and properties of a class or interface body.
fn members(cx: &Cx, body: Option<Node>, parent_exported: bool) -> Vec<Symbol> {
    let Some(body) = body else { return Vec::new() };
    let mut out = Vec::new();
    for member in named_children(body) {
        let (kind, field) = match member.kind() {
            "method_definition" | "method_signature" | "abstract_method_signature" => {
                (SymbolKind::Method, "name")
            }
            "public_field_definition" | "property_signature" => (SymbolKind::Property, "name"),
            "field_definition" => (SymbolKind::Property, "property"),
            _ => continue,
        };
        let Some(name_node) = member.child_by_field_name(field) else {
            continue;
        };
        let private = name_node.kind() == "private_property_identifier"
            || named_children(member)
                .iter()
                .any(|c| c.kind() == "accessibility_modifier" && cx.text(*c) != "public");
        out.push(cx.symbol(
            kind,
            cx.name(name_node),
            member,
            parent_exported && !private,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;
    use crate::outline::test_support::{outline_of, render};

    #[test]
    fn typescript_declarations_nest_and_know_exports() {
        let src = r#"
import { x } from "./x";
export function top(a: number): number { function inner() {} return a; }
function hidden() {}
export default class {
  run() {}
}
export abstract class Shape {
  private secret = 1;
  protected guarded(): void {}
  area(): number { return 0; }
  #hash = 2;
  abstract name(): string;
}
export interface Point { x: number; move(dx: number): void }
type Alias = string | number;
export enum Color { Red, Green }
export const handler = async (e: Event) => {};
let counter = 0;
const { a, b } = obj;
namespace Inner { export function f() {} function g() {} }
"#;
        let got = render(&outline_of(Lang::TypeScript, src));
        let want = "\
function top + 3-3
function hidden 4-4
class default + 5-7
  method run + 6-6
class Shape + 8-14
  property secret 9-9
  method guarded 10-10
  method area + 11-11
  property #hash 12-12
  method name + 13-13
interface Point + 15-15
  property x + 15-15
  method move + 15-15
type Alias 16-16
enum Color + 17-17
function handler + 18-18
variable counter 19-19
module Inner 21-21
  function f + 21-21
  function g 21-21
";
        assert_eq!(got, want);
    }

    #[test]
    fn declaration_files_show_ambient_declarations() {
        let src = r#"
declare var Array: ArrayConstructor;
declare function parseInt(s: string): number;
interface ArrayConstructor { isArray(a: any): boolean; }
declare namespace Intl { interface Collator { compare(x: string): number } }
declare module "fs" { export function readFile(): void; function inner(): void; }
declare global { interface Window { app: App } }
"#;
        let got = render(&outline_of(Lang::TypeScript, src));
        let want = "\
variable Array 2-2
function parseInt 3-3
interface ArrayConstructor 4-4
  method isArray 4-4
module Intl 5-5
  interface Collator + 5-5
    method compare + 5-5
module \"fs\" 6-6
  function readFile + 6-6
  function inner + 6-6
module global 7-7
  interface Window + 7-7
    property app + 7-7
";
        assert_eq!(got, want);
    }

    #[test]
    fn javascript_and_tsx() {
        let js = "export class A { #p = 1; q = 2; static make() {} }\nmodule.exports = A;\nexport default function () {}\nconst B = class { m() {} };\n";
        let want = "\
class A + 1-1
  property #p 1-1
  property q + 1-1
  method make + 1-1
function default + 3-3
class B 4-4
  method m 4-4
";
        assert_eq!(render(&outline_of(Lang::JavaScript, js)), want);
        let tsx = "export function App(): JSX.Element { return <div className=\"a\">{1}</div>; }\n";
        assert_eq!(render(&outline_of(Lang::Tsx, tsx)), "function App + 1-1\n");
    }
}
