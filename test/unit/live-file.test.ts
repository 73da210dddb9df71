import { describe, expect, it } from "vitest"
import type { Mission } from "../../src/mission/context.js"
import { liveView } from "../../src/mission/live-file.js"
import type { Attempt } from "../../src/mission/state.js"
import { missionState, task, taskState } from "../support/helpers.js"

describe("mission/live-file.ts liveView", () => {
  it("says requeued for a task sent back by a merge conflict, and the attempts spent", () => {
    const attempt = (outcome: Attempt["outcome"], n: number): Attempt => ({
      attempt: n,
      round: n,
      outcome,
      feedback: "",
      changedFiles: [],
      evidence: [],
      sessions: [`ses_w${n}`],
    })
    const conflicted = taskState(task("T1"), "pending")
    conflicted.attempts = [attempt("merge_conflict", 1)]
    const retried = taskState(task("T2"), "pending")
    retried.attempts = [attempt("review_failed", 1)]
    const state = missionState({ status: "running", round: 2, tasks: [conflicted, retried, taskState(task("T3"), "running")] })
    const m = { state, booked: new Map(), aimd: { limit: 2 }, deps: { options: { maxAttempts: 3 } } } as unknown as Mission
    const view = liveView(m, { phase: "running", running: 1, limit: 2, steps: new Map([["T3", { step: "checking" as const, round: 1 }]]), messages: new Map() })
    // T3's "checking" is from round 1: stale in round 2, so it is running.
    expect(view.tasks.map((t) => [t.id, t.status, t.attempt])).toEqual([
      ["T1", "requeued", 1],
      ["T2", "pending", 1],
      ["T3", "running", 1],
    ])
    expect(view.sessions).toEqual(["ses_w1"])
  })
})
