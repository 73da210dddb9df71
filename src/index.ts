import type { Hooks, Plugin, PluginModule } from "@opencode-ai/plugin"
import { registerAgents } from "./agents.js"
import { loadConfig, reportConfigError } from "./config.js"
import { compactionContext } from "./mission/compaction.js"
import { noteMessageUsage } from "./mission/live-file.js"
import { inMission } from "./mission/registry.js"
import { nativeAnalysis } from "./native/code-analysis.js"
import { fileGuard } from "./opencode/file-guard.js"
import { Handoffs } from "./opencode/handoff.js"
import { openCodeSessions } from "./opencode/sessions.js"
import { handoffTools } from "./opencode/tools.js"
import { endTurnOnHandoff } from "./opencode/turn-end.js"
import { codeTools } from "./tools/code-tools.js"
import { shellTool } from "./tools/shell.js"
import { warnIfUnsupported } from "./opencode-version.js"
import { isMissionCheckout } from "./workspace/worktrees.js"

/**
 * One per process, not per plugin instance: OpenCode makes an instance (and
 * calls `server` again) for every directory a child session works in, and a
 * worker's or reviewer's `submit_*` call must reach the engine that waits for it
 * (the missions themselves are in the per-process registry, src/mission/registry.ts).
 */
const handoffs = new Handoffs()

const server: Plugin = async ({ client, directory }, rawOptions): Promise<Hooks> => {
  const config = loadConfig({ directory, pluginOptions: rawOptions })
  if (!config.ok) reportConfigError(client, config.error)
  // Outside the supported OpenCode range: a log line and a toast, once; never a failed start.
  void warnIfUnsupported(client)
  const commandArguments = new Map<string, string>()
  const code = codeTools(config.options.languageServers)
  const analysis = nativeAnalysis(config.options.languageServers)
  const sessions = openCodeSessions(client)
  const handoff = handoffTools({ client, sessions, handoffs, config, analysis, commandArguments })

  return {
    tool: { ...handoff, ...code, shell: shellTool() },
    async config(cfg) {
      registerAgents(cfg, {
        codeTools: Object.keys(code),
        codeToolsForAllAgents: config.options.codeToolsForAllAgents,
        agents: config.options.agents,
      })
      // OpenCode's snapshots (undo) of a checkout the engine commits and removes itself cost a git
      // setup per new checkout and a tree hash per step, before the first model request.
      if (isMissionCheckout(directory)) cfg.snapshot = false
    },
    // A mission's child never waits for a human: whatever would still ask is denied.
    async "permission.ask"(input, output) {
      if (output.status !== "ask" || !inMission(input.sessionID)) return
      output.status = "deny"
      client.app
        .log({ body: { service: "orchestrator", level: "warn", message: `denied "${input.type}" for mission session ${input.sessionID}: ${input.title}` } })
        .catch(() => undefined)
    },
    // A compacted mission session (commander or child) keeps the mission's goal, plan and open tasks.
    async "experimental.session.compacting"(input, output) {
      output.context.push(...compactionContext(input.sessionID))
    },
    // A mission child's tokens as they are spent, for the TUI's board (booked into the state when its turn ends).
    async event({ event }) {
      if (event.type === "message.updated") noteMessageUsage(event.properties.info)
    },
    async "command.execute.before"(input) {
      if (input.command === "task") commandArguments.set(input.sessionID, input.arguments)
    },
    // OpenCode's file tools write only inside a mission session's checkout.
    "tool.execute.before": fileGuard(),
    // A child whose plan or verdict was accepted is stopped before OpenCode asks the model once more.
    "chat.params": endTurnOnHandoff(
      (id, directory) => sessions.abort(id, directory),
      (id, directory) => sessions.dropAbortedTail(id, directory),
    ),
  }
}

const plugin: PluginModule = { id: "opencode-orchestrator", server }
export default plugin
