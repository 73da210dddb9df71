import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { repoMapReport } from "../native/index.js"
import { toolDescription } from "../templates.js"
import { native, plural } from "./shared.js"

export const DEFAULT_MAP_TOKENS = 1024

export function codeMapTool(): ToolDefinition {
  return tool({
    description: toolDescription("code_map"),
    args: {
      focus: tool.schema.array(tool.schema.string()).max(50).optional().describe("Files (relative paths) to centre the map on"),
      budgetTokens: tool.schema.number().int().min(128).max(8192).optional().describe(`Size of the map in tokens (default ${DEFAULT_MAP_TOKENS})`),
    },
    async execute(args, ctx) {
      const report = await native("code_map", () =>
        repoMapReport(ctx.directory, { budgetTokens: args.budgetTokens ?? DEFAULT_MAP_TOKENS, focus: args.focus ?? [] }),
      )
      const out: string[] = []
      out.push(report.map.length > 0 ? report.map.trimEnd() : "(no definitions found)")
      out.push(
        `(${report.shown} of ${plural(report.definitions, "definition")} from ${plural(report.files, "file")}, ~${report.tokens} tokens${report.truncated ? "; file limit reached" : ""})`,
      )
      if (report.focusMissing.length > 0) out.push(`focus files not found or not source: ${report.focusMissing.join(", ")}`)
      return out.join("\n")
    },
  })
}
