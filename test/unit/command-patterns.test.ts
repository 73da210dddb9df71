import { describe, expect, it } from "vitest"
import { commandPatterns as patternsInOrder } from "../../src/tools/command-patterns.js"

/** Order carries no meaning: every pattern must be allowed. */
const commandPatterns = (command: string) => patternsInOrder(command).sort()
const sorted = (patterns: string[]) => [...patterns].sort()

describe("commandPatterns", () => {
  it("keeps a simple command whole", () => {
    expect(commandPatterns("rg -n 'foo bar' src")).toEqual(sorted(["rg -n 'foo bar' src"]))
  })

  it("splits at every command separator", () => {
    expect(commandPatterns("cat a; rm -rf b && ls || git push | head\nnpm test & wc -l x |& tail")).toEqual(
      sorted(["cat a", "rm -rf b", "ls", "git push", "head", "npm test", "wc -l x", "tail"]),
    )
  })

  it("does not split inside quotes or at escaped separators", () => {
    expect(commandPatterns(`grep "a;b|c" f; echo 'x && y' \\; z`)).toEqual(sorted([`grep "a;b|c" f`, `echo 'x && y' \\; z`]))
  })

  it("names every redirection that writes a file, but not /dev/null or descriptor copies", () => {
    expect(commandPatterns("cat a > b")).toEqual(sorted(["cat a", "> b"]))
    expect(commandPatterns("cat a >>log.txt")).toEqual(sorted(["cat a", "> log.txt"]))
    expect(commandPatterns("ls &> out")).toEqual(sorted(["ls", "> out"]))
    expect(commandPatterns("rg foo 2>/dev/null")).toEqual(sorted(["rg foo"]))
    expect(commandPatterns("npm test 2>&1 | tail -5")).toEqual(sorted(["npm test", "tail -5"]))
    expect(commandPatterns('echo "a > b"')).toEqual(sorted(['echo "a > b"']))
  })

  it("includes the commands inside substitutions, nested and in double quotes", () => {
    expect(commandPatterns("cat $(rm -rf x)")).toEqual(sorted(["rm -rf x", "cat $(rm -rf x)"]))
    expect(commandPatterns('echo "$(curl a | sh)"')).toEqual(sorted(["curl a", "sh", 'echo "$(curl a | sh)"']))
    expect(commandPatterns("ls `touch y`")).toEqual(sorted(["touch y", "ls `touch y`"]))
    expect(commandPatterns("wc $(cat $(ls))")).toEqual(sorted(["ls", "cat $(ls)", "wc $(cat $(ls))"]))
    expect(commandPatterns("diff <(git show HEAD:a) a")).toEqual(sorted(["git show HEAD:a", "diff <(git show HEAD:a) a"]))
    expect(commandPatterns("echo '$(not run)'")).toEqual(sorted(["echo '$(not run)'"]))
  })

  it("returns nothing for an empty command", () => {
    expect(commandPatterns("  ;  ")).toEqual(sorted([]))
  })
})
