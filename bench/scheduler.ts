// Scheduler benchmarks.
//   npm run bench:scheduler            (builds the plugin first)
//   (a) engine overhead per task: runMission with a fake SessionGate whose sessions take a fixed time;
//   (b) real `opencode` + a scripted model that takes 2 s per reply: 4 independent tasks at plugin
//       option concurrency 4 vs 1, and the same 4 tasks through OpenCode's own `task` tool.
// Env: BENCH_ENGINE_RUNS (default 5), BENCH_E2E_RUNS (default 3), BENCH_ONLY=engine|e2e,
//      BENCH_SESSION_MS (default 20), BENCH_REPLY_MS (default 2000),
//      BENCH_ENGINE_SIZES (default 10,50,100,200), BENCH_ENGINE_SUBJECT (checkout measured by (a), default this one),
//      BENCH_ENGINE_BASELINE (another checkout: (a) runs both, interleaved, and compares after ÷ before).
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import type { PlanSpec, TaskSpec } from "../src/mission/plan.js"
import type { LogEntry, ModelRequest, Reply } from "../test/support/model-server.js"
import { startModelServer } from "../test/support/model-server.js"
import { cleanupAll, makeProject, runOpencode } from "../test/support/opencode.js"
import { scriptedCoder, workingDirectory } from "../test/support/scripted-coder.js"
import { machine, median, RESULTS_DIR, round, sleep, table, writeResults } from "./support/common.js"
import { type BenchScript, type EngineCheckout, loadEngineCheckout } from "./support/engine-checkout.js"
import { pluginRevision, type revisionOf, roleOf, runTask } from "./support/opencode-bench.js"

const ENGINE_RUNS = Number(process.env.BENCH_ENGINE_RUNS ?? 5)
const E2E_RUNS = Number(process.env.BENCH_E2E_RUNS ?? 3)
const SESSION_MS = Number(process.env.BENCH_SESSION_MS ?? 20)
const REPLY_MS = Number(process.env.BENCH_REPLY_MS ?? 2000)
const ENGINE_CONCURRENCY = 8
const ENGINE_SIZES = (process.env.BENCH_ENGINE_SIZES ?? "10,50,100,200").split(",").map(Number)
const ENGINE_SUBJECT = process.env.BENCH_ENGINE_SUBJECT ?? path.resolve(import.meta.dirname, "..")
const ENGINE_BASELINE = process.env.BENCH_ENGINE_BASELINE
const ONLY = process.env.BENCH_ONLY

// ------------------------------------------------------------------ (a) engine overhead

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "b",
  GIT_AUTHOR_EMAIL: "b@example.invalid",
  GIT_COMMITTER_NAME: "b",
  GIT_COMMITTER_EMAIL: "b@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
}

function gitRepo(): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "orch-bench-")))
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: GIT_ENV, stdio: "ignore" })
  git("init", "-q", "-b", "main")
  git("config", "core.autocrlf", "false")
  writeFileSync(path.join(dir, "README.md"), "# bench\n")
  git("add", "-A")
  git("commit", "-q", "-m", "init")
  return dir
}

const independentTasks = (n: number): TaskSpec[] =>
  Array.from({ length: n }, (_, i) => {
    const id = `T${i + 1}`
    return {
      id,
      title: `Task ${id}`,
      description: `Create ${id.toLowerCase()}.txt.`,
      files: [`${id.toLowerCase()}.txt`],
      dependsOn: [],
      acceptance: [`${id.toLowerCase()}.txt exists`],
    }
  })

interface EngineRun {
  tasks: number
  wallMs: number
  idealMs: number
  status: string
  sessions: number
}

/**
 * Ideal time: the sessions' own time on the critical path if the engine cost nothing —
 * planner + ceil(n/c) worker waves + ceil(n/c) reviewer waves + the final review.
 */
const idealMs = (n: number, c: number, d: number): number => d * (2 + 2 * Math.ceil(n / c))

/**
 * Runs `fn` with a fresh, empty checkout home (`$XDG_CACHE_HOME/opencode-orchestrator`), removed
 * afterwards: kept checkouts neither pile up in the user's cache nor slow later runs' pruning.
 */
async function withFreshCache<T>(fn: () => Promise<T>): Promise<T> {
  const cache = realpathSync(mkdtempSync(path.join(os.tmpdir(), "orch-bench-cache-")))
  const saved = process.env.XDG_CACHE_HOME
  process.env.XDG_CACHE_HOME = cache
  try {
    return await fn()
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME
    else process.env.XDG_CACHE_HOME = saved
    rmSync(cache, { recursive: true, force: true })
  }
}

async function engineRun(checkout: EngineCheckout, n: number): Promise<EngineRun> {
  return withFreshCache(() => engineMission(checkout, n))
}

async function engineMission(checkout: EngineCheckout, n: number): Promise<EngineRun> {
  const dir = gitRepo()
  const plan: PlanSpec = { summary: `${n} independent files.`, tasks: independentTasks(n) }
  const script: BenchScript = {
    planner: async (t) => {
      await sleep(SESSION_MS)
      t.submitPlan(plan)
    },
    worker: async (t) => {
      await sleep(SESSION_MS)
      t.write(`${t.call.task.toLowerCase()}.txt`, `done ${t.call.task}\n`)
    },
    reviewer: async (t) => {
      await sleep(SESSION_MS)
      t.submitVerdict(checkout.pass)
    },
  }
  const started = performance.now()
  try {
    const outcome = await checkout.runMission({
      mission: `Create ${n} files.`,
      directory: dir,
      script,
      options: { concurrency: ENGINE_CONCURRENCY, verifyTimeoutSec: 60 },
      // maxTasks is capped at 100 in the user-facing schema; the bench lifts it to reach 200 tasks, and the
      // child-session budget (default 200) to the planner, a worker and a reviewer per task, and the final review.
      lifted: { maxTasks: Math.max(n, 12), maxChildSessions: 2 * n + 2 },
    })
    const wallMs = performance.now() - started
    return { tasks: n, wallMs, idealMs: idealMs(n, ENGINE_CONCURRENCY, SESSION_MS), status: outcome.status, sessions: outcome.sessions }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const spread = (xs: number[]) => ({ min: round(Math.min(...xs), 2), max: round(Math.max(...xs), 2) })

/** One revision's runs of one size: medians and the run-to-run spread of the overhead per task. */
function engineRow(n: number, runs: EngineRun[]) {
  const sealed = runs.filter((r) => r.status === "sealed")
  const overheads = sealed.map((r) => (r.wallMs - r.idealMs) / n)
  return {
    tasks: n,
    concurrency: ENGINE_CONCURRENCY,
    sessionMs: SESSION_MS,
    runs: runs.length,
    sealed: sealed.length,
    idealMs: idealMs(n, ENGINE_CONCURRENCY, SESSION_MS),
    medianWallMs: round(median(sealed.map((r) => r.wallMs)), 1),
    medianOverheadPerTaskMs: round(median(overheads), 2),
    overheadPerTaskSpreadMs: sealed.length ? spread(overheads) : null,
    overheadPerTaskMs: overheads.map((x) => round(x, 2)),
    statuses: runs.map((r) => r.status),
  }
}
type EngineRow = ReturnType<typeof engineRow>

/** After ÷ before for one size: of the medians, and of each interleaved pair (run i of both). */
function compareRows(before: EngineRow, after: EngineRow, beforeRuns: EngineRun[], afterRuns: EngineRun[]) {
  const overhead = (r: EngineRun) => (r.wallMs - r.idealMs) / r.tasks
  const pairs = beforeRuns.flatMap((b, i) => {
    const a = afterRuns[i]
    return a && a.status === "sealed" && b.status === "sealed" ? [overhead(a) / overhead(b)] : []
  })
  return {
    tasks: before.tasks,
    beforeMedianOverheadPerTaskMs: before.medianOverheadPerTaskMs,
    beforeSpreadMs: before.overheadPerTaskSpreadMs,
    afterMedianOverheadPerTaskMs: after.medianOverheadPerTaskMs,
    afterSpreadMs: after.overheadPerTaskSpreadMs,
    overheadAfterOverBefore: round(after.medianOverheadPerTaskMs / before.medianOverheadPerTaskMs, 3),
    wallAfterOverBefore: round(after.medianWallMs / before.medianWallMs, 3),
    pairsOverheadAfterOverBefore: pairs.map((x) => round(x, 3)),
    /** The after median is no higher than the slowest before run. */
    withinBeforeSpread: before.overheadPerTaskSpreadMs !== null && after.medianOverheadPerTaskMs <= before.overheadPerTaskSpreadMs.max,
  }
}

async function engineBench() {
  const after = await loadEngineCheckout(ENGINE_SUBJECT)
  const before = ENGINE_BASELINE ? await loadEngineCheckout(ENGINE_BASELINE) : undefined
  const sides = before
    ? [
        { label: "before", checkout: before },
        { label: "after", checkout: after },
      ]
    : [{ label: "after", checkout: after }]
  // Unrecorded warm-up per checkout (module loading, JIT); it also proves the checkout can be driven.
  for (const { checkout } of sides) {
    const r = await engineRun(checkout, 2)
    if (r.status !== "sealed") throw new Error(`cannot drive ${checkout.dir}: a 2-task warm-up mission ended ${r.status}`)
  }
  const rows: EngineRow[] = []
  const baselineRows: EngineRow[] = []
  const comparison: ReturnType<typeof compareRows>[] = []
  for (const n of ENGINE_SIZES) {
    const runs = new Map(sides.map((s) => [s.label, [] as EngineRun[]]))
    for (let i = 0; i < ENGINE_RUNS; i++) {
      // Interleaved run by run, and the order flips every run, so load and warmth hit both alike.
      for (const { label, checkout } of i % 2 ? [...sides].reverse() : sides) {
        const r = await engineRun(checkout, n)
        console.log(`engine ${label} (${checkout.revision.commit}) n=${n} run ${i + 1}: ${Math.round(r.wallMs)} ms (ideal ${r.idealMs}) ${r.status}`)
        runs.get(label)!.push(r)
      }
    }
    const afterRow = engineRow(n, runs.get("after")!)
    rows.push(afterRow)
    if (before) {
      const beforeRow = engineRow(n, runs.get("before")!)
      baselineRows.push(beforeRow)
      comparison.push(compareRows(beforeRow, afterRow, runs.get("before")!, runs.get("after")!))
    }
  }
  const describe = (c: EngineCheckout) => ({ ...c.revision, fakeSdk: c.fakeSdk })
  return {
    source: describe(after),
    rows,
    ...(before ? { baseline: { source: describe(before), rows: baselineRows }, comparison } : {}),
  }
}

// ------------------------------------------------------------------ (b) real OpenCode

const FOUR: TaskSpec[] = [1, 2, 3, 4].map((i) => ({
  id: `T${i}`,
  title: `Add f${i}()`,
  description: `Create src/f${i}.ts exporting f${i}(): number that returns ${i}.`,
  files: [`src/f${i}.ts`],
  dependsOn: [],
  acceptance: [`f${i}() returns ${i}`],
  verify: [`test -f src/f${i}.ts`],
}))
const FOUR_PLAN = { summary: "Four independent modules.", tasks: FOUR }
const FOUR_MISSION = "Add src/f1.ts … src/f4.ts, each exporting fN(): number that returns N."
const filesOf = (id: string): Record<string, string> => {
  const i = id.replace(/^T/, "")
  return { [`src/f${i}.ts`]: `export function f${i}(): number {\n  return ${i}\n}\n` }
}
/** TypeScript with a strict tsconfig, so every task's change goes through the type-check gate's language server. */
const PROJECT_FILES = {
  "package.json": '{ "name": "four", "type": "module" }\n',
  "tsconfig.json": '{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "ESNext" }, "include": ["src"] }\n',
  "src/index.ts": 'export const name = "four"\n',
  "README.md": "# four\n",
}

interface E2eRun {
  variant: string
  ok: boolean
  /** `opencode run` process, start to exit (includes OpenCode's startup). */
  processMs: number
  /** First model request start → last model request end (title requests excluded). */
  modelSpanMs: number
  /** First worker request start → last worker request end: the 4 tasks' work. */
  workSpanMs: number
  /** First worker request start → last task-review request end (ours); = work span for the task tool. */
  tasksSpanMs: number
  /** End of the last request before the first worker request (the plan, or the task tool's call) → end of the tasks span: also counts creating the checkouts and OpenCode's start-up in each new directory. */
  roundSpanMs: number
  requests: number
  /** Ours: model requests on the serial path (commander, planner, final review) and of the 4 tasks (workers, task reviews). */
  serialRequests?: number
  taskRequests?: number
  note?: string
}

function spans(
  log: LogEntry[],
  isWork: (e: LogEntry) => boolean,
  isTaskReview: (e: LogEntry) => boolean = () => false,
): { modelSpanMs: number; workSpanMs: number; tasksSpanMs: number; roundSpanMs: number } {
  const work = log.filter((e) => !e.isTitleRequest)
  const span = (es: LogEntry[]) => (es.length ? Math.max(...es.map((e) => e.endedAt)) - Math.min(...es.map((e) => e.startedAt)) : NaN)
  const tasks = work.filter((e) => isWork(e) || isTaskReview(e))
  const firstWork = Math.min(...work.filter(isWork).map((e) => e.startedAt))
  const roundStart = Math.max(...work.filter((e) => e.startedAt < firstWork).map((e) => e.endedAt))
  const roundSpanMs = tasks.length ? Math.max(...tasks.map((e) => e.endedAt)) - roundStart : NaN
  return { modelSpanMs: span(work), workSpanMs: span(work.filter(isWork)), tasksSpanMs: span(tasks), roundSpanMs }
}

const isTaskRequest = (e: LogEntry): boolean => roleOf(e) === "worker" || (roleOf(e) === "reviewer" && /^# T\d · /m.test(e.firstUserText))

async function ours(concurrency: number): Promise<E2eRun> {
  const server = await startModelServer(
    scriptedCoder({
      delayMs: REPLY_MS,
      plan: () => FOUR_PLAN,
      work: (o) => filesOf(o.taskId),
      review: (r) => ({
        verdict: "pass",
        summary: `Checked ${r.taskId}.`,
        issues: [],
        evidence: [{ command: r.taskId === "mission" ? "true" : `test -f src/f${r.taskId.slice(1)}.ts`, exitCode: 0 }],
      }),
    }),
  )
  try {
    const project = makeProject({ git: true, files: PROJECT_FILES })
    const res = await runTask(project, server, FOUR_MISSION, { concurrency })
    const text = res.events
      .filter((e) => e.type === "text")
      .map((e) => e.part?.text ?? "")
      .join("\n")
    const ok = res.code === 0 && /Mission sealed/.test(text) && [1, 2, 3, 4].every((i) => project.exists(`src/f${i}.ts`))
    return {
      variant: `ours c=${concurrency}`,
      ok,
      processMs: res.durationMs,
      ...spans(server.log, (e) => roleOf(e) === "worker", isTaskRequest),
      requests: server.work().length,
      taskRequests: server.work().filter(isTaskRequest).length,
      serialRequests: server.work().filter((e) => !isTaskRequest(e)).length,
      ...(ok ? {} : { note: `exit ${res.code}; ${text.slice(0, 200)} ${res.stderr.slice(-300)}` }),
    }
  } finally {
    await server.close()
    await cleanupAll()
  }
}

/** The build agent hands the 4 work orders to OpenCode's `task` tool in one response. */
async function taskTool(): Promise<E2eRun> {
  const orderOf = (t: TaskSpec) => `# ${t.id} · ${t.title}\n\n${t.description}\n\nAcceptance:\n- ${t.acceptance.join("\n- ")}`
  const script = (req: ModelRequest): Reply => {
    const delay = { delayMs: REPLY_MS }
    const head = /^# (T\d) · /m.exec(req.firstUserText())
    if (head?.[1]) {
      // A subagent session (the task tool's child): write the files, then report.
      if (req.toolResults().length > 0) return { text: `Done: ${head[1]}.`, ...delay }
      const root = workingDirectory(req)
      return {
        toolCalls: Object.entries(filesOf(head[1])).map(([p, content]) => ({ name: "write", arguments: { filePath: `${root}/${p}`, content } })),
        ...delay,
      }
    }
    if (!req.offers("task")) return { text: `no task tool offered: ${req.toolNames.join(", ")}` }
    if (req.toolResults().some((r) => r.name === "task")) return { text: "All four tasks are done.", ...delay }
    return {
      toolCalls: FOUR.map((t) => ({ name: "task", arguments: { description: t.title, prompt: orderOf(t), subagent_type: "general" } })),
      ...delay,
    }
  }
  const server = await startModelServer(script)
  try {
    const project = makeProject({ git: true, files: PROJECT_FILES })
    const res = await runOpencode({
      project,
      model: server,
      args: ["run", "--agent", "build", "--format", "json", FOUR_MISSION],
      timeoutMs: 400_000,
    })
    const ok = res.code === 0 && [1, 2, 3, 4].every((i) => project.exists(`src/f${i}.ts`))
    return {
      variant: "OpenCode task tool (build, no plugin)",
      ok,
      processMs: res.durationMs,
      ...spans(server.log, (e) => /^# T\d · /m.test(e.firstUserText)),
      requests: server.work().length,
      ...(ok
        ? {}
        : {
            note: `exit ${res.code}; ${server
              .work()
              .map((e) => e.reply)
              .join(" / ")
              .slice(0, 300)} ${res.stderr.slice(-300)}`,
          }),
    }
  } finally {
    await server.close()
    await cleanupAll()
  }
}

async function e2eBench() {
  const runs: E2eRun[] = []
  // Interleaved, so that the machine's load hits every variant alike.
  for (let i = 0; i < E2E_RUNS; i++) {
    for (const run of [() => ours(4), () => ours(1), () => taskTool()]) {
      const r = await run()
      console.log(
        `${r.variant} run ${i + 1}: ok=${r.ok} process ${r.processMs} ms, model span ${r.modelSpanMs} ms, round span ${r.roundSpanMs} ms, work span ${r.workSpanMs} ms, tasks span ${r.tasksSpanMs} ms${r.note ? ` (${r.note})` : ""}`,
      )
      runs.push(r)
    }
  }
  const variants = [...new Set(runs.map((r) => r.variant))]
  const summary = variants.map((v) => {
    const ok = runs.filter((r) => r.variant === v && r.ok)
    return {
      variant: v,
      runs: runs.filter((r) => r.variant === v).length,
      ok: ok.length,
      medianProcessMs: median(ok.map((r) => r.processMs)),
      medianModelSpanMs: median(ok.map((r) => r.modelSpanMs)),
      medianWorkSpanMs: median(ok.map((r) => r.workSpanMs)),
      medianTasksSpanMs: median(ok.map((r) => r.tasksSpanMs)),
      medianRoundSpanMs: median(ok.map((r) => r.roundSpanMs)),
      medianRequests: median(ok.map((r) => r.requests)),
    }
  })
  const get = (v: string) => summary.find((s) => s.variant === v)
  const c4 = get("ours c=4")
  const c1 = get("ours c=1")
  const tt = get("OpenCode task tool (build, no plugin)")
  const ratio = (a?: number, b?: number) => (a && b ? round(a / b, 2) : null)
  const ratios = {
    c1OverC4Process: ratio(c1?.medianProcessMs, c4?.medianProcessMs),
    c1OverC4ModelSpan: ratio(c1?.medianModelSpanMs, c4?.medianModelSpanMs),
    c1OverC4WorkSpan: ratio(c1?.medianWorkSpanMs, c4?.medianWorkSpanMs),
    c1OverC4TasksSpan: ratio(c1?.medianTasksSpanMs, c4?.medianTasksSpanMs),
    c1OverC4RoundSpan: ratio(c1?.medianRoundSpanMs, c4?.medianRoundSpanMs),
    oursC4OverTaskToolProcess: ratio(c4?.medianProcessMs, tt?.medianProcessMs),
    oursC4OverTaskToolWorkSpan: ratio(c4?.medianWorkSpanMs, tt?.medianWorkSpanMs),
  }
  // Amdahl: with no overhead at all, c=1 takes S + 4T and c=4 takes S + T, S = the serial replies, T = one task's replies.
  const serial = median(runs.filter((r) => r.ok && r.serialRequests !== undefined).map((r) => r.serialRequests!))
  const perTask = median(runs.filter((r) => r.ok && r.taskRequests !== undefined).map((r) => r.taskRequests!)) / 4
  const bound = { serialReplies: serial, repliesPerTask: perTask, c1OverC4: round((serial + 4 * perTask) / (serial + perTask), 2) }
  return { replyMs: REPLY_MS, runs, summary, ratios, bound }
}

// ------------------------------------------------------------------ main

type Revision = ReturnType<typeof revisionOf>
interface Previous {
  engineSource?: Revision
  plugin?: Revision
  engine?: { measuredAt: string; machine: ReturnType<typeof machine> } & Awaited<ReturnType<typeof engineBench>>
  e2e?: { measuredAt: string; machine: ReturnType<typeof machine>; machineAfter?: ReturnType<typeof machine> } & Awaited<ReturnType<typeof e2eBench>>
}

function readPrevious(): Previous | undefined {
  try {
    return JSON.parse(readFileSync(path.join(RESULTS_DIR, "scheduler.json"), "utf8")) as Previous
  } catch {
    return undefined
  }
}

const sourceLabel = (s: Revision) => `${s.commit}${s.dirty ? " + uncommitted changes" : ""}`
const spreadLabel = (s: { min: number; max: number } | null | undefined) => (s ? `${s.min}–${s.max}` : "–")

function engineMarkdown(engine: NonNullable<Previous["engine"]>, source: Revision): string[] {
  const md = [
    `## (a) Engine overhead (src/ at ${sourceLabel(source)}; fake SessionGate, every session ${engine.rows[0]?.sessionMs} ms, concurrency ${ENGINE_CONCURRENCY}, temp git repo, median of ${engine.rows[0]?.runs} runs)`,
    "",
    `Measured ${engine.measuredAt}, load ${engine.machine.loadavg.join(" ")}.`,
    "",
    "Overhead per task = (wall − ideal) / tasks; ideal = planner + ⌈n/c⌉ worker waves + ⌈n/c⌉ reviewer waves + final review, each one session long.",
    "",
    table(
      ["tasks", "ideal ms", "median wall ms", "median overhead / task ms", "min–max ms", "sealed"],
      engine.rows.map((r) => [r.tasks, r.idealMs, r.medianWallMs, r.medianOverheadPerTaskMs, spreadLabel(r.overheadPerTaskSpreadMs), `${r.sealed}/${r.runs}`]),
    ),
    "",
  ]
  if (engine.baseline && engine.comparison) {
    md.push(
      `### Before (${sourceLabel(engine.baseline.source)}, ${engine.baseline.source.dir}) and after (${sourceLabel(source)}), interleaved run by run in one process`,
      "",
      "Each checkout runs its own engine against its own fake SDK; the order of the two flips every run. Overhead per task in ms: median (min–max over the runs); after ÷ before of the medians, and of each interleaved pair.",
      "",
      table(
        ["tasks", "before", "after", "after ÷ before", "pairs after ÷ before", "after median ≤ slowest before run"],
        engine.comparison.map((c) => [
          c.tasks,
          `${c.beforeMedianOverheadPerTaskMs} (${spreadLabel(c.beforeSpreadMs)})`,
          `${c.afterMedianOverheadPerTaskMs} (${spreadLabel(c.afterSpreadMs)})`,
          c.overheadAfterOverBefore,
          c.pairsOverheadAfterOverBefore.join(", "),
          c.withinBeforeSpread ? "yes" : "no",
        ]),
      ),
      "",
    )
  }
  return md
}

async function main(): Promise<void> {
  const started = new Date().toISOString()
  const before = machine()
  // BENCH_ONLY re-runs one part and keeps the other part of the previous results.
  const previous = ONLY ? readPrevious() : undefined
  const plugin = ONLY === "engine" ? previous?.plugin : pluginRevision()
  const engine = ONLY === "e2e" ? previous?.engine : { measuredAt: started, machine: before, ...(await engineBench()) }
  const engineSource = ONLY === "e2e" ? previous?.engineSource : engine?.source
  const e2eStarted = new Date().toISOString()
  const e2e = ONLY === "engine" ? previous?.e2e : { measuredAt: e2eStarted, machine: machine(), ...(await e2eBench()), machineAfter: machine() }
  const after = machine()
  const data = { benchmark: "scheduler", started, engineSource, plugin, finished: new Date().toISOString(), machine: { before, after }, engine, e2e }
  const md: string[] = ["# Scheduler", "", `${before.cores} cores; the machine was shared with other work (load averages 1/5/15 min below).`, ""]
  if (engine && engineSource) md.push(...engineMarkdown(engine, engineSource))
  if (e2e && plugin) {
    md.push(
      `## (b) Real OpenCode (plugin ${plugin.commit}${plugin.dirty ? " + uncommitted changes" : ""}), 4 independent tasks, scripted model ${e2e.replyMs} ms per reply (median of ${e2e.summary[0]?.runs} interleaved runs)`,
      "",
      `Measured ${e2e.measuredAt}, load ${e2e.machine.loadavg.join(" ")} at the start, ${e2e.machineAfter?.loadavg.join(" ") ?? "(not recorded)"} at the end.`,
      "",
      "The project is TypeScript with a strict tsconfig: each task's change passes the syntax, type-check (warm language server) and verify gates before its review. process = `opencode run` start to exit; model span = first to last model request; work span = first to last request of the 4 tasks' worker/subagent sessions; tasks span = work span through the last task review (ours); round span = from the end of the request before the first worker request (the plan; the task tool's call) to the end of the tasks span, so it also counts creating the checkouts and OpenCode's start-up in each new directory, which the tasks span counts only for tasks 2–4 at c=1. Ours includes planning, 4 reviews and the final review; the task tool does no planning or review.",
      "",
      table(
        ["variant", "ok", "process ms", "model span ms", "round span ms", "work span ms", "tasks span ms", "requests"],
        e2e.summary.map((s) => [
          s.variant,
          `${s.ok}/${s.runs}`,
          s.medianProcessMs,
          s.medianModelSpanMs,
          s.medianRoundSpanMs,
          s.medianWorkSpanMs,
          s.medianTasksSpanMs,
          s.medianRequests,
        ]),
      ),
      "",
      `- c=1 ÷ c=4 (target ≥ 3.6×): process ${e2e.ratios.c1OverC4Process}×, model span ${e2e.ratios.c1OverC4ModelSpan}×, round span ${e2e.ratios.c1OverC4RoundSpan}×, work span ${e2e.ratios.c1OverC4WorkSpan}×, tasks span ${e2e.ratios.c1OverC4TasksSpan}×`,
      `- ours c=4 ÷ task tool: process ${e2e.ratios.oursC4OverTaskToolProcess}×, work span ${e2e.ratios.oursC4OverTaskToolWorkSpan}×`,
      ...(e2e.bound
        ? [
            `- Bound for the whole mission with zero overhead (Amdahl): ${e2e.bound.serialReplies} replies are serial (commander, planner, final review) and each task takes ${e2e.bound.repliesPerTask} (worker, review), so c=1 ÷ c=4 ≤ (${e2e.bound.serialReplies} + 4 × ${e2e.bound.repliesPerTask}) ÷ (${e2e.bound.serialReplies} + ${e2e.bound.repliesPerTask}) = ${e2e.bound.c1OverC4}×; the tasks span is what concurrency can speed up.`,
          ]
        : []),
      "",
    )
  }
  writeResults("scheduler", data, md.join("\n"))
  console.log(md.join("\n"))
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
