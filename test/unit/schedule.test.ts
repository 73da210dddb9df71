import { describe, expect, it } from "vitest"
import { blockedTasks, leaseRound, overlaps, readyTasks } from "../../src/mission/schedule.js"
import type { TaskState } from "../../src/mission/state.js"
import { task, taskState } from "./helpers.js"

const ids = (tasks: readonly TaskState[]) => tasks.map((t) => t.spec.id)
const withFiles = (id: string, files: string[], dependsOn: string[] = []) => taskState(task(id, { files, dependsOn }))

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

  describe("leaseRound", () => {
    it("runs tasks with disjoint files together", () => {
      const ready = [withFiles("A", ["a.ts"]), withFiles("B", ["b.ts"]), withFiles("C", ["c/c.ts"])]
      expect(ids(leaseRound(ready))).toEqual(["A", "B", "C"])
    })

    it("serializes tasks whose files overlap, keeping plan order", () => {
      const ready = [withFiles("A", ["x.ts", "a.ts"]), withFiles("B", ["b.ts", "x.ts"]), withFiles("C", ["c.ts"])]
      expect(ids(leaseRound(ready))).toEqual(["A", "C"])
    })

    it("treats a directory as overlapping every file inside it", () => {
      const ready = [withFiles("A", ["src/"]), withFiles("B", ["src/lib/b.ts"]), withFiles("C", ["srcx/c.ts"])]
      expect(ids(leaseRound(ready))).toEqual(["A", "C"])
      const reversed = [withFiles("B", ["./src/lib/b.ts"]), withFiles("A", ["src"])]
      expect(ids(leaseRound(reversed))).toEqual(["B"])
    })

    it("runs a task that names no files alone", () => {
      expect(ids(leaseRound([withFiles("A", []), withFiles("B", ["b.ts"])]))).toEqual(["A"])
      expect(ids(leaseRound([withFiles("B", ["b.ts"]), withFiles("A", []), withFiles("C", ["c.ts"])]))).toEqual(["B", "C"])
    })

    it("returns nothing for nothing", () => {
      expect(leaseRound([])).toEqual([])
    })
  })

  describe("overlaps", () => {
    it("matches equal paths after normalisation, not mere name prefixes", () => {
      expect(overlaps(["./a/b.ts"], ["a\\b.ts"])).toBe(true)
      expect(overlaps(["a/b"], ["a/b/c.ts"])).toBe(true)
      expect(overlaps(["a/b.ts"], ["a/b.tsx"])).toBe(false)
      expect(overlaps(["lib"], ["library/x"])).toBe(false)
    })
  })

  describe("blockedTasks", () => {
    it("blocks pending tasks downstream of a failed task, transitively", () => {
      const tasks = [
        taskState(task("F"), "failed"),
        taskState(task("OK")),
        // C appears before B in plan order but depends on it: the loop must repeat.
        taskState(task("C", { dependsOn: ["B"] })),
        taskState(task("B", { dependsOn: ["F"] })),
        taskState(task("D", { dependsOn: ["OK"] })),
      ]
      expect(ids(blockedTasks(tasks))).toEqual(["B", "C"])
    })

    it("blocks nothing when nothing failed", () => {
      expect(blockedTasks([taskState(task("A")), taskState(task("B", { dependsOn: ["A"] }))])).toEqual([])
    })
  })
})
