import { existsSync } from "node:fs"
import path from "node:path"
import { bullets, fill } from "../templates.js"
import { childTurn } from "./child-turn.js"
import type { Mission } from "./context.js"
import { type PlanSpec, validatePlan } from "./plan.js"
import { note } from "./transitions.js"

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
      errors: lastErrors.length ? `\n${fill("plan-retry-errors", { errors: bullets(lastErrors) })}` : "",
    })
  }
  const why = lastErrors.length ? `; its last plan was rejected: ${lastErrors.join(" ")}` : ""
  return { error: `the planner gave no valid plan after ${m.deps.options.planRetries + 1} tries${why}` }
}

export async function planRequest(m: Mission): Promise<string> {
  return fill("plan-request", {
    mission: m.state.mission,
    maxTasks: m.deps.options.maxTasks,
    maxAttempts: m.deps.options.maxAttempts,
    repoMap: await repoMapSection(m),
  })
}

/** A ranked map of the repository focused on the files the mission names, within the token budget. */
async function repoMapSection(m: Mission): Promise<string> {
  const budgetTokens = m.deps.options.repoMapTokens
  const status = m.deps.analysis.status()
  if (budgetTokens === 0) return ""
  if (!status.available) {
    note(m, `planner got no repo map: ${status.reason}`)
    return ""
  }
  const focus = mentionedFiles(m.state.mission, m.state.directory)
  try {
    const map = await m.deps.analysis.repoMap(m.state.directory, { budgetTokens, focus })
    return map.trim() ? `\n${fill("repo-map", { map: map.trim() })}\n` : ""
  } catch (error) {
    note(m, `planner got no repo map: ${(error as Error).message}`)
    return ""
  }
}

/** Paths the mission text names that exist in the project. */
export function mentionedFiles(mission: string, directory: string): string[] {
  const candidates = mission.match(/[\w@~.-]*[\w-]\/[\w./@-]*\w|[\w-]+\.[a-z]{1,5}\b/gi) ?? []
  return [...new Set(candidates)].filter((c) => !c.split("/").includes("..") && existsSync(path.join(directory, c)))
}
