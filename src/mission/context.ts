import type { Options } from "../config.js"
import type { Handoffs } from "../opencode/handoff.js"
import type { Progress } from "../opencode/progress.js"
import type { ChildTurn, SessionGate } from "../opencode/sessions.js"
import type { AgentId } from "../agents.js"
import type { SyntaxReport } from "../native/types.js"
import type { Workspace } from "../workspace/workspace.js"
import { runCommand, type CommandResult } from "../workspace/shell.js"
import { addUsage, emptyUsage, type MissionState } from "./state.js"
import type { MissionStore } from "./store.js"

/** What the engine needs from the outside world; tests pass fakes. */
export interface EngineDeps {
  sessions: SessionGate
  handoffs: Handoffs
  progress: Progress
  options: Options
  analysis: CodeAnalysis
}

/** The native addon's part in a mission: the syntax gate and the planner's repo map. */
export interface CodeAnalysis {
  status(): { available: true } | { available: false; reason: string }
  checkSyntax(root: string, files: string[]): Promise<SyntaxReport>
  repoMap(root: string, options: { budgetTokens: number; focus: string[] }): Promise<string>
}

/** One running mission: its state and everything that acts on it. */
export interface Mission {
  deps: EngineDeps
  state: MissionState
  store: MissionStore
  workspace: Workspace
  signal: AbortSignal
  /** The phase last announced with a toast. */
  lastPhase?: string
}

/** Persists the state (atomically) and appends an event. */
export async function commit(m: Mission, event: string, data: Record<string, unknown> = {}): Promise<void> {
  await m.store.event(event, data)
  await m.store.save(m.state)
}

/** Creates a child session, runs one prompt in it, and books its usage. */
export async function childTurn(
  m: Mission,
  input: {
    agent: AgentId
    title: string
    text: string
    /** Where the child works; the project directory when not given. */
    directory?: string
    sessionID?: string
    before?: (sessionID: string) => void
  },
): Promise<ChildTurn> {
  const { sessions, handoffs, options } = m.deps
  if (m.signal.aborted) return { sessionID: input.sessionID ?? "", text: "", error: "aborted", usage: emptyUsage() }
  const directory = input.directory ?? m.state.directory
  const sessionID =
    input.sessionID ?? (await sessions.create({ parentID: m.state.commanderSession, title: input.title, directory }))
  handoffs.join(sessionID)
  input.before?.(sessionID)
  try {
    const turn = await sessions.prompt(sessionID, {
      agent: input.agent,
      text: input.text,
      directory,
      timeoutMs: options.childTimeoutSec * 1000,
      signal: m.signal,
    })
    const usage = { ...turn.usage, sessions: input.sessionID ? 0 : 1 }
    addUsage(m.state.usage, usage)
    return turn
  } finally {
    handoffs.leave(sessionID)
  }
}

/** Runs a verify or evidence command in `cwd` with the configured timeout. */
export function runInMission(m: Mission, command: string, cwd: string): Promise<CommandResult> {
  return runCommand(command, {
    cwd,
    timeoutMs: m.deps.options.verifyTimeoutSec * 1000,
    signal: m.signal,
  })
}
