import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { afterEach } from "vitest"
import { loadConfig, type OptionsResult } from "../../src/config.js"
import type { PlanSpec, TaskSpec } from "../../src/mission/plan.js"
import { type Attempt, emptyUsage, type MissionState, STATE_VERSION, type TaskState } from "../../src/mission/state.js"
import { repositoryDir } from "../../src/workspace/checkout-pool.js"

const made: string[] = []

/** A fresh temp directory, removed after the test. */
/** Plugin options alone, read as the plugin reads them (loadConfig, with no project or global file). */
export function pluginOptions(raw: unknown): OptionsResult {
  return loadConfig({ pluginOptions: raw, home: path.join(tmpdir(), "orch-unit-no-home"), env: {} })
}

export function tempDir(prefix = "orch-unit-"): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)))
  made.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.com",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
}

export function sh(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" })
}

/** A temp git repository with one commit (README.md). */
export function gitRepo(files: Record<string, string> = { "README.md": "# demo\n" }): string {
  const dir = tempDir("orch-repo-")
  sh(dir, "init", "-q", "-b", "main")
  sh(dir, "config", "core.autocrlf", "false")
  writeFiles(dir, files)
  sh(dir, "add", "-A")
  sh(dir, "commit", "-q", "-m", "init")
  return dir
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
  }
}

export function task(id: string, over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    id,
    title: `Task ${id}`,
    description: `Do ${id}`,
    files: [`${id.toLowerCase()}.txt`],
    dependsOn: [],
    acceptance: [`${id} is done`],
    ...over,
  }
}

export function plan(tasks: TaskSpec[], over: Partial<PlanSpec> = {}): PlanSpec {
  return { summary: "A plan.", tasks, ...over }
}

export function taskState(spec: TaskSpec, status: TaskState["status"] = "pending"): TaskState {
  return { spec, status, attempts: [] }
}

/** One attempt of a task with the given outcome and nothing else to say. */
export function attempt(outcome: Attempt["outcome"], over: Partial<Attempt> = {}): Attempt {
  return { attempt: 1, round: 1, outcome, feedback: "", changedFiles: [], evidence: [], sessions: [], ...over }
}

export function missionState(over: Partial<MissionState> = {}): MissionState {
  return {
    version: STATE_VERSION,
    id: "m-20250101-000000-abcd",
    mission: "Build the thing\nwith details",
    directory: "/tmp/project",
    commanderSession: "ses_commander",
    status: "running",
    round: 0,
    replans: 0,
    tasks: [],
    usage: emptyUsage(),
    isolation: { mode: "in-place", note: "tasks ran in the project directory" },
    missionVerify: [],
    notes: [],
    liveSessions: [],
    refused: [],
    startedAt: "2025-01-01T00:00:00.000Z",
    ...over,
  }
}

/** Runs git and returns its exit code and output instead of throwing on a non-zero exit. */
export function shTry(cwd: string, ...args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) }
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string }
    return { code: e.status ?? -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` }
  }
}

/** What the user sees of their repository: index bytes, HEAD, branch and status (read without refreshing the index). */
export function userGitState(dir: string): { index: string; head: string; branch: string; status: string } {
  const gitDir = path.join(dir, ".git")
  let index = "(none)"
  try {
    index = createHash("sha256")
      .update(readFileSync(path.join(gitDir, "index")))
      .digest("hex")
  } catch {}
  return {
    index,
    head: readFileSync(path.join(gitDir, "HEAD"), "utf8"),
    branch: shTry(dir, "symbolic-ref", "-q", "HEAD").out,
    status: sh(dir, "--no-optional-locks", "status", "--porcelain=v2", "--branch", "--untracked-files=all"),
  }
}

/** Every file under `dir` (but .git and the orchestrator's own state) with a digest of its bytes. */
export function treeDigest(dir: string, skip: readonly string[] = [".git", ".opencode"]): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name
      if (skip.includes(name)) continue
      if (entry.isDirectory()) walk(name)
      else
        out[name] = createHash("sha256")
          .update(readFileSync(path.join(dir, name)))
          .digest("hex")
    }
  }
  walk("")
  return out
}

/** Where WorktreeWorkspace puts a mission's worktrees for the repository at `root`. */
export function worktreeRootOf(root: string, missionId: string): string {
  return path.join(repositoryDir(root), missionId)
}

/** The worktrees git knows of (stale ones included), by path. */
export function worktreeList(dir: string): string[] {
  return sh(dir, "worktree", "list", "--porcelain")
    .split("\n")
    .filter((l) => l.startsWith("worktree "))
    .map((l) => l.slice("worktree ".length))
}

/** Refs the orchestrator made: refs/orchestrator/** and branches orchestrator/**. */
export function orchestratorRefs(dir: string): string[] {
  return sh(dir, "for-each-ref", "--format=%(refname)", "refs/orchestrator/", "refs/heads/orchestrator/").split("\n").filter(Boolean)
}

/** Polls `check` every 20 ms until it holds or `ms` pass; returns its last answer. */
export async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return check()
}

/** An executable stub named `name` in `dir` (made if missing), for lookups on a PATH. */
export function fakeBinary(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, name)
  writeFileSync(file, "#!/bin/sh\n")
  chmodSync(file, 0o755)
  return file
}
