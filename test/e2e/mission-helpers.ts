// Reading a mission's effects after a real `opencode run --command task`.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { LogEntry, ModelServer } from "../support/model-server.js"
import { PLUGIN_UNDER_TEST, type Project, type RunResult, runOpencode } from "../support/opencode.js"

export function runTask(project: Project, model: ModelServer, mission: string, options?: Record<string, unknown>): Promise<RunResult> {
  return runOpencode({
    project,
    model,
    plugins: [options ? [PLUGIN_UNDER_TEST, options] : PLUGIN_UNDER_TEST],
    args: ["run", "--command", "task", "--format", "json", "--print-logs"],
    stdin: mission,
    timeoutMs: 200_000,
  })
}

export interface MissionFiles {
  id: string
  state: {
    status: string
    mission: string
    tasks: { spec: { id: string }; status: string; attempts: { outcome: string; feedback: string }[] }[]
    isolation: { mode: string; note: string }
    round: number
    commanderSession: string
    notes: string[]
    questions?: string[]
    reason?: string
  }
  todo: string
  events: { type: string; [key: string]: unknown }[]
}

/** The one mission a test ran in `project`, or the mission `id` of several. */
export function readMission(project: Project, id?: string): MissionFiles {
  const root = join(project.dir, ".opencode/orchestrator")
  const ids = id ? [id] : readdirSync(root).filter((n) => n.startsWith("m-"))
  if (ids.length !== 1) throw new Error(`expected one mission, found ${ids.join(", ") || "none"}`)
  const dir = join(root, ids[0]!)
  return {
    id: ids[0]!,
    state: JSON.parse(readFileSync(join(dir, "state.json"), "utf8")),
    todo: readFileSync(join(dir, "TODO.md"), "utf8"),
    events: readFileSync(join(dir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)),
  }
}

/** Everything the commander said in the run, joined. */
export function finalText(res: RunResult): string {
  return res.events
    .filter((e) => e.type === "text")
    .map((e) => e.part?.text ?? "")
    .join("\n")
}

export type Role = "title" | "commander" | "planner" | "reviewer" | "worker"

export function roleOf(e: LogEntry): Role {
  if (e.isTitleRequest) return "title"
  if (e.tools.includes("orchestrate")) return "commander"
  if (e.tools.includes("submit_plan")) return "planner"
  if (e.tools.includes("submit_verdict")) return "reviewer"
  return "worker"
}

/** First requests of each child conversation of a role (one per session), in start order. */
/**
 * First request start to last request end of `entry`'s session. Overlap of whole sessions shows parallel
 * work; first requests alone can miss it, since OpenCode's start-up of each worktree's instance varies by seconds under load.
 */
export function sessionSpan(server: ModelServer, entry: LogEntry): { startedAt: number; endedAt: number } {
  const own = server.log.filter((e) => e.sessionId === entry.sessionId)
  return { startedAt: Math.min(...own.map((e) => e.startedAt)), endedAt: Math.max(...own.map((e) => e.endedAt)) }
}

export function sessionsOf(server: ModelServer, role: Role): LogEntry[] {
  const seen = new Set<string | undefined>()
  return server.log.filter((e) => {
    if (roleOf(e) !== role || seen.has(e.sessionId)) return false
    seen.add(e.sessionId)
    return true
  })
}

export function debugDump(server: ModelServer, res: RunResult): void {
  if (!process.env.E2E_DEBUG) return
  console.log(server.log.map((e) => `${e.seq} ${roleOf(e)} ${e.sessionId} ${e.reply}`).join("\n"))
  console.log(
    res.stderr
      .split("\n")
      .filter((l) => /orchestrator|ERROR/i.test(l))
      .slice(-40)
      .join("\n"),
  )
}

/**
 * The user's worktrees after a mission: the main one, plus the project's checkouts kept for its next
 * mission (checkout.keep), each detached — no branch of any mission stays checked out there.
 */
export function otherWorktrees(project: Project): string[] {
  const listing = project.git("worktree", "list", "--porcelain")
  const entries = listing.split("\n\n").filter(Boolean).slice(1)
  return entries.filter((e) => !(/\/opencode-orchestrator\/[^/\n]+\/pool\/[^/\n]+\n/.test(e) && /^detached$/m.test(e)))
}
