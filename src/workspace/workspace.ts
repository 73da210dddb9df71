/** Where a mission's tasks run, how their changes are told apart, merged and handed back to the user. */
export interface Workspace {
  readonly mode: "worktree" | "in-place"
  /** One line for the report: how tasks were isolated, and why not if they were not. */
  readonly note: string
  /** Whether tasks whose files overlap may run in the same round. */
  readonly parallelSafe: boolean
  /** Where the mission's verify commands and the final review run. */
  readonly integrationDir: string
  /** Prepares a place for each task attempt of a round. */
  begin(tasks: readonly RoundTask[]): Promise<Map<string, TaskCheckout>>
  /** Merges passing tasks into the mission's result in the given order; returns those that conflicted. */
  merge(tasks: readonly RoundTask[]): Promise<Map<string, MergeConflict>>
  /** The whole mission's change so far. */
  missionDiff(): Promise<string>
  /** Hands the result to the user: applied to their working tree, or left on a branch. */
  seal(result: "apply" | "branch"): Promise<SealOutcome>
  /** Where the result stays when the mission ends without sealing. */
  keptResult(): string
  /** Removes everything temporary (worktrees, task branches); safe to call twice. */
  dispose(): Promise<void>
}

export interface RoundTask {
  id: string
  title: string
  attempt: number
  /** The files the task declared it would write. */
  files: readonly string[]
}

export interface TaskCheckout {
  /** Where the task's worker, gates, reviewer and evidence commands run. */
  directory: string
  /** Records what the worker did; returns the changed files, relative to the project directory. */
  collect(): Promise<string[]>
  /** The collected change as a unified diff. */
  diff(): Promise<string>
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
