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

export type ProviderTrouble = "auth" | "transient" | undefined

/** Classifies a child turn's error: an auth failure ends the mission; rate limits and overloads are retried. */
export function providerTrouble(error: string | undefined): ProviderTrouble {
  if (!error) return undefined
  if (/ProviderAuthError|\b401\b|\b403\b|unauthori[sz]ed|invalid api key|authentication/i.test(error)) return "auth"
  if (/\b429\b|rate.?limit|too many requests|overloaded|\b50[0234]\b|service unavailable|timed? ?out|ECONNRESET|ECONNREFUSED/i.test(error)) {
    return "transient"
  }
  return undefined
}
