import { describe, expect, it } from "vitest"
import { buildBrief, capTokens, CONTEXT_HEADING, tokenizer } from "../../src/mission/brief.js"
import { type CoreMemory, remember } from "../../src/mission/memory.js"
import { FEEDBACK_TOKENS, workOrder } from "../../src/mission/round.js"
import type { TaskState } from "../../src/mission/state.js"
import { planner, runScripted } from "./fake-sdk.js"
import { gitRepo, plan, pluginOptions, task, taskState } from "./helpers.js"

const tok = await tokenizer()

/** A deterministic pseudo-random generator, so a failing case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
}

const words = (random: () => number, n: number) =>
  Array.from({ length: n }, () => ["parser", "src/a.ts", "T3", "fails", "because", "ünïcode", "🙂", "the", "tests", "{", "}"][Math.floor(random() * 11)]).join(" ")

describe("mission/brief.ts buildBrief", () => {
  it("never exceeds its budget, counted with the tokenizer, and always holds every pinned entry", () => {
    const random = rng(7)
    const tasks = ["T1", "T2", "T3", "T4"].map((id, i) => taskState(task(id, { files: [`src/${id}.ts`], dependsOn: i ? [`T${i}`] : [] })))
    for (let trial = 0; trial < 60; trial++) {
      const memory: CoreMemory = { entries: [] }
      remember(memory, 0, { id: "mission", kind: "mission", text: words(random, 10 + Math.floor(random() * 3000)) })
      remember(memory, 0, { id: "plan", kind: "plan", text: words(random, 5 + Math.floor(random() * 80)) })
      const decisions = Math.floor(random() * 4)
      for (let d = 0; d < decisions; d++) remember(memory, 0, { id: `decision:${d}`, kind: "decision", text: words(random, 3 + Math.floor(random() * 60)) })
      for (let e = 0; e < 40; e++) {
        const owner = tasks[Math.floor(random() * 4)]!.spec
        remember(memory, 1 + Math.floor(random() * 6), {
          id: `finding:${owner.id}:${e}`,
          kind: random() < 0.5 ? "finding" : "outcome",
          task: owner.id,
          files: owner.files,
          text: words(random, 5 + Math.floor(random() * 200)),
        })
      }
      const budget = [300, 800, 2000, 5000][trial % 4]!
      const brief = buildBrief(memory, tasks[2]!, tasks, 7, budget, tok)
      expect(tok.count(brief)).toBeLessThanOrEqual(budget)
      expect(brief.startsWith(CONTEXT_HEADING)).toBe(true)
      expect(brief).toContain("- Mission: ")
      expect(brief).toContain("- Plan: ")
      expect(brief.split("\n").filter((l) => l.startsWith("- Decision: "))).toHaveLength(decisions)
    }
  })

  it("keeps a short mission whole and cuts one that alone exceeds the budget, saying so", () => {
    const t = taskState(task("T1"))
    const memory: CoreMemory = { entries: [] }
    remember(memory, 0, { id: "mission", kind: "mission", text: "Add a --verbose flag." })
    expect(buildBrief(memory, t, [t], 1, 2000, tok)).toContain("- Mission: Add a --verbose flag.\n".trimEnd())
    const long = `START ${"lorem ipsum dolor sit amet ".repeat(2000)}END`
    remember(memory, 0, { id: "mission", kind: "mission", text: long })
    const brief = buildBrief(memory, t, [t], 1, 2000, tok)
    expect(tok.count(brief)).toBeLessThanOrEqual(2000)
    expect(tok.count(brief)).toBeGreaterThan(1000)
    expect(brief).toContain("- Mission: START lorem ipsum")
    expect(brief).not.toContain("END")
    expect(brief).toContain("the mission text is cut here to fit the brief's budget")
  })

  it("picks by weight × relevance: the fresh, related entry beats the stale or unrelated one; skips excluded ids", () => {
    const a = taskState(task("A", { files: ["a.ts"] }))
    const b = taskState(task("B", { files: ["b.ts"], dependsOn: ["A"] }))
    const z = taskState(task("Z", { files: ["z.ts"] }))
    const tasks = [a, b, z]
    const memory: CoreMemory = { entries: [] }
    remember(memory, 1, { id: "stale", kind: "finding", task: "A", files: ["a.ts"], text: `STALE ${"x ".repeat(60)}` })
    remember(memory, 6, { id: "fresh", kind: "finding", task: "A", files: ["a.ts"], text: `FRESH ${"x ".repeat(60)}` })
    remember(memory, 6, { id: "unrelated", kind: "finding", task: "Z", files: ["z.ts"], text: `UNRELATED ${"x ".repeat(60)}` })
    remember(memory, 6, { id: "mine", kind: "lesson", task: "B", files: ["b.ts"], text: `MINE ${"x ".repeat(60)}` })
    // Room for the heading and two entries.
    const tight = buildBrief(memory, b, tasks, 6, 200, tok)
    expect(tight).toContain("MINE")
    expect(tight).toContain("FRESH")
    expect(tight).not.toContain("STALE")
    expect(tight).not.toContain("UNRELATED")
    const roomy = buildBrief(memory, b, tasks, 6, 2000, tok, new Set(["mine"]))
    expect(roomy).not.toContain("MINE")
    expect(roomy.indexOf("FRESH")).toBeLessThan(roomy.indexOf("UNRELATED"))
    expect(buildBrief(memory, b, tasks, 6, 0, tok)).toBe("")
    expect(buildBrief(undefined, b, tasks, 6, 2000, tok)).toBe("")
  })
})

describe("mission/round.ts workOrder", () => {
  const spec = task("T1", { description: "Line one.\n  Line two, indented.", verify: ["npm test -- --run"], acceptance: ["a", "b"] })

  it("keeps the task verbatim and adds the brief as a Context section", () => {
    const order = workOrder(taskState(spec), `${CONTEXT_HEADING}\n\n- Mission: x`, tok, { resumed: "continued" })
    expect(order.startsWith("# T1 · Task T1\n")).toBe(true)
    expect(order).toContain("Line one.\n  Line two, indented.")
    expect(order).toContain("- a\n- b")
    expect(order).toContain("`npm test -- --run`")
    expect(order).toContain("\n## Context\n\n- Mission: x")
    expect(workOrder(taskState(spec), "", tok, { resumed: "continued" })).not.toContain(CONTEXT_HEADING)
  })

  it("carries the previous attempt's feedback verbatim, cut with a marker past FEEDBACK_TOKENS", () => {
    const retry = (feedback: string): TaskState => ({
      ...taskState(spec),
      attempts: [{ attempt: 1, round: 1, outcome: "verify_failed", feedback, changedFiles: [], evidence: [], sessions: [] }],
    })
    const short = "`npm test` exited 1:\n  ✗ parses 1e3 (expected 1000)\n"
    expect(workOrder(retry(short), "", tok, { resumed: "continued" })).toContain(short.trimEnd())
    const huge = `FIRST ${"error: something went wrong at line 42\n".repeat(3000)}LAST`
    const order = workOrder(retry(huge), "", tok, { resumed: "continued" })
    expect(order).toContain("FIRST error: something went wrong at line 42\n")
    expect(order).not.toContain("LAST")
    expect(order).toMatch(/… cut: the last \d+ tokens of this feedback were dropped \(limit 4000\)/)
    const cut = capTokens(huge, FEEDBACK_TOKENS, tok)
    expect(tok.count(cut)).toBeLessThanOrEqual(FEEDBACK_TOKENS)
  })
})

describe("bounded briefs in a running mission (fake SDK)", () => {
  // Six to eight real git worktrees (one per slot) on a 2-core machine: more than the default 20 s under load.
  it("a 10-round mission's last work order is no larger than its round-2 one, and within the brief budget", { timeout: 60_000 }, async () => {
    // Round 1: six parallel tasks; rounds 2–10: a chain, one task a round. Equal-size ids and texts, and a
    // budget that round 1's outcomes already fill, so the brief is full from round 2 on.
    const summary = (id: string) => `Reviewed ${id}: the change is complete, tested and consistent with the plan's decisions.`
    const starters = ["A01", "A02", "A03", "A04", "A05", "A06"].map((id) => task(id))
    const chain = Array.from({ length: 9 }, (_, i) => {
      const id = `C${String(i + 2).padStart(2, "0")}`
      return task(id, { dependsOn: i === 0 ? starters.map((s) => s.id) : [`C${String(i + 1).padStart(2, "0")}`] })
    })
    const briefTokens = 250
    const run = await runScripted(
      gitRepo(),
      {
        planner: planner(plan([...starters, ...chain], { summary: "Six starters, then a chain of nine.", decisions: ["Plain text files."] })),
        reviewer: (t) =>
          void t.submitVerdict({ verdict: "pass", summary: summary(t.call.task), issues: [], evidence: [{ command: "true", exitCode: 0 }] }),
      },
      // Six checkouts, so the six starters share round 1.
      { maxTasks: 20, briefTokens, concurrency: 6 },
    )
    expect(run.state.status).toBe("sealed")
    expect(run.state.round).toBe(10)
    const order = (id: string) => run.fake.of("worker", id)[0]!.text
    const round2 = order("C02")
    const last = order("C10")
    expect(round2).toContain(CONTEXT_HEADING)
    expect(round2).toContain("A01 (Task A01) is done")
    expect(last).toContain("C09 (Task C09) is done")
    expect(tok.count(last)).toBeLessThanOrEqual(tok.count(round2))
    const context = (text: string) => text.slice(text.indexOf(CONTEXT_HEADING))
    expect(tok.count(context(last))).toBeLessThanOrEqual(briefTokens)
    // The memory survives in the saved state.
    expect(run.state.memory?.entries.some((e) => e.id === "outcome:C10")).toBe(true)
  })

  it("config: briefTokens defaults to 2000, 0 turns briefs off, out-of-range values are errors", async () => {
    expect(pluginOptions({}).options.briefTokens).toBe(2000)
    expect(pluginOptions({ briefTokens: 0 }).ok).toBe(true)
    const bad = pluginOptions({ briefTokens: 50_000 })
    expect(bad.ok).toBe(false)
    expect(bad.ok ? "" : bad.error).toContain("briefTokens: expected integer from 0 to 20000, got 50000")
    const run = await runScripted(gitRepo(), { planner: planner(plan([task("T1")])) }, { briefTokens: 0 })
    expect(run.fake.of("worker", "T1")[0]!.text).not.toContain(CONTEXT_HEADING)
  })
})
