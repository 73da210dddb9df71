// Diagnostics latency for one changed TypeScript file through the addon's
// LSP client and the real typescript-language-server. Every call starts a
// server (no warm mode yet), so this is the cold latency: spawn, initialize,
// tsserver project load, diagnostics, shutdown. Medians of N runs.
//   npm run bench:diagnostics   → bench/results/diagnostics.{json,md}
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { diagnostics } from "../src/native/index.js";

const repo = resolve(import.meta.dirname, "..");
const runs = Number(process.env.RUNS ?? 7);
const root = mkdtempSync(join(tmpdir(), "bench-diagnostics-"));
writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true } }));
mkdirSync(join(root, "src"));
for (let i = 0; i < 20; i++) {
  writeFileSync(join(root, `src/m${i}.ts`), `export function f${i}(x: number): number { return x + ${i}; }\n`);
}
symlinkSync(join(repo, "node_modules"), join(root, "node_modules"), "dir");
const command = [join(repo, "node_modules/.bin/typescript-language-server"), "--stdio"];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const samples: { totalMs: number; initializeMs: number; diagnosticsMs: number; shutdownMs: number }[] = [];
for (let i = 0; i < runs; i++) {
  // "Change" the file: a new type error each run.
  writeFileSync(
    join(root, "src/changed.ts"),
    `import { f1 } from "./m1.js";\nexport const v${i}: string = f1(${i});\n`,
  );
  const t = performance.now();
  const report = await diagnostics(root, ["src/changed.ts"], { command, timeoutMs: 60_000 });
  const totalMs = performance.now() - t;
  const found = report.files[0]?.diagnostics.some((d) => d.code === "2322");
  if (!found || report.server.error) throw new Error(`run ${i}: unexpected report ${JSON.stringify(report)}`);
  samples.push({ totalMs, ...report.timings });
}
rmSync(root, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, loadavg: loadavg().map((x) => Number(x.toFixed(2))) },
  server: "typescript-language-server 5.3.0 (typescript 5.9)",
  runs,
  cold: {
    medianTotalMs: Math.round(median(samples.map((s) => s.totalMs))),
    medianInitializeMs: median(samples.map((s) => s.initializeMs)),
    medianDiagnosticsMs: median(samples.map((s) => s.diagnosticsMs)),
    medianShutdownMs: median(samples.map((s) => s.shutdownMs)),
  },
  warm: null,
  samples,
};
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(join(repo, "bench/results/diagnostics.json"), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  "# Diagnostics latency (one changed TS file, real typescript-language-server)",
  "",
  `${result.date}, ${result.machine.cpus} cores, load average ${result.machine.loadavg.join(" ")}; medians of ${runs} runs.`,
  "Each call starts a server (cold); no warm mode is implemented yet.",
  "",
  "| phase | median ms |",
  "|---|---:|",
  `| total (call → report) | ${result.cold.medianTotalMs} |`,
  `| spawn → initialize answered | ${result.cold.medianInitializeMs} |`,
  `| didOpen → diagnostics complete (incl. 300 ms settle) | ${result.cold.medianDiagnosticsMs} |`,
  `| shutdown/exit/kill | ${result.cold.medianShutdownMs} |`,
  "",
].join("\n");
writeFileSync(join(repo, "bench/results/diagnostics.md"), md);
console.log(md);
