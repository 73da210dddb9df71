// Workers stay in their checkout, through the real opencode binary: a worker's shell that reaches for the
// user's repository and tree, its `write` tool with an absolute path into the project, and a planner's
// verify command that writes outside — the user's .git and files stay byte-identical but for the result.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { makeProject, type Project } from "../support/opencode.js"
import { scriptedCoder, type WorkReply } from "../support/scripted-coder.js"
import { debugDump, finalText, readMission, runTask } from "./mission-helpers.js"
import { digestTree } from "./real-project.js"

const ADD = "export const add = (a, b) => a + b\n"
const ADD_TEST =
  "import { test } from 'node:test'\nimport assert from 'node:assert'\nimport { add } from '../src/add.js'\n\ntest('add', () => assert.strictEqual(add(2, 3), 5))\n"

function project(): Project {
  return makeProject({
    git: true,
    files: { "package.json": '{ "type": "module" }\n', "src/index.js": "export const version = '1.0.0'\n", "test/index.test.js": "import '../src/index.js'\n" },
  })
}

/** What a task may not change: the repository's config, refs, hooks and stash, and every file of the working tree. */
function userState(p: Project) {
  return {
    config: readFileSync(join(p.dir, ".git/config"), "utf8"),
    refs: p.git("for-each-ref", "--format=%(refname) %(objectname)"),
    stash: p.git("stash", "list"),
    hooks: digestTree(join(p.dir, ".git/hooks")),
    files: digestTree(p.dir),
  }
}

/** Working-tree files that differ, but git's own and the mission's state. */
function changedFiles(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after })
    .filter((f) => before[f] !== after[f] && !f.startsWith(".git/") && !f.startsWith(".opencode/"))
    .sort()
}

const T1 = {
  id: "T1",
  title: "Add add()",
  description: "Create src/add.js exporting add(a, b), with test/add.test.js.",
  files: ["src/add.js", "test/add.test.js"],
  dependsOn: [],
  acceptance: ["add(2, 3) is 5"],
  verify: ["node --test"],
}

describe("containment in real OpenCode", () => {
  it("a worker's git config, git branch, absolute-path and cd escapes and its write into the project are refused; the user's repository and tree are byte-identical apart from the result; the report names the refused commands", async () => {
    const p = project()
    const escapes = [
      "git config user.email worker@evil.invalid",
      "git branch scratch",
      `echo escaped > ${p.dir}/ESCAPED.txt`,
      `cd ${p.dir} && echo '// sneaky' >> src/index.js`,
    ]
    const server = await startModelServer(
      scriptedCoder({
        delayMs: 200,
        plan: () => ({ summary: "add()", tasks: [T1], verify: ["node --test"] }),
        step: (_order, results): WorkReply | undefined => {
          if (results.length === 0) return { commands: escapes }
          // OpenCode's own file tool, pointed at the user's project by absolute path.
          if (results.length === escapes.length) return { [`${p.dir}/src/INJECTED.js`]: "export const injected = true\n" }
          if (results.length === escapes.length + 1) return { "src/add.js": ADD, "test/add.test.js": ADD_TEST }
          return undefined
        },
        review: () => ({ verdict: "pass", summary: "add() works.", issues: [], evidence: [{ command: "node --test", exitCode: 0 }] }),
      }),
    )
    const before = userState(p)

    const res = await runTask(p, server, "Add add(a, b) with a test.")
    debugDump(server, res)
    expect(res.code, res.stderr.slice(-3000)).toBe(0)
    const mission = readMission(p)
    expect(mission.state.status, finalText(res)).toBe("sealed")

    // Every escape came back to the worker as a failed command or a refused tool call.
    const worker = server.log.filter((e) => e.tools.includes("write") && e.request.messages.some((m) => m.role === "tool"))
    const outputs = worker.flatMap((e) => e.request.messages.filter((m) => m.role === "tool").map((m) => JSON.stringify(m.content)))
    expect(outputs.join("\n")).toMatch(/could not lock config file[^"]*Read-only file system/)
    expect(outputs.join("\n")).toMatch(/outside this task's checkout/)

    // The user's repository: config, hooks and stash as they were; refs only gained the engine's own.
    const after = userState(p)
    expect(after.config).toBe(before.config)
    expect(after.hooks).toEqual(before.hooks)
    expect(after.stash).toBe(before.stash)
    const newRefs = after.refs
      .split("\n")
      .filter((r) => !before.refs.split("\n").includes(r))
      .map((r) => r.split(" ")[0])
    expect(newRefs.sort()).toEqual([`refs/heads/orchestrator/${mission.id}`, `refs/orchestrator/${mission.id}/base`])
    // The working tree: the sealed result and the mission's own state, nothing else.
    expect(changedFiles(before.files, after.files)).toEqual(["src/add.js", "test/add.test.js"])

    // The report names what the sandbox refused.
    const report = finalText(res)
    for (const command of escapes) expect(report).toContain(`\`${command}\``)
  }, 240_000)

  it("a planner's verify command that writes outside the checkout is refused: the mission ends in an explicit state, the project is untouched, the report names the command", async () => {
    const p = project()
    const outside = `echo pwned > ${p.dir}/PWNED.txt`
    const server = await startModelServer(
      scriptedCoder({
        delayMs: 200,
        plan: () => ({ summary: "add()", tasks: [{ ...T1, verify: ["node --test", outside] }], verify: [] }),
        work: () => ({ "src/add.js": ADD, "test/add.test.js": ADD_TEST }),
        review: () => ({ verdict: "pass", summary: "add() works.", issues: [], evidence: [{ command: "node --test", exitCode: 0 }] }),
      }),
    )
    const before = userState(p)

    const res = await runTask(p, server, "Add add(a, b) with a test.", { maxAttempts: 1 })
    debugDump(server, res)
    expect(res.code, res.stderr.slice(-3000)).toBe(0)
    const mission = readMission(p)
    expect(mission.state.status).toBe("failed")
    expect(mission.state.tasks[0]!.attempts[0]!.outcome).toBe("verify_failed")
    expect(mission.state.tasks[0]!.attempts[0]!.feedback).toContain("Read-only file system")
    expect(p.exists("PWNED.txt")).toBe(false)
    const after = userState(p)
    expect(changedFiles(before.files, after.files)).toEqual([])
    expect(after.config).toBe(before.config)
    expect(finalText(res)).toContain(`refused by the sandbox (write to a read-only file system): \`${outside}\``)
  }, 240_000)
})
