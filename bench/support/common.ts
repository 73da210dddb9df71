// Shared helpers for the benchmarks: medians, machine load, token counting, result files.
import { mkdirSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { countTokens } from "gpt-tokenizer/encoding/o200k_base"

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
export const RESULTS_DIR = path.join(BENCH_DIR, "results")
export const TOKENIZER = "o200k_base (gpt-tokenizer)"

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits

/** What else the machine was doing: load averages and cores, sampled when called. */
export function machine(): { cores: number; loadavg: number[]; cpu: string; node: string; platform: string } {
  return {
    cores: os.cpus().length,
    loadavg: os.loadavg().map((l) => round(l)),
    cpu: os.cpus()[0]?.model ?? "?",
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
}

export const tokens = (text: string): number => (text ? countTokens(text) : 0)

interface WireMessage {
  role: string
  content: unknown
  tool_calls?: unknown[]
}
interface WireBody {
  messages?: WireMessage[]
  tools?: unknown[]
}

function contentText(content: unknown): string {
  if (content == null) return ""
  if (typeof content === "string") return content
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === "string" ? p.text : "")).join("")
  return JSON.stringify(content)
}

export interface RequestTokens {
  /** Tokens of the system message(s) text. */
  system: number
  /** Tokens of the `tools` array as sent (JSON of names, descriptions and parameter schemas). */
  tools: number
  /** system + tools: the fixed cost paid on every request of this agent. */
  fixed: number
  /** Every message's text + tool calls + tools: the whole prompt of this request. */
  total: number
  toolCount: number
  toolNames: string[]
  /** Tokens of each tool's JSON entry. */
  perTool: Record<string, number>
}

/** Counts a captured chat-completions request body with a real tokenizer. */
export function requestTokens(body: WireBody): RequestTokens {
  const messages = body.messages ?? []
  const system = messages
    .filter((m) => m.role === "system")
    .map((m) => contentText(m.content))
    .join("\n\n")
  const rest = messages
    .filter((m) => m.role !== "system")
    .map((m) => contentText(m.content) + (m.tool_calls ? JSON.stringify(m.tool_calls) : ""))
    .join("\n")
  const toolsJson = body.tools?.length ? JSON.stringify(body.tools) : ""
  const s = tokens(system)
  const t = tokens(toolsJson)
  const names = (body.tools ?? []).map((x) => (x as { function?: { name?: string } }).function?.name ?? "?")
  const perTool = Object.fromEntries((body.tools ?? []).map((x, i) => [names[i]!, tokens(JSON.stringify(x))]))
  return { system: s, tools: t, fixed: s + t, total: s + t + tokens(rest), toolCount: names.length, toolNames: names, perTool }
}

/** Writes bench/results/<name>.json and <name>.md. */
export function writeResults(name: string, data: unknown, markdown: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true })
  writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`)
  writeFileSync(path.join(RESULTS_DIR, `${name}.md`), `${markdown.trimEnd()}\n`)
  console.log(`wrote ${path.relative(process.cwd(), path.join(RESULTS_DIR, name))}.{json,md}`)
}

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n")
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
