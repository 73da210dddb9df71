import { describe, expect, it } from "vitest"
import { parseRawDiff } from "../../src/workspace/git.js"

describe("workspace/git.ts parseRawDiff", () => {
  it("splits raw records (any path) from the patch after them", () => {
    const raw = ":100644 100755 aaa bbb M\0a b.txt\0:000000 100644 000 ccc A\0new\nline.txt\0:100644 000000 ddd 000 D\0日本.md\0"
    expect(parseRawDiff(`${raw}\0diff --git a/a b.txt b/a b.txt\n+x\n`)).toEqual({
      changes: [
        { path: "a b.txt", status: "M", oldMode: "100644", newMode: "100755" },
        { path: "new\nline.txt", status: "A", oldMode: "000000", newMode: "100644" },
        { path: "日本.md", status: "D", oldMode: "100644", newMode: "000000" },
      ],
      rest: "diff --git a/a b.txt b/a b.txt\n+x\n",
    })
    expect(parseRawDiff(raw).rest).toBe("")
    expect(parseRawDiff("")).toEqual({ changes: [], rest: "" })
    expect(() => parseRawDiff(":100644 100644 aaa bbb M\0cut")).toThrow(/without its path/)
  })
})
