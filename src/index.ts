import type { Hooks, Plugin, PluginModule } from "@opencode-ai/plugin"
import { registerAgents } from "./agents.js"
import { parseOptions } from "./config.js"
import type { CodeAnalysis } from "./mission/context.js"
import { checkSyntax, nativeStatus, repoMap } from "./native/index.js"
import { Handoffs } from "./opencode/handoff.js"
import { openCodeSessions } from "./opencode/sessions.js"
import { handoffTools } from "./opencode/tools.js"
import { codeTools } from "./tools/code-tools.js"

const analysis: CodeAnalysis = {
  status() {
    const status = nativeStatus()
    return status.available ? { available: true } : { available: false, reason: status.reason }
  },
  checkSyntax: (root, files) => checkSyntax(root, files),
  repoMap: (root, options) => repoMap(root, options),
}

const server: Plugin = async ({ client }, rawOptions): Promise<Hooks> => {
  const config = parseOptions(rawOptions)
  if (!config.ok) {
    client.app.log({ body: { service: "orchestrator", level: "error", message: config.error } }).catch(() => undefined)
  }
  const handoffs = new Handoffs()
  const commandArguments = new Map<string, string>()
  const code = codeTools()
  const handoff = handoffTools({ client, sessions: openCodeSessions(client), handoffs, config, analysis, commandArguments })

  return {
    tool: { ...handoff, ...code },
    async config(cfg) {
      registerAgents(cfg, { codeTools: Object.keys(code), codeToolsForAllAgents: config.options.codeToolsForAllAgents })
    },
    async "command.execute.before"(input) {
      if (input.command === "task") commandArguments.set(input.sessionID, input.arguments)
    },
  }
}

const plugin: PluginModule = { id: "opencode-orchestrator", server }
export default plugin
