// `/task` end to end through the real opencode binary and the built plugin.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type LogEntry, overlapped, startModelServer } from "../support/model-server.js";
import { makeProject, PLUGIN_UNDER_TEST, runOpencode, type Project } from "../support/opencode.js";
import { scriptedCoder } from "../support/scripted-coder.js";
import { ADD, ADD_BUGGY, FILES_BY_TASK, honestPass, MATH_PROJECT, MISSION, MUL, MUL_BUGGY, PLAN, T1, T2 } from "./fixtures.js";

const TIMEOUT = 240_000;

function missionDir(project: Project): string {
  const root = join(project.dir, ".opencode/orchestrator");
  const ids = project.git("ls-files", "--others", "--ignored", "--exclude-standard", "--directory", ".opencode/orchestrator");
  void ids;
  const entries = readFileSync(join(root, ".."), { encoding: "utf8", flag: "r" });
  void entries;
  return root;
}
void missionDir;

async function runTask(project: Project, server: Parameters<typeof runOpencode>[0]["model"], mission: string) {
  return runOpencode({
    project,
    model: server,
    plugins: [PLUGIN_UNDER_TEST],
    args: ["run", "--command", "task", "--format", "json", "--print-logs"],
    stdin: mission,
    timeoutMs: 200_000,
  });
}

const role = (e: LogEntry) =>
  e.tools.includes("orchestrate") ? "commander" : e.tools.includes("submit_plan") ? "planner" : e.tools.includes("submit_verdict") ? "reviewer" : "worker";

describe("/task in real OpenCode", () => {
  it(
    "plans, runs two independent tasks in parallel and a dependent one after, reviews, verifies and seals",
    async () => {
      const server = await startModelServer(
        scriptedCoder({
          delayMs: 400,
          plan: () => PLAN,
          work: (order) => FILES_BY_TASK[order.taskId] ?? {},
          review: (req) => honestPass(req.taskId),
        }),
      );
      const project = makeProject({ git: true, files: MATH_PROJECT });
      project.write("README.md", "# mathlib\n\nTiny maths helpers. (user's uncommitted edit)\n");
      project.write("notes.txt", "the user's untracked notes\n");

      const res = await runTask(project, server, MISSION);
      const stderrTail = res.stderr.slice(-3000);
      if (process.env.E2E_DEBUG) {
        console.log(server.log.map((e) => `${e.seq} ${role(e)} ${e.sessionId} ${e.reply} ${e.tools.join(",")}`).join("\n"));
        console.log(res.events.map((e) => JSON.stringify(e).slice(0, 400)).join("\n"));
        console.log(res.stderr.split("\n").filter((l) => /orchestrator|ERROR|plugin/i.test(l)).slice(-40).join("\n"));
      }
      expect(res.code, stderrTail).toBe(0);

      // Real effects: the files exist and the project's tests pass.
      for (const rel of ["src/add.js", "src/mul.js", "src/dot.js", "test/dot.test.js"]) expect(project.exists(rel), rel).toBe(true);
      // The user's uncommitted and untracked edits outside the tasks are untouched.
      expect(project.read("README.md")).toBe("# mathlib\n\nTiny maths helpers. (user's uncommitted edit)\n");
      expect(project.read("notes.txt")).toBe("the user's untracked notes\n");

      // The two independent workers overlapped in time; the dependent one started after both ended.
      const workers = server.work().filter((e) => role(e) === "worker" && e.tools.length > 0);
      const firstOf = (id: string) => workers.filter((w) => w.firstUserText.startsWith(`# ${id} · `));
      const [w1] = firstOf("T1");
      const [w2] = firstOf("T2");
      const [w3] = firstOf("T3");
      expect(w1 && w2 && w3).toBeTruthy();
      expect(overlapped(w1!, w2!)).toBe(true);
      expect(w3!.startedAt).toBeGreaterThanOrEqual(Math.max(...[...firstOf("T1"), ...firstOf("T2")].map((w) => w.endedAt)));

      // The worker got the planner's work order verbatim.
      expect(w1!.firstUserText).toContain(T1.description);
      expect(w1!.firstUserText).toContain(T1.verify[0]);

      // State, TODO.md and the report.
      const [missionId] = project.git("ls-files", "--others", "--exclude-standard", "--directory", ".opencode").length
        ? [""]
        : [""];
      void missionId;
      const root = join(project.dir, ".opencode/orchestrator");
      const { readdirSync } = await import("node:fs");
      const [id] = readdirSync(root);
      const state = JSON.parse(readFileSync(join(root, id!, "state.json"), "utf8"));
      expect(state.status).toBe("sealed");
      expect(state.tasks.map((t: { status: string }) => t.status)).toEqual(["passed", "passed", "passed"]);
      const todo = readFileSync(join(root, id!, "TODO.md"), "utf8");
      expect(todo).toMatch(/- \[x\] T1 · Add add\(\)/);
      expect(todo).toMatch(/- \[x\] T2 · Add mul\(\)/);
      expect(todo).toMatch(/- \[x\] T3 · Add dot\(\)/);
      const report = server.work().filter((e) => role(e) === "commander").at(-1)!;
      void report;
      const finalText = res.events.filter((e) => e.type === "text").map((e) => e.part?.text ?? "").join("\n");
      expect(finalText).toMatch(/^\*\*Mission sealed\*\*/m);
      expect(finalText).toContain("| T3 | Add dot() | passed | 1 |");
      expect(finalText).toContain("`node --test` | 0");
    },
    TIMEOUT,
  );
});
void ADD; void ADD_BUGGY; void MUL; void MUL_BUGGY; void T2;
