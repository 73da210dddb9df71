import { freemem, totalmem } from "node:os"
import pLimit, { type LimitFunction } from "p-limit"
import { isProviderPushback } from "./provider-errors.js"

/** Free memory as a fraction of the total; a seam for tests. */
export const memoryProbe = { freeRatio: (): number => freemem() / totalmem() }
/** Below this fraction of free memory, fewer children run at once. */
export const MEMORY_PRESSURE = 0.1

export type LimitChange = { from: number; to: number; cause: string }

/**
 * Additive-increase, multiplicative-decrease concurrency for a mission's
 * children: +1 after a round without provider pushback or memory pressure (up
 * to `max`), halved (never below 1) when a child's turn ends in a rate limit
 * or overload, or when free memory is low. Pushback from turns that started
 * before the last decrease counts once: they were launched under the old limit.
 * The limit applies at once to every limiter it made (p-limit's adjustable
 * `concurrency`), so a halving mid-round holds back the queued children.
 */
export class Aimd {
  private value: number
  /** Bumped on every decrease; a turn reports the epoch it started in. */
  private epochValue = 0
  private troubled = false
  private memoryCut = false
  private readonly limiters = new Set<LimitFunction>()
  private listener: ((limit: number) => void) | undefined

  constructor(
    initial: number,
    readonly max: number,
    private readonly report: (change: LimitChange) => void = () => undefined,
  ) {
    this.value = Math.max(1, Math.min(initial, max))
  }

  get limit(): number {
    return this.value
  }

  get epoch(): number {
    return this.epochValue
  }

  /** A limiter for this round's children, following the limit as it changes. */
  limiter(): LimitFunction {
    const limit = pLimit(this.value)
    this.limiters.add(limit)
    return limit
  }

  /** Called on every change of the limit (the live title shows it). */
  onChange(listener: ((limit: number) => void) | undefined): void {
    this.listener = listener
  }

  /** A new round: forgets the last round's limiters and troubles. Checks memory first. */
  startRound(): void {
    this.limiters.clear()
    this.troubled = false
    this.memoryCut = false
    this.checkMemory()
  }

  /** A child's turn ended; `startedIn` is the epoch when it started. */
  turnEnded(error: string | undefined, startedIn: number): void {
    if (isProviderPushback(error)) this.pushback(oneLine(error ?? ""), startedIn)
  }

  /** The provider pushed back (OpenCode is retrying a child's request, or a turn ended on a rate limit). */
  pushback(cause: string, startedIn: number): void {
    this.troubled = true
    if (startedIn !== this.epochValue) return
    this.decrease(`provider pushback: ${cause}`)
  }

  /** Halves the limit once per round while free memory is below MEMORY_PRESSURE. */
  checkMemory(): void {
    const ratio = memoryProbe.freeRatio()
    if (ratio >= MEMORY_PRESSURE) return
    this.troubled = true
    if (this.memoryCut) return
    this.memoryCut = true
    this.decrease(`memory pressure: ${(ratio * 100).toFixed(1)} % free`)
  }

  /** The round's barrier: one step up when nothing pushed back. */
  endRound(): void {
    if (this.troubled || this.value >= this.max) return
    this.set(this.value + 1, "a round without provider pushback")
  }

  private decrease(cause: string): void {
    this.epochValue += 1
    this.set(Math.max(1, Math.floor(this.value / 2)), cause)
  }

  private set(to: number, cause: string): void {
    const from = this.value
    if (to === from) return
    this.value = to
    for (const limit of this.limiters) limit.concurrency = to
    this.report({ from, to, cause })
    this.listener?.(to)
  }
}

function oneLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? ""
  return line.length > 120 ? `${line.slice(0, 119)}…` : line
}
