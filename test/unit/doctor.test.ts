import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { loadConfig } from "../../src/config.js"
import {
  BWRAP_PROBE,
  checkAddon,
  checkCheckoutHome,
  checkConfig,
  checkGit,
  checkLanguageServers,
  checkOpencode,
  checkPluginEntry,
  checkRipgrep,
  checkSandbox,
  checkTuiEntry,
  type DoctorContext,
  doctor,
  findPluginEntry,
  type RunResult,
} from "../../src/doctor.js"
import { REPO_ROOT } from "../support/opencode.js"
import { fakeBinary, tempDir } from "../support/helpers.js"

const ok = (stdout: string): RunResult => ({ status: 0, stdout, stderr: "" })
const missing: RunResult = { status: null, stdout: "", stderr: "", error: "spawnSync x ENOENT" }

/** A machine where everything works, in temp dirs; `over` breaks one part. */
function context(over: Partial<DoctorContext> & { commands?: Record<string, RunResult> } = {}): DoctorContext & { calls: string[][] } {
  const home = tempDir()
  const cwd = tempDir()
  mkdirSync(path.join(cwd, ".git"))
  const bin = path.join(tempDir(), "bin")
  fakeBinary(bin, "opencode")
  fakeBinary(bin, "node")
  const commands: Record<string, RunResult> = {
    opencode: ok("1.18.33\n"),
    git: ok("git version 2.39.5\n"),
    rg: ok("ripgrep 13.0.0\n"),
    bwrap: ok(""),
    "sandbox-exec": ok(""),
    ...over.commands,
  }
  const calls: string[][] = []
  return {
    cwd,
    env: { PATH: bin, XDG_CONFIG_HOME: path.join(home, ".config"), XDG_CACHE_HOME: path.join(home, ".cache") },
    home,
    platform: "linux",
    uid: process.getuid?.(),
    pluginRoot: REPO_ROOT,
    run(command, args) {
      calls.push([command, ...args])
      return commands[path.basename(command)] ?? missing
    },
    loadAddon: () => ({
      ok: true,
      binding: {} as never,
      path: "/x/analysis.linux-x64-gnu.node",
      source: "package",
      package: "opencode-orchestrator-linux-x64-gnu",
    }),
    calls,
    ...over,
  }
}

const write = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
}

describe("doctor: OpenCode version", () => {
  it("passes inside the range declared in package.json, fails outside it and without opencode, naming the fix", () => {
    expect(checkOpencode(context())).toMatchObject({ ok: true, detail: expect.stringMatching(/^1\.18\.33 \(supported: >=1\.18\.33 <1\.19\.0\) at \//) })
    const newer = checkOpencode(context({ commands: { opencode: ok("1.19.2\n") } }))
    expect(newer).toMatchObject({ ok: false, detail: expect.stringContaining("1.19.2 at /"), fix: expect.stringContaining("npm i -g opencode-ai@1.18.33") })
    expect(checkOpencode(context({ commands: { opencode: ok("1.17.9\n") } })).ok).toBe(false)
    const none = context()
    none.env.PATH = ""
    expect(checkOpencode(none)).toMatchObject({ ok: false, detail: expect.stringContaining("`opencode` not found on PATH") })
  })
})

describe("doctor: plugin entries", () => {
  it("finds the plugin by name, name@version, or a path to a copy, globally or in the project, with its options", () => {
    const c = context()
    expect(checkPluginEntry(c)).toMatchObject({ ok: false, fix: expect.stringContaining("opencode plugin opencode-orchestrator") })
    write(path.join(c.cwd, "opencode.json"), `{ "plugin": ["opencode-orchestrator"] }`)
    expect(checkPluginEntry(c)).toMatchObject({ ok: true, detail: path.join(c.cwd, "opencode.json") })

    const g = context()
    write(path.join(g.home, ".config/opencode/opencode.jsonc"), `{\n  // mine\n  "plugin": [["opencode-orchestrator@0.1.0", { "concurrency": 2 }]],\n}`)
    expect(findPluginEntry(g)).toEqual({ file: path.join(g.home, ".config/opencode/opencode.jsonc"), options: { concurrency: 2 } })

    const p = context()
    write(path.join(p.cwd, ".opencode/opencode.json"), JSON.stringify({ plugin: [`file://${REPO_ROOT}`, "other-plugin"] }))
    expect(checkPluginEntry(p).ok).toBe(true)
    const other = context()
    write(path.join(other.cwd, "opencode.json"), JSON.stringify({ plugin: ["opencode-orchestrator-fork", "/nonexistent/dir"] }))
    expect(checkPluginEntry(other).ok).toBe(false)
  })

  it("fails on an opencode.json that does not parse", () => {
    const c = context()
    write(path.join(c.cwd, "opencode.json"), `{ "plugin": [ }`)
    expect(checkPluginEntry(c)).toMatchObject({ ok: false, detail: expect.stringContaining("invalid JSONC") })
  })

  it("requires the TUI entry only when the package ships a TUI plugin", () => {
    const older = tempDir()
    write(path.join(older, "package.json"), JSON.stringify({ name: "opencode-orchestrator", exports: { ".": "./dist/index.js" } }))
    expect(checkTuiEntry(context({ pluginRoot: older }))).toMatchObject({ ok: true, detail: "this version has no TUI plugin; no entry needed" })
    // This package ships one.
    const c = context()
    expect(checkTuiEntry(c)).toMatchObject({ ok: false, fix: expect.stringContaining(`"plugin": ["opencode-orchestrator"]`) })
    write(path.join(c.home, ".config/opencode/tui.json"), JSON.stringify({ plugin: ["opencode-orchestrator"] }))
    expect(checkTuiEntry(c)).toMatchObject({ ok: true, detail: path.join(c.home, ".config/opencode/tui.json") })
  })
})

describe("doctor: addon, git, ripgrep, sandbox", () => {
  it("names the addon's file and platform package, or gives the loader's reason", () => {
    expect(checkAddon(context())).toMatchObject({
      ok: true,
      detail: "/x/analysis.linux-x64-gnu.node (platform package opencode-orchestrator-linux-x64-gnu, linux-x64-gnu)",
    })
    const reason = "the native code-analysis addon is not installed (looked for the package opencode-orchestrator-linux-x64-gnu); reinstall the plugin"
    expect(checkAddon(context({ loadAddon: () => ({ ok: false, reason }) }))).toMatchObject({ ok: false, detail: reason })
  })

  it("checks git and ripgrep by running them", () => {
    expect(checkGit(context())).toEqual({ name: "git", ok: true, detail: "git version 2.39.5" })
    expect(checkRipgrep(context())).toEqual({ name: "ripgrep", ok: true, detail: "ripgrep 13.0.0" })
    expect(checkGit(context({ commands: { git: missing } }))).toMatchObject({ ok: false, fix: expect.stringContaining("apt-get install git") })
    expect(checkRipgrep(context({ commands: { rg: missing }, platform: "darwin" }))).toMatchObject({ ok: false, fix: "brew install ripgrep" })
  })

  it("runs bwrap's probe on Linux and sandbox-exec on macOS; says why when they fail", () => {
    const c = context()
    expect(checkSandbox(c).ok).toBe(true)
    expect(c.calls).toContainEqual(["bwrap", ...BWRAP_PROBE])
    expect(checkSandbox(context({ commands: { bwrap: missing } }))).toMatchObject({ ok: false, fix: expect.stringContaining("apt-get install bubblewrap") })
    const denied = checkSandbox(context({ commands: { bwrap: { status: 1, stdout: "", stderr: "bwrap: setting up uid map: Permission denied\n" } } }))
    expect(denied).toMatchObject({
      ok: false,
      detail: "bwrap cannot make a sandbox: bwrap: setting up uid map: Permission denied",
      fix: expect.stringContaining("user namespaces"),
    })
    const chroot = checkSandbox(context({ commands: { bwrap: { status: 1, stdout: "", stderr: "bwrap: Failed to make / slave: Invalid argument\n" } } }))
    expect(chroot).toMatchObject({ ok: false, fix: expect.stringContaining("/ is not a mount point (a chroot?)") })
    expect(checkSandbox(context({ platform: "darwin" })).ok).toBe(true)
    expect(checkSandbox(context({ platform: "darwin", commands: { "sandbox-exec": missing } })).ok).toBe(false)
    expect(checkSandbox(context({ platform: "win32" }))).toMatchObject({ ok: false, detail: "no sandbox for win32" })
  })
})

describe("doctor: language servers, configuration, checkout home", () => {
  it("says which typescript-language-server is used and where it came from", () => {
    const c = context()
    const [ts, python] = checkLanguageServers(c, {})
    // This package depends on it, so it is found among the plugin's own dependencies.
    expect(ts).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/typescript-language-server \(from the plugin's own dependencies\); this project has no node_modules\/typescript/),
    })
    expect(python).toMatchObject({ ok: true, detail: expect.stringContaining("none configured") })
    const local = fakeBinary(path.join(c.cwd, "node_modules/.bin"), "typescript-language-server")
    mkdirSync(path.join(c.cwd, "node_modules/typescript"))
    expect(checkLanguageServers(c, {})[0]).toMatchObject({ ok: true, detail: `${local} (from the project's node_modules)` })
  })

  it("fails a configured server that is missing, and a server that needs node when node is not on PATH", () => {
    const c = context()
    const checks = checkLanguageServers(c, { python: { command: ["no-such-pyright", "--stdio"] }, typescript: { enabled: false } })
    expect(checks[0]).toMatchObject({ ok: true, detail: expect.stringContaining("disabled in the configuration") })
    expect(checks[1]).toMatchObject({
      ok: false,
      detail: expect.stringContaining("no-such-pyright not found"),
      fix: expect.stringContaining("languageServers.python.command"),
    })
    c.env.PATH = ""
    expect(checkLanguageServers(c, {})[0]).toMatchObject({ ok: false, detail: expect.stringContaining("needs `node` on PATH") })
  })

  it("reports the configuration errors the plugin gives, word for word", () => {
    const c = context()
    expect(checkConfig(c, undefined).check.ok).toBe(true)
    write(path.join(c.cwd, ".opencode/orchestrator.jsonc"), `{ "concurrency": 0, "result": "merge" }`)
    const { check } = checkConfig(c, { maxAttempts: 99 })
    const plugin = loadConfig({ directory: c.cwd, pluginOptions: { maxAttempts: 99 }, env: c.env, home: c.home })
    expect(plugin.ok).toBe(false)
    if (plugin.ok) return
    expect(check.ok).toBe(false)
    expect(check.detail.replace(/\n {4}/g, "\n")).toBe(plugin.error)
    expect(check.detail).toContain(`result: expected one of "apply", "branch", got "merge"`)
  })

  it("wants the checkout home 0700, a directory, yours, not a symlink; missing is fine", () => {
    const c = context()
    const home = path.join(c.env.XDG_CACHE_HOME!, "opencode-orchestrator")
    expect(checkCheckoutHome(c)).toMatchObject({ ok: true, detail: expect.stringContaining("not created yet") })
    mkdirSync(home, { recursive: true })
    chmodSync(home, 0o755)
    expect(checkCheckoutHome(c)).toMatchObject({ ok: false, detail: `${home} has mode 0755`, fix: `chmod 700 ${home}` })
    chmodSync(home, 0o700)
    expect(checkCheckoutHome(c)).toMatchObject({ ok: true, detail: `${home} (0700, yours)` })
    expect(checkCheckoutHome({ ...c, uid: (c.uid ?? 0) + 1 })).toMatchObject({ ok: false, detail: expect.stringContaining("is owned by uid") })
    const other = context()
    const link = path.join(other.env.XDG_CACHE_HOME!, "opencode-orchestrator")
    mkdirSync(path.dirname(link), { recursive: true })
    symlinkSync(home, link)
    expect(checkCheckoutHome(other)).toMatchObject({ ok: false, detail: `${link} is a symlink` })
    const file = context()
    write(path.join(file.env.XDG_CACHE_HOME!, "opencode-orchestrator"), "x")
    expect(checkCheckoutHome(file)).toMatchObject({ ok: false, detail: expect.stringContaining("is not a directory") })
  })
})

describe("doctor: all checks", () => {
  it("prints one ✓ line per check and exits 0 when all pass; 1 on any ✗, with the fix under it", () => {
    const c = context()
    write(path.join(c.cwd, "opencode.json"), `{ "plugin": ["opencode-orchestrator"] }`)
    write(path.join(c.cwd, ".opencode/tui.json"), `{ "plugin": ["opencode-orchestrator"] }`)
    const good = doctor(c)
    expect(good.code, good.lines.join("\n")).toBe(0)
    expect(good.lines.every((l) => l.startsWith("✓ "))).toBe(true)
    expect(good.lines.map((l) => l.slice(2).split(":")[0])).toEqual([
      "OpenCode",
      "plugin in opencode.json",
      "TUI plugin in tui.json",
      "native addon",
      "git",
      "ripgrep",
      "sandbox",
      "configuration",
      "language server",
      "language server",
      "language server",
      "language server",
      "checkout home",
    ])
    const bad = doctor(context({ commands: { rg: missing } }))
    expect(bad.code).toBe(1)
    expect(bad.lines.filter((l) => l.startsWith("✗ ")).map((l) => l.split(":")[0])).toEqual([
      "✗ plugin in opencode.json",
      "✗ TUI plugin in tui.json",
      "✗ ripgrep",
    ])
    expect(bad.lines.find((l) => l.startsWith("✗ ripgrep"))).toMatch(/\n {4}fix: apt-get install ripgrep/)
  })
})
