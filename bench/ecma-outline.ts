// The outline extraction of crates/analysis/src/outline/ecma.rs, written once
// over a minimal node interface so web-tree-sitter and @ast-grep/napi run the
// very same walk in the benchmark. Counts must match the addon's.

export interface Node {
  kind(): string
  field(name: string): Node | null
  named(): Node[]
  firstChildText(): string | null
  text(): string
  startRow(): number
  endRow(): number
}

export interface Sym {
  kind: string
  name: string
  startLine: number
  endLine: number
  exported: boolean
  children: Sym[]
}

const FUNCTION_VALUES = new Set(["function_expression", "function", "generator_function", "arrow_function"])

function sym(kind: string, name: string, node: Node, exported: boolean): Sym {
  return { kind, name, startLine: node.startRow() + 1, endLine: node.endRow() + 1, exported, children: [] }
}

function nameOf(node: Node, field = "name"): string | null {
  const n = node.field(field)
  return n ? n.text().split(/\s+/).join(" ") : null
}

export function outline(root: Node): Sym[] {
  const out: Sym[] = []
  items(root, false, 0, out)
  return out
}

function items(container: Node, ambient: boolean, depth: number, out: Sym[]): void {
  if (depth > 48) return
  for (const child of container.named()) {
    if (child.kind() === "export_statement") exportStatement(child, depth, out)
    else declaration(child, ambient, ambient, depth, out)
  }
}

function exportStatement(node: Node, depth: number, out: Sym[]): void {
  const decl = node.field("declaration")
  if (decl) {
    declaration(decl, true, false, depth, out)
    return
  }
  const value = node.field("value")
  if (!value) return
  const name = nameOf(value) ?? "default"
  if (FUNCTION_VALUES.has(value.kind())) out.push(sym("function", name, node, true))
  else if (value.kind() === "class") {
    const c = sym("class", name, node, true)
    c.children = members(value.field("body"), true)
    out.push(c)
  }
}

function declaration(node: Node, exported: boolean, ambient: boolean, depth: number, out: Sym[]): void {
  const named = (kind: string): Sym | null => {
    const name = nameOf(node)
    return name === null ? null : sym(kind, name, node, exported)
  }
  let s: Sym | null = null
  switch (node.kind()) {
    case "function_declaration":
    case "generator_function_declaration":
    case "function_signature":
      s = named("function")
      break
    case "class_declaration":
    case "abstract_class_declaration":
      s = named("class")
      if (s) s.children = members(node.field("body"), exported)
      break
    case "interface_declaration":
      s = named("interface")
      if (s) s.children = members(node.field("body"), exported)
      break
    case "type_alias_declaration":
      s = named("type")
      break
    case "enum_declaration":
      s = named("enum")
      break
    case "internal_module":
    case "module": {
      s = named("module")
      const body = node.field("body")
      if (s && body) items(body, ambient, depth + 1, s.children)
      break
    }
    case "expression_statement": {
      const inner = node.named()[0]
      if (inner && inner.kind() === "internal_module") declaration(inner, exported, ambient, depth, out)
      break
    }
    case "lexical_declaration":
    case "variable_declaration":
      variables(node, exported, out)
      break
    case "ambient_declaration":
      for (const inner of node.named()) {
        if (inner.kind() === "statement_block") {
          const g = sym("module", "global", node, exported)
          items(inner, true, depth + 1, g.children)
          out.push(g)
        } else declaration(inner, exported, true, depth, out)
      }
      break
  }
  if (s) out.push(s)
}

function variables(node: Node, exported: boolean, out: Sym[]): void {
  const isConst = node.kind() === "lexical_declaration" && node.firstChildText() === "const"
  for (const d of node.named()) {
    if (d.kind() !== "variable_declarator") continue
    const name = d.field("name")
    if (name?.kind() !== "identifier") continue
    const value = d.field("value")
    const vk = value?.kind()
    const kind = vk && FUNCTION_VALUES.has(vk) ? "function" : vk === "class" ? "class" : isConst ? "constant" : "variable"
    const s = sym(kind, name.text(), d, exported)
    s.startLine = node.startRow() + 1
    if (kind === "class" && value) s.children = members(value.field("body"), exported)
    out.push(s)
  }
}

function members(body: Node | null, parentExported: boolean): Sym[] {
  if (!body) return []
  const out: Sym[] = []
  for (const m of body.named()) {
    const k = m.kind()
    let kind: string
    let field = "name"
    if (k === "method_definition" || k === "method_signature" || k === "abstract_method_signature") kind = "method"
    else if (k === "public_field_definition" || k === "property_signature") kind = "property"
    else if (k === "field_definition") {
      kind = "property"
      field = "property"
    } else continue
    const nameNode = m.field(field)
    if (!nameNode) continue
    const isPrivate = nameNode.kind() === "private_property_identifier" || m.named().some((c) => c.kind() === "accessibility_modifier" && c.text() !== "public")
    out.push(sym(kind, nameNode.text().split(/\s+/).join(" "), m, parentExported && !isPrivate))
  }
  return out
}

export function count(symbols: readonly { children?: readonly unknown[] }[]): number {
  let n = 0
  for (const s of symbols) n += 1 + count((s.children ?? []) as { children?: readonly unknown[] }[])
  return n
}
