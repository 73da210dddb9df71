// Workspaces on real repositories in temp dirs: worktrees, the checkout pool, merges, seal and cleanup (issue 4).
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { describe, expect, it } from "vitest"
import type { RoundTask } from "../../src/workspace/workspace.js"
import { checkoutHomePath } from "../../src/workspace/checkout-home.js"
import { isMissionCheckout, WorktreeWorkspace } from "../../src/workspace/worktrees.js"
import { defaultWorker, planner, runScripted } from "../support/fake-sdk.js"
import { gitRepo, orchestratorRefs, plan, sh, task, tempDir, userGitState, worktreeList, worktreeRootOf, writeFiles } from "../support/helpers.js"

interface GitProcess {
  /** The arguments, e.g. "worktree add --quiet …". */
  command: string
  started: number
  ended: number
}

/** Runs `fn` with git's trace2 on; returns every git process it started (nested ones too), in start order. */
async function gitRuns(fn: () => Promise<unknown>): Promise<GitProcess[]> {
  const file = path.join(tempDir("orch-trace-"), "trace2")
  process.env.GIT_TRACE2_EVENT = file
  try {
    await fn()
  } finally {
    delete process.env.GIT_TRACE2_EVENT
  }
  const events = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : []
  const ended = new Map(events.filter((e) => e.event === "exit").map((e) => [e.sid, Date.parse(e.time)]))
  return events
    .filter((e) => e.event === "start")
    .map((e) => ({ command: e.argv.slice(1).join(" "), started: Date.parse(e.time), ended: ended.get(e.sid) ?? Number.NaN }))
}
const gitProcesses = async (fn: () => Promise<unknown>) => (await gitRuns(fn)).map((p) => p.command)
const named = <T extends string | GitProcess>(processes: T[], command: string) =>
  processes.filter((p) => {
    const text = typeof p === "string" ? p : p.command
    return text === command || text.startsWith(`${command} `)
  })

const LINES = `${Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n")}\n`
const edit = (text: string, line: number, to: string) => text.replace(`line ${line}\n`, `${to}\n`)
const roundTask = (id: string, attempt = 1): RoundTask => ({ id, title: `Task ${id}`, attempt, files: ["lines.txt"] })
let seq = 0
const missionId = () => `m-wt-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 6)}`

async function open(dir: string, id = missionId()) {
  const ws = await WorktreeWorkspace.open(dir, dir, id, tempDir("orch-state-"))
  return { ws, id }
}

describe("workspace/worktrees.ts WorktreeWorkspace on real repositories", () => {
  it("open: snapshots tracked, uncommitted and untracked files (not ignored ones) as the base, and leaves index, HEAD, branch and status byte-identical", async () => {
    const dir = gitRepo({ "README.md": "# demo\n", "src/a.txt": "a\n", "gone.txt": "bye\n", ".gitignore": "*.log\nbuild/\n" })
    writeFiles(dir, {
      "src/a.txt": "a, changed\n",
      "staged.txt": "staged v1\n",
      "new dir/untracked.txt": "untracked\n",
      "debug.log": "ignored\n",
      "build/out.js": "ignored too\n",
    })
    sh(dir, "add", "staged.txt")
    writeFiles(dir, { "staged.txt": "staged v1, then edited\n" })
    sh(dir, "rm", "-q", "--cached", "gone.txt") // deleted from the index, still on disk (untracked now)
    const head = sh(dir, "rev-parse", "HEAD").trim()
    const before = userGitState(dir)

    const { ws, id } = await open(dir)
    try {
      expect(userGitState(dir)).toEqual(before)
      const base = sh(dir, "rev-parse", `refs/orchestrator/${id}/base`).trim()
      expect(sh(dir, "rev-parse", `refs/heads/orchestrator/${id}`).trim()).toBe(base)
      expect(sh(dir, "rev-list", "--parents", "-n", "1", base).trim()).toBe(`${base} ${head}`)
      expect(sh(dir, "ls-tree", "-r", "--name-only", "-z", base).split("\0").filter(Boolean).sort()).toEqual(
        [".gitignore", "README.md", "gone.txt", "new dir/untracked.txt", "src/a.txt", "staged.txt"].sort(),
      )
      expect(sh(dir, "show", `${base}:src/a.txt`)).toBe("a, changed\n")
      expect(sh(dir, "show", `${base}:staged.txt`)).toBe("staged v1, then edited\n")
      // The integration worktree is outside the user's tree and holds the snapshot.
      const integration = ws.integrationDir
      expect(path.relative(dir, integration).startsWith("..")).toBe(true)
      expect(integration.startsWith(worktreeRootOf(dir, id))).toBe(true)
      expect(readFileSync(path.join(integration, "new dir/untracked.txt"), "utf8")).toBe("untracked\n")
      expect(existsSync(path.join(integration, "debug.log"))).toBe(false)
      expect(worktreeList(dir)).toEqual([dir, integration])

      // Task worktrees are outside too, start from the base and leave the user's state alone.
      const checkouts = await ws.begin([roundTask("T1")])
      const t1 = checkouts.get("T1")!
      expect(path.relative(dir, t1.directory).startsWith("..")).toBe(true)
      expect([t1.directory, integration, path.join(integration, "src")].map(isMissionCheckout)).toEqual([true, true, true])
      expect([dir, checkoutHomePath(), tmpdir()].map(isMissionCheckout)).toEqual([false, false, false])
      expect(readFileSync(path.join(t1.directory, "src/a.txt"), "utf8")).toBe("a, changed\n")
      writeFileSync(path.join(t1.directory, "src/a.txt"), "a, by T1\n")
      expect(await t1.collect()).toEqual(["src/a.txt"])
      expect(await ws.merge([roundTask("T1")])).toEqual(new Map())
      expect(userGitState(dir)).toEqual(before)
      expect(readFileSync(path.join(dir, "src/a.txt"), "utf8")).toBe("a, changed\n")
    } finally {
      await ws.dispose()
    }
    expect(userGitState(dir)).toEqual(before)
  })

  it("merges two tasks that edit different hunks of the same file and applies both at seal", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const { ws, id } = await open(dir)
    try {
      const checkouts = await ws.begin([roundTask("A"), roundTask("B")])
      const a = checkouts.get("A")!
      const b = checkouts.get("B")!
      expect(a.directory).not.toBe(b.directory)
      writeFileSync(path.join(a.directory, "lines.txt"), edit(LINES, 2, "line 2 by A"))
      writeFileSync(path.join(b.directory, "lines.txt"), edit(LINES, 11, "line 11 by B"))
      expect(await a.collect()).toEqual(["lines.txt"])
      expect(await b.collect()).toEqual(["lines.txt"])
      expect(await b.diff()).toContain("+line 11 by B")
      expect(await b.diff()).not.toContain("by A")
      expect(await ws.merge([roundTask("A"), roundTask("B")])).toEqual(new Map())
      const both = edit(edit(LINES, 2, "line 2 by A"), 11, "line 11 by B")
      expect(sh(dir, "show", `orchestrator/${id}:lines.txt`)).toBe(both)
      expect(await ws.missionDiff()).toContain("+line 2 by A")
      expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(LINES)

      const sealed = await ws.seal("apply")
      expect(sealed.conflicts).toEqual([])
      expect(sealed.summary).toContain(`orchestrator/${id}`)
      expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(both)
      // Applied to the working tree only: the index and HEAD still have the old file.
      expect(sh(dir, "show", ":lines.txt")).toBe(LINES)
      expect(sh(dir, "status", "--porcelain")).toBe(" M lines.txt\n")
    } finally {
      await ws.dispose()
    }
  })

  it("reports a second task editing the same lines as a conflict with its paths and diff; re-run from the new head it merges", async () => {
    const dir = gitRepo({ "lines.txt": LINES, "other.txt": "other\n" })
    const { ws, id } = await open(dir)
    try {
      const round1 = await ws.begin([roundTask("A"), roundTask("B")])
      writeFileSync(path.join(round1.get("A")!.directory, "lines.txt"), edit(LINES, 5, "line 5 by A"))
      writeFileSync(path.join(round1.get("B")!.directory, "lines.txt"), edit(LINES, 5, "line 5 by B"))
      writeFileSync(path.join(round1.get("B")!.directory, "other.txt"), "other by B\n")
      await round1.get("A")!.collect()
      await round1.get("B")!.collect()
      const conflicts = await ws.merge([roundTask("A"), roundTask("B")])
      expect([...conflicts.keys()]).toEqual(["B"])
      const conflict = conflicts.get("B")!
      expect(conflict.paths).toEqual(["lines.txt"])
      expect(conflict.diff).toContain("+line 5 by B")
      expect(conflict.diff).toContain("+other by B")
      expect(conflict.diff).not.toContain("by A")
      // The aborted merge left the integration branch at A's merge, its worktree clean.
      expect(sh(dir, "show", `orchestrator/${id}:lines.txt`)).toBe(edit(LINES, 5, "line 5 by A"))
      expect(sh(dir, "show", `orchestrator/${id}:other.txt`)).toBe("other\n")
      expect(sh(ws.integrationDir, "status", "--porcelain")).toBe("")

      const round2 = await ws.begin([roundTask("B", 2)])
      const retry = round2.get("B")!
      const current = readFileSync(path.join(retry.directory, "lines.txt"), "utf8")
      expect(current).toBe(edit(LINES, 5, "line 5 by A"))
      writeFileSync(path.join(retry.directory, "lines.txt"), current.replace("line 5 by A\n", "line 5 by A\nline 5½ by B\n"))
      expect(await retry.collect()).toEqual(["lines.txt"])
      expect(await ws.merge([roundTask("B", 2)])).toEqual(new Map())
      expect((await ws.seal("apply")).conflicts).toEqual([])
      expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(LINES.replace("line 5\n", "line 5 by A\nline 5½ by B\n"))
    } finally {
      await ws.dispose()
    }
    expect(worktreeList(dir)).toEqual([dir])
    expect(orchestratorRefs(dir).sort()).toEqual([`refs/heads/orchestrator/${id}`, `refs/orchestrator/${id}/base`])
  })

  it("seal gives a file the task made executable its mode, and a new plain file none", async () => {
    const dir = gitRepo({ "lines.txt": LINES, "tool.sh": "echo old\n" })
    const { ws } = await open(dir)
    try {
      const t = (await ws.begin([roundTask("A")])).get("A")!
      writeFileSync(path.join(t.directory, "tool.sh"), "echo new\n")
      chmodSync(path.join(t.directory, "tool.sh"), 0o755)
      writeFileSync(path.join(t.directory, "run.sh"), "echo run\n")
      chmodSync(path.join(t.directory, "run.sh"), 0o755)
      writeFileSync(path.join(t.directory, "notes.txt"), "plain\n")
      await t.collect()
      await ws.merge([roundTask("A")])
      expect((await ws.seal("apply")).conflicts).toEqual([])
      const executable = (file: string) => (statSync(path.join(dir, file)).mode & 0o111) !== 0
      expect(["tool.sh", "run.sh", "notes.txt", "lines.txt"].map(executable)).toEqual([true, true, false, false])
      expect(readFileSync(path.join(dir, "tool.sh"), "utf8")).toBe("echo new\n")
    } finally {
      await ws.dispose()
    }
  })

  it("seal('branch') leaves the user's files untouched and the result on the branch", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    writeFiles(dir, { "wip.txt": "user's work in progress\n" })
    const before = userGitState(dir)
    const { ws, id } = await open(dir)
    try {
      const t = (await ws.begin([roundTask("A")])).get("A")!
      writeFileSync(path.join(t.directory, "lines.txt"), edit(LINES, 1, "line 1 by A"))
      await t.collect()
      await ws.merge([roundTask("A")])
      const sealed = await ws.seal("branch")
      expect(sealed).toEqual({ summary: expect.stringContaining(`orchestrator/${id}`), conflicts: [] })
      expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(LINES)
      expect(sh(dir, "show", `orchestrator/${id}:lines.txt`)).toBe(edit(LINES, 1, "line 1 by A"))
    } finally {
      await ws.dispose()
    }
    expect(userGitState(dir)).toEqual(before)
  })

  it("dispose removes every task worktree and task branch, earlier attempts' included, and the temp root; keeps branch and base ref", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const { ws, id } = await open(dir)
    try {
      for (const attempt of [1, 2]) {
        const t = (await ws.begin([roundTask("A", attempt)])).get("A")!
        writeFileSync(path.join(t.directory, "lines.txt"), edit(LINES, 1, `attempt ${attempt}`))
        await t.collect()
      }
    } finally {
      await ws.dispose()
    }
    expect(orchestratorRefs(dir).sort()).toEqual([`refs/heads/orchestrator/${id}`, `refs/orchestrator/${id}/base`])
    expect(worktreeList(dir)).toEqual([dir])
    expect(existsSync(worktreeRootOf(dir, id))).toBe(false)
    await ws.dispose() // twice is safe
  })

  it("begin gives every attempt of a round its own branch (one ref transaction) and slot from the integration head; a retry reuses a slot in place and replaces only its task's previous branch", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const { ws, id } = await open(dir)
    const ids = ["A", "B", "C", "D", "E", "F"]
    try {
      const head = sh(dir, "rev-parse", `refs/heads/orchestrator/${id}`).trim()
      let checkouts = new Map<string, { directory: string }>()
      const runs = await gitRuns(async () => {
        checkouts = await ws.begin(ids.map((t) => roundTask(t)))
      })
      // `git worktree add --detach` runs update-ref itself; the round's branches are one transaction of ours.
      expect(named(runs, "update-ref -m")).toHaveLength(1)
      expect(named(runs, "branch")).toEqual([])
      // Git's worktree registry takes one add at a time: concurrent adds read each other's half-written files and fail.
      const adds = named(runs, "worktree add")
      expect(adds).toHaveLength(ids.length)
      for (let i = 1; i < adds.length; i++) expect(adds[i]!.started).toBeGreaterThanOrEqual(adds[i - 1]!.ended)
      const directories = ids.map((t) => checkouts.get(t)!.directory)
      expect(new Set(directories).size).toBe(ids.length)
      expect(worktreeList(dir).sort()).toEqual([dir, ws.integrationDir, ...directories].sort())
      expect(sh(dir, "worktree", "list", "--porcelain")).not.toMatch(/^(locked|prunable)/m)
      for (const t of ids) {
        const where = checkouts.get(t)!.directory
        expect(sh(where, "symbolic-ref", "HEAD").trim()).toBe(`refs/heads/orchestrator/${id}--${t}-a1`)
        expect(sh(where, "rev-parse", "HEAD").trim()).toBe(head)
        expect(sh(where, "status", "--porcelain")).toBe("")
        expect(readFileSync(path.join(where, "lines.txt"), "utf8")).toBe(LINES)
      }

      writeFileSync(path.join(directories[0]!, "left-by-A.txt"), "A's attempt\n")
      const retry = (await ws.begin([roundTask("B", 2)])).get("B")!
      // The pool's first slot, checked out in place: nothing of A's attempt is left in it.
      expect(retry.directory).toBe(directories[0])
      expect(existsSync(path.join(retry.directory, "left-by-A.txt"))).toBe(false)
      expect(sh(retry.directory, "status", "--porcelain")).toBe("")
      expect(sh(retry.directory, "symbolic-ref", "HEAD").trim()).toBe(`refs/heads/orchestrator/${id}--B-a2`)
      const taskBranches = orchestratorRefs(dir).filter((r) => r.includes("--"))
      expect(taskBranches.sort()).toEqual(
        [...ids.filter((t) => t !== "B").map((t) => `${t}-a1`), "B-a2"].map((n) => `refs/heads/orchestrator/${id}--${n}`).sort(),
      )
      expect(worktreeList(dir)).toHaveLength(ids.length + 2)
    } finally {
      await ws.dispose()
    }
    expect(worktreeList(dir)).toEqual([dir])
    expect(orchestratorRefs(dir).sort()).toEqual([`refs/heads/orchestrator/${id}`, `refs/orchestrator/${id}/base`])
  })

  it("collect commits the change and reads its files and diff in one git diff, relative to the project directory; commits and merges start no git maintenance", async () => {
    const dir = gitRepo({ "app/lines.txt": LINES, "app/a b.txt": "old\n", "app/gone.txt": "bye\n", "outside.txt": "root\n" })
    sh(dir, "config", "maintenance.auto", "true")
    const ws = await WorktreeWorkspace.open(path.join(dir, "app"), dir, missionId(), tempDir("orch-state-"))
    try {
      const t = (await ws.begin([roundTask("A")])).get("A")!
      writeFileSync(path.join(t.directory, "lines.txt"), edit(LINES, 3, "line 3 by A"))
      writeFileSync(path.join(t.directory, "a b.txt"), "new\n")
      writeFileSync(path.join(t.directory, "naïve café.txt"), "crème\n")
      rmSync(path.join(t.directory, "gone.txt"))
      writeFileSync(path.join(t.directory, "..", "outside.txt"), "changed outside the project\n")
      let files: string[] = []
      let diff = ""
      const processes = await gitProcesses(async () => {
        files = await t.collect()
        diff = await t.diff()
        await ws.merge([roundTask("A")])
      })
      expect(files.sort()).toEqual(["a b.txt", "gone.txt", "lines.txt", "naïve café.txt"])
      // The same patch as a plain `git diff --relative` of the attempt's commit.
      expect(diff).toBe(sh(t.directory, "diff", "--no-color", "--no-renames", "--relative", "HEAD~1", "HEAD"))
      expect(diff).toContain("+line 3 by A")
      expect(diff).not.toContain("outside")
      expect(named(processes, "diff")).toHaveLength(1)
      expect(named(processes, "maintenance")).toEqual([])
      expect(named(processes, "gc")).toEqual([])
      expect(named(processes, "commit")).toHaveLength(1)
      expect(named(processes, "merge")).toHaveLength(1)
    } finally {
      await ws.dispose()
    }
  })

  it("reopen after a crash discards every task attempt the crashed run left (worktrees and branches) and keeps the merged work", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const { ws: crashed, id } = await open(dir)
    const first = (await crashed.begin([roundTask("A")])).get("A")!
    writeFileSync(path.join(first.directory, "lines.txt"), edit(LINES, 1, "line 1 by A"))
    await first.collect()
    await crashed.merge([roundTask("A")])
    const left = await crashed.begin(["B", "C", "D"].map((t) => roundTask(t)))
    rmSync(crashed.integrationDir, { recursive: true, force: true }) // the temp dir may be gone too
    // No dispose: the process died here.

    const ws = await WorktreeWorkspace.reopen(dir, dir, id)
    try {
      for (const where of [first.directory, ...["B", "C", "D"].map((t) => left.get(t)!.directory)]) expect(existsSync(where)).toBe(false)
      expect(orchestratorRefs(dir).sort()).toEqual([`refs/heads/orchestrator/${id}`, `refs/orchestrator/${id}/base`])
      expect(worktreeList(dir)).toEqual([dir, ws.integrationDir])
      expect(readFileSync(path.join(ws.integrationDir, "lines.txt"), "utf8")).toBe(edit(LINES, 1, "line 1 by A"))
      const retry = (await ws.begin([roundTask("B")])).get("B")!
      expect(readFileSync(path.join(retry.directory, "lines.txt"), "utf8")).toBe(edit(LINES, 1, "line 1 by A"))
    } finally {
      await ws.dispose()
    }
    expect(worktreeList(dir)).toEqual([dir])
  })

  it("dispose removes the worktrees of many tasks with a fixed number of git processes", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const { ws, id } = await open(dir)
    await ws.begin(["A", "B", "C", "D", "E"].map((t) => roundTask(t)))
    const processes = await gitProcesses(() => ws.dispose())
    expect(processes).toEqual(["worktree prune", "update-ref --stdin"])
    expect(worktreeList(dir)).toEqual([dir])
    expect(orchestratorRefs(dir).sort()).toEqual([`refs/heads/orchestrator/${id}`, `refs/orchestrator/${id}/base`])
    expect(existsSync(worktreeRootOf(dir, id))).toBe(false)
  })
})

describe("the checkout pool in a mission (fake SDK, real git)", () => {
  const SETUP = "echo run >> setup-runs.txt && echo $ORCHESTRATOR_SLOT >> slots-seen.txt"

  it("runs setup once per slot across rounds and attempts; a slot's next task sees nothing of the last one's files", async () => {
    const dir = gitRepo({ ".gitignore": "setup-runs.txt\nslots-seen.txt\ndist/\n", "a.txt": "a\n" })
    const seen: Record<string, string[]> = {}
    const run = await runScripted(
      dir,
      {
        planner: planner(plan([task("T1"), task("T2"), task("T3", { dependsOn: ["T1", "T2"] }), task("T4", { dependsOn: ["T3"] })])),
        worker: (t) => {
          seen[t.call.task] = ["setup-runs.txt", "t1.txt", "t2.txt", "dist"].filter((f) => existsSync(path.join(t.directory, f)))
          // Ignored build output: never committed, and gone before the slot's next task.
          writeFiles(t.directory, { [`dist/${t.call.task}.js`]: "built\n" })
          defaultWorker(t)
        },
      },
      { concurrency: 2, checkout: { setup: SETUP, dependencies: [], timeoutSec: 30 } },
    )
    expect(run.state.status).toBe("sealed")
    const events = readFileSync(path.join(dir, ".opencode/orchestrator", run.state.id, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    const setups = events.filter((e) => e.type === "checkout_setup")
    // Two slots and the integration checkout: one setup each, though four tasks ran in three rounds.
    expect(setups.map((e) => e.checkout).sort()).toEqual(["integration", "slot-0", "slot-1"])
    expect(setups.every((e) => e.exitCode === 0)).toBe(true)
    expect(run.state.round).toBe(3)
    // T3 and T4 reuse a slot: they see the merged work of earlier tasks, the bootstrap, and no leftovers of the slot's last attempt.
    expect(seen.T3).toEqual(["setup-runs.txt", "t1.txt", "t2.txt"])
    expect(seen.T4).toEqual(["setup-runs.txt", "t1.txt", "t2.txt"])
  })

  it("a failing setup ends the mission with its output before any worker runs", async () => {
    const dir = gitRepo({ "a.txt": "a\n" })
    const run = await runScripted(
      dir,
      { planner: planner(plan([task("T1")])) },
      { checkout: { setup: "echo 'npm ERR! missing script: codegen' >&2; exit 3", dependencies: [], timeoutSec: 30 } },
    )
    expect(run.state.status).toBe("failed")
    expect(run.state.reason).toContain("The checkout setup command `echo 'npm ERR! missing script: codegen' >&2; exit 3` exited 3")
    expect(run.state.reason).toContain("npm ERR! missing script: codegen")
    expect(run.fake.of("worker")).toHaveLength(0)
  })

  it("a hanging setup is stopped at checkout.timeoutSec and ends the mission with what it printed", async () => {
    const dir = gitRepo({ "a.txt": "a\n" })
    const started = Date.now()
    const run = await runScripted(
      dir,
      { planner: planner(plan([task("T1")])) },
      { checkout: { setup: "echo preparing; sleep 600", dependencies: [], timeoutSec: 2 } },
    )
    expect(run.state.status).toBe("failed")
    expect(run.state.reason).toMatch(/did not finish within 2 s/)
    expect(run.state.reason).toContain("preparing")
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(run.fake.of("worker")).toHaveLength(0)
  })
})
