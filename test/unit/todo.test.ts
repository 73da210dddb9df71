import { describe, expect, it } from "vitest"
import { renderTodo } from "../../src/mission/todo.js"
import { attempt, missionState, task, taskState } from "../support/helpers.js"

describe("mission/todo.ts renderTodo", () => {
  it("renders one checkbox line per task, checked only when passed", () => {
    const failed = taskState(task("T3", { title: "Third" }), "failed")
    failed.attempts = [attempt("verify_failed"), attempt("verify_failed", { attempt: 2 })]
    const state = missionState({
      status: "failed",
      plan: { summary: "Do three things." },
      tasks: [taskState(task("T1", { title: "First" }), "passed"), taskState(task("T2", { title: "Second" }), "running"), failed, taskState(task("T4"))],
    })
    const lines = renderTodo(state).split("\n")
    expect(lines[0]).toBe(`# Mission ${state.id} — failed`)
    expect(lines).toContain("> Build the thing")
    expect(lines).toContain("Do three things.")
    expect(lines.filter((l) => l.startsWith("- ["))).toEqual([
      "- [x] T1 · First",
      "- [ ] T2 · Second — running",
      "- [ ] T3 · Third — failed (attempt 2)",
      "- [ ] T4 · Task T4",
    ])
  })

  it("says when there are no tasks yet", () => {
    expect(renderTodo(missionState({ status: "planning" }))).toContain("_No tasks yet._")
  })
})
