// Our subagents run commands through the plugin's `shell` tool in real OpenCode: the
// worker may run anything in its directory; the planner only read-only commands, and a
// command line that hides a write (a second command, a redirection) is refused whole.
import { existsSync } from "node:fs"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { cleanupAll, makeProject, PLUGIN_UNDER_TEST, startServe } from "../support/opencode.js"

const COMMANDS = ["ls src", "touch wrote-plain.txt", "ls src && touch wrote-chained.txt", "cat src/a.txt > wrote-redirect.txt"]
/** Allowed command, writing option: for the planner only. */
const FIND_DELETE = "find src -name a.txt -delete"

afterAll(cleanupAll)

describe("shell for our subagents in real OpenCode", () => {
  it("is offered instead of bash; the planner's read-only rules hold for every command and redirection of a line", async () => {
    const offered: Record<string, string[]> = {}
    const server = await startModelServer((req) => {
      if (req.isTitleRequest) return { text: "t" }
      const agent = /^agent: (\w+)/m.exec(req.firstUserText())?.[1] ?? "?"
      offered[agent] = req.toolNames
      if (req.toolResults().length > 0) return { text: "done" }
      if (!req.offers("shell")) return { text: `no shell: ${req.toolNames.join(",")}` }
      const commands = agent === "planner" ? [...COMMANDS, FIND_DELETE] : COMMANDS
      return { toolCalls: commands.map((command) => ({ name: "shell", arguments: { command } })) }
    })
    const project = makeProject({ git: true, files: { "src/a.txt": "a\n" } })
    const served = await startServe({ project, model: server, plugins: [PLUGIN_UNDER_TEST], readyTimeoutMs: 120_000 })
    const run = async (agent: string) => {
      const id = (await served.client.session.create({ body: { title: agent } })).data!.id
      await served.client.session.prompt({ path: { id }, body: { agent, parts: [{ type: "text", text: `agent: ${agent}` }] } })
      const messages = (await served.client.session.messages({ path: { id } })).data ?? []
      const parts = messages.flatMap((m) => m.parts).filter((p) => p.type === "tool" && p.tool === "shell")
      return Object.fromEntries(
        parts.map((p) => {
          const state = (p as unknown as { state: { status: string; input: { command: string }; output?: string; error?: string } }).state
          return [state.input.command, { status: state.status, text: state.output ?? state.error ?? "" }]
        }),
      )
    }

    const planner = await run("planner")
    expect(offered.planner).not.toContain("bash")
    expect(planner["ls src"], JSON.stringify(planner)).toMatchObject({ status: "completed" })
    expect(planner["ls src"]?.text).toContain("a.txt")
    for (const command of [...COMMANDS.slice(1), FIND_DELETE]) expect(planner[command]?.status, command).toBe("error")
    expect(existsSync(path.join(project.dir, "src/a.txt"))).toBe(true)
    for (const file of ["wrote-plain.txt", "wrote-chained.txt", "wrote-redirect.txt"]) expect(existsSync(path.join(project.dir, file)), file).toBe(false)

    const worker = await run("worker")
    expect(offered.worker).not.toContain("bash")
    for (const command of COMMANDS) expect(worker[command]?.status, command).toBe("completed")
    expect(worker["ls src"]?.text).toMatch(/^exit 0\na\.txt/)
    for (const file of ["wrote-plain.txt", "wrote-chained.txt", "wrote-redirect.txt"]) expect(existsSync(path.join(project.dir, file)), file).toBe(true)
    await served.kill()
    await server.close()
  }, 240_000)
})
