import { readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { MissionStore } from "../../src/mission/store.js"
import { defaultWorker, PASS, planner, runScripted } from "./fake-sdk.js"
import { gitRepo, plan, task, tempDir } from "./helpers.js"

const outcomes = (run: { state: { tasks: { spec: { id: string }; attempts: { outcome: string }[] }[] } }, id: string) =>
  run.state.tasks.find((t) => t.spec.id === id)?.attempts.map((a) => a.outcome)

describe("mission/engine.ts runMission (fake SDK)", () => {
  it("seals a three-task DAG: parallel first round, dependent second, every check re-run", async () => {
    const dir = gitRepo()
    const thePlan = plan(
      [
        task("T1", { description: "Create t1.txt.\nExactly one line.", verify: ["test -f t1.txt"] }),
        task("T2", { verify: ["grep -q T2 t2.txt"] }),
        task("T3", { dependsOn: ["T1", "T2"], acceptance: ["t3 exists", "mentions T3"] }),
      ],
      { summary: "Three files, the last after the others.", verify: ["test -f t3.txt"] },
    )
    const run = await runScripted(dir, { planner: planner(thePlan) })

    expect(run.state.status).toBe("sealed")
    expect(run.state.tasks.map((t) => [t.spec.id, t.status, t.attempts.map((a) => a.round)])).toEqual([
      ["T1", "passed", [1]],
      ["T2", "passed", [1]],
      ["T3", "passed", [2]],
    ])
    expect(run.state.round).toBe(2)
    expect(run.state.missionVerify).toEqual([{ command: "test -f t3.txt", exitCode: 0, output: "" }])
    expect(run.state.masterReview?.verdict).toBe("pass")
    // T3's worker starts only after T1 and T2 passed review.
    const t3 = run.fake.of("worker", "T3")[0]!
    for (const id of ["T1", "T2"]) expect(run.fake.of("reviewer", id)[0]!.endedAt!).toBeLessThanOrEqual(t3.startedAt)
    expect(run.fake.maxInFlight.get("worker")).toBe(2)

    // What each child is given, verbatim.
    const w1 = run.fake.of("worker", "T1")[0]!
    expect(w1.text).toContain("Create t1.txt.\nExactly one line.")
    expect(w1.text).toContain("- T1 is done")
    expect(w1.text).toContain("`test -f t1.txt`")
    expect(w1.title).toBe("T1 · worker · Task T1")
    const r3 = run.fake.of("reviewer", "T3")[0]!
    expect(r3.text).toContain("- t3 exists\n- mentions T3")
    expect(r3.text).toContain("+done T3 #1")
    expect(r3.text).not.toContain("t1.txt")
    const master = run.fake.of("reviewer", "mission")[0]!
    expect(master.text).toContain("Build the demo feature.\nWith details on the second line.")
    expect(master.text).toContain("Three files, the last after the others.")
    expect(run.fake.created.every((c) => c.parentID === "ses_commander")).toBe(true)
    // The planner reads the project; workers and reviewers work in their task's worktree, outside it.
    for (const c of run.fake.created) {
      if (c.title.startsWith("planner")) expect(c.directory).toBe(dir)
      else expect(c.directory.startsWith(dir)).toBe(false)
    }

    // 1 planner + 3 workers + 3 reviewers + 1 final reviewer.
    expect(run.state.usage.sessions).toBe(8)
    expect(run.state.usage.inputTokens).toBe(800)

    const store = new MissionStore(dir, run.state.id)
    const todo = readFileSync(store.todoPath, "utf8")
    expect(todo.split("\n").filter((l) => l.startsWith("- ["))).toEqual(["- [x] T1 · Task T1", "- [x] T2 · Task T2", "- [x] T3 · Task T3"])
    expect(await store.load()).toEqual(run.state)
    expect(run.report.split("\n")[0]).toMatch(/^\*\*Mission sealed\*\* — /)
    expect(run.report).toContain("| `test -f t3.txt` | 0 |")
    const events = readFileSync(path.join(store.dir, "events.jsonl"), "utf8")
    expect(events.trim().split("\n").map((l) => JSON.parse(l).type).at(-1)).toBe("mission_ended")
  })

  it("stops in needs_user when the planner asks questions", async () => {
    const run = await runScripted(gitRepo(), { planner: planner(plan([], { questions: ["Which database?", "Keep v1 API?"] })) })
    expect(run.state.status).toBe("needs_user")
    expect(run.state.questions).toEqual(["Which database?", "Keep v1 API?"])
    expect(run.fake.of("worker")).toEqual([])
    expect(run.report.split("\n")[0]).toMatch(/^\*\*Mission needs_user\*\*/)
    expect(run.report).toContain("1. Which database?")
  })

  it("fails after maxAttempts when a task's verify always fails, without a reviewer", async () => {
    const run = await runScripted(
      gitRepo(),
      { planner: planner(plan([task("T1", { verify: ["echo never; exit 1"] })])) },
      { maxAttempts: 2 },
    )
    expect(run.state.status).toBe("failed")
    expect(run.fake.of("worker", "T1")).toHaveLength(2)
    expect(run.fake.of("reviewer")).toEqual([])
    expect(outcomes(run, "T1")).toEqual(["verify_failed", "verify_failed"])
    expect(run.state.tasks[0]!.status).toBe("failed")
    expect(run.state.reason).toContain("T1")
  })

  it("puts the previous gate output verbatim into the retry work order", async () => {
    const verify = 'grep -q ready t1.txt || { echo "GATE: t1.txt lacks the ready marker (line 7)"; exit 1; }'
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1", { verify: [verify] })])),
      worker: (t) => t.write("t1.txt", t.nth === 0 ? "draft\n" : "ready\n"),
    })
    expect(run.state.status).toBe("sealed")
    expect(outcomes(run, "T1")).toEqual(["verify_failed", "passed"])
    const [first, second] = run.fake.of("worker", "T1")
    expect(first!.text).not.toContain("Previous attempt")
    expect(second!.text).toContain("Previous attempt 1 was rejected: verify failed")
    expect(second!.text).toContain(`\`${verify}\` exited 1`)
    expect(second!.text).toContain("GATE: t1.txt lacks the ready marker (line 7)")
    expect(run.state.tasks[0]!.attempts[0]!.feedback).toBe(
      `The verify command \`${verify}\` exited 1:\n\n    GATE: t1.txt lacks the ready marker (line 7)`,
    )
  })

  it("records no_change without asking a reviewer, and tells the next worker", async () => {
    const run = await runScripted(
      gitRepo(),
      {
        planner: planner(plan([task("T1")])),
        worker: (t) => (t.nth === 0 ? undefined : defaultWorker(t)),
      },
      { maxAttempts: 2 },
    )
    expect(outcomes(run, "T1")).toEqual(["no_change", "passed"])
    expect(run.fake.of("reviewer", "T1")).toHaveLength(1)
    expect(run.fake.of("reviewer", "T1")[0]!.seq).toBeGreaterThan(run.fake.of("worker", "T1")[1]!.seq)
    expect(run.fake.of("worker", "T1")[1]!.text).toContain("No file changed")
    expect(run.state.status).toBe("sealed")
  })

  it("fails on no_change alone with no reviewer prompt at all", async () => {
    const run = await runScripted(gitRepo(), { planner: planner(plan([task("T1")])), worker: () => undefined }, { maxAttempts: 1 })
    expect(run.state.status).toBe("failed")
    expect(outcomes(run, "T1")).toEqual(["no_change"])
    expect(run.fake.of("reviewer")).toEqual([])
  })

  it("retries a task whose reviewer's evidence does not reproduce, with that finding", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1")])),
      reviewer: (t) =>
        void t.submitVerdict(
          t.call.task === "T1" && t.nth === 0 ? { ...PASS, evidence: [{ command: "echo tests broke; exit 3", exitCode: 0 }] } : PASS,
        ),
    })
    expect(outcomes(run, "T1")).toEqual(["evidence_mismatch", "passed"])
    const retry = run.fake.of("worker", "T1")[1]!.text
    expect(retry).toContain("evidence did not reproduce")
    expect(retry).toContain("`echo tests broke; exit 3`: the reviewer claimed exit 0, the engine got 3")
    expect(retry).toContain("tests broke")
    expect(run.state.status).toBe("sealed")
  })

  it("sends a reviewer's fail findings to the next worker", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1")])),
      reviewer: (t) =>
        void t.submitVerdict(
          t.call.task === "T1" && t.nth === 0
            ? { verdict: "fail", summary: "Wrong file.", issues: [{ severity: "major", file: "t1.txt", line: 1, message: "Say hello." }], evidence: [] }
            : PASS,
        ),
    })
    expect(outcomes(run, "T1")).toEqual(["review_failed", "passed"])
    expect(run.fake.of("worker", "T1")[1]!.text).toContain("[major] t1.txt:1: Say hello.")
  })

  it("asks an invalid planner again in the same session, with the validation errors", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1", { dependsOn: ["T9"] })]), plan([task("T1")])),
    })
    const calls = run.fake.of("planner")
    expect(calls).toHaveLength(2)
    expect(calls[1]!.sessionID).toBe(calls[0]!.sessionID)
    expect(calls[1]!.text).toContain('tasks[T1].dependsOn: unknown task "T9"')
    expect(run.state.status).toBe("sealed")
    expect(run.state.usage.sessions).toBe(4)
  })

  it("fails when the planner never gives a valid plan, after planRetries + 1 tries", async () => {
    const run = await runScripted(gitRepo(), { planner: planner(plan([task("T1", { dependsOn: ["T1"] })])) }, { planRetries: 1 })
    expect(run.fake.of("planner")).toHaveLength(2)
    expect(run.state.status).toBe("failed")
    expect(run.state.reason).toContain("depends on itself")
  })

  it("re-plans once after a failed final review, and fails when it fails again", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1")]), plan([task("T2", { dependsOn: ["T1"] })])),
      reviewer: (t) =>
        void t.submitVerdict(
          t.call.task === "mission"
            ? { verdict: "fail", summary: `Final review ${t.nth + 1}: the README is missing.`, issues: [], evidence: [] }
            : PASS,
        ),
    })
    expect(run.state.status).toBe("failed")
    const planners = run.fake.of("planner")
    expect(planners).toHaveLength(2)
    expect(planners[1]!.sessionID).not.toBe(planners[0]!.sessionID)
    expect(planners[1]!.text).toContain("Final review 1: the README is missing.")
    expect(planners[1]!.text).toContain("T1 · Task T1")
    expect(run.state.replans).toBe(1)
    expect(run.state.tasks.map((t) => [t.spec.id, t.status])).toEqual([
      ["T1", "passed"],
      ["T2", "passed"],
    ])
    expect(run.fake.of("reviewer", "mission")).toHaveLength(2)
    expect(run.state.masterReview?.summary).toBe("Final review 2: the README is missing.")
    expect(run.report.split("\n")[0]).toMatch(/^\*\*Mission failed\*\*/)
  })

  it("seals after a re-plan when the second final review passes", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1")]), plan([task("T2")])),
      reviewer: (t) =>
        void t.submitVerdict(t.call.task === "mission" && t.nth === 0 ? { verdict: "fail", summary: "Add T2.", issues: [], evidence: [] } : PASS),
    })
    expect(run.state.status).toBe("sealed")
    expect(run.state.tasks.map((t) => t.spec.id)).toEqual(["T1", "T2"])
  })

  it("ends in budget_exhausted when maxRounds runs out before a dependent task", async () => {
    const run = await runScripted(
      gitRepo(),
      { planner: planner(plan([task("T1"), task("T2", { dependsOn: ["T1"] })])) },
      { maxRounds: 1 },
    )
    expect(run.state.status).toBe("budget_exhausted")
    expect(run.state.tasks.map((t) => t.status)).toEqual(["passed", "pending"])
    expect(run.fake.of("worker", "T2")).toEqual([])
    expect(run.fake.of("reviewer", "mission")).toEqual([])
    expect(run.report.split("\n")[0]).toMatch(/^\*\*Mission budget_exhausted\*\*/)
    expect(run.state.reason).toContain("maxRounds = 1")
  })

  it("is cancelled when the signal aborts while a worker runs, and prompts nothing afterwards", async () => {
    const controller = new AbortController()
    let abortedAt = 0
    const run = await runScripted(
      gitRepo(),
      {
        planner: planner(plan([task("T1"), task("T2", { dependsOn: ["T1"] })])),
        worker: async (t) => {
          setTimeout(() => {
            abortedAt = Date.now()
            controller.abort()
          }, 30)
          await new Promise((resolve) => t.signal.addEventListener("abort", resolve, { once: true }))
          return "aborted"
        },
      },
      {},
      controller.signal,
    )
    expect(run.state.status).toBe("cancelled")
    expect(abortedAt).toBeGreaterThan(0)
    expect(run.fake.calls.filter((c) => c.startedAt >= abortedAt)).toEqual([])
    expect(run.fake.calls.map((c) => c.agent)).toEqual(["planner", "worker"])
    expect(run.state.tasks.every((t) => t.status !== "running")).toBe(true)
    expect(run.report.split("\n")[0]).toMatch(/^\*\*Mission cancelled\*\*/)
    expect((await new MissionStore(run.state.directory, run.state.id).load()).status).toBe("cancelled")
  })

  it("starts no reviewer after an abort even when another task of the round finished first", async () => {
    const controller = new AbortController()
    let abortedAt = 0
    const run = await runScripted(
      gitRepo(),
      {
        planner: planner(plan([task("T1"), task("T2")])),
        worker: async (t) => {
          if (t.call.task === "T1") return defaultWorker(t)
          setTimeout(() => {
            abortedAt = Date.now()
            controller.abort()
          }, 50)
          await new Promise((resolve) => t.signal.addEventListener("abort", resolve, { once: true }))
          return "aborted"
        },
      },
      {},
      controller.signal,
    )
    expect(run.state.status).toBe("cancelled")
    expect(run.fake.calls.filter((c) => c.startedAt >= abortedAt).map((c) => `${c.agent}:${c.task}`)).toEqual([])
  })

  it("runs tasks one at a time outside a git repository and says isolation was off", async () => {
    const dir = tempDir("orch-plain-")
    const run = await runScripted(
      dir,
      {
        planner: planner(plan([task("T1"), task("T2"), task("T3")])),
        worker: async (t) => {
          await new Promise((r) => setTimeout(r, 30))
          defaultWorker(t)
        },
      },
      { concurrency: 4 },
    )
    expect(run.state.status).toBe("sealed")
    expect(run.fake.maxInFlight.get("worker")).toBe(1)
    const workers = run.fake.of("worker")
    for (let i = 1; i < workers.length; i++) expect(workers[i]!.startedAt).toBeGreaterThanOrEqual(workers[i - 1]!.endedAt!)
    expect(run.state.round).toBe(3)
    expect(run.report).toMatch(/- isolation: off — /)
    expect(run.fake.of("reviewer", "T2")[0]!.text).toContain("+done T2 #1")
    expect(run.fake.of("reviewer", "T2")[0]!.text).not.toContain("done T1")
  })

  it("runs the same three tasks in one round inside a git repository", async () => {
    const run = await runScripted(gitRepo(), { planner: planner(plan([task("T1"), task("T2"), task("T3")])) }, { concurrency: 4 })
    expect(run.state.round).toBe(1)
    expect(run.report).not.toContain("isolation: off")
  })

  it("runs tasks whose files overlap in parallel worktrees; a merge conflict re-runs the later one on the new head", async () => {
    const dir = gitRepo()
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["shared.txt"] }), task("T2", { files: ["shared.txt"] })])),
      worker: (t) => t.write("shared.txt", `${t.call.task} attempt ${t.nth + 1}\n`),
    })
    expect(run.state.status).toBe("sealed")
    expect(outcomes(run, "T1")).toEqual(["passed"])
    expect(outcomes(run, "T2")).toEqual(["merge_conflict", "passed"])
    expect(run.state.tasks.map((t) => t.attempts.map((a) => a.round))).toEqual([[1], [1, 2]])
    const retry = run.fake.of("worker", "T2")[1]!.text
    expect(retry).toContain("conflicted with work merged before it, in: shared.txt")
    expect(retry).toContain("+T2 attempt 1")
    expect(readFileSync(path.join(dir, "shared.txt"), "utf8")).toBe("T2 attempt 2\n")
  })

  it("records a worker session error as session_error and retries", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1")])),
      worker: (t) => (t.nth === 0 ? "ProviderError: overloaded" : defaultWorker(t)),
    })
    expect(outcomes(run, "T1")).toEqual(["session_error", "passed"])
    expect(run.fake.of("worker", "T1")[1]!.text).toContain("ProviderError: overloaded")
  })

  it("sends a change that does not parse back to the worker without a reviewer", async () => {
    const analysis = {
      status: () => ({ available: true as const }),
      checkSyntax: async (_root: string, files: string[]) => {
        const text = readFileSync(path.join(_root, "t1.txt"), "utf8")
        const ok = !text.includes("#1")
        return {
          ok,
          skipped: [],
          files: files.map((file) => ({
            file,
            language: "typescript" as const,
            ok,
            truncated: false,
            errors: ok ? [] : [{ line: 1, column: 9, kind: "error" as const, message: "unexpected #", context: text.trim() }],
          })),
        }
      },
      repoMap: async () => "src/\n  main.ts",
    }
    const dir = gitRepo()
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) }, {}, undefined, undefined, analysis)
    expect(outcomes(run, "T1")).toEqual(["syntax_failed", "passed"])
    expect(run.fake.of("reviewer", "T1")).toHaveLength(1)
    expect(run.fake.of("worker", "T1")[1]!.text).toContain("t1.txt:1:9: unexpected #")
    expect(run.fake.of("planner")[0]!.text).toContain("src/\n  main.ts")
    expect(run.state.status).toBe("sealed")
  })

  it("asks a reviewer that gave no verdict once more in the same session", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1")])),
      reviewer: (t) => (t.call.task === "T1" && t.nth === 0 ? undefined : void t.submitVerdict(PASS)),
    })
    const reviews = run.fake.of("reviewer", "T1")
    expect(reviews).toHaveLength(2)
    expect(reviews[1]!.sessionID).toBe(reviews[0]!.sessionID)
    expect(outcomes(run, "T1")).toEqual(["passed"])
  })
})
