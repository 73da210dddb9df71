import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it, vi } from "vitest"
import { listMissions, MissionStore, missionsRoot, writeAtomic } from "../../src/mission/store.js"
import { missionState, task, taskState, tempDir } from "../support/helpers.js"

// Every rename goes through to the real one unless a test sets the flag.
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

describe("mission/store.ts", () => {
  it("writeAtomic replaces the file and leaves no temp file behind", async () => {
    const dir = tempDir()
    const file = path.join(dir, "state.json")
    await writeAtomic(file, "one")
    await writeAtomic(file, "two")
    await Promise.all([writeAtomic(file, "three"), writeAtomic(path.join(dir, "other"), "x")])
    expect(readFileSync(file, "utf8")).toBe("three")
    expect(readdirSync(dir).sort()).toEqual(["other", "state.json"])
  })

  it("save writes state.json and TODO.md under .opencode/orchestrator/<id>", async () => {
    const dir = tempDir()
    const state = missionState({ directory: dir, tasks: [taskState(task("T1"), "passed"), taskState(task("T2"))] })
    const store = new MissionStore(dir, state.id)
    expect(store.dir).toBe(path.join(dir, ".opencode", "orchestrator", state.id))
    await store.save(state)
    expect(readdirSync(store.dir).sort()).toEqual(["TODO.md", "state.json"])
    expect(JSON.parse(readFileSync(path.join(store.dir, "state.json"), "utf8"))).toEqual(state)
    const todo = readFileSync(store.todoPath, "utf8")
    expect(todo).toContain("- [x] T1 · Task T1")
    expect(todo).toContain("- [ ] T2 · Task T2")
    expect(await store.load()).toEqual(state)
  })

  it("appends events as JSON lines", async () => {
    const dir = tempDir()
    const store = new MissionStore(dir, "m-1")
    await store.event("a", { n: 1 })
    await store.event("b")
    const lines = readFileSync(path.join(store.dir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.type, l.n])).toEqual([
      ["a", 1],
      ["b", undefined],
    ])
    expect(typeof lines[0].at).toBe("string")
  })

  it("appends several events in one write, each a JSON line", async () => {
    const dir = tempDir()
    const store = new MissionStore(dir, "m-1")
    await store.event("first")
    await store.events([
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ])
    await store.events([])
    const lines = readFileSync(path.join(store.dir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.type, l.n])).toEqual([
      ["first", undefined],
      ["a", 1],
      ["b", 2],
    ])
  })

  it("load rejects a corrupt state.json clearly and leaves it as it is", async () => {
    const dir = tempDir()
    const store = new MissionStore(dir, "m-1")
    await store.save(missionState({ id: "m-1" }))
    const file = path.join(store.dir, "state.json")
    writeFileSync(file, '{"version": 1, "id": ')
    await expect(store.load()).rejects.toThrow(/state\.json is not valid JSON .*left as it is/)
    expect(readFileSync(file, "utf8")).toBe('{"version": 1, "id": ')
  })

  it("load rejects an unknown state version, naming both versions, and leaves the file", async () => {
    const dir = tempDir()
    const store = new MissionStore(dir, "m-1")
    const future = JSON.stringify({ ...missionState({ id: "m-1" }), version: 2 })
    await store.save(missionState({ id: "m-1" }))
    writeFileSync(path.join(store.dir, "state.json"), future)
    await expect(store.load()).rejects.toThrow(/has state version 2; this plugin reads version 1/)
    expect(readFileSync(path.join(store.dir, "state.json"), "utf8")).toBe(future)
  })

  it("load rejects a state that does not match the schema", async () => {
    const dir = tempDir()
    const store = new MissionStore(dir, "m-1")
    await store.save(missionState({ id: "m-1" }))
    writeFileSync(path.join(store.dir, "state.json"), JSON.stringify({ version: 1, id: "m-1" }))
    await expect(store.load()).rejects.toThrow(/does not match the state schema/)
  })

  it("concurrent saves end with the last state on disk", async () => {
    const dir = tempDir()
    const store = new MissionStore(dir, "m-1")
    const saves = []
    for (let round = 1; round <= 20; round++) {
      saves.push(store.save(missionState({ id: "m-1", round, status: round === 20 ? "sealed" : "running" })))
    }
    await Promise.all(saves)
    expect((await store.load()).round).toBe(20)
    expect(readFileSync(store.todoPath, "utf8").split("\n")[0]).toBe("# Mission m-1 — sealed")
    expect(readdirSync(store.dir).filter((f) => f.endsWith(".tmp"))).toEqual([])
  })

  it("lists mission ids newest first, ignoring other entries", async () => {
    const dir = tempDir()
    expect(await listMissions(dir)).toEqual([])
    for (const id of ["m-20250101-000000-aaaa", "m-20250301-000000-bbbb", "m-20250201-000000-cccc"]) {
      await new MissionStore(dir, id).event("x")
    }
    writeFileSync(path.join(missionsRoot(dir), "m-file"), "")
    expect(await listMissions(dir)).toEqual(["m-20250301-000000-bbbb", "m-20250201-000000-cccc", "m-20250101-000000-aaaa"])
  })
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
