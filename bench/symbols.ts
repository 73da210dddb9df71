// Benchmark: code_definition / code_references latency (the addon's symbol
// index) on a generated ≥5,000-file TypeScript repository, cold (fresh index:
// walk + parse every file) and warm (walk + stat only), medians of several runs.
//
//   npm run build:native && npm run bench:symbols
//
// Results: bench/results/symbols.json and bench/results/symbols.md.

import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { definition, nativeStatus, references, type SymbolReport } from "../src/native/index.js"

const here = dirname(fileURLToPath(import.meta.url))
const FILES = Number(process.env.BENCH_FILES ?? 5000)
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 3)
const WARM_RUNS = Number(process.env.BENCH_RUNS ?? 7)
const DIRS = 50

function moduleText(i: number): string {
  const dep = (k: number): number => (i * 7 + k * 131) % FILES
  const deps = [dep(1), dep(2), dep(3)].filter((d) => d !== i)
  const path = (d: number): string => `../d${d % DIRS}/mod${d}.js`
  return [
    ...deps.map((d) => `import { fn${d}, Service${d} } from "${path(d)}";`),
    `import { createLogger } from "../d0/mod0.js";`,
    "",
    `const log = createLogger("mod${i}");`,
    "",
    `export interface Options${i} {`,
    "  verbose: boolean;",
    "  retries: number;",
    "}",
    "",
    `export function fn${i}(opts: Options${i}): number {`,
    `  log("fn${i}", opts.verbose);`,
    `  let total = ${i};`,
    ...deps.map((d) => `  total += fn${d}({ verbose: opts.verbose, retries: opts.retries - 1 });`),
    "  return total;",
    "}",
    "",
    `export class Service${i} {`,
    "  private count = 0;",
    "  init(): void {",
    "    this.count = 0;",
    "  }",
    "  handle(input: string): string {",
    "    this.count += 1;",
    ...deps.map((d) => `    new Service${d}().init();`),
    "    return input.trim() + String(this.count);",
    "  }",
    "}",
    "",
    `export function createLogger(name: string): (msg: string, flag?: boolean) => void {`,
    "  return (msg) => console.log(name, msg);",
    "}",
    "",
  ].join("\n")
}

function generate(dir: string): number {
  let bytes = 0
  const old = new Date(Date.now() - 3_600_000)
  for (let i = 0; i < FILES; i++) {
    const file = join(dir, "src", `d${i % DIRS}`, `mod${i}.ts`)
    mkdirSync(dirname(file), { recursive: true })
    const text = moduleText(i)
    bytes += Buffer.byteLength(text)
    writeFileSync(file, text)
    utimesSync(file, old, old) // settled files: warm calls trust mtime+size
  }
  return bytes
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

async function timed(run: () => Promise<SymbolReport>): Promise<{ ms: number; report: SymbolReport }> {
  const start = performance.now()
  const report = await run()
  return { ms: performance.now() - start, report }
}

interface Row {
  case: string
  runs: number
  medianMs: number
  minMs: number
  maxMs: number
  parsed: number
  refreshMs: number
  results: string
}

async function main(): Promise<void> {
  const status = nativeStatus()
  if (!status.available) throw new Error(status.reason)
  const base = mkdtempSync(join(tmpdir(), "bench-symbols-"))
  const master = join(base, "master")
  const bytes = generate(master)
  const target = `fn${Math.floor(FILES / 2) + 17}`
  const rows: Row[] = []
  const record = (name: string, samples: { ms: number; report: SymbolReport }[], what: (r: SymbolReport) => string) => {
    const last = samples[samples.length - 1]?.report
    if (!last) return
    const ms = samples.map((s) => s.ms)
    rows.push({
      case: name,
      runs: samples.length,
      medianMs: Math.round(median(ms) * 10) / 10,
      minMs: Math.round(Math.min(...ms) * 10) / 10,
      maxMs: Math.round(Math.max(...ms) * 10) / 10,
      parsed: last.stats.parsed,
      refreshMs: median(samples.map((s) => s.report.stats.refreshMs)),
      results: what(last),
    })
    console.log(rows[rows.length - 1])
  }
  const defs = (r: SymbolReport) => `${r.totalDefinitions} definition(s)`
  const refs = (r: SymbolReport) => `${r.totalReferences ?? 0} reference(s), ${r.totalDefinitions} definition(s)`

  // Cold: every run on a fresh copy (same content, same old mtimes) = a new index.
  const coldDef: { ms: number; report: SymbolReport }[] = []
  const coldRef: { ms: number; report: SymbolReport }[] = []
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const [kind, list] of [
      ["def", coldDef],
      ["ref", coldRef],
    ] as const) {
      const copy = join(base, `cold-${kind}-${run}`)
      cpSync(master, copy, { recursive: true, preserveTimestamps: true })
      list.push(await timed(() => (kind === "def" ? definition(copy, { symbol: target }) : references(copy, { symbol: target }))))
      rmSync(copy, { recursive: true, force: true })
    }
  }
  record("code_definition, cold index (walk + parse all)", coldDef, defs)
  record("code_references, cold index (walk + parse all)", coldRef, refs)

  await definition(master, { symbol: target }) // builds the warm index
  const warm = async (run: () => Promise<SymbolReport>) => {
    const out = []
    for (let i = 0; i < WARM_RUNS; i++) out.push(await timed(run))
    return out
  }
  record("code_definition by name, warm", await warm(() => definition(master, { symbol: target })), defs)
  record(
    "code_definition by position, warm",
    // line 14 of mod0.ts: "  log(\"fn0\", opts.verbose);" → `log`
    await warm(() => definition(master, { file: "src/d0/mod0.ts", line: 14, column: 3 })),
    (r) => `\`${r.symbol}\`: ${defs(r)}`,
  )
  record("code_definition `init` (5,000 candidates, 100 listed), warm", await warm(() => definition(master, { symbol: "init" })), defs)
  record("code_references by name, warm", await warm(() => references(master, { symbol: target })), refs)
  record("code_references `createLogger` (used in every file, 100 listed), warm", await warm(() => references(master, { symbol: "createLogger" })), refs)
  // One edited file: re-parsed alone.
  const edited = join(master, "src", "d1", "mod1.ts")
  const edits = []
  for (let i = 0; i < WARM_RUNS; i++) {
    writeFileSync(edited, `${moduleText(1)}export const edit${i} = ${i};\n`)
    edits.push(await timed(() => references(master, { symbol: target })))
  }
  record("code_references after editing one file", edits, refs)

  rmSync(base, { recursive: true, force: true })
  const env = {
    files: FILES,
    megabytes: Math.round((bytes / 1e6) * 10) / 10,
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? "",
    loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    date: new Date().toISOString(),
  }
  const results = join(here, "results")
  mkdirSync(results, { recursive: true })
  writeFileSync(join(results, "symbols.json"), `${JSON.stringify({ env, rows }, null, 2)}\n`)
  const md = [
    "# Symbol index benchmark (code_definition / code_references)",
    "",
    `Generated TypeScript repository: ${env.files} files, ${env.megabytes} MB, ${DIRS} directories; ` +
      `each file imports 3 others. ${env.cpus} × ${env.cpu}, load average ${env.loadavg.join(" ")}, Node ${env.node}, ${env.date}.`,
    `Cold = a fresh copy of the repository (new index: walk + parse every file, on all cores); warm = the same root again ` +
      `(walk honouring .gitignore + stat per file, nothing parsed). Medians of ${COLD_RUNS} cold / ${WARM_RUNS} warm runs, ` +
      "wall time of the async call from JavaScript.",
    "",
    "| case | median ms | min–max ms | files parsed | refresh ms (median) | answer |",
    "|---|---:|---:|---:|---:|---|",
    ...rows.map((r) => `| ${r.case} | ${r.medianMs} | ${r.minMs}–${r.maxMs} | ${r.parsed} | ${r.refreshMs} | ${r.results} |`),
    "",
    "Reproduce: `npm run build:native && npm run bench:symbols` (`BENCH_FILES`, `BENCH_RUNS`, `BENCH_COLD_RUNS`).",
    "",
  ].join("\n")
  writeFileSync(join(results, "symbols.md"), md)
  console.log(md)
}

await main()
