import type { Mission } from "./context.js"
import { runInMission } from "./context.js"
import type { CheckedEvidence } from "./state.js"
import { indent } from "./review.js"

export type GateResult = { ok: true; evidence: CheckedEvidence[] } | { ok: false; outcome: "no_change" | "verify_failed"; feedback: string; evidence: CheckedEvidence[] }

/**
 * The deterministic gates a change passes before any reviewer sees it,
 * cheapest first: something changed, then the task's verify commands exit 0.
 */
export async function runGates(m: Mission, changedFiles: readonly string[], verify: readonly string[]): Promise<GateResult> {
  if (changedFiles.length === 0) {
    return {
      ok: false,
      outcome: "no_change",
      feedback: "No file changed: the engine compared the project's files before and after your turn. Make the change the work order asks for.",
      evidence: [],
    }
  }
  const evidence: CheckedEvidence[] = []
  for (const command of verify) {
    const result = await runInMission(m, command)
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
