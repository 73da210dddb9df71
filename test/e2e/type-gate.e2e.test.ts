// The type-check gate with a real language server (typescript-language-server), through the real opencode binary,
// and with a broken one: the mission still seals, says why the gate was skipped, and leaves no server process.
import { execFileSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { makeProject, REPO_ROOT } from "../support/opencode.js"
import { scriptedCoder } from "../support/scripted-coder.js"
import { debugDump, finalText, readMission, runTask, sessionsOf } from "./mission-helpers.js"

const AREA_WRONG = "export function area(r: number): number {\n  return `${Math.PI * r * r}`\n}\n"
const AREA_RIGHT = "export function area(r: number): number {\n  return Math.PI * r * r\n}\n"

/** The crate's fake language server: `exit` dies at once (status 3), `silent` never answers. */
const FAKE_LSP = join(REPO_ROOT, "crates/analysis/tests/fixtures/fake-lsp.cjs")

/** Command lines of running processes that mention `needle` (this `ps` excluded). */
function processesWith(needle: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
  return out.split("\n").filter((l) => l.includes(needle) && !/\bps -eo\b/.test(l))
}

const AREA_PLAN = {
  summary: "Add area().",
  tasks: [
    {
      id: "T1",
      title: "Add area()",
      description: "Create src/area.ts exporting area(r: number): number, the area of a circle.",
      files: ["src/area.ts"],
      dependsOn: [],
      acceptance: ["area(r) returns a number"],
      verify: ["test -f src/area.ts"],
    },
  ],
  verify: ["test -f src/area.ts"],
}

describe("type-check gate in real OpenCode", () => {
  it("a change whose type error the project's checks miss is sent back with the language server's error, and the retry lands", async () => {
    const server = await startModelServer(
      scriptedCoder({
        plan: () => AREA_PLAN,
        work: (order) => ({ "src/area.ts": order.attempt === 1 ? AREA_WRONG : AREA_RIGHT }),
        review: () => ({ verdict: "pass", summary: "ok", issues: [], evidence: [{ command: "test -f src/area.ts", exitCode: 0 }] }),
      }),
    )
    const project = makeProject({
      git: true,
      files: { "package.json": '{ "name": "geo", "type": "module" }\n', "src/index.ts": "export const name = 'geo'\n" },
    })
    const res = await runTask(project, server, "Add area().")
    debugDump(server, res)
    const { state } = readMission(project)
    expect(state.status, `${state.reason} ${state.notes.join("; ")}`).toBe("sealed")
    expect(state.tasks[0]!.attempts.map((a) => a.outcome)).toEqual(["type_failed", "passed"])
    const retry = sessionsOf(server, "worker")[1]!.firstUserText
    expect(retry).toContain("The change introduces type errors")
    expect(retry).toMatch(/src\/area\.ts:2:\d+: Type 'string' is not assignable to type 'number'\. \(2322\)/)
    expect(sessionsOf(server, "reviewer").filter((r) => r.firstUserText.includes("# T1 · "))).toHaveLength(1)
    expect(project.read("src/area.ts")).toBe(AREA_RIGHT)
    // The report names the server and where it came from: the project has none, the plugin brings one.
    expect(finalText(res)).toMatch(
      /type-check gate: typescript-language-server \(from the plugin's own dependencies: \/\S+\/node_modules\/\.bin\/typescript-language-server\)/,
    )
  }, 240_000)

  it.each([
    { broken: "a server that exits at once", mode: "exit", why: /exited during initialize \(exit status: 3\).*bad config/ },
    { broken: "a server that never answers", mode: "silent", why: /did not answer initialize within 5000 ms/ },
  ])(
    "with $broken the mission still seals, notes why the gate was skipped, and leaves no server process",
    async ({ mode, why }) => {
      const server = await startModelServer(
        scriptedCoder({
          plan: () => AREA_PLAN,
          work: () => ({ "src/area.ts": AREA_RIGHT }),
          review: () => ({ verdict: "pass", summary: "ok", issues: [], evidence: [{ command: "test -f src/area.ts", exitCode: 0 }] }),
        }),
      )
      const project = makeProject({
        git: true,
        files: { "package.json": '{ "name": "geo", "type": "module" }\n', "src/index.ts": "export const name = 'geo'\n" },
      })
      project.write(
        ".opencode/orchestrator.jsonc",
        JSON.stringify({ typeCheck: { timeoutSec: 5 }, languageServers: { typescript: { command: ["node", FAKE_LSP, mode] } } }),
      )
      const res = await runTask(project, server, "Add area().")
      debugDump(server, res)
      const { state } = readMission(project)
      const notes = (state as typeof state & { notes: string[] }).notes
      expect(state.status, `${state.reason} ${notes.join("; ")}`).toBe("sealed")
      expect(state.tasks[0]!.attempts.map((a) => a.outcome)).toEqual(["passed"])
      const skipped = notes.find((n) => n.startsWith("type-check gate skipped: "))
      expect(skipped, notes.join("; ")).toMatch(why)
      expect(finalText(res)).toContain(skipped)
      expect(project.read("src/area.ts")).toBe(AREA_RIGHT)
      // OpenCode has exited; neither it nor the mission's end left the server running.
      expect(processesWith(FAKE_LSP)).toEqual([])
    },
    240_000,
  )
})
