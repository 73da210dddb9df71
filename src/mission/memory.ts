import type { Attempt, CoreMemory, MemoryEntry, MemoryKind, MissionState, TaskState } from "./state.js"

/**
 * The mission's core memory: what a worker may need to know beyond its own
 * task. Pinned entries (the mission text, the plan's summary and decisions)
 * never fade; everything else starts at a kind's weight and decays by DECAY
 * per round, so last round's findings outrank those of five rounds ago.
 * Lives in the mission state (its schema is in state.ts), so it survives a restart.
 */
export type { CoreMemory, MemoryEntry, MemoryKind } from "./state.js"

/** Per-round decay of an unpinned entry's weight. */
export const DECAY = 0.6
/** Unpinned entries fading below this are forgotten (0.6^9 ≈ 0.01: about nine rounds). */
const FORGET_BELOW = 0.01
/** Most unpinned entries kept, so the state file stays small however long the mission runs. */
const MAX_ENTRIES = 200

const BASE_WEIGHT: Record<MemoryKind, number> = { mission: 1, plan: 1, decision: 1, outcome: 0.7, finding: 1, lesson: 1 }

export function memoryOf(state: MissionState): CoreMemory {
  state.memory ??= { entries: [] }
  return state.memory
}

/** The entry's weight at `round`: pinned ones keep theirs, the rest decay by DECAY per round since recorded. */
export function effectiveWeight(entry: MemoryEntry, round: number): number {
  if (entry.pinned) return entry.weight
  return entry.weight * DECAY ** Math.max(0, round - entry.round)
}

/** Adds an entry, or refreshes the one with the same id (new text, full weight again). Forgets faded entries. */
export function remember(
  memory: CoreMemory,
  round: number,
  entry: { id: string; kind: MemoryKind; text: string; task?: string; files?: readonly string[] },
): void {
  const pinned = entry.kind === "mission" || entry.kind === "plan" || entry.kind === "decision"
  const fresh: MemoryEntry = {
    id: entry.id,
    kind: entry.kind,
    text: entry.text.trim(),
    pinned,
    weight: BASE_WEIGHT[entry.kind],
    round,
    ...(entry.task ? { task: entry.task } : {}),
    files: [...(entry.files ?? [])],
  }
  const at = memory.entries.findIndex((e) => e.id === entry.id)
  if (at >= 0) memory.entries[at] = fresh
  else memory.entries.push(fresh)
  forget(memory, round)
}

function forget(memory: CoreMemory, round: number): void {
  memory.entries = memory.entries.filter((e) => e.pinned || effectiveWeight(e, round) >= FORGET_BELOW)
  const loose = memory.entries.filter((e) => !e.pinned)
  if (loose.length <= MAX_ENTRIES) return
  const keep = new Set(loose.sort((a, b) => effectiveWeight(b, round) - effectiveWeight(a, round)).slice(0, MAX_ENTRIES))
  memory.entries = memory.entries.filter((e) => e.pinned || keep.has(e))
}

/** Records the mission text and the plan (idempotent: called at every round start, so re-plans are picked up). */
export function rememberPlan(state: MissionState): void {
  const memory = memoryOf(state)
  const round = state.round
  const has = (id: string, text: string) => memory.entries.some((e) => e.id === id && e.text === text.trim())
  const put = (id: string, kind: MemoryKind, text: string) => {
    if (text.trim() && !has(id, text)) remember(memory, round, { id, kind, text })
  }
  put("mission", "mission", state.mission)
  if (state.plan) {
    put("plan", "plan", state.plan.summary)
    for (const [i, d] of (state.plan.decisions ?? []).entries()) put(`decision:${i + 1}`, "decision", d)
  }
  // A failed final review is what the re-plan's tasks are about: a finding for all of them.
  if (state.masterReview?.verdict === "fail") {
    const id = `finding:mission:${state.replans}`
    put(id, "finding", `The final review of the whole mission failed: ${state.masterReview.summary}`)
  }
}

/** Records what an attempt taught: a passed task's title and files, or a failed one's findings. */
export function rememberAttempt(state: MissionState, task: TaskState, attempt: Attempt): void {
  const memory = memoryOf(state)
  const { id, title } = task.spec
  const files = attempt.changedFiles.length ? attempt.changedFiles : task.spec.files
  if (attempt.outcome === "passed") {
    // Its earlier rejections are resolved: they would only cost later briefs tokens.
    memory.entries = memory.entries.filter((e) => !(e.task === id && (e.kind === "finding" || e.kind === "lesson")))
    const summary = attempt.feedback.trim() ? ` ${oneParagraph(attempt.feedback, 400)}` : ""
    const tries = attempt.attempt > 1 ? ` after ${attempt.attempt} attempts` : ""
    remember(memory, state.round, {
      id: `outcome:${id}`,
      kind: "outcome",
      task: id,
      files,
      text: `${id} (${title}) is done${tries}; files: ${files.join(", ") || "none"}.${summary}`,
    })
    return
  }
  // Reviewer findings are about the code; gate, conflict and session failures are lessons for whoever works on it next.
  const kind: MemoryKind = attempt.outcome === "review_failed" || attempt.outcome === "evidence_mismatch" ? "finding" : "lesson"
  remember(memory, state.round, {
    id: `${kind}:${id}:${attempt.attempt}`,
    kind,
    task: id,
    files,
    text: `${id} (${title}) attempt ${attempt.attempt} was rejected (${attempt.outcome.replace(/_/g, " ")}): ${oneParagraph(attempt.feedback, 600)}`,
  })
}

/**
 * How much an entry bears on a task: shared files, dependency edges (either
 * way, direct or not), ids and file names mentioned in either text. A small
 * floor keeps other tasks' news eligible when the budget has room.
 */
export function relevance(entry: MemoryEntry, task: TaskState, tasks: readonly TaskState[]): number {
  const spec = task.spec
  let score = 0.1
  if (entry.task === spec.id) score += 1.5
  const shared = entry.files.filter((f) => spec.files.includes(f)).length
  if (shared) score += 1.25 + Math.min(shared, 3) * 0.25
  else if (entry.files.some((f) => spec.files.some((g) => dirOf(f) !== "" && dirOf(f) === dirOf(g)))) score += 0.25
  if (entry.task && entry.task !== spec.id) {
    if (spec.dependsOn.includes(entry.task)) score += 1
    else if (ancestors(spec.id, tasks).has(entry.task)) score += 0.5
    else if (ancestors(entry.task, tasks).has(spec.id)) score += 0.5
  }
  const taskText = `${spec.title}\n${spec.description}\n${spec.acceptance.join("\n")}`
  if (mentions(entry.text, spec.id) || spec.files.some((f) => mentions(entry.text, basename(f)))) score += 0.5
  if ((entry.task && mentions(taskText, entry.task)) || entry.files.some((f) => mentions(taskText, basename(f)))) score += 0.5
  return score
}

/** Every task `id` depends on, directly or not. */
function ancestors(id: string, tasks: readonly TaskState[]): Set<string> {
  const byId = new Map(tasks.map((t) => [t.spec.id, t]))
  const seen = new Set<string>()
  const stack = [...(byId.get(id)?.spec.dependsOn ?? [])]
  while (stack.length) {
    const next = stack.pop()!
    if (seen.has(next)) continue
    seen.add(next)
    stack.push(...(byId.get(next)?.spec.dependsOn ?? []))
  }
  return seen
}

function mentions(text: string, name: string): boolean {
  if (!name) return false
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}($|[^A-Za-z0-9_])`).test(text)
}

function basename(file: string): string {
  return file.split("/").at(-1) ?? file
}

function dirOf(file: string): string {
  const at = file.lastIndexOf("/")
  return at < 0 ? "" : file.slice(0, at)
}

function oneParagraph(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}
