// The symbol index (definition / references) through the built addon.
import { utimesSync, writeFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import type { ToolContext } from "@opencode-ai/plugin"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { definition, NativeError, references, type SymbolLocation } from "../../src/native/index.js"
import { codeTools } from "../../src/tools/code-tools.js"
import { makeProject } from "./fixture.js"

let root = ""
let cleanup = (): void => {}
beforeAll(() => {
  ;({ root, cleanup } = makeProject({
    "src/other.ts": "export function helper(): string { return 'x'; }\nexport const y = helper();\n",
  }))
})
afterAll(() => cleanup())

const at = (l: SymbolLocation): string => `${l.file}:${l.line}:${l.column}`

async function tool(name: string, args: Record<string, unknown>): Promise<string> {
  const t = codeTools()[name]
  if (!t) throw new Error(`no tool ${name}`)
  const ctx = { directory: root, worktree: root, abort: new AbortController().signal } as unknown as ToolContext
  const result = await t.execute(args as never, ctx)
  if (typeof result !== "string") throw new Error("expected text")
  return result
}

describe("symbol index", () => {
  it("finds TypeScript definitions, ranking the query file's imports first, and lists every candidate", async () => {
    const r = await definition(root, { symbol: "helper", file: "src/app.ts" })
    expect(r.ambiguous).toBe(true)
    expect(r.definitions.map(at)).toEqual(["src/util.ts:1:17", "src/other.ts:1:17"])
    expect(r.definitions[0]).toMatchObject({ kind: "function", rank: 1, context: "export function helper(): number { return 1; }" })
    expect(r.definitions[1]?.rank).toBe(2)
  })

  it("resolves the identifier under the cursor (TS position → definition)", async () => {
    // src/app.ts line 6: "  start(opts?: Options): void { helper(); }"
    const r = await definition(root, { file: "src/app.ts", line: 6, column: 35 })
    expect(r.symbol).toBe("helper")
    expect(r.at).toEqual({ file: "src/app.ts", line: 6, column: 35 })
    expect(r.definitions[0]?.file).toBe("src/util.ts")
  })

  it("answers Python and Go, with references excluding definition sites", async () => {
    const py = await references(root, { symbol: "User" })
    expect(py.definitions.map(at)).toEqual(["py/pkg/models.py:1:7"])
    expect(py.references?.map(at)).toEqual(["py/pkg/service.py:2:21", "py/pkg/service.py:6:12"])
    expect(py.references?.[1]?.context).toBe("return User()")
    const go = await references(root, { file: "go/main.go", line: 8, column: 33 })
    expect(go.symbol).toBe("Open")
    expect(go.definitions).toMatchObject([{ file: "go/store/store.go", line: 5, kind: "function", rank: 1 }])
    expect(go.references?.map(at)).toEqual(["go/main.go:8:33"])
  })

  it("re-parses nothing on an unchanged tree, one file after an edit, and drops deleted files", async () => {
    await definition(root, { symbol: "main" })
    const old = new Date(Date.now() - 3_600_000)
    const warm = await definition(root, { symbol: "main" })
    expect(warm.stats.parsed).toBe(0)
    writeFileSync(join(root, "src/extra.ts"), "export function main(): void {}\n")
    utimesSync(join(root, "src/extra.ts"), old, old)
    const edited = await definition(root, { symbol: "main" })
    expect(edited.stats.parsed).toBe(1)
    expect(edited.definitions.map((d) => d.file)).toContain("src/extra.ts")
    rmSync(join(root, "src/extra.ts"))
    const gone = await definition(root, { symbol: "main" })
    expect(gone.stats).toMatchObject({ parsed: 0, removed: 1 })
    expect(gone.definitions.map((d) => d.file)).not.toContain("src/extra.ts")
  })

  it("rejects bad input with codes", async () => {
    const code = async (p: Promise<unknown>): Promise<string> => {
      const e = await p.then(
        () => null,
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(NativeError)
      return (e as NativeError).code
    }
    expect(await code(definition(root, {}))).toBe("E_BAD_REQUEST")
    expect(await code(definition(root, { file: "../x.ts", line: 1, column: 1 }))).toBe("E_OUTSIDE_ROOT")
    expect(await code(references(root, { file: "notes.txt", line: 1, column: 1 }))).toBe("E_UNKNOWN_LANGUAGE")
    expect(await code(definition(root, { file: "src/app.ts", line: 1, column: 1 }))).toBe("E_BAD_REQUEST")
  })

  it("code_definition and code_references print ranked locations and clear errors", async () => {
    const def = await tool("code_definition", { symbol: "helper", file: "src/app.ts" })
    expect(def).toContain("2 candidate definitions of `helper`, ambiguous")
    expect(def).toContain("src/util.ts:1:17 function: export function helper(): number { return 1; }  (imports/imported)")
    const refs = await tool("code_references", { file: "src/util.ts", line: 1, column: 17 })
    expect(refs).toMatch(/^\d+ references to `helper` \(at src\/util.ts:1:17\) in \d files/)
    expect(refs).toContain("src/app.ts:6:33: start(opts?: Options): void { helper(); }  (imports/imported)")
    await expect(tool("code_definition", {})).rejects.toThrow(/give symbol, or file \+ line \+ column/)
    await expect(tool("code_references", { file: "src/app.ts", line: 3 })).rejects.toThrow(/file, line and column together/)
    await expect(tool("code_definition", { file: "/etc/passwd", line: 1, column: 1 })).rejects.toThrow(/code_definition: .*outside the root/)
    await expect(tool("code_references", { file: "notes.txt", line: 1, column: 1 })).rejects.toThrow(/no symbol index for this language/)
  })
})
