// A scripted stand-in for OpenCode's session API: each child prompt plays its agent's role.
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import type { AgentId } from "../../src/agents.js"
import type { z } from "zod"
import { Options } from "../../src/config.js"
import { type MissionResult, runMission } from "../../src/mission/engine.js"
import type { PlanSpec } from "../../src/mission/plan.js"
import type { ChildTurn, CodeAnalysis, Progress, SessionGate } from "../../src/mission/ports.js"
import { emptyUsage } from "../../src/mission/state.js"
import type { VerdictSpec } from "../../src/mission/verdict.js"
import { Handoffs } from "../../src/opencode/handoff.js"

export interface Call {
  seq: number
  agent: AgentId
  sessionID: string
  title: string
  text: string
  /** Task id of a worker or task reviewer, from the session's title ("T1 · worker · …"); "mission" for the final review. */
  task: string
  startedAt: number
  endedAt?: number
}

export interface Turn {
  call: Call
  /** How many earlier prompts this agent got for the same task (0 for the first). */
  nth: number
  directory: string
  signal: AbortSignal
  handoffs: Handoffs
  submitPlan(plan: PlanSpec): string[]
  submitVerdict(verdict: VerdictSpec): string[]
  write(file: string, content: string): void
}

export type Role = (turn: Turn) => void | string | Promise<void | string>

export type Script = Partial<Record<AgentId, Role>>

export const PASS: VerdictSpec = { verdict: "pass", summary: "Looks right.", issues: [], evidence: [{ command: "true", exitCode: 0 }] }

/** Writes `<id>.txt` with a line that differs on every attempt. */
export const defaultWorker: Role = (t) => t.write(`${t.call.task.toLowerCase()}.txt`, `done ${t.call.task} #${t.nth + 1}\n`)
export const defaultReviewer: Role = (t) => void t.submitVerdict(PASS)

export class FakeSessions implements SessionGate {
  readonly calls: Call[] = []
  readonly created: { id: string; parentID: string; title: string; directory: string }[] = []
  readonly aborted: string[] = []
  private inFlight = new Map<AgentId, number>()
  readonly maxInFlight = new Map<AgentId, number>()
  private seq = 0

  constructor(
    readonly handoffs: Handoffs,
    private readonly script: Script,
  ) {}

  async create(input: { parentID: string; title: string; directory: string }): Promise<string> {
    const id = `ses_${this.created.length + 1}`
    this.created.push({ id, ...input })
    return id
  }

  async prompt(sessionID: string, input: { agent: AgentId; text: string; directory: string; timeoutMs: number; signal: AbortSignal }): Promise<ChildTurn> {
    const title = this.created.find((c) => c.id === sessionID)?.title ?? ""
    // A follow-up prompt in the same session (a retry) belongs to the session's first task.
    const known = this.calls.find((c) => c.sessionID === sessionID)?.task
    const task = known ?? (input.agent === "planner" ? "plan" : taskOfTitle(title))
    const call: Call = { seq: ++this.seq, agent: input.agent, sessionID, title, text: input.text, task, startedAt: Date.now() }
    const nth = this.calls.filter((c) => c.agent === input.agent && c.task === task).length
    this.calls.push(call)
    const n = (this.inFlight.get(input.agent) ?? 0) + 1
    this.inFlight.set(input.agent, n)
    this.maxInFlight.set(input.agent, Math.max(n, this.maxInFlight.get(input.agent) ?? 0))
    const turn: Turn = {
      call,
      nth,
      directory: input.directory,
      signal: input.signal,
      handoffs: this.handoffs,
      submitPlan: (plan) => this.handoffs.submitPlan(sessionID, plan),
      submitVerdict: (verdict) => this.handoffs.submitVerdict(sessionID, verdict),
      write: (file, content) => {
        const full = path.join(input.directory, file)
        mkdirSync(path.dirname(full), { recursive: true })
        writeFileSync(full, content)
      },
    }
    const role = this.script[input.agent] ?? (input.agent === "worker" ? defaultWorker : input.agent === "reviewer" ? defaultReviewer : undefined)
    if (!role) throw new Error(`no script for ${input.agent}`)
    try {
      const error = await role(turn)
      const usage = { ...emptyUsage(), inputTokens: 100, outputTokens: 10, cost: 0.001, sessions: 1 }
      return { sessionID, text: `${input.agent} done`, usage, ...(error ? { error } : {}) }
    } finally {
      call.endedAt = Date.now()
      this.inFlight.set(input.agent, (this.inFlight.get(input.agent) ?? 1) - 1)
    }
  }

  async abort(sessionID: string): Promise<void> {
    this.aborted.push(sessionID)
  }

  async dropAbortedTail(): Promise<boolean> {
    return false
  }

  of(agent: AgentId, task?: string): Call[] {
    return this.calls.filter((c) => c.agent === agent && (task === undefined || c.task === task))
  }
}

/** The task a child session works on, from the title the engine gives it: "T1 · worker · …", "mission · reviewer · …". */
function taskOfTitle(title: string): string {
  const [task, role] = title.split(" · ")
  if (!task || (role !== "worker" && role !== "reviewer")) throw new Error(`no task in the session title "${title}"`)
  return task
}

export const silentProgress = (): Progress & { titles: string[]; toasts: string[] } => {
  const titles: string[] = []
  const toasts: string[] = []
  return {
    titles,
    toasts,
    title: (text) => void titles.push(text),
    toast: (message) => void toasts.push(message),
    log: () => undefined,
  }
}

/** The native addon as absent: the syntax gate is skipped and the planner gets no repo map. */
export const noAnalysis: CodeAnalysis = {
  status: () => ({ available: false, reason: "no native addon in unit tests" }),
  checkSyntax: () => Promise.reject(new Error("unavailable")),
  repoMap: () => Promise.reject(new Error("unavailable")),
  typeErrors: () => Promise.reject(new Error("unavailable")),
}

export interface Run extends MissionResult {
  fake: FakeSessions
  handoffs: Handoffs
}

/** Runs a whole mission in `directory` against the scripted sessions. */
export async function runScripted(
  directory: string,
  script: Script,
  /** Plugin options as a user writes them (defaults filled in by the schema). */
  options: z.input<typeof Options> = {},
  signal: AbortSignal = new AbortController().signal,
  mission = "Build the demo feature.\nWith details on the second line.",
  analysis: CodeAnalysis = noAnalysis,
): Promise<Run> {
  const handoffs = new Handoffs()
  const fake = new FakeSessions(handoffs, script)
  const result = await runMission(
    { mission, directory, commanderSession: "ses_commander", signal },
    { sessions: fake, handoffs, progress: silentProgress(), options: Options.parse({ verifyTimeoutSec: 20, ...options }), analysis },
  )
  return { ...result, fake, handoffs }
}

/** A planner that submits the given plans in turn, one per prompt (the last one repeats). */
export function planner(...plans: PlanSpec[]): Role {
  let i = 0
  return (t) => void t.submitPlan(plans[Math.min(i++, plans.length - 1)]!)
}
