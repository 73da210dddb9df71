// OpenCode's TUI in a real terminal: tmux on its own socket, driven with send-keys, read with capture-pane.
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach } from "vitest"
import { opencodeBin, opencodeEnv, type OpencodeOptions } from "./opencode.js"

export interface Tui {
  /** The screen as text (no colours). */
  capture(): string
  /** The last screen read (it outlives the tmux session, for a failed test's artifacts). */
  last(): string
  /** The screen with colours (ANSI escapes), for pictures. */
  captureAnsi(): string
  /** tmux key names ("Enter", "Escape", "C-x") or, with `literal`, text typed as is. */
  send(keys: string[] | string, literal?: boolean): void
  /** Polls the screen until `test` holds; throws with the last screen when it does not within `timeoutMs`. */
  waitFor(test: (screen: string) => boolean, timeoutMs: number, what: string): Promise<string>
  /** Resizes the terminal (the TUI redraws for the new size). */
  resize(width: number, height: number): void
  stop(): void
}

const running = new Set<Tui>()

afterEach(() => {
  for (const tui of running) tui.stop()
})

/**
 * Starts `opencode` (the TUI) in the project inside a detached tmux session of
 * `width`×`height`, with the hermetic environment of `opencodeEnv` and the
 * TUI plugins listed in the project's `.opencode/tui.json`.
 */
export function startTui(opts: OpencodeOptions & { tuiPlugins?: string[]; width?: number; height?: number }): Tui {
  const socket = `oc-tui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const env = opencodeEnv(opts)
  if (opts.tuiPlugins) {
    mkdirSync(join(opts.project.dir, ".opencode"), { recursive: true })
    writeFileSync(join(opts.project.dir, ".opencode/tui.json"), JSON.stringify({ plugin: opts.tuiPlugins }, null, 2))
  }
  // tmux hands its first client's environment to the server; a launcher script makes it explicit.
  const launcher = join(opts.project.sandbox.root, `${socket}.sh`)
  const exports = Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join("\n")
  writeFileSync(launcher, `#!/bin/sh\n${exports}\ncd ${shellQuote(opts.project.dir)}\nexec ${shellQuote(opencodeBin())}\n`)
  chmodSync(launcher, 0o755)
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8", env: { ...process.env, TERM: "xterm-256color" } })
  tmux("-f", "/dev/null", "new-session", "-d", "-s", "oc", "-x", String(opts.width ?? 200), "-y", String(opts.height ?? 50), launcher)
  // If OpenCode exits, its last screen (and any crash output) stays readable.
  tmux("set-option", "-t", "oc", "remain-on-exit", "on")
  let stopped = false
  let lastScreen = ""
  const tui: Tui = {
    capture: () => (lastScreen = tmux("capture-pane", "-p", "-t", "oc")),
    last: () => lastScreen,
    captureAnsi: () => tmux("capture-pane", "-p", "-e", "-t", "oc"),
    send(keys, literal = false) {
      const list = Array.isArray(keys) ? keys : [keys]
      tmux("send-keys", "-t", "oc", ...(literal ? ["-l"] : []), ...list)
    },
    resize(width, height) {
      tmux("resize-window", "-t", "oc", "-x", String(width), "-y", String(height))
    },
    async waitFor(test, timeoutMs, what) {
      const until = Date.now() + timeoutMs
      let screen = ""
      for (;;) {
        try {
          screen = tui.capture()
        } catch {
          screen = "(tmux gone)"
        }
        if (test(screen)) return screen
        if (Date.now() > until) throw new Error(`The TUI did not show ${what} within ${timeoutMs} ms. Last screen:\n${screen}`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
    stop() {
      if (stopped) return
      stopped = true
      running.delete(tui)
      try {
        tmux("kill-server")
      } catch {
        // already gone
      }
    },
  }
  running.add(tui)
  return tui
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
