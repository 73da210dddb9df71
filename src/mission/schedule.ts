import type { TaskState } from "./state.js"

/** Pending tasks whose dependencies have all passed, in plan order. */
export function readyTasks(tasks: readonly TaskState[]): TaskState[] {
  const passed = new Set(tasks.filter((t) => t.status === "passed").map((t) => t.spec.id))
  return tasks.filter((t) => t.status === "pending" && t.spec.dependsOn.every((d) => passed.has(d)))
}
