import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { query } from "../native/index.js"
import { toolDescription } from "../templates.js"
import { native, plural, skippedLines } from "./shared.js"

const LIMIT = 200

export function codeSearchTool(): ToolDefinition {
  return tool({
    description: toolDescription("code_search"),
    args: {
      query: tool.schema.string().min(1).describe("tree-sitter query with at least one @capture"),
      language: tool.schema.string().min(1).describe("typescript, tsx, javascript, python, go, rust or json"),
      files: tool.schema.array(tool.schema.string()).max(500).optional().describe("Only these files (relative paths); default: the whole project"),
    },
    async execute(args, ctx) {
      const report = await native("code_search", () => query(ctx.directory, args.language, args.query, args.files, { limit: LIMIT }))
      const files = new Set(report.captures.map((c) => c.file)).size
      const out = [`${plural(report.captures.length, "capture")} in ${plural(files, "file")} (${report.filesSearched} searched)`]
      for (const c of report.captures) {
        const text = c.text.split("\n", 1)[0] ?? ""
        out.push(`${c.file}:${c.startLine}:${c.startColumn} @${c.name} ${c.kind}: ${text}`)
      }
      if (report.truncated) out.push(`(stopped at ${LIMIT} captures: narrow the query or pass files)`)
      out.push(...skippedLines(report.skipped))
      return out.join("\n")
    },
  })
}
