import { bullets, fill } from "../templates.js"
import { runCheck } from "./checks.js"
import { childTurn } from "./child-turn.js"
import type { Mission } from "./context.js"
import type { CheckedEvidence } from "./state.js"
import { recheckEvidence, type VerdictSpec, verdictProblems } from "./verdict.js"

export type ReviewOutcome =
  | { kind: "pass"; verdict: VerdictSpec; evidence: CheckedEvidence[]; sessionID: string }
  | { kind: "fail"; verdict: VerdictSpec; evidence: CheckedEvidence[]; sessionID: string }
  | { kind: "evidence_mismatch"; verdict: VerdictSpec; evidence: CheckedEvidence[]; sessionID: string }
  | { kind: "no_verdict"; reason: string; sessionID: string }

/**
 * A reviewer child session judges the request and submits a verdict; the
 * engine then checks a pass's evidence on the same tree (a command the gates
 * already ran there is compared with its recorded result, not run again). A
 * reviewer that ends without a valid verdict is asked once more in the same session.
 */
export async function review(m: Mission, title: string, request: string, directory: string, tree: string): Promise<ReviewOutcome> {
  let sessionID: string | undefined
  let text = request
  let lastError = ""
  for (let ask = 0; ask < 2; ask++) {
    const turn = await childTurn(m, {
      agent: "reviewer",
      title,
      text,
      directory,
      ...(sessionID ? { sessionID } : {}),
      before: (id) => m.deps.handoffs.expectVerdict(id, verdictProblems),
    })
    sessionID = turn.sessionID
    const taken = m.deps.handoffs.takeVerdict(turn.sessionID)
    if (taken.value) return judge(m, taken.value, turn.sessionID, directory, tree)
    lastError = turn.error ?? (taken.errors.length ? taken.errors.join(" ") : "no submit_verdict call")
    if (turn.error || m.signal.aborted) break
    text = fill("verdict-retry", { errors: taken.errors.length ? `\n${bullets(taken.errors)}` : "" })
  }
  return { kind: "no_verdict", reason: lastError, sessionID: sessionID ?? "" }
}

async function judge(m: Mission, verdict: VerdictSpec, sessionID: string, directory: string, tree: string): Promise<ReviewOutcome> {
  if (verdict.verdict === "fail") return { kind: "fail", verdict, evidence: [], sessionID }
  const { checked, mismatches } = await recheckEvidence(verdict, (command) => runCheck(m, command, directory, tree))
  if (mismatches.length > 0) return { kind: "evidence_mismatch", verdict, evidence: checked, sessionID }
  return { kind: "pass", verdict, evidence: checked, sessionID }
}

/** A verdict given on a tree the reviewer changed counts for nothing. */
export function voided(sessionID: string, changed: readonly string[]): ReviewOutcome {
  const files = changed.length > 10 ? `${changed.slice(0, 10).join(", ")} and ${changed.length - 10} more` : changed.join(", ")
  return { kind: "no_verdict", reason: fill("feedback/verdict-void", { files }), sessionID }
}

/** The feedback a worker gets from a failed review, verbatim findings first. */
export function reviewFeedback(outcome: ReviewOutcome): string {
  switch (outcome.kind) {
    case "pass":
      return ""
    case "fail": {
      const issues = outcome.verdict.issues.map((i) => {
        const where = i.file ? `${i.file}${i.line ? `:${i.line}` : ""}: ` : ""
        return `[${i.severity}] ${where}${i.message}`
      })
      return fill("feedback/review-failed", { summary: outcome.verdict.summary, issues: bullets(issues) })
    }
    case "evidence_mismatch": {
      const lines = outcome.evidence
        .filter((e) => e.exitCode !== e.claimed)
        .map((e) =>
          fill("feedback/evidence-not-reproduced", { command: e.command, claimed: String(e.claimed), exitCode: e.exitCode, output: indent(e.output) }),
        )
      return fill("feedback/evidence-mismatch", { commands: lines.join("\n\n") })
    }
    case "no_verdict":
      return fill("feedback/no-verdict", { reason: outcome.reason })
  }
}

export function indent(text: string): string {
  const trimmed = text.trim()
  return trimmed
    ? trimmed
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n")
    : "    (no output)"
}
