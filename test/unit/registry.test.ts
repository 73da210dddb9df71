import { afterEach, describe, expect, it } from "vitest"
import {
  cancelRunning,
  closeMission,
  closeServersOf,
  inMission,
  isRunning,
  joinChild,
  leaveChild,
  liveChildren,
  missionSession,
  openMission,
} from "../../src/mission/registry.js"
import { Handoffs } from "../../src/opencode/handoff.js"
import { missionState } from "../support/helpers.js"

function open(id: string, commanderSession = `ses_c_${id}`) {
  const log: string[] = []
  const state = missionState({ id, commanderSession, directory: `/projects/${id}` })
  const handoffs = new Handoffs()
  openMission(state, { handoffs, cancel: () => void log.push("cancel"), closeServers: async () => void log.push("servers") })
  return { state, handoffs, log }
}

describe("mission/registry.ts", () => {
  afterEach(() => {
    for (const id of ["m-a", "m-b"]) closeMission(id)
  })

  it("knows the directory of each mission session until it leaves", () => {
    open("m-a")
    joinChild("m-a", "ses_r", "/worktrees/T1-a1")
    expect(missionSession("ses_r")?.directory).toBe("/worktrees/T1-a1")
    expect(missionSession("ses_user")?.directory).toBeUndefined()
    leaveChild("m-a", "ses_r")
    expect(missionSession("ses_r")?.directory).toBeUndefined()
  })

  it("holds a mission's commander and children in flight, with its handoff slots, until it closes", () => {
    const a = open("m-a")
    const b = open("m-b")
    joinChild("m-a", "ses_w1", "/slots/slot-0")
    joinChild("m-b", "ses_w2", "/slots/slot-1")
    expect(missionSession("ses_c_m-a")).toMatchObject({ directory: "/projects/m-a", handoffs: a.handoffs })
    expect(missionSession("ses_w2")).toMatchObject({ directory: "/slots/slot-1", handoffs: b.handoffs })
    expect(liveChildren("m-a")).toEqual(["ses_w1"])
    expect(liveChildren("m-b")).toEqual(["ses_w2"])
    closeMission("m-a")
    expect([isRunning("m-a"), inMission("ses_c_m-a"), inMission("ses_w1"), inMission("ses_w2")]).toEqual([false, false, false, true])
    expect(liveChildren("m-a")).toEqual([])
  })

  it("cancels, and closes the servers of, the one mission named", async () => {
    const a = open("m-a")
    const b = open("m-b")
    expect(cancelRunning("m-b")).toBe(true)
    await closeServersOf("m-b")
    expect(a.log).toEqual([])
    expect(b.log).toEqual(["cancel", "servers"])
    expect(cancelRunning("m-unknown")).toBe(false)
  })
})
