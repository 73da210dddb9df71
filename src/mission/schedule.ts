import type { TaskState } from "./state.js"

/** Pending tasks whose dependencies have all passed, in plan order. */
export function readyTasks(tasks: readonly TaskState[]): TaskState[] {
  const passed = new Set(tasks.filter((t) => t.status === "passed").map((t) => t.spec.id))
  return tasks.filter((t) => t.status === "pending" && t.spec.dependsOn.every((d) => passed.has(d)))
}

/**
 * The lease rule for tasks that share one directory: two tasks whose expected
 * write sets overlap never run in the same round. A task that names no files
 * may write anywhere, so it runs alone. Picks greedily in plan order.
 */
export function leaseRound(ready: readonly TaskState[]): TaskState[] {
  const chosen: TaskState[] = []
  for (const task of ready) {
    if (task.spec.files.length === 0) {
      if (chosen.length === 0) return [task]
      continue
    }
    if (chosen.some((c) => c.spec.files.length === 0 || overlaps(c.spec.files, task.spec.files))) continue
    chosen.push(task)
  }
  return chosen
}

/** True when a path of one set equals, or lies inside a directory named by, a path of the other. */
export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const na = a.map(normalize)
  const nb = b.map(normalize)
  return na.some((x) => nb.some((y) => x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`)))
}

function normalize(p: string): string {
  return p.replace(/\\/g, "/").replace(/^\.\//, "").replace(/\/+$/, "")
}

/** Tasks that can never run because a dependency failed. */
export function blockedTasks(tasks: readonly TaskState[]): TaskState[] {
  const failed = new Set(tasks.filter((t) => t.status === "failed").map((t) => t.spec.id))
  const blocked: TaskState[] = []
  let grew = true
  while (grew) {
    grew = false
    for (const t of tasks) {
      if (t.status !== "pending" || blocked.includes(t)) continue
      if (t.spec.dependsOn.some((d) => failed.has(d))) {
        blocked.push(t)
        failed.add(t.spec.id)
        grew = true
      }
    }
  }
  return blocked
}
