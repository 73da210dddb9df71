// OpenCode outside the supported range: the plugin still loads and works, and says so in the log.
// The range is package.json's `opencode.supported`; a copy of the built plugin declares one that
// excludes the OpenCode under test.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { makeProject, REPO_ROOT, runOpencode } from "../support/opencode.js"

let copy = ""
afterEach(() => rmSync(copy, { recursive: true, force: true }))

/** The built plugin with another supported range. */
function pluginCopy(range: string): string {
  copy = mkdtempSync(join(tmpdir(), "plugin-copy-"))
  for (const dir of ["dist", "agents", "prompts", "schema", "native"]) cpSync(join(REPO_ROOT, dir), join(copy, dir), { recursive: true })
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as Record<string, unknown>
  writeFileSync(join(copy, "package.json"), JSON.stringify({ ...manifest, opencode: { supported: range } }))
  symlinkSync(join(REPO_ROOT, "node_modules"), join(copy, "node_modules"))
  return copy
}

describe("OpenCode outside the supported range", () => {
  it("logs a clear warning naming both versions and the fix; the plugin still loads and its tools are offered", async () => {
    const server = await startModelServer((req) => ({ text: req.toolNames.join(",") || "no tools" }))
    const project = makeProject({ git: true, files: { "a.js": "export const a = 1\n" } })
    const res = await runOpencode({
      project,
      model: server,
      plugins: [[pluginCopy(">=9.0.0 <9.1.0"), { codeToolsForAllAgents: true }]],
      args: ["run", "--print-logs", "--format", "json", "Which tools do you have?"],
      timeoutMs: 120_000,
    })
    expect(res.code, res.stderr.slice(-2000)).toBe(0)
    expect(res.stderr).toMatch(/opencode-orchestrator \d+\.\d+\.\d+ supports OpenCode >=9\.0\.0 <9\.1\.0; this is OpenCode 1\.18\.\d+/)
    expect(res.stderr).toContain("npm i -g opencode-ai@9.0.0")
    // Still loaded: our tools reach the model.
    const offered = server.work().flatMap((e) => e.tools)
    expect(offered).toContain("code_outline")
  }, 180_000)
})
