import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { groupByServer, type ServerSettings } from "../native/language-servers.js"
import { idleMs, warmDiagnostics } from "../native/warm-servers.js"
import { toolDescription } from "../templates.js"
import { native, plural } from "./shared.js"

/** Limit of a server's start, and again of one check: a cold tsserver on a large project is slow. */
const TIMEOUT_MS = 60_000

export function codeDiagnosticsTool(servers: ServerSettings = {}): ToolDefinition {
  return tool({
    description: toolDescription("code_diagnostics"),
    args: {
      files: tool.schema.array(tool.schema.string()).min(1).max(100).describe("File paths relative to the project directory"),
    },
    async execute(args, ctx) {
      const { groups, missing } = groupByServer(ctx.directory, args.files, servers)
      const out: string[] = []
      const notes = missing.map((m) => `${m.file}: ${m.why}`)
      let checked = 0
      let problems = 0
      for (const { server, files } of groups) {
        const report = await native("code_diagnostics", () =>
          warmDiagnostics(ctx.directory, files, { command: server.command, timeoutMs: TIMEOUT_MS, idleMs: idleMs(servers) }),
        )
        if (report.server.error) notes.push(`${server.name}: ${report.server.error}`)
        for (const file of report.files) {
          if (!file.reported) {
            notes.push(`${file.file}: no diagnostics reported by ${server.name}`)
            continue
          }
          checked++
          for (const d of file.diagnostics) {
            problems++
            const tag = [d.source, d.code].filter(Boolean).join(" ")
            out.push(`${file.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${tag ? ` [${tag}]` : ""}`)
          }
        }
      }
      const head = problems === 0 ? `No diagnostics in ${plural(checked, "file")}.` : `${plural(problems, "diagnostic")} in ${plural(checked, "checked file")}:`
      return [head, ...out, ...notes].join("\n")
    },
  })
}
