import { emptyUsage, type Usage } from "./state.js"

/** What OpenCode reports of one assistant message: its token counts and cost. */
export interface MessageSpend {
  cost?: number
  tokens: { input: number; output: number; reasoning: number; cache: { read: number; write: number } }
}

/** One assistant message's spend as usage (no session counted). */
export function messageUsage(message: MessageSpend): Usage {
  const { tokens } = message
  return {
    inputTokens: tokens.input,
    outputTokens: tokens.output,
    reasoningTokens: tokens.reasoning,
    cacheReadTokens: tokens.cache.read,
    cacheWriteTokens: tokens.cache.write,
    cost: message.cost ?? 0,
    sessions: 0,
  }
}

/** What `total` holds beyond `booked`, field by field, never below zero (no session counted). */
export function usageBeyond(total: Usage, booked: Usage = emptyUsage()): Usage {
  const beyond = (key: Exclude<keyof Usage, "sessions">) => Math.max(0, total[key] - booked[key])
  return {
    inputTokens: beyond("inputTokens"),
    outputTokens: beyond("outputTokens"),
    reasoningTokens: beyond("reasoningTokens"),
    cacheReadTokens: beyond("cacheReadTokens"),
    cacheWriteTokens: beyond("cacheWriteTokens"),
    cost: beyond("cost"),
    sessions: 0,
  }
}
