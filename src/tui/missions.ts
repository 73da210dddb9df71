import { readdirSync, readFileSync, statSync } from "node:fs"
import path from "node:path"
import type { BoardTaskStatus, LiveMission } from "../mission/live-file.js"

/** The file `/task --cancel` writes for a mission run by another process (`CANCEL_REQUEST` in src/mission/engine.ts); the engine checks for it every second. */
export const CANCEL_FILE = "cancel-requested"
/** How many of a project's newest missions are searched for a session not met before. */
const SCAN_LIMIT = 20

/** Where a project's missions live (`missionsRoot` in src/mission/store.ts). */
export function missionsDir(projectDir: string): string {
  return path.join(projectDir, ".opencode", "orchestrator")
}

export interface Found {
  dir: string
  live: LiveMission
}

/**
 * The board's reader. It reads a mission's `live.json`, or, for a mission
 * without one (written by an older version), its `state.json`. A file that is
 * missing, or unreadable mid-write, yields nothing and the board keeps what it
 * showed; the session → mission match is remembered.
 */
export class MissionFinder {
  private readonly known = new Map<string, string>()

  constructor(private readonly projectDir: () => string) {}

  /** The mission the session belongs to: as commander, as a child, or through its parent session. */
  find(sessionID: string, parentID?: string): Found | undefined {
    const cached = this.known.get(sessionID)
    if (cached) {
      const live = readMission(cached)
      return live ? { dir: cached, live } : undefined
    }
    const root = missionsDir(this.projectDir())
    for (const id of listMissions(root).slice(0, SCAN_LIMIT)) {
      const dir = path.join(root, id)
      const live = readMission(dir)
      if (!live) continue
      const ids = [live.commanderSession, ...live.sessions]
      if (ids.includes(sessionID) || (parentID !== undefined && ids.includes(parentID))) {
        this.known.set(sessionID, dir)
        return { dir, live }
      }
    }
    return undefined
  }

  /** The newest mission of the project that has not ended, for "resume". */
  latestUnfinished(): Found | undefined {
    const root = missionsDir(this.projectDir())
    for (const id of listMissions(root)) {
      const dir = path.join(root, id)
      const live = readMission(dir)
      if (live && !live.endedAt) return { dir, live }
    }
    return undefined
  }
}

/** Mission ids, newest first (ids sort by start time). */
export function listMissions(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name.startsWith("m-"))
      .map((e) => e.name)
      .sort()
      .reverse()
  } catch {
    return []
  }
}

/**
 * The mission's live view, from live.json, or from state.json when there is
 * none or state.json was written after it (a mission whose process died and
 * was then cancelled with `/task --cancel`); undefined when neither reads as a mission.
 */
export function readMission(dir: string): LiveMission | undefined {
  const livePath = path.join(dir, "live.json")
  const statePath = path.join(dir, "state.json")
  const live = readJson(livePath)
  if (isRecord(live) && live.version === 1 && Array.isArray(live.tasks) && typeof live.id === "string") {
    if (live.endedAt !== undefined || mtime(statePath) <= mtime(livePath)) return live as unknown as LiveMission
  }
  const state = readJson(statePath)
  return isRecord(state) ? fromState(state) : undefined
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs
  } catch {
    return 0
  }
}

/** A state.json's view for the board: its four task statuses, its booked usage. */
export function fromState(state: Record<string, unknown>): LiveMission | undefined {
  if (typeof state.id !== "string" || typeof state.status !== "string" || !Array.isArray(state.tasks) || !isRecord(state.usage)) return undefined
  const tasks = state.tasks.filter(isRecord).map((task) => {
    const spec = isRecord(task.spec) ? task.spec : {}
    const attempts = Array.isArray(task.attempts) ? task.attempts.filter(isRecord) : []
    const status = String(task.status)
    const requeued = status === "pending" && attempts.at(-1)?.outcome === "merge_conflict"
    return {
      id: String(spec.id ?? "?"),
      title: String(spec.title ?? ""),
      status: (requeued ? "requeued" : status) as BoardTaskStatus,
      attempt: attempts.length + (status === "running" ? 1 : 0),
      maxAttempts: 0,
    }
  })
  const sessions = state.tasks
    .filter(isRecord)
    .flatMap((t) => (Array.isArray(t.attempts) ? t.attempts.filter(isRecord).flatMap((a) => (Array.isArray(a.sessions) ? a.sessions.map(String) : [])) : []))
  return {
    version: 1,
    id: state.id,
    commanderSession: String(state.commanderSession ?? ""),
    sessions: [...sessions, ...(Array.isArray(state.liveSessions) ? state.liveSessions.map(String) : [])],
    status: state.status as LiveMission["status"],
    phase: state.status === "master_review" ? "master review" : state.status,
    round: Number(state.round ?? 0),
    startedAt: String(state.startedAt ?? new Date(0).toISOString()),
    ...(typeof state.endedAt === "string" ? { endedAt: state.endedAt } : {}),
    updatedAt: String(state.endedAt ?? state.startedAt ?? ""),
    usage: state.usage as unknown as LiveMission["usage"],
    running: 0,
    limit: 0,
    tasks,
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}
