import { mkdir, rename, writeFile } from "node:fs/promises"
import path from "node:path"
import type { Mission } from "./context.js"
import type { MessageUsage } from "./ports.js"
import { liveChildren } from "./registry.js"
import { addUsage, emptyUsage, isFinal, type MissionStatus, type TaskState, type Usage } from "./state.js"
import { messageUsage, usageBeyond } from "./usage.js"

/**
 * `live.json`, beside a mission's `state.json`: what the TUI's board reads
 * while a mission runs. `state.json` is saved once per round's attempts and
 * books a child's usage when its turn ends; this file also says which task is
 * at its gates or with its reviewer, how many workers run out of the current
 * limit, and the tokens spent by turns still in flight. It is a view, never
 * read back by the engine: written with a temp file and a rename (a reader
 * sees the old or the new file, never half of one), at most once per
 * LIVE_DEBOUNCE_MS, and at once when the mission ends.
 */
export const LIVE_FILE = "live.json"
export const LIVE_DEBOUNCE_MS = 200
export const LIVE_VERSION = 1

/** A task's word on the board: the state's four statuses, plus its gates, its review, and a re-queue after a merge conflict. */
export type BoardTaskStatus = "pending" | "running" | "checking" | "reviewing" | "passed" | "failed" | "requeued"

export interface LiveTask {
  id: string
  title: string
  status: BoardTaskStatus
  /** The attempt running now, or the attempts spent when none runs. */
  attempt: number
  maxAttempts: number
}

export interface LiveMission {
  version: typeof LIVE_VERSION
  id: string
  /** The commander's session and every child session of the mission: how the board finds a session's mission. */
  commanderSession: string
  sessions: string[]
  status: MissionStatus
  /** What the engine is doing ("planning", "running", "master review", "re-planning"); the status when final. */
  phase: string
  round: number
  startedAt: string
  endedAt?: string
  updatedAt: string
  /** Booked usage plus what child turns in flight have spent so far. */
  usage: Usage
  running: number
  limit: number
  tasks: LiveTask[]
}

type Step = "checking" | "reviewing"

interface Tracker {
  m: Mission
  phase: string
  running: number
  limit: number
  steps: Map<string, { step: Step; round: number }>
  /** Per in-flight child session, its assistant messages' usage as OpenCode reports it. */
  messages: Map<string, Map<string, Usage>>
  timer?: ReturnType<typeof setTimeout>
  writes: Promise<void>
}

/** Missions of this process with a live file; one registry per process, like the handoffs. */
const trackers = new Map<Mission, Tracker>()

function trackerOf(m: Mission): Tracker {
  let t = trackers.get(m)
  if (!t) {
    t = { m, phase: m.state.status, running: 0, limit: m.aimd.limit, steps: new Map(), messages: new Map(), writes: Promise.resolve() }
    trackers.set(m, t)
  }
  return t
}

/**
 * Something changed: the live file is rewritten within LIVE_DEBOUNCE_MS, or at
 * once when the mission has ended (then the mission is forgotten here).
 */
export function touchLive(m: Mission, progress?: { phase: string; running: number; limit?: number }): void {
  const t = trackerOf(m)
  if (progress) {
    t.phase = progress.phase
    t.running = progress.running
    t.limit = progress.limit ?? m.aimd.limit
  }
  if (m.state.endedAt !== undefined) {
    clearTimeout(t.timer)
    t.timer = undefined
    t.writes = t.writes
      .then(() => write(t))
      .catch(() => undefined)
      .finally(() => {
        if (m.state.endedAt !== undefined) trackers.delete(m)
      })
    return
  }
  t.timer ??= setTimeout(() => {
    t.timer = undefined
    t.writes = t.writes.then(() => write(t)).catch(() => undefined)
  }, LIVE_DEBOUNCE_MS)
  t.timer.unref?.()
}

/** A task of the current round reached its gates or its reviewer. */
export function taskStep(m: Mission, taskId: string, step: Step): void {
  trackerOf(m).steps.set(taskId, { step, round: m.state.round })
  touchLive(m)
}

/** From OpenCode's `message.updated` events (any plugin instance): usage of a mission child's turn before it is booked. */
export function noteMessageUsage(info: MessageUsage): void {
  if (info.role !== "assistant" || !info.tokens) return
  for (const t of trackers.values()) {
    if (!liveChildren(t.m.state.id).includes(info.sessionID)) continue
    const messages = t.messages.get(info.sessionID) ?? new Map()
    t.messages.set(info.sessionID, messages)
    messages.set(info.id, messageUsage({ ...info, tokens: info.tokens }))
    touchLive(t.m)
    return
  }
}

/** The live view of a mission as it stands. */
export function liveView(m: Mission, t: Pick<Tracker, "phase" | "running" | "limit" | "steps" | "messages"> = trackerOf(m)): LiveMission {
  const { state } = m
  const final = isFinal(state.status)
  const sessions = new Set([...m.booked.keys(), ...liveChildren(state.id), ...state.tasks.flatMap((task) => task.attempts.flatMap((a) => a.sessions))])
  return {
    version: LIVE_VERSION,
    id: state.id,
    commanderSession: state.commanderSession,
    sessions: [...sessions].filter(Boolean),
    status: state.status,
    phase: final ? state.status : t.phase,
    round: state.round,
    startedAt: state.startedAt,
    ...(state.endedAt ? { endedAt: state.endedAt } : {}),
    updatedAt: new Date().toISOString(),
    usage: final ? { ...state.usage } : usageSoFar(m, t.messages),
    running: final ? 0 : t.running,
    limit: t.limit,
    tasks: state.tasks.map((task) => liveTask(task, m.deps.options.maxAttempts, state.round, t.steps.get(task.spec.id))),
  }
}

function liveTask(task: TaskState, maxAttempts: number, round: number, step: { step: Step; round: number } | undefined): LiveTask {
  const spent = task.attempts.length
  const base = { id: task.spec.id, title: task.spec.title, maxAttempts }
  if (task.status === "running") return { ...base, status: step && step.round === round ? step.step : "running", attempt: spent + 1 }
  const requeued = task.status === "pending" && task.attempts.at(-1)?.outcome === "merge_conflict"
  return { ...base, status: requeued ? "requeued" : task.status, attempt: spent }
}

/** Booked usage, plus what in-flight children reported beyond what was booked for them. */
function usageSoFar(m: Mission, messages: Map<string, Map<string, Usage>>): Usage {
  const total = { ...m.state.usage }
  for (const session of liveChildren(m.state.id)) {
    const seen = messages.get(session)
    if (!seen) continue
    const sum = emptyUsage()
    for (const usage of seen.values()) addUsage(sum, usage)
    addUsage(total, usageBeyond(sum, m.booked.get(session)))
  }
  return total
}

let temps = 0

async function write(t: Tracker): Promise<void> {
  const file = path.join(t.m.store.dir, LIVE_FILE)
  const temp = `${file}.${process.pid}.${++temps}.tmp`
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(temp, `${JSON.stringify(liveView(t.m, t))}\n`)
  await rename(temp, file)
}
