import type { PluginInput, ToolContext } from "@opencode-ai/plugin"

type Client = PluginInput["client"]
type Level = "debug" | "info" | "warn" | "error"

/** What the engine tells the user while it runs: the tool's live title, toasts and log lines. */
export interface Progress {
  title(text: string): void
  toast(message: string, variant?: "info" | "success" | "warning" | "error"): void
  log(level: Level, message: string, extra?: Record<string, unknown>): void
}

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
