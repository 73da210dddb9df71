import { z } from "zod"

/** Plugin options, from `"plugin": [["opencode-orchestrator", { ... }]]` in opencode.json. */
export const Options = z
  .object({
    concurrency: z.number().int().min(1).max(32).default(4).describe("Workers (and reviewers) running at once"),
    maxAttempts: z.number().int().min(1).max(10).default(3).describe("Attempts per task before the mission fails"),
    maxTasks: z.number().int().min(1).max(100).default(12).describe("Tasks a plan may hold, re-plans included"),
    maxRounds: z.number().int().min(1).max(200).default(30).describe("Fork-join rounds before budget_exhausted"),
    planRetries: z.number().int().min(0).max(5).default(2).describe("Extra chances the planner gets for a valid plan"),
    childTimeoutSec: z.number().int().min(10).default(1200).describe("Wall time per child session"),
    verifyTimeoutSec: z.number().int().min(1).default(300).describe("Wall time per verify or evidence command"),
    maxMissionChars: z.number().int().min(100).default(20_000).describe("Longest mission text accepted"),
    repoMapTokens: z.number().int().min(0).max(20_000).default(1500).describe("Token budget of the repo map the planner gets (0: none)"),
    codeToolsForAllAgents: z.boolean().default(false).describe("Offer the code_* tools to your own agents too"),
  })
  .strict()
export type Options = z.infer<typeof Options>

export type OptionsResult = { ok: true; options: Options } | { ok: false; error: string; options: Options }

/** Parses plugin options; a bad value is reported (never silently replaced) and defaults run meanwhile. */
export function parseOptions(raw: unknown): OptionsResult {
  const result = Options.safeParse(raw ?? {})
  if (result.success) return { ok: true, options: result.data }
  const problems = result.error.issues.map((i) => {
    const key = i.path.map(String).join(".") || "(options)"
    return `${key}: ${i.message}`
  })
  return {
    ok: false,
    error: `opencode-orchestrator: invalid plugin options in opencode.json — ${problems.join("; ")}. Fix them and restart OpenCode.`,
    options: Options.parse({}),
  }
}
