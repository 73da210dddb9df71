// Context economy and adaptive parallelism through the real opencode binary.
import { countTokens } from "gpt-tokenizer/encoding/o200k_base"
import { describe, expect, it } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { makeProject } from "../support/opencode.js"
import { scriptedCoder } from "../support/scripted-coder.js"
import { MATH_PROJECT } from "./fixtures.js"
import { debugDump, readMission, runTask, sessionsOf } from "./mission-helpers.js"

const chainTask = (n: number) => ({
  id: `T${n}`,
  title: `Step ${n}`,
  description: `Create src/step${n}.js exporting step${n}() that returns ${n}.`,
  files: [`src/step${n}.js`],
  dependsOn: n > 1 ? [`T${n - 1}`] : [],
  acceptance: [`step${n}() returns ${n}`],
  verify: [`test -f src/step${n}.js`],
})
const stepFile = (n: number) => ({ [`src/step${n}.js`]: `export function step${n}() {\n  return ${n}\n}\n` })
const pass = (taskId: string) => ({ verdict: "pass", summary: `${taskId} is right.`, issues: [], evidence: [{ command: "true", exitCode: 0 }] })
const findings = (taskId: string, n: number) => ({
  verdict: "fail",
  summary: `${taskId} review ${n + 1}: not yet.`,
  issues: Array.from({ length: 6 }, (_, i) => ({
    severity: "major",
    file: "src/x.js",
    line: i + 1,
    message: `Finding ${i + 1} of review ${n + 1} for ${taskId}: ${"explain the edge case in detail ".repeat(6)}`,
  })),
  evidence: [],
})

describe("context economy and adaptive parallelism in real OpenCode", () => {
  it("a 10-round mission: the work order at round 10 stays within the brief budget and no larger than at round 2", async () => {
    const plan = {
      summary: "Four dependent steps.",
      decisions: ["Each step is a pure function in its own file."],
      tasks: [1, 2, 3, 4].map(chainTask),
      verify: ["true"],
    }
    const server = await startModelServer(
      scriptedCoder({
        plan: () => plan,
        work: (order) => stepFile(Number(order.taskId.slice(1))),
        // Tasks 1–3 fail review twice and pass on the third attempt: rounds 1–9; task 4 passes in round 10.
        review: (req) => (req.taskId === "mission" || req.taskId === "T4" || req.previous >= 2 ? pass(req.taskId) : findings(req.taskId, req.previous)),
      }),
    )
    const project = makeProject({ git: true, files: MATH_PROJECT })
    const res = await runTask(project, server, "Add four dependent steps.", { maxAttempts: 3, briefTokens: 2000 })
    debugDump(server, res)
    const { state } = readMission(project)
    expect(state.status, state.reason).toBe("sealed")
    expect(state.round).toBe(10)

    const orders = sessionsOf(server, "worker").map((w) => w.firstUserText)
    expect(orders).toHaveLength(10)
    const tokens = orders.map((o) => countTokens(o))
    const context = (o: string) => o.slice(o.indexOf("## Context"))
    for (const o of orders) if (o.includes("## Context")) expect(countTokens(context(o))).toBeLessThanOrEqual(2000)
    console.log(`work order tokens by round: ${tokens.join(", ")}`)
    expect(tokens[9]!).toBeLessThanOrEqual(tokens[1]!)
    // Round 10's order still carries what the mission learned (the earlier steps' outcomes), inside the budget.
    expect(orders[9]).toContain("## Context")
    expect(orders[9]).toContain("T3 (Step 3) is done after 3 attempts")
  }, 400_000)

  it("a provider that answers 429 for a while: the concurrency limit halves, then recovers, and the mission seals", async () => {
    let refusals = 0
    const parallel = [1, 2, 3, 4].map((n) => ({ ...chainTask(n), dependsOn: [] as string[] }))
    const plan = {
      summary: "Four parallel steps, then two more.",
      tasks: [...parallel, { ...chainTask(5), dependsOn: ["T1", "T2", "T3", "T4"] }, chainTask(6)],
      verify: ["true"],
    }
    const base = scriptedCoder({ plan: () => plan, work: (order) => stepFile(Number(order.taskId.slice(1))), review: (req) => pass(req.taskId), delayMs: 300 })
    const server = await startModelServer((req) => {
      if (req.offers("write") && req.toolResults().length === 0 && refusals < 4) {
        refusals++
        return { status: 429, body: { error: { message: "Too Many Requests" } }, headers: { "retry-after-ms": "2500" } }
      }
      return base(req)
    })
    const project = makeProject({ git: true, files: MATH_PROJECT })
    const res = await runTask(project, server, "Add six steps.", { concurrency: 4 })
    debugDump(server, res)
    expect(readMission(project).state.status).toBe("sealed")
    const changes = [...res.stderr.matchAll(/concurrency (\d+) → (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const)
    const firstDown = changes.findIndex(([from, to]) => to < from)
    expect(
      firstDown,
      res.stderr
        .split("\n")
        .filter((l) => /concurrency|retry/i.test(l))
        .join("\n"),
    ).toBeGreaterThanOrEqual(0)
    expect(changes[firstDown]![1]).toBe(Math.max(1, Math.floor(changes[firstDown]![0] / 2)))
    expect(changes.slice(firstDown + 1).some(([from, to]) => to > from)).toBe(true)
  }, 400_000)
})
