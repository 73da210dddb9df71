import { chmod, mkdtemp, readFile, rm, unlink, writeFile, mkdir } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"
import { git, gitRaw, parseRawDiff } from "./git.js"

export interface ApplyResult {
  applied: string[]
  /** Files left with conflict markers, or (binary, delete/modify) left as the user had them. */
  conflicts: string[]
}

/**
 * Applies base..head to the working tree at `root` file by file with git's
 * three-way merge (`git merge-file`): the user's current file is "ours", so
 * edits made during the mission survive. Never touches the index or HEAD.
 */
export async function applyThreeWay(root: string, base: string, head: string): Promise<ApplyResult> {
  const { changes } = parseRawDiff(await git(["diff", "--raw", "-z", "--no-renames", base, head], { cwd: root }))
  const result: ApplyResult = { applied: [], conflicts: [] }
  const scratch = await mkdtemp(path.join(tmpdir(), "orchestrator-apply-"))
  try {
    for (const { path: file, status, newMode } of changes) {
      const outcome = await applyFile(root, file, status === "A" ? undefined : base, status === "D" ? undefined : head, newMode === "100755", scratch)
      result[outcome === "conflict" ? "conflicts" : "applied"].push(file)
    }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  return result
}

async function applyFile(root: string, file: string, base: string | undefined, head: string | undefined, executable: boolean, scratch: string) {
  const target = path.join(root, file)
  const [ours, older, theirs] = await Promise.all([
    readFile(target).catch(() => undefined),
    base ? blob(root, base, file) : undefined,
    head ? blob(root, head, file) : undefined,
  ])
  if (same(ours, theirs)) return "applied"
  if (same(ours, older)) {
    if (theirs === undefined) await unlink(target)
    else {
      await mkdir(path.dirname(target), { recursive: true })
      await writeFile(target, theirs)
      if (executable) await chmod(target, 0o755)
    }
    return "applied"
  }
  // The user changed the file during the mission too.
  if (ours === undefined || theirs === undefined || [ours, older, theirs].some((b) => b?.includes(0))) return "conflict"
  const olderPath = path.join(scratch, "base")
  const theirsPath = path.join(scratch, "theirs")
  await writeFile(olderPath, older ?? "")
  await writeFile(theirsPath, theirs)
  const merged = await gitRaw(["merge-file", "-p", "-L", "yours", "-L", "base", "-L", "mission", target, olderPath, theirsPath], { cwd: root })
  if (merged.code < 0 || merged.code > 127) throw new Error(`git merge-file failed on ${file}: ${merged.stderr.trim()}`)
  await writeFile(target, merged.stdout)
  return merged.code === 0 ? "applied" : "conflict"
}

async function blob(root: string, commit: string, file: string): Promise<Buffer | undefined> {
  // --filters: the working-tree form (line endings, smudge filters), as it is compared with the user's file.
  const res = await gitRaw(["cat-file", "--filters", `${commit}:${file}`], { cwd: root })
  return res.code === 0 ? res.stdout : undefined
}

function same(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.equals(b)
}
