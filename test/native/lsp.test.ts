// The LSP diagnostics export through the built addon: the real
// typescript-language-server, a fake server for the failure paths, the
// agent tool, and no child process left behind.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnostics, NativeError } from "../../src/native/index.js";
import { codeTools } from "../../src/tools/code-tools.js";
import { findBinary } from "../../src/native/language-servers.js";
import { toolContext } from "./fixture.js";

const repo = resolve(import.meta.dirname, "../..");
const tsls = join(repo, "node_modules/.bin/typescript-language-server");
const fake = join(repo, "crates/analysis/tests/fixtures/fake-lsp.cjs");

let root = "";
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "lsp-test-"));
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true } }));
  writeFileSync(join(root, "src/bad.ts"), 'export const ok = 1;\nconst n: number = "x";\nexport { n };\n');
  writeFileSync(join(root, "src/good.ts"), "export const s: string = 'é';\n");
  writeFileSync(join(root, "src/x.py"), "print(1)\n");
  // The project's own node_modules (typescript, typescript-language-server).
  symlinkSync(join(repo, "node_modules"), join(root, "node_modules"), "dir");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Live children of this process (zombies included: they were not reaped). */
function children(): string[] {
  const out = execFileSync("ps", ["--ppid", String(process.pid), "-o", "pid=,stat=,comm="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/\sps$/.test(l));
}

const context = toolContext;

describe("diagnostics (LSP)", () => {
  it("gets a type error from the real typescript-language-server", { timeout: 90_000 }, async () => {
    const report = await diagnostics(root, ["src/bad.ts", "src/good.ts"], {
      command: [tsls, "--stdio"],
      timeoutMs: 60_000,
    });
    expect(report.server).toMatchObject({ started: true });
    expect(report.server.error).toBeUndefined();
    expect(report.timedOut).toBe(false);
    const bad = report.files.find((f) => f.file === "src/bad.ts");
    expect(bad?.reported).toBe(true);
    const error = bad?.diagnostics.find((d) => d.severity === "error");
    expect(error).toMatchObject({ line: 2, column: 7, source: "typescript", code: "2322" });
    expect(error?.message).toContain("not assignable to type 'number'");
    const good = report.files.find((f) => f.file === "src/good.ts");
    expect(good?.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(children()).toEqual([]);
  });

  it("reports a server that does not exist, exits at once, or never answers", { timeout: 30_000 }, async () => {
    const missing = await diagnostics(root, ["src/bad.ts"], { command: ["/no/such/server"], timeoutMs: 2000 });
    expect(missing.server.started).toBe(false);
    expect(missing.server.error).toMatch(/cannot start "\/no\/such\/server"/);

    const exits = await diagnostics(root, ["src/bad.ts"], { command: ["node", fake, "exit"], timeoutMs: 10_000 });
    expect(exits.server.error).toMatch(/exited during initialize .*exit status: 3.*bad config/s);

    const started = Date.now();
    const silent = await diagnostics(root, ["src/bad.ts"], { command: ["node", fake, "silent"], timeoutMs: 800 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(silent.timedOut).toBe(true);
    expect(silent.server.error).toContain("did not answer initialize within 800 ms");

    const flood = await diagnostics(root, ["src/bad.ts"], {
      command: ["node", fake, "flood"],
      timeoutMs: 20_000,
      maxMessages: 1000,
    });
    expect(flood.server.error).toContain("more than 1000 messages");
    expect(children()).toEqual([]);
  });

  it("refuses paths outside the root", async () => {
    const error = await diagnostics(root, ["../etc/passwd"], { command: ["node"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NativeError);
    expect((error as NativeError).code).toBe("E_OUTSIDE_ROOT");
  });
});

describe("code_diagnostics tool", () => {
  it("finds typescript-language-server in node_modules/.bin", () => {
    expect(findBinary(root, "typescript-language-server")).toBe(join(root, "node_modules/.bin/typescript-language-server"));
    expect(findBinary("/nonexistent", "typescript-language-server", "")).toBeUndefined();
  });

  it("reports type errors and says which languages have no server", { timeout: 90_000 }, async () => {
    const tool = codeTools().code_diagnostics;
    if (!tool) throw new Error("code_diagnostics is not registered");
    const text = await tool.execute({ files: ["src/bad.ts", "src/x.py"] } as never, context(root));
    expect(text).toContain("src/bad.ts:2:7: error: Type 'string' is not assignable to type 'number'. [typescript 2322]");
    expect(text).toContain("src/x.py: no language server for python: set languageServers.python.command");
    expect(children()).toEqual([]);
  });
});
