import { existsSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { Options } from "../../src/config.js"
import type { Mission } from "../../src/mission/context.js"
import type { CodeAnalysis } from "../../src/mission/ports.js"
import { prewarmTypeGate, runGates } from "../../src/mission/gates.js"
import type { SyntaxReport } from "../../src/native/types.js"
import { registerCheckout } from "../../src/workspace/checkout-registry.js"
import { noAnalysis } from "../support/fake-sdk.js"
import { missionState, tempDir, writeFiles } from "../support/helpers.js"

function mission(directory: string, verifyTimeoutSec = 30, analysis: CodeAnalysis = noAnalysis): Mission {
  // The project is the checkout, as when tasks run in place.
  const scratch = tempDir("orch-scratch-")
  const refused: { command: string; reason: string }[] = []
  registerCheckout({ root: directory, writable: true, home: `${scratch}/home`, tmp: `${scratch}/tmp`, readOnly: [], network: true, refused, env: {} })
  return {
    deps: { options: Options.parse({ verifyTimeoutSec }), analysis },
    state: missionState({ directory, refused }),
    workspace: { mode: "in-place" },
    signal: new AbortController().signal,
    checks: new Map(),
    store: { event: async () => undefined },
  } as unknown as Mission
}

describe("mission/gates.ts runGates", () => {
  it("fails with no_change when no file changed, without running verify", async () => {
    const dir = tempDir()
    const result = await runGates(mission(dir), dir, [], ["touch ran.txt"], "tree")
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.outcome).toBe("no_change")
    expect(result.feedback).toMatch(/No file changed/)
    expect(result.evidence).toEqual([])
    expect(existsSync(`${dir}/ran.txt`)).toBe(false)
  })

  it("passes when every verify command exits 0, run in the project directory", async () => {
    const dir = tempDir()
    writeFiles(dir, { "a.txt": "hello\n" })
    const result = await runGates(mission(dir), dir, ["a.txt"], ["test -f a.txt", "grep -q hello a.txt"], "tree")
    expect(result).toEqual({
      ok: true,
      evidence: [
        { command: "test -f a.txt", exitCode: 0, output: "" },
        { command: "grep -q hello a.txt", exitCode: 0, output: "" },
      ],
    })
  })

  it("passes with no verify commands once something changed", async () => {
    expect(await runGates(mission(tempDir()), tempDir(), ["a.txt"], [], "tree")).toEqual({ ok: true, evidence: [] })
  })

  it("stops at the first failing verify command and returns its output", async () => {
    const dir = tempDir()
    const result = await runGates(mission(dir), dir, ["a.txt"], ["true", "echo 'expected 3, got 4'; exit 1", "touch later.txt"], "tree")
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.outcome).toBe("verify_failed")
    expect(result.feedback).toContain("`echo 'expected 3, got 4'; exit 1` exited 1")
    expect(result.feedback).toContain("    expected 3, got 4")
    expect(result.evidence.map((e) => e.exitCode)).toEqual([0, 1])
    expect(existsSync(`${dir}/later.txt`)).toBe(false)
  })

  it("fails a verify command that outlives verifyTimeoutSec", async () => {
    const started = Date.now()
    const result = await runGates(mission(tempDir(), 1), tempDir(), ["a.txt"], ["sleep 20"], "tree")
    expect(Date.now() - started).toBeLessThan(5000)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.outcome).toBe("verify_failed")
    expect(result.feedback).toContain("timed out after 1 s")
    expect(result.evidence[0]?.exitCode).not.toBe(0)
  })

  it("fails with syntax_failed when a changed file does not parse, before any verify command", async () => {
    const dir = tempDir()
    const asked: string[][] = []
    const report: SyntaxReport = {
      ok: false,
      skipped: [],
      files: [
        { file: "a.ts", language: "typescript", ok: true, errors: [], truncated: false },
        {
          file: "b.ts",
          language: "typescript",
          ok: false,
          truncated: false,
          errors: [{ line: 3, column: 7, kind: "error", message: "unexpected token", context: "let x = ;" }],
        },
      ],
    } as SyntaxReport
    const analysis: CodeAnalysis = {
      status: () => ({ available: true }),
      checkSyntax: async (root, files) => {
        asked.push([root, ...files])
        return report
      },
      repoMap: async () => "",
      typeErrors: async () => ({ errors: [], skipped: [] }),
    }
    const result = await runGates(mission(dir, 30, analysis), dir, ["a.ts", "b.ts"], ["touch ran.txt"], "tree")
    expect(asked).toEqual([[dir, "a.ts", "b.ts"]])
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.outcome).toBe("syntax_failed")
    expect(result.feedback).toContain("b.ts:3:7: unexpected token")
    expect(result.feedback).toContain("let x = ;")
    expect(result.feedback).not.toContain("a.ts")
    expect(existsSync(`${dir}/ran.txt`)).toBe(false)
  })

  it("skips the syntax gate without the native addon and notes it once", async () => {
    const m = mission(tempDir())
    await runGates(m, m.state.directory, ["a.ts"], [], "tree")
    await runGates(m, m.state.directory, ["b.ts"], [], "tree")
    expect(m.state.notes).toEqual(["syntax gate skipped: no native addon in unit tests"])
  })
})

describe("mission/gates.ts type-check gate", () => {
  it("notes for the report which language server checked the change and where it was found, once", async () => {
    const root = tempDir()
    const base = path.join(root, "integration")
    const task = path.join(root, "T1")
    writeFiles(base, { "a.ts": "" })
    writeFiles(task, { "a.ts": "export const a = 1\n" })
    const used = "typescript-language-server (from the plugin's own dependencies: /cache/node_modules/.bin/typescript-language-server)"
    const analysis: CodeAnalysis = {
      ...noAnalysis,
      status: () => ({ available: true }),
      checkSyntax: async () => ({ ok: true, files: [], skipped: [] }) as unknown as SyntaxReport,
      typeErrors: async () => ({ errors: [], skipped: [], servers: [used] }),
    }
    const m = {
      deps: { options: Options.parse({}), analysis },
      state: missionState({ directory: base }),
      workspace: { mode: "worktree", integrationDir: base },
      signal: new AbortController().signal,
    } as unknown as Mission
    expect((await runGates(m, task, ["a.ts"], [], "tree")).ok).toBe(true)
    await runGates(m, task, ["a.ts"], [], "tree")
    expect(m.state.notes).toEqual([`type-check gate: ${used}`])
  })
})

describe("mission/gates.ts prewarmTypeGate", () => {
  /** A mission in worktrees whose analysis records the type checks asked for. */
  function inWorktrees(base: string, typeCheck = true) {
    const calls: { root: string; files: string[]; serverRoot?: string }[] = []
    const analysis: CodeAnalysis = {
      ...noAnalysis,
      status: () => ({ available: true }),
      typeErrors: async (root, files, _timeoutMs, serverRoot) => {
        calls.push({ root, files, ...(serverRoot ? { serverRoot } : {}) })
        return { errors: [], skipped: [] }
      },
    }
    const m = {
      deps: { options: Options.parse({ typeCheck: { enabled: typeCheck } }), analysis },
      state: missionState({ directory: base }),
      workspace: { mode: "worktree", integrationDir: base },
      signal: new AbortController().signal,
    } as unknown as Mission
    return { m, calls }
  }

  it("checks the planned files that exist in the integration checkout, and a file of the same kind beside each new one", () => {
    const root = tempDir()
    const base = path.join(root, "integration")
    const task = path.join(root, "T1")
    writeFiles(base, { "src/old.ts": "", "src/b.ts": "", "src/a.ts": "", "src/z.js": "", "top.py": "" })
    writeFiles(task, { "README.md": "" })
    const { m, calls } = inWorktrees(base)
    prewarmTypeGate(m, task, ["src/old.ts", "src/new.ts", "src/deep/er/new.py", "docs/none.rs", "LICENSE"])
    expect(calls).toHaveLength(1)
    const [call] = calls
    expect(call?.root).toBe(task)
    expect(call?.serverRoot).toBe(root)
    // Named from the task's checkout, pointing into the integration checkout.
    expect(call?.files.map((f) => path.relative(base, path.resolve(task, f)))).toEqual(["src/old.ts", "src/a.ts", "top.py"])
  })

  it("does nothing when the type gate is off, nothing matches, or tasks run in place", () => {
    const base = tempDir()
    writeFiles(base, { "src/a.ts": "" })
    const off = inWorktrees(base, false)
    prewarmTypeGate(off.m, tempDir(), ["src/a.ts"])
    expect(off.calls).toEqual([])
    const none = inWorktrees(base)
    prewarmTypeGate(none.m, tempDir(), ["docs/x.md", "Makefile"])
    expect(none.calls).toEqual([])
    const inPlace = inWorktrees(base)
    ;(inPlace.m.workspace as { mode: string }).mode = "in-place"
    prewarmTypeGate(inPlace.m, base, ["src/a.ts"])
    expect(inPlace.calls).toEqual([])
    expect(inPlace.m.state.notes).toEqual([])
  })
})
