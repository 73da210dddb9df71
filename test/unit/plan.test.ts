import { describe, expect, it } from "vitest"
import { describeIssues, findCycle, PlanSpec, validatePlan } from "../../src/mission/plan.js"
import { VerdictSpec } from "../../src/mission/verdict.js"
import { plan, task } from "../support/helpers.js"

const limits = { maxTasks: 5 }

describe("plan.ts", () => {
  it("accepts a valid DAG", () => {
    const p = plan([task("T1"), task("T2"), task("T3", { dependsOn: ["T1", "T2"] })])
    expect(validatePlan(p, limits)).toEqual([])
  })

  it("rejects a duplicate id and names it", () => {
    const errors = validatePlan(plan([task("T1"), task("T1")]), limits)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^tasks\[T1\]\.id: .*"T1" is used twice/)
  })

  it("rejects an id that repeats one kept from an earlier plan", () => {
    const errors = validatePlan(plan([task("T1")]), limits, ["T1"])
    expect(errors.some((e) => e.includes('"T1" is used twice'))).toBe(true)
  })

  it("rejects an unknown dependency", () => {
    const errors = validatePlan(plan([task("T1", { dependsOn: ["T9"] })]), limits)
    expect(errors).toEqual([expect.stringMatching(/^tasks\[T1\]\.dependsOn: unknown task "T9"/)])
  })

  it("lets a re-plan depend on existing tasks", () => {
    expect(validatePlan(plan([task("T4", { dependsOn: ["T1"] })]), limits, ["T1", "T2"])).toEqual([])
  })

  it("rejects a self-dependency", () => {
    const errors = validatePlan(plan([task("T1", { dependsOn: ["T1"] })]), limits)
    expect(errors[0]).toMatch(/^tasks\[T1\]\.dependsOn: the task depends on itself/)
    expect(errors.join("\n")).not.toContain("unknown task")
  })

  it("rejects a cycle and names its path", () => {
    const p = plan([task("A", { dependsOn: ["C"] }), task("B", { dependsOn: ["A"] }), task("C", { dependsOn: ["B"] }), task("D")])
    const errors = validatePlan(p, limits)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain("cycle (A → C → B → A)")
  })

  it("rejects too many tasks, counting tasks kept from an earlier plan", () => {
    const three = plan([task("T4"), task("T5"), task("T6")])
    expect(validatePlan(three, limits)).toEqual([])
    const errors = validatePlan(three, limits, ["T1", "T2", "T3"])
    expect(errors).toEqual([expect.stringMatching(/^tasks: 3 tasks exceed the limit of 2\./)])
  })

  it("rejects questions given together with tasks", () => {
    const errors = validatePlan(plan([task("T1")], { questions: ["Which DB?"] }), limits)
    expect(errors).toEqual([expect.stringMatching(/^questions: /)])
  })

  it("accepts questions with no tasks", () => {
    expect(validatePlan(plan([], { questions: ["Which DB?"] }), limits)).toEqual([])
  })

  it("rejects an empty plan without questions", () => {
    const errors = validatePlan(plan([]), limits)
    expect(errors).toEqual([expect.stringMatching(/^tasks: the plan has no tasks/)])
    expect(validatePlan(plan([], { questions: [] }), limits)).toHaveLength(1)
  })

  it("reports every problem at once", () => {
    const errors = validatePlan(plan([task("T1", { dependsOn: ["X"] }), task("T1")], { questions: ["q"] }), { maxTasks: 1 })
    expect(errors.map((e) => e.split(":")[0])).toEqual(["questions", "tasks", "tasks[T1].id", "tasks[T1].dependsOn"])
  })

  describe("findCycle", () => {
    it("returns undefined for a DAG (diamond)", () => {
      const tasks = [
        { id: "A", dependsOn: [] },
        { id: "B", dependsOn: ["A"] },
        { id: "C", dependsOn: ["A"] },
        { id: "D", dependsOn: ["B", "C"] },
      ]
      expect(findCycle(tasks)).toBeUndefined()
    })

    it("returns a closed path for a two-node cycle", () => {
      expect(
        findCycle([
          { id: "A", dependsOn: ["B"] },
          { id: "B", dependsOn: ["A"] },
        ]),
      ).toEqual(["A", "B", "A"])
    })

    it("finds a cycle reached from a task outside it, starting at the cycle", () => {
      const tasks = [
        { id: "X", dependsOn: ["A"] },
        { id: "A", dependsOn: ["B"] },
        { id: "B", dependsOn: ["A"] },
      ]
      expect(findCycle(tasks)).toEqual(["A", "B", "A"])
    })

    it("ignores dependencies on ids outside the list", () => {
      expect(findCycle([{ id: "A", dependsOn: ["Z"] }])).toBeUndefined()
    })
  })

  describe("describeIssues", () => {
    it("names the field path of each problem", () => {
      const parsed = VerdictSpec.safeParse({ verdict: "pass", issues: [], evidence: [] })
      expect(parsed.success).toBe(false)
      if (parsed.success) return
      const lines = describeIssues(parsed.error)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^summary: /)
    })

    it("joins nested paths with dots", () => {
      const bad = {
        summary: "s",
        tasks: [
          { ...task("T1"), acceptance: [] },
          { ...task("T2"), id: "2bad" },
        ],
      }
      const parsed = PlanSpec.safeParse(bad)
      expect(parsed.success).toBe(false)
      if (parsed.success) return
      const lines = describeIssues(parsed.error)
      expect(lines.some((l) => l.startsWith("tasks.0.acceptance: "))).toBe(true)
      expect(lines.some((l) => l.startsWith("tasks.1.id: ") && l.includes("a short id such as T1"))).toBe(true)
    })

    it("labels a problem with the whole value as (arguments)", () => {
      const parsed = PlanSpec.safeParse("not an object")
      if (parsed.success) throw new Error("expected failure")
      expect(describeIssues(parsed.error)[0]).toMatch(/^\(arguments\): /)
    })
  })
})
