import type { Mission } from "./context.js"
import { runInMission } from "./context.js"
import { indent } from "./review.js"
import type { AttemptOutcome, CheckedEvidence } from "./state.js"

export type GateResult =
  | { ok: true; evidence: CheckedEvidence[] }
  | { ok: false; outcome: Extract<AttemptOutcome, "no_change" | "syntax_failed" | "verify_failed">; feedback: string; evidence: CheckedEvidence[] }

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
