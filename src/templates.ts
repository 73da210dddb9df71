import { readFileSync, readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse as parseYaml } from "yaml"

/** The package root: agents/ and prompts/ sit beside src/ and dist/. */
const packageRoot = fileURLToPath(new URL("..", import.meta.url))

export interface MarkdownDoc {
  frontmatter: Record<string, unknown>
  body: string
}

/** Reads a Markdown file with optional YAML frontmatter. */
export function readMarkdown(relativePath: string): MarkdownDoc {
  const text = readFileSync(`${packageRoot}${relativePath}`, "utf8")
  const match = /^---\n([\s\S]*?)\n---\n?/.exec(text)
  if (!match) return { frontmatter: {}, body: text.trim() }
  const frontmatter = (parseYaml(match[1] ?? "") ?? {}) as Record<string, unknown>
  return { frontmatter, body: text.slice(match[0].length).trim() }
}

/** Names of the Markdown files in a package folder, without the extension. */
export function listMarkdown(folder: string): string[] {
  return readdirSync(`${packageRoot}${folder}`)
    .filter((f) => f.endsWith(".md"))
    .map((f) => f.slice(0, -3))
}

export type PromptName =
  | "plan-request"
  | "plan-retry"
  | "replan-request"
  | "work-order"
  | "retry-feedback"
  | "retry-continued"
  | "retry-fresh"
  | "review-request"
  | "master-review"
  | "verdict-retry"

const cache = new Map<PromptName, string>()

/** Fills a prompt template from prompts/: each {{name}} is replaced by its value. */
export function fill(name: PromptName, values: Record<string, string | number>): string {
  let template = cache.get(name)
  if (template === undefined) {
    template = readMarkdown(`prompts/${name}.md`).body
    cache.set(name, template)
  }
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new Error(`prompt ${name}: no value for {{${key}}}`)
    return String(value)
  })
}

/** A Markdown bullet list, or "(none)". */
export function bullets(items: readonly string[] | undefined): string {
  return items && items.length > 0 ? items.map((i) => `- ${i}`).join("\n") : "(none)"
}
