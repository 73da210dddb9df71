// Hermetic runner for the real `opencode` binary against the scripted model server.
import { spawn, execFileSync, type ChildProcess } from "node:child_process"
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync, statSync, existsSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { createOpencodeClient, type OpencodeClient } from "@opencode-ai/sdk"
import type { ModelServer } from "./model-server.js"

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const PLUGIN_SDK_DIR = join(REPO_ROOT, "node_modules/@opencode-ai/plugin")

/** `node_modules/.bin/opencode`, or the platform package's binary if the wrapper's postinstall never ran. */
export function opencodeBin(): string {
  const wrapper = join(REPO_ROOT, "node_modules/.bin/opencode")
  if (existsSync(wrapper) && statSync(wrapper).size > 1_000_000) return wrapper
  const platform = join(REPO_ROOT, `node_modules/opencode-${process.platform}-${process.arch}/bin/opencode`)
  return existsSync(platform) ? platform : wrapper
}

// ---------------------------------------------------------------- cleanup

const liveChildren = new Set<ChildProcess>()
const tempDirs = new Set<string>()

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    /* already gone */
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((r) => child.once("exit", () => r()))
}

/** Sends `signal` to the child's process group, SIGKILLs the group after `graceMs`. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
  killGroup(child, signal)
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs)
  await exited(child)
  clearTimeout(timer)
  // The group may outlive its leader (e.g. a shell a tool started).
  killGroup(child, "SIGKILL")
  liveChildren.delete(child)
}

/** Kills every child and removes every temp dir made by this module (after each test: test/support/setup.ts). */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...liveChildren].map((c) => stopChild(c)))
  if (process.env.E2E_KEEP_TMP) for (const dir of tempDirs) console.log(`e2e: kept ${dir}`)
  else for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

process.once("exit", () => {
  for (const c of liveChildren) killGroup(c, "SIGKILL")
})

function track(child: ChildProcess): void {
  liveChildren.add(child)
  child.once("exit", () => liveChildren.delete(child))
}

// ---------------------------------------------------------------- sandbox and project

/**
 * OpenCode runs `npm install @opencode-ai/plugin` (Arborist) in every config dir unless that dir
 * already has `node_modules/` and a `package-lock.json` whose root package lists every dependency
 * of its `package.json` plus `@opencode-ai/plugin`. A symlink to the repo's copy satisfies it and
 * lets local plugins `import { tool } from "@opencode-ai/plugin"`.
 */
export function seedConfigDir(dir: string): void {
  mkdirSync(join(dir, "node_modules/@opencode-ai"), { recursive: true })
  const link = join(dir, "node_modules/@opencode-ai/plugin")
  if (!existsSync(link)) symlinkSync(PLUGIN_SDK_DIR, link, "dir")
  const version = (JSON.parse(readFileSync(join(PLUGIN_SDK_DIR, "package.json"), "utf8")) as { version: string }).version
  const deps = { "@opencode-ai/plugin": version }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies: deps }, null, 2))
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({ name: "opencode-config", lockfileVersion: 3, requires: true, packages: { "": { dependencies: deps } } }, null, 2),
  )
}

export interface Sandbox {
  root: string
  /** HOME, XDG_* and TMPDIR for OpenCode, all inside `root`. */
  dirs: { home: string; config: string; data: string; cache: string; state: string; tmp: string }
}

export function makeSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "oc-e2e-"))
  tempDirs.add(root)
  const dirs = {
    home: join(root, "home"),
    config: join(root, "xdg-config"),
    data: join(root, "xdg-data"),
    cache: join(root, "xdg-cache"),
    state: join(root, "xdg-state"),
    tmp: join(root, "tmp"),
  }
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true })
  seedConfigDir(join(dirs.config, "opencode"))
  return { root, dirs }
}

export interface Project {
  dir: string
  sandbox: Sandbox
  write(relPath: string, content: string): void
  read(relPath: string): string
  exists(relPath: string): boolean
  /** Runs git in the project, returns trimmed stdout. */
  git(...args: string[]): string
}

export interface MakeProjectOptions {
  files?: Record<string, string>
  git?: boolean
  /** Make an initial commit of `files` (needs `git`). Default: true when `git`. */
  commit?: boolean
  /** Create a pre-seeded `.opencode/` (git-excluded). Default true. */
  opencodeDir?: boolean
  /** Share the sandbox (HOME, XDG dirs) of an earlier project. */
  sandbox?: Sandbox
}

export function makeProject(opts: MakeProjectOptions = {}): Project {
  const sandbox = opts.sandbox ?? makeSandbox()
  const dir = mkdtempSync(join(sandbox.root, "project-"))
  const git = (...args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...gitEnv(sandbox) } }).trim()
  const project: Project = {
    dir,
    sandbox,
    git,
    write(rel, content) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true })
      writeFileSync(join(dir, rel), content)
    },
    read: (rel) => readFileSync(join(dir, rel), "utf8"),
    exists: (rel) => existsSync(join(dir, rel)),
  }
  for (const [rel, content] of Object.entries(opts.files ?? {})) project.write(rel, content)
  if (opts.opencodeDir !== false) seedConfigDir(join(dir, ".opencode"))
  if (opts.git) {
    git("init", "-q", "-b", "main")
    git("config", "user.name", "E2E Test")
    git("config", "user.email", "e2e@example.invalid")
    git("config", "commit.gpgsign", "false")
    writeFileSync(join(dir, ".git/info/exclude"), "/.opencode/\n")
    if (opts.commit ?? true) {
      git("add", "-A")
      git("commit", "-q", "--allow-empty", "-m", "initial")
    }
  }
  return project
}

function gitEnv(sandbox: Sandbox): Record<string, string> {
  return { HOME: sandbox.dirs.home, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" }
}

// ---------------------------------------------------------------- config and env

export interface OpencodeOptions {
  project: Project
  /** The scripted model server, or its `/v1` base URL. */
  model: ModelServer | string
  /** Plugin specs for the config's `plugin` key; absolute paths become file:// URLs. */
  plugins?: (string | [string, Record<string, unknown>])[]
  /** Extra top-level config keys (shallow-merged over the defaults). */
  config?: Record<string, unknown>
  env?: Record<string, string>
}

/** Absolute path of the package under test (this repository). */
export const PLUGIN_UNDER_TEST = REPO_ROOT

function pluginSpec(p: string): string {
  return p.startsWith("/") ? pathToFileURL(p).href : p
}

export function opencodeConfig(opts: Pick<OpencodeOptions, "model" | "plugins" | "config">): Record<string, unknown> {
  const baseURL = typeof opts.model === "string" ? opts.model : opts.model.url
  const plugin = (opts.plugins ?? []).map((p) => (typeof p === "string" ? pluginSpec(p) : [pluginSpec(p[0]), p[1]]))
  return {
    $schema: "https://opencode.ai/config.json",
    model: "mock/m",
    small_model: "mock/m",
    autoupdate: false,
    share: "disabled",
    enabled_providers: ["mock"],
    provider: {
      mock: {
        npm: "@ai-sdk/openai-compatible",
        name: "Mock",
        options: { baseURL, apiKey: "x" },
        models: { m: { name: "Mock model", tool_call: true, limit: { context: 128000, output: 4096 } } },
      },
    },
    ...(plugin.length ? { plugin } : {}),
    ...opts.config,
  }
}

export function opencodeEnv(opts: OpencodeOptions): Record<string, string> {
  const { dirs } = opts.project.sandbox
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(OPENCODE_|XDG_|npm_config_)/i.test(e[0])),
  )
  return {
    ...inherited,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.state,
    TMPDIR: dirs.tmp,
    // OpenCode takes its directory from $PWD, not from the process's cwd.
    PWD: opts.project.dir,
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_FFF: "1",
    npm_config_fetch_retries: "0",
    OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfig(opts)),
    ...gitEnv(opts.project.sandbox),
    ...opts.env,
  }
}

function spawnOpencode(args: string[], opts: OpencodeOptions): ChildProcess {
  const child = spawn(opencodeBin(), args, {
    cwd: opts.project.dir,
    env: opencodeEnv(opts),
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // own process group, so cleanup can kill what it spawned too
  })
  track(child)
  return child
}

// ---------------------------------------------------------------- opencode run

/** One line of `opencode run --format json`. */
export interface RunEvent {
  type: string
  timestamp?: number
  sessionID?: string
  part?: { type: string; text?: string; tool?: string; state?: { status: string; input?: unknown; output?: string; error?: string } } & Record<string, unknown>
  error?: unknown
  [key: string]: unknown
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stdout: string
  stderr: string
  /** Parsed JSON lines of stdout (non-JSON lines are skipped). */
  events: RunEvent[]
  durationMs: number
}

export interface RunOptions extends OpencodeOptions {
  args: string[]
  /** Written to stdin, which is then closed. */
  stdin?: string
  timeoutMs?: number
}

export function parseEvents(stdout: string): RunEvent[] {
  const events: RunEvent[] = []
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue
    try {
      events.push(JSON.parse(line) as RunEvent)
    } catch {
      /* not an event line */
    }
  }
  return events
}

export async function runOpencode(opts: RunOptions): Promise<RunResult> {
  const started = Date.now()
  const child = spawnOpencode(opts.args, opts)
  let stdout = ""
  let stderr = ""
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d))
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  child.stdin?.on("error", () => undefined)
  child.stdin?.end(opts.stdin ?? "")
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    void stopChild(child)
  }, opts.timeoutMs ?? 90_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once("close", (c, s) => r([c, s])))
  clearTimeout(timer)
  killGroup(child, "SIGKILL")
  liveChildren.delete(child)
  return { code, signal, timedOut, stdout, stderr, events: parseEvents(stdout), durationMs: Date.now() - started }
}

// ---------------------------------------------------------------- opencode serve

export interface Served {
  url: string
  pid: number
  client: OpencodeClient
  /** Output so far (stdout and stderr interleaved). */
  output(): string
  /** Signals the server's process group; SIGKILL follows after 3 s if it is still alive. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** A v1 client bound to another directory (OpenCode makes an instance per directory). */
  clientFor(directory: string): OpencodeClient
}

export interface ServeOptions extends OpencodeOptions {
  /** Extra CLI args, e.g. ["--print-logs"]. */
  args?: string[]
  readyTimeoutMs?: number
}

export async function startServe(opts: ServeOptions): Promise<Served> {
  const child = spawnOpencode(["serve", "--port", "0", "--hostname", "127.0.0.1", ...(opts.args ?? [])], opts)
  child.stdin?.end()
  let out = ""
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`opencode serve not ready after ${opts.readyTimeoutMs ?? 30_000} ms:\n${out}`)),
      opts.readyTimeoutMs ?? 30_000,
    )
    const onData = (d: string): void => {
      out += d
      const m = /opencode server listening on (http:\/\/\S+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolveUrl(m[1].replace(/\/$/, ""))
      }
    }
    child.stdout?.setEncoding("utf8").on("data", onData)
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (out += d))
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`opencode serve exited (${code}) before listening:\n${out}`))
    })
  }).catch(async (err: unknown) => {
    await stopChild(child)
    throw err
  })
  return {
    url,
    pid: child.pid ?? -1,
    client: createOpencodeClient({ baseUrl: url, directory: opts.project.dir }),
    output: () => out,
    clientFor: (directory) => createOpencodeClient({ baseUrl: url, directory }),
    kill: (signal: NodeJS.Signals = "SIGTERM") => stopChild(child, signal),
  }
}

// ---------------------------------------------------------------- event helpers

/** Texts of the `text` events, in order. */
export function eventTexts(events: RunEvent[]): string[] {
  return events.flatMap((e) => (e.type === "text" && typeof e.part?.text === "string" ? [e.part.text] : []))
}

/** `tool_use` events, optionally only those of one tool. */
export function toolUses(events: RunEvent[], tool?: string): RunEvent[] {
  return events.filter((e) => e.type === "tool_use" && (tool === undefined || e.part?.tool === tool))
}
