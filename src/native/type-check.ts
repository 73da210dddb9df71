import path from "node:path"
import type { TypeCheck } from "../mission/ports.js"
import { describeSource, groupByServer, type ServerSettings } from "./language-servers.js"
import { idleMs, warmDiagnostics } from "./warm-servers.js"

/**
 * Type errors of `files` (relative to `root`), from one warm language server
 * per server command. `serverRoot` (default `root`) is where that server
 * runs: a directory above several checkouts lets one server check all of
 * them (typescript-language-server finds each file's tsconfig by walking up).
 */
export async function typeErrors(
  root: string,
  files: string[],
  timeoutMs: number,
  servers: ServerSettings = {},
  serverRoot: string = root,
): Promise<TypeCheck> {
  const { groups, missing } = groupByServer(root, files, servers)
  const result: TypeCheck = { errors: [], skipped: missing.map((m) => m.why) }
  const toServer = (file: string) => path.relative(serverRoot, path.resolve(root, file))
  const fromServer = (file: string) => path.relative(root, path.resolve(serverRoot, file))
  for (const { server, files: group } of groups) {
    const report = await warmDiagnostics(serverRoot, group.map(toServer), { command: server.command, timeoutMs, idleMs: idleMs(servers) })
    if (!report.server.started || report.timedOut || report.server.error) {
      result.skipped.push(`${server.name} (from ${describeSource(server.source)}) gave no answer: ${report.server.error ?? "timed out"}`)
      continue
    }
    const used = `${server.name} (from ${describeSource(server.source)}: ${server.command[0]})`
    result.servers ??= []
    if (!result.servers.includes(used)) result.servers.push(used)
    for (const f of report.files) {
      for (const d of f.diagnostics) {
        if (d.severity !== "error") continue
        result.errors.push({ file: fromServer(f.file), line: d.line, column: d.column, message: d.message, ...(d.code ? { code: d.code } : {}) })
      }
    }
  }
  result.skipped = [...new Set(result.skipped)]
  return result
}
