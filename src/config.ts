import { readFileSync } from "node:fs"
import { homedir } from "node:os"
import { isAbsolute, join, relative, sep } from "node:path"
import type { PluginInput } from "@opencode-ai/plugin"
import { type ParseError, parse as parseJsonc, printParseErrorCode, stripComments } from "jsonc-parser"
import { z } from "zod"

/** `provider/model`, as OpenCode spells a model (the model part may hold more slashes). */
const MODEL_ID = /^[^/\s]+\/\S+$/

/** Settings applied to one of our agents' OpenCode config; unset means OpenCode's own default (your model). */
export const AgentSettings = z
  .object({
    model: z.string().regex(MODEL_ID).optional().describe('Model of this agent, "provider/model" (default: your OpenCode model)'),
    temperature: z.number().min(0).max(2).optional().describe("Sampling temperature of this agent"),
    top_p: z.number().min(0).max(1).optional().describe("Nucleus sampling (top_p) of this agent"),
    steps: z.number().int().min(1).optional().describe("Most agentic steps per turn before the agent must answer (OpenCode's agent `steps`)"),
    prompt_append: z.string().optional().describe("Text appended to this agent's built-in prompt"),
  })
  .strict()
export type AgentSettings = z.infer<typeof AgentSettings>

/** How to start (or not) the language server of one language. */
const LanguageServerSetting = z
  .object({
    command: z.array(z.string().min(1)).min(1).optional().describe('The server and its arguments, e.g. ["pyright-langserver", "--stdio"]'),
    enabled: z.boolean().optional().describe("false: never start a server for this language"),
  })
  .strict()

/** The language server of each language, and how long an idle one is kept (`languageServers`). */
const LanguageServerOptions = z
  .object({
    typescript: LanguageServerSetting.optional(),
    python: LanguageServerSetting.optional(),
    go: LanguageServerSetting.optional(),
    rust: LanguageServerSetting.optional(),
    idleSec: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .optional()
      .describe(
        "Seconds a language server keeps running after its last check, so the next check skips its start (default 300; 0: a fresh server for every check)",
      ),
  })
  .strict()
export type LanguageServerOptions = z.infer<typeof LanguageServerOptions>

/**
 * The configuration: one schema for every source (project file, global file,
 * plugin options) and for the published JSON schema (`npm run schema`).
 */
export const Options = z
  .object({
    $schema: z.string().optional().describe("JSON schema of this file (editors use it for completion and checks)"),
    concurrency: z.number().int().min(1).max(32).default(4).describe("Most workers (and reviewers) running at once"),
    concurrencyInitial: z
      .number()
      .int()
      .min(1)
      .max(32)
      .optional()
      .describe(
        "Workers running at once in the first round (default: concurrency); +1 per smooth round up to concurrency, halved on rate limits or memory pressure",
      ),
    maxAttempts: z.number().int().min(1).max(10).default(3).describe("Attempts per task before the mission fails"),
    maxTasks: z.number().int().min(1).max(100).default(12).describe("Tasks a plan may hold, re-plans included"),
    maxRounds: z.number().int().min(1).max(200).default(30).describe("Fork-join rounds before budget_exhausted"),
    planRetries: z.number().int().min(0).max(5).default(2).describe("Extra chances the planner gets for a valid plan"),
    childTimeoutSec: z.number().int().min(10).default(1200).describe("Wall time per child session"),
    verifyTimeoutSec: z.number().int().min(1).default(300).describe("Wall time per verify or evidence command"),
    maxChildSessions: z.number().int().min(1).default(200).describe("Child sessions a mission may start before budget_exhausted"),
    maxTokens: z.number().int().min(0).default(0).describe("Input + output tokens a mission may spend before budget_exhausted (0: no limit)"),
    maxCostUsd: z.number().min(0).default(0).describe("Cost in USD a mission may spend before budget_exhausted (0: no limit)"),
    missionTimeoutSec: z.number().int().min(0).default(0).describe("Wall time of a whole mission before budget_exhausted (0: no limit)"),
    providerRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe("Retries of a child turn that ended in a provider error (rate limit, overload), not counted as attempts"),
    typeCheck: z
      .object({
        enabled: z.boolean().default(true).describe("Run the type-check gate when a language server is available"),
        timeoutSec: z.number().int().min(5).max(600).default(60).describe("Wall time of one language-server check"),
      })
      .strict()
      .default({ enabled: true, timeoutSec: 60 })
      .describe("The gate that type-checks a task's changed files with a real language server (typescript-language-server for TS/JS)"),
    languageServers: LanguageServerOptions.default({}).describe(
      "Language servers for code_diagnostics and the type-check gate; TypeScript/JavaScript defaults to typescript-language-server --stdio",
    ),
    checkout: z
      .object({
        dependencies: z
          .array(
            z
              .string()
              .min(1)
              .refine((p) => !p.split("/").includes(".."), "must stay inside the repository"),
          )
          .default([])
          .describe(
            'Ignored directories to copy into every checkout besides node_modules, .venv and venv: names found anywhere (e.g. "vendor") or paths from the repository root (e.g. "build/cache")',
          ),
        setup: z
          .string()
          .min(1)
          .optional()
          .describe('Run once in each new checkout after its dependencies were copied, e.g. "npm run codegen"; a failure stops the mission'),
        install: z
          .string()
          .min(1)
          .optional()
          .describe(
            "Installs dependencies in a checkout whose manifests or lockfiles a task changed (default: setup, else from the lockfile, e.g. npm install)",
          ),
        timeoutSec: z.number().int().min(1).default(600).describe("Wall time of one setup or install"),
        keep: z
          .boolean()
          .default(true)
          .describe(
            "Keep the project's checkouts for its next mission, so their dependencies are not copied and OpenCode's instances there stay warm (false: they go with each mission)",
          ),
        idleDays: z.number().min(0).default(14).describe("Kept checkouts of a project unused this many days are removed (at the end of any mission)"),
        diskBudgetGB: z.number().min(0).default(20).describe("Kept checkouts of all projects together stay within this size; the least recently used go first"),
      })
      .strict()
      .default({ dependencies: [], timeoutSec: 600, keep: true, idleDays: 14, diskBudgetGB: 20 })
      .describe("How each task checkout gets what git does not track (see docs/configuration.md#checkouts)"),
    sandbox: z
      .object({
        required: z.boolean().default(false).describe("Refuse to start a mission when no sandbox (bubblewrap, sandbox-exec) is available"),
        network: z.boolean().default(true).describe("Let sandboxed commands use the network (installs, test suites)"),
      })
      .strict()
      .default({ required: false, network: true })
      .describe("The sandbox every model-written command runs in: it can write only its checkout and the mission's private home and temp"),
    maxMissionChars: z.number().int().min(100).default(20_000).describe("Longest mission text accepted"),
    briefTokens: z.number().int().min(0).max(20_000).default(2000).describe("Token budget of the mission context in each work order (0: none)"),
    repoMapTokens: z.number().int().min(0).max(20_000).default(1500).describe("Token budget of the repo map the planner gets (0: none)"),
    codeToolsForAllAgents: z.boolean().default(false).describe("Offer the code_* tools to your own agents too"),
    result: z
      .enum(["apply", "branch"])
      .default("apply")
      .describe("On seal: apply the integrated change to your working tree, or leave it on the mission's branch"),
    agents: z
      .object({
        commander: AgentSettings.optional(),
        planner: AgentSettings.optional(),
        worker: AgentSettings.optional(),
        reviewer: AgentSettings.optional(),
      })
      .strict()
      .default({})
      .describe("Per-agent model and sampling settings; your own agent.<id> in opencode.json wins field by field"),
  })
  .strict()
  .meta({ title: "opencode-orchestrator configuration" })
export type Options = z.infer<typeof Options>

export type OptionsResult = { ok: true; options: Options } | { ok: false; error: string; options: Options }

/** The JSON schema of the configuration file, as committed in `schema/orchestrator.schema.json`. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Options, {
    io: "input",
    target: "draft-7",
    // `.int()` implies the safe-integer range; say nothing where we set no bound.
    override: ({ jsonSchema }) => {
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum
    },
  }) as Record<string, unknown>
}

/** The committed file's exact text. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`
}

export const PROJECT_CONFIG = join(".opencode", "orchestrator.jsonc")

export interface LoadConfigInput {
  /** The project directory (the plugin's `directory`). */
  directory?: string
  /** Options from `"plugin": [["opencode-orchestrator", { ... }]]` in opencode.json. */
  pluginOptions?: unknown
  /** For tests; default `process.env` and the user's home directory. */
  env?: Record<string, string | undefined>
  home?: string
}

interface Source {
  /** How errors name this source. */
  label: string
  raw: unknown
}

/**
 * Reads the configuration, highest precedence first: `.opencode/orchestrator.jsonc`
 * in the project, the global `orchestrator.jsonc` (XDG config dir), the plugin
 * options, the defaults; merged key by key (nested objects too). A source with an
 * error is left out as a whole and reported — never silently replaced.
 */
export function loadConfig(input: LoadConfigInput): OptionsResult {
  const env = input.env ?? process.env
  const home = input.home ?? homedir()
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, ".config")
  const files = [
    ...(input.directory ? [{ path: join(input.directory, PROJECT_CONFIG), label: PROJECT_CONFIG.split(sep).join("/") }] : []),
    { path: join(xdg, "opencode", "orchestrator.jsonc"), label: tilde(join(xdg, "opencode", "orchestrator.jsonc"), home) },
  ]

  const found: Array<Source | string> = []
  for (const file of files) {
    const read = readJsonc(file.path, file.label)
    if (typeof read === "string") found.push(read)
    else if (read !== undefined) found.push({ label: file.label, raw: read })
  }
  if (input.pluginOptions !== undefined && input.pluginOptions !== null) {
    found.push({ label: PLUGIN_OPTIONS, raw: input.pluginOptions })
  }
  return combine(found)
}

const PLUGIN_OPTIONS = "opencode.json (plugin options)"

/** Validates each source on its own (so errors name it), then merges the valid ones over the defaults. */
function combine(found: ReadonlyArray<Source | string>): OptionsResult {
  const errors: string[] = []
  const valid: Array<Record<string, unknown>> = []
  for (const source of found) {
    if (typeof source === "string") {
      errors.push(source)
      continue
    }
    const result = Options.safeParse(source.raw)
    if (result.success) valid.push(source.raw as Record<string, unknown>)
    else errors.push(...describeProblems(source.label, source.raw, result.error.issues))
  }
  // Lowest precedence first, so each higher source wins key by key.
  const merged = valid.reduceRight<Record<string, unknown>>((acc, raw) => mergeDeep(acc, raw), {})
  const options = Options.parse(merged)
  if (!errors.length) return { ok: true, options }
  return {
    ok: false,
    options,
    error: `opencode-orchestrator: invalid configuration; fix it and restart OpenCode (missions are refused until then):\n${errors.map((e) => `- ${e}`).join("\n")}`,
  }
}

/** Errors already shown as a toast: OpenCode starts a plugin instance per directory, we toast once per process. */
const toasted = new Set<string>()

/** Logs a configuration error and shows it once as a toast; failures to do either are ignored. */
export function reportConfigError(client: PluginInput["client"], error: string): void {
  const attempt = (f: () => Promise<unknown>) => {
    try {
      f().catch(() => undefined)
    } catch {
      // a client without a TUI or a logger: the error still reaches every orchestrate call
    }
  }
  attempt(() => client.app.log({ body: { service: "orchestrator", level: "error", message: error } }))
  if (toasted.has(error)) return
  toasted.add(error)
  attempt(() => client.tui.showToast({ body: { title: "Orchestrator configuration", message: error, variant: "error" } }))
}

/** undefined: no such file; string: an error; otherwise the parsed value. */
function readJsonc(path: string, label: string): unknown {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === "ENOENT" || code === "ENOTDIR") return undefined
    return `${label}: cannot read: ${(e as Error).message}`
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (!stripComments(text).trim()) return {}
  const errors: ParseError[] = []
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false })
  if (!errors.length) return value
  return errors
    .slice(0, 3)
    .map((e) => {
      const { line, column } = position(text, e.offset)
      return `${label}:${line}:${column}: invalid JSONC: ${words(printParseErrorCode(e.error))}`
    })
    .join("; ")
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const line = before.split("\n").length
  return { line, column: offset - before.lastIndexOf("\n") }
}

/** "CommaExpected" → "comma expected" */
function words(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()
}

function tilde(path: string, home: string): string {
  const rel = relative(home, path)
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? `~/${rel.split(sep).join("/")}` : path
}

type Issue = z.core.$ZodIssue

/** One line per problem: `<source>: <key.path>: expected <type>, got <value>`. */
function describeProblems(label: string, raw: unknown, issues: readonly Issue[]): string[] {
  const schema = configJsonSchema()
  const lines = issues.flatMap((issue) => {
    const path = issue.path.map(String)
    if (issue.code === "unrecognized_keys") {
      const known = Object.keys(schemaAt(schema, path)?.properties ?? {})
      return issue.keys.map((key) => {
        const near = known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? known.find((k) => distance(k, key) <= 2)
        const hint = near ? `did you mean "${near}"?` : `expected one of ${known.join(", ")}`
        return `${label}: ${[...path, key].join(".")}: unknown key (${hint})`
      })
    }
    const where = path.length ? `${path.join(".")}: ` : ""
    const expected = describeSchema(schemaAt(schema, path))
    const line = expected ? `expected ${expected}, got ${describeValue(valueAt(raw, path))}` : issue.message
    return [`${label}: ${where}${line}`]
  })
  return [...new Set(lines)]
}

interface JsonSchema {
  type?: string
  enum?: unknown[]
  minimum?: number
  maximum?: number
  pattern?: string
  properties?: Record<string, JsonSchema>
}

function schemaAt(schema: unknown, path: string[]): JsonSchema | undefined {
  let node = schema as JsonSchema | undefined
  for (const key of path) node = node?.properties?.[key]
  return node
}

function describeSchema(schema: JsonSchema | undefined): string | undefined {
  if (!schema?.type && !schema?.enum) return undefined
  if (schema.type === "string" && schema.pattern === MODEL_ID.source) return 'string "provider/model"'
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`
  if (schema.type === "object") return "object"
  const { minimum: min, maximum: max } = schema
  if (min !== undefined && max !== undefined) return `${schema.type} from ${min} to ${max}`
  if (min !== undefined) return `${schema.type} ≥ ${min}`
  if (max !== undefined) return `${schema.type} ≤ ${max}`
  return schema.type
}

function valueAt(raw: unknown, path: string[]): unknown {
  let value = raw
  for (const key of path) value = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined
  return value
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "an array"
  if (value === undefined) return "nothing"
  if (value !== null && typeof value === "object") return "an object"
  const text = typeof value === "string" ? JSON.stringify(value) : String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
}

/** `over` wins key by key; nested objects are merged, anything else replaced. */
function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue
    const current = merged[key]
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value
  }
  return merged
}

/** Levenshtein distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    row = next
  }
  return row[b.length]!
}
