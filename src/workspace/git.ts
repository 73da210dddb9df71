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

/**
 * The plugin's own commits, merges and checkouts run none of the user's hooks,
 * sign nothing and start no automatic maintenance (git would run
 * `git maintenance run --auto`, a process of its own, after every commit and
 * merge; the user's next git command still runs it when it is due).
 */
const PLUGIN_CONFIG: Record<string, string> = {
  GIT_CONFIG_COUNT: "4",
  GIT_CONFIG_KEY_0: "core.hooksPath",
  GIT_CONFIG_VALUE_0: "/dev/null",
  GIT_CONFIG_KEY_1: "commit.gpgsign",
  GIT_CONFIG_VALUE_1: "false",
  GIT_CONFIG_KEY_2: "maintenance.auto",
  GIT_CONFIG_VALUE_2: "false",
  GIT_CONFIG_KEY_3: "gc.auto",
  GIT_CONFIG_VALUE_3: "0",
}

/** Runs git with a clean git environment and returns its exit code and raw output; never rejects for a non-zero exit. */
export function gitRaw(args: string[], options: GitOptions): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0", ...PLUGIN_CONFIG }
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"]) delete env[key]
  Object.assign(env, options.env)
  return new Promise((resolve, reject) => {
    const child = execFile("git", args, { cwd: options.cwd, env, maxBuffer: 256 * 1024 * 1024, encoding: "buffer" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0
      if (code === -1) reject(new Error(`git ${args[0]} could not run: ${error?.message}`))
      else resolve({ code, stdout, stderr: stderr.toString("utf8") })
    })
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
    // "true" then the top level; outside a work tree (in .git, a bare repository) `--show-toplevel` fails.
    const out = await git(["rev-parse", "--is-inside-work-tree", "--show-toplevel"], { cwd: dir })
    const lineEnd = out.indexOf("\n")
    return out.slice(0, lineEnd) === "true" ? out.slice(lineEnd + 1).trim() : undefined
  } catch {
    return undefined
  }
}

/** One record of `git diff --raw`: the file's path and status, and its modes before and after ("000000" where absent). */
export interface RawChange {
  path: string
  status: string
  oldMode: string
  newMode: string
}

/**
 * Splits `git diff --raw -z` output (with `--patch`, too): the NUL-terminated
 * records (`:<old mode> <new mode> <old id> <new id> <status>`, then the
 * path) and what follows them (the patch).
 */
export function parseRawDiff(output: string): { changes: RawChange[]; rest: string } {
  const changes: RawChange[] = []
  let at = 0
  while (output.startsWith(":", at)) {
    const pathStart = output.indexOf("\0", at) + 1
    const pathEnd = output.indexOf("\0", pathStart)
    if (pathStart === 0 || pathEnd < 0) throw new Error("git diff --raw -z: a record without its path")
    const [oldMode = "", newMode = "", , , status = ""] = output.slice(at + 1, pathStart - 1).split(" ")
    changes.push({ path: output.slice(pathStart, pathEnd), status, oldMode, newMode })
    at = pathEnd + 1
  }
  // With a patch, an empty field separates it from the records.
  return { changes, rest: output.startsWith("\0", at) ? output.slice(at + 1) : output.slice(at) }
}
