import { execFile } from "node:child_process"

export interface GitOptions {
  cwd: string
  env?: Record<string, string>
  input?: string
}

export interface GitResult {
  code: number
  stdout: Buffer
  stderr: string
}

/** The identity of commits the plugin makes (base snapshots, task commits, merges). */
export const PLUGIN_IDENTITY: Record<string, string> = {
  GIT_AUTHOR_NAME: "opencode-orchestrator",
  GIT_AUTHOR_EMAIL: "orchestrator@localhost",
  GIT_COMMITTER_NAME: "opencode-orchestrator",
  GIT_COMMITTER_EMAIL: "orchestrator@localhost",
}

/** The plugin's own commits, merges and checkouts run none of the user's hooks and sign nothing. */
const NO_HOOKS: Record<string, string> = {
  GIT_CONFIG_COUNT: "2",
  GIT_CONFIG_KEY_0: "core.hooksPath",
  GIT_CONFIG_VALUE_0: "/dev/null",
  GIT_CONFIG_KEY_1: "commit.gpgsign",
  GIT_CONFIG_VALUE_1: "false",
}

/** Runs git with a clean git environment and returns its exit code and raw output; never rejects for a non-zero exit. */
export function gitRaw(args: string[], options: GitOptions): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0", ...NO_HOOKS }
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"]) delete env[key]
  Object.assign(env, options.env)
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      args,
      { cwd: options.cwd, env, maxBuffer: 256 * 1024 * 1024, encoding: "buffer" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0
        if (code === -1) reject(new Error(`git ${args[0]} could not run: ${error?.message}`))
        else resolve({ code, stdout, stderr: stderr.toString("utf8") })
      },
    )
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

/** Runs git; rejects with git's own message on a non-zero exit. */
export async function git(args: string[], options: GitOptions): Promise<string> {
  const result = await gitRaw(args, options)
  if (result.code !== 0) throw new Error(`git ${args[0]} failed: ${(result.stderr || `exit ${result.code}`).trim()}`)
  return result.stdout.toString("utf8")
}

/** The repository's top-level directory, or undefined when `dir` is not in a git work tree. */
export async function repoRoot(dir: string): Promise<string | undefined> {
  try {
    const inside = (await git(["rev-parse", "--is-inside-work-tree"], { cwd: dir })).trim()
    if (inside !== "true") return undefined
    return (await git(["rev-parse", "--show-toplevel"], { cwd: dir })).trim()
  } catch {
    return undefined
  }
}
