import { describe, expect, it } from "vitest"
import { inMission } from "../../src/mission/registry.js"
import type { handoffTools } from "../../src/opencode/tools.js"
import { ctx, setup } from "../support/handoff-tools.js"
import { gitRepo, plan } from "../support/helpers.js"

describe("opencode/tools.ts orchestrate on a real repository (fake SDK)", () => {
  it("runs the captured /task arguments, not the model's paraphrase, and guards against nesting", async () => {
    let nested: unknown
    let commanderInMission = false
    const toolsRef: { current?: ReturnType<typeof handoffTools> } = {}
    const { tools, commandArguments, sessions } = setup(
      {},
      {
        planner: async (t) => {
          commanderInMission = inMission("ses_c")
          nested = await toolsRef.current!.orchestrate.execute({ mission: "nested" }, ctx(t.call.sessionID)).catch((e: Error) => e)
          t.submitPlan(plan([], { questions: ["Which port?"] }))
        },
      },
    )
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
    expect(inMission("ses_c")).toBe(false)
    expect(context.titles.at(-1)).toMatch(/^mission needs_user/)
  })
})
