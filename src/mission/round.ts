import pLimit from "p-limit"
import { bullets, fill } from "../templates.js"
import { childTurn, commit, type Mission } from "./context.js"
import { runGates } from "./gates.js"
import { review, reviewFeedback } from "./review.js"
import { overlaps } from "./schedule.js"
import type { Attempt, AttemptOutcome, CheckedEvidence, TaskState } from "./state.js"

/**
 * One fork-join round: every given task's worker runs (at most `limit` at
 * once), then at the barrier each change goes through the gates and, if it
 * passes them, to a reviewer. Tasks come back passed, pending (retry) or failed.
 */
export async function runRound(m: Mission, tasks: TaskState[], limit: number, onChange: () => void): Promise<void> {
  const { snapshots } = m
  const before = await snapshots.take()
  for (const task of tasks) task.status = "running"
  await commit(m, "round_started", { round: m.state.round, tasks: tasks.map((t) => t.spec.id) })

  const running = new Set<string>()
  const run = pLimit(limit)
  const turns = await Promise.all(
    tasks.map((task) =>
      run(async () => {
        if (m.signal.aborted) return undefined
        running.add(task.spec.id)
        onChange()
        try {
          return await childTurn(m, {
            agent: "worker",
            title: `${task.spec.id} · worker · ${task.spec.title}`,
            text: workOrder(task),
          })
        } finally {
          running.delete(task.spec.id)
          onChange()
        }
      }),
    ),
  )
  const after = await snapshots.take()
  if (m.signal.aborted) {
    for (const task of tasks) if (task.status === "running") task.status = "pending"
    return
  }
  const changed = await snapshots.changedFiles(before, after)

  const reviews: Promise<void>[] = []
  const reviewLimit = pLimit(limit)
  for (const [i, task] of tasks.entries()) {
    const turn = turns[i]
    const files = attribute(task, tasks, changed)
    const record = (outcome: AttemptOutcome, feedback: string, evidence: CheckedEvidence[], sessions: string[]) =>
      finishAttempt(m, task, { outcome, feedback, evidence, changedFiles: files, sessions })
    if (!turn) {
      task.status = "pending"
      continue
    }
    if (turn.error) {
      await record("session_error", `The worker session failed: ${turn.error}`, [], [turn.sessionID])
      continue
    }
    const gate = await runGates(m, files, task.spec.verify ?? [])
    if (!gate.ok) {
      await record(gate.outcome, gate.feedback, gate.evidence, [turn.sessionID])
      continue
    }
    const diff = await snapshots.diff(before, after, files)
    reviews.push(
      reviewLimit(async () => {
        const outcome = await review(m, `${task.spec.id} · reviewer · ${task.spec.title}`, reviewRequest(task, diff))
        const evidence = [...gate.evidence, ...("evidence" in outcome ? outcome.evidence : [])]
        const sessions = [turn.sessionID, outcome.sessionID]
        if (outcome.kind === "pass") await record("passed", outcome.verdict.summary, evidence, sessions)
        else await record(outcome.kind === "fail" ? "review_failed" : outcome.kind, reviewFeedback(outcome), evidence, sessions)
      }),
    )
  }
  await Promise.all(reviews)
}

/**
 * In a shared directory a round's changes are told apart by the files each
 * task declared; a change no task declared belongs to every task of the round.
 */
function attribute(task: TaskState, round: readonly TaskState[], changed: readonly string[]): string[] {
  if (round.length === 1) return [...changed]
  return changed.filter((file) => {
    if (overlaps(task.spec.files, [file])) return true
    return !round.some((t) => overlaps(t.spec.files, [file]))
  })
}

async function finishAttempt(m: Mission, task: TaskState, result: Omit<Attempt, "attempt" | "round">): Promise<void> {
  const attempt: Attempt = { attempt: task.attempts.length + 1, round: m.state.round, ...result }
  task.attempts.push(attempt)
  if (result.outcome === "passed") task.status = "passed"
  else task.status = task.attempts.length >= m.deps.options.maxAttempts ? "failed" : "pending"
  await commit(m, "attempt_finished", { task: task.spec.id, attempt: attempt.attempt, outcome: result.outcome, status: task.status })
}

/** The worker's prompt: the task as the planner wrote it, plus the last attempt's findings verbatim. */
export function workOrder(task: TaskState): string {
  const last = task.attempts.at(-1)
  const feedback = last
    ? fill("retry-feedback", { attempt: last.attempt, outcome: last.outcome.replace(/_/g, " "), feedback: last.feedback })
    : ""
  return fill("work-order", {
    id: task.spec.id,
    title: task.spec.title,
    description: task.spec.description,
    acceptance: bullets(task.spec.acceptance),
    verify: bullets(task.spec.verify?.map((v) => `\`${v}\``)),
    feedback,
  })
}

const DIFF_LIMIT = 60_000

function reviewRequest(task: TaskState, diff: string): string {
  return fill("review-request", {
    id: task.spec.id,
    title: task.spec.title,
    description: task.spec.description,
    acceptance: bullets(task.spec.acceptance),
    verify: bullets(task.spec.verify?.map((v) => `\`${v}\``)),
    diff: clip(diff),
  })
}

export function clip(diff: string): string {
  if (diff.length <= DIFF_LIMIT) return diff.trimEnd()
  return `${diff.slice(0, DIFF_LIMIT)}\n… (diff cut at ${DIFF_LIMIT} characters; read the files for the rest)`
}
