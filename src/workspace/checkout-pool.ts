import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { createHash } from "node:crypto"
import path from "node:path"
import { promisify } from "node:util"
import { z } from "zod"
import { acquireLock, lockIsLive, readLock } from "../mission/lock.js"
import { checkoutHomePath } from "./checkout-home.js"
import { gitRaw } from "./git.js"

const execFileAsync = promisify(execFile)

/**
 * A project's checkouts kept between missions: `<home>/<repo>-<hash>/pool`,
 * one directory per concurrency slot plus `integration`, each with a record
 * (`<name>.json`) of what its bootstrap left. One mission at a time leases the
 * pool; a second mission of the same repository running meanwhile makes
 * checkouts of its own that go when it ends.
 */
export const POOL = "pool"

/** `<home>/<repo>-<hash>`: everything of one repository's missions. */
export function repositoryDir(root: string, home = checkoutHomePath()): string {
  const digest = createHash("sha1").update(root).digest("hex").slice(0, 8)
  return path.join(home, `${path.basename(root)}-${digest}`)
}

/** What a pooled checkout's bootstrap left, so the next mission can tell whether it still holds. */
const SlotRecord = z.object({
  /** What git wrote into the checkout's `.git` file. */
  gitLink: z.string().min(1),
  /** The manifests its dependency directories were copied or installed for. */
  depsFor: z.string(),
  /** What `git clean` keeps when the slot is reset. */
  keep: z.array(z.string()),
  /** Each copied dependency directory and the stamp of the user's copy it came from. */
  dependencies: z.record(z.string(), z.string()),
  /** The setup command that ran in it, if any. */
  setup: z.string().optional(),
})
export type SlotRecord = z.infer<typeof SlotRecord>

const PoolRecord = z.object({ root: z.string(), lastUsed: z.string() })

const recordFile = (pool: string, name: string) => path.join(pool, `${name}.json`)

export async function readSlotRecord(pool: string, name: string): Promise<SlotRecord | undefined> {
  const text = await readFile(recordFile(pool, name), "utf8").catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const parsed = SlotRecord.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

export async function writeSlotRecord(pool: string, name: string, record: SlotRecord): Promise<void> {
  await writeFile(recordFile(pool, name), JSON.stringify(record))
}

/** Before a checkout's bootstrap is changed: without a record, a crash in the middle leaves a checkout the next mission makes anew. */
export async function forgetSlotRecord(pool: string, name: string): Promise<void> {
  await rm(recordFile(pool, name), { force: true })
}

/** Entries a dependency directory holds (dot-entries aside: test runners write caches there). */
export async function dependencyListing(dir: string): Promise<string> {
  const names = await readdir(dir).catch(() => undefined)
  return names
    ? names
        .filter((n) => !n.startsWith("."))
        .sort()
        .join("\n")
    : ""
}

/** Files package managers rewrite on every install. */
const INSTALL_MARKERS = [".package-lock.json", ".modules.yaml", ".yarn-state.yml", ".yarn-integrity", "pyvenv.cfg"]

/** A cheap stamp of the user's dependency directory: what it holds and when it was last installed into. */
export async function dependencyStamp(dir: string): Promise<string> {
  const markers = await Promise.all(
    INSTALL_MARKERS.map((m) =>
      stat(path.join(dir, m)).then(
        (s) => `${m}@${s.mtimeMs}`,
        () => "",
      ),
    ),
  )
  return createHash("sha1")
    .update(await dependencyListing(dir))
    .update(markers.join(","))
    .digest("hex")
}

export interface PoolLease {
  dir: string
  release(): Promise<void>
}

/** Leases the repository's pool for one mission; undefined when another running mission holds it. */
export async function leasePool(root: string, missionId: string): Promise<PoolLease | undefined> {
  const dir = path.join(repositoryDir(root), POOL)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const release = await acquireLock(dir, missionId).catch(() => undefined)
  if (!release) return undefined
  await touchPool(dir, root)
  return {
    dir,
    async release() {
      await touchPool(dir, root)
      await release()
    },
  }
}

async function touchPool(dir: string, root: string): Promise<void> {
  await writeFile(path.join(dir, "pool.json"), JSON.stringify({ root, lastUsed: new Date().toISOString() }))
}

export interface PoolInfo {
  /** The pool's directory. */
  dir: string
  /** The repository it checks out. */
  root: string
  lastUsed: Date
  /** Its checkouts (`slot-0`, …, `integration`). */
  checkouts: string[]
  bytes: number
  /** A running mission holds it. */
  inUse: boolean
}

/** Every project's pool in the checkout home, most recently used first. */
export async function listPools(home = checkoutHomePath()): Promise<PoolInfo[]> {
  const repos = await readdir(home, { withFileTypes: true }).catch(() => [])
  const pools: PoolInfo[] = []
  for (const repo of repos) {
    if (!repo.isDirectory()) continue
    const dir = path.join(home, repo.name, POOL)
    if (!existsSync(dir)) continue
    const record = await readFile(path.join(dir, "pool.json"), "utf8")
      .then((t) => PoolRecord.safeParse(JSON.parse(t)))
      .catch(() => undefined)
    const lock = await readLock(path.join(dir, "lock"))
    const entries = await readdir(dir, { withFileTypes: true })
    pools.push({
      dir,
      root: record?.success ? record.data.root : "",
      lastUsed: record?.success ? new Date(record.data.lastUsed) : new Date(0),
      checkouts: entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
      bytes: await diskUsage(dir),
      inUse: lock !== undefined && lockIsLive(lock),
    })
  }
  return pools.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime())
}

async function diskUsage(dir: string): Promise<number> {
  const { stdout } = await execFileAsync("du", ["-sk", dir], { maxBuffer: 1024 * 1024 }).catch(() => ({ stdout: "0" }))
  return Number.parseInt(stdout, 10) * 1024 || 0
}

/** Removes a pool that no running mission holds; git forgets its checkouts. Returns why not, when it was not removed. */
export async function removePool(pool: PoolInfo): Promise<string | undefined> {
  if (pool.inUse) return "a running mission uses it"
  // The pool record goes first: a removal cut short leaves a pool without one, which the next pruning removes.
  await rm(path.join(pool.dir, "pool.json"), { force: true })
  await rm(pool.dir, { recursive: true, force: true })
  if (pool.root && existsSync(pool.root)) await gitRaw(["worktree", "prune"], { cwd: pool.root })
  return undefined
}

/**
 * Keeps the pools within their limits: those idle longer than `idleDays`,
 * without a record, or whose repository is gone are removed; then the least recently used go until all
 * fit in `budgetBytes`. Pools in use are left alone.
 */
export async function prunePools(limits: { idleDays: number; budgetBytes: number }, home = checkoutHomePath()): Promise<PoolInfo[]> {
  const pools = await listPools(home)
  const removed: PoolInfo[] = []
  const idleBefore = Date.now() - limits.idleDays * 86_400_000
  let total = pools.reduce((sum, p) => sum + p.bytes, 0)
  for (const pool of [...pools].reverse()) {
    const over = total > limits.budgetBytes
    const orphaned = !pool.root || !existsSync(pool.root)
    if (!over && !orphaned && pool.lastUsed.getTime() >= idleBefore) continue
    if ((await removePool(pool)) === undefined) {
      removed.push(pool)
      total -= pool.bytes
    }
  }
  return removed
}

/**
 * Detaches the pool's checkouts that still have one of a mission's branches
 * checked out (left by a crashed run), so `git branch -D` works on them; a pool
 * a running mission holds is left alone.
 */
export async function releaseBranches(root: string, branch: string): Promise<void> {
  const dir = path.join(repositoryDir(root), POOL)
  const lock = await readLock(path.join(dir, "lock"))
  if (!existsSync(dir) || (lock && lockIsLive(lock))) return
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const cwd = path.join(dir, entry.name)
    if (!entry.isDirectory() || !existsSync(path.join(cwd, ".git"))) continue
    const ref = (await gitRaw(["symbolic-ref", "-q", "HEAD"], { cwd })).stdout.toString().trim()
    if (ref !== `refs/heads/${branch}` && !ref.startsWith(`refs/heads/${branch}--`)) continue
    const head = (await gitRaw(["rev-parse", "-q", "--verify", "HEAD"], { cwd })).stdout.toString().trim()
    if (head) await gitRaw(["update-ref", "--no-deref", "-m", "orchestrator: released", "HEAD", head], { cwd })
  }
}
