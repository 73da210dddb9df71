import type { Options } from "../config.js"
import type { MissionState } from "./state.js"

/** The first budget the mission has used up, named as the user would set it, or undefined. */
export function exceededBudget(state: MissionState, options: Options, now = Date.now()): string | undefined {
  const u = state.usage
  if (u.sessions >= options.maxChildSessions) return `child sessions (maxChildSessions = ${options.maxChildSessions})`
  const tokens = u.inputTokens + u.outputTokens + u.reasoningTokens
  if (options.maxTokens > 0 && tokens >= options.maxTokens) return `tokens (maxTokens = ${options.maxTokens}; spent ${tokens})`
  if (options.maxCostUsd > 0 && u.cost >= options.maxCostUsd) return `cost (maxCostUsd = ${options.maxCostUsd}; spent $${u.cost.toFixed(4)})`
  const seconds = (now - Date.parse(state.startedAt)) / 1000
  if (options.missionTimeoutSec > 0 && seconds >= options.missionTimeoutSec) {
    return `wall time (missionTimeoutSec = ${options.missionTimeoutSec})`
  }
  return undefined
}
