import { describe, expect, it } from "vitest"
import { buildBrief, CONTEXT_HEADING, tokenizer } from "../../src/mission/brief.js"
import { type CoreMemory, remember } from "../../src/mission/memory.js"
import { task, taskState } from "../support/helpers.js"

const tok = await tokenizer()

/** A deterministic pseudo-random generator, so a failing case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
}

const words = (random: () => number, n: number) =>
  Array.from({ length: n }, () => ["parser", "src/a.ts", "T3", "fails", "because", "ünïcode", "🙂", "the", "tests", "{", "}"][Math.floor(random() * 11)]).join(
    " ",
  )

describe("mission/brief.ts buildBrief", () => {
  it("never exceeds its budget, counted with the tokenizer, and always holds every pinned entry", () => {
    const random = rng(7)
    const tasks = ["T1", "T2", "T3", "T4"].map((id, i) => taskState(task(id, { files: [`src/${id}.ts`], dependsOn: i ? [`T${i}`] : [] })))
    for (let trial = 0; trial < 60; trial++) {
      const memory: CoreMemory = { entries: [] }
      remember(memory, 0, { id: "mission", kind: "mission", text: words(random, 10 + Math.floor(random() * 3000)) })
      remember(memory, 0, { id: "plan", kind: "plan", text: words(random, 5 + Math.floor(random() * 80)) })
      const decisions = Math.floor(random() * 4)
      for (let d = 0; d < decisions; d++) remember(memory, 0, { id: `decision:${d}`, kind: "decision", text: words(random, 3 + Math.floor(random() * 60)) })
      for (let e = 0; e < 40; e++) {
        const owner = tasks[Math.floor(random() * 4)]!.spec
        remember(memory, 1 + Math.floor(random() * 6), {
          id: `finding:${owner.id}:${e}`,
          kind: random() < 0.5 ? "finding" : "outcome",
          task: owner.id,
          files: owner.files,
          text: words(random, 5 + Math.floor(random() * 200)),
        })
      }
      const budget = [300, 800, 2000, 5000][trial % 4]!
      const brief = buildBrief(memory, tasks[2]!, tasks, 7, budget, tok)
      expect(tok.count(brief)).toBeLessThanOrEqual(budget)
      expect(brief.startsWith(CONTEXT_HEADING)).toBe(true)
      expect(brief).toContain("- Mission: ")
      expect(brief).toContain("- Plan: ")
      expect(brief.split("\n").filter((l) => l.startsWith("- Decision: "))).toHaveLength(decisions)
    }
  })

  it("keeps a short mission whole and cuts one that alone exceeds the budget, saying so", () => {
    const t = taskState(task("T1"))
    const memory: CoreMemory = { entries: [] }
    remember(memory, 0, { id: "mission", kind: "mission", text: "Add a --verbose flag." })
    expect(buildBrief(memory, t, [t], 1, 2000, tok)).toContain("- Mission: Add a --verbose flag.\n".trimEnd())
    const long = `START ${"lorem ipsum dolor sit amet ".repeat(2000)}END`
    remember(memory, 0, { id: "mission", kind: "mission", text: long })
    const brief = buildBrief(memory, t, [t], 1, 2000, tok)
    expect(tok.count(brief)).toBeLessThanOrEqual(2000)
    expect(tok.count(brief)).toBeGreaterThan(1000)
    expect(brief).toContain("- Mission: START lorem ipsum")
    expect(brief).not.toContain("END")
    expect(brief).toContain("the mission text is cut here to fit the brief's budget")
  })

  it("picks by weight × relevance: the fresh, related entry beats the stale or unrelated one; skips excluded ids", () => {
    const a = taskState(task("A", { files: ["a.ts"] }))
    const b = taskState(task("B", { files: ["b.ts"], dependsOn: ["A"] }))
    const z = taskState(task("Z", { files: ["z.ts"] }))
    const tasks = [a, b, z]
    const memory: CoreMemory = { entries: [] }
    remember(memory, 1, { id: "stale", kind: "finding", task: "A", files: ["a.ts"], text: `STALE ${"x ".repeat(60)}` })
    remember(memory, 6, { id: "fresh", kind: "finding", task: "A", files: ["a.ts"], text: `FRESH ${"x ".repeat(60)}` })
    remember(memory, 6, { id: "unrelated", kind: "finding", task: "Z", files: ["z.ts"], text: `UNRELATED ${"x ".repeat(60)}` })
    remember(memory, 6, { id: "mine", kind: "lesson", task: "B", files: ["b.ts"], text: `MINE ${"x ".repeat(60)}` })
    // Room for the heading and two entries.
    const tight = buildBrief(memory, b, tasks, 6, 200, tok)
    expect(tight).toContain("MINE")
    expect(tight).toContain("FRESH")
    expect(tight).not.toContain("STALE")
    expect(tight).not.toContain("UNRELATED")
    const roomy = buildBrief(memory, b, tasks, 6, 2000, tok, new Set(["mine"]))
    expect(roomy).not.toContain("MINE")
    expect(roomy.indexOf("FRESH")).toBeLessThan(roomy.indexOf("UNRELATED"))
    expect(buildBrief(memory, b, tasks, 6, 0, tok)).toBe("")
    expect(buildBrief(undefined, b, tasks, 6, 2000, tok)).toBe("")
  })
})
