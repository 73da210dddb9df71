import { z } from "zod"
import { fill } from "../templates.js"

/** The plan a planner submits: a DAG of tasks, each a complete work order. */
export const TaskSpec = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, "a short id such as T1 (letters, digits, - or _)")
    .describe("Short unique id, e.g. T1"),
  title: z.string().min(1).max(120).describe("One line naming the change"),
  description: z.string().min(1).describe("The complete work order: what to change, where, and how to know it is done"),
  files: z.array(z.string().min(1)).describe("Files this task is expected to write (relative paths)"),
  dependsOn: z.array(z.string()).describe("Ids of tasks that must be done first ([] if none)"),
  acceptance: z.array(z.string().min(1)).min(1).describe("Checkable acceptance criteria"),
  verify: z.array(z.string().min(1)).optional().describe("Shell commands, run in the project root, that must exit 0 when the task is done"),
})
export type TaskSpec = z.infer<typeof TaskSpec>

export const PlanSpec = z.object({
  summary: z.string().min(1).describe("What the mission will do, in two or three sentences"),
  decisions: z.array(z.string()).optional().describe("Design decisions the tasks rely on"),
  questions: z.array(z.string().min(1)).optional().describe("Questions only the user can answer; give them with no tasks to stop and ask"),
  tasks: z.array(TaskSpec).describe("The tasks; empty only when asking questions"),
  verify: z.array(z.string().min(1)).optional().describe("Mission-level shell commands that must exit 0 on the finished result"),
})
export type PlanSpec = z.infer<typeof PlanSpec>

export interface PlanLimits {
  maxTasks: number
}

/**
 * Checks what zod cannot: the tasks form a DAG. `existingIds` are tasks kept
 * from an earlier plan (a re-plan appends to them and may depend on them).
 * Returns every problem, each phrased as what to fix.
 */
export function validatePlan(plan: PlanSpec, limits: PlanLimits, existingIds: readonly string[] = []): string[] {
  const errors: string[] = []
  const hasQuestions = (plan.questions?.length ?? 0) > 0
  if (plan.tasks.length === 0 && !hasQuestions) {
    errors.push(fill("plan-problems/no-tasks"))
  }
  if (plan.tasks.length > 0 && hasQuestions) {
    errors.push(fill("plan-problems/questions-with-tasks"))
  }
  if (existingIds.length + plan.tasks.length > limits.maxTasks) {
    errors.push(fill("plan-problems/too-many-tasks", { count: plan.tasks.length, limit: limits.maxTasks - existingIds.length }))
  }
  const known = new Set(existingIds)
  const seen = new Set<string>()
  for (const task of plan.tasks) {
    if (known.has(task.id) || seen.has(task.id)) {
      errors.push(fill("plan-problems/duplicate-id", { id: task.id }))
    }
    seen.add(task.id)
  }
  const all = new Set([...known, ...seen])
  for (const task of plan.tasks) {
    for (const dep of task.dependsOn) {
      if (dep === task.id) errors.push(fill("plan-problems/self-dependency", { id: task.id }))
      else if (!all.has(dep)) errors.push(fill("plan-problems/unknown-dependency", { id: task.id, dependency: dep }))
    }
  }
  const cycle = findCycle(plan.tasks)
  if (cycle) errors.push(fill("plan-problems/cycle", { cycle: cycle.join(" → ") }))
  return errors
}

/** A dependency cycle among the given tasks, as a path of ids, or undefined. */
export function findCycle(tasks: readonly Pick<TaskSpec, "id" | "dependsOn">[]): string[] | undefined {
  const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]))
  const state = new Map<string, "visiting" | "done">()
  const stack: string[] = []
  const visit = (id: string): string[] | undefined => {
    const mark = state.get(id)
    if (mark === "done") return undefined
    if (mark === "visiting") return [...stack.slice(stack.indexOf(id)), id]
    state.set(id, "visiting")
    stack.push(id)
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep) || dep === id) continue
      const found = visit(dep)
      if (found) return found
    }
    stack.pop()
    state.set(id, "done")
    return undefined
  }
  for (const task of tasks) {
    const found = visit(task.id)
    if (found) return found
  }
  return undefined
}

/** Formats zod issues as "path: message" lines the model can act on. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join(".") : "(arguments)"
    return `${path}: ${issue.message}`
  })
}
