import { existsSync, mkdirSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { runInCheckout } from "../../src/mission/checks.js"
import { registerCheckout, unregisterCheckout } from "../../src/workspace/checkout-registry.js"
import { sandboxAvailable } from "../../src/workspace/sandbox.js"
import { tempDir } from "../support/helpers.js"

describe("commands in checkouts", () => {
  it.skipIf(!sandboxAvailable().ok)("each command has a temp dir of its own: names made from PIDs (the same in every sandbox) do not collide", async () => {
    const mission = tempDir("orch-mission-")
    const roots = ["slot-0", "slot-1"].map((slot) => {
      const root = path.join(mission, slot)
      mkdirSync(root)
      registerCheckout({
        root,
        writable: true,
        home: path.join(mission, "home"),
        tmp: path.join(mission, "tmp"),
        readOnly: [],
        network: true,
        refused: [],
        env: {},
      })
      return root
    })
    try {
      // What tsx does with its IPC pipe: an entry named after the process, created exclusively and left behind.
      const claim = 'mkdir "$TMPDIR/ipc-$$" && echo "$TMPDIR"'
      const runs = await Promise.all([...roots, ...roots].map((root) => runInCheckout(claim, root, { timeoutMs: 30_000 })))
      expect(
        runs.map((r) => r.exitCode),
        runs.map((r) => r.output).join("\n"),
      ).toEqual([0, 0, 0, 0])
      expect(new Set(runs.map((r) => r.output.trim())).size).toBe(4)
      for (const r of runs) expect(existsSync(r.output.trim())).toBe(false)
    } finally {
      for (const root of roots) unregisterCheckout(root)
    }
  })
})
