// The type-check gate with a real language server (typescript-language-server), through the real opencode binary.
import { describe, expect, it } from "vitest";
import { startModelServer } from "../support/model-server.js";
import { makeProject } from "../support/opencode.js";
import { scriptedCoder } from "../support/scripted-coder.js";
import { debugDump, readMission, runTask, sessionsOf } from "./mission-helpers.js";

const AREA_WRONG = "export function area(r: number): number {\n  return `${Math.PI * r * r}`\n}\n";
const AREA_RIGHT = "export function area(r: number): number {\n  return Math.PI * r * r\n}\n";

describe("type-check gate in real OpenCode", () => {
  it(
    "a change whose type error the project's checks miss is sent back with the language server's error, and the retry lands",
    async () => {
      const plan = {
        summary: "Add area().",
        tasks: [
          {
            id: "T1",
            title: "Add area()",
            description: "Create src/area.ts exporting area(r: number): number, the area of a circle.",
            files: ["src/area.ts"],
            dependsOn: [],
            acceptance: ["area(r) returns a number"],
            verify: ["test -f src/area.ts"],
          },
        ],
        verify: ["test -f src/area.ts"],
      };
      const server = await startModelServer(
        scriptedCoder({
          plan: () => plan,
          work: (order) => ({ "src/area.ts": order.attempt === 1 ? AREA_WRONG : AREA_RIGHT }),
          review: () => ({ verdict: "pass", summary: "ok", issues: [], evidence: [{ command: "test -f src/area.ts", exitCode: 0 }] }),
        }),
      );
      const project = makeProject({
        git: true,
        files: { "package.json": '{ "name": "geo", "type": "module" }\n', "src/index.ts": "export const name = 'geo'\n" },
      });
      const res = await runTask(project, server, "Add area().");
      debugDump(server, res);
      const { state } = readMission(project);
      expect(state.status, `${state.reason} ${state.notes.join("; ")}`).toBe("sealed");
      expect(state.tasks[0]!.attempts.map((a) => a.outcome)).toEqual(["type_failed", "passed"]);
      const retry = sessionsOf(server, "worker")[1]!.firstUserText;
      expect(retry).toContain("The change introduces type errors");
      expect(retry).toMatch(/src\/area\.ts:2:\d+: Type 'string' is not assignable to type 'number'\. \(2322\)/);
      expect(sessionsOf(server, "reviewer").filter((r) => r.firstUserText.includes("# T1 · "))).toHaveLength(1);
      expect(project.read("src/area.ts")).toBe(AREA_RIGHT);
    },
    240_000,
  );
});
