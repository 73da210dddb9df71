import { describe, expect, it } from "vitest"
import plugin from "../../src/index.js"
import { joinChild, openMission } from "../../src/mission/registry.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import { missionState, task, taskState, tempDir } from "../support/helpers.js"

describe("experimental.session.compacting", () => {
  it("is registered by the plugin and pushes into output.context only for mission sessions", async () => {
    const state = missionState({ id: "m-hook", plan: { summary: "Do the thing." }, tasks: [taskState(task("T9"), "pending")] })
    openMission(state, { handoffs: new Handoffs(), cancel: () => undefined, closeServers: async () => undefined })
    joinChild(state.id, "ses_hook_child", state.directory)
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
