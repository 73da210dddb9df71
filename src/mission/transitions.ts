import type { SealOutcome } from "../workspace/workspace.js"
import type { Mission } from "./context.js"
import { touchLive } from "./live-file.js"
import { rememberAttempt, rememberPlan } from "./memory.js"
import type { PlanSpec } from "./plan.js"
import { liveChildren } from "./registry.js"
import { addUsage, type Attempt, type CheckedEvidence, type FinalStatus, type MissionState, type TaskState, type Usage } from "./state.js"
import type { MissionStore } from "./store.js"

/**
 * Every way a mission's state moves, by name. The async transitions append
 * their events and save the state (atomically) in one step; the others change
 * only what the next saving transition writes.
 */

type Event = readonly [event: string, data: Record<string, unknown>]

/** The mission starts running in this process (`mission_started`, or `mission_resumed` after a crash or restart). */
export async function recordStart(m: Mission, event: "mission_started" | "mission_resumed"): Promise<void> {
  await save(m, [[event, { mission: m.state.mission }]])
}

/** Continuing after a crash: tasks that were running wait to run again, and the new commander session runs the mission. */
export function prepareResume(state: MissionState, commanderSession: string): void {
  state.liveSessions = []
  requeueRunning(state)
  state.commanderSession = commanderSession
}

/** The planner's plan (or a re-plan's new tasks) becomes the mission's. */
export async function acceptPlan(m: Mission, plan: PlanSpec, event: "plan_accepted" | "replan_accepted"): Promise<void> {
  const { tasks, ...rest } = plan
  if (!m.state.plan) m.state.plan = rest
  else m.state.plan.verify = [...(m.state.plan.verify ?? []), ...(rest.verify ?? [])]
  for (const spec of tasks) m.state.tasks.push({ spec, status: "pending", attempts: [] })
  await save(m, [[event, { tasks: tasks.map((t) => t.id) }]])
}

/** The planner stopped to ask: its questions and summary, for the report (the mission then ends in `needs_user`). */
export function askUser(m: Mission, plan: PlanSpec): void {
  m.state.questions = plan.questions ?? []
  m.state.plan = { summary: plan.summary, decisions: plan.decisions }
}

/** Tasks run (again) in rounds. */
export function runTasks(m: Mission): void {
  m.state.status = "running"
}

export function nextRound(m: Mission): void {
  m.state.round += 1
}

/** The round's tasks are running; the memory has the plan as it stands. */
export async function startRound(m: Mission, tasks: readonly TaskState[]): Promise<void> {
  for (const task of tasks) task.status = "running"
  await save(m, [["round_started", { round: m.state.round, tasks: tasks.map((t) => t.spec.id) }]])
  rememberPlan(m.state)
}

/** Tasks that did not get through the round (stopped, or not started) wait for the next one; no attempt is spent. */
export function requeue(tasks: readonly TaskState[]): void {
  for (const task of tasks) task.status = "pending"
}

/** An attempt's outcome, as the round recorded it. */
export type AttemptResult = Omit<Attempt, "attempt" | "round">

/** The round's attempts, in the state and the memory: an event each, one save. */
export async function recordAttempts(m: Mission, results: readonly (readonly [TaskState, AttemptResult])[]): Promise<void> {
  if (results.length === 0) return
  await save(
    m,
    results.map(([task, result]) => finishAttempt(m, task, result)),
  )
}

/** Records the attempt in the state and the memory; returns its event. */
function finishAttempt(m: Mission, task: TaskState, result: AttemptResult): Event {
  const attempt: Attempt = { attempt: task.attempts.length + 1, round: m.state.round, ...result }
  task.attempts.push(attempt)
  if (result.outcome === "passed") task.status = "passed"
  else task.status = task.attempts.length >= m.deps.options.maxAttempts ? "failed" : "pending"
  rememberAttempt(m.state, task, attempt)
  return ["attempt_finished", { task: task.spec.id, attempt: attempt.attempt, outcome: result.outcome, status: task.status }]
}

/** Every task passed: the mission's own checks and the final review come next. */
export function startMasterReview(m: Mission): void {
  m.state.status = "master_review"
  m.state.missionVerify = []
}

/** The mission's verify commands ran on the integrated tree. */
export async function recordMissionVerify(m: Mission, results: CheckedEvidence[], failures: number): Promise<void> {
  m.state.missionVerify = results
  await save(m, [["mission_verify", { failures }]])
}

/** The final reviewer's verdict on the whole mission. */
export async function recordMasterReview(m: Mission, review: NonNullable<MissionState["masterReview"]>): Promise<void> {
  m.state.masterReview = review
  await save(m, [["master_review", { verdict: review.verdict }]])
}

/** The final review failed: the planner is asked once more. */
export function startReplan(m: Mission): void {
  m.state.replans += 1
  m.state.status = "planning"
}

/** The dependency manifests the mission changed: the report tells the user to install. */
export function recordDependencyChanges(m: Mission, changed: string[]): void {
  if (changed.length) m.state.dependencyChanges = changed
}

/** Where the integrated result went, and the files that need the user's eye. */
export function recordSeal(m: Mission, result: SealOutcome): void {
  m.state.result = result
}

/** A line for the report (a gate skipped, a server used); each line once. */
export function note(m: Mission, line: string): void {
  if (!m.state.notes.includes(line)) m.state.notes.push(line)
}

/** What a child session spent since it was last booked. */
export function bookUsage(m: Mission, delta: Usage): void {
  addUsage(m.state.usage, delta)
}

/** The mission ends in one of the five final states; running tasks go back to pending. */
export async function end(m: Mission, status: FinalStatus, reason: string): Promise<void> {
  endState(m.state, status, reason)
  await save(m, [["mission_ended", { status, reason }]])
}

/** `/task --cancel` of a mission that no process runs (it was interrupted). */
export async function cancelInterrupted(state: MissionState, store: MissionStore, reason: string): Promise<void> {
  endState(state, "cancelled", reason)
  await store.event("mission_ended", { status: "cancelled", reason: state.reason })
  await store.save(state)
}

function endState(state: MissionState, status: FinalStatus, reason: string): void {
  state.status = status
  if (reason) state.reason = reason
  state.endedAt = new Date().toISOString()
  requeueRunning(state)
}

/** Appends the events (one write), then saves the state once (atomically), with the children in flight from the registry. */
async function save(m: Mission, events: readonly Event[]): Promise<void> {
  await m.store.events(events)
  // The children in flight, for a resume after a crash to abort: written from the registry, never kept by hand.
  m.state.liveSessions = liveChildren(m.state.id)
  await m.store.save(m.state)
  touchLive(m)
}

/** Tasks that were running when the mission stopped or crashed wait to run again (afresh). */
function requeueRunning(state: MissionState): void {
  for (const task of state.tasks) if (task.status === "running") task.status = "pending"
}
