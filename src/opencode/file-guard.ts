import { realpathSync } from "node:fs"
import path from "node:path"
import { isWithin } from "../paths.js"
import { fill } from "../templates.js"
import { checkoutAt } from "../workspace/checkout-registry.js"
import { missionSession } from "../mission/registry.js"

/** OpenCode's tools that write files, and where each names its targets. */
const WRITERS: Record<string, (args: Record<string, unknown>) => string[]> = {
  write: (args) => [String(args.filePath ?? "")],
  edit: (args) => [String(args.filePath ?? "")],
  multiedit: (args) => [String(args.filePath ?? "")],
  patch: (args) => patchTargets(String(args.patchText ?? "")),
  apply_patch: (args) => patchTargets(String(args.patchText ?? "")),
}

/**
 * OpenCode's own file tools run outside any sandbox. For a mission session
 * they may write only inside the session's checkout: a path that leads
 * elsewhere — absolute, with `..`, or through a symlink — or onto the
 * checkout's `.git` link is refused before the tool runs, with an error the
 * model reads as the tool's result.
 */
export function fileGuard() {
  return async (input: { tool: string; sessionID: string }, output: { args: unknown }): Promise<void> => {
    const targets = WRITERS[input.tool]
    const directory = missionSession(input.sessionID)?.directory
    if (!targets || !directory) return
    const checkout = checkoutAt(directory)
    const root = checkout?.writable ? checkout.root : undefined
    for (const target of targets((output.args ?? {}) as Record<string, unknown>)) {
      if (!target) continue
      const resolved = resolveReal(path.resolve(directory, target))
      const allowed = root !== undefined && isWithin(resolved, resolveReal(root)) && !checkout!.readOnly.some((p) => isWithin(resolved, resolveReal(p)))
      if (!allowed) {
        throw new Error(root ? fill("replies/outside-checkout", { target, root }) : fill("replies/no-writes", { target }))
      }
    }
  }
}

/** The files a patch adds, updates, deletes or moves to. */
function patchTargets(patch: string): string[] {
  return [...patch.matchAll(/^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/gm)].map((m) => m[1]!.trim())
}

/** The real path of `target`: its nearest existing ancestor resolved through symlinks, the rest appended. */
function resolveReal(target: string): string {
  let existing = target
  const rest: string[] = []
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...rest)
    } catch {
      const parent = path.dirname(existing)
      if (parent === existing) return target
      rest.unshift(path.basename(existing))
      existing = parent
    }
  }
}
