import { readdirSync, readFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it, vi } from "vitest"
import { MissionStore } from "../../src/mission/store.js"
import { missionState, tempDir } from "../support/helpers.js"

const crash = vi.hoisted(() => ({ beforeRename: false }))

vi.mock("node:fs/promises", async (original) => {
  const fs = await original<typeof import("node:fs/promises")>()
  return {
    ...fs,
    rename: async (from: string, to: string) => {
      if (crash.beforeRename) throw new Error("simulated crash between the temp write and the rename")
      return fs.rename(from, to)
    },
  }
})

describe("mission/store.ts under an injected crash", () => {
  it("a crash between the temp write and the rename leaves the previous state.json intact and loadable", async () => {
    const dir = tempDir()
    const store = new MissionStore(dir, "m-1")
    const before = missionState({ id: "m-1", directory: dir, round: 1 })
    await store.save(before)
    const onDisk = readFileSync(path.join(store.dir, "state.json"), "utf8")

    crash.beforeRename = true
    await expect(store.save({ ...before, round: 2, status: "sealed" })).rejects.toThrow("simulated crash")
    crash.beforeRename = false

    expect(readFileSync(path.join(store.dir, "state.json"), "utf8")).toBe(onDisk)
    expect((await store.load()).round).toBe(1)
    // The next save still works and replaces it.
    await store.save({ ...before, round: 3 })
    expect((await store.load()).round).toBe(3)
    expect(readdirSync(store.dir).filter((f) => f.startsWith("state.json") && f !== "state.json").length).toBeLessThanOrEqual(1)
  })
})
