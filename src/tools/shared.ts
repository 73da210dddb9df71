// Helpers shared by the code tools: their descriptions (data files in
// prompts/tools/) and one error path for every native failure.

import { readFileSync } from "node:fs";
import { NativeError } from "../native/index.js";

/** Reads prompts/tools/<name>.md; works from src/tools/ and dist/tools/. */
export function description(name: string): string {
  const url = new URL(`../../prompts/tools/${name}.md`, import.meta.url);
  return readFileSync(url, "utf8").trim();
}

/** Runs a native call, turning its failure into an Error the model can act on. */
export async function native<T>(tool: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof NativeError) throw new Error(`${tool}: ${error.message}`);
    throw error;
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function skippedLines(skipped: readonly { file: string; reason: string }[]): string[] {
  return skipped.map((s) => `skipped ${s.file}: ${s.reason}`);
}
