import { bullets, fill } from "../templates.js"
import type { RoundTask, TaskCheckout } from "../workspace/workspace.js"
import { buildBrief, capTokens, type Tokenizer, tokenizer } from "./brief.js"
import { childTurn } from "./child-turn.js"
import type { Mission } from "./context.js"
import { taskStep } from "./live-file.js"
import { prewarmTypeGate, runGates } from "./gates.js"
import { memoryOf } from "./memory.js"
import { indent, review, reviewFeedback, voided } from "./review.js"
import type { AttemptOutcome, CheckedEvidence, TaskState } from "./state.js"
import { type AttemptResult, recordAttempts, requeue, startRound } from "./transitions.js"

/**
 * One fork-join round: every given task's worker runs in its own checkout (at
 * most the AIMD limit at once, see concurrency.ts); at the barrier each change goes through the gates
 * and, if it passes them, to a reviewer; passing tasks are then merged in plan
 * order. Tasks come back passed, pending (to retry) or failed.
 */
export async function runRound(m: Mission, tasks: TaskState[], onChange: (running: number, limit: number) => void): Promise<void> {
  const roundTasks: RoundTask[] = tasks.map((t) => ({
    id: t.spec.id,
    title: t.spec.title,
    attempt: t.attempts.length + 1,
    files: t.spec.files,
    // After a failed gate or review the retry fixes its previous tree; after a merge conflict it starts over on the new head.
    retry: t.attempts.at(-1)?.outcome === "merge_conflict" ? "fresh" : "continue",
  }))
  const checkouts = await m.workspace.begin(roundTasks)
  const first = checkouts.values().next().value
  if (first)
    prewarmTypeGate(
      m,
      first.directory,
      tasks.flatMap((t) => t.spec.files),
    )
  await startRound(m, tasks)

  const { aimd } = m
  aimd.startRound()
  const tok = await tokenizer()
  let running = 0
  aimd.onChange((limit) => onChange(running, limit))
  const run = aimd.limiter()
  const turns = await Promise.all(
    tasks.map((task) =>
      run(async () => {
        if (m.signal.aborted) return undefined
        onChange(++running, aimd.limit)
        try {
          return await childTurn(m, {
            agent: "worker",
            title: `${task.spec.id} · worker · ${task.spec.title}`,
            text: workOrder(task, brief(m, task, tok), tok, checkout(checkouts, task)),
            directory: checkout(checkouts, task).directory,
          })
        } finally {
          onChange(--running, aimd.limit)
        }
      }),
    ),
  )
  if (m.signal.aborted) {
    requeue(tasks)
    return
  }

  const results = new Map<TaskState, AttemptResult>()
  const reviewLimit = aimd.limiter()
  await Promise.all(
    tasks.map(async (task, i) => {
      const turn = turns[i]
      if (!turn) return
      const place = checkout(checkouts, task)
      const changedFiles = await place.collect()
      const done = (outcome: AttemptOutcome, feedback: string, evidence: CheckedEvidence[], sessions: string[]) =>
        results.set(task, { outcome, feedback, evidence, changedFiles, sessions })
      // Not started (a budget ran out) or stopped by the engine: no attempt spent, the task waits.
      if (turn.error?.startsWith("budget:") || m.signal.aborted) return
      if (turn.error) return done("session_error", fill("feedback/session-failed", { error: turn.error }), [], [turn.sessionID])
      taskStep(m, task.spec.id, "checking")
      // A change to a manifest or lockfile is installed in the checkout before anything runs there.
      const dependencies = await place.dependencies()
      if (dependencies.install && dependencies.install.exitCode !== 0) {
        const { command, exitCode, output } = dependencies.install
        const feedback = fill("feedback/install-failed", { files: dependencies.changed.join(", "), command, exitCode, output: indent(output) })
        return done("install_failed", feedback, [], [turn.sessionID])
      }
      const tree = await place.tree()
      const gate = await runGates(m, place.directory, changedFiles, task.spec.verify ?? [], tree)
      if (!gate.ok) return done(gate.outcome, gate.feedback, gate.evidence, [turn.sessionID])
      const diff = await place.diff()
      return reviewLimit(async () => {
        if (m.signal.aborted) return
        // The gates' commands may leave files behind; only what changes during the review is the reviewer's.
        taskStep(m, task.spec.id, "reviewing")
        const before = new Set(await place.changedSinceCollect())
        const request = reviewRequest(task, diff, gate.evidence)
        const judged = await review(m, `${task.spec.id} · reviewer · ${task.spec.title}`, request, place.directory, tree)
        const changed = (await place.changedSinceCollect()).filter((f) => !before.has(f))
        const outcome = changed.length && judged.kind !== "no_verdict" ? voided(judged.sessionID, changed) : judged
        const evidence = [...gate.evidence, ...("evidence" in outcome ? outcome.evidence : [])]
        const sessions = [turn.sessionID, outcome.sessionID]
        if (outcome.kind === "pass") done("passed", outcome.verdict.summary, evidence, sessions)
        else done(outcome.kind === "fail" ? "review_failed" : outcome.kind, reviewFeedback(outcome), evidence, sessions)
      })
    }),
  )
  if (m.signal.aborted) {
    requeue(tasks)
    return
  }
  aimd.endRound()
  aimd.onChange(undefined)

  // Merge passing tasks into the mission's result, in plan order.
  const passing = tasks.filter((t) => results.get(t)?.outcome === "passed")
  const conflicts = await m.workspace.merge(roundTasks.filter((r) => passing.some((t) => t.spec.id === r.id)))
  for (const [id, conflict] of conflicts) {
    const task = tasks.find((t) => t.spec.id === id)!
    const result = results.get(task)!
    result.outcome = "merge_conflict"
    result.feedback = fill("feedback/merge-conflict", { paths: conflict.paths.join(", "), diff: clip(conflict.diff) })
  }
  // The round's attempts are recorded together: one event each, one state save.
  requeue(tasks.filter((task) => !results.has(task)))
  await recordAttempts(
    m,
    tasks.flatMap((task) => {
      const result = results.get(task)
      return result ? [[task, result] as const] : []
    }),
  )
}

function checkout(checkouts: Map<string, TaskCheckout>, task: TaskState): TaskCheckout {
  const place = checkouts.get(task.spec.id)
  if (!place) throw new Error(`no checkout for task ${task.spec.id}`)
  return place
}

/** Longest previous-attempt feedback a work order carries (verbatim up to here, then cut with a marker). */
export const FEEDBACK_TOKENS = 4_000

/**
 * The worker's prompt: the task as the planner wrote it, verbatim; the
 * `brief` (the "## Context" section drawn from the mission's memory); and the
 * last attempt's findings verbatim, up to FEEDBACK_TOKENS. Its size is bounded
 * by the task, the brief budget and that cap, however many rounds have run.
 */
export function workOrder(task: TaskState, brief: string, tok: Tokenizer, place: Pick<TaskCheckout, "resumed" | "previousDiff">): string {
  const last = task.attempts.at(-1)
  const feedback = last
    ? fill("retry-feedback", {
        attempt: last.attempt,
        outcome: last.outcome.replace(/_/g, " "),
        checkout:
          place.resumed === "continued"
            ? fill("retry-continued", {})
            : fill("retry-fresh", { hint: place.previousDiff ? `\n\n\`\`\`diff\n${clip(place.previousDiff)}\n\`\`\`` : "" }),
        feedback: capTokens(last.feedback, FEEDBACK_TOKENS, tok),
      })
    : ""
  return fill("work-order", {
    id: task.spec.id,
    title: task.spec.title,
    description: task.spec.description,
    acceptance: bullets(task.spec.acceptance),
    verify: bullets(task.spec.verify?.map((v) => `\`${v}\``)),
    context: brief ? `\n${brief}\n` : "",
    feedback,
  })
}

/** The task's brief from the mission's memory, without the entry its previous attempt's feedback already gives verbatim. */
function brief(m: Mission, task: TaskState, tok: Tokenizer): string {
  const last = task.attempts.at(-1)
  const exclude = new Set(last ? [`finding:${task.spec.id}:${last.attempt}`, `lesson:${task.spec.id}:${last.attempt}`] : [])
  return buildBrief(memoryOf(m.state), task, m.state.tasks, m.state.round, m.deps.options.briefTokens, tok, exclude)
}

const DIFF_LIMIT = 60_000

function reviewRequest(task: TaskState, diff: string, checks: readonly CheckedEvidence[]): string {
  return fill("review-request", {
    id: task.spec.id,
    title: task.spec.title,
    description: task.spec.description,
    acceptance: bullets(task.spec.acceptance),
    checks: checks.length ? checks.map((c) => `- \`${c.command}\` → exit ${c.exitCode}\n${indent(tail(c.output))}`).join("\n") : "- (no verify commands)",
    diff: clip(diff),
  })
}

/** The last lines of a command's output, as the review request shows them. */
function tail(output: string, lines = 15): string {
  const all = output.trimEnd().split("\n")
  const shown = all.slice(-lines).join("\n")
  return all.length > lines ? `…\n${shown.slice(-1_500)}` : shown.slice(-1_500)
}

export function clip(diff: string): string {
  if (diff.length <= DIFF_LIMIT) return diff.trimEnd()
  return `${diff.slice(0, DIFF_LIMIT)}\n${fill("cuts/diff", { limit: DIFF_LIMIT })}`
}
