// What a shell command line runs, as permission patterns: every simple command
// (split at ; & && || | and newlines, command substitutions included) and every
// output redirection that writes a file. A rule like `"cat *": "allow"` must not
// let `cat a > b` or `cat a; rm -rf b` through.

/** Redirection targets that write nothing. */
const HARMLESS_TARGET = /^(\/dev\/null|&\d*-?)$/

/** The permission patterns of `command`; each must be allowed for the command to run. */
export function commandPatterns(command: string): string[] {
  const patterns: string[] = []
  let segment = ""
  let quote: "'" | '"' | undefined
  const flush = () => {
    const s = segment.trim()
    if (s) patterns.push(s)
    segment = ""
  }
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (c === "\\" && quote !== "'") {
      segment += c + (command[i + 1] ?? "")
      i++
      continue
    }
    if (quote === "'") {
      if (c === "'") quote = undefined
      segment += c
      continue
    }
    const substitution = c === "`" ? "`" : c === "$" && command[i + 1] === "(" ? ")" : undefined
    if (substitution) {
      const start = i + (substitution === ")" ? 2 : 1)
      const end = closing(command, start, substitution)
      patterns.push(...commandPatterns(command.slice(start, end)))
      segment += command.slice(i, end + 1)
      i = end
      continue
    }
    if (quote === '"') {
      if (c === '"') quote = undefined
      segment += c
      continue
    }
    if (c === "'" || c === '"') {
      quote = c
      segment += c
    } else if (c === ";" || c === "\n" || c === "|" || c === "&") {
      if (c === "&" && command[i + 1] === ">") {
        i = redirection(command, i + 1, patterns)
        continue
      }
      if (c === "|" && command[i + 1] === "&") i++
      flush()
    } else if (c === ">") {
      segment = segment.replace(/\d+$/, "")
      i = redirection(command, i, patterns)
    } else if (c === "<" && command[i + 1] === "(") {
      const end = closing(command, i + 2, ")")
      patterns.push(...commandPatterns(command.slice(i + 2, end)))
      segment += command.slice(i, end + 1)
      i = end
    } else {
      segment += c
    }
  }
  flush()
  return patterns
}

/** Reads the output redirection whose `>` is at `at`; returns the index of its last character. */
function redirection(command: string, at: number, patterns: string[]): number {
  let i = at + 1
  if (command[i] === ">" || command[i] === "|") i++
  while (command[i] === " " || command[i] === "\t") i++
  let target = ""
  while (i < command.length && !/[\s;&|<>()]/.test(command[i]!)) target += command[i++]
  if (command[i] === "&" && target === "") target += command[i++]! + (/\d/.test(command[i] ?? "") ? command[i++] : "")
  if (!HARMLESS_TARGET.test(target)) patterns.push(`> ${target}`)
  return i - 1
}

/** Index of the `close` that ends a substitution starting at `from` (nested `$(` counted), or the end. */
function closing(command: string, from: number, close: ")" | "`"): number {
  let depth = 0
  let quote: "'" | '"' | undefined
  for (let i = from; i < command.length; i++) {
    const c = command[i]!
    if (c === "\\") {
      i++
      continue
    }
    if (quote) {
      if (c === quote) quote = undefined
      continue
    }
    if (c === "'" || c === '"') quote = c
    else if (close === "`" && c === "`") return i
    else if (close === ")" && c === "(") depth++
    else if (close === ")" && c === ")") {
      if (depth === 0) return i
      depth--
    }
  }
  return command.length
}
