import { z } from "zod"
import { fill } from "../templates.js"
import type { CommandResult } from "../workspace/shell.js"
import { type CheckedEvidence, Evidence } from "./state.js"

export const VerdictSpec = z.object({
  verdict: z.enum(["pass", "fail"]).describe('"pass" only if every acceptance criterion holds'),
  summary: z.string().min(1).describe("One paragraph: what you checked and what you found"),
  issues: z
    .array(
      z.object({
        severity: z.enum(["blocker", "major", "minor"]),
        file: z.string().optional(),
        line: z.number().int().optional(),
        message: z.string().min(1).describe("What is wrong and what to do about it"),
      }),
    )
    .describe("Problems found; [] when none"),
  evidence: z
    .array(
      // The state's evidence shape, with what the model reads about each field.
      Evidence.extend({
        command: Evidence.shape.command.min(1).describe("A shell command you ran, exactly"),
        exitCode: Evidence.shape.exitCode.describe("The exit code you observed"),
      }),
    )
    .describe("Commands you ran to check the work, with their exit codes; a pass needs at least one"),
})
export type VerdictSpec = z.infer<typeof VerdictSpec>

/** Problems with a verdict that zod's shape check cannot see. */
export function verdictProblems(verdict: VerdictSpec): string[] {
  if (verdict.verdict === "pass" && verdict.evidence.length === 0) {
    return [fill("replies/pass-without-evidence")]
  }
  return []
}

export type CommandRunner = (command: string) => Promise<Pick<CommandResult, "exitCode" | "output">>

export interface EvidenceCheck {
  checked: CheckedEvidence[]
  mismatches: CheckedEvidence[]
}

/** Verify, then trust: re-runs every evidence command and compares exit codes with the claims. */
export async function recheckEvidence(verdict: VerdictSpec, run: CommandRunner): Promise<EvidenceCheck> {
  const checked: CheckedEvidence[] = []
  for (const item of verdict.evidence) {
    const result = await run(item.command)
    checked.push({ command: item.command, claimed: item.exitCode, exitCode: result.exitCode, output: result.output })
  }
  return { checked, mismatches: checked.filter((c) => c.exitCode !== c.claimed) }
}
