import { existsSync } from "node:fs"
import path from "node:path"
import type { Mission } from "./context.js"
import { runInMission } from "./context.js"
import { indent } from "./review.js"
import type { AttemptOutcome, CheckedEvidence } from "./state.js"

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
 * cheapest first: something changed, the changed files parse, then the
 * task's verify commands exit 0.
 */
export async function runGates(m: Mission, directory: string, changedFiles: readonly string[], verify: readonly string[]): Promise<GateResult> {
  if (changedFiles.length === 0) {
    return {
      ok: false,
      outcome: "no_change",
      feedback: "No file changed: the engine compared the project's files before and after your turn. Make the change the work order asks for.",
      evidence: [],
    }
  }
  const syntax = await syntaxGate(m, directory, changedFiles)
  if (syntax) return { ok: false, outcome: "syntax_failed", feedback: syntax, evidence: [] }
  const types = await typeGate(m, directory, changedFiles)
  if (types) return { ok: false, outcome: "type_failed", feedback: types, evidence: [] }
  const evidence: CheckedEvidence[] = []
  for (const command of verify) {
    const result = await runInMission(m, command, directory)
    evidence.push({ command, exitCode: result.exitCode, output: result.output })
    if (result.exitCode !== 0) {
      return {
        ok: false,
        outcome: "verify_failed",
        feedback: `The verify command \`${command}\` exited ${result.exitCode}:\n\n${indent(result.output)}`,
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
  const { typeCheck } = m.deps.options
  if (!typeCheck.enabled) return undefined
  const note = (why: string) => {
    const line = `type-check gate skipped: ${why}`
    if (!m.state.notes.includes(line)) m.state.notes.push(line)
  }
  const { analysis } = m.deps
  // Without the addon the syntax gate has said so already.
  if (!analysis.status().available) return undefined
  if (m.workspace.mode !== "worktree") return note("it compares with the base in a worktree, and tasks ran in place"), undefined
  const present = files.filter((f) => existsSync(path.join(directory, f)))
  if (present.length === 0) return undefined
  const timeoutMs = typeCheck.timeoutSec * 1000
  // One warm server for the task's checkout and the integration checkout (and later tasks').
  const serverRoot = commonDirectory(directory, m.workspace.integrationDir)
  const after = await analysis.typeErrors(directory, present, timeoutMs, serverRoot)
  for (const why of after.skipped) note(why)
  if (after.errors.length === 0) return undefined
  const base = m.workspace.integrationDir
  const existed = present.filter((f) => existsSync(path.join(base, f)))
  const before = existed.length ? await analysis.typeErrors(base, existed, timeoutMs, serverRoot) : { errors: [], skipped: [] }
  const key = (e: { file: string; code?: string; message: string }) => `${e.file}\0${e.code ?? ""}\0${e.message}`
  const known = new Set(before.errors.map(key))
  const fresh = after.errors.filter((e) => !known.has(key(e)))
  if (fresh.length === 0) return undefined
  const lines = fresh.map((e) => `- ${e.file}:${e.line}:${e.column}: ${e.message}${e.code ? ` (${e.code})` : ""}`)
  return `The change introduces type errors (reported by the language server):\n\n${lines.join("\n")}`
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
    const note = `syntax gate skipped: ${status.reason}`
    if (!m.state.notes.includes(note)) m.state.notes.push(note)
    return undefined
  }
  const report = await analysis.checkSyntax(directory, [...files])
  if (report.ok) return undefined
  const lines = report.files
    .filter((f) => !f.ok)
    .flatMap((f) => f.errors.map((e) => `${f.file}:${e.line}:${e.column}: ${e.message} — \`${e.context}\``))
  return `These files do not parse:\n\n${lines.map((l) => `- ${l}`).join("\n")}`
}
