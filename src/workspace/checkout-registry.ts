import path from "node:path"

/** How commands run in one checkout: what they may write and what their environment adds. */
export interface CheckoutContext {
  /** The checkout's top directory (a worktree root, or the project itself when tasks run in place). */
  root: string
  /** Whether its commands may write `root` (the planner's view of the project is read-only). */
  writable: boolean
  /** Writable for the checkout's commands besides `root` (the mission's private home and temp). */
  home: string
  tmp: string
  /** Paths inside `root` that stay read-only (a worktree's `.git` link). */
  readOnly: string[]
  /** `ORCHESTRATOR_SLOT` and `ORCHESTRATOR_TASK`, for a project's parallel test runs. */
  env: Record<string, string>
  /** Whether its sandboxed commands may use the network. */
  network: boolean
  /** Commands the sandbox refused there: the mission's list, for its report. */
  refused: { command: string; reason: string }[]
}

/**
 * The checkouts of the missions running in this process, by directory. One
 * per process, like the handoffs: OpenCode runs a plugin instance per
 * directory, and a worker's `shell` call reaches the instance of its checkout.
 */
const checkouts = new Map<string, CheckoutContext>()

export function registerCheckout(context: CheckoutContext): void {
  checkouts.set(path.resolve(context.root), context)
}

export function unregisterCheckout(root: string): void {
  checkouts.delete(path.resolve(root))
}

/** The registered checkout that contains `directory`, if any. */
export function checkoutAt(directory: string): CheckoutContext | undefined {
  for (let dir = path.resolve(directory); ; dir = path.dirname(dir)) {
    const found = checkouts.get(dir)
    if (found) return found
    if (dir === path.dirname(dir)) return undefined
  }
}
