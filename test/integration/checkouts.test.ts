// The checkout pool and its bootstrap on real git repositories: what reaches a checkout, what never leaves
// it, setup once per slot, a setup that fails or hangs, the private checkout home.
import { execFileSync } from "node:child_process"
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { runInCheckout } from "../../src/mission/checks.js"
import { privateCheckoutHome } from "../../src/workspace/checkout-home.js"
import { registerCheckout, unregisterCheckout } from "../../src/workspace/checkout-registry.js"
import { sandboxAvailable } from "../../src/workspace/sandbox.js"
import { checkIncludePatterns, planBootstrap } from "../../src/workspace/bootstrap.js"
import { WorktreeWorkspace } from "../../src/workspace/worktrees.js"
import { defaultWorker, planner, runScripted } from "../support/fake-sdk.js"
import { gitRepo, plan, task, tempDir, treeDigest, writeFiles } from "../support/helpers.js"

/** A repository with ignored dependency directories (a monorepo's root and a workspace's), an ignored .env and an ignored cache nobody lists. */
function monorepo(): string {
  const dir = gitRepo({
    ".gitignore": "node_modules/\n.env\n.venv/\nbig-cache/\n*.log\n",
    ".worktreeinclude": "# what the tests need\n.env\n*.log\ntracked.txt\n",
    "package.json": '{ "workspaces": ["packages/*"] }\n',
    "packages/app/package.json": '{ "name": "app" }\n',
    "tracked.txt": "tracked\n",
  })
  writeFiles(dir, {
    "node_modules/left/index.js": "export const left = 1\n",
    "packages/app/node_modules/right/index.js": "export const right = 2\n",
    ".env": "SECRET=1\n",
    "debug.log": "log\n",
    "big-cache/blob.bin": "x".repeat(100_000),
    "untracked.txt": "untracked, not ignored\n",
  })
  return dir
}

const roundTask = (id: string, attempt = 1) => ({ id, title: `Task ${id}`, attempt, files: [], retry: "continue" as const })

describe("checkout bootstrap", () => {
  it("finds the root and nested dependency directories and the ignored files .worktreeinclude lists — nothing tracked, untracked or unlisted", async () => {
    expect(await planBootstrap(monorepo())).toEqual({
      dependencies: ["node_modules", "packages/app/node_modules"],
      includes: [".env", "debug.log"],
    })
  })

  it("a project with no dependencies and no .worktreeinclude brings nothing", async () => {
    expect(await planBootstrap(gitRepo({ "a.txt": "a\n" }))).toEqual({ dependencies: [], includes: [] })
  })

  it("refuses .worktreeinclude patterns that leave the project root", () => {
    expect(() => checkIncludePatterns(".env\n../secrets/.env\n!/../x\n")).toThrow(/leave the project root: "\.\.\/secrets\/\.env", "!\/\.\.\/x"/)
    expect(() => checkIncludePatterns("# a comment with ..\n/.env\nconfig/*.local\n")).not.toThrow()
  })

  it("copies dependencies into every slot, never writes the user's through a checkout, and an install in one slot stays there", async () => {
    const dir = monorepo()
    const before = treeDigest(dir, [".git"])
    const ws = await WorktreeWorkspace.open(dir, dir, `m-boot-${process.pid}`, tempDir("orch-state-"), { slots: 2 })
    try {
      const checkouts = await ws.begin([roundTask("A"), roundTask("B")])
      const a = checkouts.get("A")!.directory
      const b = checkouts.get("B")!.directory
      for (const where of [a, b, ws.integrationDir]) {
        expect(readFileSync(path.join(where, "node_modules/left/index.js"), "utf8")).toBe("export const left = 1\n")
        expect(readFileSync(path.join(where, "packages/app/node_modules/right/index.js"), "utf8")).toBe("export const right = 2\n")
        expect(readFileSync(path.join(where, ".env"), "utf8")).toBe("SECRET=1\n")
        expect(lstatSync(path.join(where, "node_modules")).isSymbolicLink()).toBe(false)
        expect(existsSync(path.join(where, "big-cache"))).toBe(false)
        expect(existsSync(path.join(where, "untracked.txt"))).toBe(true) // in the base snapshot, so in git
      }
      // Writes through a checkout: in place, a new package, a cache — only that checkout sees them.
      writeFileSync(path.join(a, "node_modules/left/index.js"), "export const left = 'changed'\n", { flag: "a" })
      writeFiles(a, { "node_modules/left-pad/index.js": "pad\n", "node_modules/.cache/vitest/results.json": "{}\n" })
      expect(existsSync(path.join(b, "node_modules/left-pad"))).toBe(false)
      expect(treeDigest(dir, [".git"])).toEqual(before)
      // Nothing bootstrapped is committed, even when a task stops ignoring it.
      writeFileSync(path.join(a, ".gitignore"), "*.log\n")
      writeFileSync(path.join(a, "feature.txt"), "feature\n")
      expect((await checkouts.get("A")!.collect()).sort()).toEqual([".gitignore", "feature.txt"])
      // A slot whose attempt removed its dependencies gets them back for its next task.
      rmSync(path.join(b, "node_modules"), { recursive: true, force: true })
      const next = (await ws.begin([roundTask("C"), roundTask("D")])).get("D")!.directory
      expect(next).toBe(b)
      expect(readFileSync(path.join(b, "node_modules/left/index.js"), "utf8")).toBe("export const left = 1\n")
    } finally {
      await ws.dispose()
    }
    expect(treeDigest(dir, [".git"])).toEqual(before)
  })

  it("a node_modules that is a symlink (pnpm, a shared store) is copied from its target, which stays untouched", async () => {
    const dir = gitRepo({ ".gitignore": "node_modules\n", "a.txt": "a\n" })
    const store = tempDir("orch-store-")
    writeFiles(store, { "dep/index.js": "dep\n" })
    symlinkSync(store, path.join(dir, "node_modules"))
    const storeBefore = treeDigest(store)
    const ws = await WorktreeWorkspace.open(dir, dir, `m-link-${process.pid}`, tempDir("orch-state-"), { slots: 1 })
    try {
      const a = (await ws.begin([roundTask("A")])).get("A")!.directory
      expect(lstatSync(path.join(a, "node_modules")).isDirectory()).toBe(true)
      writeFileSync(path.join(a, "node_modules/dep/index.js"), "changed\n")
      expect(treeDigest(store)).toEqual(storeBefore)
    } finally {
      await ws.dispose()
    }
  })

  it("a copied virtualenv's scripts point at the copy, not at the user's", async () => {
    const dir = gitRepo({ ".gitignore": ".venv/\n", "a.py": "print(1)\n" })
    writeFiles(dir, { ".venv/pyvenv.cfg": "home = /usr/bin\n", ".venv/bin/pytest": `#!${dir}/.venv/bin/python\nimport pytest\n`, ".venv/bin/activate": `VIRTUAL_ENV="${dir}/.venv"\n` })
    const ws = await WorktreeWorkspace.open(dir, dir, `m-venv-${process.pid}`, tempDir("orch-state-"), { slots: 1 })
    try {
      const a = (await ws.begin([roundTask("A")])).get("A")!.directory
      expect(readFileSync(path.join(a, ".venv/bin/pytest"), "utf8")).toBe(`#!${a}/.venv/bin/python\nimport pytest\n`)
      expect(readFileSync(path.join(a, ".venv/bin/activate"), "utf8")).toBe(`VIRTUAL_ENV="${a}/.venv"\n`)
      expect(readFileSync(path.join(dir, ".venv/bin/pytest"), "utf8")).toContain(`#!${dir}/.venv/bin/python`)
    } finally {
      await ws.dispose()
    }
  })
})

describe("the checkout pool in a mission (fake SDK, real git)", () => {
  const SETUP = "echo run >> setup-runs.txt && echo $ORCHESTRATOR_SLOT >> slots-seen.txt"

  it("runs setup once per slot across rounds and attempts; a slot's next task sees nothing of the last one's files", async () => {
    const dir = gitRepo({ ".gitignore": "setup-runs.txt\nslots-seen.txt\ndist/\n", "a.txt": "a\n" })
    const seen: Record<string, string[]> = {}
    const run = await runScripted(
      dir,
      {
        planner: planner(plan([task("T1"), task("T2"), task("T3", { dependsOn: ["T1", "T2"] }), task("T4", { dependsOn: ["T3"] })])),
        worker: (t) => {
          seen[t.call.task] = ["setup-runs.txt", "t1.txt", "t2.txt", "dist"].filter((f) => existsSync(path.join(t.directory, f)))
          // Ignored build output: never committed, and gone before the slot's next task.
          writeFiles(t.directory, { [`dist/${t.call.task}.js`]: "built\n" })
          defaultWorker(t)
        },
      },
      { concurrency: 2, checkout: { setup: SETUP, dependencies: [], timeoutSec: 30 } },
    )
    expect(run.state.status).toBe("sealed")
    const events = readFileSync(path.join(dir, ".opencode/orchestrator", run.state.id, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    const setups = events.filter((e) => e.type === "checkout_setup")
    // Two slots and the integration checkout: one setup each, though four tasks ran in three rounds.
    expect(setups.map((e) => e.checkout).sort()).toEqual(["integration", "slot-0", "slot-1"])
    expect(setups.every((e) => e.exitCode === 0)).toBe(true)
    expect(run.state.round).toBe(3)
    // T3 and T4 reuse a slot: they see the merged work of earlier tasks, the bootstrap, and no leftovers of the slot's last attempt.
    expect(seen.T3).toEqual(["setup-runs.txt", "t1.txt", "t2.txt"])
    expect(seen.T4).toEqual(["setup-runs.txt", "t1.txt", "t2.txt"])
  })

  it("a failing setup ends the mission with its output before any worker runs", async () => {
    const dir = gitRepo({ "a.txt": "a\n" })
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) }, { checkout: { setup: "echo 'npm ERR! missing script: codegen' >&2; exit 3", dependencies: [], timeoutSec: 30 } })
    expect(run.state.status).toBe("failed")
    expect(run.state.reason).toContain("The checkout setup command `echo 'npm ERR! missing script: codegen' >&2; exit 3` exited 3")
    expect(run.state.reason).toContain("npm ERR! missing script: codegen")
    expect(run.fake.of("worker")).toHaveLength(0)
  })

  it("a hanging setup is stopped at checkout.timeoutSec and ends the mission with what it printed", async () => {
    const dir = gitRepo({ "a.txt": "a\n" })
    const started = Date.now()
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) }, { checkout: { setup: "echo preparing; sleep 600", dependencies: [], timeoutSec: 2 } })
    expect(run.state.status).toBe("failed")
    expect(run.state.reason).toMatch(/did not finish within 2 s/)
    expect(run.state.reason).toContain("preparing")
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(run.fake.of("worker")).toHaveLength(0)
  })
})

describe("commands in checkouts", () => {
  it.skipIf(!sandboxAvailable().ok)("each command has a temp dir of its own: names made from PIDs (the same in every sandbox) do not collide", async () => {
    const mission = tempDir("orch-mission-")
    const roots = ["slot-0", "slot-1"].map((slot) => {
      const root = path.join(mission, slot)
      mkdirSync(root)
      registerCheckout({ root, writable: true, home: path.join(mission, "home"), tmp: path.join(mission, "tmp"), readOnly: [], network: true, refused: [], env: {} })
      return root
    })
    try {
      // What tsx does with its IPC pipe: an entry named after the process, created exclusively and left behind.
      const claim = 'mkdir "$TMPDIR/ipc-$$" && echo "$TMPDIR"'
      const runs = await Promise.all([...roots, ...roots].map((root) => runInCheckout(claim, root, { timeoutMs: 30_000 })))
      expect(runs.map((r) => r.exitCode), runs.map((r) => r.output).join("\n")).toEqual([0, 0, 0, 0])
      expect(new Set(runs.map((r) => r.output.trim())).size).toBe(4)
      for (const r of runs) expect(existsSync(r.output.trim())).toBe(false)
    } finally {
      for (const root of roots) unregisterCheckout(root)
    }
  })
})

describe("the checkout home", () => {
  it("is created private (0700), and a looser one of ours is made private", async () => {
    const home = path.join(tempDir("orch-home-"), "cache", "opencode-orchestrator")
    await privateCheckoutHome(home)
    expect(statSync(home).mode & 0o777).toBe(0o700)
    execFileSync("chmod", ["0755", home])
    await privateCheckoutHome(home)
    expect(statSync(home).mode & 0o777).toBe(0o700)
  })

  it("refuses a home that is a symlink, or that another user owns", async () => {
    const parent = tempDir("orch-home-")
    const elsewhere = tempDir("orch-elsewhere-")
    symlinkSync(elsewhere, path.join(parent, "linked"))
    await expect(privateCheckoutHome(path.join(parent, "linked"))).rejects.toThrow(/is a symbolic link; it must be a directory of your own/)
    const foreign = path.join(parent, "foreign")
    mkdirSync(foreign, { mode: 0o700 })
    chownSync(foreign, 65534, 65534)
    await expect(privateCheckoutHome(foreign)).rejects.toThrow(/is owned by another user \(uid 65534/)
    rmSync(foreign, { recursive: true, force: true })
  })
})
