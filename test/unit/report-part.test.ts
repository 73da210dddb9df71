import { describe, expect, it } from "vitest"
import type { PluginInput } from "@opencode-ai/plugin"
import { ascendingId, showReport } from "../../src/opencode/report-part.js"

function fakeClient(result: { error?: unknown } | Error) {
  const calls: { url: string; path: Record<string, string>; body: Record<string, unknown> }[] = []
  const _client = {
    async patch(options: { url: string; path: Record<string, string>; body: Record<string, unknown> }) {
      calls.push(options)
      if (result instanceof Error) throw result
      return result
    },
  }
  return { client: { session: { _client } } as unknown as PluginInput["client"], calls }
}

describe("opencode/report-part.ts", () => {
  it("adds the report as a finished text part of the message that called orchestrate", async () => {
    const { client, calls } = fakeClient({})
    expect(await showReport(client, { sessionID: "ses_1", messageID: "msg_1", text: "**Mission sealed** — done." })).toBe(true)
    expect(calls).toHaveLength(1)
    const [call] = calls
    expect(call!.url).toBe("/session/{sessionID}/message/{messageID}/part/{partID}")
    expect(call!.path).toEqual({ sessionID: "ses_1", messageID: "msg_1", partID: call!.body.id })
    expect(call!.body).toMatchObject({ sessionID: "ses_1", messageID: "msg_1", type: "text", text: "**Mission sealed** — done." })
    const time = call!.body.time as { start: number; end: number }
    expect(time.end).toBe(time.start)
  })

  it("says when OpenCode refused the part, so the tool returns the whole report instead", async () => {
    expect(await showReport(fakeClient({ error: { status: 400 } }).client, { sessionID: "s", messageID: "m", text: "x" })).toBe(false)
    expect(await showReport(fakeClient(new Error("down")).client, { sessionID: "s", messageID: "m", text: "x" })).toBe(false)
  })

  it("makes ids in OpenCode's shape that sort after earlier ones, within one millisecond too", () => {
    const ids = [ascendingId("prt", 1_000), ascendingId("prt", 1_000), ascendingId("prt", 1_001), ascendingId("prt", 2_000_000)]
    for (const id of ids) expect(id).toMatch(/^prt_[0-9a-f]{12}[0-9A-Za-z]{14}$/)
    expect([...ids].sort()).toEqual(ids)
  })
})
