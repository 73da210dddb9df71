import { readFileSync, rmSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { TreeSnapshots } from "../../src/workspace/snapshot.js"
import { gitRepo, sh, tempDir, writeFiles } from "../support/helpers.js"

/** Paths recorded in a snapshot tree. */
const treeFiles = (dir: string, tree: string) => sh(dir, "ls-tree", "-r", "-z", "--name-only", tree).split("\0").filter(Boolean).sort()

/** Everything of the user's git state a snapshot must not touch. */
function userGitState(dir: string) {
  return {
    index: readFileSync(path.join(dir, ".git/index")),
    head: readFileSync(path.join(dir, ".git/HEAD"), "utf8"),
    headCommit: sh(dir, "rev-parse", "HEAD"),
    status: sh(dir, "status", "--porcelain=v1", "-z", "--untracked-files=all"),
    stash: sh(dir, "stash", "list"),
  }
}

describe("workspace/snapshot.ts TreeSnapshots", () => {
  it("records tracked, modified and untracked files but not ignored ones", async () => {
    const dir = gitRepo({ "README.md": "# demo\n", ".gitignore": "build/\n*.log\n", "src/a.ts": "a\n" })
    writeFiles(dir, { "src/a.ts": "a changed\n", "new.txt": "untracked\n", "build/out.js": "x", "debug.log": "x" })
    const snaps = await TreeSnapshots.open(dir, tempDir("orch-state-"))
    expect(snaps.inRepository).toBe(true)
    const tree = await snaps.take()
    expect(treeFiles(dir, tree)).toEqual([".gitignore", "README.md", "new.txt", "src/a.ts"])
    expect(sh(dir, "cat-file", "-p", `${tree}:src/a.ts`)).toBe("a changed\n")
    await snaps.dispose()
  })

  it("leaves the user's index, HEAD and status byte-identical", async () => {
    const dir = gitRepo({ "README.md": "# demo\n", "a.txt": "a\n", "b.txt": "b\n" })
    writeFiles(dir, { "a.txt": "staged\n" })
    sh(dir, "add", "a.txt")
    writeFiles(dir, { "a.txt": "staged then edited\n", "b.txt": "unstaged\n", "u.txt": "untracked\n" })
    rmSync(path.join(dir, "README.md"))
    const before = userGitState(dir)
    const snaps = await TreeSnapshots.open(dir, tempDir("orch-state-"))
    const t1 = await snaps.take()
    writeFiles(dir, { "c.txt": "new\n" })
    const t2 = await snaps.take()
    await snaps.changedFiles(t1, t2)
    await snaps.diff(t1, t2)
    await snaps.dispose()
    rmSync(path.join(dir, "c.txt"))
    expect(userGitState(dir)).toEqual(before)
    // The snapshot saw the working tree, not the index.
    expect(sh(dir, "cat-file", "-p", `${t1}:a.txt`)).toBe("staged then edited\n")
    expect(treeFiles(dir, t1)).not.toContain("README.md")
  })

  it("reports changed files and a diff between two snapshots, names with spaces and unicode included", async () => {
    const dir = gitRepo({ "README.md": "# demo\n", "keep.txt": "same\n", "old name.txt": "bye\n" })
    const snaps = await TreeSnapshots.open(dir, tempDir("orch-state-"))
    const before = await snaps.take()
    writeFiles(dir, { "README.md": "# demo\nmore\n", "dir with space/naïve файл.txt": "привет\n", "ünï cødé.md": "x\n" })
    rmSync(path.join(dir, "old name.txt"))
    const after = await snaps.take()
    expect((await snaps.changedFiles(before, after)).sort()).toEqual(["README.md", "dir with space/naïve файл.txt", "old name.txt", "ünï cødé.md"].sort())
    expect(await snaps.changedFiles(after, after)).toEqual([])
    const diff = await snaps.diff(before, after, ["README.md", "dir with space/naïve файл.txt"])
    expect(diff).toContain("+more")
    expect(diff).toContain("+привет")
    expect(diff).not.toContain("old name.txt")
    expect(diff).not.toContain("cødé")
    expect(await snaps.diff(before, after, [])).toBe("")
    expect(await snaps.diff(before, after)).toContain("-bye")
    await snaps.dispose()
  })

  it("reports paths relative to a project that is a subdirectory of the repository", async () => {
    const repo = gitRepo({ "README.md": "# demo\n", "app/main.txt": "1\n", "other/x.txt": "x\n" })
    const dir = path.join(repo, "app")
    const snaps = await TreeSnapshots.open(dir, tempDir("orch-state-"))
    const before = await snaps.take()
    writeFiles(dir, { "main.txt": "2\n" })
    const after = await snaps.take()
    expect(await snaps.changedFiles(before, after)).toEqual(["main.txt"])
    await snaps.dispose()
  })

  it("excludes the orchestrator's own state when .opencode/ is git-ignored", async () => {
    const dir = gitRepo({ "README.md": "# demo\n", ".gitignore": ".opencode/\n" })
    const stateDir = path.join(dir, ".opencode/orchestrator/m-1")
    const snaps = await TreeSnapshots.open(dir, stateDir)
    writeFiles(stateDir, { "state.json": "{}" })
    const t1 = await snaps.take()
    writeFiles(stateDir, { "state.json": '{"changed":true}', "TODO.md": "- [ ] x" })
    const t2 = await snaps.take()
    expect(await snaps.changedFiles(t1, t2)).toEqual([])
    await snaps.dispose()
  })

  // Regression: `git add --all` stages .opencode/orchestrator/<id>/snapshot.index, the private index git
  // is rewriting; `git rm --cached` without -f then refuses ("staged content different from both ...").
  it("excludes .opencode/orchestrator/** in a repository that does not ignore .opencode/", async () => {
    const dir = gitRepo({ "README.md": "# demo\n", ".opencode/opencode.json": "{}\n" })
    const stateDir = path.join(dir, ".opencode/orchestrator/m-1")
    const snaps = await TreeSnapshots.open(dir, stateDir)
    writeFiles(stateDir, { "state.json": "{}" })
    const t1 = await snaps.take()
    writeFiles(stateDir, { "state.json": '{"changed":true}' })
    writeFiles(dir, { "a.txt": "a\n" })
    const t2 = await snaps.take()
    expect(treeFiles(dir, t2)).toEqual([".opencode/opencode.json", "README.md", "a.txt"])
    expect(await snaps.changedFiles(t1, t2)).toEqual(["a.txt"])
    await snaps.dispose()
  })

  it("works in a directory that is not a git repository, in a private object store", async () => {
    const dir = tempDir("orch-plain-")
    writeFiles(dir, { "a.txt": "a\n", "node_modules/dep/index.js": "x", "sub/b.txt": "b\n" })
    const stateDir = tempDir("orch-state-")
    const snaps = await TreeSnapshots.open(dir, stateDir)
    expect(snaps.inRepository).toBe(false)
    const t1 = await snaps.take()
    writeFiles(dir, { "sub/b.txt": "B\n", "c d.txt": "c\n" })
    const t2 = await snaps.take()
    expect(await snaps.changedFiles(t1, t2)).toEqual(["c d.txt", "sub/b.txt"])
    expect(await snaps.diff(t1, t2, ["sub/b.txt"])).toContain("+B")
    const files = sh(stateDir, "--git-dir", path.join(stateDir, "snapshots.git"), "ls-tree", "-r", "--name-only", t2)
    expect(files.split("\n").filter(Boolean).sort()).toEqual(["a.txt", "c d.txt", "sub/b.txt"])
    // No repository appeared in the project.
    expect(() => readFileSync(path.join(dir, ".git/HEAD"))).toThrow()
    await snaps.dispose()
  })

  // Regression: the same for a non-git project, whose state dir (and private snapshots.git) lies inside it.
  it("takes repeated snapshots of a non-git project whose state dir lies inside it", async () => {
    const dir = tempDir("orch-plain-")
    writeFiles(dir, { "a.txt": "a\n" })
    const snaps = await TreeSnapshots.open(dir, path.join(dir, ".opencode/orchestrator/m-1"))
    const t1 = await snaps.take()
    writeFileSync(path.join(dir, "b.txt"), "b\n")
    const t2 = await snaps.take()
    expect(await snaps.changedFiles(t1, t2)).toEqual(["b.txt"])
    await snaps.dispose()
  })

  it("removes its private index on dispose", async () => {
    const dir = gitRepo()
    const stateDir = tempDir("orch-state-")
    const snaps = await TreeSnapshots.open(dir, stateDir)
    await snaps.take()
    expect(() => readFileSync(path.join(stateDir, "snapshot.index"))).not.toThrow()
    await snaps.dispose()
    expect(() => readFileSync(path.join(stateDir, "snapshot.index"))).toThrow()
  })
})
