// The engine on a machine without a sandbox (sandboxAvailable mocked for the whole file): missions run unconfined
// and say so, or refuse to start when the config requires one.
import { existsSync } from "node:fs"
import path from "node:path"
import { describe, expect, it, vi } from "vitest"
import { planner, runScripted } from "../support/fake-sdk.js"
import { gitRepo, plan, task } from "../support/helpers.js"

vi.mock("../../src/workspace/sandbox.js", async (original) => ({
  ...(await original<typeof import("../../src/workspace/sandbox.js")>()),
  sandboxAvailable: () => ({ ok: false, reason: "bwrap (bubblewrap) is not installed: apt-get install bubblewrap" }),
}))

describe("without a sandbox", () => {
  it("runs the mission unconfined and says so once in the report", async () => {
    const dir = gitRepo({ "a.txt": "a\n" })
    const run = await runScripted(dir, { planner: planner(plan([task("T1")])) })
    expect(run.state.status).toBe("sealed")
    expect(
      run.report.match(/sandbox off: bwrap \(bubblewrap\) is not installed: apt-get install bubblewrap; model-written commands ran unconfined/g),
    ).toHaveLength(1)
  })

  it("refuses to start, writing nothing, when sandbox.required is set", async () => {
    const dir = gitRepo({ "a.txt": "a\n" })
    await expect(runScripted(dir, { planner: planner(plan([task("T1")])) }, { sandbox: { required: true, network: true } })).rejects.toThrow(
      /No mission was started: the configuration requires a sandbox \(sandbox.required\) and this machine has none — bwrap \(bubblewrap\) is not installed/,
    )
    expect(existsSync(path.join(dir, ".opencode/orchestrator"))).toBe(false)
  })
})
