import { afterEach, describe, expect, it, vi } from "vitest"
import { Aimd, type LimitChange, memoryProbe } from "../../src/mission/concurrency.js"
import { isProviderPushback } from "../../src/mission/provider-errors.js"

afterEach(() => vi.restoreAllMocks())

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("mission/concurrency.ts Aimd", () => {
  it("adds one per smooth round up to the max, and starts at the initial value capped by the max", () => {
    const changes: LimitChange[] = []
    const aimd = new Aimd(2, 4, (c) => changes.push(c))
    expect(aimd.limit).toBe(2)
    for (let i = 0; i < 5; i++) {
      aimd.startRound()
      aimd.endRound()
    }
    expect(aimd.limit).toBe(4)
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [2, 3],
      [3, 4],
    ])
    expect(changes[0]!.cause).toBe("a round without provider pushback")
    expect(new Aimd(9, 4).limit).toBe(4)
    expect(new Aimd(0, 4).limit).toBe(1)
  })

  it("halves on a rate limit or overload, once per epoch, never below 1; no increase after a troubled round", () => {
    const changes: LimitChange[] = []
    const aimd = new Aimd(8, 8, (c) => changes.push(c))
    aimd.startRound()
    const e0 = aimd.epoch
    aimd.turnEnded("APIError: 429 Too Many Requests", e0)
    expect(aimd.limit).toBe(4)
    // Other children launched under the old limit report the same pushback: already reacted to.
    aimd.turnEnded("Rate limit reached for requests", e0)
    aimd.turnEnded("overloaded_error: Overloaded", e0)
    expect(aimd.limit).toBe(4)
    aimd.turnEnded("429", aimd.epoch)
    expect(aimd.limit).toBe(2)
    aimd.turnEnded("too many requests", aimd.epoch)
    aimd.turnEnded("rate_limit_exceeded", aimd.epoch)
    expect(aimd.limit).toBe(1)
    aimd.turnEnded("some unrelated failure", aimd.epoch)
    aimd.turnEnded(undefined, aimd.epoch)
    aimd.endRound()
    expect(aimd.limit).toBe(1)
    expect(changes.map((c) => c.to)).toEqual([4, 2, 1])
    expect(changes[0]!.cause).toBe("provider pushback: APIError: 429 Too Many Requests")
    aimd.startRound()
    aimd.endRound()
    expect(aimd.limit).toBe(2)
  })

  it("halves once a round under memory pressure", () => {
    const changes: LimitChange[] = []
    const aimd = new Aimd(8, 8, (c) => changes.push(c))
    vi.spyOn(memoryProbe, "freeRatio").mockReturnValue(0.05)
    aimd.startRound()
    aimd.checkMemory()
    aimd.checkMemory()
    expect(aimd.limit).toBe(4)
    expect(changes[0]!.cause).toBe("memory pressure: 5.0 % free")
    aimd.endRound()
    expect(aimd.limit).toBe(4)
    aimd.startRound()
    expect(aimd.limit).toBe(2)
  })

  it("moves the limit of the limiters it made, at once", async () => {
    const aimd = new Aimd(4, 4)
    aimd.startRound()
    const limit = aimd.limiter()
    expect(limit.concurrency).toBe(4)
    aimd.turnEnded("429", aimd.epoch)
    expect(limit.concurrency).toBe(2)
    let inFlight = 0
    let most = 0
    await Promise.all(
      Array.from({ length: 6 }, () =>
        limit(async () => {
          most = Math.max(most, ++inFlight)
          await sleep(5)
          inFlight--
        }),
      ),
    )
    expect(most).toBe(2)
  })

  it("recognizes rate limits and overloads, not other errors", () => {
    for (const e of ["429", "APIError: 429 Too Many Requests", "Rate limit exceeded", "rate_limit_error", "Overloaded"]) {
      expect(isProviderPushback(e), e).toBe(true)
    }
    for (const e of [undefined, "", "ProviderAuthError: invalid api key", "no result within 1200 s", "aborted"]) {
      expect(isProviderPushback(e), String(e)).toBe(false)
    }
  })
})
