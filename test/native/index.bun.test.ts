// OpenCode runs plugins in its embedded Bun; the same loader and addon must
// work there. The opencode binary (a devDependency) acts as `bun` when
// BUN_BE_BUN=1 is set.
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

function opencodeBinary(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("opencode-linux-x64/package.json")
    const bin = join(dirname(pkg), "bin", "opencode")
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

const bin = opencodeBinary()
const api = resolve(import.meta.dirname, "../../src/native/index.ts")

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("in Bun (OpenCode's runtime)", () => {
  it("loads the addon through src/native and answers sync, async and error calls", () => {
    expect(bin, "opencode-linux-x64 is a devDependency").toBeDefined()
    const dir = mkdtempSync(join(tmpdir(), "native-bun-"))
    try {
      writeFileSync(join(dir, "a.ts"), "export class A { m(): void {} }\nlet = ;\n")
      writeFileSync(
        join(dir, "check.ts"),
        `import { nativeStatus, outline, checkSyntax, repoMap } from ${JSON.stringify(api)};
const status = nativeStatus();
const o = await outline(${JSON.stringify(dir)}, ["a.ts"]);
const c = await checkSyntax(${JSON.stringify(dir)}, ["a.ts"]);
const m = await repoMap(${JSON.stringify(dir)}, { budgetTokens: 100, focus: [] });
const e = await checkSyntax(${JSON.stringify(dir)}, ["../x.ts"]).catch((err) => err.code);
console.log(JSON.stringify({ runtime: Bun.version, available: status.available, symbols: o.files[0].symbols.map((s) => s.name), ok: c.ok, line: c.files[0].errors[0].line, map: m.length > 0, e }));
`,
      )
      const out = execFileSync(bin ?? "missing", ["run", join(dir, "check.ts")], {
        env: { ...process.env, BUN_BE_BUN: "1" },
        encoding: "utf8",
        timeout: 60_000,
      })
      const result = JSON.parse(out.trim().split("\n").pop() ?? "{}")
      expect(result).toEqual({
        runtime: expect.stringMatching(/^1\./),
        available: true,
        symbols: ["A"],
        ok: false,
        line: 2,
        map: true,
        e: "E_OUTSIDE_ROOT",
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
