import type { AgentId } from "../agents.js"
import type { Options } from "../config.js"
import type { SyntaxReport } from "../native/types.js"
import type { PlanSpec } from "./plan.js"
import type { Usage } from "./state.js"
import type { VerdictSpec } from "./verdict.js"

/**
 * The engine's ports: what it needs from the outside world, declared here and
 * implemented in `src/opencode/` (sessions, progress, handoff slots, message
 * usage from OpenCode's events) and `src/native/` (code analysis). Tests pass fakes.
 */
export interface EngineDeps {
  sessions: SessionGate
  handoffs: HandoffSlots
  progress: Progress
  options: Options
  analysis: CodeAnalysis
}

/** One prompt's outcome in a child session. */
export interface ChildTurn {
  sessionID: string
  /** The child's last assistant text. */
  text: string
  /** Set when the turn ended in a provider error, a timeout or an abort. */
  error?: string
  usage: Usage
}

/** The one gate to OpenCode's session API for a mission's child sessions. */
export interface SessionGate {
  create(input: { parentID: string; title: string; directory: string }): Promise<string>
  prompt(
    sessionID: string,
    input: {
      agent: AgentId
      text: string
      directory: string
      timeoutMs: number
      signal: AbortSignal
      /** Called when OpenCode reports that it is retrying the child's model request (rate limit, overload). */
      onRetry?: (message: string) => void
    },
  ): Promise<ChildTurn>
  /** Aborts a child and waits (bounded) until OpenCode reports it idle. */
  abort(sessionID: string, directory: string): Promise<void>
  /** Has OpenCode start its instance for `directory` (seconds of start-up) before a child needs it; never fails. */
  warm?(directory: string): Promise<void>
  /**
   * Once the child is idle (waited for, bounded), deletes the empty messages an
   * abort left at the end of its transcript (error MessageAbortedError, no text
   * or tool part): what OpenCode's TUI draws as "interrupted". True when one went.
   */
  dropAbortedTail(sessionID: string, directory: string): Promise<boolean>
}

type Level = "debug" | "info" | "warn" | "error"

/** What the engine tells the user while it runs: the tool's live title, toasts and log lines. */
export interface Progress {
  title(text: string): void
  toast(message: string, variant?: "info" | "success" | "warning" | "error"): void
  log(level: Level, message: string, extra?: Record<string, unknown>): void
}

/**
 * Where handoff tool calls meet the engine: the engine opens a slot for a
 * child session, the child's `submit_*` call fills it, the engine takes it.
 */
export interface HandoffSlots {
  /** `check` returns problems to send back to the model; empty means accepted. */
  expectPlan(sessionID: string, check: (plan: PlanSpec) => string[]): void
  expectVerdict(sessionID: string, check: (verdict: VerdictSpec) => string[]): void
  /** Problems with the submission (empty: accepted). */
  submitPlan(sessionID: string, plan: PlanSpec): string[]
  submitVerdict(sessionID: string, verdict: VerdictSpec): string[]
  /** The accepted plan (if any) and the last errors given to the model. */
  takePlan(sessionID: string): { value?: PlanSpec; errors: string[] }
  takeVerdict(sessionID: string): { value?: VerdictSpec; errors: string[] }
  /** True from the moment the session's plan or verdict is accepted until the engine takes it: its turn has nothing left to do. */
  handedOff(sessionID: string): boolean
}

/** Usage as OpenCode reports it in a `message.updated` event, before the turn ends: fed to the TUI's board (live-file.ts). */
export interface MessageUsage {
  id: string
  sessionID: string
  role: string
  cost?: number
  tokens?: { input: number; output: number; reasoning: number; cache: { read: number; write: number } }
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
