import { describe, expect, it } from "vitest"
import { capTokens, CONTEXT_HEADING, tokenizer } from "../../src/mission/brief.js"
import { FEEDBACK_TOKENS, workOrder } from "../../src/mission/round.js"
import type { TaskState } from "../../src/mission/state.js"
import { task, taskState } from "../support/helpers.js"

const tok = await tokenizer()

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
