import type { Hooks, Plugin, PluginModule } from "@opencode-ai/plugin"
import { registerAgents } from "./agents.js"
import { parseOptions } from "./config.js"
import { Handoffs } from "./opencode/handoff.js"
import { openCodeSessions } from "./opencode/sessions.js"
import { handoffTools } from "./opencode/tools.js"

const server: Plugin = async ({ client }, rawOptions): Promise<Hooks> => {
  const config = parseOptions(rawOptions)
  if (!config.ok) {
    client.app.log({ body: { service: "orchestrator", level: "error", message: config.error } }).catch(() => undefined)
  }
  const handoffs = new Handoffs()
  const commandArguments = new Map<string, string>()
  const tools = handoffTools({ client, sessions: openCodeSessions(client), handoffs, config, commandArguments })

  return {
    tool: tools,
    async config(cfg) {
      registerAgents(cfg, { codeTools: [], codeToolsForAllAgents: config.options.codeToolsForAllAgents })
    },
    async "command.execute.before"(input) {
      if (input.command === "task") commandArguments.set(input.sessionID, input.arguments)
    },
  }
}

const plugin: PluginModule = { id: "opencode-orchestrator", server }
export default plugin
