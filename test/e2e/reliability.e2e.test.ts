// Crash, cancel, budget and provider-error behaviour through the real opencode binary.
import { execFileSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { type ModelServer, startModelServer } from "../support/model-server.js"
import { makeProject, PLUGIN_UNDER_TEST, type Project, startServe } from "../support/opencode.js"
import { type CoderScenario, scriptedCoder } from "../support/scripted-coder.js"
import { FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, PLAN } from "./fixtures.js"
import { debugDump, finalText, otherWorktrees, readMission, runTask, sessionsOf } from "./mission-helpers.js"

const TIMEOUT = 300_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls until `check` returns a value (or the deadline passes). */
async function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

function missionStatus(project: Project): string | undefined {
  try {
    return readMission(project).state.status
  } catch {
    return undefined
  }
}

/** Starts `/task` in a new session of a served OpenCode without waiting for it. */
async function startTask(served: Awaited<ReturnType<typeof startServe>>, args: string): Promise<string> {
  const session = await served.client.session.create({ body: { title: "mission" } })
  const id = session.data!.id
  void served.client.session.command({ path: { id }, body: { command: "task", arguments: args } }).catch(() => undefined)
  return id
}

const coder = (over: Partial<CoderScenario> = {}): CoderScenario => ({
  plan: () => PLAN,
  work: (order) => FILES_BY_TASK[order.taskId] ?? {},
  review: (req) => honestPass(req.taskId),
  ...over,
})

describe("reliability in real OpenCode", () => {
  it(
    "kill -9 while a worker runs, then /task --resume in a new server: passed tasks are not re-run and the mission seals",
    async () => {
      let killed = false
      let t3Started = false
      let t3FirstTurns = 0
      const base = scriptedCoder(coder())
      const server: ModelServer = await startModelServer((req) => {
        if (req.offers("write") && req.firstUserText().startsWith("# T3 · ") && req.toolResults().length === 0) t3FirstTurns++
        // T3's first worker turn is never answered: the server is killed while it hangs.
        if (!killed && req.offers("write") && req.firstUserText().startsWith("# T3 · ")) {
          t3Started = true
          return new Promise<never>(() => undefined)
        }
        return base(req)
      })
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const first = await startServe({ project, model: server, plugins: [PLUGIN_UNDER_TEST] })
      await startTask(first, MISSION)
      await until(() => (t3Started ? true : undefined), 150_000, "T3's worker to start")
      await sleep(500)
      await first.kill("SIGKILL")
      killed = true
      const interrupted = readMission(project).state
      expect(interrupted.status).toBe("running")
      expect(interrupted.tasks.map((t) => t.status)).toEqual(["passed", "passed", "running"])

      const second = await startServe({ project, model: server, plugins: [PLUGIN_UNDER_TEST] })
      const resumer = await startTask(second, "--resume")
      await until(
        () => (["sealed", "failed", "cancelled", "budget_exhausted"].includes(missionStatus(project) ?? "") ? true : undefined),
        200_000,
        "the resumed mission to end",
      )
      const { state, events } = readMission(project)
      expect(state.status, state.reason).toBe("sealed")
      expect(state.commanderSession).toBe(resumer)
      expect(events.some((e) => e.type === "mission_resumed")).toBe(true)
      // T1 and T2 ran once; T3 ran again from a fresh worktree.
      const workersOf = (id: string) => sessionsOf(server, "worker").filter((w) => w.firstUserText.startsWith(`# ${id} · `))
      expect(workersOf("T1")).toHaveLength(1)
      expect(workersOf("T2")).toHaveLength(1)
      expect(t3FirstTurns).toBe(2) // the one cut by the kill (never answered) and the re-run
      expect(workersOf("T3")).toHaveLength(1)
      // Same result as an uninterrupted run.
      for (const [file, content] of Object.entries({ ...FILES_BY_TASK.T1, ...FILES_BY_TASK.T2, ...FILES_BY_TASK.T3 })) {
        expect(project.read(file), file).toBe(content)
      }
      expect(() => execFileSync("node", ["--test"], { cwd: project.dir, stdio: "pipe" })).not.toThrow()
      expect(otherWorktrees(project), project.git("worktree", "list")).toEqual([])
      await second.kill()
    },
    TIMEOUT,
  )

  it(
    "aborting the commander session while two workers run: every child is idle within 5 s, the state says cancelled, the model hears nothing more",
    async () => {
      const base = scriptedCoder(coder())
      const workers = new Set<string | undefined>()
      const server = await startModelServer((req) => {
        if (!req.offers("write")) return base(req)
        workers.add(req.sessionId)
        return { ...base(req), delayMs: 20_000 }
      })
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const served = await startServe({ project, model: server, plugins: [PLUGIN_UNDER_TEST] })
      const commander = await startTask(served, MISSION)
      await until(() => (workers.size >= 2 ? true : undefined), 150_000, "two workers")
      await sleep(500)
      const abortedAt = Date.now()
      await served.client.session.abort({ path: { id: commander } })

      const children = (await served.client.session.children({ path: { id: commander } })).data ?? []
      expect(children.length).toBeGreaterThanOrEqual(3) // planner + two workers
      let allIdle = false
      while (Date.now() - abortedAt < 5_000 && !allIdle) {
        allIdle = await childrenIdle(
          served,
          children.map((c) => ({ id: c.id, directory: c.directory })),
        )
        if (!allIdle) await sleep(250)
      }
      expect(allIdle, "every child session idle within 5 s").toBe(true)
      await until(() => (missionStatus(project) === "cancelled" ? true : undefined), 15_000, "state cancelled")
      const seen = server.work().length
      await sleep(4_000)
      expect(
        server
          .work()
          .slice(seen)
          .filter((e) => e.sessionId !== commander),
      ).toEqual([])
      expect(otherWorktrees(project), project.git("worktree", "list")).toEqual([])
      await served.kill()
    },
    TIMEOUT,
  )

  it(
    "a reviewer that always fails ends the mission failed after maxAttempts, not later",
    async () => {
      const server = await startModelServer(
        scriptedCoder(
          coder({
            plan: () => ({ summary: "one task", tasks: [PLAN.tasks[0]], verify: ["node --test"] }),
            review: () => ({ verdict: "fail", summary: "Not good enough.", issues: [{ severity: "major", message: "Rename add to sum." }], evidence: [] }),
          }),
        ),
      )
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const res = await runTask(project, server, "Add add().", { maxAttempts: 2 })
      debugDump(server, res)
      const { state } = readMission(project)
      expect(state.status).toBe("failed")
      expect(sessionsOf(server, "worker")).toHaveLength(2)
      expect(sessionsOf(server, "reviewer")).toHaveLength(2)
      expect(finalText(res)).toMatch(/^\*\*Mission failed\*\*/m)
      expect(finalText(res)).toContain("Rename add to sum.")
    },
    TIMEOUT,
  )

  it(
    "a token budget smaller than the mission needs ends it budget_exhausted, naming the budget",
    async () => {
      const server = await startModelServer(scriptedCoder(coder()))
      const project = makeProject({ git: true, files: MATH_PROJECT })
      // The children spend ~18k tokens before T3's worker starts and ~24k before T3's reviewer would: the budget runs out between.
      const res = await runTask(project, server, MISSION, { maxTokens: 21_000 })
      debugDump(server, res)
      const { state } = readMission(project)
      expect(state.status).toBe("budget_exhausted")
      expect(state.reason).toContain("maxTokens = 21000")
      expect(finalText(res)).toMatch(/^\*\*Mission budget_exhausted\*\*/m)
      expect(sessionsOf(server, "reviewer").filter((r) => r.firstUserText.includes("final review"))).toHaveLength(0)
    },
    TIMEOUT,
  )

  it(
    "HTTP 429 twice, then success: the mission seals, the retries are logged, no attempt is spent",
    async () => {
      let refusals = 0
      const base = scriptedCoder(coder())
      const server = await startModelServer((req) => {
        if (req.offers("write") && refusals < 2) {
          refusals++
          return { status: 429, body: { error: { message: "Too Many Requests" } }, headers: { "retry-after-ms": "1500" } }
        }
        return base(req)
      })
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const res = await runTask(project, server, MISSION)
      debugDump(server, res)
      expect(server.log.filter((e) => e.status === 429)).toHaveLength(2)
      const { state, events } = readMission(project)
      expect(state.status).toBe("sealed")
      expect(state.tasks.map((t) => t.attempts.length)).toEqual([1, 1, 1])
      expect(events.filter((e) => e.type === "provider_retry").length).toBeGreaterThanOrEqual(1)
    },
    TIMEOUT,
  )
})

async function childrenIdle(served: Awaited<ReturnType<typeof startServe>>, children: { id: string; directory: string }[]): Promise<boolean> {
  for (const child of children) {
    const status = await served.clientFor(child.directory).session.status()
    const map = (status.data ?? {}) as Record<string, { type: string }>
    if ((map[child.id]?.type ?? "idle") !== "idle") return false
  }
  return true
}
