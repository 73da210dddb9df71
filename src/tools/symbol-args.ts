// Arguments and rendering shared by code_definition and code_references.

import { tool } from "@opencode-ai/plugin"
import type { SymbolLocation, SymbolQuery, SymbolReport } from "../native/index.js"
import { fill } from "../templates.js"

export const LIMIT = 100

export const symbolArgs = {
  symbol: tool.schema.string().min(1).optional().describe("Name, e.g. createUser"),
  file: tool.schema.string().min(1).optional().describe("Path relative to the project"),
  line: tool.schema.number().int().min(1).optional().describe("1-based"),
  column: tool.schema.number().int().min(1).optional().describe("1-based, in bytes"),
}

export interface SymbolArgs {
  symbol?: string | undefined
  file?: string | undefined
  line?: number | undefined
  column?: number | undefined
}

/** The query for the addon, or an error message the model can act on. */
export function symbolQuery(name: string, args: SymbolArgs): SymbolQuery {
  const hasPosition = args.line !== undefined || args.column !== undefined
  if (hasPosition && (args.file === undefined || args.line === undefined || args.column === undefined)) {
    throw new Error(fill("replies/partial-position", { tool: name }))
  }
  if (args.symbol === undefined && !hasPosition) {
    throw new Error(fill("replies/no-symbol", { tool: name }))
  }
  const query: SymbolQuery = { limit: LIMIT }
  if (args.symbol !== undefined) query.symbol = args.symbol
  if (args.file !== undefined) query.file = args.file
  if (args.line !== undefined) query.line = args.line
  if (args.column !== undefined) query.column = args.column
  return query
}

const RANK = ["  (this file)", "  (imports/imported)", ""] as const

export function locationLine(l: SymbolLocation, withKind: boolean): string {
  const kind = withKind ? ` ${l.kind}` : ""
  return `${l.file}:${l.line}:${l.column}${kind}: ${l.context}${RANK[l.rank] ?? ""}`
}

export function subject(report: SymbolReport): string {
  const at = report.at ? ` (at ${report.at.file}:${report.at.line}:${report.at.column})` : ""
  return `\`${report.symbol}\`${at}`
}
