import { readdirSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { fill, PROMPT_NAMES, readMarkdown, toolDescription } from "../../src/templates.js"

const promptsDir = path.resolve(import.meta.dirname, "../../prompts")

/** Every Markdown file under prompts/, as a name relative to it without ".md". */
function promptFiles(dir = promptsDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return promptFiles(full)
    return entry.name.endsWith(".md") ? [path.relative(promptsDir, full).slice(0, -3)] : []
  })
}

describe("templates", () => {
  it("names every template in prompts/ but the /task command and the tool descriptions, and each one reads", () => {
    const templates = promptFiles().filter((name) => name !== "task-command" && !name.startsWith("tools/"))
    expect([...PROMPT_NAMES].sort()).toEqual(templates.sort())
    for (const name of PROMPT_NAMES) expect(readMarkdown(`prompts/${name}.md`).body.length).toBeGreaterThan(0)
  })

  it("fills every placeholder and refuses a missing value", () => {
    expect(fill("feedback/no-verdict", { reason: "no submit_verdict call" })).toBe("The review produced no verdict (no submit_verdict call).")
    expect(() => fill("feedback/no-verdict")).toThrow("prompt feedback/no-verdict: no value for {{reason}}")
  })

  it("inserts values as they are: placeholders and $-patterns inside a value stay text", () => {
    expect(fill("feedback/session-failed", { error: "{{error}} $& $1" })).toBe("The worker session failed: {{error}} $& $1")
  })

  it("reads tool descriptions and agents' frontmatter through the same reader", () => {
    expect(toolDescription("shell")).toMatch(/^Run a shell command/)
    expect(readMarkdown("agents/planner.md").frontmatter.mode).toBe("subagent")
  })
})
