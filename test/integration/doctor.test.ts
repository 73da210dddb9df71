import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, mkdirSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { checkSandbox, defaultContext } from "../../src/doctor.js"
import { REPO_ROOT } from "../support/opencode.js"
import { tempDir } from "../support/helpers.js"

describe("doctor on this machine", () => {
  it.skipIf(process.platform !== "linux" || spawnSync("bwrap", ["--version"]).error !== undefined)("really runs bwrap here", () => {
    expect(checkSandbox(defaultContext(tempDir()))).toMatchObject({ ok: true })
  })

  it("the command: exit 1 and the failing line on a bad checkout home, usage and exit 2 on a wrong command", () => {
    const cache = tempDir()
    mkdirSync(path.join(cache, "opencode-orchestrator"), { mode: 0o777 })
    chmodSync(path.join(cache, "opencode-orchestrator"), 0o777)
    const cli = (...args: string[]) =>
      spawnSync(path.join(REPO_ROOT, "node_modules/.bin/tsx"), [path.join(REPO_ROOT, "src/cli.ts"), ...args], {
        encoding: "utf8",
        env: { ...process.env, XDG_CACHE_HOME: cache, XDG_CONFIG_HOME: tempDir() },
      })
    const res = cli("doctor", "--dir", tempDir())
    expect(res.status, res.stderr).toBe(1)
    expect(res.stdout).toContain(`✗ checkout home: ${path.join(cache, "opencode-orchestrator")} has mode 0777`)
    expect(
      res.stdout
        .trim()
        .split("\n")
        .filter((l) => /^[✓✗] /.test(l)),
    ).toHaveLength(13)
    const usage = cli("doctr")
    expect(usage.status).toBe(2)
    expect(usage.stderr).toContain("usage: opencode-orchestrator doctor")
    expect(cli("--help").status).toBe(0)
    // It is the package's bin.
    expect(JSON.parse(execFileSync("node", ["-p", "JSON.stringify(require('./package.json').bin)"], { cwd: REPO_ROOT, encoding: "utf8" }))).toEqual({
      "opencode-orchestrator": "./dist/cli.js",
    })
  }, 60_000)
})
