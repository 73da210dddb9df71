// The mission on screen: OpenCode's real TUI in tmux, the scripted model, the board in the sidebar.
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it, onTestFailed } from "vitest"
import { startModelServer } from "../support/model-server.js"
import { makeProject, PLUGIN_UNDER_TEST, REPO_ROOT } from "../support/opencode.js"
import { scriptedCoder } from "../support/scripted-coder.js"
import { startTui, type Tui } from "../support/tui.js"
import { FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, PLAN } from "./fixtures.js"

const TIMEOUT = 900_000
/** Where the frames of a failing run are kept (CI keeps the directory as an artifact). */
const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "tui")

/** Records every screen a test reads, and writes them out if the test fails. */
function frames(name: string, tui: Tui) {
  const taken: { at: number; label: string; screen: string }[] = []
  const start = Date.now()
  rmSync(join(ARTIFACTS, name), { recursive: true, force: true })
  onTestFailed(() => {
    const dir = join(ARTIFACTS, name)
    mkdirSync(dir, { recursive: true })
    // The TUI may be stopped by now: its last screen read is kept.
    taken.push({ at: Date.now() - start, label: "last screen", screen: tui.last() || safeCapture(tui) })
    for (const [i, f] of taken.entries())
      writeFileSync(join(dir, `${String(i).padStart(3, "0")}-${f.label.replace(/\W+/g, "-")}.txt`), `+${f.at} ms\n${f.screen}`)
  })
  return {
    take(label: string, screen = safeCapture(tui)): string {
      taken.push({ at: Date.now() - start, label, screen })
      return screen
    },
    all: () => taken,
  }
}

function safeCapture(tui: Tui): string {
  try {
    return tui.capture()
  } catch {
    return "(no screen)"
  }
}

/** The board's task lines on a screen: "T1 … running 1/3" → { T1: "running" }. */
function boardWords(screen: string): Record<string, string> {
  const words: Record<string, string> = {}
  for (const m of screen.matchAll(/\b(T\d+) .*?\b(pending|running|checking|reviewing|passed|failed|requeued)\s+\d+\/\d+/g)) words[m[1]!] = m[2]!
  return words
}

/** Types `/task <mission>` and submits it, checking the screen at each step (a loaded machine drops keys typed too early). */
async function typeTask(tui: Tui, mission: string): Promise<void> {
  await tui.waitFor((s) => /ctrl\+p|tab agents|commands/i.test(s), 60_000, "the prompt")
  const head = mission.slice(0, 24)
  for (let attempt = 0; attempt < 3; attempt++) {
    tui.send("/task", true)
    await tui.waitFor((s) => /\/task/.test(s), 10_000, "/task typed")
    await new Promise((r) => setTimeout(r, 800))
    // The space alone first: it closes the command list (a space typed with more text after it submits the bare command).
    tui.send(" ", true)
    await new Promise((r) => setTimeout(r, 500))
    tui.send(mission, true)
    const typed = await tui.waitFor((s) => s.includes(head), 10_000, "the mission typed").catch(() => undefined)
    if (typed) {
      await new Promise((r) => setTimeout(r, 500))
      tui.send("Enter")
      const started = await tui.waitFor((s) => /orchestrate|Mission\s*$/m.test(s), 60_000, "the mission started").catch(() => undefined)
      if (started) return
    }
    // Start over on an empty prompt.
    tui.send(Array.from({ length: 300 }, () => "BSpace"))
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`could not submit /task; last screen:\n${tui.last()}`)
}

describe("the mission board in OpenCode's TUI", () => {
  it(
    "shows tasks running and pending, then passed, then sealed with the report; a second mission's board is its own, and Esc twice cancels it",
    async () => {
      const coder = (delayMs: number) =>
        scriptedCoder({ delayMs, plan: () => PLAN, work: (order) => FILES_BY_TASK[order.taskId] ?? {}, review: (req) => honestPass(req.taskId) })
      const server = await startModelServer(coder(1_500))
      const project = makeProject({ git: true, files: MATH_PROJECT })
      const tui = startTui({ project, model: server, plugins: [PLUGIN_UNDER_TEST], tuiPlugins: [PLUGIN_UNDER_TEST] })
      const shots = frames("board", tui)
      await typeTask(tui, MISSION)

      // While it runs: the two independent tasks run, the dependent one waits.
      const early = shots.take(
        "running and pending",
        await tui.waitFor(
          (s) => {
            const w = boardWords(s)
            return w.T1 === "running" && w.T3 === "pending"
          },
          240_000,
          "T1 running while T3 is pending",
        ),
      )
      expect(early).toMatch(/^.*Mission\s*$/m)
      expect(early).toMatch(/running · round 1 · 0\/3 passed/)
      expect(early).toMatch(/workers \d\/\d/)
      mkdirSync(ARTIFACTS, { recursive: true })
      writeFileSync(join(ARTIFACTS, "board-running.ansi"), tui.captureAnsi())

      const passed = shots.take("passed", await tui.waitFor((s) => boardWords(s).T1 === "passed", 300_000, "T1 passed"))
      expect(boardWords(passed).T3).toMatch(/pending|running/)
      await tui.waitFor((s) => /sealed · round 2 · 3\/3 passed/.test(s), 360_000, "the mission sealed")
      // Well after the end, once toasts have faded: the final word, every task passed, and the report as the engine wrote it.
      await new Promise((r) => setTimeout(r, 8_000))
      const late = shots.take("late")
      expect(late).toMatch(/sealed · round 2 · 3\/3 passed/)
      expect(Object.values(boardWords(late))).toEqual(["passed", "passed", "passed"])
      // The report is drawn in the session (the TUI shows no tool output): its last sections are on screen.
      expect(late).toMatch(/Final review/)
      expect(late).toMatch(/- 8 child sessions, 2 rounds, [\d.]+ s wall time/)
      expect(late).toMatch(/Mission sealed — every task passed review/)
      writeFileSync(join(ARTIFACTS, "board-sealed.ansi"), tui.captureAnsi())

      // A child of the mission (Ctrl+X ↓; OpenCode draws no sidebar there): the board's line at the bottom, and a
      // child whose verdict was accepted does not read as interrupted.
      tui.send("C-x")
      tui.send("Down")
      const child = shots.take(
        "child",
        await tui.waitFor(
          (s) => /Subagent \(\d+ of \d+\)/.test(s) && /Mission sealed · round 2 · 3\/3 passed · .* T1 passed, T2 passed, T3 passed/.test(s),
          30_000,
          "a child session with the board's line",
        ),
      )
      expect(child).toMatch(/submit_(verdict|plan)/)
      expect(child).not.toMatch(/interrupted/)
      // The child view's own keys: "Parent up".
      tui.send("Up")
      await tui.waitFor((s) => /Final review/.test(s), 30_000, "the commander's session again")

      // The palette's "open the report": the whole report in a dialog.
      tui.send("C-p")
      await new Promise((r) => setTimeout(r, 800))
      tui.send("open the report", true)
      await new Promise((r) => setTimeout(r, 800))
      tui.send("Enter")
      const dialog = shots.take(
        "report dialog",
        await tui.waitFor((s) => /Mission m-\d{8}-\d{6}-\w{4}/.test(s) && /\| T3 \| Add dot\(\) \| passed \| 1 \|/.test(s), 30_000, "the report dialog"),
      )
      expect(dialog).toMatch(/\*\*Mission sealed\*\*/)
      tui.send("Escape")
      await tui.waitFor((s) => !/esc to close/.test(s), 10_000, "the dialog closed")

      // A terminal too narrow for the sidebar: OpenCode hides it, nothing breaks, and the board is back when there is room.
      tui.resize(70, 30)
      const narrow = shots.take(
        "narrow",
        await tui.waitFor((s) => /^\s*Mission sealed · round 2 · 3\/3 passed · .*…\s*$/m.test(s), 15_000, "the narrow layout with the board's line"),
      )
      expect(narrow).not.toMatch(/T1 Add add\(\)\s+passed/)
      tui.resize(200, 50)
      shots.take("wide again", await tui.waitFor((s) => /sealed · round 2 · 3\/3 passed/.test(s), 15_000, "the board after widening"))

      // A second mission, in a new session of the same project, with slow workers: the board is that session's own.
      server.setScript(coder(25_000))
      tui.send("/new", true)
      await new Promise((r) => setTimeout(r, 600))
      tui.send("Enter")
      const fresh = shots.take("new session", await tui.waitFor((s) => !/sealed · round 2/.test(s), 30_000, "a new session without the first board"))
      expect(fresh).not.toMatch(/\bT1 Add add\(\)/)
      await typeTask(tui, `${MISSION} (second)`)
      shots.take("second running", await tui.waitFor((s) => boardWords(s).T1 === "running", 240_000, "the second mission's T1 running"))
      tui.send("Escape")
      await new Promise((r) => setTimeout(r, 300))
      tui.send("Escape")
      // The board's header and its task lines: under load a frame can show the header before the lines are drawn again.
      const cancelled = shots.take(
        "cancelled",
        await tui.waitFor(
          (s) => /cancelled · round 1 · 0\/3 passed/.test(s) && Object.keys(boardWords(s)).length === 3,
          60_000,
          "the second mission cancelled",
        ),
      )
      expect(Object.values(boardWords(cancelled))).toEqual(["pending", "pending", "pending"])
    },
    TIMEOUT,
  )
})
