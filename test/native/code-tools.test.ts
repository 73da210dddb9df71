// The agent-facing code tools, run as OpenCode would run them.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { codeTools } from "../../src/tools/code-tools.js"
import { makeProject, toolContext } from "./fixture.js"

let root = ""
let cleanup = (): void => {}
beforeAll(() => ({ root, cleanup } = makeProject()))
afterAll(() => cleanup())

const context = toolContext

async function run(name: string, args: Record<string, unknown>): Promise<string> {
  const tool = codeTools()[name]
  if (!tool) throw new Error(`no tool ${name}`)
  const result = await tool.execute(args as never, context(root))
  if (typeof result !== "string") throw new Error("expected text")
  return result
}

describe("code tools", () => {
  it("are the code tools with short descriptions from prompts/tools", () => {
    const tools = codeTools()
    expect(Object.keys(tools)).toEqual(["code_outline", "code_search", "code_map", "code_check", "code_definition", "code_references", "code_diagnostics"])
    for (const [name, tool] of Object.entries(tools)) {
      expect(tool.description.length, name).toBeGreaterThan(40)
      expect(tool.description.length, name).toBeLessThan(400)
    }
  })

  it("code_outline lists symbols with lines and export marks", async () => {
    const out = await run("code_outline", { files: ["src/app.ts", "notes.txt"] })
    expect(out).toContain("src/app.ts\n  3 export interface Config\n    3 export property name")
    expect(out).toContain("  4-7 export class App\n    5 property secret\n    6 export method start")
    expect(out).toContain("skipped notes.txt: unsupported language")
  })

  it("code_search prints captures as file:line:col", async () => {
    const out = await run("code_search", {
      query: "(class_definition name: (identifier) @name)",
      language: "python",
    })
    expect(out).toBe("1 capture in 1 file (4 searched)\npy/pkg/models.py:1:7 @name identifier: User")
    await expect(run("code_search", { query: "(oops", language: "python" })).rejects.toThrow(/^code_search: invalid python query/)
  })

  it("code_map shows the ranked map with a summary", async () => {
    const out = await run("code_map", { focus: ["go/main.go"], budgetTokens: 200 })
    expect(out.startsWith("go/store/store.go:\n")).toBe(true)
    expect(out).toMatch(/\n\(\d+ of \d+ definitions from \d+ files, ~\d+ tokens\)$/)
    await expect(run("code_map", { focus: ["../../etc/passwd"] })).rejects.toThrow(/outside the root/)
  })

  it("code_check reports errors or says the files are clean", async () => {
    expect(await run("code_check", { files: ["src/app.ts", "py/pkg/models.py"] })).toBe("No syntax errors in 2 files.")
    const out = await run("code_check", { files: ["broken/bad.rs", "src/app.ts"] })
    expect(out).toBe("Syntax errors in 1 of 2 files:\nbroken/bad.rs:1:22: missing `;` | fn main() { let x = 1 }")
  })

  it("validates arguments with the schema", () => {
    const outline = codeTools().code_outline
    if (!outline) throw new Error("missing")
    const schema = (outline.args as unknown as { files: { safeParse(v: unknown): { success: boolean } } }).files
    expect(schema.safeParse([]).success).toBe(false)
    expect(schema.safeParse(["a.ts"]).success).toBe(true)
  })
})
