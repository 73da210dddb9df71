import { existsSync } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import path from "node:path"
import { bullets, fill } from "../templates.js"
import { repoRoot } from "../workspace/git.js"
import { InPlaceWorkspace } from "../workspace/in-place.js"
import type { Workspace } from "../workspace/workspace.js"
import type { Options } from "../config.js"
import { checkWorktreeInclude } from "../workspace/bootstrap.js"
import { sandboxAvailable } from "../workspace/sandbox.js"
import { type CheckoutSettings, CheckoutSetupError, unfinishedOperation, WorktreeWorkspace } from "../workspace/worktrees.js"
import { tokenizer } from "./brief.js"
import { exceededBudget } from "./budget.js"
import { runCheck, runInCheckout } from "./checks.js"
import type { Mission } from "./context.js"
import type { EngineDeps } from "./ports.js"
import { Aimd } from "./concurrency.js"
import { touchLive } from "./live-file.js"
import { acquireLock } from "./lock.js"
import { obtainPlan, planRequest } from "./planning.js"
import { renderReport } from "./report.js"
import { indent, review, reviewFeedback, voided } from "./review.js"
import { clip, runRound } from "./round.js"
import { closeMission, closeServersOf, isRunning, openMission } from "./registry.js"
import { readyTasks } from "./schedule.js"
import { type CheckedEvidence, emptyUsage, type FinalStatus, isFinal, type MissionState, newMissionId, STATE_VERSION } from "./state.js"
import { listMissions, MissionStore } from "./store.js"
import {
  acceptPlan,
  askUser,
  end,
  nextRound,
  prepareResume,
  recordDependencyChanges,
  recordMasterReview,
  recordMissionVerify,
  recordSeal,
  recordStart,
  runTasks,
  startMasterReview,
  startReplan,
} from "./transitions.js"

export interface MissionInput {
  mission: string
  directory: string
  commanderSession: string
  signal: AbortSignal
}

export interface ResumeInput {
  /** A mission id, or "latest": the most recent unfinished mission of the project. */
  resume: string
  directory: string
  commanderSession: string
  signal: AbortSignal
}

export interface MissionResult {
  state: MissionState
  report: string
}

/** Starts a mission and runs it from plan to one of the five exit states. Never throws for the model's mistakes. */
export async function runMission(input: MissionInput, deps: EngineDeps): Promise<MissionResult> {
  const sandbox = sandboxNote(deps.options)
  const root = await refuseUnfinishedGitOperation(input.directory)
  if (root) checkWorktreeInclude(root)
  const id = newMissionId()
  const store = new MissionStore(input.directory, id)
  await mkdir(store.dir, { recursive: true })
  const release = await acquireLock(store.dir, id)
  try {
    const refused: MissionState["refused"] = []
    const workspace: Workspace = root
      ? await WorktreeWorkspace.open(input.directory, root, id, store.dir, checkoutSettings(deps, store, refused, input.signal))
      : await InPlaceWorkspace.open(input.directory, store.dir, "the directory is not a git repository", { network: deps.options.sandbox.network, refused })
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
      notes: sandbox ? [sandbox] : [],
      refused,
      liveSessions: [],
      startedAt: new Date().toISOString(),
    }
    return await execute(deps, state, store, workspace, input.signal, "mission_started")
  } finally {
    await release()
  }
}

/**
 * Continues a mission after a crash or restart: passed tasks stay passed,
 * tasks that were running start again from a fresh worktree, and child
 * sessions left running by the crashed process are aborted.
 */
export async function resumeMission(input: ResumeInput, deps: EngineDeps): Promise<MissionResult> {
  const id = input.resume === "latest" ? await latestUnfinished(input.directory) : input.resume
  if (!id) throw new Error(fill("replies/resume-none"))
  if (isRunning(id)) throw new Error(fill("replies/resume-running", { id }))
  const store = new MissionStore(input.directory, id)
  const state = await store.load()
  if (isFinal(state.status)) throw new Error(fill("replies/resume-ended", { id, status: state.status }))
  sandboxNote(deps.options)
  const root = await refuseUnfinishedGitOperation(input.directory)
  const release = await acquireLock(store.dir, id)
  try {
    for (const session of state.liveSessions) await deps.sessions.abort(session, state.directory)
    const orphans = state.liveSessions
    prepareResume(state, input.commanderSession)
    const workspace: Workspace =
      root && state.isolation.mode === "worktree"
        ? await WorktreeWorkspace.reopen(input.directory, root, id, checkoutSettings(deps, store, state.refused, input.signal))
        : await InPlaceWorkspace.open(input.directory, store.dir, "the directory is not a git repository", {
            network: deps.options.sandbox.network,
            refused: state.refused,
          })
    await store.event("orphans_aborted", { sessions: orphans })
    return await execute(deps, state, store, workspace, input.signal, "mission_resumed")
  } finally {
    await release()
  }
}

/** The report's line when commands run unconfined; throws when the configuration requires a sandbox this machine lacks. */
function sandboxNote(options: Options): string | undefined {
  const sandbox = sandboxAvailable()
  if (sandbox.ok) return undefined
  if (options.sandbox.required) {
    throw new Error(fill("replies/sandbox-required", { reason: sandbox.reason }))
  }
  return `sandbox off: ${sandbox.reason}; model-written commands ran unconfined`
}

/** How the mission's checkouts are bootstrapped, and how commands run in them. */
function checkoutSettings(deps: EngineDeps, store: MissionStore, refused: MissionState["refused"], signal: AbortSignal): Partial<CheckoutSettings> {
  const { options } = deps
  const timeoutMs = options.checkout.timeoutSec * 1000
  return {
    slots: options.concurrency,
    dependencies: options.checkout.dependencies,
    ...(options.checkout.setup ? { setup: options.checkout.setup } : {}),
    ...(options.checkout.install ? { install: options.checkout.install } : {}),
    timeoutMs,
    network: options.sandbox.network,
    refused,
    run: (command, cwd) => runInCheckout(command, cwd, { timeoutMs, signal }),
    record: (event, data) => store.event(event, data),
    // OpenCode starts an instance per directory before its first request there: start each slot's while the planner works.
    ready: (directory) => void deps.sessions.warm?.(directory),
    ...(options.checkout.keep ? { pool: { idleDays: options.checkout.idleDays, budgetBytes: options.checkout.diskBudgetGB * 1024 ** 3 } } : {}),
  }
}

async function refuseUnfinishedGitOperation(directory: string): Promise<string | undefined> {
  const root = await repoRoot(directory)
  if (!root) return undefined
  const busy = await unfinishedOperation(directory)
  if (busy) throw new Error(fill("replies/git-busy", { operation: busy }))
  return root
}

/** The newest mission of the project that has not ended. */
export async function latestUnfinished(directory: string): Promise<string | undefined> {
  for (const id of await listMissions(directory)) {
    const state = await new MissionStore(directory, id).load().catch(() => undefined)
    if (state && !isFinal(state.status)) return id
  }
  return undefined
}

async function execute(
  deps: EngineDeps,
  state: MissionState,
  store: MissionStore,
  workspace: Workspace,
  external: AbortSignal,
  event: "mission_started" | "mission_resumed",
): Promise<MissionResult> {
  const internal = new AbortController()
  const m: Mission = {
    deps,
    state,
    store,
    workspace,
    signal: AbortSignal.any([external, internal.signal]),
    booked: new Map(),
    checks: new Map(),
    aimd: new Aimd(deps.options.concurrencyInitial ?? deps.options.concurrency, deps.options.concurrency, ({ from, to, cause }) =>
      deps.progress.log(to < from ? "warn" : "info", `concurrency ${from} → ${to}`, { mission: state.id, from, to, cause }),
    ),
    stop(status, reason) {
      m.stopped ??= { status, reason }
      internal.abort()
    },
  }
  openMission(state, {
    handoffs: deps.handoffs,
    cancel: () => internal.abort(),
    // Kept checkouts keep their language servers for the next mission; they close when idle (languageServers.idleSec).
    closeServers: async () => (workspace.keepsCheckouts ? undefined : deps.analysis.closeServers?.(workspace.checkoutRoot)),
  })
  // The work orders' token counter loads (about 0.3 s of one core) while the planner thinks, not when the first round starts.
  void tokenizer().catch(() => undefined)
  const cancelWatch = setInterval(() => {
    if (existsSync(path.join(store.dir, CANCEL_REQUEST))) internal.abort()
  }, 1_000)
  await recordStart(m, event)
  try {
    await drive(m)
  } catch (error) {
    if (!m.signal.aborted) {
      deps.progress.log("error", "mission crashed", { error: String(error) })
      await finish(m, "failed", error instanceof CheckoutSetupError ? error.message : `The engine hit an error: ${(error as Error).message}`)
    }
  } finally {
    clearInterval(cancelWatch)
    if (!isDone(state)) {
      if (m.stopped) await finish(m, m.stopped.status, m.stopped.reason)
      else if (m.signal.aborted) await finish(m, "cancelled", "The mission was cancelled.")
    }
    closeMission(state.id)
    await rm(path.join(store.dir, CANCEL_REQUEST), { force: true })
    await workspace.dispose()
  }
  return { state, report: renderReport(state, store.todoPath) }
}

/** The file `/task --cancel` writes into a mission's directory for a process that runs it elsewhere. */
export const CANCEL_REQUEST = "cancel-requested"

function isDone(state: MissionState): boolean {
  return state.endedAt !== undefined
}

async function drive(m: Mission): Promise<void> {
  const { options } = m.deps
  if (!m.state.plan) {
    phase(m, "planning")
    const planned = await obtainPlan(m, await planRequest(m), `planner · ${oneLine(m.state.mission)}`)
    if (m.signal.aborted) return
    if ("error" in planned) return finish(m, "failed", `No plan: ${planned.error}.`)
    if (planned.plan.tasks.length === 0) {
      askUser(m, planned.plan)
      return finish(m, "needs_user", "The planner stopped to ask before doing anything.")
    }
    await acceptPlan(m, planned.plan, "plan_accepted")
  }

  for (;;) {
    runTasks(m)
    while (m.state.tasks.some((t) => t.status !== "passed")) {
      if (m.signal.aborted) return
      const failed = m.state.tasks.filter((t) => t.status === "failed")
      if (failed.length) {
        const lines = failed.map((t) => {
          const last = t.attempts.at(-1)?.feedback ?? ""
          const shown = last.length > 1_500 ? `${last.slice(0, 1_500)}…` : last
          return `${t.spec.id} (${t.spec.title}) failed ${t.attempts.length} attempts. The last findings:\n\n${indent(shown)}`
        })
        return finish(m, "failed", `Out of attempts:\n\n${lines.join("\n\n")}`)
      }
      if (m.state.round >= options.maxRounds) {
        return finish(m, "budget_exhausted", `The round budget (maxRounds = ${options.maxRounds}) ran out.`)
      }
      const budget = exceededBudget(m.state, options)
      if (budget) return finish(m, "budget_exhausted", `The ${budget} budget ran out.`)
      const ready = readyTasks(m.state.tasks)
      if (ready.length === 0) return finish(m, "failed", "No task can run: their dependencies cannot be met.")
      // One checkout per slot: a round takes at most `concurrency` tasks (one without isolation).
      const round = ready.slice(0, m.workspace.parallelSafe ? options.concurrency : 1)
      nextRound(m)
      phase(m, "running")
      await runRound(m, round, (running, limit) => phase(m, "running", running, limit))
    }
    const budget = exceededBudget(m.state, options)
    if (budget) return finish(m, "budget_exhausted", `The ${budget} budget ran out before the final review.`)
    const verdict = await masterReview(m)
    if (verdict === "pass" || m.signal.aborted) return verdict === "pass" ? seal(m) : undefined
    if (m.state.replans >= 1) return finish(m, "failed", "The final review failed again after a re-plan.")
    const replanned = await replan(m, verdict)
    if ("error" in replanned) return finish(m, "failed", `The final review failed and re-planning did not work: ${replanned.error}.`)
  }
}

/**
 * Mission-level verify commands on the integrated tree (after any install its
 * manifests need), then a reviewer judges the whole result against the
 * original request; a verdict given on a tree the reviewer changed is void.
 */
async function masterReview(m: Mission): Promise<"pass" | string> {
  const directory = m.workspace.integrationDir
  startMasterReview(m)
  phase(m, "master review")
  const verified: CheckedEvidence[] = []
  const failures: string[] = []
  const { tree, dependencies } = await m.workspace.integrationCheck()
  if (dependencies.install && dependencies.install.exitCode !== 0) {
    const { command, exitCode, output } = dependencies.install
    failures.push(fill("feedback/mission-install-failed", { command, exitCode, output: output.trim() }))
  }
  for (const command of m.state.plan?.verify ?? []) {
    const result = await runCheck(m, command, directory, tree)
    verified.push({ command, exitCode: result.exitCode, output: result.output })
    if (result.exitCode !== 0) failures.push(fill("feedback/mission-command-failed", { command, exitCode: result.exitCode, output: result.output.trim() }))
  }
  await recordMissionVerify(m, verified, failures.length)
  if (failures.length) return fill("feedback/mission-verify-failed", { failures: failures.join("\n\n") })
  const request = fill("master-review", {
    mission: m.state.mission,
    summary: m.state.plan?.summary ?? "",
    tasks: bullets(m.state.tasks.map((t) => `${t.spec.id} · ${t.spec.title}`)),
    verify: bullets(m.state.missionVerify.map((v) => `\`${v.command}\` → exit ${v.exitCode}`)),
    diff: clip(await m.workspace.missionDiff()),
  })
  let outcome = await review(m, "mission · reviewer · final review", request, directory, tree)
  const changed = await m.workspace.resetIntegration()
  if (changed.length && outcome.kind !== "no_verdict") outcome = voided(outcome.sessionID, changed)
  await recordMasterReview(
    m,
    outcome.kind === "no_verdict"
      ? { verdict: "fail", summary: `no verdict: ${outcome.reason}`, evidence: [] }
      : { verdict: outcome.kind === "pass" ? "pass" : "fail", summary: outcome.verdict.summary, evidence: outcome.evidence },
  )
  return outcome.kind === "pass" ? "pass" : reviewFeedback(outcome)
}

async function replan(m: Mission, findings: string) {
  startReplan(m)
  phase(m, "re-planning")
  const request = fill("replan-request", {
    findings,
    existing: bullets(m.state.tasks.map((t) => `${t.spec.id} · ${t.spec.title} (files: ${t.spec.files.join(", ") || "—"})`)),
  })
  const planned = await obtainPlan(m, request, `planner · re-plan · ${oneLine(m.state.mission)}`)
  if ("error" in planned) return planned
  if (planned.plan.tasks.length === 0) return { error: "the re-plan added no tasks" }
  await acceptPlan(m, planned.plan, "replan_accepted")
  return planned
}

async function seal(m: Mission): Promise<void> {
  recordDependencyChanges(m, await m.workspace.changedDependencies())
  const result = await m.workspace.seal(m.deps.options.result)
  recordSeal(m, result)
  const warning = result.conflicts.length
    ? `Sealed with a warning: you changed some of the same lines during the mission; these files have conflict markers (binary ones were left as you had them): ${result.conflicts.join(", ")}.`
    : ""
  await finish(m, "sealed", warning)
}

async function finish(m: Mission, status: FinalStatus, reason: string): Promise<void> {
  if (status !== "sealed" && status !== "needs_user" && m.state.tasks.some((t) => t.status === "passed")) {
    reason = [reason, `${capitalize(m.workspace.keptResult())}.`].filter(Boolean).join("\n\n")
  }
  await closeServersOf(m.state.id)
  await end(m, status, reason)
  const done = m.state.tasks.filter((t) => t.status === "passed").length
  m.deps.progress.title(`mission ${status} · ${done}/${m.state.tasks.length} tasks`)
  m.deps.progress.toast(`Mission ${status}`, status === "sealed" ? "success" : status === "needs_user" ? "warning" : "error")
}

/** Updates the live title (and toasts on a phase change). */
function phase(m: Mission, name: string, running = 0, limit?: number): void {
  const done = m.state.tasks.filter((t) => t.status === "passed").length
  const total = m.state.tasks.length
  const round = m.state.round ? ` · round ${m.state.round}` : ""
  const workers = running ? ` · ${running} running` : ""
  const cap = limit ? ` · limit ${limit}` : ""
  m.deps.progress.title(`${name}${round} · ${done}/${total} tasks${workers}${cap}`)
  touchLive(m, { phase: name, running, limit })
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
