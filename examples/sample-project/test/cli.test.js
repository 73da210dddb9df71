import { test } from "node:test"
import assert from "node:assert"
import { execFileSync } from "node:child_process"

const cli = (...args) => execFileSync("node", ["bin/cli.js", ...args], { encoding: "utf8" }).trim()

test("cli upper", () => assert.strictEqual(cli("upper", "hi there"), "HI THERE"))
