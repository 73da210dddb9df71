import { test } from "node:test"
import assert from "node:assert"
import { upper } from "../src/upper.js"

test("upper", () => assert.strictEqual(upper("abc"), "ABC"))
