import { spawn } from "node:child_process"
import { type SandboxProfile, sandboxAvailable, wrapCommand } from "./sandbox.js"

export interface CommandResult {
  exitCode: number
  /** Combined stdout and stderr, the tail kept when long. */
  output: string
  timedOut: boolean
}

const OUTPUT_LIMIT = 16_000

/**
 * Runs a shell command in its own process group so a timeout or an abort
 * ends everything it started. Never rejects: failures are exit codes.
 * With `sandbox`, and a sandbox on this machine, the command runs confined
 * to that profile (see sandbox.ts); without one it runs unconfined, and
 * callers that must know check `sandboxAvailable()` themselves.
 */
export function runCommand(
  command: string,
  options: { cwd: string; timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv; sandbox?: SandboxProfile },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = ""
    let timedOut = false
    let cut = false
    const env = options.env ?? process.env
    let wrapped: { file: string; args: string[]; env: NodeJS.ProcessEnv } = { file: "/bin/sh", args: ["-c", command], env }
    if (options.sandbox && sandboxAvailable().ok) {
      try {
        wrapped = wrapCommand(command, options.cwd, options.sandbox, { env })
      } catch (error) {
        resolve({ exitCode: 127, output: `sandbox: ${(error as Error).message}`, timedOut: false })
        return
      }
    }
    const child = spawn(wrapped.file, wrapped.args, {
      cwd: options.cwd,
      env: wrapped.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    })
    const collect = (chunk: string) => {
      output += chunk
      if (output.length > OUTPUT_LIMIT * 2) {
        output = output.slice(-OUTPUT_LIMIT)
        cut = true
      }
    }
    child.stdout?.setEncoding("utf8").on("data", collect)
    child.stderr?.setEncoding("utf8").on("data", collect)
    const kill = () => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {
        child.kill("SIGKILL")
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      kill()
    }, options.timeoutMs)
    const onAbort = () => kill()
    options.signal?.addEventListener("abort", onAbort, { once: true })
    if (options.signal?.aborted) kill()
    const finish = (exitCode: number, extra = "") => {
      clearTimeout(timer)
      options.signal?.removeEventListener("abort", onAbort)
      let text = output + extra
      if (cut || text.length > OUTPUT_LIMIT) text = `…${text.slice(-OUTPUT_LIMIT)}`
      if (timedOut) text += `\n[timed out after ${options.timeoutMs / 1000} s]`
      resolve({ exitCode, output: text, timedOut })
    }
    child.on("error", (error) => finish(127, `\n${error.message}`))
    child.on("close", (code, signal) => finish(code ?? (signal ? 128 + 9 : 1)))
  })
}
