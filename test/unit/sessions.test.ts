import type { PluginInput } from "@opencode-ai/plugin"
import { afterEach, describe, expect, it, vi } from "vitest"
import { openCodeSessions } from "../../src/opencode/sessions.js"

type Status = { type: "idle" } | { type: "busy" } | { type: "retry"; attempt: number; message: string; next: number }

interface Message {
  info: { id: string; role: "user" | "assistant"; tokens?: unknown; cost?: number; error?: unknown }
  parts: { type: string; text?: string }[]
}

const tokens = (input: number, output: number) => ({ input, output, reasoning: 1, cache: { read: 2, write: 3 } })
const assistant = (id: string, text: string | undefined, over: Partial<Message["info"]> = {}): Message => ({
  info: { id, role: "assistant", tokens: tokens(10, 5), cost: 0.5, ...over },
  parts: [{ type: "step-start" }, ...(text === undefined ? [] : [{ type: "text", text }])],
})

/** OpenCode's session API as the plugin's v1 client exposes it; `statuses` are answered in turn (the last repeats). */
function fakeClient(
  opts: { statuses?: Status[]; messages?: Message[]; prompt?: () => Promise<unknown>; create?: { data?: { id: string }; error?: unknown } } = {},
) {
  const calls: { method: string; options: unknown }[] = []
  const statuses = [...(opts.statuses ?? [{ type: "idle" }])]
  let messages = opts.messages ?? []
  const record = (method: string, options: unknown) => void calls.push({ method, options })
  const session = {
    create: async (o: unknown) => (record("create", o), opts.create ?? { data: { id: "ses_child" } }),
    prompt: (o: unknown) => (record("prompt", o), opts.prompt ? opts.prompt() : Promise.resolve({})),
    abort: async (o: unknown) => (record("abort", o), {}),
    status: async (o: unknown) => {
      record("status", o)
      const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!
      return { data: { ses_child: status } }
    },
    messages: async (o: unknown) => (record("messages", o), { data: messages }),
    _client: {
      delete: async (o: { path: { messageID: string } }) => {
        record("delete", o)
        messages = messages.filter((m) => m.info.id !== o.path.messageID)
        return {}
      },
    },
  }
  const app = { agents: async (o: unknown) => (record("agents", o), { data: [] }) }
  const client = { session, app } as unknown as PluginInput["client"]
  return { client, calls, of: (method: string) => calls.filter((c) => c.method === method).map((c) => c.options), messages: () => messages }
}

const never = () => new Promise<never>(() => undefined)
const prompt = (signal = new AbortController().signal, timeoutMs = 60_000) => ({
  agent: "worker" as const,
  text: "Do T1",
  directory: "/w/T1",
  timeoutMs,
  signal,
})

afterEach(() => vi.useRealTimers())

describe("opencode/sessions.ts openCodeSessions", () => {
  it("creates a child session under its parent, in its directory, and says why it could not", async () => {
    const fake = fakeClient()
    expect(await openCodeSessions(fake.client).create({ parentID: "ses_cmd", title: "T1 · worker", directory: "/w/T1" })).toBe("ses_child")
    expect(fake.of("create")).toEqual([{ body: { parentID: "ses_cmd", title: "T1 · worker" }, query: { directory: "/w/T1" } }])
    const refused = fakeClient({ create: { error: { name: "NotFoundError", data: { message: "no such parent" } } } })
    await expect(openCodeSessions(refused.client).create({ parentID: "x", title: "T1 · worker", directory: "/w" })).rejects.toThrow(
      'could not create child session "T1 · worker": NotFoundError: no such parent',
    )
  })

  it("prompts the child as its agent and returns its last text, its last error and the usage of all its assistant messages", async () => {
    const fake = fakeClient({
      messages: [
        { info: { id: "m1", role: "user" }, parts: [{ type: "text", text: "Do T1" }] },
        assistant("m2", "first"),
        assistant("m3", undefined, { error: { name: "APIError", data: { message: "429 Too Many Requests" } } }),
      ],
    })
    const turn = await openCodeSessions(fake.client).prompt("ses_child", prompt())
    expect(fake.of("prompt")).toEqual([
      { path: { id: "ses_child" }, query: { directory: "/w/T1" }, body: { agent: "worker", parts: [{ type: "text", text: "Do T1" }] } },
    ])
    expect(turn).toMatchObject({ sessionID: "ses_child", text: "first", error: "APIError: 429 Too Many Requests" })
    expect(turn.usage).toMatchObject({ inputTokens: 20, outputTokens: 10, reasoningTokens: 2, cacheReadTokens: 4, cacheWriteTokens: 6, cost: 1, sessions: 1 })
    expect(fake.of("abort")).toEqual([])
    const clean = await openCodeSessions(fakeClient({ messages: [assistant("m1", "done")] }).client).prompt("ses_child", prompt())
    expect(clean).not.toHaveProperty("error")
  })

  it("aborts the child and reports why when the signal aborts or the time runs out", async () => {
    const cancelled = fakeClient({ prompt: never, messages: [assistant("m1", "half")] })
    const controller = new AbortController()
    const pending = openCodeSessions(cancelled.client).prompt("ses_child", prompt(controller.signal))
    controller.abort()
    expect(await pending).toMatchObject({ text: "half", error: "aborted" })
    expect(cancelled.of("abort")).toEqual([{ path: { id: "ses_child" }, query: { directory: "/w/T1" } }])

    vi.useFakeTimers()
    const slow = fakeClient({ prompt: never })
    const late = openCodeSessions(slow.client).prompt("ses_child", prompt(undefined, 1_500))
    await vi.advanceTimersByTimeAsync(1_500)
    expect((await late).error).toBe("no result within 2 s")
    expect(slow.of("abort")).toHaveLength(1)
  })

  it("stops waiting for a prompt that never resolves once the child sat idle after working, and passes on retries once each", async () => {
    vi.useFakeTimers()
    const retry: Status = { type: "retry", attempt: 1, message: "rate limited", next: 0 }
    const fake = fakeClient({ prompt: never, statuses: [{ type: "busy" }, retry, retry, { type: "idle" }], messages: [assistant("m1", "done")] })
    const retries: string[] = []
    let settled = false
    const pending = openCodeSessions(fake.client)
      .prompt("ses_child", { ...prompt(), onRetry: (m) => retries.push(m) })
      .finally(() => (settled = true))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(settled).toBe(true)
    const turn = await pending
    expect(turn).toMatchObject({ text: "done" })
    expect(turn).not.toHaveProperty("error")
    expect(retries).toEqual(["attempt 1: rate limited"])
    expect(fake.of("abort")).toEqual([])
  })

  it("abort waits until OpenCode reports the child no longer busy", async () => {
    vi.useFakeTimers()
    const fake = fakeClient({ statuses: [{ type: "busy" }, { type: "busy" }, { type: "idle" }] })
    let done = false
    const aborting = openCodeSessions(fake.client)
      .abort("ses_child", "/w/T1")
      .then(() => (done = true))
    await vi.advanceTimersByTimeAsync(200)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(200)
    await aborting
    expect(fake.of("abort")).toEqual([{ path: { id: "ses_child" }, query: { directory: "/w/T1" } }])
    expect(fake.of("status")).toHaveLength(3)
  })

  it("drops only the empty aborted messages at the end of the transcript, newest first", async () => {
    const aborted = (id: string) => assistant(id, undefined, { error: { name: "MessageAbortedError" } })
    const fake = fakeClient({ messages: [assistant("m1", "work"), aborted("m2"), assistant("m3", "verdict"), aborted("m4"), aborted("m5")] })
    const gate = openCodeSessions(fake.client)
    expect(await gate.dropAbortedTail("ses_child", "/w/T1")).toBe(true)
    expect(fake.of("delete").map((o) => (o as { path: { messageID: string } }).path.messageID)).toEqual(["m5", "m4"])
    expect(fake.messages().map((m) => m.info.id)).toEqual(["m1", "m2", "m3"])
    expect(await gate.dropAbortedTail("ses_child", "/w/T1")).toBe(false)
  })

  it("warms a directory's instance with a call scoped to it, and never fails", async () => {
    const fake = fakeClient()
    await openCodeSessions(fake.client).warm!("/w/T1")
    expect(fake.of("agents")).toEqual([{ query: { directory: "/w/T1" } }])
    const broken = { app: { agents: async () => Promise.reject(new Error("down")) }, session: {} } as unknown as PluginInput["client"]
    await expect(openCodeSessions(broken).warm!("/w")).resolves.toBeUndefined()
  })
})
