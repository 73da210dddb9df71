import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { references } from "../native/index.js"
import { toolDescription } from "../templates.js"
import { native, plural } from "./shared.js"
import { LIMIT, locationLine, subject, symbolArgs, symbolQuery } from "./symbol-args.js"

export function codeReferencesTool(): ToolDefinition {
  return tool({
    description: toolDescription("code_references"),
    args: symbolArgs,
    async execute(args, ctx) {
      const query = symbolQuery("code_references", args)
      const report = await native("code_references", () => references(ctx.directory, query))
      const refs = report.references ?? []
      const total = report.totalReferences ?? refs.length
      const files = new Set(refs.map((r) => r.file)).size
      const out = [`${plural(total, "reference")} to ${subject(report)} in ${plural(files, "file")}`]
      out.push(...refs.map((r) => locationLine(r, false)))
      if (total > refs.length) out.push(`(first ${LIMIT} of ${total})`)
      const defs = report.totalDefinitions
      if (defs === 0) out.push("no definition found (external or built-in?)")
      else {
        out.push(defs === 1 ? "defined at:" : `${defs} definitions of this name (uses are matched by name, not scope):`)
        out.push(...report.definitions.slice(0, 10).map((d) => `  ${locationLine(d, true)}`))
        if (defs > 10) out.push(`  … ${defs - 10} more (code_definition lists them)`)
      }
      return out.join("\n")
    },
  })
}
