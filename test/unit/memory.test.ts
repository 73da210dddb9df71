import { describe, expect, it } from "vitest"
import { type CoreMemory, DECAY, effectiveWeight, memoryOf, relevance, remember, rememberAttempt, rememberPlan } from "../../src/mission/memory.js"
import { type Attempt, MissionState } from "../../src/mission/state.js"
import { missionState, task, taskState } from "../support/helpers.js"

const attempt = (over: Partial<Attempt> = {}): Attempt => ({
  attempt: 1,
  round: 1,
  outcome: "passed",
  feedback: "Looks right.",
  changedFiles: [],
  evidence: [],
  sessions: [],
  ...over,
})

describe("mission/memory.ts", () => {
  it("decays unpinned entries by DECAY per round and keeps pinned ones", () => {
    const memory: CoreMemory = { entries: [] }
    remember(memory, 1, { id: "finding:T1:1", kind: "finding", text: "T1 broke the parser", task: "T1" })
    remember(memory, 1, { id: "decision:1", kind: "decision", text: "Use zod" })
    const [finding, decision] = memory.entries
    expect(effectiveWeight(finding!, 1)).toBe(1)
    expect(effectiveWeight(finding!, 2)).toBeCloseTo(DECAY)
    expect(effectiveWeight(finding!, 4)).toBeCloseTo(DECAY ** 3)
    expect(DECAY).toBe(0.6)
    expect(effectiveWeight(decision!, 1)).toBe(1)
    expect(effectiveWeight(decision!, 50)).toBe(1)
    expect(decision!.pinned).toBe(true)
    expect(finding!.pinned).toBe(false)
  })

  it("refreshes an entry recorded again under the same id, and forgets entries that faded", () => {
    const memory: CoreMemory = { entries: [] }
    remember(memory, 1, { id: "outcome:T1", kind: "outcome", text: "old", task: "T1" })
    remember(memory, 4, { id: "outcome:T1", kind: "outcome", text: "new", task: "T1" })
    expect(memory.entries).toHaveLength(1)
    expect(memory.entries[0]).toMatchObject({ text: "new", round: 4 })
    remember(memory, 4, { id: "mission", kind: "mission", text: "The goal" })
    // Ten rounds later the finding has faded below the floor and goes at the next write; the pinned one stays.
    remember(memory, 14, { id: "lesson:T2:1", kind: "lesson", text: "fresh", task: "T2" })
    expect(memory.entries.map((e) => e.id).sort()).toEqual(["lesson:T2:1", "mission"])
  })

  it("keeps the unpinned entries bounded however many are recorded", () => {
    const memory: CoreMemory = { entries: [] }
    remember(memory, 1, { id: "mission", kind: "mission", text: "goal" })
    for (let i = 0; i < 500; i++) remember(memory, 1, { id: `finding:T${i}:1`, kind: "finding", text: `f${i}` })
    expect(memory.entries.length).toBeLessThanOrEqual(201)
    expect(memory.entries.some((e) => e.id === "mission")).toBe(true)
  })

  it("ranks by relevance: the task's own history, shared files, dependencies, mentions, then the rest", () => {
    const a = taskState(task("A", { files: ["src/a.ts"] }))
    const b = taskState(task("B", { files: ["src/b.ts"], dependsOn: ["A"] }))
    const c = taskState(task("C", { files: ["src/c.ts", "src/shared.ts"], dependsOn: ["B"], description: "Extend the lexer in lexer.ts" }))
    const d = taskState(task("D", { files: ["docs/d.md"] }))
    const tasks = [a, b, c, d]
    const memory: CoreMemory = { entries: [] }
    const add = (id: string, t: string | undefined, files: string[], text = "something") =>
      remember(memory, 1, { id, kind: "finding", text, files, ...(t ? { task: t } : {}) })
    add("own", "C", ["src/c.ts"])
    add("shared", "D", ["src/shared.ts"])
    add("dep", "B", ["src/b.ts"])
    add("grand", "A", ["src/a.ts"])
    add("mention", undefined, ["lib/lexer.ts"])
    add("far", "D", ["docs/d.md"])
    const score = (id: string) => relevance(memory.entries.find((e) => e.id === id)!, c, tasks)
    expect(score("own")).toBeGreaterThan(score("shared"))
    expect(score("shared")).toBeGreaterThan(score("dep"))
    expect(score("dep")).toBeGreaterThan(score("grand"))
    expect(score("dep")).toBeGreaterThan(score("mention"))
    expect(Math.min(score("grand"), score("mention"))).toBeGreaterThan(score("far"))
    expect(score("far")).toBeGreaterThan(0)
    // A dependent's news matters to the task it depends on, too.
    expect(relevance(memory.entries.find((e) => e.id === "own")!, a, tasks)).toBeGreaterThan(score("far"))
  })

  it("records the mission and plan as pinned (idempotently), passed tasks as outcomes, failed attempts as findings or lessons", () => {
    const t1 = taskState(task("T1", { files: ["a.ts"] }))
    const state = missionState({
      round: 2,
      plan: { summary: "Two steps.", decisions: ["Use zod", "No new deps"] },
      tasks: [t1],
    })
    rememberPlan(state)
    rememberPlan(state)
    expect(memoryOf(state).entries.map((e) => [e.id, e.pinned])).toEqual([
      ["mission", true],
      ["plan", true],
      ["decision:1", true],
      ["decision:2", true],
    ])
    rememberAttempt(state, t1, attempt({ outcome: "review_failed", feedback: "Missing\n  tests.", changedFiles: ["a.ts"] }))
    rememberAttempt(state, t1, attempt({ attempt: 2, outcome: "verify_failed", feedback: "`npm test` exited 1" }))
    const failed = new Map(memoryOf(state).entries.map((e) => [e.id, e]))
    expect(failed.get("finding:T1:1")?.text).toBe("T1 (Task T1) attempt 1 was rejected (review failed): Missing tests.")
    expect(failed.get("lesson:T1:2")?.files).toEqual(["a.ts"])
    rememberAttempt(state, t1, attempt({ attempt: 3, outcome: "passed", feedback: "All good.", changedFiles: ["a.ts", "b.ts"] }))
    const byId = new Map(memoryOf(state).entries.map((e) => [e.id, e]))
    // Once the task passed, its own rejections are resolved and leave the memory.
    expect(byId.has("finding:T1:1")).toBe(false)
    expect(byId.has("lesson:T1:2")).toBe(false)
    expect(byId.get("outcome:T1")).toMatchObject({ kind: "outcome", files: ["a.ts", "b.ts"], task: "T1" })
    expect(byId.get("outcome:T1")?.text).toBe("T1 (Task T1) is done after 3 attempts; files: a.ts, b.ts. All good.")
  })

  it("lives in the mission state: round-trips through its schema, and old state files without it still load", () => {
    const state = missionState({ plan: { summary: "S" } })
    rememberPlan(state)
    const parsed = MissionState.parse(JSON.parse(JSON.stringify(state)))
    expect(parsed.memory).toEqual(state.memory)
    const { memory: _drop, ...old } = state
    expect(MissionState.parse(old).memory).toBeUndefined()
  })
})
