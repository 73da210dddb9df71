import type { PluginInput, ToolContext } from "@opencode-ai/plugin"
import { describe, expect, it } from "vitest"
import { type PlanSpec, validatePlan } from "../../src/mission/plan.js"
import { verdictProblems } from "../../src/mission/verdict.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import { handoffTools } from "../../src/opencode/tools.js"
import { FakeSessions, noAnalysis, PASS, type Script } from "./fake-sdk.js"
import { gitRepo, plan, pluginOptions, task } from "./helpers.js"

const client = {
  tui: { showToast: async () => ({}) },
  app: { log: async () => ({}) },
} as unknown as PluginInput["client"]

function ctx(sessionID: string, directory = "/tmp", abort = new AbortController().signal) {
  const titles: string[] = []
  const context: ToolContext = {
    sessionID,
    messageID: "msg_1",
    agent: "commander",
    directory,
    worktree: directory,
    abort,
    metadata: (input) => void (input.title && titles.push(input.title)),
    ask: async () => undefined,
  }
  return Object.assign(context, { titles })
}

function setup(options: Record<string, unknown> = {}, script: Script = {}) {
  const handoffs = new Handoffs()
  const sessions = new FakeSessions(handoffs, script)
  const commandArguments = new Map<string, string>()
  const tools = handoffTools({ client, sessions, handoffs, config: pluginOptions(options), analysis: noAnalysis, commandArguments })
  return { handoffs, sessions, commandArguments, tools }
}

const check = (p: PlanSpec) => validatePlan(p, { maxTasks: 5 })

describe("opencode/handoff.ts + tools.ts", () => {
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

    it("keeps slots of different sessions apart", () => {
      const handoffs = new Handoffs()
      handoffs.expectPlan("a", check)
      expect(handoffs.submitPlan("b", plan([task("T1")]))).toEqual([expect.stringContaining("No mission is waiting")])
      expect(handoffs.takePlan("a")).toEqual({ errors: [] })
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

    it("knows the directory of each mission session until it leaves", () => {
      const handoffs = new Handoffs()
      handoffs.join("ses_r", "/worktrees/T1-a1")
      expect(handoffs.directoryOf("ses_r")).toBe("/worktrees/T1-a1")
      expect(handoffs.directoryOf("ses_user")).toBeUndefined()
      handoffs.leave("ses_r")
      expect(handoffs.directoryOf("ses_r")).toBeUndefined()
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
      handoffs.join("ses_child", "/tmp")
      await expect(tools.orchestrate.execute({ mission: "Do it." }, ctx("ses_child"))).rejects.toThrow(/a mission cannot start another/)
      expect(sessions.created).toEqual([])
    })

    it("refuses to run with invalid plugin options and says which", async () => {
      const { tools } = setup({ concurrency: 0 })
      await expect(tools.orchestrate.execute({ mission: "Do it." }, ctx("ses_c"))).rejects.toThrow(/concurrency: /)
    })

    it("runs the captured /task arguments, not the model's paraphrase, and guards against nesting", async () => {
      let nested: unknown
      let commanderInMission = false
      const toolsRef: { current?: ReturnType<typeof handoffTools> } = {}
      const { tools, handoffs, commandArguments, sessions } = setup({}, {
        planner: async (t) => {
          commanderInMission = t.handoffs.inMission("ses_c")
          nested = await toolsRef.current!.orchestrate.execute({ mission: "nested" }, ctx(t.call.sessionID)).catch((e: Error) => e)
          t.submitPlan(plan([], { questions: ["Which port?"] }))
        },
      })
      toolsRef.current = tools
      commandArguments.set("ses_c", "  Add a --port flag; keep `--host` as is.  ")
      const dir = gitRepo()
      const context = ctx("ses_c", dir)
      const result = await tools.orchestrate.execute({ mission: "add port flag" }, context)
      if (typeof result === "string") throw new Error("expected a result object")
      expect(result.metadata).toMatchObject({ status: "needs_user" })
      expect(result.output.split("\n")[0]).toMatch(/^\*\*Mission needs_user\*\*/)
      expect(result.output).toContain("1. Which port?")
      const prompt = sessions.of("planner")[0]!.text
      expect(prompt).toContain("Add a --port flag; keep `--host` as is.")
      expect(prompt).not.toContain("add port flag")
      expect(commandArguments.has("ses_c")).toBe(false)
      expect(commanderInMission).toBe(true)
      expect(nested).toBeInstanceOf(Error)
      expect(String(nested)).toMatch(/cannot start another/)
      expect(handoffs.inMission("ses_c")).toBe(false)
      expect(context.titles.at(-1)).toMatch(/^mission needs_user/)
    })
  })
})
