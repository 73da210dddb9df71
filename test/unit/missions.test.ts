import { mkdirSync, utimesSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { CANCEL_REQUEST } from "../../src/mission/engine.js"
import type { LiveMission } from "../../src/mission/live-file.js"
import { emptyUsage } from "../../src/mission/state.js"
import { missionsRoot } from "../../src/mission/store.js"
import { CANCEL_FILE, MissionFinder, missionsDir, readMission } from "../../src/tui/missions.js"
import { missionState, task, taskState, tempDir } from "../support/helpers.js"

function live(id: string, over: Partial<LiveMission> = {}): LiveMission {
  return {
    version: 1,
    id,
    commanderSession: `ses_cmd_${id}`,
    sessions: [],
    status: "running",
    phase: "running",
    round: 1,
    startedAt: "2026-01-01T10:00:00.000Z",
    updatedAt: "2026-01-01T10:00:01.000Z",
    usage: emptyUsage(),
    running: 1,
    limit: 4,
    tasks: [],
    ...over,
  }
}

function write(project: string, id: string, files: Record<string, string>): string {
  const dir = path.join(missionsDir(project), id)
  mkdirSync(dir, { recursive: true })
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content)
  return dir
}

describe("tui/missions.ts", () => {
  it("reads the same directories the engine writes, and the same cancel file", () => {
    expect(missionsDir("/p")).toBe(missionsRoot("/p"))
    expect(CANCEL_FILE).toBe(CANCEL_REQUEST)
  })

  it("finds each session's own mission among two in one project: commander, child, or through the parent", () => {
    const project = tempDir()
    write(project, "m-20260101-100000-aaaa", { "live.json": JSON.stringify(live("m-20260101-100000-aaaa", { sessions: ["ses_a1"] })) })
    write(project, "m-20260101-110000-bbbb", { "live.json": JSON.stringify(live("m-20260101-110000-bbbb", { sessions: ["ses_b1"] })) })
    const finder = new MissionFinder(() => project)
    expect(finder.find("ses_cmd_m-20260101-100000-aaaa")?.live.id).toBe("m-20260101-100000-aaaa")
    expect(finder.find("ses_a1")?.live.id).toBe("m-20260101-100000-aaaa")
    expect(finder.find("ses_b1")?.live.id).toBe("m-20260101-110000-bbbb")
    expect(finder.find("ses_new_child", "ses_cmd_m-20260101-110000-bbbb")?.live.id).toBe("m-20260101-110000-bbbb")
    expect(finder.find("ses_user")).toBeUndefined()
  })

  it("reads nothing from a live file caught mid-write or missing, and falls back to state.json", () => {
    const project = tempDir()
    const half = JSON.stringify(live("m-20260101-100000-aaaa")).slice(0, 40)
    const dir = write(project, "m-20260101-100000-aaaa", { "live.json": half })
    expect(readMission(dir)).toBeUndefined()
    expect(new MissionFinder(() => project).find("ses_cmd_m-20260101-100000-aaaa")).toBeUndefined()

    const state = missionState({ id: "m-20260101-100000-aaaa", status: "sealed", commanderSession: "ses_cmd", round: 2, endedAt: "2026-01-01T10:05:00.000Z" })
    state.tasks = [taskState(task("T1"), "passed")]
    state.tasks[0]!.attempts = [{ attempt: 1, round: 1, outcome: "passed", feedback: "", changedFiles: [], evidence: [], sessions: ["ses_w"] }]
    writeFileSync(path.join(dir, "state.json"), JSON.stringify(state))
    const view = readMission(dir)!
    expect(view).toMatchObject({ id: state.id, status: "sealed", phase: "sealed", round: 2, endedAt: state.endedAt, commanderSession: "ses_cmd" })
    expect(view.tasks).toEqual([{ id: "T1", title: "Task T1", status: "passed", attempt: 1, maxAttempts: 0 }])
    expect(new MissionFinder(() => project).find("ses_w")?.live.id).toBe(state.id)
  })

  it("prefers a state.json written after an unfinished live.json (a dead mission cancelled from another process)", () => {
    const project = tempDir()
    const dir = write(project, "m-20260101-100000-aaaa", { "live.json": JSON.stringify(live("m-20260101-100000-aaaa")) })
    const state = missionState({ id: "m-20260101-100000-aaaa", status: "cancelled", endedAt: "2026-01-01T10:09:00.000Z" })
    writeFileSync(path.join(dir, "state.json"), JSON.stringify(state))
    utimesSync(path.join(dir, "live.json"), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    expect(readMission(dir)).toMatchObject({ status: "cancelled", phase: "cancelled" })
    // While the mission runs, live.json is written after each state save: it wins.
    utimesSync(path.join(dir, "state.json"), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000))
    expect(readMission(dir)).toMatchObject({ status: "running", phase: "running" })
  })

  it("finds nothing in a project without missions, and the latest unfinished mission for resume", () => {
    expect(new MissionFinder(() => tempDir()).latestUnfinished()).toBeUndefined()
    const project = tempDir()
    write(project, "m-20260101-100000-aaaa", { "live.json": JSON.stringify(live("m-20260101-100000-aaaa")) })
    write(project, "m-20260101-110000-bbbb", {
      "live.json": JSON.stringify(live("m-20260101-110000-bbbb", { status: "sealed", endedAt: "2026-01-01T11:01:00.000Z" })),
    })
    expect(new MissionFinder(() => project).latestUnfinished()?.live.id).toBe("m-20260101-100000-aaaa")
  })
})
