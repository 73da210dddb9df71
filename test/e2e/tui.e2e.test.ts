// The mission on screen: OpenCode's real TUI in tmux, the scripted model, the board in the sidebar.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFailed } from "vitest";
import { startModelServer } from "../support/model-server.js";
import { makeProject, PLUGIN_UNDER_TEST, REPO_ROOT } from "../support/opencode.js";
import { scriptedCoder } from "../support/scripted-coder.js";
import { startTui, type Tui } from "../support/tui.js";
import { FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, PLAN } from "./fixtures.js";

const TIMEOUT = 300_000;
/** Where the frames of a failing run are kept (CI keeps the directory as an artifact). */
const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "tui");

/** Records every screen a test reads, and writes them out if the test fails. */
function frames(name: string, tui: Tui) {
  const taken: { at: number; label: string; screen: string }[] = [];
  const start = Date.now();
  onTestFailed(() => {
    const dir = join(ARTIFACTS, name);
    mkdirSync(dir, { recursive: true });
    taken.push({ at: Date.now() - start, label: "at failure", screen: safeCapture(tui) });
    taken.forEach((f, i) => writeFileSync(join(dir, `${String(i).padStart(3, "0")}-${f.label.replace(/\W+/g, "-")}.txt`), `+${f.at} ms\n${f.screen}`));
  });
  return {
    take(label: string, screen = safeCapture(tui)): string {
      taken.push({ at: Date.now() - start, label, screen });
      return screen;
    },
    all: () => taken,
  };
}

function safeCapture(tui: Tui): string {
  try {
    return tui.capture();
  } catch {
    return "(no screen)";
  }
}

/** The board's task lines on a screen: "T1 … running 1/3" → { T1: "running" }. */
export function boardWords(screen: string): Record<string, string> {
  const words: Record<string, string> = {};
  for (const m of screen.matchAll(/\b(T\d+) .*?\b(pending|running|checking|reviewing|passed|failed|requeued)\s+\d+\/\d+/g)) words[m[1]!] = m[2]!;
  return words;
}

async function typeTask(tui: Tui, mission: string): Promise<void> {
  await tui.waitFor((s) => /ctrl\+p|tab agents|commands/i.test(s), 60_000, "the prompt");
  tui.send("/task", true);
  await new Promise((r) => setTimeout(r, 600));
  tui.send(" ", true);
  tui.send(mission, true);
  await new Promise((r) => setTimeout(r, 300));
  tui.send("Enter");
}

describe("the mission board in OpenCode's TUI", () => {
  it(
    "shows tasks running and pending, then passed, then sealed with the report",
    async () => {
      const server = await startModelServer(
        scriptedCoder({
          delayMs: 1_500,
          plan: () => PLAN,
          work: (order) => FILES_BY_TASK[order.taskId] ?? {},
          review: (req) => honestPass(req.taskId),
        }),
      );
      const project = makeProject({ git: true, files: MATH_PROJECT });
      const tui = startTui({ project, model: server, plugins: [PLUGIN_UNDER_TEST], tuiPlugins: [PLUGIN_UNDER_TEST] });
      const shots = frames("three-task-mission", tui);
      await typeTask(tui, MISSION);

      const early = shots.take(
        "running and pending",
        await tui.waitFor((s) => {
          const w = boardWords(s);
          return w.T1 === "running" && w.T3 === "pending";
        }, 120_000, "T1 running while T3 is pending"),
      );
      expect(early).toMatch(/Mission/);
      const passed = shots.take(
        "passed",
        await tui.waitFor((s) => boardWords(s).T1 === "passed", 120_000, "T1 passed"),
      );
      expect(boardWords(passed).T1).toBe("passed");
      await tui.waitFor((s) => /sealed · round 2 · 3\/3 passed/.test(s), 180_000, "the mission sealed");
      // Well after the end, once toasts have faded.
      await new Promise((r) => setTimeout(r, 6_000));
      const late = shots.take("late");
      expect(late).toMatch(/sealed · round 2 · 3\/3 passed/);
      expect(Object.values(boardWords(late))).toEqual(["passed", "passed", "passed"]);
      expect(late).toMatch(/Mission sealed/);
      writeFileSync(join(project.sandbox.root, "late.ansi"), tui.captureAnsi());
    },
    TIMEOUT,
  );
});
