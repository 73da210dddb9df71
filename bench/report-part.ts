// The report shown as written: the standard 3-task mission run with the plugin before the change
// (the commander replies with the report: the tool's output is all the user could see) and after it
// (the engine's report is a text part of the session; the commander's reply is one line).
//   npx tsx bench/report-part.ts        (build first: npm run build)
// Env: BENCH_BEFORE_DIR — a built checkout of the plugin before the change (default: made with
//      `git worktree add` at BENCH_BEFORE_REV, default 7c1e8cc, and built with tsc);
//      BENCH_MISSION_RUNS (default 2) runs per side, medians reported.
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, readdirSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { startModelServer, type ModelServer } from "../test/support/model-server.js"
import { cleanupAll, makeProject, PLUGIN_UNDER_TEST, runOpencode } from "../test/support/opencode.js"
import { scriptedCoder } from "../test/support/scripted-coder.js"
import { FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, PLAN } from "../test/e2e/fixtures.js"
import { machine, median, requestTokens, table, tokens, TOKENIZER, writeResults } from "./support/common.js"
import { revisionOf, roleOf } from "./support/opencode-bench.js"

const RUNS = Number(process.env.BENCH_MISSION_RUNS ?? 2)
const BEFORE_REV = process.env.BENCH_BEFORE_REV ?? "7c1e8cc"

interface Run {
  ok: boolean
  requests: number
  commanderRequests: number
  inputTokens: number
  commanderInputTokens: number
  /** Tokens of the report as the engine wrote it. */
  reportTokens: number
  /** Tokens of the commander's last reply (the scripted model echoes the tool's output, as a faithful model would retype it). */
  replyTokens: number
  /** Whether the report reached `opencode run`'s output other than through the commander's reply. */
  reportShownAsPart: boolean
  reportText: string
  replyText: string
}

function beforeDir(): string {
  if (process.env.BENCH_BEFORE_DIR) return path.resolve(process.env.BENCH_BEFORE_DIR)
  const dir = path.join(tmpdir(), `opencode-orchestrator-before-${BEFORE_REV}`)
  if (!existsSync(dir)) {
    execFileSync("git", ["worktree", "add", "--detach", dir, BEFORE_REV], { cwd: PLUGIN_UNDER_TEST, stdio: "inherit" })
    symlinkSync(path.join(PLUGIN_UNDER_TEST, "node_modules"), path.join(dir, "node_modules"), "dir")
    execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: dir, stdio: "inherit" })
  }
  // The same native addon on both sides: without it the planner gets no repo map and the report two more notes.
  for (const file of readdirSync(path.join(PLUGIN_UNDER_TEST, "native")).filter((f) => f.endsWith(".node"))) {
    if (!existsSync(path.join(dir, "native", file))) copyFileSync(path.join(PLUGIN_UNDER_TEST, "native", file), path.join(dir, "native", file))
  }
  return dir
}

async function mission(server: ModelServer, plugin: string): Promise<Run> {
  const from = server.log.at(-1)?.seq ?? 0
  const project = makeProject({ git: true, files: MATH_PROJECT })
  const res = await runOpencode({
    project,
    model: server,
    plugins: [plugin],
    args: ["run", "--command", "task", "--format", "json"],
    stdin: MISSION,
    timeoutMs: 400_000,
  })
  const log = server.log.filter((e) => e.seq > from)
  const commander = log.filter((e) => roleOf(e) === "commander")
  const texts = res.events.filter((e) => e.type === "text").map((e) => e.part?.text ?? "")
  const report = texts.find((t) => t.includes("## Spent")) ?? ""
  const reply = texts.at(-1) ?? ""
  return {
    ok: res.code === 0 && /Mission sealed/.test(texts.join("\n")),
    requests: log.length,
    commanderRequests: commander.length,
    inputTokens: log.reduce((n, e) => n + requestTokens(e.request).total, 0),
    commanderInputTokens: commander.reduce((n, e) => n + requestTokens(e.request).total, 0),
    reportTokens: tokens(report),
    replyTokens: tokens(reply),
    reportShownAsPart: texts.length > 1 && reply !== report,
    reportText: report,
    replyText: reply,
  }
}

async function main(): Promise<void> {
  const started = new Date().toISOString()
  const before = beforeDir()
  const server = await startModelServer(
    scriptedCoder({ plan: () => PLAN, work: (order) => FILES_BY_TASK[order.taskId] ?? {}, review: (req) => honestPass(req.taskId) }),
  )
  const load = machine()
  const sides: Record<"before" | "after", Run[]> = { before: [], after: [] }
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const [side, plugin] of [
        ["before", before],
        ["after", PLUGIN_UNDER_TEST],
      ] as const) {
        const run = await mission(server, plugin)
        console.log(`${side} run ${i + 1}: ${JSON.stringify({ ...run, reportText: undefined, replyText: undefined })}`)
        sides[side].push(run)
      }
    }
  } finally {
    await server.close()
    await cleanupAll()
  }
  const summary = (runs: Run[]) => {
    const ok = runs.filter((r) => r.ok)
    const m = (f: (r: Run) => number) => median(ok.map(f))
    return {
      sealed: ok.length,
      runs: runs.length,
      requests: m((r) => r.requests),
      commanderRequests: m((r) => r.commanderRequests),
      inputTokens: m((r) => r.inputTokens),
      commanderInputTokens: m((r) => r.commanderInputTokens),
      reportTokens: m((r) => r.reportTokens),
      replyTokens: m((r) => r.replyTokens),
      reportShownAsPart: ok.every((r) => r.reportShownAsPart),
    }
  }
  const data = {
    started,
    opencode: "1.18.33",
    tokenizer: TOKENIZER,
    before: { ...revisionOf(before), ...summary(sides.before) },
    after: { ...revisionOf(PLUGIN_UNDER_TEST), ...summary(sides.after) },
    machine: { before: load, after: machine() },
    perRun: sides,
  }
  const b = data.before
  const a = data.after
  const md = [
    "# The report shown as written",
    "",
    `Measured ${started} · OpenCode 1.18.33 · tokenizer ${TOKENIZER} · ${load.cores} cores, load ${load.loadavg.join(" ")} · the standard 3-task mission (test/e2e/fixtures.ts), scripted model, medians of ${RUNS} runs per side.`,
    "",
    `Before: plugin ${b.commit} — the report was only the \`orchestrate\` tool's output, which the TUI does not draw, so the commander had to retype it. After: plugin ${a.commit}${a.dirty ? " + uncommitted changes" : ""} — the engine adds the report to the commander's message as a text part (drawn by the TUI, printed by \`opencode run\`), the tool's output to the model is its status line, and the commander's prompt asks for one sentence.`,
    "",
    table(
      ["", "before", "after"],
      [
        ["sealed runs", `${b.sealed}/${b.runs}`, `${a.sealed}/${a.runs}`],
        ["requests (all roles, title included)", b.requests, a.requests],
        ["commander requests", b.commanderRequests, a.commanderRequests],
        ["input tokens, whole mission", b.inputTokens, a.inputTokens],
        ["input tokens, commander", b.commanderInputTokens, a.commanderInputTokens],
        ["report tokens (as the engine wrote it)", b.reportTokens, a.reportTokens],
        ["commander's final reply, tokens the model produces", b.replyTokens, a.replyTokens],
        ["report reaches the user without the model", b.reportShownAsPart ? "yes" : "no", a.reportShownAsPart ? "yes" : "no"],
      ],
    ),
    "",
    `The commander no longer produces the report: ${b.replyTokens - a.replyTokens} output tokens fewer per mission here (the scripted model echoes the tool's output, as a faithful model would retype the report; a real model's retyped report is at least that long, is generated serially at the end of the mission, and may paraphrase). Requests are unchanged: the commander still answers once after the tool, now in one sentence. The commander's input changes by ${a.commanderInputTokens - b.commanderInputTokens} tokens over its ${a.commanderRequests} requests: it still sees the report once (as its own message's text instead of the tool's output), plus the report's first line again as the tool's output and the longer instruction in its prompt.`,
  ].join("\n")
  writeResults("report-part", data, md)
}

await main()
