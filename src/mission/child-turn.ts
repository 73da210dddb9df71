import type { AgentId } from "../agents.js"
import { fill } from "../templates.js"
import { exceededBudget } from "./budget.js"
import type { Mission } from "./context.js"
import { touchLive } from "./live-file.js"
import type { ChildTurn } from "./ports.js"
import { providerTrouble } from "./provider-errors.js"
import { joinChild, leaveChild } from "./registry.js"
import { emptyUsage, type Usage } from "./state.js"
import { bookUsage } from "./transitions.js"

/**
 * Creates a child session (or reuses `sessionID`), runs one prompt in it and
 * books its usage. A turn that ends in a transient provider error (rate
 * limit, overload) is continued after a backoff, bounded, without counting as
 * an attempt; an auth error stops the mission. No new session is started once
 * a budget is used up: the turn comes back with a `budget:` error instead.
 */
export async function childTurn(
  m: Mission,
  input: {
    agent: AgentId
    title: string
    text: string
    /** Where the child works; the project directory when not given. */
    directory?: string
    sessionID?: string
    before?: (sessionID: string) => void
  },
): Promise<ChildTurn> {
  const { sessions, handoffs, options, progress } = m.deps
  const refused = (error: string): ChildTurn => ({ sessionID: input.sessionID ?? "", text: "", error, usage: emptyUsage() })
  if (m.signal.aborted) return refused("aborted")
  const budget = input.sessionID ? undefined : exceededBudget(m.state, options)
  if (budget) return refused(`budget: ${budget}`)
  const directory = input.directory ?? m.state.directory
  const sessionID = input.sessionID ?? (await sessions.create({ parentID: m.state.commanderSession, title: input.title, directory }))
  joinChild(m.state.id, sessionID, directory)
  touchLive(m)
  input.before?.(sessionID)
  try {
    let text = input.text
    for (let retry = 0; ; retry++) {
      const epoch = m.aimd.epoch
      m.aimd.checkMemory()
      const prompted = await sessions.prompt(sessionID, {
        agent: input.agent,
        text,
        directory,
        timeoutMs: options.childTimeoutSec * 1000,
        signal: m.signal,
        onRetry: (message) => {
          m.aimd.pushback(`OpenCode retrying (${message})`, epoch)
          progress.log("warn", "OpenCode is retrying a child's model request", { session: sessionID, message })
          void m.store.event("provider_retry", { session: sessionID, by: "opencode", message })
        },
      })
      // Accepted plan or verdict: the turn did its job, however OpenCode's loop ended after it (see opencode/turn-end.ts).
      const turn = handoffs.handedOff(sessionID) ? withoutError(prompted) : prompted
      book(m, sessionID, turn.usage)
      touchLive(m)
      m.aimd.turnEnded(turn.error, epoch)
      const trouble = providerTrouble(turn.error)
      if (trouble === "auth") {
        m.stop("failed", `The model provider refused the credentials (${turn.error}). Fix the provider's API key or login, then resume.`)
        return turn
      }
      if (trouble !== "transient" || retry >= options.providerRetries || m.signal.aborted) return turn
      const wait = 2_000 * 2 ** retry
      progress.log("warn", "provider error; continuing the child turn", { session: sessionID, error: turn.error, retry: retry + 1, waitMs: wait })
      await m.store.event("provider_retry", { session: sessionID, error: turn.error, retry: retry + 1 })
      await sleep(wait, m.signal)
      text = fill("provider-retry", { error: turn.error ?? "" })
    }
  } finally {
    leaveChild(m.state.id, sessionID)
  }
}

function withoutError({ error: _, ...turn }: ChildTurn): ChildTurn {
  return turn
}

/** Adds what a session spent since it was last booked. */
function book(m: Mission, sessionID: string, total: Usage): void {
  const before = m.booked.get(sessionID)
  const delta: Usage = before
    ? {
        inputTokens: total.inputTokens - before.inputTokens,
        outputTokens: total.outputTokens - before.outputTokens,
        reasoningTokens: total.reasoningTokens - before.reasoningTokens,
        cacheReadTokens: total.cacheReadTokens - before.cacheReadTokens,
        cacheWriteTokens: total.cacheWriteTokens - before.cacheWriteTokens,
        cost: total.cost - before.cost,
        sessions: 0,
      }
    : { ...total, sessions: 1 }
  m.booked.set(sessionID, total)
  bookUsage(m, delta)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    signal.addEventListener("abort", done, { once: true })
  })
}
