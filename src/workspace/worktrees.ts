import { existsSync } from "node:fs"
import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { availableParallelism } from "node:os"
import path from "node:path"
import pLimit from "p-limit"
import { type BootstrapPlan, changedManifests, copyDependency, copyIncludes, detectInstallCommand, manifestFingerprint, planBootstrap } from "./bootstrap.js"
import { checkoutHomePath, privateCheckoutHome } from "./checkout-home.js"
import {
  dependencyListing,
  dependencyStamp,
  forgetSlotRecord,
  leasePool,
  type PoolLease,
  prunePools,
  readSlotRecord,
  releaseBranches,
  repositoryDir,
  type SlotRecord,
  writeSlotRecord,
} from "./checkout-pool.js"
import { type CheckoutContext, registerCheckout, unregisterCheckout } from "./checkout-registry.js"
import { isWithin } from "../paths.js"
import { git, gitRaw, parseRawDiff, PLUGIN_IDENTITY } from "./git.js"
import type { CommandResult } from "./shell.js"
import { TreeSnapshots } from "./snapshot.js"
import { applyThreeWay } from "./three-way.js"
import type { DependencyCheck, MergeConflict, RoundTask, SealOutcome, TaskCheckout, Workspace } from "./workspace.js"

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

/** Whether `directory` is in one of a mission's checkouts (a slot or the integration checkout). */
export function isMissionCheckout(directory: string): boolean {
  const home = checkoutHomePath()
  return path.resolve(directory) !== path.resolve(home) && isWithin(directory, home)
}

/** How a mission's checkouts are made ready and how commands run in them. */
export interface CheckoutSettings {
  /** Slots to prepare ahead of the first round (the mission's concurrency). */
  slots: number
  /** Extra ignored directories to copy: names found anywhere, or root-relative paths. */
  dependencies: readonly string[]
  /** Run once in each new checkout after its bootstrap (e.g. "npm ci"); a failure stops the mission. */
  setup?: string
  /** Installs dependencies when a checkout's manifests changed; default from the lockfile. */
  install?: string
  /** Wall time of one setup or install. */
  timeoutMs: number
  /** Whether sandboxed commands in the checkouts may use the network. */
  network: boolean
  /** The mission's list of commands the sandbox refused (the `shell` tool adds to it). */
  refused: { command: string; reason: string }[]
  /** Runs a command in a checkout (sandboxed by the engine). */
  run(command: string, cwd: string, checkout: CheckoutContext): Promise<CommandResult>
  /** Appends a mission event. */
  record(event: string, data: Record<string, unknown>): Promise<void>
  /** A new checkout is ready: the place to warm what its first worker (or the final reviewer) will need. */
  ready?(directory: string): void
  /** Keep the checkouts for the project's next mission (see checkout-pool.ts), within these limits; absent: they go with the mission. */
  pool?: { idleDays: number; budgetBytes: number }
}

const DEFAULT_SETTINGS: CheckoutSettings = {
  slots: 0,
  dependencies: [],
  timeoutMs: 600_000,
  network: true,
  refused: [],
  run: async () => ({ exitCode: 127, output: "no command runner", timedOut: false }),
  record: async () => undefined,
}

/** Fails the mission with a setup's output: no worker runs in a checkout whose setup failed. */
export class CheckoutSetupError extends Error {}

/**
 * A pool of checkouts for a mission's tasks: one git worktree per concurrency
 * slot, plus the integration checkout, in a private home outside the user's
 * tree. A slot is made and bootstrapped once (the user's dependency
 * directories copied, `.worktreeinclude` files copied, the setup command run)
 * and reused: each attempt's branch is checked out in place and whatever the
 * slot's last attempt left is removed, the bootstrap kept. With `pool` set the
 * slots outlive the mission and the project's next mission adopts them (its
 * bootstrap redone only where the user's dependencies changed). Passing tasks
 * are merged into the integration branch in plan order; at seal the result is
 * applied to the user's tree with a three-way merge per file.
 */
export class WorktreeWorkspace implements Workspace {
  readonly mode = "worktree"
  readonly parallelSafe = true
  readonly note: string
  /** Each task's latest attempt: its branch, slot and start. */
  private readonly tasks = new Map<string, AttemptCheckout>()
  private readonly slots: Slot[] = []
  private integration?: Slot
  /** `<checkout home>/<repo>-<hash>/<mission-id>`: the mission's private home and temp, and its checkouts when it has no pool. */
  private readonly missionRoot: string
  /** Where the checkouts are: the project's pool, or the mission root. */
  private readonly checkouts: string
  /** The project directory relative to the repository root ("" at the root). */
  private readonly relative: string
  private bootstrap?: Promise<BootstrapPlan>
  /** The dependency manifests of the user's tree (the base), which the copied dependencies match. */
  private userManifests?: Promise<string>
  /** Serialises `git worktree add` (it reads every other worktree, and fails on one another add is still writing). */
  private readonly registering = pLimit(1)
  /** One `git worktree prune` before the first pooled checkout is made anew. */
  private pruned?: Promise<unknown>

  private constructor(
    private readonly root: string,
    private readonly projectDir: string,
    private readonly missionId: string,
    private readonly base: string,
    private readonly settings: CheckoutSettings,
    private readonly lease: PoolLease | undefined,
  ) {
    this.missionRoot = path.join(repositoryDir(root), missionId)
    this.checkouts = lease?.dir ?? this.missionRoot
    this.relative = path.relative(root, projectDir)
    this.note = `on — each task attempt ran in its own git worktree; result on branch ${this.branch}`
  }

  get branch(): string {
    return `orchestrator/${this.missionId}`
  }

  get baseRef(): string {
    return `refs/orchestrator/${this.missionId}/base`
  }

  get keepsCheckouts(): boolean {
    return this.lease !== undefined
  }

  get checkoutRoot(): string {
    return this.checkouts
  }

  get integrationDir(): string {
    return path.join(this.checkouts, "integration", this.relative)
  }

  /** Snapshots the user's working tree (uncommitted and untracked files too) as the base commit, without touching index, HEAD or files. */
  static async open(
    projectDir: string,
    root: string,
    missionId: string,
    stateDir: string,
    settings: Partial<CheckoutSettings> = {},
  ): Promise<WorktreeWorkspace> {
    await privateCheckoutHome()
    const snapshots = await TreeSnapshots.open(projectDir, stateDir)
    const tree = await snapshots.take()
    await snapshots.dispose()
    const head = (await gitRaw(["rev-parse", "--verify", "-q", "HEAD"], { cwd: root })).stdout.toString().trim()
    const parents = head ? ["-p", head] : []
    const base = (await git(["commit-tree", tree, ...parents, "-m", `orchestrator: base of mission ${missionId}`], { cwd: root, env: PLUGIN_IDENTITY })).trim()
    const ws = await WorktreeWorkspace.create(root, projectDir, missionId, base, settings)
    await git(["update-ref", "--stdin"], { cwd: root, input: `update ${ws.baseRef} ${base}\nupdate refs/heads/${ws.branch} ${base}\n` })
    await ws.start()
    return ws
  }

  /**
   * Picks up a mission after a crash: its base and integration branch are
   * refs, so they survived; the checkouts are made again, and task branches
   * left by the crashed run are discarded (their tasks run afresh).
   */
  static async reopen(projectDir: string, root: string, missionId: string, settings: Partial<CheckoutSettings> = {}): Promise<WorktreeWorkspace> {
    const baseRef = `refs/orchestrator/${missionId}/base`
    const base = (await gitRaw(["rev-parse", "--verify", "-q", baseRef], { cwd: root })).stdout.toString().trim()
    const branch = (await gitRaw(["rev-parse", "--verify", "-q", `refs/heads/orchestrator/${missionId}`], { cwd: root })).stdout.toString().trim()
    if (!base || !branch) {
      throw new Error(`Mission ${missionId} cannot be resumed: its git refs (${baseRef}, orchestrator/${missionId}) are gone.`)
    }
    await privateCheckoutHome()
    const ws = await WorktreeWorkspace.create(root, projectDir, missionId, base, settings)
    await rm(ws.missionRoot, { recursive: true, force: true })
    await gitRaw(["worktree", "prune"], { cwd: root })
    const leftovers = await git(["for-each-ref", "--format=%(refname)", `refs/heads/${ws.branch}--*`], { cwd: root })
    await ws.deleteBranches(
      leftovers
        .split("\n")
        .filter(Boolean)
        .map((ref) => ({ branch: ref.slice("refs/heads/".length) })),
    )
    await ws.start()
    return ws
  }

  private static async create(
    root: string,
    projectDir: string,
    missionId: string,
    base: string,
    settings: Partial<CheckoutSettings>,
  ): Promise<WorktreeWorkspace> {
    const lease = settings.pool ? await leasePool(root, missionId) : undefined
    return new WorktreeWorkspace(root, projectDir, missionId, base, { ...DEFAULT_SETTINGS, ...settings }, lease)
  }

  /** Makes the integration checkout (on the integration branch) and starts preparing the slots in the background. */
  private async start(): Promise<void> {
    await mkdir(path.join(this.missionRoot, "home"), { recursive: true, mode: 0o700 })
    await mkdir(path.join(this.missionRoot, "tmp"), { recursive: true, mode: 0o700 })
    this.bootstrap = planBootstrap(this.root, this.settings.dependencies)
    this.userManifests = manifestFingerprint(this.root, this.base)
    // Observed by whoever awaits them; unobserved rejections must not crash the host.
    this.bootstrap.catch(() => undefined)
    this.userManifests.catch(() => undefined)
    // The planner works in the user's project: its commands there write nothing.
    registerCheckout({
      root: this.projectDir,
      writable: false,
      home: path.join(this.missionRoot, "home"),
      tmp: path.join(this.missionRoot, "tmp"),
      readOnly: [],
      network: this.settings.network,
      refused: this.settings.refused,
      env: {},
    })
    this.integration = this.makeSlot("integration", this.branch)
    this.integration.ready.catch(() => undefined)
    await this.integration.made
    this.prepare(this.settings.slots)
  }

  /** Starts making and bootstrapping slots up to `count` (while the planner works); idempotent. */
  prepare(count: number): void {
    while (this.slots.length < count) {
      const slot = this.makeSlot(this.slots.length, undefined)
      slot.ready.catch(() => undefined)
      this.slots.push(slot)
    }
  }

  /** Before the first pooled checkout is made anew: git forgets checkouts removed by hand (once per mission). */
  private pruneOnce(): Promise<unknown> {
    this.pruned ??= gitRaw(["worktree", "prune"], { cwd: this.root })
    return this.pruned
  }

  /** A checkout: adopted from the pool or made (registered with git, checked out), then bootstrapped and set up. */
  private makeSlot(index: number | "integration", branch: string | undefined): Slot {
    const name = slotName(index)
    const slot: Slot = {
      index,
      path: path.join(this.checkouts, name),
      gitLink: "",
      depsFor: "",
      keep: [],
      copied: {},
      made: Promise.resolve(),
      ready: Promise.resolve(),
    }
    const started = Date.now()
    let adopted: SlotRecord | undefined
    slot.made = (async () => {
      const record = this.lease ? await readSlotRecord(this.lease.dir, name) : undefined
      if (record && (await this.adopt(slot, record, branch))) {
        adopted = record
        return
      }
      if (this.lease) await forgetSlotRecord(this.lease.dir, name)
      await rm(slot.path, { recursive: true, force: true })
      await this.registering(async () => {
        // A pooled checkout removed by hand may still be registered: git forgets it first.
        if (this.lease) await this.pruneOnce()
        await git(["worktree", "add", "--quiet", "--no-checkout", ...(branch ? [slot.path, branch] : ["--detach", slot.path, this.base])], { cwd: this.root })
      })
      slot.gitLink = await readFile(path.join(slot.path, ".git"), "utf8")
      await git(["reset", "--hard", "--quiet", "--no-recurse-submodules"], { cwd: slot.path })
    })()
    // A failed bootstrap or setup surfaces where the checkout is first needed, and ends the mission there.
    slot.ready = (async () => {
      await slot.made
      const plan = await this.plan()
      const user = await this.userFingerprint()
      const stale = adopted ? await this.staleDependencies(slot, adopted, plan, user) : plan.dependencies
      const setUp = adopted !== undefined && stale.length === 0 && adopted.setup === this.settings.setup
      if (this.lease && !setUp) await forgetSlotRecord(this.lease.dir, name)
      await Promise.all(stale.map((item) => this.copyDependency(slot, item)))
      await copyIncludes(this.root, slot.path, plan.includes)
      slot.depsFor = user
      this.register(slot, index === "integration" ? "mission" : "")
      await this.settings.record("checkout_bootstrapped", {
        checkout: name,
        ...plan,
        ...(adopted ? { adopted: true, copied: stale } : {}),
        ms: Date.now() - started,
      })
      if (setUp) {
        slot.keep = adopted!.keep
      } else {
        if (this.settings.setup) await this.runSetup(slot, this.settings.setup, "setup")
        // The bootstrap is what is ignored now (copies, includes, what setup generated): resets keep it.
        const ignored = await git(["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"], { cwd: slot.path })
        slot.keep = ignored
          .split("\0")
          .filter(Boolean)
          .map((entry) => `/${entry}`)
        slot.setup = this.settings.setup
      }
      await this.saveRecord(slot)
      this.settings.ready?.(path.join(slot.path, this.relative))
    })()
    return slot
  }

  /**
   * Takes over a checkout a previous mission left in the pool when git still
   * knows it: put on `branch` (the integration checkout) or the mission's base,
   * and cleaned but for its bootstrap. False when it has to be made anew.
   */
  private async adopt(slot: Slot, record: SlotRecord, branch: string | undefined): Promise<boolean> {
    const gitDir = /^gitdir: (.+)$/m.exec(record.gitLink)?.[1]?.trim()
    if (!gitDir || !existsSync(slot.path)) return false
    const backLink = await readFile(path.join(gitDir, "gitdir"), "utf8").catch(() => "")
    if (path.resolve(backLink.trim()) !== path.join(slot.path, ".git")) return false
    slot.gitLink = record.gitLink
    slot.keep = record.keep
    slot.copied = { ...record.dependencies }
    slot.setup = record.setup
    await this.restoreGitLink(slot)
    const cwd = slot.path
    const placed = branch
      ? (await gitRaw(["symbolic-ref", "HEAD", `refs/heads/${branch}`], { cwd })).code === 0 &&
        (await gitRaw(["reset", "--hard", "--quiet", "--no-recurse-submodules"], { cwd })).code === 0
      : (await gitRaw(["reset", "--hard", "--quiet", "--no-recurse-submodules", this.base], { cwd })).code === 0
    if (!placed) return false
    await git(["clean", "-ffdxq", ...slot.keep.flatMap((p) => ["-e", p])], { cwd })
    return true
  }

  /** The dependency directories of an adopted checkout that no longer match the user's (reinstalled, or changed in the checkout). */
  private async staleDependencies(slot: Slot, record: SlotRecord, plan: BootstrapPlan, user: string): Promise<string[]> {
    if (record.depsFor !== user) return plan.dependencies
    const stale: string[] = []
    for (const item of plan.dependencies) {
      const source = path.join(this.root, item)
      const same =
        record.dependencies[item] === (await dependencyStamp(source)) &&
        (await dependencyListing(path.join(slot.path, item))) === (await dependencyListing(source))
      if (!same) stale.push(item)
    }
    return stale
  }

  private async copyDependency(slot: Slot, item: string): Promise<void> {
    // The stamp is taken first: an install into the user's copy meanwhile makes the next mission copy again.
    const stamp = await dependencyStamp(path.join(this.root, item))
    await copyDependency(this.root, slot.path, item)
    slot.copied[item] = stamp
  }

  private async forgetRecord(slot: Slot): Promise<void> {
    if (this.lease) await forgetSlotRecord(this.lease.dir, slotName(slot.index))
  }

  /** Writes a pooled checkout's record once its bootstrap is complete. */
  private async saveRecord(slot: Slot): Promise<void> {
    if (!this.lease) return
    await writeSlotRecord(this.lease.dir, slotName(slot.index), {
      gitLink: slot.gitLink,
      depsFor: slot.depsFor,
      keep: slot.keep,
      dependencies: slot.copied,
      ...(slot.setup ? { setup: slot.setup } : {}),
    })
  }

  private plan(): Promise<BootstrapPlan> {
    if (!this.bootstrap) throw new Error("workspace not started")
    return this.bootstrap
  }

  private userFingerprint(): Promise<string> {
    if (!this.userManifests) throw new Error("workspace not started")
    return this.userManifests
  }

  /** What the slot's commands may write and see in their environment, for the engine and the `shell` tool. */
  private register(slot: Slot, task: string): CheckoutContext {
    const context: CheckoutContext = {
      root: slot.path,
      writable: true,
      home: path.join(this.missionRoot, "home"),
      tmp: path.join(this.missionRoot, "tmp"),
      readOnly: [path.join(slot.path, ".git")],
      network: this.settings.network,
      refused: this.settings.refused,
      env: { ORCHESTRATOR_SLOT: String(slot.index === "integration" ? this.settings.slots : slot.index), ORCHESTRATOR_TASK: task },
    }
    slot.context = context
    registerCheckout(context)
    return context
  }

  private async runSetup(slot: Slot, command: string, kind: "setup" | "install"): Promise<CommandResult> {
    const started = Date.now()
    const result = await this.settings.run(command, path.join(slot.path, this.relative), slot.context!)
    const name = slotName(slot.index)
    await this.settings.record(`checkout_${kind}`, {
      checkout: name,
      command,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      ms: Date.now() - started,
      output: result.output.slice(-4_000),
    })
    if (kind === "setup" && result.exitCode !== 0) {
      const why = result.timedOut ? `did not finish within ${this.settings.timeoutMs / 1000} s` : `exited ${result.exitCode}`
      throw new CheckoutSetupError(
        `The checkout setup command \`${command}\` ${why} in ${name}, so no task ran. Fix it (option checkout.setup) and run the mission again. Its output:\n\n${result.output.trim() || "(no output)"}`,
      )
    }
    return result
  }

  /**
   * Gives every task attempt of the round a slot and a branch. A first attempt,
   * or one after a merge conflict, starts from the integration head; a retry
   * continues from its previous attempt, brought up to the head by a merge (or,
   * if that conflicts, starts from the head with its previous diff as a hint).
   */
  async begin(tasks: readonly RoundTask[]): Promise<Map<string, TaskCheckout>> {
    this.prepare(tasks.length)
    const start = (await git(["rev-parse", `refs/heads/${this.branch}`], { cwd: this.root })).trim()
    const previous = new Map(tasks.flatMap((t) => (this.tasks.has(t.id) ? [[t.id, this.tasks.get(t.id)!] as const] : [])))
    const attempts = tasks.map((task, i) => {
      const before = previous.get(task.id)
      const from = task.retry === "continue" && before?.commit ? before : undefined
      const entry: AttemptCheckout = {
        branch: `${this.branch}--${task.id}-a${task.attempt}`,
        slot: this.slots[i]!,
        start,
        from: from?.commit ?? start,
        previousStart: from?.start,
      }
      this.tasks.set(task.id, entry)
      return { task, entry }
    })
    const branches = attempts.map(({ entry }) => `update refs/heads/${entry.branch} ${entry.from}\n`).join("")
    await git(["update-ref", "-m", `orchestrator: round from ${start}`, "--stdin"], { cwd: this.root, input: branches })
    await this.deleteBranches([...previous.values()])
    const limit = pLimit(availableParallelism())
    const placed = await Promise.allSettled(attempts.map(({ task, entry }) => limit(() => this.place(task, entry))))
    const failed = placed.find((p) => p.status === "rejected")
    if (failed) throw failed.reason

    const checkouts = new Map<string, TaskCheckout>()
    for (const [i, { task, entry }] of attempts.entries()) {
      const directory = path.join(entry.slot.path, this.relative)
      let collected: Promise<RecordedChange> | undefined
      const collect = () => (collected ??= this.commitTask(entry, directory, task))
      const place = placed[i] as PromiseFulfilledResult<Placement>
      checkouts.set(task.id, {
        directory,
        ...place.value,
        collect: async () => (await collect()).files,
        diff: async () => (await collect()).diff,
        tree: async () => (await collect()).tree,
        dependencies: () => this.ensureDependencies(entry.slot, "HEAD"),
        changedSinceCollect: () => this.changedFiles(entry.slot),
      })
    }
    return checkouts
  }

  /** Puts an attempt's branch in its slot, clean but for the bootstrap, and says what the worker will see. */
  private async place(task: RoundTask, entry: AttemptCheckout): Promise<Placement> {
    const { slot } = entry
    await slot.ready
    await this.restoreGitLink(slot)
    const cwd = slot.path
    await git(["symbolic-ref", "HEAD", `refs/heads/${entry.branch}`], { cwd })
    await git(["reset", "--hard", "--quiet", "--no-recurse-submodules"], { cwd })
    const plan = await this.plan()
    await git(["clean", "-ffdxq", ...slot.keep.flatMap((p) => ["-e", p])], { cwd })
    await copyIncludes(this.root, slot.path, plan.includes)
    // An attempt that removed a dependency directory leaves the next one without it: copy it again.
    const missing = plan.dependencies.filter((item) => !existsSync(path.join(slot.path, item)))
    if (missing.length) await this.forgetRecord(slot)
    await Promise.all(missing.map((item) => this.copyDependency(slot, item)))
    this.register(slot, task.id)
    let placement: Placement = { resumed: entry.previousStart ? "continued" : "fresh" }
    if (entry.previousStart && entry.from !== entry.start) {
      const merged = await gitRaw(["merge", "--no-ff", "--no-edit", "--no-verify", "-m", `Bring ${task.id} up to the integration head`, entry.start], {
        cwd,
        env: PLUGIN_IDENTITY,
      })
      if (merged.code !== 0) {
        await gitRaw(["merge", "--abort"], { cwd })
        const hint = await git(["diff", "--no-color", "--no-renames", "--relative", entry.previousStart, entry.from], {
          cwd: path.join(cwd, this.relative),
        })
        await git(["reset", "--hard", "--quiet", entry.start], { cwd })
        entry.from = entry.start
        placement = { resumed: "fresh", previousDiff: hint }
      }
    }
    entry.from = (await git(["rev-parse", "HEAD"], { cwd })).trim()
    await this.ensureDependencies(slot, "HEAD")
    return placement
  }

  /**
   * Installs dependencies in a checkout whose manifests differ from those its
   * dependency directories were made for (a task added a package); a slot an
   * earlier attempt installed into gets the user's copies back first.
   */
  private async ensureDependencies(slot: Slot, commit: string): Promise<DependencyCheck> {
    await slot.ready
    const wanted = await manifestFingerprint(slot.path, commit)
    if (wanted === slot.depsFor) return { changed: [] }
    const user = await this.userFingerprint()
    await this.forgetRecord(slot)
    if (slot.depsFor !== user) {
      const plan = await this.plan()
      await Promise.all(plan.dependencies.map((item) => this.copyDependency(slot, item)))
      slot.depsFor = user
      if (wanted === user) return { changed: [] }
    }
    const changed = changedManifests(user, wanted)
    const command = this.settings.install ?? this.settings.setup ?? detectInstallCommand(path.join(slot.path, this.relative))
    if (!command) return { changed }
    const result = await this.runSetup(slot, command, "install")
    // A failed install is retried on the next check; its output goes to whoever asked.
    if (result.exitCode === 0) slot.depsFor = wanted
    return { changed, install: { command, exitCode: result.exitCode, output: result.output } }
  }

  /** Before the engine runs git in a slot: the `.git` link back to what git wrote (a worker's `write` could point it elsewhere). */
  private async restoreGitLink(slot: Slot): Promise<void> {
    const link = path.join(slot.path, ".git")
    const now = await readFile(link, "utf8").catch(() => "")
    if (now !== slot.gitLink) {
      await rm(link, { recursive: true, force: true })
      await writeFile(link, slot.gitLink)
    }
  }

  /** Files changed in a checkout since its change was committed (tracked or untracked, not ignored). */
  private async changedFiles(slot: Slot): Promise<string[]> {
    await this.restoreGitLink(slot)
    const status = await git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"], { cwd: slot.path })
    return status
      .split("\0")
      .filter(Boolean)
      .map((line) => line.slice(3))
  }

  /** Commits the worker's change on the attempt's branch; its files and diff come from one `git diff` (raw records, then the patch). */
  private async commitTask(entry: AttemptCheckout, directory: string, task: RoundTask): Promise<RecordedChange> {
    const cwd = entry.slot.path
    await this.restoreGitLink(entry.slot)
    const plan = await this.plan()
    await git(["add", "--all"], { cwd })
    // Copied dependencies and includes are ignored in the user's tree; a task that edits .gitignore must not commit them.
    const bootstrapped = [...plan.dependencies, ...plan.includes]
    if (bootstrapped.length) await git(["rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", ...bootstrapped.map((p) => `:(top)${p}`)], { cwd })
    await git(["commit", "--quiet", "--allow-empty", "--no-verify", "-m", `${task.id}: ${task.title}`], { cwd, env: PLUGIN_IDENTITY })
    const output = await git(["diff", "--no-color", "--no-renames", "--relative", "--raw", "-z", "--patch", entry.start, "HEAD"], { cwd: directory })
    const { changes, rest } = parseRawDiff(output)
    const ids = (await git(["rev-parse", "HEAD", "HEAD^{tree}"], { cwd })).trim().split("\n")
    entry.commit = ids[0]
    return { files: changes.map((c) => c.path), diff: rest, tree: ids[1] ?? "" }
  }

  async merge(tasks: readonly RoundTask[]): Promise<Map<string, MergeConflict>> {
    const conflicts = new Map<string, MergeConflict>()
    const integration = await this.integrationSlot()
    for (const task of tasks) {
      const entry = this.tasks.get(task.id)
      if (!entry) continue
      const merged = await gitRaw(["merge", "--no-ff", "--no-edit", "--no-verify", "-m", `Merge ${task.id}: ${task.title}`, entry.branch], {
        cwd: integration.path,
        env: PLUGIN_IDENTITY,
      })
      if (merged.code === 0) continue
      const paths = (await git(["diff", "--name-only", "--diff-filter=U"], { cwd: integration.path })).split("\n").filter(Boolean)
      if (paths.length === 0) throw new Error(`merging ${task.id} failed: ${merged.stderr.trim() || merged.stdout.toString().trim()}`)
      await gitRaw(["merge", "--abort"], { cwd: integration.path })
      const diff = await git(["diff", "--no-color", "--no-renames", entry.start, entry.branch], { cwd: this.root })
      conflicts.set(task.id, { paths, diff })
    }
    return conflicts
  }

  private async integrationSlot(): Promise<Slot> {
    if (!this.integration) throw new Error("workspace not started")
    await this.integration.ready
    await this.restoreGitLink(this.integration)
    return this.integration
  }

  /** The integration checkout ready for the mission's checks: dependencies for its manifests, and the tree id its checks are keyed by. */
  async integrationCheck(): Promise<{ tree: string; dependencies: DependencyCheck }> {
    const slot = await this.integrationSlot()
    const dependencies = await this.ensureDependencies(slot, "HEAD")
    const tree = (await git(["rev-parse", "HEAD^{tree}"], { cwd: slot.path })).trim()
    return { tree, dependencies }
  }

  /** Files in the integration checkout that changed since the last merge; the checkout is put back as merged. */
  async resetIntegration(): Promise<string[]> {
    const slot = await this.integrationSlot()
    const changed = await this.changedFiles(slot)
    if (changed.length) {
      await git(["reset", "--hard", "--quiet"], { cwd: slot.path })
      await git(["clean", "-ffdq"], { cwd: slot.path })
    }
    return changed
  }

  /** Manifests the whole mission changed, for the report's install hint. */
  async changedDependencies(): Promise<string[]> {
    return changedManifests(await this.userFingerprint(), await manifestFingerprint(this.root, `refs/heads/${this.branch}`))
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

  /**
   * Ends the mission's use of its checkouts. Without a pool every checkout,
   * the mission's home and temp go with the mission's root and git forgets
   * them in one prune; with one they stay for the next mission, detached (so
   * no branch stays checked out there) and recorded, and pools past their
   * limits are removed. The task branches go in one ref transaction.
   */
  async dispose(): Promise<void> {
    const entries = [...this.tasks.values()]
    this.tasks.clear()
    const slots = [...this.slots, ...(this.integration ? [this.integration] : [])]
    this.slots.length = 0
    this.integration = undefined
    // A slot still being made finishes (or fails) before its directory goes.
    const ready = await Promise.allSettled(slots.map((s) => s.ready))
    for (const slot of slots) unregisterCheckout(slot.path)
    unregisterCheckout(this.projectDir)
    if (this.lease) {
      await Promise.all(slots.map((slot, i) => (ready[i]!.status === "fulfilled" ? this.park(slot) : this.discard(slot))))
      await this.lease.release()
    }
    await rm(this.missionRoot, { recursive: true, force: true })
    if (!this.lease) {
      await gitRaw(["worktree", "prune"], { cwd: this.root })
      await releaseBranches(this.root, this.branch)
    }
    await this.deleteBranches(entries)
    if (this.lease && this.settings.pool) await prunePools(this.settings.pool).catch(() => undefined)
  }

  /** Leaves a pooled checkout for the next mission: detached where it stands, its record written. */
  private async park(slot: Slot): Promise<void> {
    await this.restoreGitLink(slot)
    // A slot left on the branch of an attempt whose branch is gone already is parked on the base.
    // The user's post-checkout hook does not run (PLUGIN_IDENTITY points core.hooksPath away).
    const detached = await gitRaw(["checkout", "--quiet", "--detach"], { cwd: slot.path, env: PLUGIN_IDENTITY })
    if (detached.code !== 0) await gitRaw(["update-ref", "--no-deref", "-m", "orchestrator: parked", "HEAD", this.base], { cwd: slot.path })
    await this.saveRecord(slot)
  }

  /** A pooled checkout whose bootstrap failed is removed: the next mission makes it anew. */
  private async discard(slot: Slot): Promise<void> {
    await this.forgetRecord(slot)
    await rm(slot.path, { recursive: true, force: true })
    await gitRaw(["worktree", "prune"], { cwd: this.root })
  }

  private async deleteBranches(entries: readonly { branch: string }[]): Promise<void> {
    if (entries.length === 0) return
    await gitRaw(["update-ref", "--stdin"], { cwd: this.root, input: entries.map((e) => `delete refs/heads/${e.branch}\n`).join("") })
  }
}

const slotName = (index: number | "integration") => (index === "integration" ? "integration" : `slot-${index}`)

/** One checkout of the pool. */
interface Slot {
  index: number | "integration"
  path: string
  /** What git wrote into the checkout's `.git` file. */
  gitLink: string
  /** The manifests its dependency directories were copied or installed for. */
  depsFor: string
  /** What `git clean` keeps when the slot is reset: the ignored entries its bootstrap and setup left. */
  keep: string[]
  /** Each copied dependency directory and the stamp of the user's copy when it was copied. */
  copied: Record<string, string>
  /** The setup command that ran in it. */
  setup?: string
  /** The worktree exists. */
  made: Promise<void>
  /** Made, bootstrapped and set up. */
  ready: Promise<void>
  context?: CheckoutContext
}

/** A task attempt's branch and slot. */
interface AttemptCheckout {
  branch: string
  slot: Slot
  /** The integration head when the attempt began: its diff is taken against this. */
  start: string
  /** The commit the attempt's branch began at (its previous attempt's, merged up to `start`, or `start`). */
  from: string
  /** Where the previous attempt started, when this one continues it. */
  previousStart?: string
  /** The attempt's commit, once collected. */
  commit?: string
}

/** What the worker of an attempt looks at. */
interface Placement {
  resumed: "fresh" | "continued"
  previousDiff?: string
}

/** What a worker changed: the files (relative to the project directory), the unified diff, and the tree it left. */
interface RecordedChange {
  files: string[]
  diff: string
  tree: string
}
