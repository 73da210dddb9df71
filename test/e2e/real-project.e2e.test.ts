// Missions on a project built like a real one (see real-project.ts), through the real opencode binary:
// checkouts get the installed dependencies and the ignored .env, a retry continues from its previous
// attempt, each check runs once per tree, and a task that adds a dependency gets it installed.
import { execFile, execFileSync } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { scriptedCoder, type WorkReply } from "../support/scripted-coder.js"
import { debugDump, finalText, readMission, runTask, sessionsOf } from "./mission-helpers.js"
import { digestTree, realProject } from "./real-project.js"

const test = (name: string, body: string, from: string) =>
  `import { test } from 'node:test'\nimport assert from 'node:assert'\nimport { ${name} } from '../src/${from}.js'\n\ntest('${name}', () => {\n${body}\n})\n`

const SHOUT = {
  "src/shout.js": "export const shout = (s) => `${s.toUpperCase()}!`\n",
  "test/shout.test.js": test("shout", "  assert.strictEqual(shout('hi'), 'HI!')", "shout"),
}
const BADGE_TEST = test("badge", "  assert.strictEqual(badge('Ada Lovelace'), '[ada-lovelace] Hello')", "badge")
const BADGE_V1 = "// attempt 1\nimport { slug } from 'tiny-slug'\n\nexport const badge = (name) => `[${slug(name).toUpperCase()}] ${process.env.GREETING}`\n"
const BADGE_V2 = "import { slug } from 'tiny-slug'\n\nexport const badge = (name) => `[${slug(name)}] ${process.env.GREETING}`\n"

const spec = (id: string, title: string, files: string[], dependsOn: string[] = []) => ({
  id,
  title,
  description: `${title}, with a test under test/.`,
  files,
  dependsOn,
  acceptance: [`${title}; npm test passes`],
  verify: ["npm test"],
})
/** `npm test` in the user's tree, without blocking this process (its counter answers the test script). */
const npmTest = (cwd: string) => promisify(execFile)("npm", ["test"], { cwd })
const pass = (taskId: string) => ({ verdict: "pass", summary: `Checked ${taskId}.`, issues: [], evidence: [{ command: "npm test", exitCode: 0 }] })

describe("missions on a real project in real OpenCode", () => {
  it("checkouts have node_modules and .env; a failed verify is fixed on top of the previous attempt; each check runs once per tree; the user's tree keeps its dependencies byte-identical", async () => {
    const real = await realProject()
    const { project } = real
    try {
      const server = await startModelServer(
        scriptedCoder({
          delayMs: 300,
          plan: () => ({
            summary: "shout() and badge(), each tested",
            tasks: [spec("T1", "Add shout()", Object.keys(SHOUT)), spec("T2", "Add badge()", ["src/badge.js", "test/badge.test.js"])],
            verify: ["npm test"],
          }),
          step: (order, results): WorkReply | undefined => {
            if (order.taskId === "T1") return results.length ? undefined : SHOUT
            if (order.attempt === 1) return results.length ? undefined : { "src/badge.js": BADGE_V1, "test/badge.test.js": BADGE_TEST }
            // A retry reads what it left before fixing it, as a real model does.
            if (results.length === 0) return { commands: ["cat src/badge.js"] }
            if (results.length === 1) return { "src/badge.js": BADGE_V2 }
            return undefined
          },
          review: (req) => pass(req.taskId),
        }),
      )
      const modulesBefore = digestTree(`${project.dir}/node_modules`)
      const ignoredBefore = project.git("status", "--porcelain", "--ignored", "--untracked-files=all")

      const res = await runTask(project, server, "Add shout() and badge(), with tests.")
      debugDump(server, res)
      expect(res.code, res.stderr.slice(-3000)).toBe(0)
      const mission = readMission(project)
      expect(mission.state.status, finalText(res)).toBe("sealed")

      // T2 failed its verify gate once (its test imports an installed package and reads .env), then passed.
      const t2 = mission.state.tasks.find((t) => t.spec.id === "T2")!
      expect(t2.attempts.map((a) => a.outcome)).toEqual(["verify_failed", "passed"])
      expect(t2.attempts[0]!.feedback).toContain("[ADA-LOVELACE] Hello")
      expect(mission.state.tasks.find((t) => t.spec.id === "T1")!.attempts.map((a) => a.outcome)).toEqual(["passed"])

      // The retry's checkout held the previous attempt's files, and its work order said so.
      const retry = sessionsOf(server, "worker").find((w) => w.firstUserText.includes("# T2 · ") && w.firstUserText.includes("Previous attempt 1"))!
      expect(retry.firstUserText).toContain("Your checkout continues from that attempt")
      const read = server.log
        .filter((e) => e.sessionId === retry.sessionId)
        .flatMap((e) => e.request.messages.filter((m) => m.role === "tool").map((m) => JSON.stringify(m.content)))
      expect(read.join("\n")).toContain("// attempt 1")

      // What was bootstrapped: the installed dependencies and the listed .env, not the unlisted build cache.
      const bootstrapped = mission.events.filter((e) => e.type === "checkout_bootstrapped")
      expect(bootstrapped.length).toBeGreaterThanOrEqual(3)
      for (const e of bootstrapped) expect([e.dependencies, e.includes]).toEqual([["node_modules"], [".env"]])

      // Each verify command ran at most once per tree: the gate's run, the reviewers' evidence and the mission check share it.
      const ran = mission.events.filter((e) => e.type === "command_ran" && e.command === "npm test")
      const trees = ran.map((e) => e.tree)
      expect(new Set(trees).size).toBe(trees.length)
      // T1's tree and T2's two. T2's retry was brought up to the head after T1 merged, so its tree is the
      // integrated one: the mission check reuses that run too.
      expect(ran).toHaveLength(3)
      const integrated = mission.events.find((e) => e.type === "command_reused" && e.tree === trees[2])
      expect(integrated).toBeDefined()
      expect(mission.events.filter((e) => e.type === "command_reused").length).toBeGreaterThanOrEqual(4)
      // Cross-checked by the project itself: its test script reported every run over loopback, all in checkouts.
      expect(real.runs).toHaveLength(ran.length)
      for (const dir of real.runs) expect(dir.startsWith(project.dir)).toBe(false)

      // The result is in the user's tree and its tests pass there; dependencies are byte-identical, nothing else appeared.
      expect(project.read("src/badge.js")).toBe(BADGE_V2)
      await npmTest(project.dir)
      expect(digestTree(`${project.dir}/node_modules`)).toEqual(modulesBefore)
      const ignoredAfter = project.git("status", "--porcelain", "--ignored", "--untracked-files=all")
      // Besides the result: OpenCode's own .opencode/.gitignore and the mission's state, nothing (no links, no copies).
      const added = ignoredAfter.split("\n").filter((l) => !ignoredBefore.split("\n").includes(l) && !l.startsWith("!! .opencode/"))
      expect(added.sort()).toEqual(["?? src/badge.js", "?? src/shout.js", "?? test/badge.test.js", "?? test/shout.test.js"])
    } finally {
      await real.close()
    }
  }, 300_000)

  it("a task that adds a dependency: the later task's checkout and the mission check install it, the user's node_modules is unchanged, the report says to install", async () => {
    const real = await realProject()
    const { project } = real
    try {
      const PAD_USE = "import { padLeft } from 'tiny-pad'\n\nexport const column = (values) => values.map((v) => padLeft(v, 5))\n"
      const TABLE_USE =
        "import { padLeft } from 'tiny-pad'\nimport { column } from './column.js'\n\nexport const table = (rows) => column(rows).map((r) => `|${r}|${padLeft('', 1)}`)\n"
      const server = await startModelServer(
        scriptedCoder({
          delayMs: 300,
          plan: () => ({
            summary: "a column helper on tiny-pad, then a table on top of it",
            tasks: [
              spec("T1", "Add column() using tiny-pad", ["src/column.js", "test/column.test.js", "package.json", "package-lock.json"]),
              spec("T2", "Add table()", ["src/table.js", "test/table.test.js"], ["T1"]),
            ],
            verify: ["npm test"],
          }),
          step: (order, results): WorkReply | undefined => {
            if (order.taskId === "T1") {
              // The worker installs the package it needs, in its own checkout.
              if (results.length === 0) return { commands: ["npm install --offline --no-audit --no-fund ./vendor/tiny-pad-1.0.0.tgz"] }
              if (results.length === 1)
                return { "src/column.js": PAD_USE, "test/column.test.js": test("column", "  assert.deepStrictEqual(column([1]), ['    1'])", "column") }
              return undefined
            }
            if (results.length === 0)
              return { "src/table.js": TABLE_USE, "test/table.test.js": test("table", "  assert.deepStrictEqual(table([7]), ['|    7| '])", "table") }
            return undefined
          },
          review: (req) => pass(req.taskId),
        }),
      )
      const modulesBefore = digestTree(`${project.dir}/node_modules`)

      const res = await runTask(project, server, "Add column() on the tiny-pad package, then table() on top of it.")
      debugDump(server, res)
      expect(res.code, res.stderr.slice(-3000)).toBe(0)
      const mission = readMission(project)
      expect(mission.state.status, finalText(res)).toBe("sealed")
      expect(mission.state.tasks.map((t) => t.attempts.map((a) => a.outcome))).toEqual([["passed"], ["passed"]])

      // The worker's install reached its own checkout only; the next checkout and the integration one installed from the changed manifests.
      const installs = mission.events.filter((e) => e.type === "checkout_install")
      expect(installs.length).toBeGreaterThanOrEqual(2)
      for (const e of installs) expect(e.exitCode, String(e.output)).toBe(0)
      expect(installs.some((e) => e.checkout === "integration")).toBe(true)
      expect(digestTree(`${project.dir}/node_modules`)).toEqual(modulesBefore)
      expect(project.exists("node_modules/tiny-pad")).toBe(false)

      // The report tells the user to install; after that, the project's tests pass in their tree.
      expect(finalText(res)).toMatch(/dependencies: the mission changed package-lock\.json, package\.json; run your install/)
      expect(JSON.parse(project.read("package.json")).dependencies["tiny-pad"]).toBe("file:vendor/tiny-pad-1.0.0.tgz")
      execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent"], {
        cwd: project.dir,
        stdio: "pipe",
        env: { ...process.env, HOME: project.sandbox.dirs.home },
      })
      await npmTest(project.dir)
    } finally {
      await real.close()
    }
  }, 300_000)
})
