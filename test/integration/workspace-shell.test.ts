import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { runCommand } from "../../src/workspace/shell.js"
import { tempDir, until } from "../support/helpers.js"

/** True while the process runs; a zombie waiting for init to reap it counts as ended. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
  } catch {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
}

describe("workspace/shell.ts runCommand", () => {
  it("returns the exit code and combined stdout and stderr", async () => {
    const dir = tempDir()
    const ok = await runCommand("echo out; echo err >&2; pwd", { cwd: dir, timeoutMs: 5000 })
    expect(ok.exitCode).toBe(0)
    expect(ok.timedOut).toBe(false)
    expect(ok.output).toContain("out\n")
    expect(ok.output).toContain("err\n")
    expect(ok.output).toContain(dir)
    const bad = await runCommand("echo nope; exit 7", { cwd: dir, timeoutMs: 5000 })
    expect(bad).toMatchObject({ exitCode: 7, timedOut: false })
    expect(bad.output.trim()).toBe("nope")
  })

  it("reports a missing command as a non-zero exit, never a rejection", async () => {
    const result = await runCommand("definitely-not-a-command-xyz", { cwd: tempDir(), timeoutMs: 5000 })
    expect(result.exitCode).toBe(127)
  })

  it("keeps the tail of long output", async () => {
    const result = await runCommand("i=0; while [ $i -lt 3000 ]; do echo line-$i-padding-padding; i=$((i+1)); done; echo LAST", {
      cwd: tempDir(),
      timeoutMs: 10_000,
    })
    expect(result.exitCode).toBe(0)
    expect(result.output.length).toBeLessThanOrEqual(16_001)
    expect(result.output.trimEnd().endsWith("LAST")).toBe(true)
    expect(result.output).not.toContain("line-0-padding")
  })

  it("kills the whole process group on timeout", async () => {
    const dir = tempDir()
    const pidFile = path.join(dir, "child.pid")
    const started = Date.now()
    const result = await runCommand(`sleep 30 & echo $! > "${pidFile}"; wait`, { cwd: dir, timeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(result.timedOut).toBe(true)
    expect(result.exitCode).not.toBe(0)
    expect(result.output).toContain("[timed out after")
    const pid = Number(execFileSync("cat", [pidFile], { encoding: "utf8" }).trim())
    expect(pid).toBeGreaterThan(0)
    expect(await until(() => !alive(pid))).toBe(true)
  })

  it("stops the command when the signal aborts", async () => {
    const dir = tempDir()
    const pidFile = path.join(dir, "child.pid")
    const controller = new AbortController()
    const started = Date.now()
    const pending = runCommand(`sleep 30 & echo $! > "${pidFile}"; wait`, { cwd: dir, timeoutMs: 60_000, signal: controller.signal })
    await until(() => existsSync(pidFile) && execFileSync("cat", [pidFile], { encoding: "utf8" }).trim() !== "")
    controller.abort()
    const result = await pending
    expect(Date.now() - started).toBeLessThan(5000)
    expect(result.exitCode).not.toBe(0)
    expect(result.timedOut).toBe(false)
    const pid = Number(execFileSync("cat", [pidFile], { encoding: "utf8" }).trim())
    expect(await until(() => !alive(pid))).toBe(true)
  })

  it("does not run a command when the signal is already aborted", async () => {
    const controller = new AbortController()
    controller.abort()
    const started = Date.now()
    const result = await runCommand("sleep 1", { cwd: tempDir(), timeoutMs: 10_000, signal: controller.signal })
    expect(Date.now() - started).toBeLessThan(800)
    expect(result.exitCode).not.toBe(0)
  })

  it("decodes a multi-byte character split across two writes", async () => {
    const result = await runCommand("printf '\\342'; sleep 0.2; printf '\\202\\254\\n'", { cwd: tempDir(), timeoutMs: 5000 })
    expect(result.output.trim()).toBe("€")
  })
})
