import { z } from "zod"
import { PlanSpec, TaskSpec } from "./plan.js"

/** An entry of the mission's core memory (see memory.ts for how entries are weighed, decay and are forgotten). */
export const MemoryKind = z.enum(["mission", "plan", "decision", "outcome", "finding", "lesson"])
export type MemoryKind = z.infer<typeof MemoryKind>

export const MemoryEntry = z.object({
  /** Stable key: re-recording the same thing refreshes it instead of adding a copy. */
  id: z.string(),
  kind: MemoryKind,
  text: z.string(),
  pinned: z.boolean(),
  /** Weight as of `round`; see `effectiveWeight`. */
  weight: z.number(),
  round: z.number().int(),
  /** The task it came from, if any. */
  task: z.string().optional(),
  files: z.array(z.string()),
})
export type MemoryEntry = z.infer<typeof MemoryEntry>

export const CoreMemory = z.object({ entries: z.array(MemoryEntry) })
export type CoreMemory = z.infer<typeof CoreMemory>

/** The exit states every mission ends in; nothing else is final. */
export const FinalStatus = z.enum(["sealed", "failed", "cancelled", "budget_exhausted", "needs_user"])
export type FinalStatus = z.infer<typeof FinalStatus>

export const MissionStatus = z.enum(["planning", "running", "master_review", ...FinalStatus.options])
export type MissionStatus = z.infer<typeof MissionStatus>

export const Evidence = z.object({
  command: z.string(),
  exitCode: z.number().int(),
})
export type Evidence = z.infer<typeof Evidence>

/** An evidence command as the engine re-ran it, beside what the reviewer claimed. */
export const CheckedEvidence = Evidence.extend({
  claimed: z.number().int().optional(),
  output: z.string(),
})
export type CheckedEvidence = z.infer<typeof CheckedEvidence>

export const AttemptOutcome = z.enum([
  "passed",
  "no_change",
  "syntax_failed",
  "type_failed",
  "verify_failed",
  "review_failed",
  "evidence_mismatch",
  "merge_conflict",
  "install_failed",
  "no_verdict",
  "session_error",
])
export type AttemptOutcome = z.infer<typeof AttemptOutcome>

export const Attempt = z.object({
  attempt: z.number().int(),
  round: z.number().int(),
  outcome: AttemptOutcome,
  /** What goes back to the worker verbatim when the attempt failed. */
  feedback: z.string(),
  changedFiles: z.array(z.string()),
  evidence: z.array(CheckedEvidence),
  sessions: z.array(z.string()),
})
export type Attempt = z.infer<typeof Attempt>

export const TaskStatus = z.enum(["pending", "running", "passed", "failed"])
export type TaskStatus = z.infer<typeof TaskStatus>

export const TaskState = z.object({
  spec: TaskSpec,
  status: TaskStatus,
  attempts: z.array(Attempt),
})
export type TaskState = z.infer<typeof TaskState>

export const Usage = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  reasoningTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  cost: z.number(),
  sessions: z.number().int(),
})
export type Usage = z.infer<typeof Usage>

export const STATE_VERSION = 1

export const MissionState = z.object({
  version: z.literal(STATE_VERSION),
  id: z.string(),
  mission: z.string(),
  directory: z.string(),
  commanderSession: z.string(),
  status: MissionStatus,
  round: z.number().int(),
  replans: z.number().int(),
  plan: PlanSpec.omit({ tasks: true }).optional(),
  tasks: z.array(TaskState),
  usage: Usage,
  isolation: z.object({ mode: z.enum(["worktree", "in-place"]), note: z.string() }),
  /** Where the sealed result went, and files that need the user's eye. */
  result: z.object({ summary: z.string(), conflicts: z.array(z.string()) }).optional(),
  /** Checks that could not run (e.g. the syntax gate without the native addon), for the report. */
  notes: z.array(z.string()),
  masterReview: z.object({ verdict: z.enum(["pass", "fail"]), summary: z.string(), evidence: z.array(CheckedEvidence) }).optional(),
  missionVerify: z.array(CheckedEvidence),
  /** Why the mission ended where it did, in one paragraph, for the report. */
  reason: z.string().optional(),
  questions: z.array(z.string()).optional(),
  /** Commands the sandbox refused (best effort, read from their output), for the report. */
  refused: z.array(z.object({ command: z.string(), reason: z.string() })).default([]),
  /** Dependency manifests the mission changed: the user installs after seal. */
  dependencyChanges: z.array(z.string()).optional(),
  /** Child sessions whose turn was in flight at the last write; a resume aborts them. */
  liveSessions: z.array(z.string()).default([]),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** Decaying core memory the workers' briefs are drawn from (absent in state files from before it). */
  memory: CoreMemory.optional(),
})
export type MissionState = z.infer<typeof MissionState>

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cost: 0, sessions: 0 }
}

export function addUsage(total: Usage, more: Usage): void {
  total.inputTokens += more.inputTokens
  total.outputTokens += more.outputTokens
  total.reasoningTokens += more.reasoningTokens
  total.cacheReadTokens += more.cacheReadTokens
  total.cacheWriteTokens += more.cacheWriteTokens
  total.cost += more.cost
  total.sessions += more.sessions
}

export function isFinal(status: MissionStatus): status is FinalStatus {
  return FinalStatus.safeParse(status).success
}

export function newMissionId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)
  return `m-${stamp}-${Math.random().toString(36).slice(2, 6)}`
}
