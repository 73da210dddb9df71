import { touchLive } from "./live-file.js"
import type { Mission } from "./context.js"

/** Persists the state (atomically) and appends an event. */
export async function commit(m: Mission, event: string, data: Record<string, unknown> = {}): Promise<void> {
  await commitAll(m, [[event, data]])
}

/** Appends several events (one write), then persists the state once (atomically). */
export async function commitAll(m: Mission, events: readonly (readonly [event: string, data: Record<string, unknown>])[]): Promise<void> {
  await m.store.events(events)
  await m.store.save(m.state)
  touchLive(m)
}
