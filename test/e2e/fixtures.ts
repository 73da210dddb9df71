// A small JavaScript project and the files a scripted worker writes into it.
export const MATH_PROJECT: Record<string, string> = {
  "package.json": `${JSON.stringify({ name: "mathlib", type: "module", scripts: { test: "node --test" } }, null, 2)}\n`,
  "README.md": "# mathlib\n\nTiny maths helpers.\n",
  "src/index.js": "export const version = '1.0.0'\n",
}

export const ADD = {
  "src/add.js": "export function add(a, b) {\n  return a + b\n}\n",
  "test/add.test.js":
    "import { test } from 'node:test'\nimport assert from 'node:assert'\nimport { add } from '../src/add.js'\n\ntest('add', () => assert.strictEqual(add(2, 3), 5))\n",
}
export const ADD_BUGGY = { ...ADD, "src/add.js": "export function add(a, b) {\n  return a - b\n}\n" }

export const MUL = {
  "src/mul.js": "export function mul(a, b) {\n  return a * b\n}\n",
  "test/mul.test.js":
    "import { test } from 'node:test'\nimport assert from 'node:assert'\nimport { mul } from '../src/mul.js'\n\ntest('mul', () => assert.strictEqual(mul(4, 5), 20))\n",
}
export const MUL_UNPARSABLE = { ...MUL, "src/mul.js": "export function mul(a, b) {\n  return a * (b\n" }
export const MUL_BUGGY = { ...MUL, "src/mul.js": "export function mul(a, b) {\n  return a + b\n}\n" }

export const DOT = {
  "src/dot.js":
    "import { add } from './add.js'\nimport { mul } from './mul.js'\n\nexport function dot(xs, ys) {\n  return xs.reduce((sum, x, i) => add(sum, mul(x, ys[i])), 0)\n}\n",
  "test/dot.test.js":
    "import { test } from 'node:test'\nimport assert from 'node:assert'\nimport { dot } from '../src/dot.js'\n\ntest('dot', () => assert.strictEqual(dot([1, 2, 3], [4, 5, 6]), 32))\n",
}

export const MISSION =
  "Add add(a, b) in src/add.js and mul(a, b) in src/mul.js, then dot(xs, ys) in src/dot.js built on them. Each with a node:test test under test/."

export const T1 = {
  id: "T1",
  title: "Add add()",
  description: "Create src/add.js exporting add(a, b) = a + b, and test/add.test.js checking add(2, 3) === 5.",
  files: ["src/add.js", "test/add.test.js"],
  dependsOn: [] as string[],
  acceptance: ["add(2, 3) returns 5", "test/add.test.js passes"],
  verify: ["node --test test/add.test.js"],
}
export const T2 = {
  id: "T2",
  title: "Add mul()",
  description: "Create src/mul.js exporting mul(a, b) = a * b, and test/mul.test.js checking mul(4, 5) === 20.",
  files: ["src/mul.js", "test/mul.test.js"],
  dependsOn: [] as string[],
  acceptance: ["mul(4, 5) returns 20", "test/mul.test.js passes"],
  verify: ["node --test test/mul.test.js"],
}
export const T3 = {
  id: "T3",
  title: "Add dot()",
  description: "Create src/dot.js exporting dot(xs, ys) using add and mul, and test/dot.test.js checking dot([1,2,3],[4,5,6]) === 32.",
  files: ["src/dot.js", "test/dot.test.js"],
  dependsOn: ["T1", "T2"],
  acceptance: ["dot([1,2,3],[4,5,6]) returns 32"],
  verify: ["node --test test/dot.test.js"],
}

export const PLAN = {
  summary: "Three small modules: add and mul in parallel, then dot on top of both.",
  tasks: [T1, T2, T3],
  verify: ["node --test"],
}

export const FILES_BY_TASK: Record<string, Record<string, string>> = { T1: ADD, T2: MUL, T3: DOT }

/** A reviewer's honest pass: it ran the task's verify command (or the whole suite) and saw exit 0. */
export function honestPass(taskId: string): Record<string, unknown> {
  const task = [T1, T2, T3].find((t) => t.id === taskId)
  const command = task ? task.verify[0] : "node --test"
  return { verdict: "pass", summary: `Checked ${taskId}: criteria hold.`, issues: [], evidence: [{ command, exitCode: 0 }] }
}
