import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import type { PluginInput } from "@opencode-ai/plugin"
import { afterEach, describe, expect, it } from "vitest"
import { configJsonSchemaText, loadConfig, Options, reportConfigError } from "../../src/config.js"
import { pluginOptions } from "../support/helpers.js"

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A project directory and a home directory, each with an optional orchestrator.jsonc. */
function setup(files: { project?: string; global?: string; xdg?: string } = {}) {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "orch-config-")))
  made.push(root)
  const project = path.join(root, "project")
  const home = path.join(root, "home")
  const xdg = path.join(root, "xdg")
  const write = (dir: string, text: string | undefined) => {
    if (text === undefined) return
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, "orchestrator.jsonc"), text)
  }
  mkdirSync(project, { recursive: true })
  write(path.join(project, ".opencode"), files.project)
  write(path.join(home, ".config", "opencode"), files.global)
  write(path.join(xdg, "opencode"), files.xdg)
  const load = (pluginOptions?: unknown, env: Record<string, string> = {}) => loadConfig({ directory: project, pluginOptions, home, env })
  return { project, home, xdg, load }
}

function errorOf(result: ReturnType<typeof loadConfig>): string {
  if (result.ok) throw new Error("expected a configuration error")
  return result.error
}

const DEFAULTS = Options.parse({})

describe("config.ts loadConfig", () => {
  it("uses the defaults when there is nothing to read", () => {
    const result = setup().load()
    expect(result).toEqual({ ok: true, options: DEFAULTS })
    expect(DEFAULTS).toMatchObject({ concurrency: 4, maxAttempts: 3, maxTasks: 12, codeToolsForAllAgents: false, agents: {} })
  })

  it("takes the project file over the global file over plugin options over defaults", () => {
    const { load } = setup({
      project: `{ "concurrency": 8 }`,
      global: `{ "concurrency": 6, "maxAttempts": 5 }`,
    })
    const result = load({ concurrency: 2, maxAttempts: 2, maxTasks: 20 })
    expect(result.ok).toBe(true)
    expect(result.options).toMatchObject({ concurrency: 8, maxAttempts: 5, maxTasks: 20, maxRounds: DEFAULTS.maxRounds })
  })

  it("reads the global file under XDG_CONFIG_HOME when it is set", () => {
    const { load, xdg } = setup({ global: `{ "maxTasks": 7 }`, xdg: `{ "maxTasks": 9 }` })
    expect(load(undefined, { XDG_CONFIG_HOME: xdg }).options.maxTasks).toBe(9)
    expect(load().options.maxTasks).toBe(7)
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    expect(load(undefined, { XDG_CONFIG_HOME: "rel/dir" }).options.maxTasks).toBe(7)
  })

  it("merges agents key by key across sources", () => {
    const { load } = setup({
      project: `{ "agents": { "worker": { "model": "anthropic/claude-haiku-4-5" } } }`,
      global: `{ "agents": { "worker": { "temperature": 0.2, "model": "openai/gpt-5" }, "reviewer": { "steps": 12 } } }`,
    })
    const result = load({ agents: { planner: { top_p: 0.9 }, worker: { steps: 40 } } })
    expect(result.ok).toBe(true)
    expect(result.options.agents).toEqual({
      worker: { model: "anthropic/claude-haiku-4-5", temperature: 0.2, steps: 40 },
      reviewer: { steps: 12 },
      planner: { top_p: 0.9 },
    })
  })

  it("accepts JSONC: comments, trailing commas, $schema, an empty file", () => {
    const { load } = setup({
      project: `// mine\n{\n  "$schema": "https://unpkg.com/opencode-orchestrator/schema/orchestrator.schema.json",\n  /* block */ "concurrency": 3,\n}\n`,
      global: "// nothing yet\n",
    })
    const result = load()
    expect(result.ok).toBe(true)
    expect(result.options.concurrency).toBe(3)
  })

  it("reports bad JSONC syntax with the file, line and column", () => {
    const { load } = setup({ project: `{\n  "concurrency": 3\n  "maxTasks": 4\n}\n` })
    const error = errorOf(load())
    expect(error).toContain("- .opencode/orchestrator.jsonc:3:3: invalid JSONC: comma expected")
  })

  it("names the file, key path, expected type and value of a wrong type", () => {
    const { load } = setup({ project: `{ "concurrency": "four" }` })
    const error = errorOf(load())
    expect(error).toMatch(/^opencode-orchestrator: invalid configuration/)
    expect(error).toContain(`- .opencode/orchestrator.jsonc: concurrency: expected integer from 1 to 32, got "four"`)
  })

  it("reports out-of-range and non-integer values with the expected range", () => {
    const { load } = setup({ global: `{ "childTimeoutSec": 5, "maxAttempts": 1.5, "agents": { "worker": { "temperature": 3 } } }` })
    const lines = errorOf(load()).split("\n").slice(1)
    expect(lines).toEqual([
      "- ~/.config/opencode/orchestrator.jsonc: maxAttempts: expected integer from 1 to 10, got 1.5",
      "- ~/.config/opencode/orchestrator.jsonc: childTimeoutSec: expected integer ≥ 10, got 5",
      "- ~/.config/opencode/orchestrator.jsonc: agents.worker.temperature: expected number from 0 to 2, got 3",
    ])
  })

  it("reports an unknown key with its path and the keys it could be", () => {
    const { load } = setup({ project: `{ "agents": { "wroker": {} , "planner": { "modle": "a/b" } }, "colour": 1 }` })
    const error = errorOf(load())
    expect(error).toContain(`- .opencode/orchestrator.jsonc: agents.wroker: unknown key (did you mean "worker"?)`)
    expect(error).toContain(`- .opencode/orchestrator.jsonc: agents.planner.modle: unknown key (did you mean "model"?)`)
    expect(error).toMatch(/- \.opencode\/orchestrator\.jsonc: colour: unknown key \(expected one of \$schema, concurrency, .*agents\)/)
  })

  it("reports a model that is not provider/model, wrong enum values and a non-object file", () => {
    expect(errorOf(setup({ project: `{ "agents": { "worker": { "model": "gpt-5" } } }` }).load())).toContain(
      `agents.worker.model: expected string "provider/model", got "gpt-5"`,
    )
    expect(errorOf(setup({ project: `{ "result": "merge" }` }).load())).toContain(`result: expected one of "apply", "branch", got "merge"`)
    expect(errorOf(setup({ project: `[1, 2]` }).load())).toContain(`- .opencode/orchestrator.jsonc: expected object, got an array`)
    expect(errorOf(setup({ project: `{ "agents": { "worker": null } }` }).load())).toContain(`agents.worker: expected object, got null`)
  })

  it("names plugin options as the source of their errors", () => {
    const error = errorOf(pluginOptions({ concurrency: 0, verbose: true }))
    expect(error).toContain("- opencode.json (plugin options): concurrency: expected integer from 1 to 32, got 0")
    expect(error).toContain("- opencode.json (plugin options): verbose: unknown key")
  })

  it("never silently replaces a bad source: it is left out as a whole, reported, and the others still apply", () => {
    const { load } = setup({ project: `{ "concurrency": 0, "maxTasks": 50 }`, global: `{ "maxTasks": 8, "agents": { "worker": { "model": "a/b" } } }` })
    const result = load({ maxRounds: 10 })
    expect(result.ok).toBe(false)
    expect(result.options).toMatchObject({ concurrency: 4, maxTasks: 8, maxRounds: 10, agents: { worker: { model: "a/b" } } })
    expect(errorOf(result).split("\n")).toHaveLength(2)
  })

  it("lists every broken source, highest precedence first", () => {
    const { load } = setup({ project: `{ "concurrency": "x" }`, global: `{ oops }` })
    const lines = errorOf(load({ maxTasks: 0 }))
      .split("\n")
      .slice(1)
    expect(lines[0]).toMatch(/^- \.opencode\/orchestrator\.jsonc: concurrency: /)
    expect(lines[1]).toMatch(/^- ~\/\.config\/opencode\/orchestrator\.jsonc:1:3: invalid JSONC: /)
    expect(lines.at(-1)).toMatch(/^- opencode\.json \(plugin options\): maxTasks: /)
  })

  it("logs the error and shows it as a toast, ignoring failures", async () => {
    const calls: string[] = []
    const client = {
      app: { log: async (input: { body: { message: string } }) => void calls.push(`log ${input.body.message}`) },
      tui: {
        showToast: async (input: { body: { message: string; variant: string } }) => {
          calls.push(`toast ${input.body.variant} ${input.body.message}`)
          throw new Error("no TUI")
        },
      },
    } as unknown as PluginInput["client"]
    reportConfigError(client, "bad")
    reportConfigError(client, "bad") // another plugin instance (directory) with the same error: logged, not toasted again
    reportConfigError({} as PluginInput["client"], "worse") // no client methods at all: still no throw
    await new Promise((r) => setTimeout(r, 0))
    expect(calls).toEqual(["log bad", "toast error bad", "log bad"])
  })
})

describe("schema/orchestrator.schema.json", () => {
  it("is what the zod schema generates (run `npm run schema` after changing src/config.ts)", () => {
    const committed = readFileSync(new URL("../../schema/orchestrator.schema.json", import.meta.url), "utf8")
    expect(committed).toBe(configJsonSchemaText())
  })

  it("allows $schema and forbids unknown keys, like the zod schema", () => {
    const schema = JSON.parse(configJsonSchemaText())
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.$schema.type).toBe("string")
    expect(schema.required).toBeUndefined()
    expect(Object.keys(schema.properties.agents.properties)).toEqual(["commander", "planner", "worker", "reviewer"])
  })
})
