import { mkdir, mkdtemp, rm } from "node:fs/promises"
import path from "node:path"
import { checkoutHomePath } from "../workspace/checkout-home.js"
import { type CheckoutContext, checkoutAt } from "../workspace/checkout-registry.js"
import { type SandboxProfile, sandboxRefusal } from "../workspace/sandbox.js"
import { type CommandResult, runCommand } from "../workspace/shell.js"
import type { Mission } from "./context.js"

/**
 * Runs a verify or evidence command once per tree: the gate's run, the
 * re-check of a reviewer's evidence on the same tree and the mission check
 * share one result, keyed by the tree's id and the command.
 */
export async function runCheck(m: Mission, command: string, cwd: string, tree: string): Promise<CommandResult> {
  const key = `${tree}\0${command}`
  const known = m.checks.get(key)
  if (known) {
    void m.store.event("command_reused", { command, tree })
    return known
  }
  const running = runInCheckout(command, cwd, { timeoutMs: m.deps.options.verifyTimeoutSec * 1000, signal: m.signal }).then(async (result) => {
    await m.store.event("command_ran", { command, tree, exitCode: result.exitCode, timedOut: result.timedOut })
    return result
  })
  m.checks.set(key, running)
  return running
}

/**
 * Runs a command in the sandbox of the checkout that holds `cwd`, with its
 * environment (`ORCHESTRATOR_SLOT`, `ORCHESTRATOR_TASK`); a refusal the sandbox
 * caused is noted for the mission's report. Outside any mission's checkout the
 * command's own directory is its checkout. Unconfined where the machine has no
 * sandbox (the report says so).
 */
export async function runInCheckout(
  command: string,
  cwd: string,
  options: { timeoutMs: number; signal?: AbortSignal; readOnly?: boolean },
): Promise<CommandResult> {
  const checkout = checkoutAt(cwd)
  const profile = checkout ? sandboxProfile(checkout, options.readOnly) : ownDirectoryProfile(cwd, options.readOnly)
  // A temp dir of its own: in a PID namespace every command's processes have small PIDs, and tools that
  // name temp files by PID (tsx's IPC pipe, `$TMPDIR/tsx-0/<pid>.pipe`) would collide across commands.
  await mkdir(profile.tmp, { recursive: true, mode: 0o700 })
  const tmp = await mkdtemp(path.join(profile.tmp, "cmd-"))
  try {
    const result = await runCommand(command, {
      cwd,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      env: { ...process.env, ...checkout?.env },
      sandbox: { ...profile, tmp },
    })
    if (checkout && result.exitCode !== 0) noteRefusal(checkout.refused, command, result.output)
    return result
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

/** What a command in `checkout` may write: the checkout (unless read-only), the mission's home and temp. */
function sandboxProfile(checkout: CheckoutContext, readOnly = false): SandboxProfile {
  const writable = checkout.writable && !readOnly ? [checkout.root] : []
  return { writable, readOnly: checkout.readOnly, home: checkout.home, tmp: checkout.tmp, network: checkout.network }
}

/** A command of no mission's (one of our agents run directly): it may write its own directory, unless read-only, and a throwaway home and temp. */
function ownDirectoryProfile(cwd: string, readOnly = false): SandboxProfile {
  const scratch = path.join(checkoutHomePath(), "scratch", String(process.pid))
  return { writable: readOnly ? [] : [cwd], home: path.join(scratch, "home"), tmp: path.join(scratch, "tmp"), network: true }
}

/** Records a command the sandbox seems to have refused (best effort: read from its output), once per command. */
function noteRefusal(refused: { command: string; reason: string }[], command: string, output: string): void {
  const reason = sandboxRefusal(output)
  if (reason && !refused.some((r) => r.command === command)) refused.push({ command, reason })
}
