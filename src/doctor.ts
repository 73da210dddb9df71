// `opencode-orchestrator doctor`: checks a setup, one line per check, ✓ or ✗ with the fix.
// Fast: runs a few `--version`-style commands and reads files; never starts OpenCode.
import { spawnSync } from "node:child_process"
import { existsSync, lstatSync, readFileSync, type Stats } from "node:fs"
import { homedir } from "node:os"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { type ParseError, parse as parseJsonc } from "jsonc-parser"
import { loadConfig } from "./config.js"
import { describeSource, locateBinary, SERVER_LANGUAGES, type ServerLanguage, type ServerSettings, serverFor } from "./native/language-servers.js"
import { candidates, type Loaded, loadFrom, PACKAGE_NAME, platformTriples } from "./native/load.js"
import { checkVersion, manifest } from "./opencode-version.js"

export interface Check {
  name: string
  ok: boolean
  detail: string
  /** What to do about a ✗. */
  fix?: string
}

export interface RunResult {
  status: number | null
  stdout: string
  stderr: string
  /** Set when the command could not be started (e.g. ENOENT). */
  error?: string
}

/** Everything doctor reads from the machine; tests replace parts of it. */
export interface DoctorContext {
  /** The project directory (default: the current directory). */
  cwd: string
  env: Record<string, string | undefined>
  home: string
  platform: NodeJS.Platform
  uid: number | undefined
  /** This package's root: its manifest and its addon. */
  pluginRoot: string
  run(command: string, args: string[]): RunResult
  loadAddon(): Loaded
}

const PLUGIN_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..")

export function defaultContext(cwd: string = process.cwd()): DoctorContext {
  const env = process.env
  return {
    cwd,
    env,
    home: homedir(),
    platform: process.platform,
    uid: process.getuid?.(),
    pluginRoot: PLUGIN_ROOT,
    run(command, args) {
      const res = spawnSync(command, args, { encoding: "utf8", timeout: 15_000, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] })
      return { status: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "", ...(res.error ? { error: res.error.message } : {}) }
    },
    loadAddon: () => loadFrom(candidates({ moduleDir: join(PLUGIN_ROOT, "dist", "native"), env }), { root: PLUGIN_ROOT }),
  }
}

const pass = (name: string, detail: string): Check => ({ name, ok: true, detail })
const fail = (name: string, detail: string, fix: string): Check => ({ name, ok: false, detail, fix })

function configHome(ctx: DoctorContext): string {
  const xdg = ctx.env.XDG_CONFIG_HOME
  return xdg && isAbsolute(xdg) ? xdg : join(ctx.home, ".config")
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? ""
}

// ---------------------------------------------------------------- OpenCode

export function checkOpencode(ctx: DoctorContext): Check {
  const range = manifest(ctx.pluginRoot).opencode.supported
  const lowest = range.match(/\d+\.\d+\.\d+/)?.[0] ?? "latest"
  const found = locateBinary(ctx.cwd, "opencode", ctx.env.PATH ?? "", [])
  if (!found) return fail("OpenCode", `\`opencode\` not found on PATH (supported: ${range})`, `npm i -g opencode-ai@${lowest}`)
  const res = ctx.run(found.path, ["--version"])
  const version = res.stdout.trim().match(/\d+\.\d+\.\d+\S*/)?.[0]
  if (!version)
    return fail(
      "OpenCode",
      `${found.path} --version gave no version: ${firstLine(res.error ?? res.stderr)}`,
      `reinstall OpenCode: npm i -g opencode-ai@${lowest}`,
    )
  const check = checkVersion(version, range, manifest(ctx.pluginRoot))
  if (check.ok) return pass("OpenCode", `${version} (supported: ${range}) at ${found.path}`)
  return fail(
    "OpenCode",
    `${version} at ${found.path} is outside the supported range ${range}`,
    `npm i -g opencode-ai@${lowest}, or a plugin version made for OpenCode ${version}`,
  )
}

// ---------------------------------------------------------------- plugin entries in the config

type PluginEntry = string | [string, Record<string, unknown>]

interface ConfigFile {
  path: string
  plugins: PluginEntry[]
  error?: string
}

function readConfigFile(path: string): ConfigFile | undefined {
  if (!existsSync(path)) return undefined
  let value: unknown
  try {
    const errors: ParseError[] = []
    value = parseJsonc(readFileSync(path, "utf8"), errors, { allowTrailingComma: true })
    if (errors.length) return { path, plugins: [], error: "invalid JSONC" }
  } catch (e) {
    return { path, plugins: [], error: (e as Error).message }
  }
  const list = (value as { plugin?: unknown } | null)?.plugin
  const plugins = Array.isArray(list) ? list.filter((p): p is PluginEntry => typeof p === "string" || (Array.isArray(p) && typeof p[0] === "string")) : []
  return { path, plugins }
}

/** OpenCode's config files for `base` names (`opencode`, `tui`): global, then from the git root (or /) down to the project. */
export function configFiles(ctx: DoctorContext, base: string): ConfigFile[] {
  const names = [`${base}.json`, `${base}.jsonc`]
  const paths = names.map((n) => join(configHome(ctx), "opencode", n))
  if (base === "opencode") paths.push(join(configHome(ctx), "opencode", "config.json"))
  const chain: string[] = []
  for (let dir = resolve(ctx.cwd); ; dir = dirname(dir)) {
    chain.unshift(dir)
    if (existsSync(join(dir, ".git")) || dir === dirname(dir)) break
  }
  for (const dir of chain) for (const n of names) paths.push(join(dir, n), join(dir, ".opencode", n))
  if (base === "opencode" && ctx.env.OPENCODE_CONFIG) paths.push(resolve(ctx.cwd, ctx.env.OPENCODE_CONFIG))
  return paths.flatMap((p) => readConfigFile(p) ?? [])
}

/** Whether a plugin spec names this package: by name (optionally `@version`), or a path / file URL to a copy of it. */
export function namesPlugin(spec: string, configDir: string, name: string = PACKAGE_NAME): boolean {
  if (spec === name || spec.startsWith(`${name}@`)) return true
  let dir: string | undefined
  if (spec.startsWith("file://")) dir = fileURLToPath(spec)
  else if (spec.startsWith("/") || spec.startsWith(".")) dir = resolve(configDir, spec)
  if (!dir) return false
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown }).name === name
  } catch {
    return false
  }
}

/** The server plugin entry (with its options, if any), or undefined. */
export function findPluginEntry(ctx: DoctorContext): { file: string; options?: Record<string, unknown> } | undefined {
  let found: { file: string; options?: Record<string, unknown> } | undefined
  for (const file of configFiles(ctx, "opencode")) {
    for (const entry of file.plugins) {
      const [spec, options] = typeof entry === "string" ? [entry, undefined] : entry
      // Later files (closer to the project) win, as in OpenCode.
      if (namesPlugin(spec, dirname(file.path))) found = { file: file.path, ...(options ? { options } : {}) }
    }
  }
  return found
}

export function checkPluginEntry(ctx: DoctorContext): Check {
  const broken = configFiles(ctx, "opencode").filter((f) => f.error)
  if (broken.length) return fail("plugin in opencode.json", broken.map((f) => `${f.path}: ${f.error}`).join("; "), "fix the file's syntax")
  const entry = findPluginEntry(ctx)
  if (entry) return pass("plugin in opencode.json", entry.file)
  return fail(
    "plugin in opencode.json",
    "no opencode.json names opencode-orchestrator",
    `opencode plugin ${PACKAGE_NAME} (adds "plugin": ["${PACKAGE_NAME}"] to the project's opencode.json; -g for the global one)`,
  )
}

/** The TUI plugin entry — required only once this package ships a TUI plugin (an `exports["./tui"]`). */
export function checkTuiEntry(ctx: DoctorContext): Check {
  const pkg = JSON.parse(readFileSync(join(ctx.pluginRoot, "package.json"), "utf8")) as { exports?: Record<string, unknown> }
  if (!pkg.exports?.["./tui"]) return pass("TUI plugin in tui.json", "this version has no TUI plugin; no entry needed")
  // OpenCode's TUI takes the package (by name or path, as opencode.json does) and loads its `exports["./tui"]`.
  for (const file of configFiles(ctx, "tui")) {
    for (const entry of file.plugins) {
      const spec = typeof entry === "string" ? entry : entry[0]
      if (namesPlugin(spec, dirname(file.path))) return pass("TUI plugin in tui.json", file.path)
    }
  }
  return fail(
    "TUI plugin in tui.json",
    `no tui.json names ${PACKAGE_NAME}`,
    `add "plugin": ["${PACKAGE_NAME}"] to ${join(configHome(ctx), "opencode", "tui.json")} (or the project's .opencode/tui.json)`,
  )
}

// ---------------------------------------------------------------- addon, tools, sandbox

export function checkAddon(ctx: DoctorContext): Check {
  const loaded = ctx.loadAddon()
  if (!loaded.ok) {
    return fail("native addon", loaded.reason, "see the reason; without the addon the code tools answer with it and the syntax gate is skipped")
  }
  const from = loaded.source === "package" ? `platform package ${loaded.package}` : loaded.source === "local" ? "local build" : "$OPENCODE_ORCHESTRATOR_NATIVE"
  return pass("native addon", `${loaded.path} (${from}, ${platformTriples(ctx.platform)[0]})`)
}

function checkTool(ctx: DoctorContext, name: string, command: string, fix: string, why: string): Check {
  const res = ctx.run(command, ["--version"])
  if (res.error || res.status !== 0) return fail(name, `\`${command}\` not found or not working (${why})`, fix)
  return pass(name, firstLine(res.stdout))
}

export function checkGit(ctx: DoctorContext): Check {
  const fix = ctx.platform === "darwin" ? "xcode-select --install (or brew install git)" : "apt-get install git (or your system's package)"
  return checkTool(ctx, "git", "git", fix, "worktrees per task and the mission's snapshots need it")
}

export function checkRipgrep(ctx: DoctorContext): Check {
  const fix = ctx.platform === "darwin" ? "brew install ripgrep" : "apt-get install ripgrep (or your system's package)"
  return checkTool(ctx, "ripgrep", "rg", fix, "OpenCode's grep and glob tools need it")
}

export const BWRAP_PROBE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--die-with-parent", "--cap-drop", "ALL", "true"]

export function checkSandbox(ctx: DoctorContext): Check {
  if (ctx.platform === "linux") {
    const res = ctx.run("bwrap", BWRAP_PROBE)
    if (res.error) return fail("sandbox", "bwrap (bubblewrap) not found", "apt-get install bubblewrap (or your system's package)")
    if (res.status !== 0 && /Failed to make \/ slave/.test(res.stderr)) {
      return fail(
        "sandbox",
        `bwrap cannot make a sandbox: ${firstLine(res.stderr)}`,
        "/ is not a mount point (a chroot?): run outside the chroot, or bind-mount the chroot's root onto itself (mount --bind DIR DIR) before entering it",
      )
    }
    if (res.status !== 0) {
      return fail(
        "sandbox",
        `bwrap cannot make a sandbox: ${firstLine(res.stderr) || `exit ${res.status}`}`,
        "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ an AppArmor profile for bwrap), or run where they are allowed",
      )
    }
    return pass("sandbox", "bwrap works (user namespaces allowed)")
  }
  if (ctx.platform === "darwin") {
    const res = ctx.run("sandbox-exec", ["-p", "(version 1)(allow default)", "/usr/bin/true"])
    if (res.error || res.status !== 0)
      return fail(
        "sandbox",
        `sandbox-exec does not work: ${firstLine(res.error ?? res.stderr)}`,
        "sandbox-exec ships with macOS: check that /usr/bin is on PATH",
      )
    return pass("sandbox", "sandbox-exec works")
  }
  return fail("sandbox", `no sandbox for ${ctx.platform}`, "run on Linux (bubblewrap) or macOS (sandbox-exec)")
}

// ---------------------------------------------------------------- language servers, config, checkout home

export function checkLanguageServers(ctx: DoctorContext, settings: ServerSettings): Check[] {
  return (Object.keys(SERVER_LANGUAGES) as ServerLanguage[]).map((language) => {
    const name = `language server: ${language}`
    const found = serverFor(ctx.cwd, `probe${SERVER_LANGUAGES[language][0]}`, settings)
    if ("missing" in found) {
      if (settings[language]?.command || language === "typescript") {
        const fix =
          language === "typescript"
            ? "npm i -D typescript-language-server typescript in the project (the plugin brings typescript-language-server itself: reinstall it)"
            : `install ${settings[language]?.command?.[0]} or fix languageServers.${language}.command`
        if (settings[language]?.enabled === false) return pass(name, found.missing)
        return fail(name, found.missing, fix)
      }
      return pass(name, `none configured (optional: languageServers.${language}.command); ${language} files skip the type gate`)
    }
    const where = `${found.command[0]} (from ${describeSource(found.source)})`
    // npm's .bin entries start with `#!/usr/bin/env node`.
    if ((found.source === "plugin" || found.source === "project") && !locateBinary(ctx.cwd, "node", ctx.env.PATH ?? "", [])) {
      return fail(name, `${where} needs \`node\` on PATH`, "install Node.js ≥ 20")
    }
    const tsNote =
      language === "typescript" && !existsSync(join(ctx.cwd, "node_modules", "typescript"))
        ? "; this project has no node_modules/typescript, which the server needs to type-check TypeScript"
        : ""
    return pass(name, `${where}${tsNote}`)
  })
}

export function checkConfig(ctx: DoctorContext, pluginOptions: unknown): { check: Check; settings: ServerSettings } {
  const result = loadConfig({ directory: ctx.cwd, pluginOptions, env: ctx.env, home: ctx.home })
  if (!result.ok)
    return { check: fail("configuration", result.error.replace(/\n/g, "\n    "), "fix the keys named above"), settings: result.options.languageServers }
  return { check: pass("configuration", "valid (orchestrator.jsonc files and plugin options)"), settings: result.options.languageServers }
}

/** `${XDG_CACHE_HOME:-~/.cache}/opencode-orchestrator`: where mission checkouts live. */
export function checkoutHome(ctx: Pick<DoctorContext, "env" | "home">): string {
  const xdg = ctx.env.XDG_CACHE_HOME
  return join(xdg && isAbsolute(xdg) ? xdg : join(ctx.home, ".cache"), PACKAGE_NAME)
}

export function checkCheckoutHome(ctx: DoctorContext): Check {
  const path = checkoutHome(ctx)
  const name = "checkout home"
  let stat: Stats
  try {
    stat = lstatSync(path)
  } catch {
    return pass(name, `${path} not created yet (it is made 0700 on first use)`)
  }
  if (stat.isSymbolicLink()) return fail(name, `${path} is a symlink`, `rm ${path} (it is re-created as a directory)`)
  if (!stat.isDirectory()) return fail(name, `${path} is not a directory`, `rm ${path} (it is re-created as a directory)`)
  if (ctx.uid !== undefined && stat.uid !== ctx.uid)
    return fail(name, `${path} is owned by uid ${stat.uid}, not you (${ctx.uid})`, `chown -R ${ctx.uid} ${path}, or remove it`)
  const mode = stat.mode & 0o777
  if (mode !== 0o700) return fail(name, `${path} has mode ${mode.toString(8).padStart(4, "0")}`, `chmod 700 ${path}`)
  return pass(name, `${path} (0700, yours)`)
}

// ---------------------------------------------------------------- all of it

export function runChecks(ctx: DoctorContext): Check[] {
  const entry = findPluginEntry(ctx)
  const config = checkConfig(ctx, entry?.options)
  return [
    checkOpencode(ctx),
    checkPluginEntry(ctx),
    checkTuiEntry(ctx),
    checkAddon(ctx),
    checkGit(ctx),
    checkRipgrep(ctx),
    checkSandbox(ctx),
    config.check,
    ...checkLanguageServers(ctx, config.settings),
    checkCheckoutHome(ctx),
  ]
}

export function formatCheck(c: Check): string {
  return `${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ""}`
}

/** Runs every check; the lines to print and the exit code (1 on any ✗). */
export function doctor(ctx: DoctorContext = defaultContext()): { lines: string[]; code: number } {
  const checks = runChecks(ctx)
  return { lines: checks.map(formatCheck), code: checks.every((c) => c.ok) ? 0 : 1 }
}
