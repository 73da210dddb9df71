import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import { availableParallelism, tmpdir } from "node:os"
import path from "node:path"
import pLimit from "p-limit"
import { git, gitRaw, parseRawDiff, PLUGIN_IDENTITY } from "./git.js"
import { TreeSnapshots } from "./snapshot.js"
import { applyThreeWay } from "./three-way.js"
import type { MergeConflict, RoundTask, SealOutcome, TaskCheckout, Workspace } from "./workspace.js"

/** Refuses a repository in the middle of an operation the user has to finish first. */
export async function unfinishedOperation(projectDir: string): Promise<string | undefined> {
  const markers: [string, string][] = [
    ["MERGE_HEAD", "a merge"],
    ["rebase-merge", "a rebase"],
    ["rebase-apply", "a rebase or `git am`"],
    ["CHERRY_PICK_HEAD", "a cherry-pick"],
    ["REVERT_HEAD", "a revert"],
    ["BISECT_LOG", "a bisect"],
  ]
  // One line per marker, in order.
  const args = ["rev-parse", "--path-format=absolute", ...markers.flatMap(([marker]) => ["--git-path", marker])]
  const files = (await git(args, { cwd: projectDir })).split("\n")
  return markers.find((_, i) => files[i] && existsSync(files[i]))?.[1]
}

/** Where the worktrees of every mission live. */
function worktreesHome(): string {
  return path.join(tmpdir(), "opencode-orchestrator")
}

/** Whether `directory` is in one of a mission's worktrees (a task's or the integration checkout). */
export function isMissionCheckout(directory: string): boolean {
  const inside = path.relative(worktreesHome(), path.resolve(directory))
  return inside !== "" && !inside.startsWith("..") && !path.isAbsolute(inside)
}

/**
 * Each task attempt runs in its own git worktree on its own branch from the
 * mission's integration branch, outside the user's working tree. Passing
 * tasks are merged into the integration branch in plan order; at seal the
 * result is applied to the user's tree with a three-way merge per file.
 */
export class WorktreeWorkspace implements Workspace {
  readonly mode = "worktree"
  readonly parallelSafe = true
  readonly note: string
  private readonly tasks = new Map<string, AttemptCheckout>()
  /** `$TMPDIR/opencode-orchestrator/<repo>-<hash>/<mission-id>`: every worktree of the mission. */
  private readonly worktreeRoot: string
  /** The project directory relative to the repository root ("" at the root). */
  private readonly relative: string

  private constructor(
    private readonly root: string,
    projectDir: string,
    private readonly missionId: string,
    private readonly base: string,
  ) {
    const digest = createHash("sha1").update(root).digest("hex").slice(0, 8)
    this.worktreeRoot = path.join(worktreesHome(), `${path.basename(root)}-${digest}`, missionId)
    this.relative = path.relative(root, projectDir)
    this.note = `on — each task attempt ran in its own git worktree; result on branch ${this.branch}`
  }

  get branch(): string {
    return `orchestrator/${this.missionId}`
  }

  get baseRef(): string {
    return `refs/orchestrator/${this.missionId}/base`
  }

  get integrationDir(): string {
    return path.join(this.worktreeRoot, "integration", this.relative)
  }

  /** Snapshots the user's working tree (uncommitted and untracked files too) as the base commit, without touching index, HEAD or files. */
  static async open(projectDir: string, root: string, missionId: string, stateDir: string): Promise<WorktreeWorkspace> {
    const snapshots = await TreeSnapshots.open(projectDir, stateDir)
    const tree = await snapshots.take()
    await snapshots.dispose()
    const head = (await gitRaw(["rev-parse", "--verify", "-q", "HEAD"], { cwd: root })).stdout.toString().trim()
    const parents = head ? ["-p", head] : []
    const base = (
      await git(["commit-tree", tree, ...parents, "-m", `orchestrator: base of mission ${missionId}`], { cwd: root, env: PLUGIN_IDENTITY })
    ).trim()
    const ws = new WorktreeWorkspace(root, projectDir, missionId, base)
    await git(["update-ref", "--stdin"], { cwd: root, input: `update ${ws.baseRef} ${base}\nupdate refs/heads/${ws.branch} ${base}\n` })
    await ws.checkOutIntegration()
    return ws
  }

  /**
   * Picks up a mission after a crash: its base and integration branch are
   * refs, so they survived; the worktrees are made again, and task branches
   * left by the crashed run are discarded (their tasks run afresh).
   */
  static async reopen(projectDir: string, root: string, missionId: string): Promise<WorktreeWorkspace> {
    const baseRef = `refs/orchestrator/${missionId}/base`
    const base = (await gitRaw(["rev-parse", "--verify", "-q", baseRef], { cwd: root })).stdout.toString().trim()
    const branch = (await gitRaw(["rev-parse", "--verify", "-q", `refs/heads/orchestrator/${missionId}`], { cwd: root })).stdout.toString().trim()
    if (!base || !branch) {
      throw new Error(`Mission ${missionId} cannot be resumed: its git refs (${baseRef}, orchestrator/${missionId}) are gone.`)
    }
    const ws = new WorktreeWorkspace(root, projectDir, missionId, base)
    await gitRaw(["worktree", "prune"], { cwd: root })
    const leftovers = await git(["for-each-ref", "--format=%(refname:short)", `refs/heads/${ws.branch}--*`], { cwd: root })
    await ws.discard(
      leftovers
        .split("\n")
        .filter(Boolean)
        .map((name) => ({ path: path.join(ws.worktreeRoot, name.slice(ws.branch.length + 2)), branch: name })),
    )
    await ws.checkOutIntegration()
    return ws
  }

  /** (Re)creates the integration worktree, on the integration branch. */
  private async checkOutIntegration(): Promise<void> {
    const where = path.join(this.worktreeRoot, "integration")
    await this.removeWorktree(where)
    await mkdir(this.worktreeRoot, { recursive: true })
    await git(["worktree", "add", "--quiet", where, this.branch], { cwd: this.root })
  }

  /**
   * Gives every task attempt of the round its branch from the integration
   * head (all in one ref transaction) and its worktree on it. Git registers
   * the worktrees one at a time (`git worktree add` reads every other
   * worktree's files, and fails on one that another `add` is still writing);
   * the checkouts, each of the whole tree, then run as many at once as there
   * are cores.
   */
  async begin(tasks: readonly RoundTask[]): Promise<Map<string, TaskCheckout>> {
    const start = (await git(["rev-parse", `refs/heads/${this.branch}`], { cwd: this.root })).trim()
    // A retry starts afresh from the integration head: its previous attempt goes first.
    await this.discard(tasks.flatMap((t) => this.tasks.get(t.id) ?? []))
    const attempts = tasks.map((task) => {
      const name = `${task.id}-a${task.attempt}`
      const entry: AttemptCheckout = { branch: `${this.branch}--${name}`, path: path.join(this.worktreeRoot, name), start }
      this.tasks.set(task.id, entry)
      return { task, entry }
    })
    const branches = attempts.map(({ entry }) => `update refs/heads/${entry.branch} ${start}\n`).join("")
    await git(["update-ref", "-m", `orchestrator: round from ${start}`, "--stdin"], { cwd: this.root, input: branches })
    for (const { entry } of attempts) {
      await this.removeWorktree(entry.path)
      await git(["worktree", "add", "--quiet", "--no-checkout", entry.path, entry.branch], { cwd: this.root })
    }
    const limit = pLimit(availableParallelism())
    // What `git worktree add` runs itself when it checks out.
    const checkOut = (entry: AttemptCheckout) => git(["reset", "--hard", "--quiet", "--no-recurse-submodules"], { cwd: entry.path })
    // Settled, not raced: a failed checkout must not leave others writing while the mission cleans up.
    const checkedOut = await Promise.allSettled(attempts.map(({ entry }) => limit(() => checkOut(entry))))
    const failed = checkedOut.find((c) => c.status === "rejected")
    if (failed) throw failed.reason

    const checkouts = new Map<string, TaskCheckout>()
    for (const { task, entry } of attempts) {
      const directory = path.join(entry.path, this.relative)
      let collected: Promise<RecordedChange> | undefined
      const collect = () => (collected ??= this.commitTask(entry, directory, task))
      checkouts.set(task.id, {
        directory,
        collect: async () => (await collect()).files,
        diff: async () => (await collect()).diff,
      })
    }
    return checkouts
  }

  /** Commits the worker's change on the attempt's branch; its files and diff come from one `git diff` (raw records, then the patch). */
  private async commitTask(entry: AttemptCheckout, directory: string, task: RoundTask): Promise<RecordedChange> {
    await git(["add", "--all"], { cwd: entry.path })
    await git(["commit", "--quiet", "--allow-empty", "--no-verify", "-m", `${task.id}: ${task.title}`], { cwd: entry.path, env: PLUGIN_IDENTITY })
    const output = await git(["diff", "--no-color", "--no-renames", "--relative", "--raw", "-z", "--patch", entry.start, "HEAD"], { cwd: directory })
    const { changes, rest } = parseRawDiff(output)
    return { files: changes.map((c) => c.path), diff: rest }
  }

  async merge(tasks: readonly RoundTask[]): Promise<Map<string, MergeConflict>> {
    const conflicts = new Map<string, MergeConflict>()
    const integration = path.join(this.worktreeRoot, "integration")
    for (const task of tasks) {
      const entry = this.tasks.get(task.id)
      if (!entry) continue
      const merged = await gitRaw(["merge", "--no-ff", "--no-edit", "--no-verify", "-m", `Merge ${task.id}: ${task.title}`, entry.branch], {
        cwd: integration,
        env: PLUGIN_IDENTITY,
      })
      if (merged.code === 0) continue
      const paths = (await git(["diff", "--name-only", "--diff-filter=U"], { cwd: integration })).split("\n").filter(Boolean)
      if (paths.length === 0) throw new Error(`merging ${task.id} failed: ${merged.stderr.trim() || merged.stdout.toString().trim()}`)
      await gitRaw(["merge", "--abort"], { cwd: integration })
      const diff = await git(["diff", "--no-color", "--no-renames", entry.start, entry.branch], { cwd: this.root })
      conflicts.set(task.id, { paths, diff })
    }
    return conflicts
  }

  async missionDiff(): Promise<string> {
    return git(["diff", "--no-color", "--no-renames", "--relative", this.base, `refs/heads/${this.branch}`], { cwd: this.integrationDir })
  }

  async seal(result: "apply" | "branch"): Promise<SealOutcome> {
    if (result === "branch") return { summary: `left on branch ${this.branch}; ${this.applyHint()}`, conflicts: [] }
    const head = (await git(["rev-parse", `refs/heads/${this.branch}`], { cwd: this.root })).trim()
    const { applied, conflicts } = await applyThreeWay(this.root, this.base, head)
    const summary = `applied to your working tree (${applied.length + conflicts.length} files, three-way); branch ${this.branch} and ${this.baseRef} are kept — delete them with \`git branch -D ${this.branch} && git update-ref -d ${this.baseRef}\``
    return { summary, conflicts }
  }

  keptResult(): string {
    return `work merged so far is on branch ${this.branch}; ${this.applyHint()}`
  }

  private applyHint(): string {
    return `apply it with \`git diff --binary ${this.baseRef} ${this.branch} | git apply\``
  }

  /** Every worktree (task attempts' and the integration one) goes with the mission's temp root; git forgets them in one prune, the task branches in one ref transaction. */
  async dispose(): Promise<void> {
    const entries = [...this.tasks.values()]
    this.tasks.clear()
    await rm(this.worktreeRoot, { recursive: true, force: true })
    await gitRaw(["worktree", "prune"], { cwd: this.root })
    await this.deleteBranches(entries)
  }

  /** Removes task attempts' worktrees (their directories, then git's records of them, in one prune) and their branches. */
  private async discard(entries: readonly { path: string; branch: string }[]): Promise<void> {
    if (entries.length === 0) return
    await Promise.all(entries.map((entry) => rm(entry.path, { recursive: true, force: true })))
    await gitRaw(["worktree", "prune"], { cwd: this.root })
    await this.deleteBranches(entries)
  }

  private async deleteBranches(entries: readonly { branch: string }[]): Promise<void> {
    if (entries.length === 0) return
    await gitRaw(["update-ref", "--stdin"], { cwd: this.root, input: entries.map((e) => `delete refs/heads/${e.branch}\n`).join("") })
  }

  private async removeWorktree(where: string): Promise<void> {
    if (!existsSync(where)) return
    await gitRaw(["worktree", "remove", "--force", "--force", where], { cwd: this.root })
    await rm(where, { recursive: true, force: true })
  }
}

/** A task attempt's branch and worktree, and the integration head it started from. */
interface AttemptCheckout {
  branch: string
  path: string
  start: string
}

/** What a worker changed: the files (relative to the project directory) and the unified diff. */
interface RecordedChange {
  files: string[]
  diff: string
}
