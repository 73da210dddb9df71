// `/task` end to end through the real opencode binary and the built plugin.
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { overlapped, startModelServer } from "../support/model-server.js"
import { makeProject } from "../support/opencode.js"
import { scriptedCoder } from "../support/scripted-coder.js"
import { ADD, ADD_BUGGY, FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, MUL, MUL_BUGGY, MUL_UNPARSABLE, PLAN, T1, T2, T3 } from "./fixtures.js"
import { debugDump, finalText, readMission, roleOf, runTask, sessionSpan, sessionsOf } from "./mission-helpers.js"

const TIMEOUT = 240_000
const projectTestsPass = (dir: string) => execFileSync("node", ["--test"], { cwd: dir, stdio: "pipe" })

describe("/task in real OpenCode", () => {
  it(
    "plans, runs two independent tasks in parallel and a dependent one after, reviews, verifies and seals",
    async () => {
      const server = await startModelServer(
        scriptedCoder({
          delayMs: 800,
          plan: () => PLAN,
          work: (order) => FILES_BY_TASK[order.taskId] ?? {},
          review: (req) => honestPass(req.taskId),
        }),
      )
      const project = makeProject({ git: true, files: MATH_PROJECT })
      project.write("README.md", "# mathlib\n\nTiny maths helpers. (user's uncommitted edit)\n")
      project.write("notes.txt", "the user's untracked notes\n")

      const res = await runTask(project, server, MISSION)
      debugDump(server, res)
      expect(res.code, res.stderr.slice(-3000)).toBe(0)

      // Real effects: the files exist and the project's own tests pass.
      for (const rel of ["src/add.js", "src/mul.js", "src/dot.js", "test/dot.test.js"]) expect(project.exists(rel), rel).toBe(true)
      expect(() => projectTestsPass(project.dir)).not.toThrow()
      // The user's uncommitted and untracked edits outside the tasks are untouched.
      expect(project.read("README.md")).toBe("# mathlib\n\nTiny maths helpers. (user's uncommitted edit)\n")
      expect(project.read("notes.txt")).toBe("the user's untracked notes\n")

      // The two independent workers overlapped in time; the dependent one started after both ended.
      const workers = sessionsOf(server, "worker")
      const first = (id: string) => workers.find((w) => w.firstUserText.startsWith(`# ${id} · `))!
      const span = (id: string) => sessionSpan(server, first(id))
      const lastEnd = (id: string) => span(id).endedAt
      expect(workers).toHaveLength(3)
      expect(overlapped(span("T1"), span("T2")), JSON.stringify([span("T1"), span("T2")])).toBe(true)
      expect(first("T3").startedAt).toBeGreaterThanOrEqual(Math.max(lastEnd("T1"), lastEnd("T2")))
      // The worker got the planner's work order verbatim; the reviewer got it with the diff.
      expect(first("T1").firstUserText).toContain(T1.description)
      expect(first("T1").firstUserText).toContain(T1.acceptance[0])
      const review = sessionsOf(server, "reviewer").find((r) => r.firstUserText.includes("# T3 · "))!
      expect(review.firstUserText).toContain(T3.description)
      expect(review.firstUserText).toContain("+++ b/src/dot.js")
      // Only the commander is offered orchestrate; children only their own handoff tool.
      for (const e of server.work()) {
        const handoffs = e.tools.filter((t) => ["orchestrate", "submit_plan", "submit_verdict"].includes(t))
        expect(handoffs.length, `${roleOf(e)} offered ${e.tools.join(",")}`).toBeLessThanOrEqual(1)
        expect(e.tools).not.toContain("task")
      }

      // State, TODO.md and the report.
      const { state, todo } = readMission(project)
      expect(state.status).toBe("sealed")
      expect(state.mission).toBe(MISSION) // the raw /task arguments, not the model's paraphrase
      expect(state.tasks.map((t) => t.status)).toEqual(["passed", "passed", "passed"])
      for (const line of ["- [x] T1 · Add add()", "- [x] T2 · Add mul()", "- [x] T3 · Add dot()"]) expect(todo).toContain(line)
      const text = finalText(res)
      expect(text).toMatch(/^\*\*Mission sealed\*\*/m)
      expect(text).toContain("| T3 | Add dot() | passed | 1 |")
      expect(text).toContain("| `node --test` | 0 |")
      expect(text).toMatch(/tokens: \d+ in, \d+ out/)
    },
    TIMEOUT,
  )

  it(
    "retries: an invalid plan is corrected, a failed verify gate skips review, a pass whose evidence does not reproduce is rejected",
    async () => {
      const t2 = { ...T2, verify: ["test -f src/mul.js"] }
      const plan = { summary: "add and mul", tasks: [T1, t2], verify: ["node --test"] }
      const badPlan = { ...plan, tasks: [T1, { ...t2, dependsOn: ["T9"] }] }
      const server = await startModelServer(
        scriptedCoder({
          plan: (_mission, call) => (call === 0 ? badPlan : plan),
          work: (order) => {
            if (order.taskId === "T1") return order.attempt === 1 ? ADD_BUGGY : ADD
            return order.attempt === 1 ? MUL_BUGGY : MUL
          },
          review: (req) => {
            if (req.taskId === "T2" && req.previous === 0) {
              // A lie: the test fails on the buggy mul, but the reviewer claims it passed.
              return { verdict: "pass", summary: "Looks right.", issues: [], evidence: [{ command: "node --test test/mul.test.js", exitCode: 0 }] }
            }
            return honestPass(req.taskId)
          },
        }),
      )
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const res = await runTask(project, server, "Add add and mul with tests.")
      debugDump(server, res)
      expect(res.code, res.stderr.slice(-3000)).toBe(0)

      // The planner: one session, two submit_plan calls; the first was rejected with a precise message.
      expect(sessionsOf(server, "planner")).toHaveLength(1)
      const planResults = server.log.filter((e) => roleOf(e) === "planner").flatMap((e) => e.request.messages.filter((m) => m.role === "tool"))
      expect(JSON.stringify(planResults)).toContain('unknown task \\"T9\\"')

      const workers = sessionsOf(server, "worker")
      const reviewers = sessionsOf(server, "reviewer")
      const of = (list: typeof workers, id: string) => list.filter((e) => e.firstUserText.includes(`# ${id} · `))
      // T1: the verify gate failed its first attempt, so only its second attempt was reviewed.
      expect(of(workers, "T1")).toHaveLength(2)
      expect(of(reviewers, "T1")).toHaveLength(1)
      expect(of(workers, "T1")[1]!.firstUserText).toMatch(/Previous attempt 1 was rejected: verify failed/)
      expect(of(workers, "T1")[1]!.firstUserText).toContain("`node --test test/add.test.js` exited 1")
      // T2: the lying pass was re-run by the engine, rejected, and the task retried with that finding.
      expect(of(workers, "T2")).toHaveLength(2)
      expect(of(reviewers, "T2")).toHaveLength(2)
      expect(of(workers, "T2")[1]!.firstUserText).toContain("evidence did not reproduce")
      expect(of(workers, "T2")[1]!.firstUserText).toContain("the reviewer claimed exit 0, the engine got 1")

      const { state } = readMission(project)
      expect(state.status).toBe("sealed")
      expect(state.tasks.map((t) => t.attempts.map((a) => a.outcome))).toEqual([
        ["verify_failed", "passed"],
        ["evidence_mismatch", "passed"],
      ])
      expect(() => projectTestsPass(project.dir)).not.toThrow()
      expect(finalText(res)).toContain("| T2 | Add mul() | passed | 2 |")
    },
    TIMEOUT,
  )

  it(
    "a planner with questions ends the mission in needs_user without touching the project",
    async () => {
      const server = await startModelServer(
        scriptedCoder({
          plan: () => ({ summary: "Unclear target.", questions: ["Which database should sessions be stored in?"], tasks: [] }),
          work: () => ({ "should-not-exist.txt": "x" }),
          review: (req) => honestPass(req.taskId),
        }),
      )
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const res = await runTask(project, server, "Add persistent sessions.")
      debugDump(server, res)
      expect(res.code).toBe(0)
      expect(sessionsOf(server, "worker")).toHaveLength(0)
      expect(project.git("status", "--porcelain")).toBe("")
      const { state } = readMission(project)
      expect(state.status).toBe("needs_user")
      expect(state.questions).toEqual(["Which database should sessions be stored in?"])
      const text = finalText(res)
      expect(text).toMatch(/^\*\*Mission needs_user\*\*/m)
      expect(text).toContain("1. Which database should sessions be stored in?")
    },
    TIMEOUT,
  )

  it(
    "outside git: tasks run one at a time in place; a cyclic plan, an unparsable change and a verdict missing a field are caught and corrected",
    async () => {
      const cyclic = { ...PLAN, tasks: [{ ...T1, dependsOn: ["T3"] }, T2, T3] }
      const server = await startModelServer(
        scriptedCoder({
          delayMs: 200,
          plan: (_m, call) => (call === 0 ? cyclic : PLAN),
          work: (order) => (order.taskId === "T2" && order.attempt === 1 ? MUL_UNPARSABLE : (FILES_BY_TASK[order.taskId] ?? {})),
          review: (req) => {
            const verdict = honestPass(req.taskId)
            if (req.call === 0) delete verdict.summary
            return verdict
          },
        }),
      )
      const project = makeProject({ git: false, files: MATH_PROJECT })
      const res = await runTask(project, server, MISSION)
      debugDump(server, res)
      expect(res.code).toBe(0)

      const planResults = JSON.stringify(server.log.filter((e) => roleOf(e) === "planner").map((e) => e.request.messages))
      expect(planResults).toMatch(/cycle \(T1 → T3 → T1\)|cycle \(T3 → T1 → T3\)/)
      const reviewerToolResults = server.log
        .filter((e) => roleOf(e) === "reviewer")
        .flatMap((e) => e.request.messages.filter((m) => m.role === "tool").map((m) => JSON.stringify(m.content)))
      expect(reviewerToolResults.some((r) => /summary/.test(r) && /invalid|rejected/i.test(r))).toBe(true)

      // One worker at a time.
      const workers = server.log.filter((e) => roleOf(e) === "worker")
      const sessions = [...new Set(workers.map((w) => w.sessionId))].map((id) => {
        const own = workers.filter((w) => w.sessionId === id)
        return { start: Math.min(...own.map((w) => w.startedAt)), end: Math.max(...own.map((w) => w.endedAt)) }
      })
      sessions.sort((a, b) => a.start - b.start)
      for (let i = 1; i < sessions.length; i++) expect(sessions[i]!.start).toBeGreaterThanOrEqual(sessions[i - 1]!.end)

      // The native syntax gate (loaded inside OpenCode's Bun runtime) caught the unparsable first attempt.
      const { state } = readMission(project)
      expect(state.tasks[1]!.attempts.map((a) => a.outcome)).toEqual(["syntax_failed", "passed"])
      const t2Retry = sessionsOf(server, "worker").filter((w) => w.firstUserText.includes("# T2 · "))[1]!
      expect(t2Retry.firstUserText).toMatch(/These files do not parse:\n\n- src\/mul\.js:\d+:\d+: /)
      expect(state.status).toBe("sealed")
      expect(state.isolation.note).toContain("not a git repository")
      expect(finalText(res)).toContain("not a git repository")
      expect(() => projectTestsPass(project.dir)).not.toThrow()
    },
    TIMEOUT,
  )

  it(
    "an empty mission and one over 20,000 characters are refused with a clear message, and nothing is written",
    async () => {
      const server = await startModelServer(scriptedCoder({ plan: () => PLAN, work: () => ({}), review: (r) => honestPass(r.taskId) }))
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const empty = await runTask(project, server, "   ")
      expect(finalText(empty)).toContain("The mission is empty")
      const huge = await runTask(project, server, "x".repeat(20_001))
      expect(finalText(huge)).toContain("the limit is 20000")
      expect(sessionsOf(server, "planner")).toHaveLength(0)
      expect(existsSync(join(project.dir, ".opencode/orchestrator"))).toBe(false)
      expect(project.git("status", "--porcelain")).toBe("")
    },
    TIMEOUT,
  )
})
