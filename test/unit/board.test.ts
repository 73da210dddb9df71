import { describe, expect, it } from "vitest"
import type { BoardTaskStatus, LiveMission, LiveTask } from "../../src/mission/live-file.js"
import { emptyUsage, type MissionStatus } from "../../src/mission/state.js"
import { boardLines, columns, cut, duration, statusLine, tokens } from "../../src/tui/board.js"

const START = Date.parse("2026-01-01T10:00:00.000Z")

function live(over: Partial<LiveMission> = {}): LiveMission {
  return {
    version: 1,
    id: "m-20260101-100000-abcd",
    commanderSession: "ses_cmd",
    sessions: [],
    status: "running",
    phase: "running",
    round: 1,
    startedAt: new Date(START).toISOString(),
    updatedAt: new Date(START).toISOString(),
    usage: { ...emptyUsage(), inputTokens: 12_000, outputTokens: 400, cost: 0.0123 },
    running: 2,
    limit: 4,
    tasks: [],
    ...over,
  }
}

function liveTask(id: string, status: BoardTaskStatus, over: Partial<LiveTask> = {}): LiveTask {
  return { id, title: `Task ${id}`, status, attempt: 1, maxAttempts: 3, ...over }
}

const at = (seconds: number) => ({ width: 40, now: START + seconds * 1000 })

describe("tui/board.ts boardLines", () => {
  it("heads the board with phase, round, tasks passed, time, tokens, cost and workers", () => {
    const lines = boardLines(live({ round: 2, tasks: [liveTask("T1", "passed"), liveTask("T2", "running")] }), at(65))
    expect(lines.slice(0, 4)).toEqual([
      { text: "Mission", tone: "title" },
      { text: "running · round 2 · 1/2 passed", tone: "accent" },
      { text: "1m 05s · 12.4k tokens · $0.0123", tone: "muted" },
      { text: "workers 2/4", tone: "muted" },
    ])
  })

  it("gives one line per task with its status word and attempt n/max, every status", () => {
    const statuses: BoardTaskStatus[] = ["pending", "running", "checking", "reviewing", "passed", "failed", "requeued"]
    const tasks = statuses.map((s, i) => liveTask(`T${i + 1}`, s, { title: `Do ${s}`, attempt: i % 3 }))
    const lines = boardLines(live({ tasks }), at(1)).slice(4)
    expect(lines.map((l) => l.text)).toEqual([
      "T1 Do pending              pending   0/3",
      "T2 Do running              running   1/3",
      "T3 Do checking             checking  2/3",
      "T4 Do reviewing            reviewing 0/3",
      "T5 Do passed               passed    1/3",
      "T6 Do failed               failed    2/3",
      "T7 Do requeued             requeued  0/3",
    ])
    expect(lines.map((l) => l.tone)).toEqual(["muted", "accent", "accent", "accent", "success", "error", "warning"])
    for (const line of lines) expect(columns(line.text)).toBe(40)
  })

  it.each<[MissionStatus, string]>([
    ["sealed", "success"],
    ["failed", "error"],
    ["cancelled", "error"],
    ["budget_exhausted", "error"],
    ["needs_user", "warning"],
  ])("shows the final word %s, the time until the end and no workers line", (status, tone) => {
    const ended = new Date(START + 90_000).toISOString()
    const lines = boardLines(live({ status, phase: status, endedAt: ended, running: 0, tasks: [liveTask("T1", "passed")] }), at(3_600))
    expect(lines[1]).toEqual({ text: `${status} · round 1 · 1/1 passed`, tone })
    expect(lines[2]!.text.startsWith("1m 30s ·")).toBe(true)
    expect(lines.some((l) => l.text.startsWith("workers"))).toBe(false)
  })

  it("shows planning before there are tasks or rounds", () => {
    const lines = boardLines(live({ status: "planning", phase: "planning", round: 0, running: 0 }), at(3))
    expect(lines.map((l) => l.text)).toEqual(["Mission", "planning", "3s · 12.4k tokens · $0.0123"])
  })

  it("cuts long titles to fit, keeping the status column", () => {
    const title = "Add JWT login to the API, with refresh tokens and tests for every route"
    const [line] = boardLines(live({ tasks: [liveTask("T12", "reviewing", { title, attempt: 2 })] }), { width: 40, now: START }).slice(4)
    expect(line!.text).toBe("T12 Add JWT login to the…  reviewing 2/3")
    expect(columns(line!.text)).toBe(40)
  })

  it("counts wide characters as two columns when cutting", () => {
    const [line] = boardLines(live({ tasks: [liveTask("T1", "running", { title: "登録フォームを追加する機能" })] }), { width: 30, now: START }).slice(4)
    expect(columns(line!.text)).toBeLessThanOrEqual(30)
    expect(line!.text).toMatch(/^T1 登録.*… running {3}1\/3$/)
  })

  it.each([24, 20, 16, 12, 8, 5, 1])("never draws wider than a narrow sidebar (%i columns)", (width) => {
    const tasks = [liveTask("T1", "reviewing", { title: "A title long enough to be cut" }), liveTask("T10", "requeued")]
    const lines = boardLines(live({ tasks }), { width, now: START + 3_700_000 })
    for (const line of lines) expect(columns(line.text)).toBeLessThanOrEqual(width)
  })

  it("drops the title, then the attempt, before the status word", () => {
    const t = liveTask("T1", "reviewing", { title: "Something" })
    expect(boardLines(live({ tasks: [t] }), { width: 20, now: START }).at(-1)!.text).toBe("T1 reviewing 1/3")
    expect(boardLines(live({ tasks: [t] }), { width: 14, now: START }).at(-1)!.text).toBe("T1 reviewing")
    expect(boardLines(live({ tasks: [t] }), { width: 8, now: START }).at(-1)!.text).toBe("T1 revi…")
  })

  it("shows a mission of 12 tasks, one line each, in plan order", () => {
    const words: BoardTaskStatus[] = [
      "passed",
      "passed",
      "passed",
      "reviewing",
      "checking",
      "running",
      "running",
      "requeued",
      "pending",
      "pending",
      "pending",
      "failed",
    ]
    const tasks = words.map((w, i) => liveTask(`T${i + 1}`, w, { title: `Module ${i + 1} of the new billing service` }))
    const lines = boardLines(live({ round: 3, running: 3, limit: 4, tasks }), { width: 42, now: START + 754_000 })
    expect(lines).toHaveLength(4 + 12)
    expect(lines[1]!.text).toBe("running · round 3 · 3/12 passed")
    expect(lines[2]!.text).toBe("12m 34s · 12.4k tokens · $0.0123")
    expect(lines[3]!.text).toBe("workers 3/4")
    expect(lines.slice(4).map((l) => l.text.split(" ")[0])).toEqual(tasks.map((t) => t.id))
    expect(lines[15]!.text).toBe("T12 Module 12 of the new bi… failed    1/3")
    for (const line of lines) expect(columns(line.text)).toBeLessThanOrEqual(42)
  })
})

describe("tui/board.ts statusLine", () => {
  it("puts the board on one line for a child session or a narrow terminal, cut to the width", () => {
    const tasks = [liveTask("T1", "passed"), liveTask("T2", "reviewing"), liveTask("T3", "pending")]
    const line = statusLine(live({ round: 2, tasks }), { width: 200, now: START + 65_000 })
    expect(line).toEqual({ text: "Mission running · round 2 · 1/3 passed · 1m 05s · 12.4k tokens · T1 passed, T2 reviewing, T3 pending", tone: "accent" })
    const narrow = statusLine(live({ status: "cancelled", phase: "cancelled", endedAt: new Date(START + 5_000).toISOString(), tasks }), {
      width: 30,
      now: START,
    })
    expect(narrow).toEqual({ text: "Mission cancelled · round 1 ·…", tone: "error" })
    expect(columns(narrow.text)).toBeLessThanOrEqual(30)
  })
})

describe("tui/board.ts formatting", () => {
  it("formats durations, token counts and cuts", () => {
    expect([duration(0), duration(59_999), duration(60_000), duration(3_599_000), duration(3_660_000)]).toEqual(["0s", "59s", "1m 00s", "59m 59s", "1h 01m"])
    expect([tokens(999), tokens(12_345), tokens(2_500_000)]).toEqual(["999", "12.3k", "2.50M"])
    expect([cut("abcdef", 6), cut("abcdef", 5), cut("abcdef", 1), cut("abcdef", 0)]).toEqual(["abcdef", "abcd…", "…", ""])
  })
})
