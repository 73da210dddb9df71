import { bullets, fill } from "../templates.js"
import { repoRoot } from "../workspace/git.js"
import { InPlaceWorkspace } from "../workspace/in-place.js"
import type { Workspace } from "../workspace/workspace.js"
import { unfinishedOperation, WorktreeWorkspace } from "../workspace/worktrees.js"
import { commit, type EngineDeps, type Mission, runInMission } from "./context.js"
import type { PlanSpec } from "./plan.js"
import { obtainPlan, planRequest } from "./planning.js"
import { renderReport } from "./report.js"
import { review, reviewFeedback } from "./review.js"
import { clip, runRound } from "./round.js"
import { readyTasks } from "./schedule.js"
import { emptyUsage, type FinalStatus, type MissionState, newMissionId, STATE_VERSION } from "./state.js"
import { MissionStore } from "./store.js"

export interface MissionInput {
  mission: string
  directory: string
  commanderSession: string
  signal: AbortSignal
}

export interface MissionResult {
  state: MissionState
  report: string
}

/** Runs a mission from plan to one of the five exit states. Never throws for the model's mistakes. */
export async function runMission(input: MissionInput, deps: EngineDeps): Promise<MissionResult> {
  const root = await repoRoot(input.directory)
  if (root) {
    const busy = await unfinishedOperation(input.directory)
    if (busy) throw new Error(`The repository is in the middle of ${busy}. Finish or abort it (git status shows how), then run the mission again.`)
  }
  const id = newMissionId()
  const store = new MissionStore(input.directory, id)
  const workspace: Workspace = root
    ? await WorktreeWorkspace.open(input.directory, root, id, store.dir)
    : await InPlaceWorkspace.open(input.directory, store.dir, "the directory is not a git repository")
  const state: MissionState = {
    version: STATE_VERSION,
    id,
    mission: input.mission,
    directory: input.directory,
    commanderSession: input.commanderSession,
    status: "planning",
    round: 0,
    replans: 0,
    tasks: [],
    usage: emptyUsage(),
    isolation: { mode: workspace.mode, note: workspace.note },
    missionVerify: [],
    notes: [],
    startedAt: new Date().toISOString(),
  }
  const m: Mission = { deps, state, store, workspace, signal: input.signal }
  await commit(m, "mission_started", { mission: input.mission })
  try {
    await drive(m)
  } catch (error) {
    if (!m.signal.aborted) {
      deps.progress.log("error", "mission crashed", { error: String(error) })
      await finish(m, "failed", `The engine hit an error: ${(error as Error).message}`)
    }
  } finally {
    if (m.signal.aborted && !isDone(state)) await finish(m, "cancelled", "The mission was cancelled by the user.")
    await workspace.dispose()
  }
  return { state, report: renderReport(state, store.todoPath) }
}

function isDone(state: MissionState): boolean {
  return state.endedAt !== undefined
}

async function drive(m: Mission): Promise<void> {
  const { progress, options } = m.deps
  phase(m, "planning")
  const planned = await obtainPlan(m, await planRequest(m), `planner · ${oneLine(m.state.mission)}`)
  if (m.signal.aborted) return
  if ("error" in planned) return finish(m, "failed", `No plan: ${planned.error}.`)
  if (planned.plan.tasks.length === 0) {
    m.state.questions = planned.plan.questions ?? []
    m.state.plan = { summary: planned.plan.summary, decisions: planned.plan.decisions }
    return finish(m, "needs_user", "The planner stopped to ask before doing anything.")
  }
  adoptPlan(m, planned.plan)
  await commit(m, "plan_accepted", { tasks: planned.plan.tasks.map((t) => t.id) })

  for (;;) {
    m.state.status = "running"
    while (m.state.tasks.some((t) => t.status !== "passed")) {
      if (m.signal.aborted) return
      const failed = m.state.tasks.filter((t) => t.status === "failed")
      if (failed.length) {
        const lines = failed.map((t) => `${t.spec.id} (${t.spec.title}) failed ${t.attempts.length} attempts; last: ${oneLine(t.attempts.at(-1)?.feedback ?? "")}`)
        return finish(m, "failed", `Out of attempts:\n${bullets(lines)}`)
      }
      if (m.state.round >= options.maxRounds) {
        return finish(m, "budget_exhausted", `The round budget (maxRounds = ${options.maxRounds}) ran out.`)
      }
      const ready = readyTasks(m.state.tasks)
      if (ready.length === 0) return finish(m, "failed", "No task can run: their dependencies cannot be met.")
      const round = m.workspace.parallelSafe ? ready : ready.slice(0, 1)
      m.state.round += 1
      phase(m, "running")
      await runRound(m, round, options.concurrency, (running) => phase(m, "running", running))
    }
    const verdict = await masterReview(m)
    if (verdict === "pass" || m.signal.aborted) return verdict === "pass" ? seal(m) : undefined
    if (m.state.replans >= 1) return finish(m, "failed", "The final review failed again after a re-plan.")
    const replanned = await replan(m, verdict)
    if ("error" in replanned) return finish(m, "failed", `The final review failed and re-planning did not work: ${replanned.error}.`)
  }
}

function adoptPlan(m: Mission, plan: PlanSpec): void {
  const { tasks, ...rest } = plan
  if (!m.state.plan) m.state.plan = rest
  else m.state.plan.verify = [...(m.state.plan.verify ?? []), ...(rest.verify ?? [])]
  for (const spec of tasks) m.state.tasks.push({ spec, status: "pending", attempts: [] })
}

/** Mission-level verify commands, then a reviewer judges the whole result against the original request. */
async function masterReview(m: Mission): Promise<"pass" | string> {
  const directory = m.workspace.integrationDir
  m.state.status = "master_review"
  phase(m, "master review")
  m.state.missionVerify = []
  const failures: string[] = []
  for (const command of m.state.plan?.verify ?? []) {
    const result = await runInMission(m, command, directory)
    m.state.missionVerify.push({ command, exitCode: result.exitCode, output: result.output })
    if (result.exitCode !== 0) failures.push(`\`${command}\` exited ${result.exitCode}:\n${result.output.trim()}`)
  }
  await commit(m, "mission_verify", { failures: failures.length })
  if (failures.length) return `The mission's verify commands failed:\n\n${failures.join("\n\n")}`
  const request = fill("master-review", {
    mission: m.state.mission,
    summary: m.state.plan?.summary ?? "",
    tasks: bullets(m.state.tasks.map((t) => `${t.spec.id} · ${t.spec.title}`)),
    verify: bullets(m.state.missionVerify.map((v) => `\`${v.command}\` → exit ${v.exitCode}`)),
    diff: clip(await m.workspace.missionDiff()),
  })
  const outcome = await review(m, "mission · reviewer · final review", request, directory)
  if (outcome.kind === "no_verdict") {
    m.state.masterReview = { verdict: "fail", summary: `no verdict: ${outcome.reason}`, evidence: [] }
  } else {
    const passed = outcome.kind === "pass"
    m.state.masterReview = { verdict: passed ? "pass" : "fail", summary: outcome.verdict.summary, evidence: outcome.evidence }
  }
  await commit(m, "master_review", { verdict: m.state.masterReview.verdict })
  return outcome.kind === "pass" ? "pass" : reviewFeedback(outcome)
}

async function replan(m: Mission, findings: string) {
  m.state.replans += 1
  m.state.status = "planning"
  phase(m, "re-planning")
  const request = fill("replan-request", {
    findings,
    existing: bullets(m.state.tasks.map((t) => `${t.spec.id} · ${t.spec.title} (files: ${t.spec.files.join(", ") || "—"})`)),
  })
  const planned = await obtainPlan(m, request, `planner · re-plan · ${oneLine(m.state.mission)}`)
  if ("error" in planned) return planned
  if (planned.plan.tasks.length === 0) return { error: "the re-plan added no tasks" }
  adoptPlan(m, planned.plan)
  await commit(m, "replan_accepted", { tasks: planned.plan.tasks.map((t) => t.id) })
  return planned
}

async function seal(m: Mission): Promise<void> {
  const result = await m.workspace.seal(m.deps.options.result)
  m.state.result = result
  const warning = result.conflicts.length
    ? `Sealed with a warning: you changed some of the same lines during the mission; these files have conflict markers (binary ones were left as you had them): ${result.conflicts.join(", ")}.`
    : ""
  await finish(m, "sealed", warning)
}

async function finish(m: Mission, status: FinalStatus, reason: string): Promise<void> {
  m.state.status = status
  if (status !== "sealed" && status !== "needs_user" && m.state.tasks.some((t) => t.status === "passed")) {
    reason = [reason, `${capitalize(m.workspace.keptResult())}.`].filter(Boolean).join("\n\n")
  }
  if (reason) m.state.reason = reason
  m.state.endedAt = new Date().toISOString()
  for (const task of m.state.tasks) if (task.status === "running") task.status = "pending"
  await commit(m, "mission_ended", { status, reason })
  const done = m.state.tasks.filter((t) => t.status === "passed").length
  m.deps.progress.title(`mission ${status} · ${done}/${m.state.tasks.length} tasks`)
  m.deps.progress.toast(`Mission ${status}`, status === "sealed" ? "success" : status === "needs_user" ? "warning" : "error")
}

/** Updates the live title (and toasts on a phase change). */
function phase(m: Mission, name: string, running = 0): void {
  const done = m.state.tasks.filter((t) => t.status === "passed").length
  const total = m.state.tasks.length
  const round = m.state.round ? ` · round ${m.state.round}` : ""
  const workers = running ? ` · ${running} running` : ""
  m.deps.progress.title(`${name}${round} · ${done}/${total} tasks${workers}`)
  const key = `${name}${round}`
  if (m.lastPhase !== key) {
    m.lastPhase = key
    m.deps.progress.toast(key)
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function oneLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? ""
  return line.length > 60 ? `${line.slice(0, 59)}…` : line
}
