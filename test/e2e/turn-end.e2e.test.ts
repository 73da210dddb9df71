// A planner's or reviewer's turn ends at its accepted submit_* call: OpenCode sends the model no request after it.
import { execFileSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { type Reply, startModelServer } from "../support/model-server.js"
import { makeProject, PLUGIN_UNDER_TEST, startServe } from "../support/opencode.js"
import { scriptedCoder } from "../support/scripted-coder.js"
import { FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, PLAN, T1 } from "./fixtures.js"
import { readMission, roleOf } from "./mission-helpers.js"

const submit = (name: "submit_plan" | "submit_verdict", args: Record<string, unknown>): Reply => ({ toolCalls: [{ name, arguments: args }] })
const ACCEPTED = /^(Plan accepted|Verdict recorded)/

describe("the end of a child's turn in real OpenCode", () => {
  it("no request follows an accepted plan or verdict; rejected ones and turns without a handoff go on as before; the mission seals", async () => {
    const project = makeProject({ git: true, files: MATH_PROJECT })
    const afterAccepted: (string | undefined)[] = []
    let userSession = ""
    const base = scriptedCoder({ plan: () => PLAN, work: (order) => FILES_BY_TASK[order.taskId] ?? {}, review: (r) => honestPass(r.taskId) })
    const server = await startModelServer((req) => {
      const results = req.toolResults()
      if (req.sessionId === userSession) {
        return results.length ? { text: "Read it." } : { toolCalls: [{ name: "read", arguments: { filePath: `${project.dir}/README.md` } }] }
      }
      if (results.some((r) => ACCEPTED.test(r.output))) {
        afterAccepted.push(req.sessionId)
        return { text: "Submitted." }
      }
      if (req.offers("submit_plan")) {
        // Turn 1: a plan with an unknown dependency, then, told so, an answer without a plan. Turn 2 (the engine asks again): the plan.
        if (req.lastUserText().startsWith("No valid plan")) return submit("submit_plan", PLAN)
        if (results.length === 0) return submit("submit_plan", { ...PLAN, tasks: [{ ...T1, dependsOn: ["T9"] }, ...PLAN.tasks.slice(1)] })
        return { text: "I could not fix the plan." }
      }
      if (req.offers("submit_verdict")) {
        const taskId = /^# (\S+) · /m.exec(req.firstUserText())?.[1] ?? "mission"
        // T1's reviewer first submits a verdict with no summary (rejected); T2's first ends its turn with no verdict.
        if (taskId === "T1" && results.length === 0) return submit("submit_verdict", { ...honestPass("T1"), summary: undefined })
        if (taskId === "T2" && req.assistantTurns() === 0) return { text: "Looks fine to me." }
        return submit("submit_verdict", honestPass(taskId))
      }
      return base(req)
    })
    const served = await startServe({ project, model: server, plugins: [PLUGIN_UNDER_TEST] })
    const commander = (await served.client.session.create({ body: { title: "mission" } })).data!.id
    const done = await served.client.session.command({ path: { id: commander }, body: { command: "task", arguments: MISSION } })
    if (process.env.E2E_DEBUG) console.log(server.log.map((e) => `${e.seq} ${roleOf(e)} ${e.sessionId} ${e.startedAt}-${e.endedAt} ${e.reply}`).join("\n"))

    // Each planner and reviewer session got exactly the requests up to and including its accepted submit call.
    expect(afterAccepted).toEqual([])
    const children = (await served.client.session.children({ path: { id: commander } })).data ?? []
    const replies = (title: RegExp) => {
      const child = children.find((c) => title.test(c.title))
      return server
        .work()
        .filter((e) => e.sessionId === child?.id)
        .map((e) => e.reply)
    }
    const plan = "tools: submit_plan"
    const verdict = "tools: submit_verdict"
    expect(replies(/^planner · /)).toEqual([plan, 'text: "I could not fix the plan."', plan])
    expect(replies(/^T1 · reviewer/)).toEqual([verdict, verdict])
    expect(replies(/^T2 · reviewer/)).toEqual(['text: "Looks fine to me."', verdict])
    expect(replies(/^T3 · reviewer/)).toEqual([verdict])
    expect(replies(/^mission · reviewer/)).toEqual([verdict])
    expect(server.work()).toHaveLength(2 + 3 + 6 + 6) // commander, planner, three workers, reviewers

    // In each such child's transcript the accepted call is a completed tool part with its output, and nothing follows it.
    const handing = children.filter((c) => /^planner · | · reviewer · /.test(c.title))
    expect(handing).toHaveLength(5)
    for (const child of handing) {
      const messages = (await served.clientFor(child.directory).session.messages({ path: { id: child.id } })).data ?? []
      const at = messages.findLastIndex((m) => m.parts.some((p) => p.type === "tool" && p.tool.startsWith("submit_")))
      const part = messages[at]?.parts.findLast((p) => p.type === "tool")
      expect(part?.type === "tool" && part.state.status, child.title).toBe("completed")
      expect(part?.type === "tool" && part.state.status === "completed" && part.state.output, child.title).toMatch(ACCEPTED)
      expect(messages[at]!.info.role === "assistant" && messages[at]!.info.error, child.title).toBeUndefined()
      // OpenCode had opened the next step's message when the hook aborted it; it was empty and is gone,
      // so the TUI shows the turn as finished, not "interrupted".
      expect(messages.slice(at + 1), child.title).toEqual([])
      expect(
        messages.filter((m) => m.info.role === "assistant" && m.info.error?.name === "MessageAbortedError"),
        child.title,
      ).toEqual([])
    }

    // The engine took those turns as successes: one attempt per task, no provider retry, a sealed mission with its report.
    const { state, events } = readMission(project)
    expect(state.status, state.reason).toBe("sealed")
    expect(state.tasks.map((t) => t.attempts.map((a) => a.outcome))).toEqual([["passed"], ["passed"], ["passed"]])
    expect(events.filter((e) => e.type === "provider_retry")).toEqual([])
    for (const [file, content] of Object.entries({ ...FILES_BY_TASK.T1, ...FILES_BY_TASK.T2, ...FILES_BY_TASK.T3 }))
      expect(project.read(file), file).toBe(content)
    expect(() => execFileSync("node", ["--test"], { cwd: project.dir, stdio: "pipe" })).not.toThrow()
    // The report is a text part of the commander's message that called orchestrate; the final reply only points to it.
    const transcript = (await served.client.session.messages({ path: { id: commander } })).data ?? []
    const report = transcript.flatMap((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : []))).join("\n")
    expect((done.data?.parts ?? []).some((p) => p.type === "text" && p.text.includes("| T3 |"))).toBe(false)
    expect(report).toMatch(/^\*\*Mission sealed\*\*/m)
    expect(report).toContain("| T3 | Add dot() | passed | 1 |")

    // A user's own session in the same server: its request after a tool call is made as always.
    userSession = (await served.client.session.create({ body: { title: "mine" } })).data!.id
    const reply = await served.client.session.prompt({
      path: { id: userSession },
      body: { agent: "build", parts: [{ type: "text", text: "Read the README." }] },
    })
    expect(reply.data?.parts.some((p) => p.type === "text" && p.text === "Read it.")).toBe(true)
    expect(
      server
        .work()
        .filter((e) => e.sessionId === userSession)
        .map((e) => e.reply),
    ).toEqual(["tools: read", 'text: "Read it."'])
    await served.kill()
  }, 240_000)
})
