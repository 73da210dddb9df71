import { fill } from "../templates.js"
import { type CoreMemory, effectiveWeight, type MemoryEntry, relevance } from "./memory.js"
import type { TaskState } from "./state.js"

/** Token counting as the budgets mean it (o200k_base, via gpt-tokenizer). */
export interface Tokenizer {
  count(text: string): number
  /** The longest prefix of `text` within `tokens` tokens. */
  head(text: string, tokens: number): string
}

let loading: Promise<Tokenizer> | undefined

/** Loaded on first use: the encoder's tables take about half a second to load, which plugin start-up should not pay. */
export function tokenizer(): Promise<Tokenizer> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((bpe) => ({
    count: (text: string) => bpe.countTokens(text),
    head: (text: string, tokens: number) => (tokens <= 0 ? "" : bpe.decode(bpe.encode(text).slice(0, tokens))),
  }))
  return loading
}

/** The heading the brief starts with: the first line of prompts/brief-context.md. */
export const CONTEXT_HEADING = fill("brief-context").split("\n")[0]!
/** Bound on the scoring floor: entries scoring below it are noise, even with room left. */
const MIN_SCORE = 0.02

/**
 * The "## Context" section of a work order: the pinned entries always (cut to
 * a fair share when together they exceed the budget; the cut is said), then
 * other entries by weight × relevance while they fit. Never more than `budget`
 * tokens, counted on the rendered text. `exclude` drops entries already given
 * verbatim elsewhere (the previous attempt's feedback).
 */
export function buildBrief(
  memory: CoreMemory | undefined,
  task: TaskState,
  tasks: readonly TaskState[],
  round: number,
  budget: number,
  tok: Tokenizer,
  exclude: ReadonlySet<string> = new Set(),
): string {
  const entries = (memory?.entries ?? []).filter((e) => !exclude.has(e.id))
  if (budget <= 0 || entries.length === 0) return ""
  const head = `${fill("brief-context")}\n`
  const avail = budget - tok.count(head) - 2
  if (avail <= 0) return ""

  const pinned = entries.filter((e) => e.pinned).sort((a, b) => PIN_ORDER[a.kind] - PIN_ORDER[b.kind])
  const pinnedLines = fitPinned(pinned, Math.floor(avail * PINNED_SHARE), tok)
  const lines = [...pinnedLines]
  let used = lines.reduce((n, l) => n + tok.count(l) + 1, 0)

  const scored = entries
    .filter((e) => !e.pinned)
    .map((e) => ({ e, score: effectiveWeight(e, round) * relevance(e, task, tasks) }))
    .filter((s) => s.score >= MIN_SCORE)
    .sort((a, b) => b.score - a.score || b.e.round - a.e.round || a.e.id.localeCompare(b.e.id))
  for (const { e } of scored) {
    const line = `- ${e.text}`
    const cost = tok.count(line) + 1
    if (used + cost > avail) continue
    lines.push(line)
    used += cost
  }

  let text = `${head}\n${lines.join("\n")}`
  // Token counts of parts need not add up exactly; the budget is checked on the whole.
  while (tok.count(text) > budget && lines.length > pinnedLines.length) {
    lines.pop()
    text = `${head}\n${lines.join("\n")}`
  }
  if (tok.count(text) > budget) text = tok.head(text, budget)
  return text
}

/** Pinned entries get this share of the brief at most when they would crowd out everything else. */
const PINNED_SHARE = 0.75
const PIN_ORDER: Record<MemoryEntry["kind"], number> = { plan: 0, decision: 1, mission: 2, outcome: 3, finding: 3, lesson: 3 }
const LABEL: Partial<Record<MemoryEntry["kind"], string>> = { mission: "Mission", plan: "Plan", decision: "Decision" }

/**
 * Every pinned entry, each cut to a fair share when they do not all fit:
 * entries under the share keep their text, the rest split what is left
 * (max-min fairness). A cut entry says so.
 */
function fitPinned(pinned: MemoryEntry[], budget: number, tok: Tokenizer): string[] {
  const render = (e: MemoryEntry) => `- ${LABEL[e.kind] ?? e.kind}: ${e.text}`
  const full = pinned.map((e) => ({ e, line: render(e), cost: tok.count(render(e)) + 1 }))
  const total = full.reduce((n, f) => n + f.cost, 0)
  if (total <= budget) return full.map((f) => f.line)

  let left = budget
  let open = [...full].sort((a, b) => a.cost - b.cost)
  const share = new Map<MemoryEntry, number>()
  while (open.length) {
    const fair = Math.floor(left / open.length)
    const small = open.filter((f) => f.cost <= fair)
    if (!small.length) {
      for (const f of open) share.set(f.e, fair)
      break
    }
    for (const f of small) {
      share.set(f.e, f.cost)
      left -= f.cost
    }
    open = open.filter((f) => !small.includes(f))
  }
  return full.map(({ e, line, cost }) => {
    const room = share.get(e) ?? 0
    if (cost <= room) return line
    const note = ` ${fill(e.kind === "mission" ? "cuts/mission" : "cuts/entry")}`
    const prefix = `- ${LABEL[e.kind] ?? e.kind}: `
    const keep = Math.max(0, room - 1 - tok.count(prefix) - tok.count(note) - 1)
    return `${prefix}${tok.head(e.text, keep).trimEnd()}${note}`
  })
}

/** `text` within `max` tokens; a cut one ends with a marker saying how much was cut. */
export function capTokens(text: string, max: number, tok: Tokenizer): string {
  const total = tok.count(text)
  if (total <= max) return text
  const marker = (dropped: number) => `\n${fill("cuts/feedback", { dropped, limit: max })}`
  const kept = tok.head(text, Math.max(0, max - tok.count(marker(total)) - 2)).trimEnd()
  return `${kept}${marker(total - tok.count(kept))}`
}
