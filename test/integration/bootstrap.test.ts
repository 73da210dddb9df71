// A checkout's bootstrap on real git repositories: what reaches a checkout and what never leaves it.
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { checkIncludePatterns, planBootstrap } from "../../src/workspace/bootstrap.js"
import { WorktreeWorkspace } from "../../src/workspace/worktrees.js"
import { gitRepo, tempDir, treeDigest, writeFiles } from "../support/helpers.js"

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
    writeFiles(dir, {
      ".venv/pyvenv.cfg": "home = /usr/bin\n",
      ".venv/bin/pytest": `#!${dir}/.venv/bin/python\nimport pytest\n`,
      ".venv/bin/activate": `VIRTUAL_ENV="${dir}/.venv"\n`,
    })
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
