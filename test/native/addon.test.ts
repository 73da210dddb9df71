// The built addon, called from Node through src/native: every function, every
// language, and the error paths. Requires `npm run build:native` first.
import { symlinkSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  checkSyntax,
  imports,
  languages,
  NativeError,
  nativeStatus,
  type OutlineSymbol,
  outline,
  query,
  repoMap,
  repoMapReport,
} from "../../src/native/index.js"
import { EXPORTS, load } from "../../src/native/load.js"
import { makeProject } from "./fixture.js"

let root = ""
let cleanup = (): void => {}

beforeAll(() => {
  const status = nativeStatus()
  if (!status.available) throw new Error(status.reason)
  ;({ root, cleanup } = makeProject({ "big.ts": `export const x = "${"a".repeat(3 * 1024 * 1024)}";\n` }))
  symlinkSync("/etc", `${root}/escape`)
})
afterAll(() => cleanup())

/** `kind name` of each symbol, children indented — compact to compare. */
function names(symbols: readonly OutlineSymbol[], depth = 0): string[] {
  return symbols.flatMap((s) => [`${"  ".repeat(depth)}${s.exported ? "+" : "-"}${s.kind} ${s.name}`, ...names(s.children ?? [], depth + 1)])
}

async function rejection(promise: Promise<unknown>): Promise<NativeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(NativeError)
  return error as NativeError
}

describe("status", () => {
  it("reports the loaded addon and its languages", () => {
    const status = nativeStatus()
    expect(status.available).toBe(true)
    if (!status.available) return
    expect(status.path).toMatch(/analysis\.[a-z0-9-]+\.node$/)
    expect(status.languages).toEqual(["typescript", "tsx", "javascript", "python", "go", "rust", "json"])
    expect(languages().maxBytes).toBe(2 * 1024 * 1024)
  })
})

describe("outline", () => {
  it("extracts nested symbols with kinds, lines and exports for every language", async () => {
    const files = [
      "src/app.ts",
      "src/view.tsx",
      "lib/legacy.js",
      "py/pkg/service.py",
      "py/pkg/models.py",
      "go/store/store.go",
      "rs/src/parser.rs",
      "data/config.json",
    ]
    const report = await outline(root, files)
    expect(report.skipped).toEqual([])
    const byFile = Object.fromEntries(report.files.map((f) => [f.file, f]))
    expect(report.files.map((f) => f.file)).toEqual(files)
    expect(byFile["src/app.ts"]?.language).toBe("typescript")
    expect(names(byFile["src/app.ts"]?.symbols ?? [])).toEqual([
      "+interface Config",
      "  +property name",
      "  +method run",
      "+class App",
      "  -property secret",
      "  +method start",
      "+function main",
      "+type Id",
      "+enum Mode",
      "-function local",
    ])
    const app = byFile["src/app.ts"]?.symbols[1]
    expect(app).toMatchObject({ kind: "class", name: "App", startLine: 4, endLine: 7 })
    expect(names(byFile["src/view.tsx"]?.symbols ?? [])).toEqual(["+function View"])
    expect(names(byFile["lib/legacy.js"]?.symbols ?? [])).toEqual(["-constant path", "-constant helpers", "-class Legacy", "  -method run"])
    expect(names(byFile["py/pkg/service.py"]?.symbols ?? [])).toEqual(["+function create_user", "-variable _private"])
    expect(names(byFile["py/pkg/models.py"]?.symbols ?? [])).toEqual(["+class User", "  +method save"])
    expect(names(byFile["go/store/store.go"]?.symbols ?? [])).toEqual(["+struct Store", "+function Open", "+method Store.Get"])
    expect(names(byFile["rs/src/parser.rs"]?.symbols ?? [])).toEqual(["+struct Parser", "-impl Parser", "  +method new"])
    expect(names(byFile["data/config.json"]?.symbols ?? [])).toEqual(["-key name", "-key version"])
  })

  it("skips unknown, missing and oversized files with reasons, and refuses paths outside the root", async () => {
    const report = await outline(root, ["notes.txt", "nope.ts", "big.ts", "src/util.ts"])
    expect(report.files.map((f) => f.file)).toEqual(["src/util.ts"])
    expect(report.skipped.map((s) => [s.file, s.reason.split(":")[0]])).toEqual([
      ["notes.txt", "unsupported language"],
      ["nope.ts", "not found"],
      ["big.ts", "too large"],
    ])
    const limited = await outline(root, ["src/util.ts"], { maxBytes: 10 })
    expect(limited.skipped[0]?.reason).toMatch(/^too large: \d+ bytes \(limit 10\)$/)
    for (const bad of ["../outside.ts", "/etc/hostname.ts", "escape/passwd.ts"]) {
      const error = await rejection(outline(root, ["src/util.ts", bad]))
      expect(error.code).toBe("E_OUTSIDE_ROOT")
      expect(error.message).toContain(bad)
    }
    expect((await rejection(outline("/no/such/root", ["a.ts"]))).code).toBe("E_IO")
  })
})

describe("checkSyntax", () => {
  it("passes valid files of every language", async () => {
    const files = ["src/app.ts", "src/view.tsx", "lib/legacy.js", "py/pkg/service.py", "go/main.go", "rs/src/lib.rs", "data/config.json"]
    const report = await checkSyntax(root, files)
    expect(report.ok).toBe(true)
    expect(report.files.every((f) => f.ok && f.errors.length === 0)).toBe(true)
    expect(report.files).toHaveLength(files.length)
  })

  it("reports errors with line, column and context for every language", async () => {
    const bad = ["ts", "tsx", "js", "py", "go", "rs", "json"].map((ext) => `broken/bad.${ext}`)
    const report = await checkSyntax(root, [...bad, "src/util.ts", "notes.txt"])
    expect(report.ok).toBe(false)
    expect(report.skipped).toEqual([{ file: "notes.txt", reason: "unsupported language" }])
    for (const file of report.files) {
      if (file.file === "src/util.ts") {
        expect(file.ok).toBe(true)
        continue
      }
      expect(file.ok, file.file).toBe(false)
      expect(file.errors.length, file.file).toBeGreaterThan(0)
      for (const e of file.errors) {
        expect(e.line).toBeGreaterThanOrEqual(1)
        expect(e.column).toBeGreaterThanOrEqual(1)
        expect(["error", "missing"]).toContain(e.kind)
        expect(e.message.length).toBeGreaterThan(0)
      }
    }
    const rs = report.files.find((f) => f.file === "broken/bad.rs")
    expect(rs?.errors).toEqual([{ line: 1, column: 22, kind: "missing", message: "missing `;`", context: "fn main() { let x = 1 }" }])
    const ts = report.files.find((f) => f.file === "broken/bad.ts")
    expect(ts?.errors[0]?.line).toBe(1)
    expect(ts?.errors[0]?.context).toBe("function f( {")
  })
})

describe("query", () => {
  it("returns captures with ranges in every language", async () => {
    const cases: [string, string, string, string[]][] = [
      ["typescript", "(function_declaration name: (identifier) @fn)", "src/app.ts", ["main", "local"]],
      ["tsx", "(jsx_opening_element name: (identifier) @tag)", "src/view.tsx", ["div"]],
      ["javascript", '(call_expression function: (identifier) @f (#eq? @f "require"))', "lib/legacy.js", ["require", "require"]],
      ["python", "(class_definition name: (identifier) @c)", "py/pkg/models.py", ["User"]],
      ["go", "(method_declaration name: (field_identifier) @m)", "go/store/store.go", ["Get"]],
      ["rust", "(struct_item name: (type_identifier) @s)", "rs/src/parser.rs", ["Parser"]],
      ["json", "(pair key: (string (string_content) @k))", "data/config.json", ["name", "version"]],
    ]
    for (const [language, source, file, texts] of cases) {
      const report = await query(root, language, source, [file])
      expect(
        report.captures.map((c) => c.text),
        language,
      ).toEqual(texts)
      expect(report.filesSearched).toBe(1)
    }
    const fn = (await query(root, "ts", "(function_declaration name: (identifier) @fn)", ["src/app.ts"])).captures[0]
    expect(fn).toEqual({
      file: "src/app.ts",
      name: "fn",
      kind: "identifier",
      text: "main",
      startLine: 8,
      startColumn: 17,
      endLine: 8,
      endColumn: 21,
    })
  })

  it("searches the whole project when no files are given, honouring .gitignore", async () => {
    const report = await query(root, "typescript", "(function_declaration name: (identifier) @fn)")
    const found = report.captures.map((c) => `${c.file}:${c.text}`)
    expect(found).toContain("src/util.ts:helper")
    expect(found).not.toContain("ignored/secret.ts:ignoredThing")
    expect(report.skipped.map((s) => s.file)).toEqual(["big.ts"])
  })

  it("limits captures and skips files of another language", async () => {
    const report = await query(root, "typescript", "(identifier) @id", ["src/app.ts", "src/view.tsx"], { limit: 3 })
    expect(report.captures).toHaveLength(3)
    expect(report.truncated).toBe(true)
    expect(report.skipped[0]?.reason).toBe("language tsx does not match the query's typescript")
  })

  it("explains bad queries and unknown languages", async () => {
    const syntax = await rejection(query(root, "python", "(function_definition name: (identifier) @n", ["py/pkg/models.py"]))
    expect(syntax.code).toBe("E_BAD_QUERY")
    expect(syntax.message).toMatch(/invalid python query at line 1, column \d+/)
    const nodeType = await rejection(query(root, "go", "(no_such_node) @x"))
    expect(nodeType.message).toContain("NodeType")
    const noCapture = await rejection(query(root, "rust", "(struct_item)"))
    expect(noCapture.message).toContain("captures nothing")
    const language = await rejection(query(root, "cobol", "(x) @x"))
    expect(language.code).toBe("E_UNKNOWN_LANGUAGE")
    expect(language.message).toContain("typescript, tsx, javascript, python, go, rust, json")
  })
})

describe("imports", () => {
  it("resolves relative imports to files and marks packages external, per language", async () => {
    const report = await imports(root, ["src/app.ts", "src/view.tsx", "lib/legacy.js", "py/pkg/service.py", "go/main.go", "rs/src/lib.rs", "notes.txt"])
    const edges = report.edges.map((e) => `${e.from}:${e.line} ${e.specifier} -> ${e.to ?? "-"} (${e.kind})`)
    expect(edges).toEqual([
      "src/app.ts:1 ./util.js -> src/util.ts (local)",
      "src/app.ts:2 node:fs -> - (external)",
      "src/view.tsx:1 ./app -> src/app.ts (local)",
      "lib/legacy.js:1 path -> - (external)",
      "lib/legacy.js:2 ./helpers -> lib/helpers.js (local)",
      "py/pkg/service.py:1 os -> - (external)",
      "py/pkg/service.py:2 .models -> py/pkg/models.py (local)",
      "go/main.go:4 fmt -> - (external)",
      "go/main.go:5 example.com/app/store -> go/store (local)",
      "rs/src/lib.rs:1 mod parser -> rs/src/parser.rs (local)",
      "rs/src/lib.rs:2 crate::parser::Parser -> rs/src/parser.rs (local)",
    ])
    expect(report.skipped).toEqual([{ file: "notes.txt", reason: "unsupported language" }])
  })

  it("marks relative imports that lead nowhere as unresolved", async () => {
    const { root: dir, cleanup: done } = makeProject({ "x/a.ts": 'import "./missing";\nimport "../../../../etc/passwd";\n' })
    try {
      const report = await imports(dir, ["x/a.ts"])
      expect(report.edges.map((e) => [e.kind, e.to])).toEqual([
        ["unresolved", null],
        ["unresolved", null],
      ])
    } finally {
      done()
    }
  })
})

describe("repoMap", () => {
  it("ranks definitions towards the focus files within the budget", async () => {
    const map = await repoMap(root, { budgetTokens: 2000, focus: ["src/view.tsx"] })
    const first = map.split("\n")[0]
    expect(first).toBe("src/app.ts:")
    expect(map).toContain("│  export class App {")
    expect(map).not.toContain("ignoredThing")
    const report = await repoMapReport(root, { budgetTokens: 40, focus: ["go/main.go", "gone.go"] })
    expect(report.tokens).toBeLessThanOrEqual(40)
    expect(report.map.startsWith("go/store/store.go:\n")).toBe(true)
    expect(report.shown).toBeGreaterThan(0)
    expect(report.shown).toBeLessThan(report.definitions)
    expect(report.focusMissing).toEqual(["gone.go"])
    expect(report.skipped).toBe(1) // big.ts
  })

  it("refuses focus paths outside the root and a zero budget", async () => {
    expect((await rejection(repoMap(root, { budgetTokens: 100, focus: ["../x.ts"] }))).code).toBe("E_OUTSIDE_ROOT")
    expect((await rejection(repoMap(root, { budgetTokens: 0, focus: [] }))).code).toBe("E_BAD_REQUEST")
  })
})

describe("the raw binding", () => {
  it("has exactly the functions src/native/load.ts lists (one list in Rust, one in TypeScript)", () => {
    const loaded = load()
    if (!loaded.ok) throw new Error(loaded.reason)
    expect(Object.keys(loaded.binding).sort()).toEqual([...EXPORTS].sort())
  })

  it("turns bad requests into JS errors, sync and async, and keeps working", async () => {
    // (A panic's conversion, and every failure of the host's Node-API, are tested by `cargo test napi::tests`.)
    const loaded = load()
    if (!loaded.ok) throw new Error(loaded.reason)
    const { binding } = loaded
    await expect(binding.outlineAsync("not json")).rejects.toThrow(/bad request/)
    await expect(binding.outlineAsync(JSON.stringify({ root, files: [], bogus: 1 }))).rejects.toThrow(/unknown field `bogus`/)
    const noArgs = binding.languages as unknown as () => string
    expect(() => noArgs()).toThrow(/expected one argument/)
    await expect((binding.checkAsync as unknown as (x: number) => Promise<string>)(42)).rejects.toMatchObject({
      code: "E_BAD_REQUEST",
    })
    expect(JSON.parse(binding.languages("{}")).version).toBe("0.1.0")
  })

  it("runs async calls off the JS thread", async () => {
    // 6 × 0.5 MB of TypeScript: a second or so of parsing on the workers.
    const source = Array.from({ length: 8000 }, (_, i) => `export function f${i}(a: number) { return a * ${i}; }`)
    const project = makeProject({ "heavy.ts": source.join("\n") })
    const heavy = Array.from({ length: 6 }, () => "heavy.ts")
    let done = false
    let turns = 0
    const spin = (): void => {
      turns++
      if (!done) setImmediate(spin)
    }
    setImmediate(spin)
    const reports = await Promise.all([outline(project.root, heavy), checkSyntax(project.root, heavy)])
    done = true
    project.cleanup()
    expect(reports[0].files).toHaveLength(6)
    expect(reports[0].files[0]?.symbols).toHaveLength(8000)
    expect(reports[1].ok).toBe(true)
    // A blocking call would have let the event loop turn at most once.
    expect(turns).toBeGreaterThan(5)
  })
})
