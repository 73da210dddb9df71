import { fill } from "../templates.js"
import type { PlanSpec } from "../mission/plan.js"
import type { HandoffSlots } from "../mission/ports.js"
import type { VerdictSpec } from "../mission/verdict.js"

interface Slot<T> {
  /** Returns problems to send back to the model; empty means accepted. */
  check: (value: T) => string[]
  value?: T
  lastErrors: string[]
}

/**
 * The `HandoffSlots` port: where handoff tool calls meet the engine. The
 * engine opens a slot for a child session, the child's `submit_*` call fills
 * it, the engine takes it.
 */
export class Handoffs implements HandoffSlots {
  private readonly plans = new Map<string, Slot<PlanSpec>>()
  private readonly verdicts = new Map<string, Slot<VerdictSpec>>()

  expectPlan(sessionID: string, check: Slot<PlanSpec>["check"]): void {
    this.plans.set(sessionID, { check, lastErrors: [] })
  }

  expectVerdict(sessionID: string, check: Slot<VerdictSpec>["check"]): void {
    this.verdicts.set(sessionID, { check, lastErrors: [] })
  }

  submitPlan(sessionID: string, plan: PlanSpec): string[] {
    return submit(this.plans.get(sessionID), plan, "plan")
  }

  submitVerdict(sessionID: string, verdict: VerdictSpec): string[] {
    return submit(this.verdicts.get(sessionID), verdict, "verdict")
  }

  /** The accepted plan (if any) and the last errors given to the model. */
  takePlan(sessionID: string): { value?: PlanSpec; errors: string[] } {
    return take(this.plans, sessionID)
  }

  takeVerdict(sessionID: string): { value?: VerdictSpec; errors: string[] } {
    return take(this.verdicts, sessionID)
  }

  /** True from the moment the session's plan or verdict is accepted until the engine takes it: its turn has nothing left to do. */
  handedOff(sessionID: string): boolean {
    return this.plans.get(sessionID)?.value !== undefined || this.verdicts.get(sessionID)?.value !== undefined
  }
}

function submit<T>(slot: Slot<T> | undefined, value: T, kind: string): string[] {
  if (!slot) return [fill("replies/no-handoff-expected", { kind })]
  if (slot.value !== undefined) return [`A ${kind} was already accepted in this session. Stop now.`]
  const problems = slot.check(value)
  slot.lastErrors = problems
  if (problems.length === 0) slot.value = value
  return problems
}

function take<T>(map: Map<string, Slot<T>>, sessionID: string): { value?: T; errors: string[] } {
  const slot = map.get(sessionID)
  map.delete(sessionID)
  if (!slot) return { errors: [] }
  return slot.value !== undefined ? { value: slot.value, errors: [] } : { errors: slot.lastErrors }
}
