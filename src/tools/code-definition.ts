import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { definition } from "../native/index.js"
import { toolDescription } from "../templates.js"
import { native, plural } from "./shared.js"
import { LIMIT, locationLine, subject, symbolArgs, symbolQuery } from "./symbol-args.js"

export function codeDefinitionTool(): ToolDefinition {
  return tool({
    description: toolDescription("code_definition"),
    args: symbolArgs,
    async execute(args, ctx) {
      const query = symbolQuery("code_definition", args)
      const report = await native("code_definition", () => definition(ctx.directory, query))
      const n = report.totalDefinitions
      if (n === 0) return `no definition of ${subject(report)} found in ${plural(report.stats.files, "indexed file")}`
      const head =
        n === 1
          ? `1 definition of ${subject(report)}`
          : `${n} candidate definitions of ${subject(report)}, ambiguous (ranked: this file, its imports/importers, the rest)`
      const out = [head, ...report.definitions.map((d) => locationLine(d, true))]
      if (report.truncated) out.push(`(first ${LIMIT} of ${n}: pass file to rank, or a more specific name)`)
      return out.join("\n")
    },
  })
}
