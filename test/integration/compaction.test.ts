import { describe, expect, it } from "vitest"
import { compactionContext } from "../../src/mission/compaction.js"
import { defaultWorker, planner, runScripted } from "../support/fake-sdk.js"
import { gitRepo, plan, task } from "../support/helpers.js"

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
})
