// Diagnostics latency for one changed TypeScript file through the addon's
// LSP client and the real typescript-language-server, medians of N runs,
// three ways interleaved in one process:
//   cold      a fresh server per call (spawn, initialize, tsserver project
//             load, diagnostics, shutdown) — `diagnostics()`
//   warm      one server kept running; the file changes, then one check
//             (change → diagnostics complete) — `lspStart` once, `lspCheck`
//   checkout  the same warm server (rooted one level up) checks the file in
//             a fresh copy of the project each run, as the type-check gate
//             does with each task attempt's new worktree
//   npm run bench:diagnostics   → bench/results/diagnostics.{json,md}
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { diagnostics, languages, lspCheck, lspClose, lspStart } from "../src/native/index.js"

const repo = resolve(import.meta.dirname, "..")
const runs = Number(process.env.RUNS ?? 7)
/** The addon's settle time, which every call here uses (none passes its own). */
const SETTLE_MS = languages().settleMs
const base = mkdtempSync(join(tmpdir(), "bench-diagnostics-"))
const root = join(base, "project")
mkdirSync(join(root, "src"), { recursive: true })
writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true } }))
for (let i = 0; i < 20; i++) {
  writeFileSync(join(root, `src/m${i}.ts`), `export function f${i}(x: number): number { return x + ${i}; }\n`)
}
const command = [join(repo, "node_modules/.bin/typescript-language-server"), "--stdio"]
/** A new type error each run, so every run is a real change. */
const changed = (i: number) => `import { f1 } from "./m1.js";\nexport const v${i}: string = f1(${i});\n`
writeFileSync(join(root, "src/changed.ts"), changed(5000))
// Copies are made before the symlink so they get their own link below.
symlinkSync(join(repo, "node_modules"), join(root, "node_modules"), "dir")

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

function expectError(what: string, files: { diagnostics: { code?: string }[] }[], error?: string): void {
  const found = files[0]?.diagnostics.some((d) => d.code === "2322")
  if (!found || error) throw new Error(`${what}: unexpected report ${JSON.stringify({ files, error })}`)
}

async function startWarm(at: string, file: string): Promise<{ id: number; firstMs: number }> {
  const t = performance.now()
  const start = await lspStart(at, { command, timeoutMs: 60_000 })
  if (start.id === undefined) throw new Error(`no warm server: ${start.server.error}`)
  const first = await lspCheck(start.id, [file], { timeoutMs: 60_000 })
  expectError("first warm check", first.files, first.error)
  return { id: start.id, firstMs: performance.now() - t }
}

const warm = await startWarm(root, "src/changed.ts")
const checkouts = await startWarm(base, "project/src/changed.ts")

const cold: { totalMs: number; initializeMs: number; diagnosticsMs: number; shutdownMs: number }[] = []
const warmRuns: { totalMs: number; diagnosticsMs: number }[] = []
const checkoutRuns: { totalMs: number; diagnosticsMs: number }[] = []
for (let i = 0; i < runs; i++) {
  writeFileSync(join(root, "src/changed.ts"), changed(i))
  let t = performance.now()
  const report = await diagnostics(root, ["src/changed.ts"], { command, timeoutMs: 60_000 })
  cold.push({ totalMs: performance.now() - t, ...report.timings })
  expectError(`cold run ${i}`, report.files, report.server.error)

  writeFileSync(join(root, "src/changed.ts"), changed(i + 1000))
  t = performance.now()
  const check = await lspCheck(warm.id, ["src/changed.ts"], { timeoutMs: 60_000 })
  warmRuns.push({ totalMs: performance.now() - t, diagnosticsMs: check.diagnosticsMs })
  expectError(`warm run ${i}`, check.files, check.error)

  const copy = join(base, `checkout-${i}`)
  cpSync(root, copy, { recursive: true, filter: (src) => !src.endsWith("node_modules") })
  symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"), "dir")
  writeFileSync(join(copy, "src/changed.ts"), changed(i + 2000))
  t = performance.now()
  const other = await lspCheck(checkouts.id, [`checkout-${i}/src/changed.ts`], { timeoutMs: 60_000 })
  checkoutRuns.push({ totalMs: performance.now() - t, diagnosticsMs: other.diagnosticsMs })
  expectError(`checkout run ${i}`, other.files, other.error)
}
await lspClose(warm.id)
await lspClose(checkouts.id)
rmSync(base, { recursive: true, force: true })

const ms = (x: number) => Math.round(x)
const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, loadavg: loadavg().map((x) => Number(x.toFixed(2))) },
  server: "typescript-language-server 5.3.0 (typescript 5.9)",
  runs,
  settleMs: SETTLE_MS,
  cold: {
    medianTotalMs: ms(median(cold.map((s) => s.totalMs))),
    medianInitializeMs: median(cold.map((s) => s.initializeMs)),
    medianDiagnosticsMs: median(cold.map((s) => s.diagnosticsMs)),
    medianShutdownMs: median(cold.map((s) => s.shutdownMs)),
  },
  warm: {
    firstCheckMs: ms(warm.firstMs),
    medianTotalMs: ms(median(warmRuns.map((s) => s.totalMs))),
    medianDiagnosticsMs: median(warmRuns.map((s) => s.diagnosticsMs)),
  },
  newCheckout: {
    firstCheckMs: ms(checkouts.firstMs),
    medianTotalMs: ms(median(checkoutRuns.map((s) => s.totalMs))),
  },
  samples: { cold, warm: warmRuns, newCheckout: checkoutRuns },
}
mkdirSync(join(repo, "bench/results"), { recursive: true })
writeFileSync(join(repo, "bench/results/diagnostics.json"), `${JSON.stringify(result, null, 2)}\n`)
const md = [
  "# Diagnostics latency (one changed TS file, real typescript-language-server)",
  "",
  `${result.date}, ${result.machine.cpus} cores, load average ${result.machine.loadavg.join(" ")}; medians of ${runs} runs, interleaved; settle time ${SETTLE_MS} ms in every case.`,
  "",
  "| mode | median ms (call → report) |",
  "|---|---:|",
  `| cold: a fresh server per call | ${result.cold.medianTotalMs} |`,
  `| warm: the same server, the file changed | ${result.warm.medianTotalMs} |`,
  `| warm: the same server, the file in a new copy of the project | ${result.newCheckout.medianTotalMs} |`,
  "",
  `Cold, by phase: spawn → initialize answered ${result.cold.medianInitializeMs} ms; didOpen → diagnostics complete ${result.cold.medianDiagnosticsMs} ms; shutdown/exit/kill ${result.cold.medianShutdownMs} ms.`,
  `The warm server's own first check (start included) took ${result.warm.firstCheckMs} ms; the one rooted above the copies ${result.newCheckout.firstCheckMs} ms.`,
  "A warm check re-opens the changed file (didClose, barrier request, didOpen) and waits for the reports plus the settle time;",
  "typescript-language-server itself waits 300 ms (its diagnostics debounce) before asking tsserver.",
  "",
].join("\n")
writeFileSync(join(repo, "bench/results/diagnostics.md"), md)
console.log(md)
