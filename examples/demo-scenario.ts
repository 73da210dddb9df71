// The project's scripted model for the quick-start mission on examples/sample-project.
// It plays each role from what a request offers (see test/support/scripted-coder.ts):
// a three-task plan, the code a competent worker would write, and reviewers that
// pass with the verify command as evidence (which the engine re-runs).
import type { CoderScenario } from "../test/support/scripted-coder.js"

export const DEMO_MISSION =
  "Add two commands to textkit: `words` prints the number of words in the text, and `slug` prints the text in lower case " +
  "with runs of non-alphanumeric characters replaced by a single '-' (no leading or trailing '-'). Put each in its own module " +
  "under src/ with a node:test test, and wire both into bin/cli.js with CLI tests."

const test = (name: string, module: string, fn: string, cases: [string, unknown][]) =>
  `import { test } from "node:test"\nimport assert from "node:assert"\nimport { ${fn} } from "../src/${module}.js"\n\n` +
  cases.map(([input, output]) => `test("${name} ${input}", () => assert.strictEqual(${fn}(${JSON.stringify(input)}), ${JSON.stringify(output)}))\n`).join("")

const FILES: Record<string, Record<string, string>> = {
  T1: {
    "src/words.js":
      "/** The number of whitespace-separated words in the text. */\nexport function words(text) {\n  return text.split(/\\s+/).filter(Boolean).length\n}\n",
    "test/words.test.js": test("words", "words", "words", [
      ["", 0],
      ["one", 1],
      ["  two  words ", 2],
    ]),
  },
  T2: {
    "src/slug.js":
      '/** Lower case, runs of non-alphanumerics as one \'-\', none at the ends. */\nexport function slug(text) {\n  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")\n}\n',
    "test/slug.test.js": test("slug", "slug", "slug", [
      ["Hello, World!", "hello-world"],
      ["  a  b ", "a-b"],
      ["x", "x"],
    ]),
  },
  T3: {
    "bin/cli.js":
      '#!/usr/bin/env node\nimport { slug } from "../src/slug.js"\nimport { upper } from "../src/upper.js"\nimport { words } from "../src/words.js"\n\nconst commands = { upper, words, slug }\n\nconst [name, ...rest] = process.argv.slice(2)\nconst command = commands[name]\nif (!command) {\n  console.error(`usage: textkit <${Object.keys(commands).join("|")}> <text>`)\n  process.exit(2)\n}\nconsole.log(command(rest.join(" ")))\n',
    "test/cli.test.js":
      'import { test } from "node:test"\nimport assert from "node:assert"\nimport { execFileSync } from "node:child_process"\n\nconst cli = (...args) => execFileSync("node", ["bin/cli.js", ...args], { encoding: "utf8" }).trim()\n\ntest("cli upper", () => assert.strictEqual(cli("upper", "hi there"), "HI THERE"))\ntest("cli words", () => assert.strictEqual(cli("words", "one two three"), "3"))\ntest("cli slug", () => assert.strictEqual(cli("slug", "Hello, World!"), "hello-world"))\n',
  },
}

const PLAN = {
  summary: "Two independent modules (words, slug) with unit tests, then the CLI wiring with CLI tests.",
  decisions: ["Each command is a pure function in its own module; bin/cli.js only dispatches."],
  tasks: [
    {
      id: "T1",
      title: "Add words()",
      description:
        "Create src/words.js exporting words(text): the number of whitespace-separated words (0 for empty or blank text). Add test/words.test.js covering empty text, one word and extra spaces.",
      files: ["src/words.js", "test/words.test.js"],
      dependsOn: [],
      acceptance: ["words('') === 0", "words('  two  words ') === 2"],
      verify: ["node --test test/words.test.js"],
    },
    {
      id: "T2",
      title: "Add slug()",
      description:
        "Create src/slug.js exporting slug(text): lower case, each run of characters other than a-z and 0-9 replaced by one '-', no '-' at either end. Add test/slug.test.js.",
      files: ["src/slug.js", "test/slug.test.js"],
      dependsOn: [],
      acceptance: ["slug('Hello, World!') === 'hello-world'", "no leading or trailing '-'"],
      verify: ["node --test test/slug.test.js"],
    },
    {
      id: "T3",
      title: "Wire words and slug into the CLI",
      description:
        "In bin/cli.js add the commands `words` and `slug` next to `upper`, using src/words.js and src/slug.js. Extend test/cli.test.js with one test per new command.",
      files: ["bin/cli.js", "test/cli.test.js"],
      dependsOn: ["T1", "T2"],
      acceptance: ["`node bin/cli.js words one two three` prints 3", "`node bin/cli.js slug 'Hello, World!'` prints hello-world"],
      verify: ["node --test test/cli.test.js"],
    },
  ],
  verify: ["node --test"],
}

export const demoScenario: CoderScenario = {
  delayMs: 300,
  plan: () => PLAN,
  work: (order) => FILES[order.taskId] ?? {},
  review: (request) => {
    const task = PLAN.tasks.find((t) => t.id === request.taskId)
    const command = task?.verify[0] ?? "node --test"
    return { verdict: "pass", summary: `Ran \`${command}\`; the acceptance criteria hold.`, issues: [], evidence: [{ command, exitCode: 0 }] }
  },
}
