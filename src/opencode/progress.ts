import type { PluginInput, ToolContext } from "@opencode-ai/plugin"
import type { Progress } from "../mission/ports.js"

type Client = PluginInput["client"]

/** The `Progress` port: the orchestrate tool's title, OpenCode's toasts and log. */
export function openCodeProgress(client: Client, ctx: Pick<ToolContext, "metadata">): Progress {
  return {
    title(text) {
      ctx.metadata({ title: text })
    },
    toast(message, variant = "info") {
      // No TUI under `opencode run`: a failed toast is not an error.
      client.tui.showToast({ body: { title: "Orchestrator", message, variant } }).catch(() => undefined)
    },
    log(level, message, extra) {
      client.app.log({ body: { service: "orchestrator", level, message, extra } }).catch(() => undefined)
    },
  }
}
