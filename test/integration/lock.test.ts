import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { acquireLock } from "../../src/mission/lock.js"
import { tempDir } from "../support/helpers.js"

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" })
  return Number(child.stdout)
}

describe("mission/lock.ts acquireLock", () => {
  it("writes pid, host and start time, and removes the lock on release", async () => {
    const dir = tempDir()
    const release = await acquireLock(dir, "m-1")
    const lock = JSON.parse(readFileSync(path.join(dir, "lock"), "utf8"))
    expect(lock).toMatchObject({ pid: process.pid, host: hostname() })
    await release()
    expect(existsSync(path.join(dir, "lock"))).toBe(false)
  })

  it("refuses a lock held by a live process, naming its pid and how to cancel", async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, "lock"), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }))
    await expect(acquireLock(dir, "m-1")).rejects.toThrow(`pid ${process.ppid}`)
    await expect(acquireLock(dir, "m-1")).rejects.toThrow("/task --cancel m-1")
  })

  it("refuses while this process already holds it (a second resume in the same OpenCode)", async () => {
    const dir = tempDir()
    const release = await acquireLock(dir, "m-1")
    await expect(acquireLock(dir, "m-1")).rejects.toThrow("running in another OpenCode process")
    await release()
  })

  it("takes over a stale lock left by a dead process", async () => {
    const dir = tempDir()
    const pid = deadPid()
    writeFileSync(path.join(dir, "lock"), JSON.stringify({ pid, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }))
    const release = await acquireLock(dir, "m-1")
    expect(JSON.parse(readFileSync(path.join(dir, "lock"), "utf8")).pid).toBe(process.pid)
    await release()
  })

  it("takes over a half-written lock file", async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, "lock"), '{"pid": 12')
    const release = await acquireLock(dir, "m-1")
    await release()
  })
})
