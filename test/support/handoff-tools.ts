// The handoff tools over a fake SDK, as the commander, planner and reviewer call them.
import type { PluginInput, ToolContext } from "@opencode-ai/plugin"
import { type PlanSpec, validatePlan } from "../../src/mission/plan.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import { handoffTools } from "../../src/opencode/tools.js"
import { FakeSessions, noAnalysis, type Script } from "./fake-sdk.js"
import { pluginOptions } from "./helpers.js"

const client = {
  tui: { showToast: async () => ({}) },
  app: { log: async () => ({}) },
} as unknown as PluginInput["client"]

export function ctx(sessionID: string, directory = "/tmp", abort = new AbortController().signal) {
  const titles: string[] = []
  const context: ToolContext = {
    sessionID,
    messageID: "msg_1",
    agent: "commander",
    directory,
    worktree: directory,
    abort,
    metadata: (input) => void (input.title && titles.push(input.title)),
    ask: async () => undefined,
  }
  return Object.assign(context, { titles })
}

export function setup(options: Record<string, unknown> = {}, script: Script = {}) {
  const handoffs = new Handoffs()
  const sessions = new FakeSessions(handoffs, script)
  const commandArguments = new Map<string, string>()
  const tools = handoffTools({ client, sessions, handoffs, config: pluginOptions(options), analysis: noAnalysis, commandArguments })
  return { handoffs, sessions, commandArguments, tools }
}

export const check = (p: PlanSpec) => validatePlan(p, { maxTasks: 5 })
