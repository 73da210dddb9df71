// Worktree isolation cost per task on a 5,000-file repository: create the task's
// worktree, commit its change, merge it into the integration branch.
// Run: npm run bench:worktrees  → bench/results/worktrees.{json,md}
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { WorktreeWorkspace } from "../src/workspace/worktrees.js"

const FILES = 5_000
const TASKS = 8
const RUNS = 5

function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-worktrees-"))
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, "src", `m${i % 50}`)
    mkdirSync(sub, { recursive: true })
    writeFileSync(join(sub, `f${i}.ts`), `export const v${i} = ${i}\n`.repeat(20))
  }
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" })
  git("init", "-q", "-b", "main")
  git("add", "-A")
  git("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init")
  return dir
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const repo = makeRepo()
const open: number[] = []
const perTask: { begin: number; collect: number; merge: number; total: number }[] = []
for (let run = 0; run < RUNS; run++) {
  const stateDir = mkdtempSync(join(tmpdir(), "bench-state-"))
  let t = performance.now()
  const ws = await WorktreeWorkspace.open(repo, repo, `m-bench-${run}`, stateDir)
  open.push(performance.now() - t)
  for (let i = 0; i < TASKS; i++) {
    const task = { id: `T${i}`, title: `task ${i}`, attempt: 1, files: [`src/new${i}.ts`] }
    t = performance.now()
    const checkout = (await ws.begin([task])).get(task.id)!
    const begin = performance.now() - t
    writeFileSync(join(checkout.directory, `src/new${i}.ts`), `export const n${i} = ${i}\n`)
    t = performance.now()
    await checkout.collect()
    const collect = performance.now() - t
    t = performance.now()
    await ws.merge([task])
    const merge = performance.now() - t
    perTask.push({ begin, collect, merge, total: begin + collect + merge })
  }
  await ws.dispose()
  execFileSync("git", ["branch", "-D", `orchestrator/m-bench-${run}`], { cwd: repo, stdio: "pipe" })
  rmSync(stateDir, { recursive: true, force: true })
}
rmSync(repo, { recursive: true, force: true })

const result = {
  measuredAt: new Date().toISOString(),
  machine: { cores: cpus().length, load: loadavg() },
  repository: { files: FILES },
  runs: RUNS,
  tasksPerRun: TASKS,
  medianMs: {
    openMission: median(open),
    worktreeCreate: median(perTask.map((p) => p.begin)),
    commitTask: median(perTask.map((p) => p.collect)),
    mergeTask: median(perTask.map((p) => p.merge)),
    perTaskTotal: median(perTask.map((p) => p.total)),
  },
}
mkdirSync(join(import.meta.dirname, "results"), { recursive: true })
writeFileSync(join(import.meta.dirname, "results/worktrees.json"), `${JSON.stringify(result, null, 2)}\n`)
const m = result.medianMs
const md = `# Worktree isolation cost

${result.measuredAt} · ${result.machine.cores} cores, load ${result.machine.load.map((l) => l.toFixed(2)).join(" ")} · repository of ${FILES} files · ${RUNS} missions × ${TASKS} tasks, medians

| step | median ms |
|---|---:|
| open a mission (base snapshot commit, integration worktree) | ${m.openMission.toFixed(1)} |
| create a task's worktree | ${m.worktreeCreate.toFixed(1)} |
| commit the task's change | ${m.commitTask.toFixed(1)} |
| merge it into the integration branch | ${m.mergeTask.toFixed(1)} |
| **per task, total** | **${m.perTaskTotal.toFixed(1)}** |
`
writeFileSync(join(import.meta.dirname, "results/worktrees.md"), md)
console.log(md)
