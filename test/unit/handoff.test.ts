import { describe, expect, it } from "vitest"
import { verdictProblems } from "../../src/mission/verdict.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import { PASS } from "../support/fake-sdk.js"
import { check } from "../support/handoff-tools.js"
import { plan, task } from "../support/helpers.js"

describe("opencode/handoff.ts", () => {
  it("keeps slots of different sessions apart", () => {
    const handoffs = new Handoffs()
    handoffs.expectPlan("a", check)
    expect(handoffs.submitPlan("b", plan([task("T1")]))).toEqual([expect.stringContaining("No mission is waiting")])
    expect(handoffs.takePlan("a")).toEqual({ errors: [] })
  })

  describe("the turn's end", () => {
    it("a session is handed off from the accepted plan or verdict until the engine takes it, not after a rejection", () => {
      const handoffs = new Handoffs()
      handoffs.expectPlan("ses_p", check)
      handoffs.expectVerdict("ses_r", verdictProblems)
      handoffs.submitPlan("ses_p", plan([]))
      handoffs.submitVerdict("ses_r", { ...PASS, evidence: [] })
      expect([handoffs.handedOff("ses_p"), handoffs.handedOff("ses_r")]).toEqual([false, false])
      handoffs.submitPlan("ses_p", plan([task("T1")]))
      handoffs.submitVerdict("ses_r", PASS)
      expect([handoffs.handedOff("ses_p"), handoffs.handedOff("ses_r")]).toEqual([true, true])
      handoffs.takePlan("ses_p")
      handoffs.takeVerdict("ses_r")
      expect([handoffs.handedOff("ses_p"), handoffs.handedOff("ses_r")]).toEqual([false, false])
    })
  })
})
