import { describe, expect, it } from "vitest"
import { CONTEXT_HEADING, tokenizer } from "../../src/mission/brief.js"
import { planner, runScripted } from "../support/fake-sdk.js"
import { gitRepo, plan, pluginOptions, task } from "../support/helpers.js"

const tok = await tokenizer()

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
        reviewer: (t) => void t.submitVerdict({ verdict: "pass", summary: summary(t.call.task), issues: [], evidence: [{ command: "true", exitCode: 0 }] }),
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
