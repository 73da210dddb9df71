import type { HandoffSlots } from "./ports.js"
import type { MissionState } from "./state.js"

/**
 * The missions running in this process, by id: each with its sessions (the
 * commander's and its children's, with the directory each works in), the
 * handoff slots its children submit to, its cancel and its language servers.
 * One per process, not per plugin instance: OpenCode makes an instance for
 * every directory a child works in, and that child's hooks (permissions, file
 * guard, turn end, compaction) and `submit_*` calls must find its mission.
 */
interface RunningMission {
  state: MissionState
  handoffs: HandoffSlots
  cancel: () => void
  /** Closes the warm language servers of this mission's checkouts, and no other mission's. */
  closeServers: () => Promise<void>
  commander: { sessionID: string; directory: string }
  /** Child sessions whose turn is in flight, by id: the directory each works in. */
  children: Map<string, string>
}

/** A session of a running mission, as the hooks see it. */
export interface MissionSession {
  state: MissionState
  directory: string
  handoffs: HandoffSlots
}

const missions = new Map<string, RunningMission>()

/** Registers a mission that starts running here; its commander's session belongs to it from now on. */
export function openMission(state: MissionState, parts: { handoffs: HandoffSlots; cancel: () => void; closeServers: () => Promise<void> }): void {
  missions.set(state.id, { state, ...parts, commander: { sessionID: state.commanderSession, directory: state.directory }, children: new Map() })
}

/** Forgets a mission that stopped running here. */
export function closeMission(missionId: string): void {
  missions.delete(missionId)
}

export function isRunning(missionId: string): boolean {
  return missions.has(missionId)
}

/** Asks a mission running in this process to cancel; false when it does not run here. */
export function cancelRunning(missionId: string): boolean {
  const mission = missions.get(missionId)
  mission?.cancel()
  return mission !== undefined
}

/** Closes the language servers of one mission (when it ends). */
export async function closeServersOf(missionId: string): Promise<void> {
  await missions.get(missionId)?.closeServers()
}

/** A child session's turn starts: it belongs to the mission, working in `directory`. */
export function joinChild(missionId: string, sessionID: string, directory: string): void {
  missions.get(missionId)?.children.set(sessionID, directory)
}

/** A child session's turn ended. */
export function leaveChild(missionId: string, sessionID: string): void {
  missions.get(missionId)?.children.delete(sessionID)
}

/** The mission's child sessions whose turn is in flight (what a resume after a crash aborts). */
export function liveChildren(missionId: string): string[] {
  return [...(missions.get(missionId)?.children.keys() ?? [])]
}

/** The running mission a session (commander or child in flight) belongs to, with its directory; undefined for any other session. */
export function missionSession(sessionID: string): MissionSession | undefined {
  for (const m of missions.values()) {
    const directory = m.commander.sessionID === sessionID ? m.commander.directory : m.children.get(sessionID)
    if (directory !== undefined) return { state: m.state, directory, handoffs: m.handoffs }
  }
  return undefined
}

export function inMission(sessionID: string): boolean {
  return missionSession(sessionID) !== undefined
}
