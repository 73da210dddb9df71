import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it, vi } from "vitest"
import { MissionStore } from "../../src/mission/store.js"
import { POOL, repositoryDir } from "../../src/workspace/checkout-pool.js"
import { defaultWorker, PASS, planner, runScripted } from "../support/fake-sdk.js"
import {
  gitRepo,
  orchestratorRefs,
  plan,
  sh,
  shTry,
  task,
  tempDir,
  treeDigest,
  userGitState,
  worktreeList,
  worktreeRootOf,
  writeFiles,
} from "../support/helpers.js"

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
    expect(
      events
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).type)
        .at(-1),
    ).toBe("mission_ended")
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
    const run = await runScripted(gitRepo(), { planner: planner(plan([task("T1", { verify: ["echo never; exit 1"] })])) }, { maxAttempts: 2 })
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
    expect(run.state.tasks[0]!.attempts[0]!.feedback).toBe(`The verify command \`${verify}\` exited 1:\n\n    GATE: t1.txt lacks the ready marker (line 7)`)
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
        void t.submitVerdict(t.call.task === "T1" && t.nth === 0 ? { ...PASS, evidence: [{ command: "echo tests broke; exit 3", exitCode: 0 }] } : PASS),
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
          t.call.task === "mission" ? { verdict: "fail", summary: `Final review ${t.nth + 1}: the README is missing.`, issues: [], evidence: [] } : PASS,
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
    const run = await runScripted(gitRepo(), { planner: planner(plan([task("T1"), task("T2", { dependsOn: ["T1"] })])) }, { maxRounds: 1 })
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

  // Six to eight real git worktrees (one per slot) on a 2-core machine: more than the default 20 s under load.
  it("records a round's attempts with one state save however many tasks ran, and one event per attempt", { timeout: 60_000 }, async () => {
    const saves = async (n: number) => {
      const dir = gitRepo()
      const ids = Array.from({ length: n }, (_, i) => `T${i + 1}`)
      const save = vi.spyOn(MissionStore.prototype, "save")
      try {
        // One round for all of them: a round takes at most `concurrency` tasks (one checkout each).
        const run = await runScripted(dir, { planner: planner(plan(ids.map((id) => task(id)))) }, { concurrency: 6 })
        expect(run.state.status).toBe("sealed")
        const store = new MissionStore(dir, run.state.id)
        const events = readFileSync(path.join(store.dir, "events.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
        expect(events.filter((e) => e.type === "attempt_finished").map((e) => [e.task, e.outcome, e.status])).toEqual(ids.map((id) => [id, "passed", "passed"]))
        expect(await store.load()).toEqual(run.state)
        return save.mock.calls.length
      } finally {
        save.mockRestore()
      }
    }
    expect(await saves(6)).toBe(await saves(1))
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
      worker: (t) => (t.nth === 0 ? "ContextOverflowError: prompt too long" : defaultWorker(t)),
    })
    expect(outcomes(run, "T1")).toEqual(["session_error", "passed"])
    expect(run.fake.of("worker", "T1")[1]!.text).toContain("ContextOverflowError: prompt too long")
  })

  it("continues a turn that hit a transient provider error in the same session, without spending an attempt", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1")])),
      worker: (t) => (t.nth === 0 ? "APIError: 429 Too Many Requests" : defaultWorker(t)),
    })
    expect(run.state.status).toBe("sealed")
    expect(outcomes(run, "T1")).toEqual(["passed"])
    const turns = run.fake.of("worker", "T1")
    expect(turns).toHaveLength(2)
    expect(turns[1]!.sessionID).toBe(turns[0]!.sessionID)
    expect(turns[1]!.text).toContain("interrupted by a provider error (APIError: 429 Too Many Requests)")
  })

  it("ends the mission failed at once when the provider rejects the credentials", async () => {
    const run = await runScripted(gitRepo(), {
      planner: planner(plan([task("T1"), task("T2")])),
      worker: () => "ProviderAuthError: invalid api key",
    })
    expect(run.state.status).toBe("failed")
    expect(run.state.reason).toContain("refused the credentials")
    expect(run.state.tasks.flatMap((t) => t.attempts)).toEqual([])
  })

  it("ends in budget_exhausted when the token budget is spent, keeping what passed", async () => {
    const dir = gitRepo()
    const run = await runScripted(dir, { planner: planner(plan([task("T1"), task("T2", { dependsOn: ["T1"] })])) }, { maxTokens: 300 })
    expect(run.state.status).toBe("budget_exhausted")
    expect(run.state.reason).toContain("maxTokens = 300")
    expect(run.report).toMatch(/^\*\*Mission budget_exhausted\*\*/)
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
      typeErrors: async () => ({ errors: [], skipped: [] }),
    }
    const dir = gitRepo()
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) }, {}, undefined, undefined, analysis)
    expect(outcomes(run, "T1")).toEqual(["syntax_failed", "passed"])
    expect(run.fake.of("reviewer", "T1")).toHaveLength(1)
    expect(run.fake.of("worker", "T1")[1]!.text).toContain("t1.txt:1:9: unexpected #")
    expect(run.fake.of("planner")[0]!.text).toContain("src/\n  main.ts")
    expect(run.state.status).toBe("sealed")
  })

  it("sends a change that introduces a type error back to the worker, ignoring errors the base already had", async () => {
    const checked: string[] = []
    const analysis = {
      status: () => ({ available: true as const }),
      checkSyntax: async (_root: string, files: string[]) => ({
        ok: true,
        skipped: [],
        files: files.map((file) => ({ file, language: "typescript" as const, ok: true, truncated: false, errors: [] })),
      }),
      repoMap: async () => "",
      typeErrors: async (root: string, files: string[]) => {
        checked.push(root)
        const text = readFileSync(path.join(root, files[0]!), "utf8")
        const old = { file: files[0]!, line: 9, column: 1, message: "An error the base already had.", code: "1" }
        const fresh = { file: files[0]!, line: 1, column: 5, message: "Type 'string' is not assignable to type 'number'.", code: "2322" }
        return { errors: text.includes("#1") ? [old, fresh] : [old], skipped: [] }
      },
    }
    const dir = gitRepo({ "README.md": "# demo\n", "t1.txt": "base\n" })
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) }, {}, undefined, undefined, analysis)
    expect(outcomes(run, "T1")).toEqual(["type_failed", "passed"])
    expect(run.fake.of("reviewer", "T1")).toHaveLength(1)
    const retry = run.fake.of("worker", "T1")[1]!.text
    expect(retry).toContain("t1.txt:1:5: Type 'string' is not assignable to type 'number'. (2322)")
    expect(retry).not.toContain("An error the base already had.")
    // Checked in the task's worktree, then (to compare) in the integration worktree, never in the user's tree.
    expect(checked.length).toBeGreaterThanOrEqual(2)
    expect(checked.every((root) => !root.startsWith(dir))).toBe(true)
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

  it("takes a turn whose plan or verdict was accepted as a success however it ended: no retry, no second ask, usage booked", async () => {
    // After an accepted handoff the plugin aborts the child (opencode/turn-end.ts), and the gate reports that abort;
    // had the abort come too late, the pointless extra request could have hit a rate limit instead.
    const aborted = "MessageAbortedError: Aborted"
    const dir = gitRepo()
    const run = await runScripted(dir, {
      planner: (t) => (t.submitPlan(plan([task("T1"), task("T2")])), aborted),
      reviewer: (t) => (t.submitVerdict(PASS), t.call.task === "T1" ? "APIError: 429 Too Many Requests" : aborted),
    })
    expect(run.state.status).toBe("sealed")
    expect(run.fake.of("planner")).toHaveLength(1)
    for (const id of ["T1", "T2", "mission"]) expect(run.fake.of("reviewer", id)).toHaveLength(1)
    expect([outcomes(run, "T1"), outcomes(run, "T2")]).toEqual([["passed"], ["passed"]])
    // 1 planner + 2 workers + 3 reviewers, each turn booked once.
    expect(run.state.usage.sessions).toBe(6)
    expect(run.state.usage.inputTokens).toBe(600)
    const events = readFileSync(path.join(new MissionStore(dir, run.state.id).dir, "events.jsonl"), "utf8")
    expect(events).not.toContain("provider_retry")
  })

  it("still takes an error as an error when the turn's plan was rejected", async () => {
    const run = await runScripted(gitRepo(), {
      planner: (t) => (t.submitPlan(plan([task("T1", { dependsOn: ["T9"] })])), "MessageAbortedError: Aborted"),
    })
    expect(run.state.status).toBe("failed")
    expect(run.state.reason).toContain("the planner session failed: MessageAbortedError: Aborted")
    expect(run.fake.of("planner")).toHaveLength(1)
  })
})

const LINES = `${Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n")}\n`
const edit = (text: string, line: number, to: string) => text.replace(`line ${line}\n`, `${to}\n`)

/**
 * Besides the main worktree only the project's kept checkouts are left (checkout.keep), none with a
 * branch of the mission checked out; no task branch; the mission's temp root is gone; the integration
 * branch and base ref stay.
 */
function expectCleanedUp(dir: string, id: string): void {
  const pool = path.join(repositoryDir(dir), POOL)
  expect(worktreeList(dir).filter((w) => w !== dir && !w.startsWith(`${pool}${path.sep}`))).toEqual([])
  expect(sh(dir, "worktree", "list", "--porcelain")).not.toMatch(/^(branch refs\/heads\/orchestrator\/|prunable)/m)
  expect(orchestratorRefs(dir).sort()).toEqual([`refs/heads/orchestrator/${id}`, `refs/orchestrator/${id}/base`])
  expect(existsSync(worktreeRootOf(dir, id))).toBe(false)
}

describe("mission/engine.ts with worktree isolation on real repositories", () => {
  it("re-runs a task that conflicted on the same lines from the new head, where it sees the first task's change", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["lines.txt"] }), task("T2", { files: ["lines.txt"] })])),
      worker: (t) => {
        const current = readFileSync(path.join(t.directory, "lines.txt"), "utf8")
        // Both first attempts rewrite line 3; T2's retry must see T1's line (else it changes nothing: no_change).
        t.write(
          "lines.txt",
          t.nth === 0 ? edit(current, 3, `line 3 by ${t.call.task} #1`) : current.replace("line 3 by T1 #1\n", "line 3 by T1 #1\nT2 after T1\n"),
        )
      },
    })
    expect(run.state.status).toBe("sealed")
    expect(outcomes(run, "T1")).toEqual(["passed"])
    expect(outcomes(run, "T2")).toEqual(["merge_conflict", "passed"])
    expect(run.state.tasks[1]!.attempts[0]!.feedback).toContain("in: lines.txt")
    expect(run.state.tasks[1]!.attempts[0]!.feedback).toContain("+line 3 by T2 #1")
    expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(edit(LINES, 3, "line 3 by T1 #1\nT2 after T1"))
    expectCleanedUp(dir, run.state.id)
  })

  it("keeps the user's edit made during the mission in another hunk of the task's file, next to the task's change", async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["lines.txt"] })])),
      worker: (t) => {
        t.write("lines.txt", edit(LINES, 2, "line 2 by T1"))
        writeFileSync(path.join(dir, "lines.txt"), edit(LINES, 11, "line 11 by the user"))
      },
    })
    expect(run.state.status).toBe("sealed")
    expect(run.state.result?.conflicts).toEqual([])
    expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(edit(edit(LINES, 2, "line 2 by T1"), 11, "line 11 by the user"))
    expect(run.report).not.toContain("conflict markers")
  })

  it("seals with a warning when the user changed the same lines: markers only in that file, named in result.conflicts and the report", async () => {
    const dir = gitRepo({ "lines.txt": LINES, "other.txt": "other\n" })
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["lines.txt", "other.txt"] })])),
      worker: (t) => {
        t.write("lines.txt", edit(LINES, 6, "line 6 by T1"))
        t.write("other.txt", "other by T1\n")
        writeFileSync(path.join(dir, "lines.txt"), edit(LINES, 6, "line 6 by the user"))
      },
    })
    expect(run.state.status).toBe("sealed")
    expect(run.state.result?.conflicts).toEqual(["lines.txt"])
    expect(run.report).toMatch(/conflict markers.*lines\.txt/)
    const merged = readFileSync(path.join(dir, "lines.txt"), "utf8")
    expect(merged).toContain("<<<<<<< yours\nline 6 by the user\n=======\nline 6 by T1\n>>>>>>> mission\n")
    expect(merged.replace(/<<<<<<< yours\n[\s\S]*?>>>>>>> mission\n/, "line 6\n")).toBe(LINES)
    expect(readFileSync(path.join(dir, "other.txt"), "utf8")).toBe("other by T1\n")
  })

  it('result: "branch" leaves the user\'s tree byte-identical, the change on orchestrator/<id>, and a report hint that applies it', async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    writeFiles(dir, { "wip.txt": "uncommitted\n", "lines.txt": edit(LINES, 12, "line 12 uncommitted") })
    const files = treeDigest(dir)
    const git = userGitState(dir)
    const run = await runScripted(
      dir,
      {
        planner: planner(plan([task("T1", { files: ["lines.txt"] })])),
        worker: (t) => t.write("lines.txt", edit(readFileSync(path.join(t.directory, "lines.txt"), "utf8"), 1, "line 1 by T1")),
      },
      { result: "branch" },
    )
    const id = run.state.id
    expect(run.state.status).toBe("sealed")
    expect(treeDigest(dir)).toEqual(files)
    expect(userGitState(dir).index).toBe(git.index)
    expect(userGitState(dir).head).toBe(git.head)
    const onBranch = edit(edit(LINES, 12, "line 12 uncommitted"), 1, "line 1 by T1")
    expect(sh(dir, "show", `orchestrator/${id}:lines.txt`)).toBe(onBranch)
    const hint = `git diff --binary refs/orchestrator/${id}/base orchestrator/${id} | git apply`
    expect(run.report).toContain(hint)
    expectCleanedUp(dir, id)
  })

  const applyHint = (report: string) => /`(git diff --binary \S+ \S+ \| git apply[^`]*)`/.exec(report)?.[1]

  it('result: "branch": the report\'s apply hint applies the change to a clean tree', async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    const run = await runScripted(
      dir,
      { planner: planner(plan([task("T1", { files: ["lines.txt"] })])), worker: (t) => t.write("lines.txt", edit(LINES, 1, "line 1 by T1")) },
      { result: "branch" },
    )
    execFileSync("/bin/sh", ["-c", applyHint(run.report)!], { cwd: dir, stdio: "pipe" })
    expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(edit(LINES, 1, "line 1 by T1"))
  })

  it('result: "branch": the report\'s apply hint applies the change over the uncommitted edits the base captured', async () => {
    const dir = gitRepo({ "lines.txt": LINES })
    writeFiles(dir, { "lines.txt": edit(LINES, 12, "line 12 uncommitted") })
    const run = await runScripted(
      dir,
      {
        planner: planner(plan([task("T1", { files: ["lines.txt"] })])),
        worker: (t) => t.write("lines.txt", edit(readFileSync(path.join(t.directory, "lines.txt"), "utf8"), 1, "line 1 by T1")),
      },
      { result: "branch" },
    )
    execFileSync("/bin/sh", ["-c", applyHint(run.report)!], { cwd: dir, stdio: "pipe" })
    expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(edit(edit(LINES, 12, "line 12 uncommitted"), 1, "line 1 by T1"))
  })

  it("cleans up after seal: only the main worktree, no task branches, no temp root; integration branch and base ref kept", async () => {
    const dir = gitRepo()
    const run = await runScripted(dir, { planner: planner(plan([task("T1"), task("T2")])) })
    expect(run.state.status).toBe("sealed")
    expectCleanedUp(dir, run.state.id)
    expect(run.report).toContain(`branch orchestrator/${run.state.id}`)
  })

  it("cleans up after a cancel mid-worker and leaves the user's files alone", async () => {
    const dir = gitRepo()
    const files = treeDigest(dir)
    const controller = new AbortController()
    const run = await runScripted(
      dir,
      {
        planner: planner(plan([task("T1"), task("T2")])),
        worker: async (t) => {
          defaultWorker(t)
          setTimeout(() => controller.abort(), 20)
          await new Promise((resolve) => t.signal.addEventListener("abort", resolve, { once: true }))
          return "aborted"
        },
      },
      {},
      controller.signal,
    )
    expect(run.state.status).toBe("cancelled")
    expectCleanedUp(dir, run.state.id)
    expect(treeDigest(dir)).toEqual(files)
  })

  it("cleans up after a failure (verify always failing), earlier attempts' worktrees and branches included", async () => {
    const dir = gitRepo()
    const run = await runScripted(dir, { planner: planner(plan([task("T1"), task("T2", { verify: ["exit 1"] })])) }, { maxAttempts: 2 })
    expect(run.state.status).toBe("failed")
    expect(outcomes(run, "T2")).toEqual(["verify_failed", "verify_failed"])
    expectCleanedUp(dir, run.state.id)
    expect(existsSync(path.join(dir, "t1.txt"))).toBe(false)
    expect(sh(dir, "show", `orchestrator/${run.state.id}:t1.txt`)).toBe("done T1 #1\n")
    expect(run.report).toMatch(new RegExp(`work merged so far is on branch orchestrator/${run.state.id}`, "i"))
  })

  it("works on an unborn HEAD (no commits): the base has no parent and HEAD stays unborn", async () => {
    const dir = tempDir("orch-unborn-")
    sh(dir, "init", "-q", "-b", "main")
    writeFiles(dir, { "draft.txt": "draft\n" })
    const git = userGitState(dir)
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) })
    expect(run.state.status).toBe("sealed")
    const base = `refs/orchestrator/${run.state.id}/base`
    expect(sh(dir, "rev-list", "--parents", "-n", "1", base).trim().split(" ")).toHaveLength(1)
    expect(sh(dir, "show", `${base}:draft.txt`)).toBe("draft\n")
    expect(readFileSync(path.join(dir, "t1.txt"), "utf8")).toBe("done T1 #1\n")
    expect(shTry(dir, "rev-parse", "-q", "--verify", "HEAD").code).not.toBe(0)
    expect(userGitState(dir).index).toBe(git.index)
    expect(userGitState(dir).head).toBe("ref: refs/heads/main\n")
    expectCleanedUp(dir, run.state.id)
  })

  it("works on a detached HEAD, which stays detached at the same commit", async () => {
    const dir = gitRepo()
    writeFiles(dir, { "second.txt": "2\n" })
    sh(dir, "add", "-A")
    sh(dir, "commit", "-q", "-m", "second")
    sh(dir, "checkout", "-q", "--detach", "HEAD~1")
    const head = sh(dir, "rev-parse", "HEAD").trim()
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) })
    expect(run.state.status).toBe("sealed")
    expect(readFileSync(path.join(dir, ".git", "HEAD"), "utf8")).toBe(`${head}\n`)
    expect(sh(dir, "rev-parse", `refs/orchestrator/${run.state.id}/base~1`).trim()).toBe(head)
    expect(existsSync(path.join(dir, "second.txt"))).toBe(false)
    expect(readFileSync(path.join(dir, "t1.txt"), "utf8")).toBe("done T1 #1\n")
    expectCleanedUp(dir, run.state.id)
  })

  /** A repository with branches main and other that change a.txt differently. */
  function divergedRepo(): string {
    const dir = gitRepo({ "a.txt": "base\n" })
    sh(dir, "checkout", "-q", "-b", "other")
    writeFiles(dir, { "a.txt": "other\n" })
    sh(dir, "commit", "-q", "-am", "other")
    sh(dir, "checkout", "-q", "main")
    writeFiles(dir, { "a.txt": "main\n" })
    sh(dir, "commit", "-q", "-am", "main")
    return dir
  }

  for (const [operation, start] of [
    ["merge", (dir: string) => shTry(dir, "merge", "-q", "other")],
    ["rebase", (dir: string) => shTry(dir, "rebase", "other")],
  ] as const) {
    it(`refuses a repository in the middle of a ${operation}, naming it and what to do, and creates no state and no refs`, async () => {
      const dir = divergedRepo()
      expect(start(dir).code).not.toBe(0)
      const before = userGitState(dir)
      const worktrees = worktreeList(dir)
      await expect(runScripted(dir, { planner: planner(plan([task("T1")])) })).rejects.toThrow(new RegExp(`middle of a ${operation}\\b.*Finish or abort it`))
      expect(existsSync(path.join(dir, ".opencode"))).toBe(false)
      expect(orchestratorRefs(dir)).toEqual([])
      expect(worktreeList(dir)).toEqual(worktrees)
      expect(userGitState(dir)).toEqual(before)
    })
  }

  it("lands changes to files with spaces and unicode in their names", async () => {
    const dir = gitRepo({ "a b.txt": "old\n", "日本語/ファイル.md": "古い\n" })
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["a b.txt", "日本語/ファイル.md", "new dir/naïve café.txt"] })])),
      worker: (t) => {
        t.write("a b.txt", "new\n")
        t.write("日本語/ファイル.md", "新しい\n")
        t.write("new dir/naïve café.txt", "crème brûlée\n")
      },
    })
    expect(run.state.status).toBe("sealed")
    expect(run.state.tasks[0]!.attempts[0]!.changedFiles.sort()).toEqual(["a b.txt", "new dir/naïve café.txt", "日本語/ファイル.md"].sort())
    expect(readFileSync(path.join(dir, "a b.txt"), "utf8")).toBe("new\n")
    expect(readFileSync(path.join(dir, "日本語/ファイル.md"), "utf8")).toBe("新しい\n")
    expect(readFileSync(path.join(dir, "new dir/naïve café.txt"), "utf8")).toBe("crème brûlée\n")
    expect(run.state.result?.conflicts).toEqual([])
  })

  const bytes = (...values: number[]) => Buffer.from(values)

  it("lands a binary file (with NUL bytes) changed by a task byte-exact", async () => {
    const dir = gitRepo()
    writeFileSync(path.join(dir, "blob.bin"), bytes(0, 1, 2, 0, 255, 10, 13, 0))
    sh(dir, "add", "blob.bin")
    sh(dir, "commit", "-q", "-m", "bin")
    const changed = bytes(0, 0, 0, 254, 10, 0, 13, 10, 128, 0)
    const added = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256))
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["blob.bin", "added.bin"] })])),
      worker: (t) => {
        writeFileSync(path.join(t.directory, "blob.bin"), changed)
        writeFileSync(path.join(t.directory, "added.bin"), added)
      },
    })
    expect(run.state.status).toBe("sealed")
    expect(readFileSync(path.join(dir, "blob.bin")).equals(changed)).toBe(true)
    expect(readFileSync(path.join(dir, "added.bin")).equals(added)).toBe(true)
  })

  it("reports a binary file the user also changed during the mission as a conflict and keeps the user's bytes", async () => {
    const dir = gitRepo()
    writeFileSync(path.join(dir, "blob.bin"), bytes(0, 1, 2, 0))
    sh(dir, "add", "blob.bin")
    sh(dir, "commit", "-q", "-m", "bin")
    const users = bytes(0, 9, 9, 0, 9)
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["blob.bin", "t1.txt"] })])),
      worker: (t) => {
        writeFileSync(path.join(t.directory, "blob.bin"), bytes(0, 7, 7, 0))
        t.write("t1.txt", "text\n")
        writeFileSync(path.join(dir, "blob.bin"), users)
      },
    })
    expect(run.state.status).toBe("sealed")
    expect(run.state.result?.conflicts).toEqual(["blob.bin"])
    expect(run.report).toContain("blob.bin")
    expect(readFileSync(path.join(dir, "blob.bin")).equals(users)).toBe(true)
    expect(readFileSync(path.join(dir, "t1.txt"), "utf8")).toBe("text\n")
  })

  it("with a submodule: tasks see it unpopulated (empty dir) in their worktree; the gitlink is kept, and the user's submodule checkout, dirty files included, is left as it was", async () => {
    const lib = gitRepo({ "lib.txt": "lib v1\n" })
    const dir = gitRepo({ "README.md": "# super\n" })
    sh(dir, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "libs/sub")
    sh(dir, "commit", "-q", "-m", "add submodule")
    writeFiles(dir, { "libs/sub/lib.txt": "lib v1, dirty\n" })
    const subHead = sh(path.join(dir, "libs/sub"), "rev-parse", "HEAD").trim()
    const gitlink = sh(dir, "ls-tree", "HEAD", "libs/sub")
    const subStatus = sh(dir, "status", "--porcelain=v2", "--ignore-submodules=none", "--", "libs/sub")
    expect(subStatus).toMatch(/^1 \.M S\.M\. /) // a submodule with modified content
    let seenInWorktree: string[] | undefined
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["README.md"] })])),
      worker: (t) => {
        seenInWorktree = existsSync(path.join(t.directory, "libs/sub"))
          ? sh(t.directory, "ls-files", "--stage", "libs/sub").split("\n").filter(Boolean)
          : undefined
        expect(existsSync(path.join(t.directory, "libs/sub/lib.txt"))).toBe(false)
        t.write("README.md", "# super, edited\n")
      },
    })
    expect(run.state.status).toBe("sealed")
    expect(run.state.tasks[0]!.attempts[0]!.changedFiles).toEqual(["README.md"])
    expect(seenInWorktree).toEqual([expect.stringMatching(/^160000 [0-9a-f]{40} 0\tlibs\/sub$/)])
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toBe("# super, edited\n")
    expect(readFileSync(path.join(dir, "libs/sub/lib.txt"), "utf8")).toBe("lib v1, dirty\n")
    expect(sh(path.join(dir, "libs/sub"), "rev-parse", "HEAD").trim()).toBe(subHead)
    expect(sh(dir, "ls-tree", `orchestrator/${run.state.id}`, "libs/sub")).toBe(gitlink)
    expect(sh(dir, "ls-tree", `refs/orchestrator/${run.state.id}/base`, "libs/sub")).toBe(gitlink)
    expect(sh(dir, "diff", "--name-only", `refs/orchestrator/${run.state.id}/base`, `orchestrator/${run.state.id}`)).toBe("README.md\n")
    expect(sh(dir, "status", "--porcelain=v2", "--ignore-submodules=none", "--", "libs/sub")).toBe(subStatus)
    expect(sh(dir, "status", "--porcelain", "--ignore-submodules=all")).toBe(" M README.md\n?? .opencode/\n")
    expectCleanedUp(dir, run.state.id)
  })

  it("merges a passing task even when the user's commit-msg hook would reject the plugin's merge message", async () => {
    const dir = gitRepo()
    const hook = path.join(dir, ".git", "hooks", "commit-msg")
    writeFileSync(hook, '#!/bin/sh\ngrep -qE "^(feat|fix|chore)(\\(.+\\))?: " "$1" || { echo "not a conventional commit" >&2; exit 1; }\n')
    chmodSync(hook, 0o755)
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) }, { maxAttempts: 1 })
    expect(outcomes(run, "T1")).toEqual(["passed"])
    expect(run.state.status).toBe("sealed")
  })

  it("applies a task's change to a file checked out with CRLF (eol=crlf) that the user did not touch, without a conflict", async () => {
    const dir = gitRepo({ ".gitattributes": "*.txt text eol=crlf\n", "lines.txt": LINES })
    rmSync(path.join(dir, "lines.txt"))
    sh(dir, "checkout", "--", "lines.txt")
    const crlf = (text: string) => text.replace(/\n/g, "\r\n")
    expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(crlf(LINES))
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { files: ["lines.txt"] })])),
      worker: (t) => t.write("lines.txt", crlf(edit(LINES, 4, "line 4 by T1"))),
    })
    expect(run.state.status).toBe("sealed")
    expect(run.state.result?.conflicts).toEqual([])
    expect(readFileSync(path.join(dir, "lines.txt"), "utf8")).toBe(crlf(edit(LINES, 4, "line 4 by T1")))
  })
})

describe("a .worktreeinclude that leaves the repository", () => {
  it("refuses the mission before anything is written, naming the pattern", async () => {
    const dir = gitRepo({ "a.txt": "a\n", ".worktreeinclude": ".env\n../../home/.ssh/id_rsa\n" })
    writeFiles(dir, { ".env": "x\n" })
    await expect(runScripted(dir, { planner: planner(plan([task("T1")])) })).rejects.toThrow(
      /\.worktreeinclude has patterns that leave the project root: "\.\.\/\.\.\/home\/\.ssh\/id_rsa"/,
    )
    expect(existsSync(path.join(dir, ".opencode/orchestrator"))).toBe(false)
  })
})
