// Writes schema/orchestrator.schema.json from the zod schema in src/config.ts.
// Run with `npm run schema`; test/unit/config.test.ts fails when the committed file is stale.
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { configJsonSchemaText } from "../src/config.js"

const target = join(dirname(fileURLToPath(import.meta.url)), "..", "schema", "orchestrator.schema.json")
mkdirSync(dirname(target), { recursive: true })
writeFileSync(target, configJsonSchemaText())
console.log(`wrote ${target}`)
