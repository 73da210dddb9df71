import { execFile } from "node:child_process"

export interface GitOptions {
  cwd: string
  env?: Record<string, string>
  input?: string
}

/** Runs git with a clean git environment; rejects with git's own message. */
export function git(args: string[], options: GitOptions): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" }
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"]) delete env[key]
  Object.assign(env, options.env)
  return new Promise((resolve, reject) => {
    const child = execFile("git", args, { cwd: options.cwd, env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args[0]} failed: ${(stderr || error.message).trim()}`))
      else resolve(stdout)
    })
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
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
