import { describe, expect, it } from "vitest"
import { renderReport } from "../../src/mission/report.js"
import type { FinalStatus } from "../../src/mission/state.js"
import { attempt, missionState, task, taskState } from "../support/helpers.js"

describe("mission/report.ts renderReport", () => {
  const statuses: FinalStatus[] = ["sealed", "failed", "cancelled", "budget_exhausted", "needs_user"]

  it.each(statuses)("states the %s status on its first line", (status) => {
    const report = renderReport(missionState({ status, endedAt: "2025-01-01T00:00:05.000Z" }), "/p/.opencode/orchestrator/m/TODO.md")
    const first = report.split("\n")[0] ?? ""
    expect(first.startsWith(`**Mission ${status}** — `)).toBe(true)
    for (const other of statuses.filter((s) => s !== status)) expect(first).not.toContain(other)
  })

  it("lists the questions for needs_user", () => {
    const state = missionState({ status: "needs_user", questions: ["Which database?", "Keep the old API?"], reason: "The planner stopped to ask." })
    const report = renderReport(state, "/p/TODO.md")
    expect(report).toContain("## Questions")
    expect(report).toContain("1. Which database?")
    expect(report).toContain("2. Keep the old API?")
    expect(report).toContain("The planner stopped to ask.")
  })

  it("tabulates tasks, evidence from passing attempts only, spend and isolation", () => {
    const t1 = taskState(task("T1", { title: "Add | pipe" }), "passed")
    t1.attempts = [
      attempt("verify_failed", { evidence: [{ command: "npm test", exitCode: 1, output: "" }] }),
      attempt("passed", { attempt: 2, changedFiles: ["a.ts", "b.ts"], evidence: [{ command: "npm test", exitCode: 0, output: "" }] }),
    ]
    const state = missionState({
      status: "sealed",
      round: 2,
      tasks: [t1],
      masterReview: { verdict: "pass", summary: "All good.", evidence: [{ command: "npm test", exitCode: 0, output: "" }] },
      isolation: { mode: "in-place", note: "off — not a repo" },
      endedAt: "2025-01-01T00:00:05.000Z",
    })
    const report = renderReport(state, "/p/.opencode/orchestrator/m/TODO.md")
    expect(report).toContain("| T1 | Add \\| pipe | passed | 2 | passed | a.ts, b.ts |")
    expect(report.match(/\| `npm test` \| 0 \|/g)).toHaveLength(1)
    expect(report).not.toContain("| `npm test` | 1 |")
    expect(report).toContain("pass: All good.")
    expect(report).toContain("2 rounds, 5.0 s wall time")
    expect(report).toContain("- isolation: off — not a repo")
    expect(report).toContain("`/p/.opencode/orchestrator/m/`")
  })
})
