// Time from spawning `opencode run` to its first model request: the plugin installed by name from a
// local registry with a cold cache (OpenCode installs it on that start), with a warm cache, and
// OpenCode without the plugin. Interleaved rounds, medians; the load average is recorded.
// Run: npm run bench:install  → bench/results/install-startup.{json,md}
// Needs `npm run pack:all` first (the tarballs in out/pack/).
import { readdirSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { delimiter, join } from "node:path"
import { startModelServer } from "../test/support/model-server.js"
import { cleanupAll, makeProject, type Project, REPO_ROOT, runOpencode } from "../test/support/opencode.js"
import { startRegistry } from "../test/support/registry.js"

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const NAME = "opencode-orchestrator"

const noRust = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((d) => !d.includes(".cargo"))
  .join(delimiter)

async function firstRequestMs(project: Project, plugins: string[]): Promise<number> {
  const server = await startModelServer(() => ({ text: "hello" }))
  const started = Date.now()
  const res = await runOpencode({ project, model: server, plugins, args: ["run", "--format", "json", "Say hello."], timeoutMs: 180_000, env: { PATH: noRust } })
  await server.close()
  if (res.code !== 0 || server.log.length === 0) throw new Error(`opencode run failed (${res.code}):\n${res.stderr.slice(-2000)}`)
  return Math.min(...server.log.map((e) => e.startedAt)) - started
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const registry = await startRegistry()
const dir = join(REPO_ROOT, "out/pack")
for (const t of readdirSync(dir)
  .filter((f) => f.endsWith(".tgz"))
  .sort((a, b) => b.length - a.length))
  registry.publish(join(dir, t))
const results = { cold: [] as number[], warm: [] as number[], none: [] as number[], load: [] as number[] }
try {
  for (let round = 0; round < ROUNDS; round++) {
    results.load.push(loadavg()[0]!)
    const cold = makeProject({ git: true, files: { "a.js": "export const a = 1\n" } })
    const npmrc = join(cold.sandbox.dirs.home, ".npmrc")
    writeFileSync(npmrc, `registry=${registry.url}\n`)
    results.cold.push(await firstRequestMs(cold, [NAME]))
    results.warm.push(await firstRequestMs(makeProject({ git: true, sandbox: cold.sandbox }), [NAME]))
    results.none.push(await firstRequestMs(makeProject({ git: true, sandbox: cold.sandbox }), []))
    console.log(
      `round ${round + 1}: cold ${results.cold.at(-1)} ms, warm ${results.warm.at(-1)} ms, without the plugin ${results.none.at(-1)} ms (load ${results.load.at(-1)!.toFixed(1)})`,
    )
    await cleanupAll()
  }
} finally {
  await registry.close()
}
const summary = {
  rounds: ROUNDS,
  cores: cpus().length,
  medianMs: { cold: median(results.cold), warm: median(results.warm), none: median(results.none) },
  runs: results,
}
writeFileSync(join(REPO_ROOT, "bench/results/install-startup.json"), `${JSON.stringify(summary, null, 2)}\n`)
writeFileSync(
  join(REPO_ROOT, "bench/results/install-startup.md"),
  `# Time to the first model request, installed by name\n\n` +
    `\`opencode run\` spawned → first request at the scripted model server; ${ROUNDS} interleaved rounds on ${cpus().length} cores, load average ${results.load.map((l) => l.toFixed(1)).join(" / ")} at each round's start.\n\n` +
    `| OpenCode with | median | runs (ms) |\n|---|---|---|\n` +
    `| \`"plugin": ["opencode-orchestrator"]\`, cold cache (installs from the local registry) | ${summary.medianMs.cold} ms | ${results.cold.join(", ")} |\n` +
    `| the same, warm cache | ${summary.medianMs.warm} ms | ${results.warm.join(", ")} |\n` +
    `| no plugin | ${summary.medianMs.none} ms | ${results.none.join(", ")} |\n`,
)
console.log(JSON.stringify(summary.medianMs))
