// Prompt overhead: tokens of the system prompt + tool schemas that OpenCode actually sends to the
// model for each agent, captured at the scripted model server and counted with a real tokenizer.
//   npm run bench:prompts        (builds the plugin first)
// Env: BENCH_MISSION_RUNS (default 3) — runs of the standard 3-task mission (medians reported).
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import path from "node:path"
import type { LogEntry, ModelServer } from "../test/support/model-server.js"
import { startModelServer } from "../test/support/model-server.js"
import { cleanupAll, makeProject, type Project, runOpencode, startServe } from "../test/support/opencode.js"
import { scriptedCoder } from "../test/support/scripted-coder.js"
import { machine, median, requestTokens, type RequestTokens, RESULTS_DIR, round, table, TOKENIZER, writeResults } from "./support/common.js"
import { FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, PLAN } from "../test/e2e/fixtures.js"
import { npmInstall, PLUGIN_DIR, type PluginSpec, pluginRevision, roleOf, runTask } from "./support/opencode-bench.js"

const MISSION_RUNS = Number(process.env.BENCH_MISSION_RUNS ?? 3)
const SEED = "opencode-orchestrator@1.7.22"
const OMO = "oh-my-opencode"
const HI = "Say hi."

interface AgentRow extends RequestTokens {
  subject: string
  agent: string
  mode: string
  method: string
  error?: string
}

const project = (): Project => makeProject({ git: true, files: MATH_PROJECT })
const firstAfter = (server: ModelServer, seq: number, pred: (e: LogEntry) => boolean = () => true): LogEntry | undefined =>
  server.log.find((e) => e.seq > seq && !e.isTitleRequest && pred(e))
const lastSeq = (server: ModelServer): number => server.log.reduce((n, e) => Math.max(n, e.seq), 0)

/** A primary agent: `opencode run --agent <name>` with a trivial message; the run's first model request. */
async function measurePrimary(server: ModelServer, subject: string, plugins: PluginSpec[], agent: string): Promise<AgentRow> {
  const before = lastSeq(server)
  const res = await runOpencode({
    project: project(),
    model: server,
    plugins,
    // --model: some agents pin a provider's model that is not configured here (the mock is the only one).
    args: ["run", "--agent", agent, "--model", "mock/m", "--format", "json", HI],
    timeoutMs: 180_000,
  })
  const hit = firstAfter(server, before)
  const base = { subject, agent, mode: "primary", method: "opencode run --agent" }
  if (!hit) {
    const errors = res.events.filter((e) => e.type === "error").map((e) => JSON.stringify(e.error))
    return { ...base, ...requestTokens({}), error: `no model request (exit ${res.code}): ${[...errors, res.stderr.slice(-400)].join(" ").slice(0, 600)}` }
  }
  return { ...base, ...requestTokens(hit.request) }
}

interface AgentInfo {
  name: string
  mode: string
  hidden?: boolean
  prompt?: string
}

/**
 * Every agent a plugin adds or changes: primaries through `opencode run --agent`, subagents
 * prompted in a child session through the SDK (as a task tool or an engine would start them).
 */
async function measurePlugin(
  server: ModelServer,
  subject: string,
  plugins: PluginSpec[],
  baseline: AgentInfo[],
): Promise<{ rows: AgentRow[]; agents: AgentInfo[]; notes: string[] }> {
  const notes: string[] = []
  const p = project()
  const served = await startServe({ project: p, model: server, plugins, readyTimeoutMs: 120_000 })
  const rows: AgentRow[] = []
  let agents: AgentInfo[] = []
  try {
    agents = ((await served.client.app.agents()).data ?? []) as AgentInfo[]
    const base = new Map(baseline.map((a) => [a.name, a]))
    for (const a of agents) {
      const b = base.get(a.name)
      if (b && b.mode !== a.mode) notes.push(`changes OpenCode's \`${a.name}\` agent: mode ${b.mode} → ${a.mode}${a.hidden ? " (hidden)" : ""}`)
    }
    const mine = agents.filter((a) => {
      const b = base.get(a.name)
      if (!b) return true
      return !a.hidden && (a.prompt ?? "") !== (b.prompt ?? "")
    })
    const parent = (await served.client.session.create({ body: { title: "bench parent" } })).data!.id
    for (const a of mine.filter((x) => x.mode === "subagent")) {
      const before = lastSeq(server)
      const child = (await served.client.session.create({ body: { parentID: parent, title: `bench ${a.name}` } })).data!.id
      await served.client.session.promptAsync({
        path: { id: child },
        body: { agent: a.name, model: { providerID: "mock", modelID: "m" }, parts: [{ type: "text", text: HI }] },
      })
      const row = { subject, agent: a.name, mode: a.hidden ? "subagent (hidden)" : "subagent", method: "SDK prompt in a child session" }
      try {
        const hit = await server.waitFor((e) => e.seq > before && !e.isTitleRequest && e.sessionId === child, 60_000)
        rows.push({ ...row, ...requestTokens(hit.request) })
      } catch (err) {
        rows.push({ ...row, ...requestTokens({}), error: String(err) })
      }
      await served.client.session.abort({ path: { id: child } }).catch(() => undefined)
    }
    for (const a of mine.filter((x) => x.mode !== "subagent")) {
      if (a.hidden) continue
      rows.push(await measurePrimary(server, subject, plugins, a.name))
    }
  } finally {
    await served.kill()
  }
  rows.sort((x, y) => (x.mode === y.mode ? 0 : x.mode === "primary" ? -1 : 1))
  return { rows, agents, notes }
}

interface MissionRun {
  ok: boolean
  requests: number
  titleRequests: number
  totalInputTokens: number
  byRole: Record<string, { requests: number; inputTokens: number }>
  firstOfRole: Record<string, RequestTokens>
  wallMs: number
}

async function ourMission(server: ModelServer): Promise<MissionRun> {
  const before = lastSeq(server)
  const p = project()
  const res = await runTask(p, server, MISSION)
  const log = server.log.filter((e) => e.seq > before)
  const byRole: MissionRun["byRole"] = {}
  const firstOfRole: MissionRun["firstOfRole"] = {}
  let total = 0
  for (const e of log) {
    const role = roleOf(e)
    const t = requestTokens(e.request)
    total += t.total
    byRole[role] ??= { requests: 0, inputTokens: 0 }
    byRole[role].requests++
    byRole[role].inputTokens += t.total
    firstOfRole[role] ??= t
  }
  const text = res.events
    .filter((e) => e.type === "text")
    .map((e) => e.part?.text ?? "")
    .join("\n")
  return {
    ok: res.code === 0 && /Mission sealed/.test(text),
    requests: log.length,
    titleRequests: log.filter((e) => e.isTitleRequest).length,
    totalInputTokens: total,
    byRole,
    firstOfRole,
    wallMs: res.durationMs,
  }
}

type Data = Awaited<ReturnType<typeof measure>>

function render(data: Data): string {
  const rowsOf = (rs: AgentRow[]) =>
    rs.map((r) => [r.subject, r.agent, r.mode, r.system, r.tools, r.toolCount, r.fixed, r.error ? `error: ${r.error.slice(0, 80)}` : ""])
  return [
    "# Prompt overhead",
    "",
    `Measured ${data.started} · plugin ${data.plugin.commit}${data.plugin.dirty ? " + uncommitted changes" : ""} · OpenCode ${data.opencode} · tokenizer ${data.tokenizer} · ${data.machine.before.cores} cores, load ${data.machine.before.loadavg.join(" ")} before, ${data.machine.after.loadavg.join(" ")} after.`,
    "",
    "Tokens of the system prompt and the tool schemas in the first request OpenCode sends for each agent (captured at the scripted model server). `fixed` = system + tools, paid on every request of that agent.",
    "",
    "## Ours ÷ seed (opencode-orchestrator@1.7.22), target ≤ 25 %",
    "",
    table(
      ["role", "ours (fixed)", "seed (fixed)", "ours ÷ seed"],
      data.ratiosToSeed.map((r) => [r.role, r.ours, r.seed ?? "n/a", r.ratio === null ? "n/a" : `${round(r.ratio * 100, 1)} %`]),
    ),
    "",
    "## Per agent",
    "",
    table(
      ["subject", "agent", "mode", "system", "tools", "# tools", "fixed", "note"],
      [
        ...rowsOf(data.ours),
        ...rowsOf([data.build.noPlugin, data.build.withOurs]),
        ...data.competitors.flatMap((c) => (c.error ? [[c.subject, "—", "—", "—", "—", "—", "—", `failed: ${c.error.slice(0, 120)}`]] : rowsOf(c.rows))),
      ],
    ),
    "",
    "Where our roles' tokens go (tokens per tool schema, from the first request):",
    "",
    ...data.ours.map(
      (r) =>
        `- ${r.agent}: system ${r.system}; ${Object.entries(r.perTool)
          .sort((a, b) => b[1] - a[1])
          .map(([n, t]) => `${n} ${t}`)
          .join(", ")}`,
    ),
    "",
    "## One standard 3-task mission (ours)",
    "",
    `Median over ${data.mission.sealed} sealed runs (of ${data.mission.runs}): **${data.mission.medianTotalInputTokens} input tokens** in ${data.mission.medianRequests} requests (every request's messages + tools, title requests included).`,
    "",
    table(
      ["role", "requests", "input tokens"],
      Object.entries(data.mission.perRun.find((r) => r.ok)?.byRole ?? {}).map(([k, v]) => [k, v.requests, v.inputTokens]),
    ),
    "",
    `Loading ours into OpenCode changes the user's \`build\` agent by ${data.build.withOurs.fixed - data.build.noPlugin.fixed} tokens (system ${data.build.withOurs.system - data.build.noPlugin.system}, tools ${data.build.withOurs.tools - data.build.noPlugin.tools}${toolDiff(data.build.noPlugin, data.build.withOurs)}).`,
    "",
    ...data.competitors.flatMap((c) => c.notes.map((n) => `- ${c.subject} ${n}`)),
    ...data.failures.map((f) => `- failure: ${f}`),
  ].join("\n")
}

function toolDiff(a: RequestTokens, b: RequestTokens): string {
  const names = [...new Set([...Object.keys(a.perTool), ...Object.keys(b.perTool)])]
  const diffs = names.map((n) => [n, (b.perTool[n] ?? 0) - (a.perTool[n] ?? 0)] as const).filter(([, d]) => d !== 0)
  return diffs.length ? `; by tool: ${diffs.map(([n, d]) => `${n} ${d > 0 ? "+" : ""}${d}`).join(", ")}` : ""
}

async function measure() {
  const started = new Date().toISOString()
  const loadBefore = machine()
  const server = await startModelServer(scriptedCoder({ plan: () => PLAN, work: (o) => FILES_BY_TASK[o.taskId] ?? {}, review: (r) => honestPass(r.taskId) }))
  const failures: string[] = []
  try {
    // --- ours: the standard mission, several runs
    const runs: MissionRun[] = []
    for (let i = 0; i < MISSION_RUNS; i++) {
      const r = await ourMission(server)
      console.log(`mission run ${i + 1}: ok=${r.ok} requests=${r.requests} input tokens=${r.totalInputTokens} (${r.wallMs} ms)`)
      runs.push(r)
      await cleanupAll()
    }
    const okRuns = runs.filter((r) => r.ok)
    if (okRuns.length < runs.length) failures.push(`${runs.length - okRuns.length} of ${runs.length} mission runs did not seal`)
    const ours: AgentRow[] = (["commander", "planner", "worker", "reviewer"] as const).map((role) => {
      const t = (okRuns[0] ?? runs[0])?.firstOfRole[role]
      return {
        subject: "ours",
        agent: role,
        mode: role === "commander" ? "primary" : "subagent",
        method: "first request of the role in a /task mission",
        ...(t ?? requestTokens({})),
        ...(t ? {} : { error: "role sent no request" }),
      }
    })

    // --- everything else gets a scripted "ok"
    server.setScript(() => ({ text: "ok" }))

    // --- OpenCode with no plugin, and with ours loaded (the user's build agent)
    const baselineServe = await startServe({ project: project(), model: server, plugins: [], readyTimeoutMs: 120_000 })
    const baseline = ((await baselineServe.client.app.agents()).data ?? []) as AgentInfo[]
    await baselineServe.kill()
    const buildPlain = await measurePrimary(server, "OpenCode (no plugin)", [], "build")
    const buildOurs = await measurePrimary(server, "OpenCode + ours", [PLUGIN_DIR], "build")
    await cleanupAll()

    // --- competitors
    const competitors: { subject: string; spec: string; version?: string; rows: AgentRow[]; notes: string[]; error?: string }[] = []
    let omoSpec = OMO
    try {
      omoSpec = `${OMO}@${execFileSync("npm", ["view", OMO, "version"], { encoding: "utf8" }).trim()}`
    } catch (err) {
      failures.push(`npm view ${OMO} failed: ${String(err).slice(0, 200)}`)
    }
    for (const spec of [SEED, omoSpec]) {
      try {
        const pkg = npmInstall(spec)
        const subject = `${pkg.name}@${pkg.version}`
        console.log(`measuring ${subject}`)
        const { rows, notes } = await measurePlugin(server, subject, [pkg.dir], baseline)
        competitors.push({ subject, spec, version: pkg.version, rows, notes })
      } catch (err) {
        competitors.push({ subject: spec, spec, rows: [], notes: [], error: String(err).slice(0, 1500) })
      } finally {
        await cleanupAll()
      }
    }

    // --- ratios against the seed
    const seed = competitors.find((c) => c.spec === SEED)
    const ratios = ours.map((o) => {
      const s = seed?.rows.find((r) => r.agent.toLowerCase() === o.agent)
      return { role: o.agent, ours: o.fixed, seed: s?.fixed ?? null, ratio: s?.fixed ? round(o.fixed / s.fixed, 3) : null }
    })
    const mission = {
      runs: runs.length,
      sealed: okRuns.length,
      medianTotalInputTokens: median(okRuns.map((r) => r.totalInputTokens)),
      medianRequests: median(okRuns.map((r) => r.requests)),
      perRun: runs.map((r) => ({
        ok: r.ok,
        requests: r.requests,
        titleRequests: r.titleRequests,
        totalInputTokens: r.totalInputTokens,
        byRole: r.byRole,
        wallMs: r.wallMs,
      })),
    }
    const data = {
      benchmark: "prompt-overhead",
      started,
      finished: new Date().toISOString(),
      tokenizer: TOKENIZER,
      plugin: pluginRevision(),
      opencode: execFileSync(process.execPath, ["-e", "console.log(require('./node_modules/opencode-ai/package.json').version)"], { encoding: "utf8" }).trim(),
      machine: { before: loadBefore, after: machine() },
      definitions: {
        system: "tokens of the system message(s) of the agent's first request",
        tools: "tokens of the JSON `tools` array of that request (names, descriptions, parameter schemas)",
        fixed: "system + tools: paid on every request of that agent",
        total: "fixed + the conversation's messages (for a first request: the user's message)",
      },
      ours,
      ratiosToSeed: ratios,
      mission,
      build: { noPlugin: buildPlain, withOurs: buildOurs },
      competitors,
      failures,
    }

    return data
  } finally {
    await server.close()
    await cleanupAll()
  }
}

async function main(): Promise<void> {
  // BENCH_RENDER_ONLY=1 re-renders the Markdown from the last JSON without measuring.
  const data = process.env.BENCH_RENDER_ONLY ? (JSON.parse(readFileSync(path.join(RESULTS_DIR, "prompt-overhead.json"), "utf8")) as Data) : await measure()
  const md = render(data)
  writeResults("prompt-overhead", data, md)
  console.log(md)
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
