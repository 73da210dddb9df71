import { describe, expect, it } from "vitest"
import { recheckEvidence, type VerdictSpec, verdictProblems } from "../../src/mission/verdict.js"

function verdict(over: Partial<VerdictSpec> = {}): VerdictSpec {
  return { verdict: "pass", summary: "ok", issues: [], evidence: [{ command: "npm test", exitCode: 0 }], ...over }
}

describe("verdict.ts", () => {
  describe("verdictProblems", () => {
    it("rejects a pass without evidence", () => {
      expect(verdictProblems(verdict({ evidence: [] }))).toEqual([expect.stringMatching(/^evidence: /)])
    })

    it("accepts a pass with evidence and a fail without", () => {
      expect(verdictProblems(verdict())).toEqual([])
      expect(verdictProblems(verdict({ verdict: "fail", evidence: [] }))).toEqual([])
    })
  })

  describe("recheckEvidence", () => {
    it("re-runs every command in order and keeps claims beside results", async () => {
      const ran: string[] = []
      const codes: Record<string, number> = { "npm test": 0, "npm run lint": 0 }
      const v = verdict({
        evidence: [
          { command: "npm test", exitCode: 0 },
          { command: "npm run lint", exitCode: 0 },
        ],
      })
      const result = await recheckEvidence(v, async (command) => {
        ran.push(command)
        return { exitCode: codes[command] ?? 127, output: `ran ${command}` }
      })
      expect(ran).toEqual(["npm test", "npm run lint"])
      expect(result.mismatches).toEqual([])
      expect(result.checked).toEqual([
        { command: "npm test", claimed: 0, exitCode: 0, output: "ran npm test" },
        { command: "npm run lint", claimed: 0, exitCode: 0, output: "ran npm run lint" },
      ])
    })

    it("reports a command whose exit code differs from the claim", async () => {
      const v = verdict({
        evidence: [
          { command: "npm test", exitCode: 0 },
          { command: "grep -q TODO x", exitCode: 1 },
        ],
      })
      const result = await recheckEvidence(v, async (command) => ({ exitCode: command === "npm test" ? 2 : 1, output: "boom" }))
      expect(result.checked).toHaveLength(2)
      expect(result.mismatches).toEqual([{ command: "npm test", claimed: 0, exitCode: 2, output: "boom" }])
    })

    it("accepts a claimed non-zero exit that reproduces", async () => {
      const v = verdict({ evidence: [{ command: "false", exitCode: 1 }] })
      const result = await recheckEvidence(v, async () => ({ exitCode: 1, output: "" }))
      expect(result.mismatches).toEqual([])
    })
  })
})
