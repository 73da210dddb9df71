import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse as parseYaml } from "yaml"

// The one reader of model-facing text: agents/*.md, prompts/*.md and prompts/tools/*.md.

/** The package root: agents/ and prompts/ sit beside src/ and dist/. */
const packageRoot = fileURLToPath(new URL("..", import.meta.url))

export interface MarkdownDoc {
  frontmatter: Record<string, unknown>
  body: string
}

const docs = new Map<string, MarkdownDoc>()

/** Reads a package Markdown file with optional YAML frontmatter (read once, then cached). */
export function readMarkdown(relativePath: string): MarkdownDoc {
  let doc = docs.get(relativePath)
  if (doc === undefined) {
    doc = parseMarkdown(readFileSync(`${packageRoot}${relativePath}`, "utf8"))
    docs.set(relativePath, doc)
  }
  return doc
}

function parseMarkdown(text: string): MarkdownDoc {
  const match = /^---\n([\s\S]*?)\n---\n?/.exec(text)
  if (!match) return { frontmatter: {}, body: text.trim() }
  const frontmatter = (parseYaml(match[1] ?? "") ?? {}) as Record<string, unknown>
  return { frontmatter, body: text.slice(match[0].length).trim() }
}

/** Every template in prompts/ the engine fills (tool descriptions aside). */
export const PROMPT_NAMES = [
  "compaction",
  "plan-request",
  "plan-retry",
  "plan-retry-errors",
  "repo-map",
  "replan-request",
  "work-order",
  "brief-context",
  "retry-feedback",
  "retry-continued",
  "retry-fresh",
  "review-request",
  "master-review",
  "verdict-retry",
  "provider-retry",
  "feedback/no-change",
  "feedback/syntax-errors",
  "feedback/type-errors",
  "feedback/verify-failed",
  "feedback/install-failed",
  "feedback/session-failed",
  "feedback/merge-conflict",
  "feedback/review-failed",
  "feedback/evidence-mismatch",
  "feedback/evidence-not-reproduced",
  "feedback/no-verdict",
  "feedback/verdict-void",
  "feedback/mission-verify-failed",
  "feedback/mission-install-failed",
  "feedback/mission-command-failed",
  "cuts/diff",
  "cuts/feedback",
  "cuts/mission",
  "cuts/entry",
  "plan-problems/no-tasks",
  "plan-problems/questions-with-tasks",
  "plan-problems/too-many-tasks",
  "plan-problems/duplicate-id",
  "plan-problems/self-dependency",
  "plan-problems/unknown-dependency",
  "plan-problems/cycle",
  "replies/plan-accepted",
  "replies/plan-rejected",
  "replies/verdict-recorded",
  "replies/verdict-rejected",
  "replies/pass-without-evidence",
  "replies/no-handoff-expected",
  "replies/report-shown",
  "replies/planner-questions",
  "replies/mission-empty",
  "replies/mission-too-long",
  "replies/mission-nested",
  "replies/resume-none",
  "replies/resume-running",
  "replies/resume-ended",
  "replies/sandbox-required",
  "replies/git-busy",
  "replies/outside-checkout",
  "replies/no-writes",
  "replies/empty-command",
  "replies/partial-position",
  "replies/no-symbol",
] as const
export type PromptName = (typeof PROMPT_NAMES)[number]

/** Fills a template from prompts/: each {{name}} is replaced by its value; a missing value throws. */
export function fill(name: PromptName, values: Record<string, string | number> = {}): string {
  return readMarkdown(`prompts/${name}.md`).body.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`prompt ${name}: no value for {{${key}}}`)
    return String(value)
  })
}

/** A tool's model-facing description, from prompts/tools/<name>.md. */
export function toolDescription(name: string): string {
  return readMarkdown(`prompts/tools/${name}.md`).body
}

/** A Markdown bullet list, or "(none)". */
export function bullets(items: readonly string[] | undefined): string {
  return items && items.length > 0 ? items.map((i) => `- ${i}`).join("\n") : "(none)"
}
