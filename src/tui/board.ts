import type { BoardTaskStatus, LiveMission } from "../mission/live-file.js"

/** How a line is coloured; the TUI maps each to a theme colour. */
export type Tone = "title" | "text" | "muted" | "accent" | "success" | "warning" | "error"

export interface BoardLine {
  text: string
  tone: Tone
}

/** The widest status word ("reviewing"): task lines keep their status column aligned. */
const WORD_WIDTH = 9
/** Below this many columns a title is dropped rather than cut to a stub. */
const MIN_TITLE = 4

/**
 * The board, as lines no wider than `width` columns: the mission's status or
 * phase, round and tasks passed; time, tokens and cost; workers running out of
 * the current limit; then one line per task — id, title cut to fit, status
 * word, attempt n/max. Pure: the same mission, width and clock give the same lines.
 */
export function boardLines(live: LiveMission, options: { width: number; now: number }): BoardLine[] {
  const width = Math.max(1, Math.floor(options.width))
  const passed = live.tasks.filter((t) => t.status === "passed").length
  const round = live.round ? ` · round ${live.round}` : ""
  const count = live.tasks.length ? ` · ${passed}/${live.tasks.length} passed` : ""
  const ended = live.endedAt ? Date.parse(live.endedAt) : options.now
  const spent = `${duration(ended - Date.parse(live.startedAt))} · ${tokens(live.usage.inputTokens + live.usage.outputTokens + live.usage.reasoningTokens)} tokens · ${cost(live.usage.cost)}`
  const lines: BoardLine[] = [
    { text: "Mission", tone: "title" },
    { text: `${live.phase}${round}${count}`, tone: statusTone(live.status) },
    { text: spent, tone: "muted" },
  ]
  if (!live.endedAt && live.status === "running") lines.push({ text: `workers ${live.running}/${live.limit}`, tone: "muted" })
  for (const task of live.tasks) lines.push({ text: taskLine(task, width), tone: taskTone(task.status) })
  return lines.map((line) => ({ ...line, text: cut(line.text, width) }))
}

/**
 * The board in one line, for where OpenCode draws no sidebar (a child
 * session's view, a terminal of 120 columns or less): phase, round, tasks
 * passed, time and tokens, then each task's status word, cut to `width`.
 */
export function statusLine(live: LiveMission, options: { width: number; now: number }): BoardLine {
  const passed = live.tasks.filter((t) => t.status === "passed").length
  const ended = live.endedAt ? Date.parse(live.endedAt) : options.now
  const parts = [
    `Mission ${live.phase}${live.round ? ` · round ${live.round}` : ""}`,
    live.tasks.length ? `${passed}/${live.tasks.length} passed` : "",
    `${duration(ended - Date.parse(live.startedAt))} · ${tokens(live.usage.inputTokens + live.usage.outputTokens + live.usage.reasoningTokens)} tokens`,
    live.tasks.map((t) => `${t.id} ${t.status}`).join(", "),
  ]
  return { text: cut(parts.filter(Boolean).join(" · "), Math.max(1, Math.floor(options.width))), tone: statusTone(live.status) }
}

function taskLine(task: LiveMission["tasks"][number], width: number): string {
  // A state.json read without the options knows no maximum: the attempt alone.
  const attempt = task.maxAttempts ? `${task.attempt}/${task.maxAttempts}` : String(task.attempt)
  const tail = `${task.status.padEnd(WORD_WIDTH)} ${attempt}`
  const room = width - columns(task.id) - columns(tail) - 2
  if (room >= MIN_TITLE) return `${task.id} ${pad(cut(task.title, room), room)} ${tail}`
  const short = `${task.id} ${task.status} ${attempt}`
  return columns(short) <= width ? short : `${task.id} ${task.status}`
}

function statusTone(status: LiveMission["status"]): Tone {
  if (status === "sealed") return "success"
  if (status === "needs_user") return "warning"
  if (status === "failed" || status === "cancelled" || status === "budget_exhausted") return "error"
  return "accent"
}

function taskTone(status: BoardTaskStatus): Tone {
  if (status === "passed") return "success"
  if (status === "failed") return "error"
  if (status === "requeued") return "warning"
  if (status === "pending") return "muted"
  return "accent"
}

/** Terminal columns of a string: wide (CJK, emoji) characters take two. */
export function columns(text: string): number {
  let n = 0
  for (const ch of text) n += isWide(ch.codePointAt(0) ?? 0) ? 2 : 1
  return n
}

/** `text` cut to `max` columns, ending in "…" when cut. */
export function cut(text: string, max: number): string {
  if (columns(text) <= max) return text
  if (max <= 0) return ""
  let out = ""
  let used = 0
  for (const ch of text) {
    const w = isWide(ch.codePointAt(0) ?? 0) ? 2 : 1
    if (used + w > max - 1) break
    out += ch
    used += w
  }
  return `${out.trimEnd()}…`
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - columns(text)))
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

export function tokens(n: number): string {
  if (n < 1_000) return String(Math.round(n))
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)}k`
  return `${(n / 1_000_000).toFixed(2)}M`
}

function cost(dollars: number): string {
  return `$${dollars.toFixed(dollars < 1 ? 4 : 2)}`
}
