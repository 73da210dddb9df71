import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/support/setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Each e2e file runs real OpenCode processes (~0.5 GB each); two files at once fit a 2-core machine.
    maxWorkers: 2,
  },
})
