// Sandbox cost per command: `true`, `git status` in a task's worktree and `node -e 0`, each run
// through runCommand with and without the bwrap sandbox, interleaved (the order alternates per
// round) in one run on a 1,000-file repository.
// Run: npm run bench:sandbox  → bench/results/sandbox.{json,md}
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { type SandboxProfile, sandboxAvailable } from "../src/workspace/sandbox.js"
import { runCommand } from "../src/workspace/shell.js"

const FILES = 1_000
const ROUNDS = Number(process.env.BENCH_SANDBOX_ROUNDS ?? 30)
const COMMANDS: Record<string, string> = {
  true: "true",
  "git status": "git status --short",
  "node -e 0": `'${process.execPath}' -e 0`,
}

const available = sandboxAvailable()
if (!available.ok) {
  console.error(`no sandbox: ${available.reason}`)
  process.exit(1)
}

const root = realpathSync(mkdtempSync(join(tmpdir(), "bench-sandbox-")))
const project = join(root, "project")
for (let i = 0; i < FILES; i++) {
  const sub = join(project, "src", `m${i % 20}`)
  mkdirSync(sub, { recursive: true })
  writeFileSync(join(sub, `f${i}.ts`), `export const v${i} = ${i}\n`.repeat(20))
}
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe", encoding: "utf8" })
git(project, "init", "-q", "-b", "main")
git(project, "add", "-A")
git(project, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init")
const checkout = join(root, "slot-1")
git(project, "worktree", "add", "-q", "-b", "task", checkout)
writeFileSync(join(checkout, "src/m0/f0.ts"), "export const changed = 1\n")
const profile: SandboxProfile = {
  writable: [checkout],
  readOnly: [join(checkout, ".git")],
  home: join(root, "mission/home"),
  tmp: join(root, "mission/tmp"),
  network: true,
}

const times: Record<string, { plain: number[]; sandboxed: number[] }> = {}
for (const name of Object.keys(COMMANDS)) times[name] = { plain: [], sandboxed: [] }
const once = async (command: string, sandbox?: SandboxProfile) => {
  const t = performance.now()
  const result = await runCommand(command, { cwd: checkout, timeoutMs: 30_000, ...(sandbox ? { sandbox } : {}) })
  const ms = performance.now() - t
  if (result.exitCode !== 0) throw new Error(`${command} failed (${sandbox ? "sandboxed" : "plain"}): ${result.output}`)
  return ms
}
for (const command of Object.values(COMMANDS)) await once(command, profile) // warm caches
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, command] of Object.entries(COMMANDS)) {
    const t = times[name]!
    if (round % 2 === 0) {
      t.plain.push(await once(command))
      t.sandboxed.push(await once(command, profile))
    } else {
      t.sandboxed.push(await once(command, profile))
      t.plain.push(await once(command))
    }
  }
}
rmSync(root, { recursive: true, force: true })

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const medians = Object.fromEntries(
  Object.entries(times).map(([name, t]) => {
    const plain = median(t.plain)
    const sandboxed = median(t.sandboxed)
    return [name, { plain, sandboxed, overhead: sandboxed - plain, ratio: sandboxed / plain }]
  }),
)
const result = {
  measuredAt: new Date().toISOString(),
  machine: { cores: cpus().length, load: loadavg() },
  code: git(process.cwd(), "rev-parse", "--short", "HEAD").trim(),
  sandbox: { kind: available.kind, version: execFileSync("bwrap", ["--version"], { encoding: "utf8" }).trim() },
  repository: { files: FILES },
  rounds: ROUNDS,
  medianMs: medians,
  ms: times,
}
mkdirSync(join(import.meta.dirname, "results"), { recursive: true })
writeFileSync(join(import.meta.dirname, "results/sandbox.json"), `${JSON.stringify(result, null, 2)}\n`)
const rows = Object.entries(medians)
  .map(([name, m]) => `| \`${name}\` | ${m.plain.toFixed(1)} | ${m.sandboxed.toFixed(1)} | +${m.overhead.toFixed(1)} | ${m.ratio.toFixed(2)}× |`)
  .join("\n")
const md = `# Sandbox cost per command

${result.measuredAt} · ${result.machine.cores} cores, load ${result.machine.load.map((l) => l.toFixed(2)).join(" ")} · ${result.sandbox.version} · runCommand in a worktree of a ${FILES}-file repository · ${ROUNDS} rounds, sandboxed and plain interleaved, medians

| command | plain ms | sandboxed ms | overhead ms | ratio |
|---|---:|---:|---:|---:|
${rows}
`
writeFileSync(join(import.meta.dirname, "results/sandbox.md"), md)
console.log(md)
