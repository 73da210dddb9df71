import { touchLive } from "./live-file.js"
import type { Mission } from "./context.js"
import { liveChildren } from "./registry.js"

/** Persists the state (atomically) and appends an event. */
export async function commit(m: Mission, event: string, data: Record<string, unknown> = {}): Promise<void> {
  await commitAll(m, [[event, data]])
}

/** Appends several events (one write), then persists the state once (atomically). */
export async function commitAll(m: Mission, events: readonly (readonly [event: string, data: Record<string, unknown>])[]): Promise<void> {
  await m.store.events(events)
  // The children in flight, for a resume after a crash to abort: written from the registry, never kept by hand.
  m.state.liveSessions = liveChildren(m.state.id)
  await m.store.save(m.state)
  touchLive(m)
}
