import { afterEach, describe, expect, it, vi } from "vitest"
import { type PlanSpec, validatePlan } from "../../src/mission/plan.js"
import { closeMission, joinChild, openMission } from "../../src/mission/registry.js"
import { verdictProblems } from "../../src/mission/verdict.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import { END_TURN_WAIT_MS, endTurnOnHandoff } from "../../src/opencode/turn-end.js"
import { PASS } from "../support/fake-sdk.js"
import { missionState, plan, task } from "../support/helpers.js"

const check = (p: PlanSpec) => validatePlan(p, { maxTasks: 5 })

let open: string | undefined
let missions = 0

/** One running mission at a time in the registry, with its own handoff slots; `join` adds a child session to it. */
function setup(abort: (sessionID: string, directory: string) => Promise<void> = async () => undefined) {
  if (open) closeMission(open)
  const handoffs = new Handoffs()
  const state = missionState({ id: `m-turn-end-${++missions}` })
  open = state.id
  openMission(state, { handoffs, cancel: () => undefined, closeServers: async () => undefined })
  const join = (sessionID: string, directory: string) => joinChild(state.id, sessionID, directory)
  const aborted: [string, string][] = []
  const tidied: [string, string][] = []
  const hook = endTurnOnHandoff(
    (sessionID, directory) => {
      aborted.push([sessionID, directory])
      return abort(sessionID, directory)
    },
    async (sessionID, directory) => void tidied.push([sessionID, directory]),
  )
  const params = (sessionID: string) => hook({ sessionID })
  return { handoffs, join, aborted, tidied, params }
}

describe("opencode/turn-end.ts (chat.params)", () => {
  afterEach(() => void vi.useRealTimers())

  it("aborts a planner's session, in its directory, before the request after its accepted plan", async () => {
    const { handoffs, join, aborted, params } = setup()
    join("ses_p", "/project")
    handoffs.expectPlan("ses_p", check)
    await params("ses_p")
    expect(aborted).toEqual([])
    handoffs.submitPlan("ses_p", plan([task("T1")]))
    await params("ses_p")
    expect(aborted).toEqual([["ses_p", "/project"]])
  })

  it("aborts a reviewer's session in its worktree once its verdict is recorded, then drops the empty aborted message", async () => {
    const { handoffs, join, aborted, tidied, params } = setup()
    join("ses_r", "/worktrees/T1-a1")
    handoffs.expectVerdict("ses_r", verdictProblems)
    handoffs.submitVerdict("ses_r", PASS)
    await params("ses_r")
    expect(aborted).toEqual([["ses_r", "/worktrees/T1-a1"]])
    expect(tidied).toEqual([["ses_r", "/worktrees/T1-a1"]])
  })

  it("lets the model answer a rejected plan, and touches no session outside a mission or once the engine took the value", async () => {
    const { handoffs, join, aborted, params } = setup()
    join("ses_p", "/project")
    handoffs.expectPlan("ses_p", check)
    handoffs.submitPlan("ses_p", plan([task("T1", { dependsOn: ["T9"] })]))
    await params("ses_p")
    await params("ses_user")
    handoffs.submitPlan("ses_p", plan([task("T1")]))
    handoffs.takePlan("ses_p")
    await params("ses_p")
    expect(aborted).toEqual([])
  })

  it("gives up waiting after END_TURN_WAIT_MS when the abort never settles, and swallows a failed abort", async () => {
    vi.useFakeTimers()
    const hanging = setup(() => new Promise<void>(() => undefined))
    hanging.join("ses_r", "/w")
    hanging.handoffs.expectVerdict("ses_r", verdictProblems)
    hanging.handoffs.submitVerdict("ses_r", PASS)
    let settled = false
    const pending = hanging.params("ses_r").then(() => (settled = true))
    await vi.advanceTimersByTimeAsync(END_TURN_WAIT_MS - 1)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await pending
    expect(settled).toBe(true)

    const failing = setup(() => Promise.reject(new Error("connection refused")))
    failing.join("ses_r", "/w")
    failing.handoffs.expectVerdict("ses_r", verdictProblems)
    failing.handoffs.submitVerdict("ses_r", PASS)
    await expect(failing.params("ses_r")).resolves.toBeUndefined()
    expect(failing.aborted).toEqual([["ses_r", "/w"]])
  })
})
