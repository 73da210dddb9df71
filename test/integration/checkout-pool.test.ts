// Checkouts kept between missions (src/workspace/checkout-pool.ts and the pool in worktrees.ts), on real
// git repositories: the next mission adopts them, redoes only the bootstrap that no longer holds, and
// nothing of the last mission reaches it; a busy pool, a broken pool, expiry, the disk budget, the CLI.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { checkoutsCommand } from "../../src/checkouts-command.js"
import { checkoutHomePath } from "../../src/workspace/checkout-home.js"
import { listPools, POOL, prunePools, repositoryDir } from "../../src/workspace/checkout-pool.js"
import type { CheckoutSettings } from "../../src/workspace/worktrees.js"
import { WorktreeWorkspace } from "../../src/workspace/worktrees.js"
import { gitRepo, sh, tempDir, treeDigest, worktreeList, writeFiles } from "../support/helpers.js"

const LIMITS = { idleDays: 14, budgetBytes: 10 * 1024 ** 3 }
const roundTask = (id: string) => ({ id, title: `Task ${id}`, attempt: 1, files: [], retry: "continue" as const })

function project(): string {
  const dir = gitRepo({ ".gitignore": "node_modules/\n.env\ndist/\n", ".worktreeinclude": ".env\n", "package.json": '{ "name": "p" }\n', "a.txt": "a\n" })
  writeFiles(dir, { "node_modules/left/index.js": "export const left = 1\n", ".env": "SECRET=1\n" })
  return dir
}

/** Settings whose setup command is only counted, and whose events are kept. */
function settings(extra: Partial<CheckoutSettings> = {}) {
  const setups: string[] = []
  const events: { event: string; data: Record<string, unknown> }[] = []
  const value: Partial<CheckoutSettings> = {
    slots: 2,
    setup: "make generated",
    pool: LIMITS,
    run: async (command, cwd) => {
      setups.push(cwd)
      return { exitCode: 0, output: `ran ${command}`, timedOut: false }
    },
    record: async (event, data) => void events.push({ event, data }),
    ...extra,
  }
  return { value, setups, events }
}

// Each test its own checkout home: pruning and listing see every pool there.
const fileHome = process.env.XDG_CACHE_HOME
beforeEach(() => {
  process.env.XDG_CACHE_HOME = tempDir("orch-cache-")
})
afterEach(() => {
  process.env.XDG_CACHE_HOME = fileHome
})

let missions = 0
const open = (dir: string, s: Partial<CheckoutSettings>) => WorktreeWorkspace.open(dir, dir, `m-pool-${process.pid}-${++missions}`, tempDir("orch-state-"), s)
const inode = (file: string) => statSync(file).ino

describe("checkouts kept between missions", () => {
  it("the next mission adopts them: same directories, nothing copied or set up again, nothing of the last mission left", async () => {
    const dir = project()
    const before = treeDigest(dir, [".git"])
    const first = settings()
    const ws1 = await open(dir, first.value)
    const done = await ws1.begin([roundTask("A"), roundTask("B")])
    const a = done.get("A")!.directory
    writeFiles(a, { "leftover.txt": "A's file\n", "dist/out.js": "built by A\n", "node_modules/.cache/x": "cache\n" })
    await done.get("A")!.collect()
    const pool = ws1.checkoutRoot
    expect(pool).toBe(path.join(repositoryDir(dir), POOL))
    await ws1.dispose()
    expect(first.setups).toHaveLength(3) // 2 slots + integration

    // Kept, detached: no branch of the mission stays checked out, so the user can delete its result branch.
    const listed = sh(dir, "worktree", "list", "--porcelain")
    expect(worktreeList(dir).sort()).toEqual([dir, ...["integration", "slot-0", "slot-1"].map((n) => path.join(pool, n))].sort())
    expect(listed).not.toMatch(/^branch refs\/heads\/orchestrator/m)
    sh(dir, "branch", "-D", ws1.branch)
    const copied = inode(path.join(pool, "slot-0/node_modules/left/index.js"))

    const second = settings()
    const ws2 = await open(dir, second.value)
    try {
      const next = await ws2.begin([roundTask("C"), roundTask("D")])
      const c = next.get("C")!.directory
      expect(c).toBe(a)
      for (const gone of ["leftover.txt", "dist/out.js"]) expect(existsSync(path.join(c, gone)), gone).toBe(false)
      expect(inode(path.join(pool, "slot-0/node_modules/left/index.js"))).toBe(copied)
      expect(readFileSync(path.join(c, ".env"), "utf8")).toBe("SECRET=1\n")
      expect(second.setups).toEqual([])
      const boots = second.events.filter((e) => e.event === "checkout_bootstrapped").map((e) => e.data)
      expect(boots).toHaveLength(3)
      for (const boot of boots) expect(boot).toMatchObject({ adopted: true, copied: [] })
      expect(await next.get("C")!.collect()).toEqual([])
    } finally {
      await ws2.dispose()
    }
    expect(treeDigest(dir, [".git"])).toEqual(before)
  })

  it("copies again what no longer matches: the user's reinstalled dependencies, a package a worker removed, a changed setup command", async () => {
    const dir = project()
    const ws1 = await open(dir, settings().value)
    await ws1.begin([roundTask("A"), roundTask("B")])
    await ws1.dispose()
    const pool = path.join(repositoryDir(dir), POOL)
    writeFiles(dir, { "node_modules/right/index.js": "export const right = 2\n" }) // the user installed a package
    const ws2 = await open(dir, settings().value)
    const checkouts = await ws2.begin([roundTask("C"), roundTask("D")])
    expect(readFileSync(path.join(checkouts.get("C")!.directory, "node_modules/right/index.js"), "utf8")).toContain("right")
    rmSync(path.join(pool, "slot-1/node_modules/left"), { recursive: true }) // a worker removed one
    await ws2.dispose()

    const third = settings({ setup: "make generated && make more" })
    const ws3 = await open(dir, third.value)
    try {
      const again = await ws3.begin([roundTask("E"), roundTask("F")])
      expect(existsSync(path.join(again.get("F")!.directory, "node_modules/left/index.js"))).toBe(true)
      const boots = third.events.filter((e) => e.event === "checkout_bootstrapped").map((e) => e.data)
      expect(boots.find((b) => b.checkout === "slot-1")).toMatchObject({ adopted: true, copied: ["node_modules"] })
      expect(boots.find((b) => b.checkout === "slot-0")).toMatchObject({ adopted: true, copied: [] })
      expect(third.setups).toHaveLength(3) // the setup command changed: it runs again everywhere
    } finally {
      await ws3.dispose()
    }
  })

  it("a checkout without its record (a crash in its bootstrap) or that git no longer knows is made anew", async () => {
    const dir = project()
    const ws1 = await open(dir, settings().value)
    await ws1.begin([roundTask("A"), roundTask("B")])
    await ws1.dispose()
    const pool = path.join(repositoryDir(dir), POOL)
    const kept = inode(path.join(pool, "slot-0/node_modules/left/index.js"))
    rmSync(path.join(pool, "slot-0.json"))
    rmSync(path.join(dir, ".git/worktrees/slot-1"), { recursive: true })
    const second = settings()
    const ws2 = await open(dir, second.value)
    try {
      const checkouts = await ws2.begin([roundTask("C"), roundTask("D")])
      expect(inode(path.join(pool, "slot-0/node_modules/left/index.js"))).not.toBe(kept)
      for (const t of ["C", "D"]) expect(readFileSync(path.join(checkouts.get(t)!.directory, "a.txt"), "utf8")).toBe("a\n")
      const boots = second.events.filter((e) => e.event === "checkout_bootstrapped").map((e) => e.data)
      expect(boots.filter((b) => b.adopted).map((b) => b.checkout)).toEqual(["integration"])
      expect(second.setups).toHaveLength(2)
    } finally {
      await ws2.dispose()
    }
    expect(sh(dir, "worktree", "list", "--porcelain")).not.toMatch(/prunable/)
  })

  it("a second mission while the pool is in use gets checkouts of its own, which go when it ends", async () => {
    const dir = project()
    const ws1 = await open(dir, settings().value)
    const ws2 = await open(dir, settings().value)
    try {
      expect(ws1.checkoutRoot).toBe(path.join(repositoryDir(dir), POOL))
      expect(ws2.checkoutRoot).not.toBe(ws1.checkoutRoot)
      await ws2.begin([roundTask("X")])
      const own = ws2.checkoutRoot
      await ws2.dispose()
      expect(existsSync(own)).toBe(false)
      expect(worktreeList(dir).some((w) => w.startsWith(own))).toBe(false)
      const checkouts = await ws1.begin([roundTask("A")])
      expect(existsSync(checkouts.get("A")!.directory)).toBe(true)
    } finally {
      await ws1.dispose()
    }
  })

  it("with checkout.keep off the checkouts go with the mission, as before", async () => {
    const dir = project()
    const ws = await open(dir, settings({ pool: undefined }).value)
    await ws.begin([roundTask("A")])
    const root = ws.checkoutRoot
    await ws.dispose()
    expect(existsSync(root)).toBe(false)
    expect(worktreeList(dir)).toEqual([dir])
  })
})

describe("keeping the pools within their limits", () => {
  async function keptPool(): Promise<string> {
    const dir = project()
    const ws = await open(dir, settings({ pool: { idleDays: 1_000, budgetBytes: 1024 ** 4 } }).value)
    await ws.begin([roundTask("A")])
    await ws.dispose()
    return dir
  }

  it("removes a pool idle longer than idleDays, and git forgets its checkouts", async () => {
    const dir = await keptPool()
    const pool = path.join(repositoryDir(dir), POOL)
    writeFileSync(path.join(pool, "pool.json"), JSON.stringify({ root: dir, lastUsed: new Date(Date.now() - 20 * 86_400_000).toISOString() }))
    const removed = await prunePools({ idleDays: 14, budgetBytes: 1024 ** 4 })
    expect(removed.map((p) => p.dir)).toEqual([pool])
    expect(existsSync(pool)).toBe(false)
    expect(worktreeList(dir)).toEqual([dir])
  })

  it("removes a pool whose repository is gone", async () => {
    const dir = await keptPool()
    const pool = path.join(repositoryDir(dir), POOL)
    rmSync(dir, { recursive: true, force: true })
    expect((await prunePools({ idleDays: 14, budgetBytes: 1024 ** 4 })).map((p) => p.dir)).toEqual([pool])
    expect(existsSync(pool)).toBe(false)
  })

  it("over the disk budget, the least recently used pools go first; a pool in use stays", async () => {
    const older = await keptPool()
    const newer = await keptPool()
    const olderPool = path.join(repositoryDir(older), POOL)
    const newerPool = path.join(repositoryDir(newer), POOL)
    writeFileSync(path.join(olderPool, "pool.json"), JSON.stringify({ root: older, lastUsed: new Date(Date.now() - 60_000).toISOString() }))
    const pools = await listPools()
    const newerBytes = pools.find((p) => p.dir === newerPool)!.bytes
    expect(await prunePools({ idleDays: 14, budgetBytes: newerBytes + 1 })).toHaveLength(1)
    expect(existsSync(olderPool)).toBe(false)
    expect(existsSync(newerPool)).toBe(true)

    const ws = await open(newer, settings().value) // holds the newer pool
    try {
      const removed = await prunePools({ idleDays: 14, budgetBytes: 0 })
      expect(removed.map((p) => p.dir)).not.toContain(newerPool)
      expect(existsSync(newerPool)).toBe(true)
    } finally {
      await ws.dispose()
    }
  })
})

describe("npx opencode-orchestrator checkouts", () => {
  it("lists each project's kept checkouts and removes them by project or all at once", async () => {
    const dir = project()
    const ws = await open(dir, settings().value)
    await ws.begin([roundTask("A")])
    await ws.dispose()
    const listed = await checkoutsCommand([])
    expect(listed.code).toBe(0)
    expect(listed.lines.join("\n")).toContain(`${dir}: `)
    expect(listed.lines.join("\n")).toContain("integration, slot-0, slot-1")
    expect(listed.lines.at(-1)).toContain(checkoutHomePath())

    const other = tempDir("orch-not-kept-")
    expect((await checkoutsCommand(["remove", other])).code).toBe(1)
    const removed = await checkoutsCommand(["remove", path.join(dir, "node_modules")])
    expect(removed).toEqual({ lines: [expect.stringMatching(/^removed /)], code: 0 })
    expect(worktreeList(dir)).toEqual([dir])
    expect((await checkoutsCommand(["remove", "--all"])).lines).toEqual(["No checkouts are kept."])
    expect((await checkoutsCommand(["frobnicate"])).code).toBe(2)
  })

  it("leaves a pool a running mission holds", async () => {
    const dir = project()
    const ws = await open(dir, settings().value)
    try {
      const result = await checkoutsCommand(["remove", dir])
      expect(result.code).toBe(1)
      expect(result.lines[0]).toMatch(/a running mission uses it/)
      expect(existsSync(ws.checkoutRoot)).toBe(true)
    } finally {
      await ws.dispose()
    }
  })
})
