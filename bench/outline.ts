// Benchmark: the addon's outline against web-tree-sitter and @ast-grep/napi
// doing the same extraction (bench/ecma-outline.ts) on the same files in one
// run, plus repoMap time and peak RSS on a ≥5,000-file repository.
//
//   npm run build:native && npm run bench:outline
//
// Results: bench/results/outline.json and bench/results/outline.md.

import { execFileSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Lang, parse, type SgNode } from "@ast-grep/napi"
import { Language, Parser, type Node as WasmNode } from "web-tree-sitter"
import { nativeStatus, outline as nativeOutline } from "../src/native/index.js"
import { count, type Node, outline as walk } from "./ecma-outline.js"

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, "..")
const modules = join(repo, "node_modules")
const RUNS = Number(process.env.BENCH_RUNS ?? 5)

// ---- adapters -----------------------------------------------------------------

function wasmNode(n: WasmNode): Node {
  return {
    kind: () => n.type,
    field: (name) => {
      const c = n.childForFieldName(name)
      return c ? wasmNode(c) : null
    },
    named: () => n.namedChildren.map(wasmNode),
    firstChildText: () => n.firstChild?.text ?? null,
    text: () => n.text,
    startRow: () => n.startPosition.row,
    endRow: () => n.endPosition.row,
  }
}

function sgNode(n: SgNode): Node {
  return {
    kind: () => String(n.kind()),
    field: (name) => {
      const c = (n.field as (f: string) => SgNode | null)(name)
      return c ? sgNode(c) : null
    },
    named: () =>
      n
        .children()
        .filter((c) => c.isNamed())
        .map(sgNode),
    firstChildText: () => n.children()[0]?.text() ?? null,
    text: () => n.text(),
    startRow: () => n.range().start.line,
    endRow: () => n.range().end.line,
  }
}

// ---- workloads ----------------------------------------------------------------

interface Workload {
  name: string
  root: string
  files: string[]
  bytes: number
}

function workload(name: string, root: string, files: string[]): Workload {
  const bytes = files.reduce((sum, f) => sum + statSync(join(root, f)).size, 0)
  return { name, root, files, bytes }
}

function walkFiles(dir: string, keep: (path: string) => boolean): string[] {
  const out: string[] = []
  const visit = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name)
      if (entry.isDirectory()) visit(p)
      else if (entry.isFile() && keep(p)) out.push(p)
    }
  }
  visit(dir)
  return out
}

// ---- measuring ----------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

interface Row {
  tool: string
  medianMs: number
  mbPerS: number
  symbols: number
  runsMs: number[]
}

async function benchWorkload(w: Workload, wasmTs: Language): Promise<Row[]> {
  const parser = new Parser()
  parser.setLanguage(wasmTs)
  const runs = w.bytes > 10e6 ? Math.min(RUNS, 3) : RUNS
  const maxBytes = 64 * 1024 * 1024
  const contenders: [string, () => Promise<number> | number][] = [
    ["addon (1 thread)", async () => count((await nativeOutline(w.root, w.files, { maxBytes, threads: 1 })).files.flatMap((f) => f.symbols))],
    [`addon (${cpus().length} threads)`, async () => count((await nativeOutline(w.root, w.files, { maxBytes })).files.flatMap((f) => f.symbols))],
    [
      "web-tree-sitter",
      () => {
        let n = 0
        for (const f of w.files) {
          const tree = parser.parse(readFileSync(join(w.root, f), "utf8"))
          if (!tree) throw new Error(`web-tree-sitter could not parse ${f}`)
          n += count(walk(wasmNode(tree.rootNode)))
          tree.delete()
        }
        return n
      },
    ],
    [
      "@ast-grep/napi",
      () => {
        let n = 0
        for (const f of w.files) n += count(walk(sgNode(parse(Lang.TypeScript, readFileSync(join(w.root, f), "utf8")).root())))
        return n
      },
    ],
  ]
  const active = contenders.filter(([tool]) => w.files.length > 1 || !tool.startsWith("addon (") || tool.startsWith("addon (1"))
  // Round-robin: run i of every tool before run i + 1 of any, so a change in
  // the machine's load hits all tools alike. One warm-up round first.
  const symbols = active.map(() => 0)
  const times: number[][] = active.map(() => [])
  for (let pass = -1; pass < runs; pass++) {
    for (const [k, [, fn]] of active.entries()) {
      const t = performance.now()
      symbols[k] = await fn()
      if (pass >= 0) times[k]?.push(performance.now() - t)
    }
  }
  const rows: Row[] = active.map(([tool], k) => {
    const ms = times[k] ?? []
    const m = median(ms)
    console.log(`  ${w.name} · ${tool}: ${m.toFixed(1)} ms (${symbols[k]} symbols)`)
    return { tool, medianMs: round(m), mbPerS: round(w.bytes / 1e6 / (m / 1000)), symbols: symbols[k] ?? 0, runsMs: ms.map(round) }
  })
  parser.delete()
  return rows
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}

// ---- repo map -----------------------------------------------------------------

interface MapResult {
  files: number
  bytes: number
  runsMs: number[]
  medianMs: number
  peakRssMb: number[]
  medianPeakRssMb: number
  baselineRssMb: number
  shown: number
  tokens: number
}

function buildMapRepo(dir: string): { files: number; bytes: number } {
  const source = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx|py|go|rs)$/
  let files = 0
  let bytes = 0
  for (const copy of ["a", "b"]) {
    for (const file of walkFiles(modules, (p) => source.test(p) && statSync(p).size <= 1024 * 1024)) {
      const rel = relative(modules, file).split("/node_modules/").join("/nm/")
      const to = join(dir, copy, rel)
      mkdirSync(dirname(to), { recursive: true })
      cpSync(file, to)
      files++
      bytes += statSync(file).size
    }
  }
  return { files, bytes }
}

function mapOnce(addon: string, root: string, focus: string[]): { ms: number; peakRss: number; baseline: number; shown: number; tokens: number } {
  // Peak RSS from VmHWM: getrusage's maxrss survives exec and would report
  // this (large) parent process's peak instead of the child's.
  const script = `
const hwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(require("fs").readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
const addon = require(${JSON.stringify(addon)});
const baseline = hwm();
const t = performance.now();
addon.repoMapAsync(JSON.stringify({ root: ${JSON.stringify(root)}, budgetTokens: 2048, focus: ${JSON.stringify(focus)} })).then((text) => {
  const ms = performance.now() - t;
  const r = JSON.parse(text);
  console.log(JSON.stringify({ ms, peakRss: hwm(), baseline, shown: r.shown, tokens: r.tokens, files: r.files }));
});`
  const out = execFileSync(process.execPath, ["-e", script], { encoding: "utf8", maxBuffer: 1 << 26 })
  return JSON.parse(out.trim())
}

// ---- main ---------------------------------------------------------------------

async function main(): Promise<void> {
  const status = nativeStatus()
  if (!status.available) throw new Error(status.reason)
  const work = mkdtempSync(join(tmpdir(), "bench-outline-"))
  try {
    await Parser.init()
    const wasmTs = await Language.load(join(modules, "tree-sitter-typescript/tree-sitter-typescript.wasm"))

    const libs = readdirSync(join(modules, "typescript/lib"))
      .filter((f) => /^lib\..*\.d\.ts$/.test(f))
      .sort()
      .map((f) => readFileSync(join(modules, "typescript/lib", f), "utf8"))
    const extra = readFileSync(join(modules, "typescript/lib/typescript.d.ts"), "utf8")
    writeFileSync(join(work, "lib-concat.d.ts"), [...libs, extra].join("\n"))
    const effect = join(modules, "effect/src")
    const effectFiles = walkFiles(effect, (p) => p.endsWith(".ts")).map((p) => relative(effect, p))
    const workloads = [
      workload("100 KB file (effect/src/Result.ts)", effect, ["Result.ts"]),
      workload("TypeScript lib/*.d.ts + typescript.d.ts, concatenated", work, ["lib-concat.d.ts"]),
      workload(`repository: effect/src (${effectFiles.length} .ts files)`, effect, effectFiles),
    ]

    const outlineResults = []
    for (const w of workloads) {
      console.log(`${w.name}: ${w.files.length} files, ${(w.bytes / 1e6).toFixed(2)} MB`)
      const rows = await benchWorkload(w, wasmTs)
      const ours = rows.find((r) => r.tool === "addon (1 thread)")
      const best = rows.filter((r) => r.tool.startsWith("addon")).sort((a, b) => a.medianMs - b.medianMs)[0]
      const wts = rows.find((r) => r.tool === "web-tree-sitter")
      const sg = rows.find((r) => r.tool === "@ast-grep/napi")
      const ratio = (other?: Row, mine?: Row): number | null => (other && mine ? round(other.medianMs / mine.medianMs) : null)
      outlineResults.push({
        workload: w.name,
        files: w.files.length,
        bytes: w.bytes,
        rows,
        speedup: {
          vsWebTreeSitter1Thread: ratio(wts, ours),
          vsAstGrep1Thread: ratio(sg, ours),
          vsWebTreeSitterAllThreads: ratio(wts, best),
          vsAstGrepAllThreads: ratio(sg, best),
        },
        sameSymbolCounts: new Set(rows.map((r) => r.symbols)).size === 1,
      })
    }

    const mapRoot = join(work, "map-repo")
    console.log("building the repo-map repository…")
    const built = buildMapRepo(mapRoot)
    const focus = ["a/zod/v4/core/schemas.js", "a/effect/src/Effect.ts"].filter((f) => {
      try {
        return statSync(join(mapRoot, f)).isFile()
      } catch {
        return false
      }
    })
    const mapRuns = Array.from({ length: Math.min(RUNS, 3) + 1 }, () => mapOnce(status.path, mapRoot, focus)).slice(1)
    const map: MapResult = {
      files: built.files,
      bytes: built.bytes,
      runsMs: mapRuns.map((r) => round(r.ms)),
      medianMs: round(median(mapRuns.map((r) => r.ms))),
      peakRssMb: mapRuns.map((r) => round(r.peakRss / 1e6)),
      medianPeakRssMb: round(median(mapRuns.map((r) => r.peakRss / 1e6))),
      baselineRssMb: round(median(mapRuns.map((r) => r.baseline / 1e6))),
      shown: mapRuns[0]?.shown ?? 0,
      tokens: mapRuns[0]?.tokens ?? 0,
    }
    console.log(`repoMap: ${map.files} files, ${map.medianMs} ms, peak RSS ${map.medianPeakRssMb} MB`)

    const version = (pkg: string): string => (JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")) as { version: string }).version
    const result = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? "?",
        node: process.version,
        // Other work on the machine skews absolute times; ratios come from the same run.
        loadAverage: loadavg().map(round),
      },
      versions: {
        addon: status.version,
        "web-tree-sitter": version("web-tree-sitter"),
        "@ast-grep/napi": version("@ast-grep/napi"),
        "tree-sitter-typescript": version("tree-sitter-typescript"),
      },
      runs: RUNS,
      outline: outlineResults,
      repoMap: { ...map, focus, budgetTokens: 2048 },
    }
    const out = join(here, "results")
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, "outline.json"), `${JSON.stringify(result, null, 2)}\n`)
    writeFileSync(join(out, "outline.md"), markdown(result))
    console.log(`wrote ${relative(repo, join(out, "outline.json"))} and outline.md`)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

function markdown(r: {
  date: string
  machine: { cpus: number; cpu: string; node: string; loadAverage: number[] }
  versions: Record<string, string>
  runs: number
  outline: {
    workload: string
    files: number
    bytes: number
    rows: Row[]
    speedup: Record<string, number | null>
    sameSymbolCounts: boolean
  }[]
  repoMap: MapResult & { focus: string[] }
}): string {
  const lines = [
    "# Outline benchmark",
    "",
    `${r.date} · ${r.machine.cpus} × ${r.machine.cpu} · load average at the end ${r.machine.loadAverage.join(" ")} · Node ${r.machine.node} · ` +
      Object.entries(r.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(" · "),
    "",
    "Same extraction (bench/ecma-outline.ts mirrors the addon's TypeScript outline), same files, one process, runs interleaved round-robin across tools; " +
      `median of ${r.runs} runs after a warm-up (3 for inputs over 10 MB). Times include reading the files; ` +
      "the addon's include the Node-API call and `JSON.parse` of its answer. " +
      "`speed-up` = other tool's median ÷ the addon's (1 thread).",
    "",
  ]
  for (const w of r.outline) {
    lines.push(`## ${w.workload}`, "", `${w.files} files, ${(w.bytes / 1e6).toFixed(2)} MB; symbol counts ${w.sameSymbolCounts ? "identical" : "DIFFER"}.`, "")
    lines.push("| tool | median ms | MB/s | symbols |", "|---|---:|---:|---:|")
    for (const row of w.rows) lines.push(`| ${row.tool} | ${row.medianMs} | ${row.mbPerS} | ${row.symbols} |`)
    if (!w.sameSymbolCounts)
      lines.push(
        "",
        "Counts differ only in files with syntax errors (effect/src has 6 that tree-sitter-typescript 0.23.2 " +
          "does not parse cleanly): the tree-sitter runtimes (0.20.7 in the addon, 0.25 in the others) recover " +
          "from errors differently. Those files and two multi-megabyte embedded strings take most of the time, " +
          "where all three spend it in the same parser, which narrows the gap.",
      )
    lines.push(
      "",
      `Speed-up, addon 1 thread: ×${w.speedup.vsWebTreeSitter1Thread} vs web-tree-sitter, ×${w.speedup.vsAstGrep1Thread} vs @ast-grep/napi` +
        (w.files > 1 ? `; all threads: ×${w.speedup.vsWebTreeSitterAllThreads} and ×${w.speedup.vsAstGrepAllThreads}.` : "."),
      "",
    )
  }
  const m = r.repoMap
  lines.push(
    "## repoMap",
    "",
    `${m.files} source files (${(m.bytes / 1e6).toFixed(1)} MB, two copies of node_modules' sources), budget 2048 tokens, focus ${m.focus.join(", ") || "none"}: ` +
      `median ${m.medianMs} ms (runs ${m.runsMs.join(", ")}), peak RSS ${m.medianPeakRssMb} MB (VmHWM; ${m.baselineRssMb} MB before the call), ${m.shown} definitions shown in ~${m.tokens} tokens.`,
    "",
  )
  return lines.join("\n")
}

if (process.argv.includes("--render")) {
  // Re-render outline.md from outline.json (after editing the text above).
  const out = join(here, "results")
  writeFileSync(join(out, "outline.md"), markdown(JSON.parse(readFileSync(join(out, "outline.json"), "utf8"))))
} else {
  await main()
}
