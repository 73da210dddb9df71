import { TreeSnapshots } from "./snapshot.js"
import type { MergeConflict, RoundTask, TaskCheckout, Workspace } from "./workspace.js"

/**
 * Without git there are no worktrees: tasks run one at a time in the project
 * directory itself, and a task's change is what differs between snapshots
 * taken before and after its worker.
 */
export class InPlaceWorkspace implements Workspace {
  readonly mode = "in-place"
  readonly parallelSafe = false

  private constructor(
    private readonly snapshots: TreeSnapshots,
    readonly integrationDir: string,
    private readonly base: string,
    readonly note: string,
  ) {}

  static async open(projectDir: string, stateDir: string, why: string): Promise<InPlaceWorkspace> {
    const snapshots = await TreeSnapshots.open(projectDir, stateDir)
    const base = await snapshots.take()
    return new InPlaceWorkspace(snapshots, projectDir, base, `off — ${why}, so tasks ran one at a time in place`)
  }

  async begin(tasks: readonly RoundTask[]): Promise<Map<string, TaskCheckout>> {
    if (tasks.length !== 1) throw new Error("tasks without isolation run one at a time")
    const before = await this.snapshots.take()
    let after: Promise<string> | undefined
    const taken = () => (after ??= this.snapshots.take())
    const checkout: TaskCheckout = {
      directory: this.integrationDir,
      collect: async () => this.snapshots.changedFiles(before, await taken()),
      diff: async () => this.snapshots.diff(before, await taken()),
    }
    return new Map([[tasks[0]!.id, checkout]])
  }

  async merge(): Promise<Map<string, MergeConflict>> {
    return new Map()
  }

  async missionDiff(): Promise<string> {
    return this.snapshots.diff(this.base, await this.snapshots.take())
  }

  async seal(): Promise<{ summary: string; conflicts: string[] }> {
    return { summary: "the changes are in your working tree (tasks ran in place)", conflicts: [] }
  }

  keptResult(): string {
    return "changes made so far are in your working tree"
  }

  async dispose(): Promise<void> {
    await this.snapshots.dispose()
  }
}
