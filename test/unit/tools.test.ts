import { describe, expect, it } from "vitest"
import type { PlanSpec } from "../../src/mission/plan.js"
import { verdictProblems } from "../../src/mission/verdict.js"
import { closeMission, joinChild, openMission } from "../../src/mission/registry.js"
import { shownOutput } from "../../src/opencode/tools.js"
import { PASS } from "../support/fake-sdk.js"
import { check, ctx, setup } from "../support/handoff-tools.js"
import { missionState, plan, task } from "../support/helpers.js"

describe("opencode/tools.ts", () => {
  describe("submit_plan", () => {
    it("tells a session with no open slot not to call it", async () => {
      const { tools } = setup()
      const out = await tools.submit_plan.execute(plan([task("T1")]), ctx("ses_x"))
      expect(out).toMatch(/^The plan was rejected/)
      expect(out).toContain("No mission is waiting for a plan from this session")
    })

    it("rejects a malformed plan with one line per field to fix", async () => {
      const { tools, handoffs } = setup()
      handoffs.expectPlan("ses_p", check)
      const bad = { summary: "", tasks: [{ ...task("T1"), acceptance: [] }] } as unknown as PlanSpec
      const out = String(await tools.submit_plan.execute(bad, ctx("ses_p")))
      expect(out).toMatch(/^The plan was rejected\. Fix these and call submit_plan again:/)
      expect(out).toMatch(/^- summary: /m)
      expect(out).toMatch(/^- tasks\.0\.acceptance: /m)
      expect(handoffs.takePlan("ses_p")).toEqual({ errors: [] })
    })

    it("rejects an invalid DAG with the validation errors, and the engine sees them", async () => {
      const { tools, handoffs } = setup()
      handoffs.expectPlan("ses_p", check)
      const out = String(await tools.submit_plan.execute(plan([task("T1", { dependsOn: ["T2"] })]), ctx("ses_p")))
      expect(out).toContain("rejected")
      expect(out).toContain('- tasks[T1].dependsOn: unknown task "T2"')
      const taken = handoffs.takePlan("ses_p")
      expect(taken.value).toBeUndefined()
      expect(taken.errors).toEqual([expect.stringContaining('unknown task "T2"')])
    })

    it("accepts a valid plan once; the engine takes it; a second submission is refused", async () => {
      const { tools, handoffs } = setup()
      handoffs.expectPlan("ses_p", check)
      const p = plan([task("T1"), task("T2", { dependsOn: ["T1"] })])
      expect(await tools.submit_plan.execute(p, ctx("ses_p"))).toMatch(/^Plan accepted \(2 tasks\)/)
      const again = String(await tools.submit_plan.execute(plan([task("T9")]), ctx("ses_p")))
      expect(again).toContain("A plan was already accepted in this session")
      expect(handoffs.takePlan("ses_p")).toEqual({ value: p, errors: [] })
      // The slot is gone once taken.
      expect(String(await tools.submit_plan.execute(p, ctx("ses_p")))).toContain("No mission is waiting")
    })

    it("accepts a corrected plan after a rejected one", async () => {
      const { tools, handoffs } = setup()
      handoffs.expectPlan("ses_p", check)
      await tools.submit_plan.execute(plan([]), ctx("ses_p"))
      expect(await tools.submit_plan.execute(plan([task("T1")]), ctx("ses_p"))).toMatch(/^Plan accepted/)
      expect(handoffs.takePlan("ses_p").value?.tasks.map((t) => t.id)).toEqual(["T1"])
    })
  })

  describe("submit_verdict", () => {
    it("tells a session with no open slot not to call it", async () => {
      const { tools } = setup()
      expect(String(await tools.submit_verdict.execute(PASS, ctx("ses_x")))).toContain("No mission is waiting for a verdict")
    })

    it("rejects a pass without evidence and a malformed verdict", async () => {
      const { tools, handoffs } = setup()
      handoffs.expectVerdict("ses_r", verdictProblems)
      const noEvidence = String(await tools.submit_verdict.execute({ ...PASS, evidence: [] }, ctx("ses_r")))
      expect(noEvidence).toMatch(/^The verdict was rejected/)
      expect(noEvidence).toMatch(/^- evidence: /m)
      const malformed = String(await tools.submit_verdict.execute({ verdict: "maybe" } as never, ctx("ses_r")))
      expect(malformed).toMatch(/^- verdict: /m)
      expect(malformed).toMatch(/^- summary: /m)
      expect(handoffs.takeVerdict("ses_r").value).toBeUndefined()
    })

    it("records a valid verdict once", async () => {
      const { tools, handoffs } = setup()
      handoffs.expectVerdict("ses_r", verdictProblems)
      expect(await tools.submit_verdict.execute(PASS, ctx("ses_r"))).toBe("Verdict recorded. Stop now.")
      expect(String(await tools.submit_verdict.execute({ ...PASS, verdict: "fail" }, ctx("ses_r")))).toContain("already accepted")
      expect(handoffs.takeVerdict("ses_r").value).toEqual(PASS)
    })
  })

  describe("orchestrate", () => {
    it("refuses an empty mission", async () => {
      const { tools } = setup()
      await expect(tools.orchestrate.execute({ mission: "   \n" }, ctx("ses_c"))).rejects.toThrow(/The mission is empty/)
    })

    it("refuses a mission over maxMissionChars and names the limit", async () => {
      const { tools, sessions } = setup({ maxMissionChars: 100 })
      await expect(tools.orchestrate.execute({ mission: "x".repeat(101) }, ctx("ses_c"))).rejects.toThrow(
        /101 characters; the limit is 100 \(option maxMissionChars\)/,
      )
      expect(sessions.created).toEqual([])
    })

    it("refuses a session that is already in a mission", async () => {
      const { tools, handoffs, sessions } = setup()
      const running = missionState({ id: "m-running" })
      openMission(running, { handoffs, cancel: () => undefined, closeServers: async () => undefined })
      joinChild(running.id, "ses_child", "/tmp")
      await expect(tools.orchestrate.execute({ mission: "Do it." }, ctx("ses_child"))).rejects.toThrow(/a mission cannot start another/)
      expect(sessions.created).toEqual([])
      closeMission(running.id)
    })

    it("refuses to run with invalid plugin options and says which", async () => {
      const { tools } = setup({ concurrency: 0 })
      await expect(tools.orchestrate.execute({ mission: "Do it." }, ctx("ses_c"))).rejects.toThrow(/concurrency: /)
    })
  })
})

describe("opencode/tools.ts shownOutput", () => {
  it("gives the model the status line and the planner's questions, not the report", () => {
    const report =
      "**Mission needs_user** — the planner needs answers.\n\nWhy.\n\n## Questions\n\n1. Which DB?\n2. Which port?\n\nAnswer them in a new `/task`.\n\n## Spent\n\n- lots"
    const out = shownOutput(report)
    expect(out.split("\n")[0]).toBe("**Mission needs_user** — the planner needs answers.")
    expect(out).toContain("1. Which DB?\n2. Which port?")
    expect(out).not.toContain("## Spent")
    expect(shownOutput("**Mission sealed** — ok.\n\n## Tasks\n\n| T1 |")).toBe(
      "**Mission sealed** — ok.\n\nThe whole report is shown to the user above, as the engine wrote it.",
    )
  })
})
