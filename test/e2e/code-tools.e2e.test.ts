// The native addon loaded inside OpenCode's Bun runtime: the model calls code_outline and code_check.
import { describe, expect, it } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { makeProject, PLUGIN_UNDER_TEST, runOpencode } from "../support/opencode.js"

describe("code tools in real OpenCode", () => {
  it("code_outline and code_check answer from the native addon inside OpenCode's Bun runtime", async () => {
    const server = await startModelServer((req) => {
      if (req.isTitleRequest) return { text: "t" }
      const done = req.toolResults()
      if (done.length === 0 && req.offers("code_outline") && req.offers("code_check")) {
        return {
          toolCalls: [
            { name: "code_outline", arguments: { files: ["src/shapes.ts"] } },
            { name: "code_check", arguments: { files: ["src/shapes.ts", "src/broken.ts"] } },
          ],
        }
      }
      return { text: done.map((r) => `[${r.name}]\n${r.output}`).join("\n") || `no code tools offered: ${req.toolNames.join(",")}` }
    })
    const project = makeProject({
      git: true,
      files: {
        "src/shapes.ts":
          "export interface Shape { area(): number }\nexport class Circle implements Shape {\n  constructor(private r: number) {}\n  area(): number { return Math.PI * this.r ** 2 }\n}\nexport function unit(): Circle { return new Circle(1) }\n",
        "src/broken.ts": "export function broken( {\n  return 1\n",
      },
    })
    const res = await runOpencode({
      project,
      model: server,
      plugins: [[PLUGIN_UNDER_TEST, { codeToolsForAllAgents: true }]],
      args: ["run", "--format", "json", "Outline and check the code."],
      timeoutMs: 120_000,
    })
    expect(res.code, res.stderr.slice(-2000)).toBe(0)
    const uses = res.events.filter((e) => e.type === "tool_use")
    const outline = uses.find((e) => e.part?.tool === "code_outline")?.part?.state
    const check = uses.find((e) => e.part?.tool === "code_check")?.part?.state
    expect(outline?.status, JSON.stringify(outline)).toBe("completed")
    expect(check?.status, JSON.stringify(check)).toBe("completed")
    for (const name of ["Shape", "Circle", "area", "unit"]) expect(outline?.output).toContain(name)
    expect(check?.output).toContain("src/broken.ts")
    expect(check?.output).toMatch(/broken\.ts:1:\d+|line 1/)
    expect(check?.output).not.toMatch(/shapes\.ts:\d+:\d+/)
  }, 180_000)
})
