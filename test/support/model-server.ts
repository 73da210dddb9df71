// A scripted OpenAI-compatible chat-completions server for e2e tests.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

const openServers = new Set<ModelServer>()

/** Closes every server still open (registered after each test in test/support/setup.ts). */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...openServers].map((s) => s.close()))
}

export interface ContentPart {
  type: string
  text?: string
  [key: string]: unknown
}

export interface WireToolCall {
  id: string
  type: "function"
  function: { name: string; arguments: string }
}

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool"
  content: string | ContentPart[] | null
  tool_calls?: WireToolCall[]
  tool_call_id?: string
}

export interface ToolSpec {
  name: string
  description: string
  parameters: Record<string, unknown>
}

export interface ChatBody {
  model: string
  messages: ChatMessage[]
  tools?: { type: "function"; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[]
  stream?: boolean
  [key: string]: unknown
}

export interface ToolResult {
  callId: string
  name: string
  arguments: Record<string, unknown>
  output: string
}

export interface ModelRequest {
  seq: number
  sessionId: string | undefined
  headers: IncomingMessage["headers"]
  body: ChatBody
  messages: ChatMessage[]
  tools: ToolSpec[]
  toolNames: string[]
  /** All system messages joined by blank lines. */
  system: string
  isTitleRequest: boolean
  /** Characters of the raw request body (a stable proxy for prompt size). */
  requestChars: number
  offers(toolName: string): boolean
  tool(toolName: string): ToolSpec | undefined
  firstUserText(): string
  lastUserText(): string
  /** Results of earlier tool calls in this conversation, oldest first. */
  toolResults(): ToolResult[]
  /** Number of assistant turns already in the conversation. */
  assistantTurns(): number
}

export interface Usage {
  promptTokens: number
  completionTokens: number
}

interface ReplyBase {
  delayMs?: number
  usage?: Partial<Usage>
}
export type TextReply = ReplyBase & { text: string }
export type ToolCallReply = ReplyBase & {
  text?: string
  toolCalls: { name: string; arguments: Record<string, unknown> }[]
}
export type ErrorReply = ReplyBase & { status: number; body?: unknown; headers?: Record<string, string> }
export type Reply = TextReply | ToolCallReply | ErrorReply
export type Script = (req: ModelRequest) => Reply | Promise<Reply>

/** One handled chat request; `log` is kept sorted by `seq` (entries are added when the reply ends). */
export interface LogEntry {
  seq: number
  sessionId: string | undefined
  startedAt: number
  endedAt: number
  tools: string[]
  firstUserText: string
  lastUserText: string
  isTitleRequest: boolean
  stream: boolean
  /** e.g. `text: "done"`, `tools: echo_probe`, `error 429`, `title`. */
  reply: string
  status: number
  usage: Usage
  requestChars: number
  request: ChatBody
}

export interface ModelServer {
  /** Base URL ending in `/v1`, for the provider's `baseURL`. */
  url: string
  log: LogEntry[]
  /** Entries for non-title requests only. */
  work(): LogEntry[]
  setScript(script: Script): void
  /** Resolves with the first log entry matching `pred` (polling), rejects after `timeoutMs`. */
  waitFor(pred: (e: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>
  close(): Promise<void>
}

export const TITLE = "Test session"
const estimateTokens = (chars: number): number => Math.max(1, Math.ceil(chars / 4))

export function textOf(content: ChatMessage["content"]): string {
  if (content == null) return ""
  if (typeof content === "string") return content
  return content.map((p) => (typeof p.text === "string" ? p.text : "")).join("")
}

function toRequest(seq: number, req: IncomingMessage, body: ChatBody, raw: string): ModelRequest {
  const messages = body.messages ?? []
  const tools: ToolSpec[] = (body.tools ?? []).map((t) => ({
    name: t.function.name,
    description: t.function.description ?? "",
    parameters: t.function.parameters ?? {},
  }))
  const system = messages
    .filter((m) => m.role === "system")
    .map((m) => textOf(m.content))
    .join("\n\n")
  const users = messages.filter((m) => m.role === "user").map((m) => textOf(m.content))
  const sid = req.headers["x-session-id"]
  return {
    seq,
    sessionId: Array.isArray(sid) ? sid[0] : sid,
    headers: req.headers,
    body,
    messages,
    tools,
    toolNames: tools.map((t) => t.name),
    system,
    isTitleRequest: tools.length === 0 && /title generator/i.test(system),
    requestChars: raw.length,
    offers: (name) => tools.some((t) => t.name === name),
    tool: (name) => tools.find((t) => t.name === name),
    firstUserText: () => users[0] ?? "",
    lastUserText: () => users[users.length - 1] ?? "",
    assistantTurns: () => messages.filter((m) => m.role === "assistant").length,
    toolResults: () => {
      const calls = new Map<string, WireToolCall>()
      for (const m of messages) for (const c of m.tool_calls ?? []) calls.set(c.id, c)
      return messages
        .filter((m) => m.role === "tool")
        .map((m) => {
          const call = calls.get(m.tool_call_id ?? "")
          let args: Record<string, unknown> = {}
          try {
            args = call ? (JSON.parse(call.function.arguments) as Record<string, unknown>) : {}
          } catch {
            /* keep {} for unparsable arguments */
          }
          return { callId: m.tool_call_id ?? "", name: call?.function.name ?? "", arguments: args, output: textOf(m.content) }
        })
    },
  }
}

function summarize(reply: Reply): string {
  if ("status" in reply) return `error ${reply.status}`
  if ("toolCalls" in reply) return `tools: ${reply.toolCalls.map((c) => c.name).join(", ")}`
  return `text: ${JSON.stringify(reply.text.slice(0, 80))}`
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function startModelServer(script: Script = () => ({ text: "ok" })): Promise<ModelServer> {
  let current = script
  let seq = 0
  let callSeq = 0
  const log: LogEntry[] = []

  const handleChat = async (req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> => {
    const startedAt = Date.now()
    const body = JSON.parse(raw) as ChatBody
    const request = toRequest(++seq, req, body, raw)
    let reply: Reply
    try {
      reply = request.isTitleRequest ? { text: TITLE } : await current(request)
    } catch (err) {
      reply = { status: 500, body: { error: { message: `script threw: ${String(err)}` } } }
    }
    if (reply.delayMs) await sleep(reply.delayMs)
    const stream = body.stream === true
    const promptTokens = reply.usage?.promptTokens ?? estimateTokens(raw.length)
    let completionTokens = reply.usage?.completionTokens ?? 0
    let status = 200

    if ("status" in reply) {
      status = reply.status
      res.writeHead(status, { "content-type": "application/json", ...reply.headers })
      res.end(JSON.stringify(reply.body ?? { error: { message: `scripted ${status}`, type: "scripted_error" } }))
    } else {
      const id = `chatcmpl-${request.seq}`
      const created = Math.floor(startedAt / 1000)
      const text = reply.text ?? ""
      const calls: WireToolCall[] =
        "toolCalls" in reply
          ? reply.toolCalls.map((c) => ({
              id: `call_${++callSeq}`,
              type: "function",
              function: { name: c.name, arguments: JSON.stringify(c.arguments) },
            }))
          : []
      completionTokens ||= estimateTokens(text.length + calls.reduce((n, c) => n + c.function.arguments.length, 0))
      const finish = calls.length ? "tool_calls" : "stop"
      const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
      const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}): string =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: body.model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`
      if (stream) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" })
        res.write(chunk({ role: "assistant", content: "" }, null))
        if (text) res.write(chunk({ content: text }, null))
        for (const [index, c] of calls.entries()) res.write(chunk({ tool_calls: [{ index, ...c }] }, null))
        res.write(chunk({}, finish, { usage }))
        res.end("data: [DONE]\n\n")
      } else {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(
          JSON.stringify({
            id,
            object: "chat.completion",
            created,
            model: body.model,
            choices: [
              { index: 0, message: { role: "assistant", content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finish },
            ],
            usage,
          }),
        )
      }
    }
    const entry: LogEntry = {
      seq: request.seq,
      sessionId: request.sessionId,
      startedAt,
      endedAt: Date.now(),
      tools: request.toolNames,
      firstUserText: request.firstUserText(),
      lastUserText: request.lastUserText(),
      isTitleRequest: request.isTitleRequest,
      stream,
      reply: request.isTitleRequest ? "title" : summarize(reply),
      status,
      usage: { promptTokens, completionTokens },
      requestChars: raw.length,
      request: body,
    }
    log.push(entry)
    log.sort((a, b) => a.seq - b.seq)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8")
      const path = (req.url ?? "").split("?")[0] ?? ""
      if (req.method === "POST" && path.endsWith("/chat/completions")) {
        handleChat(req, res, raw).catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" })
          res.end(JSON.stringify({ error: { message: String(err) } }))
        })
      } else if (req.method === "GET" && path.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model", created: 0, owned_by: "mock" }] }))
      } else {
        res.writeHead(404, { "content-type": "application/json" })
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  let closing: Promise<void> | undefined
  const handle: ModelServer = {
    url: `http://127.0.0.1:${port}/v1`,
    log,
    work: () => log.filter((e) => !e.isTitleRequest),
    setScript: (s) => {
      current = s
    },
    waitFor: async (pred, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const hit = log.find(pred)
        if (hit) return hit
        if (Date.now() > deadline) throw new Error(`model server: no matching request within ${timeoutMs} ms`)
        await sleep(50)
      }
    },
    close: () => {
      openServers.delete(handle)
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
  openServers.add(handle)
  return handle
}

/** True when the two log entries' [startedAt, endedAt] intervals intersect. */
export function overlapped(a: Pick<LogEntry, "startedAt" | "endedAt">, b: Pick<LogEntry, "startedAt" | "endedAt">): boolean {
  return a.startedAt < b.endedAt && b.startedAt < a.endedAt
}
