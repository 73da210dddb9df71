import { readFile, rm, writeFile } from "node:fs/promises"
import { hostname } from "node:os"
import path from "node:path"

interface LockInfo {
  pid: number
  host: string
  startedAt: string
}

/**
 * Takes the mission's lock file (pid, host, start time). A lock held by a
 * live process on this host is refused; one left by a dead process is taken
 * over. Returns a release function.
 */
export async function acquireLock(missionDir: string, missionId: string): Promise<() => Promise<void>> {
  const file = path.join(missionDir, "lock")
  const mine: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }
  for (let tries = 0; tries < 2; tries++) {
    try {
      await writeFile(file, JSON.stringify(mine), { flag: "wx" })
      return async () => {
        const held = await readLock(file)
        if (held?.pid === mine.pid && held.startedAt === mine.startedAt) await rm(file, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      const held = await readLock(file)
      if (held && lockIsLive(held)) {
        throw new Error(
          `Mission ${missionId} is running in another OpenCode process (pid ${held.pid}, since ${held.startedAt}). Use /task --cancel ${missionId} to stop it, or wait for it to end.`,
        )
      }
      await rm(file, { force: true })
    }
  }
  throw new Error(`could not take the lock of mission ${missionId}`)
}

/** Whether the lock's owner still runs (a lock from another host is taken as live). */
export function lockIsLive(lock: LockInfo): boolean {
  if (lock.host !== hostname()) return true
  if (lock.pid === process.pid) return true
  try {
    process.kill(lock.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

export async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<LockInfo>
    if (typeof parsed.pid === "number" && typeof parsed.host === "string" && typeof parsed.startedAt === "string") {
      return parsed as LockInfo
    }
  } catch {
    // unreadable or half-written: treated as stale
  }
  return undefined
}
