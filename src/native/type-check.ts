import type { TypeCheck } from "../mission/context.js"
import { type LanguageServer, type ServerSettings, serverFor } from "./language-servers.js"
import { diagnostics } from "./index.js"

/** Type errors of `files` (relative to `root`), one language-server session per server needed. */
export async function typeErrors(root: string, files: string[], timeoutMs: number, servers: ServerSettings = {}): Promise<TypeCheck> {
  const result: TypeCheck = { errors: [], skipped: [] }
  const groups = new Map<string, { server: LanguageServer; files: string[] }>()
  for (const file of files) {
    const found = serverFor(root, file, servers)
    if ("missing" in found) {
      result.skipped.push(found.missing)
      continue
    }
    const key = found.command.join("\0")
    const group = groups.get(key) ?? { server: found, files: [] }
    group.files.push(file)
    groups.set(key, group)
  }
  for (const { server, files: group } of groups.values()) {
    const report = await diagnostics(root, group, { command: server.command, timeoutMs, settleMs: 500 })
    if (!report.server.started || report.timedOut) {
      result.skipped.push(`${server.name} gave no answer: ${report.server.error ?? "timed out"}`)
      continue
    }
    for (const f of report.files) {
      for (const d of f.diagnostics) {
        if (d.severity !== "error") continue
        result.errors.push({ file: f.file, line: d.line, column: d.column, message: d.message, ...(d.code ? { code: d.code } : {}) })
      }
    }
  }
  result.skipped = [...new Set(result.skipped)]
  return result
}
