// Smoke test of the e2e harness itself, with a throwaway plugin (not the plugin under test).
import { describe, expect, it } from "vitest"
import { startModelServer, type ModelRequest, type Reply } from "../support/model-server.js"
import { eventTexts, makeProject, runOpencode, startServe, toolUses, type Project } from "../support/opencode.js"

const TIMEOUT = 120_000

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const PROBE_PLUGIN = `
import { tool } from "@opencode-ai/plugin"
import { writeFileSync } from "node:fs"
import { join } from "node:path"

export const EchoProbe = async ({ directory }) => ({
  tool: {
    echo_probe: tool({
      description: "Echo a text back and record it in probe-ran.txt",
      args: { text: tool.schema.string().describe("text to echo") },
      async execute(args) {
        writeFileSync(join(directory, "probe-ran.txt"), args.text)
        return "echoed:" + args.text
      },
    }),
  },
})
`

const PROBE_COMMAND = `---
description: Echo the arguments through echo_probe
---
Use echo_probe on: $ARGUMENTS
`

function probeProject(): Project {
  return makeProject({
    git: true,
    files: {
      "README.md": "# fixture\n",
      ".opencode/plugin/echo-probe.ts": PROBE_PLUGIN,
      ".opencode/command/probe.md": PROBE_COMMAND,
    },
  })
}

/** Calls echo_probe with the command's arguments once, then reports the tool's output. */
function probeScript(req: ModelRequest): Reply {
  const done = req.toolResults().find((r) => r.name === "echo_probe")
  if (done) return { text: `probe said ${done.output}` }
  if (!req.offers("echo_probe")) return { text: "echo_probe is not offered" }
  const text = req
    .lastUserText()
    .replace(/^[\s\S]*Use echo_probe on:\s*/, "")
    .trim()
  return { toolCalls: [{ name: "echo_probe", arguments: { text } }] }
}

describe("e2e harness", () => {
  it(
    "runs a plugin tool through `opencode run --command` with arguments on stdin",
    async () => {
      const server = await startModelServer(probeScript)
      const project = probeProject()
      const res = await runOpencode({
        project,
        model: server,
        args: ["run", "--command", "probe", "--format", "json", "--print-logs"],
        stdin: "hello from stdin, with spaces",
        timeoutMs: 90_000,
      })
      await server.close()
      console.log(`opencode run (tool call + answer) took ${res.durationMs} ms`)

      expect(res.timedOut).toBe(false)
      expect(res.code).toBe(0)
      expect(project.read("probe-ran.txt")).toBe("hello from stdin, with spaces")

      const [title, ...work] = server.log
      expect(title?.isTitleRequest).toBe(true)
      expect(title?.reply).toBe("title")
      expect(work).toHaveLength(2)
      expect(work[0]?.tools).toContain("echo_probe")
      expect(work[0]?.reply).toBe("tools: echo_probe")
      expect(work.every((e) => e.sessionId === title?.sessionId)).toBe(true)
      const toolMsg = work[1]?.request.messages.find((m) => m.role === "tool")
      expect(toolMsg?.content).toContain("echoed:hello from stdin, with spaces")

      expect(toolUses(res.events, "echo_probe").map((e) => e.part?.state?.status)).toEqual(["completed"])
      expect(eventTexts(res.events)).toContain("probe said echoed:hello from stdin, with spaces")
    },
    TIMEOUT,
  )

  it(
    "a 429 from the model is retried by OpenCode",
    async () => {
      let failures = 0
      const server = await startModelServer(() => {
        if (failures++ === 0) return { status: 429, headers: { "retry-after-ms": "200" } }
        return { text: "recovered" }
      })
      const project = makeProject({ git: false })
      const res = await runOpencode({ project, model: server, args: ["run", "--format", "json", "say hi"], timeoutMs: 90_000 })
      await server.close()

      expect(res.code).toBe(0)
      const work = server.work()
      expect(work.map((e) => e.status)).toEqual([429, 200])
      console.log(`retry after 429 came ${work[1]!.startedAt - work[0]!.endedAt} ms later`)
      expect(eventTexts(res.events)).toContain("recovered")
    },
    TIMEOUT,
  )

  it(
    "a 400 from the model is not retried: an error event and exit code 1",
    async () => {
      const server = await startModelServer(() => ({ status: 400, body: { error: { message: "bad request from script" } } }))
      const res = await runOpencode({ project: makeProject(), model: server, args: ["run", "--format", "json", "x"], timeoutMs: 90_000 })
      expect(res.code).toBe(1)
      expect(server.work().map((e) => e.status)).toEqual([400])
      expect(JSON.stringify(res.events.filter((e) => e.type === "error"))).toContain("bad request from script")
    },
    TIMEOUT,
  )

  let leftRunning: number | undefined
  it(
    "a serve process left running is killed after the test",
    async () => {
      const server = await startModelServer()
      const served = await startServe({ project: makeProject(), model: server })
      leftRunning = served.pid
      expect(isAlive(leftRunning)).toBe(true)
    },
    TIMEOUT,
  )
  it("…and is gone in the next test", () => {
    expect(leftRunning).toBeDefined()
    expect(isAlive(leftRunning!)).toBe(false)
  })

  it(
    "serve + SDK: session.create and session.prompt round-trip",
    async () => {
      const server = await startModelServer((req) => ({ text: `you said: ${req.lastUserText()}` }))
      const project = makeProject({ git: true, files: { "a.txt": "a\n" } })
      const t0 = Date.now()
      const served = await startServe({ project, model: server })
      const readyMs = Date.now() - t0

      const session = await served.client.session.create({ body: { title: "harness" } })
      expect(session.error).toBeUndefined()
      const id = session.data!.id
      const t1 = Date.now()
      const reply = await served.client.session.prompt({ path: { id }, body: { parts: [{ type: "text", text: "ping" }] } })
      const turnMs = Date.now() - t1

      expect(reply.error).toBeUndefined()
      const text = reply.data!.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("")
      expect(text).toBe("you said: ping")
      expect(reply.data!.info.tokens.output).toBeGreaterThan(0)

      const t2 = Date.now()
      const again = await served.client.session.prompt({ path: { id }, body: { parts: [{ type: "text", text: "pong" }] } })
      console.log(`serve ready in ${readyMs} ms, first prompt turn ${turnMs} ms, warm turn ${Date.now() - t2} ms`)
      expect(again.data?.parts.some((p) => p.type === "text" && p.text === "you said: pong")).toBe(true)
      expect(server.work().map((e) => e.sessionId)).toEqual([id, id])
      // A session created with a title gets no title request; one without gets exactly one.
      expect(server.log.filter((e) => e.isTitleRequest)).toEqual([])
      const untitled = await served.client.session.create({ body: {} })
      const id2 = untitled.data!.id
      await served.client.session.prompt({ path: { id: id2 }, body: { parts: [{ type: "text", text: "hi" }] } })
      await server.waitFor((e) => e.isTitleRequest)
      expect(server.log.filter((e) => e.isTitleRequest).map((e) => e.sessionId)).toEqual([id2])
      await served.kill()
    },
    TIMEOUT,
  )
})
