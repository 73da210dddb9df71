import type { Workspace } from "../workspace/workspace.js"
import type { CommandResult } from "../workspace/shell.js"
import type { Aimd } from "./concurrency.js"
import type { EngineDeps } from "./ports.js"
import type { MissionState, Usage } from "./state.js"
import type { MissionStore } from "./store.js"

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
