import { existsSync, writeFileSync } from "node:fs"
import path from "node:path"
import type { ToolContext } from "@opencode-ai/plugin"
import { describe, expect, it } from "vitest"
import { shellTool } from "../../src/tools/shell.js"
import { tempDir } from "../support/helpers.js"

type Ask = Parameters<ToolContext["ask"]>[0]

function context(directory: string, ask: (input: Ask) => Promise<void> = async () => {}, abort = new AbortController().signal): ToolContext {
  return { sessionID: "s", messageID: "m", agent: "worker", directory, worktree: directory, abort, metadata: () => {}, ask }
}

describe("shell tool", () => {
  it("runs the command in the session's directory and returns its exit code and output", async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, "a.txt"), "hello\n")
    const out = await shellTool().execute({ command: "cat a.txt; echo oops >&2; exit 3" }, context(dir))
    expect(out).toBe("exit 3\nhello\noops")
  })

  it("asks for every command and written file the line contains, and runs nothing when denied", async () => {
    const dir = tempDir()
    const asked: Ask[] = []
    const deny = async (input: Ask) => {
      asked.push(input)
      throw new Error("denied by rule")
    }
    await expect(shellTool().execute({ command: "ls && touch made > log" }, context(dir, deny))).rejects.toThrow("denied by rule")
    expect(asked[0]?.permission).toBe("shell")
    expect([...(asked[0]?.patterns ?? [])].sort()).toEqual(["> log", "ls", "touch made"])
    expect(existsSync(path.join(dir, "made"))).toBe(false)
  })

  it("refuses an empty command with a message", async () => {
    await expect(shellTool().execute({ command: " ; " }, context(tempDir()))).rejects.toThrow("shell: the command is empty")
  })

  it("stops at its timeout and when the session is aborted", async () => {
    const dir = tempDir()
    const timed = await shellTool().execute({ command: "sleep 30", timeout: 1 }, context(dir))
    expect(timed).toMatch(/^exit \d+\n\[timed out after 1 s\]$/)
    const abort = new AbortController()
    const started = Date.now()
    const run = shellTool().execute(
      { command: "sleep 30" },
      context(dir, async () => {}, abort.signal),
    )
    setTimeout(() => abort.abort(), 100)
    await run
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
