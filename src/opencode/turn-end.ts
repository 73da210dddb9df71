import { missionSession } from "../mission/registry.js"

/** How long the hook waits for OpenCode to confirm the abort; past it the request goes out as it would have without us. */
export const END_TURN_WAIT_MS = 5_000

type Abort = (sessionID: string, directory: string) => Promise<void>
type Tidy = (sessionID: string, directory: string) => Promise<unknown>

/**
 * The `chat.params` hook, which OpenCode runs just before each model request
 * of a session. After a step that called tools OpenCode always asks the model
 * again; once a mission child's plan or verdict is accepted that request can
 * only say "done", so the hook aborts the session there and it is never sent.
 * The abort interrupts the session's run (this hook included) at once; the
 * step with the accepted `submit_*` call stays completed, and the prompt call
 * the engine waits on resolves. Sessions outside a mission are never touched.
 */
export function endTurnOnHandoff(abort: Abort, tidy: Tidy = async () => undefined) {
  return async (input: { sessionID: string }): Promise<void> => {
    const session = missionSession(input.sessionID)
    if (!session?.handoffs.handedOff(input.sessionID)) return
    const { directory } = session
    await within(
      END_TURN_WAIT_MS,
      abort(input.sessionID, directory).catch(() => undefined),
    )
    // Once the run has unwound, the empty aborted message goes: the transcript ends on the accepted call, as a finished turn.
    void tidy(input.sessionID, directory).catch(() => undefined)
  }
}

function within(ms: number, work: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expiry = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer))
}
