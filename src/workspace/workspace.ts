import type { CommandResult } from "./shell.js"

/** Where a mission's tasks run, how their changes are told apart, merged and handed back to the user. */
export interface Workspace {
  readonly mode: "worktree" | "in-place"
  /** One line for the report: how tasks were isolated, and why not if they were not. */
  readonly note: string
  /** Whether tasks whose files overlap may run in the same round. */
  readonly parallelSafe: boolean
  /** Where the mission's verify commands and the final review run. */
  readonly integrationDir: string
  /** The directory holding all of the mission's checkouts (where its language servers are rooted). */
  readonly checkoutRoot: string
  /** Whether the checkouts stay for the project's next mission (checkout.keep), and with them their warm language servers. */
  readonly keepsCheckouts: boolean
  /** Starts making `count` task checkouts ready in the background (while the planner works). */
  prepare(count: number): void
  /** Prepares a place for each task attempt of a round. */
  begin(tasks: readonly RoundTask[]): Promise<Map<string, TaskCheckout>>
  /** Merges passing tasks into the mission's result in the given order; returns those that conflicted. */
  merge(tasks: readonly RoundTask[]): Promise<Map<string, MergeConflict>>
  /** The integration checkout made ready for the mission's checks: its tree id and any dependency install. */
  integrationCheck(): Promise<{ tree: string; dependencies: DependencyCheck }>
  /** Puts the integration checkout back as merged; returns the files a reviewer had changed there. */
  resetIntegration(): Promise<string[]>
  /** Dependency manifests and lockfiles the mission changed (the user has to install after seal). */
  changedDependencies(): Promise<string[]>
  /** The whole mission's change so far. */
  missionDiff(): Promise<string>
  /** Hands the result to the user: applied to their working tree, or left on a branch. */
  seal(result: "apply" | "branch"): Promise<SealOutcome>
  /** Where the result stays when the mission ends without sealing. */
  keptResult(): string
  /** Removes everything temporary (checkouts, task branches); safe to call twice. */
  dispose(): Promise<void>
}

export interface RoundTask {
  id: string
  title: string
  attempt: number
  /** The files the task declared it would write. */
  files: readonly string[]
  /** "continue": on top of the previous attempt's tree (after a failed gate or review); "fresh": from the integration head. */
  retry?: "continue" | "fresh"
}

export interface TaskCheckout {
  /** Where the task's worker, gates, reviewer and evidence commands run. */
  directory: string
  /** What the worker finds: its previous attempt's files ("continued") or the integration head ("fresh"). */
  resumed: "fresh" | "continued"
  /** A retry that could not continue (its previous change conflicts with the head): that change, as a hint. */
  previousDiff?: string
  /** Records what the worker did; returns the changed files, relative to the project directory. */
  collect(): Promise<string[]>
  /** The collected change as a unified diff. */
  diff(): Promise<string>
  /** The id of the tree the worker left (after collect): the key of every check run on it. */
  tree(): Promise<string>
  /** Installs dependencies when the attempt changed a manifest or lockfile (before its gates). */
  dependencies(): Promise<DependencyCheck>
  /** Files changed since the change was collected (a reviewer must leave the tree it judges as it was). */
  changedSinceCollect(): Promise<string[]>
}

/** Whether a checkout's dependency manifests changed, and the install that ran for it. */
export interface DependencyCheck {
  /** Manifests and lockfiles that differ from the user's. */
  changed: string[]
  install?: { command: string } & Pick<CommandResult, "exitCode" | "output">
}

export interface MergeConflict {
  paths: string[]
  /** The task's own change, for the retry's work order. */
  diff: string
}

export interface SealOutcome {
  /** What the report says about where the result is. */
  summary: string
  /** Files left with conflict markers (or, for binary files, left as the user had them). */
  conflicts: string[]
}
