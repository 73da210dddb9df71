import { execFileSync } from "node:child_process"
import { chownSync, mkdirSync, rmSync, statSync, symlinkSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { privateCheckoutHome } from "../../src/workspace/checkout-home.js"
import { tempDir } from "../support/helpers.js"

describe("the checkout home", () => {
  it("is created private (0700), and a looser one of ours is made private", async () => {
    const home = path.join(tempDir("orch-home-"), "cache", "opencode-orchestrator")
    await privateCheckoutHome(home)
    expect(statSync(home).mode & 0o777).toBe(0o700)
    execFileSync("chmod", ["0755", home])
    await privateCheckoutHome(home)
    expect(statSync(home).mode & 0o777).toBe(0o700)
  })

  it("refuses a home that is a symlink, or that another user owns", async () => {
    const parent = tempDir("orch-home-")
    const elsewhere = tempDir("orch-elsewhere-")
    symlinkSync(elsewhere, path.join(parent, "linked"))
    await expect(privateCheckoutHome(path.join(parent, "linked"))).rejects.toThrow(/is a symbolic link; it must be a directory of your own/)
    const foreign = path.join(parent, "foreign")
    mkdirSync(foreign, { mode: 0o700 })
    chownSync(foreign, 65534, 65534)
    await expect(privateCheckoutHome(foreign)).rejects.toThrow(/is owned by another user \(uid 65534/)
    rmSync(foreign, { recursive: true, force: true })
  })
})
