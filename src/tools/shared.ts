// Helpers shared by the code tools: one error path for every native failure, and plain wording.

import { NativeError } from "../native/index.js"

/** Runs a native call, turning its failure into an Error the model can act on. */
export async function native<T>(tool: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof NativeError) throw new Error(`${tool}: ${error.message}`)
    throw error
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`
}

export function skippedLines(skipped: readonly { file: string; reason: string }[]): string[] {
  return skipped.map((s) => `skipped ${s.file}: ${s.reason}`)
}
