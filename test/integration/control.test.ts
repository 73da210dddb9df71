// /task --cancel on real repositories: a mission running in this process, and one a dead process left with its worktrees.
import { readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { cancelMission } from "../../src/mission/control.js"
import { MissionStore } from "../../src/mission/store.js"
import { WorktreeWorkspace } from "../../src/workspace/worktrees.js"
import { planner, runScripted } from "../support/fake-sdk.js"
import { gitRepo, missionState, orchestratorRefs, plan, task, taskState, tempDir, worktreeList } from "../support/helpers.js"

describe("mission/control.ts cancelMission", () => {
  it("cancels a mission running in this process at once: its workers are aborted and it ends cancelled", async () => {
    const dir = gitRepo()
    const replies: string[] = []
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1"), task("T2", { dependsOn: ["T1"] })])),
      worker: async (t) => {
        replies.push(await cancelMission(dir))
        if (!t.signal.aborted) await new Promise((resolve) => t.signal.addEventListener("abort", resolve, { once: true }))
        return "aborted"
      },
    })
    expect(replies).toEqual([`Mission ${run.state.id} is being cancelled: its child sessions are aborted and its report says what was done.`])
    expect(run.state.status).toBe("cancelled")
    expect(run.fake.calls.map((c) => c.agent)).toEqual(["planner", "worker"])
  })

  it("marks an interrupted mission cancelled, its running tasks pending, and removes its worktrees and task branches", async () => {
    const dir = gitRepo({ "a.txt": "a\n" })
    const id = "m-20250101-000000-dead"
    const workspace = await WorktreeWorkspace.open(dir, dir, id, tempDir("orch-state-"), { slots: 1 })
    await workspace.begin([{ id: "T1", title: "Task T1", attempt: 1, files: [], retry: "continue" }])
    expect(worktreeList(dir).length).toBeGreaterThan(1)
    const store = new MissionStore(dir, id)
    await store.save(
      missionState({
        id,
        directory: dir,
        isolation: { mode: "worktree", note: "each task in its own worktree" },
        tasks: [taskState(task("T1"), "running"), taskState(task("T2"))],
      }),
    )
    expect(await cancelMission(dir)).toBe(`Mission ${id} was interrupted earlier and is now marked cancelled; its worktrees are removed.`)
    const state = await store.load()
    expect(state.status).toBe("cancelled")
    expect(state.reason).toBe("Cancelled with /task --cancel after it had been interrupted.")
    expect(state.endedAt).toBeDefined()
    expect(state.tasks.map((t) => t.status)).toEqual(["pending", "pending"])
    const events = readFileSync(path.join(store.dir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(events.at(-1)).toMatchObject({ type: "mission_ended", status: "cancelled" })
    expect(worktreeList(dir)).toEqual([dir])
    expect(orchestratorRefs(dir).sort()).toEqual([`refs/heads/orchestrator/${id}`, `refs/orchestrator/${id}/base`])
    expect(await cancelMission(dir)).toBe("There is no unfinished mission in this project to cancel.")
  })
})
