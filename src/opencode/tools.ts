import { type PluginInput, tool } from "@opencode-ai/plugin"
import type { OptionsResult } from "../config.js"
import type { CodeAnalysis } from "../mission/ports.js"
import { cancelMission, missionStatus } from "../mission/control.js"
import { resumeMission, runMission } from "../mission/engine.js"
import { describeIssues, PlanSpec } from "../mission/plan.js"
import { inMission } from "../mission/registry.js"
import { VerdictSpec } from "../mission/verdict.js"
import { bullets, fill, toolDescription as describe } from "../templates.js"
import type { HandoffSlots } from "../mission/ports.js"
import { openCodeProgress } from "./progress.js"
import { showReport } from "./report-part.js"
import type { SessionGate } from "../mission/ports.js"
import { parseTaskArguments, type TaskRequest } from "./task-command.js"

export interface ToolDeps {
  client: PluginInput["client"]
  sessions: SessionGate
  handoffs: HandoffSlots
  config: OptionsResult
  analysis: CodeAnalysis
  /** Raw `/task` arguments by commander session, captured before the model sees them. */
  commandArguments: Map<string, string>
}

function checkMissionText(mission: string, max: number): void {
  if (!mission) throw new Error(fill("replies/mission-empty"))
  if (mission.length > max) throw new Error(fill("replies/mission-too-long", { length: mission.length, max }))
}

export function handoffTools(deps: ToolDeps) {
  const { handoffs } = deps
  return {
    orchestrate: tool({
      description: describe("orchestrate"),
      args: {
        mission: tool.schema.string().optional().describe("The user's request, word for word"),
        resume: tool.schema.string().optional().describe('Continue an interrupted mission: its id, or "latest"'),
      },
      async execute(args, ctx) {
        if (inMission(ctx.sessionID)) {
          throw new Error(fill("replies/mission-nested"))
        }
        if (!deps.config.ok) throw new Error(deps.config.error)
        const captured = deps.commandArguments.get(ctx.sessionID)
        deps.commandArguments.delete(ctx.sessionID)
        const request: TaskRequest =
          captured !== undefined
            ? parseTaskArguments(captured)
            : args.resume
              ? { kind: "resume", id: args.resume }
              : { kind: "start", mission: (args.mission ?? "").trim() }
        // The user reads a report as the engine wrote it; the model gets its first line and need not retype it.
        const present = async (report: string): Promise<{ output: string; shown: boolean }> => {
          const shown = await showReport(deps.client, { sessionID: ctx.sessionID, messageID: ctx.messageID, text: report })
          return { output: shown ? shownOutput(report) : report, shown }
        }
        if (request.kind === "status") return (await present(await missionStatus(ctx.directory, request.id))).output
        if (request.kind === "cancel") return (await present(await cancelMission(ctx.directory, request.id))).output
        if (request.kind === "start") checkMissionText(request.mission, deps.config.options.maxMissionChars)
        const engine = {
          sessions: deps.sessions,
          handoffs,
          progress: openCodeProgress(deps.client, ctx),
          options: deps.config.options,
          analysis: deps.analysis,
        }
        const common = { directory: ctx.directory, commanderSession: ctx.sessionID, signal: ctx.abort }
        const result =
          request.kind === "resume"
            ? await resumeMission({ ...common, resume: request.id }, engine)
            : await runMission({ ...common, mission: request.mission }, engine)
        const { output, shown } = await present(result.report)
        return { title: `mission ${result.state.status}`, output, metadata: { missionId: result.state.id, status: result.state.status, reportShown: shown } }
      },
    }),

    submit_plan: tool({
      description: describe("submit_plan"),
      args: PlanSpec.shape,
      async execute(args, ctx) {
        const parsed = PlanSpec.safeParse(args)
        const problems = parsed.success ? handoffs.submitPlan(ctx.sessionID, parsed.data) : describeIssues(parsed.error)
        if (problems.length) return fill("replies/plan-rejected", { problems: bullets(problems) })
        return fill("replies/plan-accepted", { count: args.tasks.length })
      },
    }),

    submit_verdict: tool({
      description: describe("submit_verdict"),
      args: VerdictSpec.shape,
      async execute(args, ctx) {
        const parsed = VerdictSpec.safeParse(args)
        const problems = parsed.success ? handoffs.submitVerdict(ctx.sessionID, parsed.data) : describeIssues(parsed.error)
        if (problems.length) return fill("replies/verdict-rejected", { problems: bullets(problems) })
        return fill("replies/verdict-recorded")
      },
    }),
  }
}

/** What the model gets when a report was shown to the user: its first line, and the planner's questions if any. */
export function shownOutput(report: string): string {
  const headline = report.split("\n")[0] ?? ""
  const questions = /## Questions\n\n([\s\S]*?)\n\n/.exec(report)?.[1]
  return [headline, questions ? fill("replies/planner-questions", { questions }) : "", fill("replies/report-shown")].filter(Boolean).join("\n\n")
}
