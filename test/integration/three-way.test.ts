// applyThreeWay on real repositories: the mission's change lands on the user's working tree file by file,
// and what the user changed meanwhile survives or is reported.
import { chmodSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { applyThreeWay } from "../../src/workspace/three-way.js"
import { gitRepo, sh, userGitState, writeFiles } from "../support/helpers.js"

const lines = (n: number, edit: Record<number, string> = {}) => `${Array.from({ length: n }, (_, i) => edit[i + 1] ?? `line ${i + 1}`).join("\n")}\n`

/**
 * A repository at `base`, and `head` = base plus the mission's change made on a side branch;
 * the working tree is back at base, ready for the user's own edits.
 */
function missionRepo(files: Record<string, string>, change: (dir: string) => void) {
  const dir = gitRepo(files)
  const base = sh(dir, "rev-parse", "HEAD").trim()
  sh(dir, "checkout", "-q", "-b", "mission")
  change(dir)
  sh(dir, "add", "-A")
  sh(dir, "commit", "-q", "-m", "mission")
  const head = sh(dir, "rev-parse", "HEAD").trim()
  sh(dir, "checkout", "-q", "main")
  return { dir, base, head }
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8")

describe("workspace/three-way.ts applyThreeWay", () => {
  it("applies changed, new (with its executable mode) and deleted files to files the user left alone", async () => {
    const { dir, base, head } = missionRepo({ "a.txt": lines(5), "gone.txt": "old\n" }, (d) => {
      writeFiles(d, { "a.txt": lines(5, { 3: "changed" }), "new dir/run.sh": "#!/bin/sh\necho hi\n" })
      chmodSync(path.join(d, "new dir/run.sh"), 0o755)
      unlinkSync(path.join(d, "gone.txt"))
    })
    const result = await applyThreeWay(dir, base, head)
    expect(result.conflicts).toEqual([])
    expect(result.applied.sort()).toEqual(["a.txt", "gone.txt", "new dir/run.sh"])
    expect(read(dir, "a.txt")).toBe(lines(5, { 3: "changed" }))
    expect(read(dir, "new dir/run.sh")).toBe("#!/bin/sh\necho hi\n")
    expect(statSync(path.join(dir, "new dir/run.sh")).mode & 0o111).not.toBe(0)
    expect(() => statSync(path.join(dir, "gone.txt"))).toThrow()
  })

  it("keeps the user's edit in another hunk of the same file next to the mission's", async () => {
    const { dir, base, head } = missionRepo({ "a.txt": lines(20) }, (d) => writeFiles(d, { "a.txt": lines(20, { 2: "mission" }) }))
    writeFiles(dir, { "a.txt": lines(20, { 18: "user" }) })
    const result = await applyThreeWay(dir, base, head)
    expect(result).toEqual({ applied: ["a.txt"], conflicts: [] })
    expect(read(dir, "a.txt")).toBe(lines(20, { 2: "mission", 18: "user" }))
  })

  it("leaves conflict markers, labelled yours and mission, only in a file whose same lines both changed", async () => {
    const { dir, base, head } = missionRepo({ "a.txt": lines(5), "b.txt": lines(5) }, (d) =>
      writeFiles(d, { "a.txt": lines(5, { 3: "mission" }), "b.txt": lines(5, { 1: "mission" }) }),
    )
    writeFiles(dir, { "a.txt": lines(5, { 3: "user" }) })
    const result = await applyThreeWay(dir, base, head)
    expect(result).toEqual({ applied: ["b.txt"], conflicts: ["a.txt"] })
    const merged = read(dir, "a.txt")
    expect(merged).toContain("<<<<<<< yours\nuser\n=======\nmission\n>>>>>>> mission\n")
    expect(read(dir, "b.txt")).toBe(lines(5, { 1: "mission" }))
  })

  it("reports a binary file or a file the user deleted as a conflict and keeps what the user has", async () => {
    const bytes = Buffer.from([0, 1, 2, 3])
    const { dir, base, head } = missionRepo({ "a.txt": lines(3) }, (d) => {
      writeFileSync(path.join(d, "blob.bin"), bytes)
      writeFiles(d, { "a.txt": lines(3, { 1: "mission" }) })
    })
    // Added on both sides with different bytes, and deleted by the user while the mission changed it.
    writeFileSync(path.join(dir, "blob.bin"), Buffer.from([0, 9, 9]))
    unlinkSync(path.join(dir, "a.txt"))
    const result = await applyThreeWay(dir, base, head)
    expect(result.applied).toEqual([])
    expect(result.conflicts.sort()).toEqual(["a.txt", "blob.bin"])
    expect(readFileSync(path.join(dir, "blob.bin"))).toEqual(Buffer.from([0, 9, 9]))
    expect(() => statSync(path.join(dir, "a.txt"))).toThrow()
  })

  it("takes a file the user already made identical to the mission's as applied, and never touches index or HEAD", async () => {
    const { dir, base, head } = missionRepo({ "a.txt": lines(3) }, (d) => writeFiles(d, { "a.txt": lines(3, { 2: "same" }) }))
    writeFiles(dir, { "a.txt": lines(3, { 2: "same" }) })
    const before = userGitState(dir)
    const result = await applyThreeWay(dir, base, head)
    expect(result).toEqual({ applied: ["a.txt"], conflicts: [] })
    expect(userGitState(dir)).toEqual(before)
    expect(read(dir, "a.txt")).toBe(lines(3, { 2: "same" }))
  })
})
