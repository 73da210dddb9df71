// `shell` for our subagents: a shell with a short schema, in place of OpenCode's
// `bash`, whose description (about 1,250 tokens, mostly on committing and pull
// requests) every request of every agent offered it pays for.

import { type ToolDefinition, tool } from "@opencode-ai/plugin"
import { runInCheckout } from "../mission/checks.js"
import { commandPatterns } from "./command-patterns.js"
import { fill, toolDescription } from "../templates.js"

const DEFAULT_TIMEOUT_SEC = 120
const MAX_TIMEOUT_SEC = 600

export function shellTool(): ToolDefinition {
  return tool({
    description: toolDescription("shell"),
    args: {
      command: tool.schema.string().min(1).max(10_000),
      timeout: tool.schema.number().int().min(1).max(MAX_TIMEOUT_SEC).optional().describe(`Seconds (default ${DEFAULT_TIMEOUT_SEC})`),
    },
    async execute(args, ctx) {
      const patterns = commandPatterns(args.command)
      if (patterns.length === 0) throw new Error(fill("replies/empty-command"))
      // The agent's `shell` rules (e.g. the planner's read-only commands) decide; a denied command throws.
      await ctx.ask({ permission: "shell", patterns, always: patterns, metadata: { command: args.command } })
      ctx.metadata({ title: args.command })
      const timeoutSec = args.timeout ?? DEFAULT_TIMEOUT_SEC
      // In the sandbox of the session's checkout; the planner's (in the user's project) writes nothing.
      const result = await runInCheckout(args.command, ctx.directory, {
        timeoutMs: timeoutSec * 1000,
        signal: ctx.abort,
        readOnly: ctx.agent === "planner",
      })
      const output = result.output.replace(/^\n+|\s+$/g, "")
      return `exit ${result.exitCode}${output ? `\n${output}` : ""}`
    },
  })
}
