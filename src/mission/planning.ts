import { bullets, fill } from "../templates.js"
import { childTurn, type Mission } from "./context.js"
import { type PlanSpec, validatePlan } from "./plan.js"

export type PlanOutcome = { plan: PlanSpec } | { error: string }

/**
 * Asks a planner child session for a plan and keeps asking (bounded) until
 * one passes validation. `request` is the first prompt; re-plans pass their own.
 */
export async function obtainPlan(m: Mission, request: string, title: string): Promise<PlanOutcome> {
  const existing = m.state.tasks.map((t) => t.spec.id)
  const check = (plan: PlanSpec) => validatePlan(plan, { maxTasks: m.deps.options.maxTasks }, existing)
  let sessionID: string | undefined
  let text = request
  let lastErrors: string[] = []
  for (let attempt = 0; attempt <= m.deps.options.planRetries; attempt++) {
    if (m.signal.aborted) return { error: "cancelled" }
    const turn = await childTurn(m, {
      agent: "planner",
      title,
      text,
      ...(sessionID ? { sessionID } : {}),
      before: (id) => m.deps.handoffs.expectPlan(id, check),
    })
    sessionID = turn.sessionID
    const taken = m.deps.handoffs.takePlan(turn.sessionID)
    if (taken.value) return { plan: taken.value }
    if (turn.error) return { error: `the planner session failed: ${turn.error}` }
    lastErrors = taken.errors
    text = fill("plan-retry", {
      errors: lastErrors.length ? `\nYour last plan was rejected:\n${bullets(lastErrors)}` : "",
    })
  }
  const why = lastErrors.length ? `; its last plan was rejected: ${lastErrors.join(" ")}` : ""
  return { error: `the planner gave no valid plan after ${m.deps.options.planRetries + 1} tries${why}` }
}

export function planRequest(m: Mission): string {
  return fill("plan-request", {
    mission: m.state.mission,
    maxTasks: m.deps.options.maxTasks,
    maxAttempts: m.deps.options.maxAttempts,
    repoMap: "",
  })
}
