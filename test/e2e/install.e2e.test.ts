// Installed by name, as a user installs it: the packed tarballs (`npm run pack:all`) are published to a
// local registry that never proxies our names upstream; real OpenCode, configured with
// `"plugin": ["opencode-orchestrator"]` and that registry, installs the plugin itself — with no Rust
// toolchain on PATH — and a mission seals, a code tool answers from the prebuilt addon, and the syntax
// gate catches an unparsable change; without the platform package the plugin still works and says
// why. Also measures the time to the first model request: installed by
// name with a cold cache, with a warm cache, and OpenCode without the plugin.
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { delimiter, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ModelServer, startModelServer } from "../support/model-server.js"
import { makeProject, type Project, REPO_ROOT, runOpencode } from "../support/opencode.js"
import { type Registry, startRegistry } from "../support/registry.js"
import { scriptedCoder } from "../support/scripted-coder.js"
import { honestPass, MATH_PROJECT, MUL, MUL_UNPARSABLE, PLAN, T2 } from "./fixtures.js"
import { debugDump, finalText, readMission, sessionsOf } from "./mission-helpers.js"

const NAME = "opencode-orchestrator"
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version
const MISSION = "Add mul(a, b) in src/mul.js with a node:test test under test/."

/** PATH without any directory holding cargo or rustc: the install must not need a toolchain. */
function pathWithoutRust(): string {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => dir && !existsSync(join(dir, "cargo")) && !existsSync(join(dir, "rustc")))
    .join(delimiter)
}

/** Points the sandbox's npm configuration (which OpenCode's installer reads) at the local registry. */
function useRegistry(project: Project, registry: Registry): void {
  writeFileSync(join(project.sandbox.dirs.home, ".npmrc"), `registry=${registry.url}\n`)
}

/** Milliseconds from spawning `opencode run` to the model server's first request. */
async function timeToFirstRequest(project: Project, plugins: string[]): Promise<number> {
  const server = await startModelServer(() => ({ text: "hello" }))
  try {
    const started = Date.now()
    const res = await runOpencode({
      project,
      model: server,
      plugins,
      args: ["run", "--format", "json", "Say hello."],
      timeoutMs: 120_000,
      env: { PATH: pathWithoutRust() },
    })
    expect(res.code, res.stderr.slice(-2000)).toBe(0)
    const first = Math.min(...server.log.map((e) => e.startedAt))
    expect(Number.isFinite(first)).toBe(true)
    return first - started
  } finally {
    await server.close()
  }
}

describe("install by name from a registry", () => {
  let registry: Registry
  let tarballs: string[] = []

  beforeAll(async () => {
    // Built now, from this checkout: the plugin's dist and this machine's platform package.
    execFileSync("npm", ["run", "pack:all"], { cwd: REPO_ROOT, stdio: "pipe" })
    const dir = join(REPO_ROOT, "out/pack")
    tarballs = readdirSync(dir)
      .filter((f) => f.endsWith(".tgz"))
      .map((f) => join(dir, f))
    registry = await startRegistry()
    // The platform package first, as a release does: the plugin's optionalDependencies name it.
    for (const t of [...tarballs].sort((a, b) => b.length - a.length)) registry.publish(t)
  }, 120_000)

  afterAll(async () => {
    await registry?.close()
  })

  it("OpenCode installs opencode-orchestrator by name without a Rust toolchain: a mission seals, code_outline answers, the syntax gate runs; without the platform package it still seals and says why", async () => {
    expect(tarballs.map((t) => t.split("/").pop()).sort()).toEqual([`${NAME}-${VERSION}.tgz`, `${NAME}-linux-x64-gnu-${VERSION}.tgz`])
    // The registry serves our version only, never the older ones upstream holds under this name.
    const versions = execFileSync("npm", ["view", NAME, "versions", "--json", "--userconfig", registry.userconfig], { encoding: "utf8" })
    expect([JSON.parse(versions)].flat()).toEqual([VERSION])
    expect(() => execFileSync("sh", ["-c", "command -v cargo || command -v rustc"], { env: { PATH: pathWithoutRust() }, stdio: "pipe" })).toThrow()

    // Cold: a fresh sandbox, nothing cached; OpenCode installs the plugin on this start.
    const cold = makeProject({ git: true, files: MATH_PROJECT })
    useRegistry(cold, registry)
    const coldMs = await timeToFirstRequest(cold, [NAME])

    // Where OpenCode put it: its own package cache, with the platform package beside it and no sources.
    const installed = join(cold.sandbox.dirs.cache, "opencode/packages", `${NAME}@latest`, "node_modules")
    const manifest = JSON.parse(readFileSync(join(installed, NAME, "package.json"), "utf8")) as { version: string }
    expect(manifest.version).toBe(VERSION)
    expect(existsSync(join(installed, `${NAME}-linux-x64-gnu`, "analysis.linux-x64-gnu.node"))).toBe(true)
    expect(existsSync(join(installed, NAME, "crates"))).toBe(false)
    expect(existsSync(join(installed, NAME, "native"))).toBe(false)
    expect(existsSync(join(installed, NAME, "test"))).toBe(false)

    // The mission, in the same sandbox (warm cache): the planner first asks for an outline.
    let outline: string | undefined
    const coder = scriptedCoder({
      delayMs: 100,
      plan: () => ({ ...PLAN, tasks: [{ ...T2, dependsOn: [] }] }),
      work: (order) => (order.attempt === 1 ? MUL_UNPARSABLE : MUL),
      review: (req) => honestPass(req.taskId),
    })
    const server: ModelServer = await startModelServer((req) => {
      if (!req.isTitleRequest && req.offers("submit_plan") && req.offers("code_outline")) {
        const done = req.toolResults().find((r) => r.name === "code_outline")
        if (!done) return { toolCalls: [{ name: "code_outline", arguments: { files: ["src/index.js"] } }] }
        outline ??= done.output
      }
      return coder(req)
    })
    const project = makeProject({ git: true, files: MATH_PROJECT, sandbox: cold.sandbox })
    const res = await runOpencode({
      project,
      model: server,
      plugins: [NAME],
      args: ["run", "--command", "task", "--format", "json", "--print-logs"],
      stdin: MISSION,
      timeoutMs: 200_000,
      env: { PATH: pathWithoutRust() },
    })
    debugDump(server, res)
    await server.close()
    expect(res.code, res.stderr.slice(-3000)).toBe(0)

    // The code tool answered from the prebuilt addon inside OpenCode's Bun runtime.
    expect(outline, "code_outline result").toContain("version")
    expect(outline).not.toMatch(/not installed|not built|failed to load/)
    // The syntax gate ran: the unparsable first attempt was caught, the second passed.
    const { state } = readMission(project)
    expect(state.tasks[0]!.attempts.map((a) => a.outcome)).toEqual(["syntax_failed", "passed"])
    const retry = sessionsOf(server, "worker")[1]!
    expect(retry.firstUserText).toMatch(/These files do not parse:\n\n- src\/mul\.js:\d+:\d+: /)
    expect((state as typeof state & { notes: string[] }).notes.join("\n")).not.toContain("syntax gate skipped")
    expect(state.status).toBe("sealed")
    expect(finalText(res)).toMatch(/^\*\*Mission sealed\*\*/m)
    expect(project.read("src/mul.js")).toBe(MUL["src/mul.js"])

    // Warm cache, then no plugin at all, in the same sandbox.
    const warm = makeProject({ git: true, files: MATH_PROJECT, sandbox: cold.sandbox })
    const warmMs = await timeToFirstRequest(warm, [NAME])
    const bare = makeProject({ git: true, files: MATH_PROJECT, sandbox: cold.sandbox })
    const bareMs = await timeToFirstRequest(bare, [])
    // Without its platform package (as on a platform with none): the plugin still loads, the code tools
    // answer with the reason (not a checkout's build command), the syntax gate is skipped and the report says so.
    rmSync(join(installed, `${NAME}-linux-x64-gnu`), { recursive: true })
    let missingOutline: string | undefined
    const plain = scriptedCoder({ plan: () => ({ ...PLAN, tasks: [{ ...T2, dependsOn: [] }] }), work: () => MUL, review: (req) => honestPass(req.taskId) })
    const server2 = await startModelServer((req) => {
      if (!req.isTitleRequest && req.offers("submit_plan") && req.offers("code_outline")) {
        const done = req.toolResults().find((r) => r.name === "code_outline")
        if (!done) return { toolCalls: [{ name: "code_outline", arguments: { files: ["src/index.js"] } }] }
        missingOutline ??= done.output
      }
      return plain(req)
    })
    const noAddon = makeProject({ git: true, files: MATH_PROJECT, sandbox: cold.sandbox })
    const res2 = await runOpencode({
      project: noAddon,
      model: server2,
      plugins: [NAME],
      args: ["run", "--command", "task", "--format", "json"],
      stdin: MISSION,
      timeoutMs: 200_000,
      env: { PATH: pathWithoutRust() },
    })
    await server2.close()
    expect(res2.code, res2.stderr.slice(-3000)).toBe(0)
    expect(missingOutline).toContain(`the native code-analysis addon is not installed (looked for the package ${NAME}-linux-x64-gnu`)
    expect(missingOutline).toContain(
      `reinstall the plugin with its optional dependencies: delete OpenCode's copy (rm -rf ${join(cold.sandbox.dirs.cache, "opencode/packages", `${NAME}@latest`)}) and restart OpenCode`,
    )
    expect(missingOutline).not.toContain("npm run build:native")
    const after = readMission(noAddon).state as ReturnType<typeof readMission>["state"] & { notes: string[] }
    expect(after.status).toBe("sealed")
    expect(after.notes.join("\n")).toContain("syntax gate skipped: the native code-analysis addon is not installed")
    expect(finalText(res2)).toContain("syntax gate skipped: the native code-analysis addon is not installed")

    console.log(`install e2e: time to first model request — installed by name, cold cache ${coldMs} ms; warm ${warmMs} ms; without the plugin ${bareMs} ms`)
  }, 420_000)
})
