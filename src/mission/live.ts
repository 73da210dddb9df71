import type { ChildTurn, SessionGate } from "../opencode/sessions.js"
import { Aimd } from "./concurrency.js"
import type { Mission } from "./context.js"
import type { MissionState } from "./state.js"

/**
 * Running missions by session id (the commander's and every child's), one
 * registry per process like the handoffs: OpenCode's compaction hook may fire
 * in any plugin instance. Ended missions are dropped as they are met.
 */
const bySession = new Map<string, MissionState>()

/** What a running mission keeps in memory only: its AIMD limit. */
interface Runtime {
  aimd: Aimd
}

const runtimes = new WeakMap<Mission, Runtime>()

/**
 * The mission's runtime, made on first use: the AIMD limiter starts at
 * `concurrencyInitial` (capped at `concurrency`), and the mission's session
 * gate is wrapped so every child turn's end reaches the limiter and every
 * child session is registered for the compaction hook.
 */
export function runtimeOf(m: Mission): Runtime {
  let runtime = runtimes.get(m)
  if (runtime) return runtime
  const { concurrency, concurrencyInitial } = m.deps.options
  const aimd = new Aimd(concurrencyInitial ?? concurrency, concurrency, ({ from, to, cause }) =>
    m.deps.progress.log(to < from ? "warn" : "info", `concurrency ${from} → ${to}`, { mission: m.state.id, from, to, cause }),
  )
  runtime = { aimd }
  runtimes.set(m, runtime)
  m.deps = { ...m.deps, sessions: observed(m.deps.sessions, m.state, aimd) }
  register(m.state.commanderSession, m.state)
  return runtime
}

function observed(gate: SessionGate, state: MissionState, aimd: Aimd): SessionGate {
  return {
    async create(input) {
      const id = await gate.create(input)
      register(id, state)
      return id
    },
    async prompt(sessionID, input): Promise<ChildTurn> {
      register(sessionID, state)
      const epoch = aimd.epoch
      aimd.checkMemory()
      const turn = await gate.prompt(sessionID, input)
      aimd.turnEnded(turn.error, epoch)
      return turn
    },
    abort: (sessionID, directory) => gate.abort(sessionID, directory),
  }
}

export function register(sessionID: string, state: MissionState): void {
  for (const [id, s] of bySession) if (s.endedAt !== undefined) bySession.delete(id)
  if (sessionID) bySession.set(sessionID, state)
}

/** The running mission a session belongs to, if any. */
export function missionOfSession(sessionID: string): MissionState | undefined {
  const state = bySession.get(sessionID)
  if (state?.endedAt !== undefined) bySession.delete(sessionID)
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
