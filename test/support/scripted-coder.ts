// A scripted "coding model" for mission e2e tests. It tells its role from the
// tools a request offers (orchestrate → commander, submit_plan → planner,
// submit_verdict → reviewer, write → worker) and acts on the messages only.
import type { ModelRequest, Reply, Script, ToolResult } from "./model-server.js"

export interface WorkOrder {
  /** Task id and title, read from the work order's first line "# T1 · Title". */
  taskId: string
  title: string
  text: string
  /** 1 for a first attempt; n+1 when the order carries "Previous attempt n". */
  attempt: number
}

export interface ReviewRequest {
  /** Task id, or "mission" for the final review. */
  taskId: string
  text: string
  /** How many reviews of this task this scripted model has started before (0 = first). */
  previous: number
  /** submit_verdict calls already made in this conversation, and the last one's result. */
  call: number
  lastResult: string | undefined
}

/** What a worker does in one request: write files (relative path → content) or run shell commands. */
export type WorkReply = Record<string, string> | { commands: string[] }

export interface CoderScenario {
  /** Arguments of the planner's `call`-th submit_plan call (0-based) in one planner conversation. */
  plan(mission: string, call: number, lastResult: string | undefined): Record<string, unknown>
  /** Files (relative path → content) a worker writes for a work order, or shell commands it runs. */
  work?(order: WorkOrder): WorkReply
  /**
   * A worker that acts on what its tools returned (read first, then fix): called on every request of a
   * worker conversation with the results so far; undefined ends the turn. When set, `work` is not used.
   */
  step?(order: WorkOrder, results: ToolResult[]): WorkReply | undefined
  /** Arguments of a reviewer's submit_verdict call. */
  review(request: ReviewRequest): Record<string, unknown>
  /** Latency of every non-title reply. */
  delayMs?: number
}

export function scriptedCoder(scenario: CoderScenario): Script {
  const reviewsStarted = new Map<string, number>()
  return (req: ModelRequest): Reply => {
    const delay = scenario.delayMs ? { delayMs: scenario.delayMs } : {}
    const results = req.toolResults()
    if (req.offers("orchestrate")) {
      const done = results.find((r) => r.name === "orchestrate")
      if (done) return { text: done.output, ...delay }
      return { toolCalls: [{ name: "orchestrate", arguments: { mission: req.lastUserText() } }], ...delay }
    }
    if (req.offers("submit_plan")) {
      const calls = results.filter((r) => r.name === "submit_plan")
      const last = calls.at(-1)?.output
      if (last?.startsWith("Plan accepted")) return { text: "Plan submitted.", ...delay }
      return { toolCalls: [{ name: "submit_plan", arguments: scenario.plan(req.firstUserText(), calls.length, last) }], ...delay }
    }
    if (req.offers("submit_verdict")) {
      const calls = results.filter((r) => r.name === "submit_verdict")
      const lastResult = calls.at(-1)?.output
      if (lastResult?.startsWith("Verdict recorded")) return { text: "Verdict submitted.", ...delay }
      const text = req.firstUserText()
      const taskId = /^# (\S+) · /m.exec(text)?.[1] ?? "mission"
      const previous = req.assistantTurns() === 0 ? bump(reviewsStarted, taskId) : (reviewsStarted.get(taskId) ?? 1) - 1
      const args = scenario.review({ taskId, text, previous, call: calls.length, lastResult })
      return { toolCalls: [{ name: "submit_verdict", arguments: args }], ...delay }
    }
    if (req.offers("write")) {
      if (!scenario.step && results.length > 0) return { text: "Done: wrote the files the work order asks for.", ...delay }
      const text = req.firstUserText()
      const head = /^# (\S+) · (.+)$/m.exec(text)
      const previous = /Previous attempt (\d+)/.exec(text)
      const order = { taskId: head?.[1] ?? "?", title: head?.[2] ?? "", text, attempt: previous ? Number(previous[1]) + 1 : 1 }
      const root = workingDirectory(req)
      const work = scenario.step ? scenario.step(order, results) : scenario.work?.(order)
      if (work === undefined) return { text: "Done: the work order is carried out.", ...delay }
      if ("commands" in work && Array.isArray(work.commands)) {
        const commands = work.commands as string[]
        // Whichever shell the request offers: ours (`shell`) or OpenCode's (`bash`).
        const call = req.offers("shell")
          ? (command: string) => ({ name: "shell", arguments: { command } })
          : (command: string) => ({ name: "bash", arguments: { command, description: "Apply the change" } })
        return { toolCalls: commands.map(call), ...delay }
      }
      const files = Object.entries(work as Record<string, string>)
      if (files.length === 0) return { text: "Nothing to do.", ...delay }
      return {
        toolCalls: files.map(([path, content]) => ({ name: "write", arguments: { filePath: path.startsWith("/") ? path : `${root}/${path}`, content } })),
        ...delay,
      }
    }
    return { text: `No role for tools: ${req.toolNames.join(", ")}` }
  }
}

function bump(map: Map<string, number>, key: string): number {
  const n = map.get(key) ?? 0
  map.set(key, n + 1)
  return n
}

/** The session's directory, as OpenCode states it in the system prompt. */
export function workingDirectory(req: ModelRequest): string {
  const match = /Working directory: (.+)/.exec(req.system)
  if (!match?.[1]) throw new Error("no working directory in the system prompt")
  return match[1].trim()
}
