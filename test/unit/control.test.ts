import { existsSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { cancelMission, missionStatus } from "../../src/mission/control.js"
import { CANCEL_REQUEST } from "../../src/mission/engine.js"
import type { MissionState } from "../../src/mission/state.js"
import { MissionStore } from "../../src/mission/store.js"
import { missionState, task, taskState, tempDir } from "../support/helpers.js"

const OLDER = "m-20250101-000000-aaaa"
const NEWER = "m-20250102-000000-bbbb"

/** Saves a mission of `dir` as it would be on disk, with a lock held by `lockPid` when given. */
async function saved(dir: string, id: string, over: Partial<MissionState> = {}, lockPid?: number): Promise<MissionStore> {
  const store = new MissionStore(dir, id)
  await store.save(missionState({ id, directory: dir, tasks: [taskState(task("T1"), "running")], ...over }))
  if (lockPid !== undefined) writeFileSync(path.join(store.dir, "lock"), JSON.stringify({ pid: lockPid, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }))
  return store
}

describe("mission/control.ts missionStatus (/task --status)", () => {
  it("says so in a project where no mission ran", async () => {
    expect(await missionStatus(tempDir())).toBe("No mission has run in this project yet. Start one with /task.")
  })

  it("shows the latest unfinished mission, not a newer finished one, and how to resume it when nothing runs it", async () => {
    const dir = tempDir()
    await saved(dir, OLDER)
    await saved(dir, NEWER, { status: "sealed", endedAt: "2025-01-02T00:10:00.000Z" })
    const status = await missionStatus(dir)
    expect(status.split("\n")[0]).toBe(`_Not running: it was interrupted. Continue it with \`/task --resume ${OLDER}\`._`)
    expect(status).toContain("**Mission running**")
    expect(status).toContain("| T1 |")
  })

  it("names the process that runs it, and adds nothing to a finished mission's report", async () => {
    const dir = tempDir()
    await saved(dir, OLDER, {}, process.ppid)
    expect((await missionStatus(dir, OLDER)).split("\n")[0]).toBe(`_Running now (pid ${process.ppid}, since 2026-01-01T00:00:00Z)._`)
    await saved(dir, NEWER, { status: "failed", endedAt: "2025-01-02T00:10:00.000Z" })
    expect((await missionStatus(dir, NEWER)).split("\n")[0]).toMatch(/^\*\*Mission failed\*\*/)
  })

  it("falls back to the newest mission when every mission ended", async () => {
    const dir = tempDir()
    await saved(dir, OLDER, { status: "sealed", endedAt: "2025-01-01T00:10:00.000Z" })
    await saved(dir, NEWER, { status: "cancelled", endedAt: "2025-01-02T00:10:00.000Z" })
    expect((await missionStatus(dir)).split("\n")[0]).toMatch(/^\*\*Mission cancelled\*\*/)
  })
})

describe("mission/control.ts cancelMission (/task --cancel)", () => {
  it("has nothing to cancel without an unfinished mission", async () => {
    const dir = tempDir()
    expect(await cancelMission(dir)).toBe("There is no unfinished mission in this project to cancel.")
    await saved(dir, OLDER, { status: "sealed", endedAt: "2025-01-01T00:10:00.000Z" })
    expect(await cancelMission(dir)).toBe("There is no unfinished mission in this project to cancel.")
  })

  it("leaves a mission that already ended as it is", async () => {
    const dir = tempDir()
    const store = await saved(dir, OLDER, { status: "sealed", endedAt: "2025-01-01T00:10:00.000Z" })
    expect(await cancelMission(dir, OLDER)).toBe(`Mission ${OLDER} already ended (sealed); nothing to cancel.`)
    expect((await store.load()).status).toBe("sealed")
  })

  it("asks a mission running in another process to cancel, through its cancel file, and changes nothing else", async () => {
    const dir = tempDir()
    const store = await saved(dir, OLDER, {}, process.ppid)
    expect(await cancelMission(dir)).toBe(
      `Mission ${OLDER} runs in another OpenCode process (pid ${process.ppid}); it was asked to cancel and will stop within seconds.`,
    )
    expect(existsSync(path.join(store.dir, CANCEL_REQUEST))).toBe(true)
    const state = await store.load()
    expect(state.status).toBe("running")
    expect(state.tasks[0]!.status).toBe("running")
  })
})
