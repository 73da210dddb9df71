// The LSP diagnostics export through the built addon: the real
// typescript-language-server, a fake server for the failure paths, warm
// servers kept across calls, the agent tool, and no process left behind.
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { diagnostics, NativeError } from "../../src/native/index.js"
import { codeTools } from "../../src/tools/code-tools.js"
import { locateBinary } from "../../src/native/language-servers.js"
import { closeWarmServers, warmDiagnostics, warmServerCount } from "../../src/native/warm-servers.js"
import { toolContext } from "./fixture.js"

const repo = resolve(import.meta.dirname, "../..")
const tsls = join(repo, "node_modules/.bin/typescript-language-server")
const fake = join(repo, "crates/analysis/tests/fixtures/fake-lsp.cjs")

let root = ""
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "lsp-test-"))
  mkdirSync(join(root, "src"))
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true } }))
  writeFileSync(join(root, "src/bad.ts"), 'export const ok = 1;\nconst n: number = "x";\nexport { n };\n')
  writeFileSync(join(root, "src/good.ts"), "export const s: string = 'é';\n")
  writeFileSync(join(root, "src/x.py"), "print(1)\n")
  // The project's own node_modules (typescript, typescript-language-server).
  symlinkSync(join(repo, "node_modules"), join(root, "node_modules"), "dir")
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Live children of this process (zombies included: they were not reaped). */
function children(): string[] {
  const out = execFileSync("ps", ["--ppid", String(process.pid), "-o", "pid=,stat=,comm="], { encoding: "utf8" })
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/\sps$/.test(l))
}

const context = toolContext

describe("diagnostics (LSP)", () => {
  it("gets a type error from the real typescript-language-server", { timeout: 90_000 }, async () => {
    const report = await diagnostics(root, ["src/bad.ts", "src/good.ts"], {
      command: [tsls, "--stdio"],
      timeoutMs: 60_000,
    })
    expect(report.server).toMatchObject({ started: true })
    expect(report.server.error).toBeUndefined()
    expect(report.timedOut).toBe(false)
    const bad = report.files.find((f) => f.file === "src/bad.ts")
    expect(bad?.reported).toBe(true)
    const error = bad?.diagnostics.find((d) => d.severity === "error")
    expect(error).toMatchObject({ line: 2, column: 7, source: "typescript", code: "2322" })
    expect(error?.message).toContain("not assignable to type 'number'")
    const good = report.files.find((f) => f.file === "src/good.ts")
    expect(good?.diagnostics.filter((d) => d.severity === "error")).toEqual([])
    expect(children()).toEqual([])
  })

  it("reports a server that does not exist, exits at once, or never answers", { timeout: 30_000 }, async () => {
    const missing = await diagnostics(root, ["src/bad.ts"], { command: ["/no/such/server"], timeoutMs: 2000 })
    expect(missing.server.started).toBe(false)
    expect(missing.server.error).toMatch(/cannot start "\/no\/such\/server"/)

    const exits = await diagnostics(root, ["src/bad.ts"], { command: ["node", fake, "exit"], timeoutMs: 10_000 })
    expect(exits.server.error).toMatch(/exited during initialize .*exit status: 3.*bad config/s)

    const started = Date.now()
    const silent = await diagnostics(root, ["src/bad.ts"], { command: ["node", fake, "silent"], timeoutMs: 800 })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(silent.timedOut).toBe(true)
    expect(silent.server.error).toContain("did not answer initialize within 800 ms")

    const flood = await diagnostics(root, ["src/bad.ts"], {
      command: ["node", fake, "flood"],
      timeoutMs: 20_000,
      maxMessages: 1000,
    })
    expect(flood.server.error).toContain("more than 1000 messages")
    expect(children()).toEqual([])
  })

  it("refuses paths outside the root", async () => {
    const error = await diagnostics(root, ["../etc/passwd"], { command: ["node"] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NativeError)
    expect((error as NativeError).code).toBe("E_OUTSIDE_ROOT")
  })
})

describe("code_diagnostics tool", () => {
  it("finds typescript-language-server in node_modules/.bin", () => {
    expect(locateBinary(root, "typescript-language-server")?.path).toBe(join(root, "node_modules/.bin/typescript-language-server"))
    // Not in the project nor on PATH: the plugin's own dependency (this package depends on it).
    expect(locateBinary("/nonexistent", "typescript-language-server", "")?.source).toBe("plugin")
    expect(locateBinary("/nonexistent", "typescript-language-server", "", [])).toBeUndefined()
  })

  it("reports type errors and says which languages have no server", { timeout: 90_000 }, async () => {
    const tool = codeTools().code_diagnostics
    if (!tool) throw new Error("code_diagnostics is not registered")
    const text = await tool.execute({ files: ["src/bad.ts", "src/x.py"] } as never, context(root))
    expect(text).toContain("src/bad.ts:2:7: error: Type 'string' is not assignable to type 'number'. [typescript 2322]")
    expect(text).toContain("src/x.py: no language server for python: set languageServers.python.command")
    // The server stays warm for the next call until closed.
    expect(warmServerCount()).toBe(1)
    await closeWarmServers()
    expect(children()).toEqual([])
  })
})

/** Processes of the group `pgid` leads (a server and what it started). */
function group(pgid: number | undefined): string[] {
  if (pgid === undefined) return []
  try {
    return execFileSync("ps", ["-o", "pid=", "-g", String(pgid)], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.trim())
  } catch {
    return [] // ps exits 1 when nothing matched
  }
}

async function gone(pgid: number | undefined): Promise<boolean> {
  for (let i = 0; i < 100 && group(pgid).length > 0; i++) await new Promise((r) => setTimeout(r, 50))
  return group(pgid).length === 0
}

describe("warm language servers", () => {
  const warm = { command: [tsls, "--stdio"], timeoutMs: 60_000, settleMs: 500, idleMs: 60_000 }

  it("a mission's end closes only the servers rooted in its checkouts; another mission's keeps answering", { timeout: 120_000 }, async () => {
    const missions = mkdtempSync(join(tmpdir(), "lsp-missions-"))
    const [a, b] = ["m-a", "m-b"].map((m) => {
      const dir = join(missions, m, "slot-0")
      mkdirSync(join(dir, "src"), { recursive: true })
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true } }))
      writeFileSync(join(dir, "src/x.ts"), "export const x: number = 1;\n")
      symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir")
      return dir
    })
    try {
      const first = await warmDiagnostics(a!, ["src/x.ts"], warm)
      const other = await warmDiagnostics(b!, ["src/x.ts"], warm)
      expect(warmServerCount()).toBe(2)
      await closeWarmServers(join(missions, "m-a"))
      expect(await gone(first.warm.pid)).toBe(true)
      expect(warmServerCount()).toBe(1)
      writeFileSync(join(b!, "src/x.ts"), "export const x: number = 'one';\n")
      const again = await warmDiagnostics(b!, ["src/x.ts"], warm)
      expect(again.warm).toMatchObject({ started: false, pid: other.warm.pid })
      expect(again.files[0]?.diagnostics.find((d) => d.severity === "error")).toMatchObject({ code: "2322" })
    } finally {
      await closeWarmServers()
      rmSync(missions, { recursive: true, force: true })
    }
  })

  it("a second check of a changed file on the same server returns the new error", { timeout: 120_000 }, async () => {
    writeFileSync(join(root, "src/warm.ts"), "export const w: number = 1;\n")
    const first = await warmDiagnostics(root, ["src/warm.ts"], warm)
    expect(first.server.error).toBeUndefined()
    expect(first.files[0]).toMatchObject({ reported: true, diagnostics: [] })
    expect(first.warm.started).toBe(true)
    const pid = first.warm.pid
    expect(pid).toBeGreaterThan(0)

    writeFileSync(join(root, "src/warm.ts"), "export const w: number = 'two';\n")
    const second = await warmDiagnostics(root, ["src/warm.ts"], warm)
    expect(second.warm).toMatchObject({ started: false, restarted: false, pid })
    expect(second.files[0]?.diagnostics.find((d) => d.severity === "error")).toMatchObject({ line: 1, code: "2322" })
    expect(second.warm.totalMs).toBeLessThan(first.warm.totalMs)

    // Fixed again: the report comes although the file is clean again.
    writeFileSync(join(root, "src/warm.ts"), "export const w: number = 2;\n")
    const third = await warmDiagnostics(root, ["src/warm.ts"], warm)
    expect(third.warm.pid).toBe(pid)
    expect(third.timedOut).toBe(false)
    expect(third.files[0]).toMatchObject({ reported: true, diagnostics: [] })

    await closeWarmServers()
    expect(warmServerCount()).toBe(0)
    expect(await gone(pid)).toBe(true)
    expect(children()).toEqual([])
  })

  it("answers the calls that arrive during a check with one check, each with its own files", { timeout: 120_000 }, async () => {
    for (const name of ["b1", "b2", "b3"]) writeFileSync(join(root, `src/${name}.ts`), `export const ${name}: number = "${name}";\n`)
    const first = warmDiagnostics(root, ["src/good.ts"], warm)
    const waiting = ["b1", "b2", "b3"].map((name) => warmDiagnostics(root, [`src/${name}.ts`, "src/good.ts"], warm))
    expect((await first).warm.batch).toBe(1)
    for (const [i, report] of (await Promise.all(waiting)).entries()) {
      expect(report.warm.batch).toBe(3)
      expect(report.files.map((f) => f.file)).toEqual([`src/b${i + 1}.ts`, "src/good.ts"])
      expect(report.files[0]?.diagnostics.find((d) => d.severity === "error")).toMatchObject({ line: 1, code: "2322" })
      expect(report.files[1]).toMatchObject({ reported: true, diagnostics: [] })
    }
    await closeWarmServers()
    expect(children()).toEqual([])
  })

  it("starts a server that died once more, and closeWarmServers leaves no process", { timeout: 120_000 }, async () => {
    const first = await warmDiagnostics(root, ["src/bad.ts"], warm)
    const pid = first.warm.pid
    expect(first.files[0]?.diagnostics.some((d) => d.code === "2322")).toBe(true)
    process.kill(-(pid as number), "SIGKILL")
    expect(await gone(pid)).toBe(true)
    const second = await warmDiagnostics(root, ["src/bad.ts"], warm)
    expect(second.warm).toMatchObject({ started: true, restarted: true })
    expect(second.warm.pid).not.toBe(pid)
    expect(second.files[0]?.diagnostics.some((d) => d.code === "2322")).toBe(true)

    // A check in flight when the servers are closed ends at once.
    const pending = warmDiagnostics(root, ["src/good.ts"], { ...warm, settleMs: 5_000 })
    await new Promise((r) => setTimeout(r, 300))
    await closeWarmServers()
    const cut = await pending
    expect(cut.server.error).toBeDefined()
    expect(await gone(second.warm.pid)).toBe(true)
    expect(children()).toEqual([])
  })

  it("reports a server that cannot start and keeps nothing", async () => {
    const missing = await warmDiagnostics(root, ["src/bad.ts"], { ...warm, command: ["/no/such/server"] })
    expect(missing.server).toMatchObject({ started: false })
    expect(missing.server.error).toMatch(/cannot start "\/no\/such\/server"/)
    const exits = await warmDiagnostics(root, ["src/bad.ts"], { ...warm, command: ["node", fake, "exit"] })
    expect(exits.server.error).toMatch(/exited during initialize .*bad config/s)
    expect(warmServerCount()).toBe(0)
    expect(children()).toEqual([])
  })

  it("a call that waited behind a check that broke its server gets a fresh server, not a refusal", { timeout: 30_000 }, async () => {
    for (const mode of ["exit", "silent"]) {
      const options = { ...warm, command: ["node", fake, mode], timeoutMs: 800 }
      const [first, waited] = await Promise.all([warmDiagnostics(root, ["src/bad.ts"], options), warmDiagnostics(root, ["src/good.ts"], options)])
      const why = mode === "exit" ? /exited during initialize/ : /did not answer initialize within 800 ms/
      expect(first.server.error, mode).toMatch(why)
      expect(waited.server.error, mode).toMatch(why)
      expect(waited.server.error, mode).not.toMatch(/shut down/)
    }
    expect(warmServerCount()).toBe(0)
    expect(children()).toEqual([])
  })

  it("a process that exits or is killed leaves no server behind", { timeout: 60_000 }, async () => {
    const addon = join(repo, "native/analysis.linux-x64-gnu.node")
    const script = `
      const a = require(${JSON.stringify(addon)});
      a.lspStartAsync(JSON.stringify({ root: ${JSON.stringify(root)}, command: ${JSON.stringify([tsls, "--stdio"])} }))
        .then((r) => { console.log(JSON.parse(r).pid); if (process.argv[1] === "exit") process.exit(0); else setInterval(() => {}, 1000); });`
    for (const how of ["exit", "sigkill"]) {
      const child = spawn(process.execPath, ["-e", script, how], { stdio: ["ignore", "pipe", "inherit"] })
      const pid = await new Promise<number>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim()))))
      expect(pid, how).toBeGreaterThan(0)
      if (how === "sigkill") child.kill("SIGKILL")
      await new Promise((r) => child.once("exit", r))
      // exit: the addon's environment cleanup hook; SIGKILL: the server's stdin closes and it exits.
      expect(await gone(pid), how).toBe(true)
    }
  })
})
