import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { LIVE_DEBOUNCE_MS, LIVE_FILE, type LiveMission, noteMessageUsage } from "../../src/mission/live-file.js"
import { missionsRoot } from "../../src/mission/store.js"
import { PASS, planner, runScripted, type Turn } from "../support/fake-sdk.js"
import { gitRepo, plan, task } from "../support/helpers.js"

function readLive(dir: string): LiveMission {
  const [id] = readdirSync(missionsRoot(dir))
  return JSON.parse(readFileSync(path.join(missionsRoot(dir), id!, LIVE_FILE), "utf8")) as LiveMission
}

const settle = () => new Promise((resolve) => setTimeout(resolve, LIVE_DEBOUNCE_MS + 150))

describe("mission/live-file.ts (fake SDK)", () => {
  it("follows a mission: running, checking, reviewing and usage in flight, then the final word", async () => {
    const dir = gitRepo()
    const seen: Record<string, LiveMission> = {}
    const run = await runScripted(dir, {
      planner: planner(plan([task("T1", { verify: ["test -f t1.txt"] }), task("T2", { dependsOn: ["T1"] })])),
      worker: async (t: Turn) => {
        t.write(`${t.call.task.toLowerCase()}.txt`, "done\n")
        noteMessageUsage({
          id: "msg_1",
          sessionID: t.call.sessionID,
          role: "assistant",
          cost: 0.5,
          tokens: { input: 7_000, output: 30, reasoning: 0, cache: { read: 0, write: 0 } },
        })
        await settle()
        seen[`worker ${t.call.task}`] = readLive(dir)
      },
      reviewer: async (t: Turn) => {
        await settle()
        seen[`reviewer ${t.call.task}`] = readLive(dir)
        t.submitVerdict(PASS)
      },
    })
    expect(run.state.status).toBe("sealed")

    const duringWorker = seen["worker T1"]!
    expect(duringWorker.phase).toBe("running")
    expect(duringWorker.running).toBe(1)
    expect(duringWorker.tasks.map((t) => [t.id, t.status, t.attempt, t.maxAttempts])).toEqual([
      ["T1", "running", 1, 3],
      ["T2", "pending", 0, 3],
    ])
    // The planner's turn was booked (100 in); the worker's is still in flight and counted from its message.
    expect(duringWorker.usage.inputTokens).toBe(100 + 7_000)
    expect(duringWorker.usage.cost).toBeCloseTo(0.5)
    expect(duringWorker.sessions.length).toBe(2)
    expect(duringWorker.commanderSession).toBe("ses_commander")

    expect(seen["reviewer T1"]!.tasks[0]!.status).toBe("reviewing")
    expect(seen["reviewer T2"]!.tasks.map((t) => t.status)).toEqual(["passed", "reviewing"])
    expect(seen["reviewer mission"]!.phase).toBe("master review")

    const final = readLive(dir)
    expect(final.status).toBe("sealed")
    expect(final.phase).toBe("sealed")
    expect(final.endedAt).toBe(run.state.endedAt)
    expect(final.tasks.map((t) => [t.status, t.attempt])).toEqual([
      ["passed", 1],
      ["passed", 1],
    ])
    // Booked usage once the turns ended: the in-flight estimate does not linger.
    expect(final.usage).toEqual(run.state.usage)
    expect(final.sessions).toHaveLength(run.state.usage.sessions)
  })
})
