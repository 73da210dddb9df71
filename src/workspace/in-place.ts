import { mkdir, rm } from "node:fs/promises"
import path from "node:path"
import { checkoutHomePath, privateCheckoutHome } from "./checkout-home.js"
import { registerCheckout, unregisterCheckout } from "./checkout-registry.js"
import { TreeSnapshots } from "./snapshot.js"
import type { DependencyCheck, MergeConflict, RoundTask, TaskCheckout, Workspace } from "./workspace.js"

const NO_DEPENDENCY_CHANGE: DependencyCheck = { changed: [] }

/**
 * Without git there are no worktrees: tasks run one at a time in the project
 * directory itself, and a task's change is what differs between snapshots
 * taken before and after its worker. The project directory is then the
 * checkout: its commands may write there (and in the mission's private home).
 */
export class InPlaceWorkspace implements Workspace {
  readonly mode = "in-place"
  readonly parallelSafe = false

  private constructor(
    private readonly snapshots: TreeSnapshots,
    readonly integrationDir: string,
    private readonly base: string,
    readonly note: string,
    private readonly scratch: string,
  ) {}

  static async open(
    projectDir: string,
    stateDir: string,
    why: string,
    sandbox: { network: boolean; refused: { command: string; reason: string }[] } = { network: true, refused: [] },
  ): Promise<InPlaceWorkspace> {
    const missionId = path.basename(stateDir)
    const snapshots = await TreeSnapshots.open(projectDir, stateDir)
    const base = await snapshots.take()
    await privateCheckoutHome()
    const scratch = path.join(checkoutHomePath(), "in-place", missionId)
    await mkdir(path.join(scratch, "home"), { recursive: true, mode: 0o700 })
    await mkdir(path.join(scratch, "tmp"), { recursive: true, mode: 0o700 })
    registerCheckout({
      root: projectDir,
      writable: true,
      home: path.join(scratch, "home"),
      tmp: path.join(scratch, "tmp"),
      readOnly: [],
      ...sandbox,
      env: { ORCHESTRATOR_SLOT: "0", ORCHESTRATOR_TASK: "" },
    })
    return new InPlaceWorkspace(snapshots, projectDir, base, `off — ${why}, so tasks ran one at a time in place`, scratch)
  }

  readonly keepsCheckouts = false

  get checkoutRoot(): string {
    return this.integrationDir
  }

  prepare(): void {}

  async begin(tasks: readonly RoundTask[]): Promise<Map<string, TaskCheckout>> {
    if (tasks.length !== 1) throw new Error("tasks without isolation run one at a time")
    const before = await this.snapshots.take()
    let after: Promise<string> | undefined
    const taken = () => (after ??= this.snapshots.take())
    const checkout: TaskCheckout = {
      directory: this.integrationDir,
      resumed: tasks[0]!.attempt > 1 ? "continued" : "fresh",
      collect: async () => this.snapshots.changedFiles(before, await taken()),
      diff: async () => this.snapshots.diff(before, await taken()),
      tree: taken,
      dependencies: async () => NO_DEPENDENCY_CHANGE,
      changedSinceCollect: async () => this.snapshots.changedFiles(await taken(), await this.snapshots.take()),
    }
    return new Map([[tasks[0]!.id, checkout]])
  }

  async merge(): Promise<Map<string, MergeConflict>> {
    return new Map()
  }

  async integrationCheck(): Promise<{ tree: string; dependencies: DependencyCheck }> {
    return { tree: await this.snapshots.take(), dependencies: NO_DEPENDENCY_CHANGE }
  }

  /** The project is the user's own tree: nothing is put back. */
  async resetIntegration(): Promise<string[]> {
    return []
  }

  /** Tasks installed straight into the project's own dependency directories. */
  async changedDependencies(): Promise<string[]> {
    return []
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
    unregisterCheckout(this.integrationDir)
    await rm(this.scratch, { recursive: true, force: true })
    await this.snapshots.dispose()
  }
}
