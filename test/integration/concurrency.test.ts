import { describe, expect, it } from "vitest"
import { Options } from "../../src/config.js"
import { runMission } from "../../src/mission/engine.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import type { Progress } from "../../src/mission/ports.js"
import { type Call, defaultWorker, FakeSessions, noAnalysis, planner, type Script } from "../support/fake-sdk.js"
import { gitRepo, plan, pluginOptions, task } from "../support/helpers.js"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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
      peakAtStarts(
        workers.filter((c) => run.state.tasks.some((t) => t.attempts[0]?.round === round && t.attempts[0].sessions[0] === c.sessionID)),
        workers,
      )
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
