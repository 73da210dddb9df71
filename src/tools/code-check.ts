import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { checkSyntax } from "../native/index.js"
import { toolDescription } from "../templates.js"
import { native, plural, skippedLines } from "./shared.js"

export function codeCheckTool(): ToolDefinition {
  return tool({
    description: toolDescription("code_check"),
    args: {
      files: tool.schema.array(tool.schema.string()).min(1).max(500).describe("File paths relative to the project directory"),
    },
    async execute(args, ctx) {
      const report = await native("code_check", () => checkSyntax(ctx.directory, args.files))
      const bad = report.files.filter((f) => !f.ok)
      const out = [
        bad.length === 0
          ? `No syntax errors in ${plural(report.files.length, "file")}.`
          : `Syntax errors in ${bad.length} of ${plural(report.files.length, "file")}:`,
      ]
      for (const file of bad) {
        for (const e of file.errors) out.push(`${file.file}:${e.line}:${e.column}: ${e.message} | ${e.context}`)
        if (file.truncated) out.push(`${file.file}: more errors not shown`)
      }
      out.push(...skippedLines(report.skipped))
      return out.join("\n")
    },
  })
}
