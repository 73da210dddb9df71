import type { Stats } from "node:fs"
import { chmod, lstat, mkdir } from "node:fs/promises"
import { homedir } from "node:os"
import path from "node:path"

/**
 * Where every mission's checkouts live: `${XDG_CACHE_HOME:-~/.cache}/opencode-orchestrator`.
 * Checkouts hold copies of the project's secrets (`.env`), so the directory is
 * the user's own and private.
 */
export function checkoutHomePath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(homedir(), ".cache")
  return path.join(cache, "opencode-orchestrator")
}

/**
 * Creates the checkout home (mode 0700) or checks the one there: a symlink, a
 * non-directory or a directory another user owns is refused, never used; a
 * directory of ours that others can read is made private.
 */
export async function privateCheckoutHome(home = checkoutHomePath()): Promise<string> {
  await mkdir(path.dirname(home), { recursive: true, mode: 0o700 })
  await mkdir(home, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error
  })
  const problem = homeProblem(await lstat(home))
  if (problem) throw new Error(`The checkout home ${home} ${problem}. Remove it (or fix it) and run the mission again.`)
  const stat = await lstat(home)
  if ((stat.mode & 0o077) !== 0) await chmod(home, 0o700)
  return home
}

/** Why a checkout home must not be used, or undefined when it is fine (for `doctor` too). */
export function homeProblem(stat: Stats): string | undefined {
  if (stat.isSymbolicLink()) return "is a symbolic link; it must be a directory of your own"
  if (!stat.isDirectory()) return "is not a directory"
  const uid = process.getuid?.()
  if (uid !== undefined && Number(stat.uid) !== uid) return `is owned by another user (uid ${stat.uid}, you are ${uid})`
  return undefined
}
