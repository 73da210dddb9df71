import { randomInt } from "node:crypto"
import type { PluginInput } from "@opencode-ai/plugin"

type Client = PluginInput["client"]

/** The part of the SDK's HTTP client this module uses (the v1 client has no method for the route). */
interface RawClient {
  patch(options: { url: string; path: Record<string, string>; body: unknown; headers: Record<string, string> }): Promise<{ error?: unknown }>
}

/**
 * Shows the engine's report in the commander's session, as written: a text
 * part added to the assistant message that called `orchestrate`, through
 * OpenCode's part route (`PATCH /session/{id}/message/{messageID}/part/{partID}`,
 * an upsert that publishes `message.part.updated`). The TUI draws it as the
 * message's text, below the tool call; `opencode run` prints it (a `text` event
 * with `--format json`), like any text part of the session. The model sees it
 * too, as its own words, so the commander need not retype it. False when
 * OpenCode refused it: the caller then returns the whole report as the tool's output.
 */
export async function showReport(client: Client, input: { sessionID: string; messageID: string; text: string }): Promise<boolean> {
  const raw = (client as unknown as { session?: { _client?: RawClient } }).session?._client
  if (!raw) return false
  const now = Date.now()
  const part = {
    id: ascendingId("prt", now),
    sessionID: input.sessionID,
    messageID: input.messageID,
    type: "text",
    text: input.text,
    time: { start: now, end: now },
  }
  try {
    const result = await raw.patch({
      url: "/session/{sessionID}/message/{messageID}/part/{partID}",
      path: { sessionID: input.sessionID, messageID: input.messageID, partID: part.id },
      body: part,
      headers: { "Content-Type": "application/json" },
    })
    return !result.error
  } catch {
    return false
  }
}

let counter = 0
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/**
 * An id that sorts after every part OpenCode made before it, in OpenCode's
 * own shape: prefix, 12 hex digits of (milliseconds × 4096 + a counter), 14
 * random base-62 characters. Parts of a message are shown in id order.
 */
export function ascendingId(prefix: string, now = Date.now()): string {
  counter = (counter + 1) & 0xfff
  const stamp = (BigInt(now) * 0x1000n + BigInt(counter)) & 0xffffffffffffn
  let random = ""
  for (let i = 0; i < 14; i++) random += BASE62[randomInt(62)]
  return `${prefix}_${stamp.toString(16).padStart(12, "0")}${random}`
}
