import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { type OutlineSymbol, outline } from "../native/index.js"
import { toolDescription } from "../templates.js"
import { native, skippedLines } from "./shared.js"

function symbolLines(symbols: readonly OutlineSymbol[], depth: number, out: string[]): void {
  for (const s of symbols) {
    const lines = s.startLine === s.endLine ? `${s.startLine}` : `${s.startLine}-${s.endLine}`
    out.push(`${"  ".repeat(depth + 1)}${lines} ${s.exported ? "export " : ""}${s.kind} ${s.name}`)
    symbolLines(s.children ?? [], depth + 1, out)
  }
}

export function codeOutlineTool(): ToolDefinition {
  return tool({
    description: toolDescription("code_outline"),
    args: {
      files: tool.schema.array(tool.schema.string()).min(1).max(200).describe("File paths relative to the project directory"),
    },
    async execute(args, ctx) {
      const report = await native("code_outline", () => outline(ctx.directory, args.files))
      const out: string[] = []
      for (const file of report.files) {
        out.push(file.file)
        if (file.symbols.length === 0) out.push("  (no symbols)")
        symbolLines(file.symbols, 0, out)
      }
      out.push(...skippedLines(report.skipped))
      return out.join("\n")
    },
  })
}
