import { existsSync, readdirSync } from "node:fs"
import path from "node:path"
import type { Mission } from "./context.js"
import { fill } from "../templates.js"
import { runCheck } from "./checks.js"
import { indent } from "./review.js"
import type { AttemptOutcome, CheckedEvidence } from "./state.js"
import { note } from "./transitions.js"

export type GateResult =
  | { ok: true; evidence: CheckedEvidence[] }
  | {
      ok: false
      outcome: Extract<AttemptOutcome, "no_change" | "syntax_failed" | "type_failed" | "verify_failed">
      feedback: string
      evidence: CheckedEvidence[]
    }

/**
 * The deterministic gates a change passes before any reviewer sees it,
 * cheapest first: something changed, the changed files parse, they
 * type-check, then the task's verify commands exit 0 (each run once on the
 * tree the worker left, `tree`).
 */
export async function runGates(m: Mission, directory: string, changedFiles: readonly string[], verify: readonly string[], tree: string): Promise<GateResult> {
  if (changedFiles.length === 0) {
    return {
      ok: false,
      outcome: "no_change",
      feedback: fill("feedback/no-change"),
      evidence: [],
    }
  }
  const syntax = await syntaxGate(m, directory, changedFiles)
  if (syntax) return { ok: false, outcome: "syntax_failed", feedback: syntax, evidence: [] }
  const types = await typeGate(m, directory, changedFiles)
  if (types) return { ok: false, outcome: "type_failed", feedback: types, evidence: [] }
  const evidence: CheckedEvidence[] = []
  for (const command of verify) {
    const result = await runCheck(m, command, directory, tree)
    evidence.push({ command, exitCode: result.exitCode, output: result.output })
    if (result.exitCode !== 0) {
      return {
        ok: false,
        outcome: "verify_failed",
        feedback: fill("feedback/verify-failed", { command, exitCode: result.exitCode, output: indent(result.output) }),
        evidence,
      }
    }
  }
  return { ok: true, evidence }
}

/**
 * Type errors the change introduced: the changed files are checked by a real
 * language server in the task's worktree and, as they were before the task, in
 * the integration worktree; only errors new to the task count (matched by
 * file, code and message, not line). Skipped, and noted, where it cannot run.
 */
async function typeGate(m: Mission, directory: string, files: readonly string[]): Promise<string | undefined> {
  if (!typeGateRuns(m)) return undefined
  const present = files.filter((f) => existsSync(path.join(directory, f)))
  if (present.length === 0) return undefined
  const { analysis } = m.deps
  const timeoutMs = m.deps.options.typeCheck.timeoutSec * 1000
  // One warm server for the task's checkout and the integration checkout (and later tasks').
  const serverRoot = commonDirectory(directory, m.workspace.integrationDir)
  const after = await analysis.typeErrors(directory, present, timeoutMs, serverRoot)
  for (const why of after.skipped) noteTypeGateSkipped(m, why)
  for (const server of after.servers ?? []) note(m, `type-check gate: ${server}`)
  if (after.errors.length === 0) return undefined
  const base = m.workspace.integrationDir
  const existed = present.filter((f) => existsSync(path.join(base, f)))
  const before = existed.length ? await analysis.typeErrors(base, existed, timeoutMs, serverRoot) : { errors: [], skipped: [] }
  const key = (e: { file: string; code?: string; message: string }) => `${e.file}\0${e.code ?? ""}\0${e.message}`
  const known = new Set(before.errors.map(key))
  const fresh = after.errors.filter((e) => !known.has(key(e)))
  if (fresh.length === 0) return undefined
  const lines = fresh.map((e) => `- ${e.file}:${e.line}:${e.column}: ${e.message}${e.code ? ` (${e.code})` : ""}`)
  return fill("feedback/type-errors", { errors: lines.join("\n") })
}

/**
 * Starts the type gate's language server while the round's workers run, by
 * checking, in the integration checkout, the files the plan names (or a file
 * of the same kind beside each new one): the server's start and project load
 * (seconds) are then off the path from the workers' end to the reviews.
 */
export function prewarmTypeGate(m: Mission, taskDirectory: string, planned: readonly string[]): void {
  if (m.workspace.mode !== "worktree" || !typeGateRuns(m)) return
  const base = m.workspace.integrationDir
  const files = [...new Set(planned.flatMap((f) => siblingOfKind(base, f)))]
  if (files.length === 0) return
  // Named from the task's checkout, as the gate names them, so the gate finds the same server.
  const fromTask = files.map((f) => path.relative(taskDirectory, path.join(base, f)))
  const timeoutMs = m.deps.options.typeCheck.timeoutSec * 1000
  void m.deps.analysis.typeErrors(taskDirectory, fromTask, timeoutMs, commonDirectory(taskDirectory, base)).catch(() => undefined)
}

/** Whether the type gate applies to this mission; notes why not where it should but cannot. */
function typeGateRuns(m: Mission): boolean {
  if (!m.deps.options.typeCheck.enabled) return false
  // Without the addon the syntax gate has said so already.
  if (!m.deps.analysis.status().available) return false
  if (m.workspace.mode !== "worktree") {
    noteTypeGateSkipped(m, "it compares with the base in a worktree, and tasks ran in place")
    return false
  }
  return true
}

function noteTypeGateSkipped(m: Mission, why: string): void {
  note(m, `type-check gate skipped: ${why}`)
}

/** `file` if it exists under `root`, else the first file with its extension in its directory or the nearest one above. */
function siblingOfKind(root: string, file: string): string[] {
  if (existsSync(path.join(root, file))) return [file]
  const ext = path.extname(file)
  if (!ext) return []
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const names = existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir), { withFileTypes: true }) : []
    const found = names
      .filter((d) => d.isFile() && d.name.endsWith(ext))
      .map((d) => d.name)
      .sort()[0]
    if (found) return [path.join(dir, found)]
    if (dir === "." || dir === path.dirname(dir)) return []
  }
}

/** The deepest directory containing both `a` and `b`. */
function commonDirectory(a: string, b: string): string {
  const left = path.resolve(a).split(path.sep)
  const right = path.resolve(b).split(path.sep)
  let same = 0
  while (same < left.length && same < right.length && left[same] === right[same]) same++
  return left.slice(0, same).join(path.sep) || path.sep
}

/** The syntax errors of the changed files as feedback, or undefined when they parse (or cannot be checked). */
async function syntaxGate(m: Mission, directory: string, files: readonly string[]): Promise<string | undefined> {
  const { analysis } = m.deps
  const status = analysis.status()
  if (!status.available) {
    note(m, `syntax gate skipped: ${status.reason}`)
    return undefined
  }
  const report = await analysis.checkSyntax(directory, [...files])
  if (report.ok) return undefined
  const lines = report.files.filter((f) => !f.ok).flatMap((f) => f.errors.map((e) => `${f.file}:${e.line}:${e.column}: ${e.message} — \`${e.context}\``))
  return fill("feedback/syntax-errors", { errors: lines.map((l) => `- ${l}`).join("\n") })
}
