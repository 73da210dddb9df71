import { bullets, fill } from "../templates.js"
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
  const files = (t: (typeof open)[number]) => (t.spec.files.length ? ` — files: ${t.spec.files.join(", ")}` : "")
  return [
    fill("compaction", {
      id: state.id,
      status: state.status,
      round: state.round,
      mission: clipText(state.mission, 4_000),
      summary: state.plan?.summary ?? "(no plan yet)",
      decisions: bullets(state.plan?.decisions),
      done: state.tasks.length - open.length,
      total: state.tasks.length,
      open: bullets(open.map((t) => `${t.spec.id} · ${t.spec.title} [${t.status}]${files(t)}`)),
    }),
  ]
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (cut)`
}
