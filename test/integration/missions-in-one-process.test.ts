import path from "node:path"
import { describe, expect, it } from "vitest"
import type { CodeAnalysis } from "../../src/mission/ports.js"
import { isWithin } from "../../src/paths.js"
import { PASS, planner, runScripted } from "../support/fake-sdk.js"
import { gitRepo, plan, task } from "../support/helpers.js"

/** Language servers as roots that are open; `closeServers(under)` closes those at or below `under`, like the warm servers. */
function serverAnalysis(): CodeAnalysis & { open: Set<string> } {
  const open = new Set<string>()
  return {
    open,
    status: () => ({ available: true }),
    checkSyntax: async () => ({ ok: true, files: [], skipped: [] }),
    repoMap: async () => "",
    typeErrors: async (root, _files, _timeoutMs, serverRoot) => {
      open.add(serverRoot ?? root)
      return { errors: [], skipped: [] }
    },
    closeServers: async (under) => {
      for (const root of open) if (isWithin(root, under)) open.delete(root)
    },
  }
}

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/** Checkouts (and their language servers) that go with each mission. */
const NOT_KEPT = { checkout: { dependencies: [], timeoutSec: 600, keep: false, idleDays: 14, diskBudgetGB: 20 } }

describe("two missions in one process (fake SDK, real git)", () => {
  it("the end of one closes its own language servers, not the other's", { timeout: 60_000 }, async () => {
    const analysis = serverAnalysis()
    const bAtReview = deferred()
    let aEnded = false
    let bServerAfterA: boolean | undefined
    const a = runScripted(
      gitRepo(),
      {
        planner: planner(plan([task("T1")])),
        // A works only once B's type gate has started B's server.
        worker: async (t) => {
          await bAtReview.promise
          t.write("a.txt", "a\n")
        },
      },
      NOT_KEPT,
      undefined,
      "Mission A.",
      analysis,
    ).finally(() => (aEnded = true))
    const b = runScripted(
      gitRepo(),
      {
        planner: planner(plan([task("T1")])),
        reviewer: async (t) => {
          if (bServerAfterA === undefined) {
            bAtReview.resolve()
            await a
            // B's gate checked its task in a server rooted above the task's checkout; A's end left it open.
            bServerAfterA = [...analysis.open].some((root) => isWithin(t.directory, root))
          }
          t.submitVerdict(PASS)
        },
      },
      NOT_KEPT,
      undefined,
      "Mission B.",
      analysis,
    )
    const [ra, rb] = await Promise.all([a, b])
    expect(aEnded).toBe(true)
    expect([ra.state.status, rb.state.status]).toEqual(["sealed", "sealed"])
    expect(bServerAfterA).toBe(true)
    // B's own end closed its servers too.
    expect([...analysis.open]).toEqual([])
  })

  it("a mission whose checkouts are kept leaves their language servers to the next one (they close when idle)", { timeout: 60_000 }, async () => {
    const analysis = serverAnalysis()
    const run = await runScripted(gitRepo(), { planner: planner(plan([task("T1")])) }, {}, undefined, "Mission C.", analysis)
    expect(run.state.status).toBe("sealed")
    expect([...analysis.open].some((root) => root.includes(`${path.sep}pool`))).toBe(true)
  })
})
