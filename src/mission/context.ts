import type { Options } from "../config.js"
import type { Handoffs } from "../opencode/handoff.js"
import type { Progress } from "../opencode/progress.js"
import type { ChildTurn, SessionGate } from "../opencode/sessions.js"
import type { AgentId } from "../agents.js"
import type { SyntaxReport } from "../native/types.js"
import type { Workspace } from "../workspace/workspace.js"
import type { CommandResult } from "../workspace/shell.js"
import { fill } from "../templates.js"
import { exceededBudget } from "./budget.js"
import { providerTrouble } from "./provider-errors.js"
import type { Aimd } from "./concurrency.js"
import { register } from "./live.js"
import { touchLive } from "./live-file.js"
import { addUsage, emptyUsage, type MissionState, type Usage } from "./state.js"
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
  /** Type errors of `files` from a real language server; `skipped` says why none could run.
   * `serverRoot`: a directory above `root` where one warm server may check several checkouts. */
  typeErrors(root: string, files: string[], timeoutMs: number, serverRoot?: string): Promise<TypeCheck>
  /** Shuts down the warm language servers rooted in `under` (a mission's checkouts, when it ends). */
  closeServers?(under: string): Promise<void>
}

export interface TypeCheck {
  errors: { file: string; line: number; column: number; message: string; code?: string }[]
  /** Why (some) files could not be checked, e.g. no language server for their language. */
  skipped: string[]
  /** The servers that checked them and where each was found, e.g. "typescript-language-server (from PATH)", for the report. */
  servers?: string[]
}

/** One running mission: its state and everything that acts on it. */
export interface Mission {
  deps: EngineDeps
  state: MissionState
  store: MissionStore
  workspace: Workspace
  /** Aborted by the user (Esc, /task --cancel) or by the engine itself (see `stop`). */
  signal: AbortSignal
  /** Ends the mission from inside: aborts every child and records why. */
  stop(status: "failed" | "budget_exhausted", reason: string): void
  /** Set once `stop` was called. */
  stopped?: { status: "failed" | "budget_exhausted"; reason: string }
  /** The adaptive limit on children running at once (AIMD). */
  aimd: Aimd
  /** Usage already booked per child session (a session prompted twice reports its whole history). */
  booked: Map<string, Usage>
  /** Each check's result by tree and command (see checks.ts). */
  checks: Map<string, Promise<CommandResult>>
  /** The phase last announced with a toast. */
  lastPhase?: string
}

/** Persists the state (atomically) and appends an event. */
export async function commit(m: Mission, event: string, data: Record<string, unknown> = {}): Promise<void> {
  await commitAll(m, [[event, data]])
}

/** Appends several events (one write), then persists the state once (atomically). */
export async function commitAll(m: Mission, events: readonly (readonly [event: string, data: Record<string, unknown>])[]): Promise<void> {
  await m.store.events(events)
  await m.store.save(m.state)
  touchLive(m)
}

/**
 * Creates a child session (or reuses `sessionID`), runs one prompt in it and
 * books its usage. A turn that ends in a transient provider error (rate
 * limit, overload) is continued after a backoff, bounded, without counting as
 * an attempt; an auth error stops the mission. No new session is started once
 * a budget is used up: the turn comes back with a `budget:` error instead.
 */
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
  const { sessions, handoffs, options, progress } = m.deps
  const refused = (error: string): ChildTurn => ({ sessionID: input.sessionID ?? "", text: "", error, usage: emptyUsage() })
  if (m.signal.aborted) return refused("aborted")
  const budget = input.sessionID ? undefined : exceededBudget(m.state, options)
  if (budget) return refused(`budget: ${budget}`)
  const directory = input.directory ?? m.state.directory
  const sessionID =
    input.sessionID ?? (await sessions.create({ parentID: m.state.commanderSession, title: input.title, directory }))
  handoffs.join(sessionID, directory)
  register(sessionID, m.state)
  m.state.liveSessions.push(sessionID)
  touchLive(m)
  input.before?.(sessionID)
  try {
    let text = input.text
    for (let retry = 0; ; retry++) {
      const epoch = m.aimd.epoch
      m.aimd.checkMemory()
      const prompted = await sessions.prompt(sessionID, {
        agent: input.agent,
        text,
        directory,
        timeoutMs: options.childTimeoutSec * 1000,
        signal: m.signal,
        onRetry: (message) => {
          m.aimd.pushback(`OpenCode retrying (${message})`, epoch)
          progress.log("warn", "OpenCode is retrying a child's model request", { session: sessionID, message })
          void m.store.event("provider_retry", { session: sessionID, by: "opencode", message })
        },
      })
      // Accepted plan or verdict: the turn did its job, however OpenCode's loop ended after it (see opencode/turn-end.ts).
      const turn = handoffs.handedOff(sessionID) ? withoutError(prompted) : prompted
      book(m, sessionID, turn.usage)
      touchLive(m)
      m.aimd.turnEnded(turn.error, epoch)
      const trouble = providerTrouble(turn.error)
      if (trouble === "auth") {
        m.stop("failed", `The model provider refused the credentials (${turn.error}). Fix the provider's API key or login, then resume.`)
        return turn
      }
      if (trouble !== "transient" || retry >= options.providerRetries || m.signal.aborted) return turn
      const wait = 2_000 * 2 ** retry
      progress.log("warn", "provider error; continuing the child turn", { session: sessionID, error: turn.error, retry: retry + 1, waitMs: wait })
      await m.store.event("provider_retry", { session: sessionID, error: turn.error, retry: retry + 1 })
      await sleep(wait, m.signal)
      text = fill("provider-retry", { error: turn.error ?? "" })
    }
  } finally {
    handoffs.leave(sessionID)
    m.state.liveSessions = m.state.liveSessions.filter((s) => s !== sessionID)
  }
}

function withoutError({ error: _, ...turn }: ChildTurn): ChildTurn {
  return turn
}

/** Adds what a session spent since it was last booked. */
function book(m: Mission, sessionID: string, total: Usage): void {
  const before = m.booked.get(sessionID)
  const delta: Usage = before
    ? {
        inputTokens: total.inputTokens - before.inputTokens,
        outputTokens: total.outputTokens - before.outputTokens,
        reasoningTokens: total.reasoningTokens - before.reasoningTokens,
        cacheReadTokens: total.cacheReadTokens - before.cacheReadTokens,
        cacheWriteTokens: total.cacheWriteTokens - before.cacheWriteTokens,
        cost: total.cost - before.cost,
        sessions: 0,
      }
    : { ...total, sessions: 1 }
  m.booked.set(sessionID, total)
  addUsage(m.state.usage, delta)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    signal.addEventListener("abort", done, { once: true })
  })
}
