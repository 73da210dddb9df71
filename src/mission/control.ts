import { existsSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import path from "node:path"
import { repoRoot } from "../workspace/git.js"
import { WorktreeWorkspace } from "../workspace/worktrees.js"
import { CANCEL_REQUEST, latestUnfinished } from "./engine.js"
import { lockIsLive, readLock } from "./lock.js"
import { cancelRunning } from "./registry.js"
import { renderReport } from "./report.js"
import { isFinal } from "./state.js"
import { listMissions, MissionStore } from "./store.js"
import { cancelInterrupted } from "./transitions.js"

/** `/task --status [id]`: the mission's table as it stands, without starting anything. */
export async function missionStatus(directory: string, id?: string): Promise<string> {
  const target = id ?? (await latestUnfinished(directory)) ?? (await listMissions(directory))[0]
  if (!target) return "No mission has run in this project yet. Start one with /task."
  const store = new MissionStore(directory, target)
  const state = await store.load()
  const lock = await readLock(path.join(store.dir, "lock"))
  const live = lock !== undefined && lockIsLive(lock)
  const note = isFinal(state.status)
    ? ""
    : live
      ? `_Running now (pid ${lock.pid}, since ${lock.startedAt})._\n\n`
      : `_Not running: it was interrupted. Continue it with \`/task --resume ${target}\`._\n\n`
  return `${note}${renderReport(state, store.todoPath)}`
}

/**
 * `/task --cancel [id]`: cancels a mission running in this process at once;
 * one running in another OpenCode process is asked to (it checks every
 * second); an interrupted one is marked cancelled and its worktrees removed.
 */
export async function cancelMission(directory: string, id?: string): Promise<string> {
  const target = id ?? (await latestUnfinished(directory))
  if (!target) return "There is no unfinished mission in this project to cancel."
  if (cancelRunning(target)) return `Mission ${target} is being cancelled: its child sessions are aborted and its report says what was done.`
  const store = new MissionStore(directory, target)
  const state = await store.load()
  if (isFinal(state.status)) return `Mission ${target} already ended (${state.status}); nothing to cancel.`
  const lock = await readLock(path.join(store.dir, "lock"))
  if (lock && lockIsLive(lock)) {
    await writeFile(path.join(store.dir, CANCEL_REQUEST), new Date().toISOString())
    return `Mission ${target} runs in another OpenCode process (pid ${lock.pid}); it was asked to cancel and will stop within seconds.`
  }
  await cancelInterrupted(state, store, "Cancelled with /task --cancel after it had been interrupted.")
  const root = await repoRoot(directory)
  if (root && state.isolation.mode === "worktree" && existsSync(path.join(root, ".git"))) {
    const workspace = await WorktreeWorkspace.reopen(directory, root, target).catch(() => undefined)
    await workspace?.dispose()
  }
  return `Mission ${target} was interrupted earlier and is now marked cancelled; its worktrees are removed.`
}
