import type { PluginInput } from "@opencode-ai/plugin"
import type { SessionStatus } from "@opencode-ai/sdk"
import type { ChildTurn, SessionGate } from "../mission/ports.js"
import { addUsage, emptyUsage } from "../mission/state.js"
import { messageUsage } from "../mission/usage.js"

type Client = PluginInput["client"]

const POLL_MS = 1_000
/** How long a child may sit idle with its prompt call unresolved before we stop waiting (as OpenCode's task tool does). */
const IDLE_GRACE_MS = 3_000

/** The `SessionGate` port over OpenCode's client. */
export function openCodeSessions(client: Client): SessionGate {
  const abort = async (sessionID: string, directory: string) => {
    await client.session.abort({ path: { id: sessionID }, query: { directory } }).catch(() => undefined)
    const deadline = Date.now() + 5_000
    while (Date.now() < deadline) {
      if ((await statusOf(client, sessionID, directory)) !== "busy") return
      await sleep(200)
    }
  }

  return {
    async warm(directory) {
      // Any call scoped to a directory boots its instance (config, plugins, agents, tools); this one reads nothing else.
      await client.app.agents({ query: { directory } }).catch(() => undefined)
    },

    async create({ parentID, title, directory }) {
      const res = await client.session.create({ body: { parentID, title }, query: { directory } })
      if (!res.data) throw new Error(`could not create child session "${title}": ${describe(res.error)}`)
      return res.data.id
    },

    async prompt(sessionID, { agent, text, directory, timeoutMs, signal, onRetry }) {
      const call = client.session.prompt({
        path: { id: sessionID },
        query: { directory },
        body: { agent, parts: [{ type: "text", text }] },
      })
      let stop: (reason: string) => void = () => undefined
      const stopped = new Promise<string>((resolve) => (stop = resolve))
      const onAbort = () => stop("aborted")
      signal.addEventListener("abort", onAbort, { once: true })
      if (signal.aborted) onAbort()
      const timer = setTimeout(() => stop(`no result within ${Math.round(timeoutMs / 1000)} s`), timeoutMs)
      const watchdog = watchIdle(client, sessionID, directory, () => stop(""), onRetry)
      try {
        const outcome = await Promise.race([call.then(() => ""), stopped])
        if (outcome) await abort(sessionID, directory)
        const turn = await readTurn(client, sessionID, directory)
        if (outcome && !turn.error) turn.error = outcome
        return turn
      } finally {
        clearTimeout(timer)
        watchdog.cancel()
        signal.removeEventListener("abort", onAbort)
      }
    },

    abort,
    async dropAbortedTail(sessionID, directory) {
      const deadline = Date.now() + 5_000
      while ((await statusOf(client, sessionID, directory)) === "busy") {
        if (Date.now() > deadline) return false
        await sleep(200)
      }
      const res = await client.session.messages({ path: { id: sessionID }, query: { directory } }).catch(() => undefined)
      const raw = (client.session as unknown as { _client?: { delete(options: Record<string, unknown>): Promise<{ error?: unknown }> } })._client
      let dropped = false
      for (const message of [...(res?.data ?? [])].reverse()) {
        const info = message.info
        const empty = message.parts.every((p) => p.type === "step-start")
        if (info.role !== "assistant" || info.error?.name !== "MessageAbortedError" || !empty || !raw) break
        // The v1 client has no method for this route (DELETE /session/{id}/message/{messageID}; refused while the session is busy).
        const out = await raw
          .delete({ url: "/session/{sessionID}/message/{messageID}", path: { sessionID, messageID: info.id }, query: { directory } })
          .catch((error: unknown) => ({ error }))
        if (out.error) break
        dropped = true
      }
      return dropped
    },
  }
}

/** Calls `onStuck` when the session has been idle for IDLE_GRACE_MS while we still wait. */
function watchIdle(client: Client, sessionID: string, directory: string, onStuck: () => void, onRetry?: (message: string) => void) {
  let idleSince: number | undefined
  let sawBusy = false
  let lastRetry = ""
  const timer = setInterval(async () => {
    const full = await fullStatusOf(client, sessionID, directory)
    const status = full?.type ?? "idle"
    if (full?.type === "retry") {
      const note = `attempt ${full.attempt}: ${full.message}`
      if (note !== lastRetry) onRetry?.(note)
      lastRetry = note
    }
    if (status === "busy" || status === "retry") {
      sawBusy = true
      idleSince = undefined
      return
    }
    if (!sawBusy) return
    idleSince ??= Date.now()
    if (Date.now() - idleSince >= IDLE_GRACE_MS) onStuck()
  }, POLL_MS)
  return { cancel: () => clearInterval(timer) }
}

async function statusOf(client: Client, sessionID: string, directory: string): Promise<string> {
  return (await fullStatusOf(client, sessionID, directory))?.type ?? "idle"
}

async function fullStatusOf(client: Client, sessionID: string, directory: string): Promise<SessionStatus | undefined> {
  const res = await client.session.status({ query: { directory } }).catch(() => undefined)
  const map = (res?.data ?? {}) as Record<string, SessionStatus>
  return map[sessionID]
}

/** Sums usage over the child's assistant messages and takes its last text and error. */
async function readTurn(client: Client, sessionID: string, directory: string): Promise<ChildTurn> {
  const res = await client.session.messages({ path: { id: sessionID }, query: { directory } })
  const usage = emptyUsage()
  usage.sessions = 1
  let text = ""
  let error: string | undefined
  for (const message of res.data ?? []) {
    if (message.info.role !== "assistant") continue
    const info = message.info
    addUsage(usage, messageUsage(info))
    error = info.error ? describe(info.error) : undefined
    const parts = message.parts.filter((p) => p.type === "text").map((p) => (p as { text: string }).text)
    if (parts.length) text = parts.join("\n")
  }
  return error ? { sessionID, text, error, usage } : { sessionID, text, usage }
}

function describe(error: unknown): string {
  if (!error) return "unknown error"
  if (typeof error === "string") return error
  const e = error as { name?: string; data?: { message?: string }; message?: string }
  return [e.name, e.data?.message ?? e.message].filter(Boolean).join(": ") || JSON.stringify(error)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
