import { missionSession } from "./registry.js"
import type { MissionState } from "./state.js"

/** The running mission a session belongs to, if it has not ended. */
function missionOfSession(sessionID: string): MissionState | undefined {
  const state = missionSession(sessionID)?.state
  return state?.endedAt === undefined ? state : undefined
}

/** For `experimental.session.compacting`: what a compacted mission session must not forget. */
export function compactionContext(sessionID: string): string[] {
  const state = missionOfSession(sessionID)
  if (!state) return []
  const open = state.tasks.filter((t) => t.status !== "passed")
  const lines = [
    `This session is part of orchestrator mission ${state.id} (status: ${state.status}, round ${state.round}).`,
    `Mission goal:\n${clipText(state.mission, 4_000)}`,
  ]
  if (state.plan) lines.push(`Plan summary: ${state.plan.summary}`)
  if (state.plan?.decisions?.length) lines.push(`Plan decisions:\n${state.plan.decisions.map((d) => `- ${d}`).join("\n")}`)
  const done = state.tasks.length - open.length
  lines.push(
    open.length
      ? `Open tasks (${done}/${state.tasks.length} done):\n${open.map((t) => `- ${t.spec.id} · ${t.spec.title} [${t.status}]${t.spec.files.length ? ` — files: ${t.spec.files.join(", ")}` : ""}`).join("\n")}`
      : `Tasks: ${done}/${state.tasks.length} done.`,
  )
  return [lines.join("\n\n")]
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (cut)`
}
