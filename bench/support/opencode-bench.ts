// Thin wrappers over the e2e harness (test/support) for the benchmarks.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import type { LogEntry, ModelServer } from "../../test/support/model-server.js"
import { PLUGIN_UNDER_TEST, type Project, type RunResult, runOpencode } from "../../test/support/opencode.js"

/**
 * The plugin directory loaded into OpenCode: this repository (built with `npm run build`), or
 * `$BENCH_PLUGIN_DIR` (e.g. a built snapshot of another commit).
 */
export const PLUGIN_DIR = process.env.BENCH_PLUGIN_DIR ? path.resolve(process.env.BENCH_PLUGIN_DIR) : PLUGIN_UNDER_TEST

/** Which code was measured: the plugin dir's git commit and whether its tree had local changes. */
export function revisionOf(dir: string): { dir: string; commit: string; dirty: boolean | null } {
  try {
    const top = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    if (path.resolve(top) !== path.resolve(dir)) throw new Error("not the repository root")
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: dir, encoding: "utf8" }).trim()
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "agents", "prompts"], { cwd: dir, encoding: "utf8" }).trim() !== ""
    return { dir, commit, dirty }
  } catch {
    return { dir, commit: process.env.BENCH_PLUGIN_REV ?? "unknown (not a git checkout)", dirty: null }
  }
}

export const pluginRevision = () => revisionOf(PLUGIN_DIR)

export type Role = "title" | "commander" | "planner" | "reviewer" | "worker"

/** Our roles, told apart by the handoff tool each is offered (as in test/e2e/mission-helpers.ts). */
export function roleOf(e: LogEntry): Role {
  if (e.isTitleRequest) return "title"
  if (e.tools.includes("orchestrate")) return "commander"
  if (e.tools.includes("submit_plan")) return "planner"
  if (e.tools.includes("submit_verdict")) return "reviewer"
  return "worker"
}

export type PluginSpec = string | [string, Record<string, unknown>]

/** `opencode run --command task` with the mission on stdin, as a user's `/task`. */
export function runTask(project: Project, model: ModelServer, mission: string, options?: Record<string, unknown>): Promise<RunResult> {
  return runOpencode({
    project,
    model,
    plugins: [options ? [PLUGIN_DIR, options] : PLUGIN_DIR],
    args: ["run", "--command", "task", "--format", "json", ...(process.env.BENCH_PRINT_LOGS ? ["--print-logs"] : [])],
    stdin: mission,
    timeoutMs: 400_000,
  })
}

export interface Installed {
  spec: string
  name: string
  version: string
  /** Absolute path of the installed package, loadable as a plugin by path. */
  dir: string
}

/** `npm install <spec>` into a cached temp dir (scripts off: they only check binaries or edit the user's config). */
export function npmInstall(spec: string): Installed {
  const root = path.join(os.tmpdir(), "orchestrator-bench-npm", spec.replace(/[^a-zA-Z0-9@._-]/g, "_"))
  const name = spec.startsWith("@") ? `@${spec.slice(1).split("@")[0]}` : spec.split("@")[0]!
  const dir = path.join(root, "node_modules", name)
  if (!existsSync(path.join(dir, "package.json"))) {
    mkdirSync(root, { recursive: true })
    writeFileSync(path.join(root, "package.json"), `${JSON.stringify({ name: "bench-competitor", private: true })}\n`)
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", spec], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 600_000,
      encoding: "utf8",
    })
  }
  const version = (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version
  return { spec, name, version, dir }
}
