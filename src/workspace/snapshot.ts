import { copyFile, mkdir, rm, writeFile } from "node:fs/promises"
import path from "node:path"
import { git, repoRoot } from "./git.js"

/**
 * Content snapshots of a project directory as git trees, taken through a
 * private index so the user's index, HEAD and files are never touched. In a
 * git repository the trees live in its object store; elsewhere in a private
 * repository under the mission's state directory. `.gitignore` is honoured.
 */
export class TreeSnapshots {
  private constructor(
    private readonly projectDir: string,
    private readonly env: Record<string, string>,
    /** Paths (relative to the project directory) never recorded: our own state, and node_modules outside git. */
    private readonly excludes: string[],
    readonly inRepository: boolean,
  ) {}

  static async open(projectDir: string, stateDir: string): Promise<TreeSnapshots> {
    await mkdir(stateDir, { recursive: true })
    const index = path.join(stateDir, "snapshot.index")
    const root = await repoRoot(projectDir)
    const excludes = [".opencode/orchestrator"]
    if (root) {
      const gitIndex = (await git(["rev-parse", "--path-format=absolute", "--git-path", "index"], { cwd: projectDir })).trim()
      // Seeding from the real index lets git reuse its stat cache instead of re-hashing every file.
      await copyFile(gitIndex, index).catch(() => undefined)
      return new TreeSnapshots(projectDir, { GIT_INDEX_FILE: index }, excludes, true)
    }
    const gitDir = path.join(stateDir, "snapshots.git")
    await git(["init", "--quiet", "--bare", gitDir], { cwd: stateDir })
    await writeFile(path.join(gitDir, "info", "exclude"), "/.opencode/orchestrator/\n/node_modules/\n")
    const env = { GIT_DIR: gitDir, GIT_WORK_TREE: projectDir, GIT_INDEX_FILE: index }
    return new TreeSnapshots(projectDir, env, [...excludes, "node_modules"], false)
  }

  /** Records the directory's current content; returns the tree id. */
  async take(): Promise<string> {
    await git(["add", "--all", "--", "."], { cwd: this.projectDir, env: this.env })
    // Dropped after adding: naming an ignored path in a pathspec makes `git add` fail.
    await git(["rm", "-r", "-q", "-f", "--cached", "--ignore-unmatch", "--", ...this.excludes], { cwd: this.projectDir, env: this.env })
    return (await git(["write-tree"], { cwd: this.projectDir, env: this.env })).trim()
  }

  /** Paths (relative to the project directory) whose content differs between two trees. */
  async changedFiles(from: string, to: string): Promise<string[]> {
    const out = await git(["diff", "--name-only", "-z", "--no-renames", "--relative", from, to], {
      cwd: this.projectDir,
      env: this.env,
    })
    return out.split("\0").filter(Boolean)
  }

  /** A unified diff between two trees, limited to `paths` when given. */
  async diff(from: string, to: string, paths?: string[]): Promise<string> {
    if (paths && paths.length === 0) return ""
    const args = ["diff", "--no-color", "--no-renames", "--relative", from, to]
    if (paths) args.push("--", ...paths.map((p) => `:(literal)${p}`))
    return git(args, { cwd: this.projectDir, env: this.env })
  }

  async dispose(): Promise<void> {
    const index = this.env.GIT_INDEX_FILE
    if (index) await rm(index, { force: true })
  }
}
