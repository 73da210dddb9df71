import { describe, expect, it } from "vitest"
import { readyTasks } from "../../src/mission/schedule.js"
import type { TaskState } from "../../src/mission/state.js"
import { task, taskState } from "../support/helpers.js"

const ids = (tasks: readonly TaskState[]) => tasks.map((t) => t.spec.id)

describe("schedule.ts", () => {
  describe("readyTasks", () => {
    it("returns pending tasks whose dependencies all passed, in plan order", () => {
      const tasks = [
        taskState(task("T1"), "passed"),
        taskState(task("T2")),
        taskState(task("T3", { dependsOn: ["T1"] })),
        taskState(task("T4", { dependsOn: ["T1", "T2"] })),
      ]
      expect(ids(readyTasks(tasks))).toEqual(["T2", "T3"])
    })

    it("does not offer a task whose dependency is pending, running or failed", () => {
      const tasks = [
        taskState(task("P"), "running"),
        taskState(task("F"), "failed"),
        taskState(task("A", { dependsOn: ["P"] })),
        taskState(task("B", { dependsOn: ["F"] })),
      ]
      expect(readyTasks(tasks)).toEqual([])
    })

    it("never re-offers passed, running or failed tasks", () => {
      const tasks = [taskState(task("A"), "passed"), taskState(task("B"), "running"), taskState(task("C"), "failed")]
      expect(readyTasks(tasks)).toEqual([])
    })
  })
})
