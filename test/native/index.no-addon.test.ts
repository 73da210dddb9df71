// Without the addon the plugin still loads: the tools exist and answer with
// the reason and the build command; nativeStatus says why.
import { describe, expect, it, vi } from "vitest"

vi.mock("../../src/native/load.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/native/load.js")>()
  return { ...real, load: () => real.loadFrom(["/nowhere/analysis.linux-x64-gnu.node"]) }
})

const { codeTools } = await import("../../src/tools/code-tools.js")
const native = await import("../../src/native/index.js")

describe("without the native addon", () => {
  it("reports unavailable with the build command", () => {
    const status = native.nativeStatus()
    expect(status.available).toBe(false)
    if (!status.available) expect(status.reason).toMatch(/not built .*run `npm run build:native`/)
  })

  it("rejects calls with E_NATIVE_MISSING instead of throwing at import", async () => {
    await expect(native.checkSyntax("/tmp", ["a.ts"])).rejects.toMatchObject({ code: "E_NATIVE_MISSING" })
    await expect(native.repoMap("/tmp", { budgetTokens: 100, focus: [] })).rejects.toThrow(/npm run build:native/)
    expect(() => native.languages()).toThrow(/npm run build:native/)
  })

  it("keeps the tools, which answer with the build command", async () => {
    const tools = codeTools()
    expect(Object.keys(tools)).toHaveLength(7)
    const ctx = { directory: "/tmp" } as never
    for (const [name, args] of [
      ["code_outline", { files: ["a.ts"] }],
      ["code_search", { query: "(x) @x", language: "go" }],
      ["code_map", {}],
      ["code_check", { files: ["a.ts"] }],
      ["code_definition", { symbol: "main" }],
      ["code_references", { symbol: "main" }],
    ] as const) {
      await expect(tools[name]?.execute(args as never, ctx)).rejects.toThrow(
        new RegExp(`^${name}: the native code-analysis addon is not built .*npm run build:native`),
      )
    }
  })
})
