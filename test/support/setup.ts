// Registered in vitest.config.ts: no server, process or temp dir outlives its test.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach } from "vitest"
import { closeAllServers } from "./model-server.js"
import { cleanupAll } from "./opencode.js"

afterEach(async () => {
  await closeAllServers()
  await cleanupAll()
})

// Mission checkouts live under $XDG_CACHE_HOME: a private one per test file, never the developer's.
const cacheHome = mkdtempSync(join(tmpdir(), "orch-cache-"))
process.env.XDG_CACHE_HOME = cacheHome
afterAll(() => rmSync(cacheHome, { recursive: true, force: true }))
