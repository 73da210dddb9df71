import { afterEach, describe, expect, it, vi } from "vitest"
import plugin from "../../src/index.js"
import { Options } from "../../src/config.js"
import { Aimd, type LimitChange, memoryProbe } from "../../src/mission/concurrency.js"
import { isProviderPushback } from "../../src/mission/provider-errors.js"
import { runMission } from "../../src/mission/engine.js"
import { compactionContext, register } from "../../src/mission/live.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import type { Progress } from "../../src/opencode/progress.js"
import { type Call, defaultWorker, FakeSessions, noAnalysis, planner, runScripted, type Script } from "./fake-sdk.js"
import { gitRepo, missionState, plan, pluginOptions, task, taskState, tempDir } from "./helpers.js"

afterEach(() => vi.restoreAllMocks())

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("mission/concurrency.ts Aimd", () => {
  it("adds one per smooth round up to the max, and starts at the initial value capped by the max", () => {
    const changes: LimitChange[] = []
    const aimd = new Aimd(2, 4, (c) => changes.push(c))
    expect(aimd.limit).toBe(2)
    for (let i = 0; i < 5; i++) {
      aimd.startRound()
      aimd.endRound()
    }
    expect(aimd.limit).toBe(4)
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [2, 3],
      [3, 4],
    ])
    expect(changes[0]!.cause).toBe("a round without provider pushback")
    expect(new Aimd(9, 4).limit).toBe(4)
    expect(new Aimd(0, 4).limit).toBe(1)
  })

  it("halves on a rate limit or overload, once per epoch, never below 1; no increase after a troubled round", () => {
    const changes: LimitChange[] = []
    const aimd = new Aimd(8, 8, (c) => changes.push(c))
    aimd.startRound()
    const e0 = aimd.epoch
    aimd.turnEnded("APIError: 429 Too Many Requests", e0)
    expect(aimd.limit).toBe(4)
    // Other children launched under the old limit report the same pushback: already reacted to.
    aimd.turnEnded("Rate limit reached for requests", e0)
    aimd.turnEnded("overloaded_error: Overloaded", e0)
    expect(aimd.limit).toBe(4)
    aimd.turnEnded("429", aimd.epoch)
    expect(aimd.limit).toBe(2)
    aimd.turnEnded("too many requests", aimd.epoch)
    aimd.turnEnded("rate_limit_exceeded", aimd.epoch)
    expect(aimd.limit).toBe(1)
    aimd.turnEnded("some unrelated failure", aimd.epoch)
    aimd.turnEnded(undefined, aimd.epoch)
    aimd.endRound()
    expect(aimd.limit).toBe(1)
    expect(changes.map((c) => c.to)).toEqual([4, 2, 1])
    expect(changes[0]!.cause).toBe("provider pushback: APIError: 429 Too Many Requests")
    aimd.startRound()
    aimd.endRound()
    expect(aimd.limit).toBe(2)
  })

  it("halves once a round under memory pressure", () => {
    const changes: LimitChange[] = []
    const aimd = new Aimd(8, 8, (c) => changes.push(c))
    vi.spyOn(memoryProbe, "freeRatio").mockReturnValue(0.05)
    aimd.startRound()
    aimd.checkMemory()
    aimd.checkMemory()
    expect(aimd.limit).toBe(4)
    expect(changes[0]!.cause).toBe("memory pressure: 5.0 % free")
    aimd.endRound()
    expect(aimd.limit).toBe(4)
    aimd.startRound()
    expect(aimd.limit).toBe(2)
  })

  it("moves the limit of the limiters it made, at once", async () => {
    const aimd = new Aimd(4, 4)
    aimd.startRound()
    const limit = aimd.limiter()
    expect(limit.concurrency).toBe(4)
    aimd.turnEnded("429", aimd.epoch)
    expect(limit.concurrency).toBe(2)
    let inFlight = 0
    let most = 0
    await Promise.all(
      Array.from({ length: 6 }, () =>
        limit(async () => {
          most = Math.max(most, ++inFlight)
          await sleep(5)
          inFlight--
        }),
      ),
    )
    expect(most).toBe(2)
  })

  it("recognizes rate limits and overloads, not other errors", () => {
    for (const e of ["429", "APIError: 429 Too Many Requests", "Rate limit exceeded", "rate_limit_error", "Overloaded"]) {
      expect(isProviderPushback(e), e).toBe(true)
    }
    for (const e of [undefined, "", "ProviderAuthError: invalid api key", "no result within 1200 s", "aborted"]) {
      expect(isProviderPushback(e), String(e)).toBe(false)
    }
  })
})

/** A mission against the fake SDK, keeping the live titles and log lines. */
async function recorded(script: Script, options: Partial<Options>) {
  const titles: string[] = []
  const logs: { message: string; extra?: Record<string, unknown> }[] = []
  const progress: Progress = {
    title: (t) => void titles.push(t),
    toast: () => undefined,
    log: (_level, message, extra) => void logs.push({ message, ...(extra ? { extra } : {}) }),
  }
  const handoffs = new Handoffs()
  const fake = new FakeSessions(handoffs, script)
  const result = await runMission(
    { mission: "Build it.", directory: gitRepo(), commanderSession: "ses_commander", signal: new AbortController().signal },
    { sessions: fake, handoffs, progress, options: Options.parse({ verifyTimeoutSec: 20, ...options }), analysis: noAnalysis },
  )
  return { ...result, fake, titles, logs }
}

/** Most worker turns in flight at the start of any of `calls`. */
function peakAtStarts(calls: Call[], all: Call[]): number {
  return Math.max(...calls.map((c) => all.filter((o) => o.startedAt <= c.startedAt && (o.endedAt ?? Infinity) > c.startedAt).length))
}

describe("AIMD concurrency in a running mission (fake SDK)", () => {
  // Six to eight real git worktrees (one per slot) on a 2-core machine: more than the default 20 s under load.
  it("halves when the first workers hit 429, bounds the workers still queued, then climbs back after a smooth round", { timeout: 60_000 }, async () => {
    const tasks = Array.from({ length: 8 }, (_, i) => task(`T${i + 1}`))
    let pushedBack = 0
    const run = await recorded(
      {
        planner: planner(plan(tasks)),
        worker: async (t) => {
          if (t.nth === 0 && pushedBack < 4) {
            pushedBack++
            return "APIError: 429 Too Many Requests"
          }
          await sleep(30)
          defaultWorker(t)
        },
      },
      // Eight checkouts, so all eight tasks share round 1; four workers at once to start with.
      { concurrency: 8, concurrencyInitial: 4, providerRetries: 0, maxAttempts: 3 },
    )
    expect(run.state.status).toBe("sealed")
    const workers = run.fake.of("worker")
    const round1 = workers.filter((c) => run.state.tasks.some((t) => t.attempts[0]?.round === 1 && t.attempts[0].sessions[0] === c.sessionID))
    const rejected = workers.slice(0, 4)
    expect(rejected.map((c) => run.state.tasks.find((t) => t.attempts[0]?.sessions[0] === c.sessionID)?.attempts[0]?.outcome)).toEqual(
      Array(4).fill("session_error"),
    )
    // The four launched after the halving ran at most two at a time.
    const later = round1.filter((c) => !rejected.includes(c))
    expect(later).toHaveLength(4)
    expect(peakAtStarts(later, workers)).toBeLessThanOrEqual(2)
    const changes = run.logs.filter((l) => l.message.startsWith("concurrency "))
    expect(changes.map((l) => l.message)).toEqual(["concurrency 4 → 2", "concurrency 2 → 3"])
    expect(changes[0]!.extra).toMatchObject({ from: 4, to: 2, cause: "provider pushback: APIError: 429 Too Many Requests" })
    expect(changes[1]!.extra).toMatchObject({ cause: "a round without provider pushback" })
    // Round 2 retries the four at limit 2.
    const round2 = workers.filter((c) => run.state.tasks.some((t) => t.attempts[1]?.round === 2 && t.attempts[1].sessions[0] === c.sessionID))
    expect(round2).toHaveLength(4)
    expect(peakAtStarts(round2, workers)).toBeLessThanOrEqual(2)
    expect(run.titles).toContain("running · round 1 · 0/8 tasks · 4 running · limit 4")
    expect(run.titles.some((t) => /^running · round 1 · \d\/8 tasks · \d running · limit 2$/.test(t))).toBe(true)
    expect(run.titles.some((t) => /^running · round 2 · 4\/8 tasks · [12] running · limit 2$/.test(t))).toBe(true)
  })

  it("starts at concurrencyInitial and adds one per round up to concurrency", async () => {
    const ids = ["A", "B", "C", "D", "E", "F", "G", "H", "I"]
    // Three rounds of three tasks each.
    const tasks = ids.map((id, i) => task(id, { dependsOn: i >= 3 ? [ids[i - 3]!] : [] }))
    const run = await recorded(
      { planner: planner(plan(tasks)), worker: async (t) => (await sleep(20), defaultWorker(t)) },
      { concurrency: 3, concurrencyInitial: 1, maxTasks: 12 },
    )
    expect(run.state.status).toBe("sealed")
    const workers = run.fake.of("worker")
    const peak = (round: number) =>
      peakAtStarts(workers.filter((c) => run.state.tasks.some((t) => t.attempts[0]?.round === round && t.attempts[0].sessions[0] === c.sessionID)), workers)
    expect([peak(1), peak(2), peak(3)]).toEqual([1, 2, 3])
    expect(run.logs.filter((l) => l.message.startsWith("concurrency ")).map((l) => l.message)).toEqual(["concurrency 1 → 2", "concurrency 2 → 3"])
  })

  it("config: concurrencyInitial is optional (default: concurrency) and range-checked", () => {
    expect(pluginOptions({}).options.concurrencyInitial).toBeUndefined()
    expect(pluginOptions({ concurrency: 8, concurrencyInitial: 2 }).options).toMatchObject({ concurrency: 8, concurrencyInitial: 2 })
    const bad = pluginOptions({ concurrencyInitial: 0 })
    expect(bad.ok).toBe(false)
    expect(bad.ok ? "" : bad.error).toContain("concurrencyInitial: expected integer from 1 to 32, got 0")
  })
})

describe("experimental.session.compacting", () => {
  it("gives a running mission's child and commander sessions its goal, plan summary and open tasks; nothing after it ended", async () => {
    const seen: string[][] = []
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1", { files: ["src/a.ts"] }), task("T2", { dependsOn: ["T1"] })], { summary: "First a, then b." })),
      worker: (t) => {
        if (t.call.task === "T1") seen.push(compactionContext(t.call.sessionID), compactionContext("ses_commander"))
        defaultWorker(t)
      },
    })
    expect(run.state.status).toBe("sealed")
    const [child, commander] = seen
    expect(child).toHaveLength(1)
    expect(commander).toEqual(child)
    expect(child![0]).toContain(`orchestrator mission ${run.state.id}`)
    expect(child![0]).toContain("Mission goal:\nBuild the demo feature.\nWith details on the second line.")
    expect(child![0]).toContain("Plan summary: First a, then b.")
    expect(child![0]).toContain("- T1 · Task T1 [running] — files: src/a.ts")
    expect(child![0]).toContain("- T2 · Task T2 [pending]")
    expect(compactionContext("ses_commander")).toEqual([])
    expect(compactionContext("ses_unknown")).toEqual([])
  })

  it("is registered by the plugin and pushes into output.context only for mission sessions", async () => {
    const state = missionState({ id: "m-hook", plan: { summary: "Do the thing." }, tasks: [taskState(task("T9"), "pending")] })
    register("ses_hook_child", state)
    const client = { app: { log: async () => undefined }, tui: { showToast: async () => undefined } }
    const hooks = await plugin.server({ client, directory: tempDir() } as never, {})
    const compacting = hooks["experimental.session.compacting"]!
    const output = { context: ["kept"] }
    await compacting({ sessionID: "ses_hook_child" }, output)
    expect(output.context).toHaveLength(2)
    expect(output.context[0]).toBe("kept")
    expect(output.context[1]).toContain("mission m-hook")
    expect(output.context[1]).toContain("Plan summary: Do the thing.")
    expect(output.context[1]).toContain("- T9 · Task T9 [pending]")
    const other = { context: [] as string[] }
    await compacting({ sessionID: "ses_someone_else" }, other)
    expect(other.context).toEqual([])
    state.endedAt = new Date().toISOString()
    await compacting({ sessionID: "ses_hook_child" }, other)
    expect(other.context).toEqual([])
  })
})
