// Worktree isolation through the real opencode binary: parallel tasks on the same file, the user's edits untouched.
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { overlapped, startModelServer } from "../support/model-server.js"
import { makeProject } from "../support/opencode.js"
import { scriptedCoder, workingDirectory } from "../support/scripted-coder.js"
import { ADD, honestPass, MATH_PROJECT, MUL } from "./fixtures.js"
import { debugDump, finalText, otherWorktrees, readMission, runTask, sessionSpan, sessionsOf } from "./mission-helpers.js"

const EXPORT_ADD = `export { add } from "./add.js"`
const EXPORT_MUL = `export { mul } from "./mul.js"`

const task = (id: string, name: string, files: Record<string, string>, line: string) => ({
  id,
  title: `Add and export ${name}()`,
  description: `Create src/${name}.js with its test, and append the line \`${line}\` to src/index.js.`,
  files: [...Object.keys(files), "src/index.js"],
  dependsOn: [],
  acceptance: [`src/index.js exports ${name}`],
  verify: [`node --test test/${name}.test.js`, `grep -qF '${line}' src/index.js`],
})

const EXPORTS_TEST =
  "import { test } from 'node:test'\nimport assert from 'node:assert'\nimport * as lib from '../src/index.js'\n\ntest('exports', () => assert.strictEqual(lib.add(lib.mul(2, 3), 1), 7))\n"

describe("worktree isolation in real OpenCode", () => {
  it("two parallel tasks both append to src/index.js: both land, tests pass, the user's edits are byte-identical", async () => {
    const plan = {
      summary: "add and mul, each exported from src/index.js",
      tasks: [task("T1", "add", ADD, EXPORT_ADD), task("T2", "mul", MUL, EXPORT_MUL)],
      verify: ["node --test"],
    }
    const server = await startModelServer(
      scriptedCoder({
        delayMs: 500,
        plan: () => plan,
        work: (order) => {
          const [files, line] = order.taskId === "T1" ? [ADD, EXPORT_ADD] : [MUL, EXPORT_MUL]
          const writes = Object.entries(files).map(([p, c]) => `mkdir -p $(dirname ${p}) && printf '%s' '${c.replace(/'/g, "'\\''")}' > ${p}`)
          return { commands: [...writes, `printf '%s\\n' '${line}' >> src/index.js`] }
        },
        review: (req) => honestPass(req.taskId),
      }),
    )
    const project = makeProject({
      git: true,
      files: { ...MATH_PROJECT, "test/exports.test.js": EXPORTS_TEST.replace("lib.add(lib.mul(2, 3), 1), 7", "typeof lib.version, 'string'") },
    })
    // The user's own uncommitted and untracked work, unrelated to the tasks.
    project.write("README.md", "# mathlib\n\nEdited by the user, not committed.\n")
    project.write("scratch/ideas.txt", "untracked notes — ünïcødé\n")
    project.write("test/exports.test.js", EXPORTS_TEST)
    const statusBefore = project.git("status", "--porcelain=v2", "--untracked-files=all")
    const indexBefore = project.git("ls-files", "--stage")

    const res = await runTask(project, server, "Add add() and mul() and export both from src/index.js.")
    debugDump(server, res)
    expect(res.code, res.stderr.slice(-3000)).toBe(0)

    // Both exports landed next to the original line, and the project's tests pass (including the user's new test).
    const index = project.read("src/index.js")
    expect(index).toContain("export const version = '1.0.0'")
    expect(index).toContain(EXPORT_ADD)
    expect(index).toContain(EXPORT_MUL)
    expect(() => execFileSync("node", ["--test"], { cwd: project.dir, stdio: "pipe" })).not.toThrow()

    // The user's edits and untracked files are byte-identical; their index was never touched.
    expect(project.read("README.md")).toBe("# mathlib\n\nEdited by the user, not committed.\n")
    expect(project.read("scratch/ideas.txt")).toBe("untracked notes — ünïcødé\n")
    expect(project.git("ls-files", "--stage")).toBe(indexBefore)
    const changed = project.git("status", "--porcelain=v2", "--untracked-files=all")
    expect(changed).not.toBe(statusBefore)
    for (const line of statusBefore.split("\n"))
      expect(changed).toContain(
        line
          .replace(/ [0-9a-f]{40} [0-9a-f]{40} /, " ")
          .split(" ")
          .at(-1)!,
      )

    // The two first workers ran at the same time, each in its own directory (a worktree outside the project).
    const workers = sessionsOf(server, "worker")
    const [w1, w2] = [workers.find((w) => w.firstUserText.includes("# T1 · "))!, workers.find((w) => w.firstUserText.includes("# T2 · "))!]
    expect(overlapped(sessionSpan(server, w1), sessionSpan(server, w2))).toBe(true)
    const dirs = [w1, w2].map((w) =>
      workingDirectory({
        system: w.request.messages
          .filter((m) => m.role === "system")
          .map((m) => String(m.content))
          .join("\n"),
      } as never),
    )
    expect(dirs[0]).not.toBe(dirs[1])
    for (const d of dirs) expect(d.startsWith(project.dir)).toBe(false)

    // Both appended at the end of the same file: the second merge conflicted and that task was re-run on the new head.
    const { state, id } = readMission(project)
    expect(state.status).toBe("sealed")
    const outcomes = state.tasks.map((t) => t.attempts.map((a) => a.outcome))
    expect(outcomes).toContainEqual(["passed"])
    expect(outcomes).toContainEqual(["merge_conflict", "passed"])
    expect(state.isolation.mode).toBe("worktree")

    // Worktrees are gone; the result branch and base ref are kept, as the report says.
    expect(otherWorktrees(project), project.git("worktree", "list")).toEqual([])
    expect(project.git("branch", "--list", "orchestrator/*")).toContain(`orchestrator/${id}`)
    expect(project.git("branch", "--list", `orchestrator/${id}--*`)).toBe("")
    expect(project.git("rev-parse", "--verify", "-q", `refs/orchestrator/${id}/base`)).toMatch(/^[0-9a-f]{40}$/)
    expect(finalText(res)).toContain(`branch orchestrator/${id}`)
    const roots = readdirSync(join(tmpdir(), "opencode-orchestrator")).flatMap((r) => readdirSync(join(tmpdir(), "opencode-orchestrator", r)))
    expect(roots).not.toContain(id)

    // OpenCode kept its snapshots (undo points) in the project, and took none in the checkouts the engine commits.
    const logDir = join(project.sandbox.dirs.data, "opencode/log")
    const log = readdirSync(logDir)
      .map((f) => readFileSync(join(logDir, f), "utf8"))
      .join("\n")
    const tracked = [...log.matchAll(/message=tracking \S+ cwd=(\S+)/g)].map((m) => m[1]!)
    expect(tracked).toContain(project.dir)
    expect(tracked.filter((d) => d.includes("/opencode-orchestrator/"))).toEqual([])
  }, 240_000)
})
