import { mkdirSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { Options } from "../../src/config.js"
import { locateBinary, pluginBinDirs, serverFor } from "../../src/native/language-servers.js"
import { fakeBinary, tempDir } from "../support/helpers.js"

describe("native/language-servers.ts serverFor", () => {
  it("starts typescript-language-server for TS and JS files, from the project's node_modules/.bin first", () => {
    const project = tempDir()
    const local = fakeBinary(path.join(project, "node_modules/.bin"), "typescript-language-server")
    for (const file of ["src/a.ts", "src/b.tsx", "lib/c.mjs"]) {
      expect(serverFor(project, file, {})).toEqual({ name: "typescript-language-server", command: [local, "--stdio"], source: "project" })
    }
  })

  it("finds a server in the project, then among the plugin's own dependencies, then on PATH, and says where", () => {
    const project = tempDir()
    const install = tempDir()
    // An installed plugin: <cache>/node_modules/opencode-orchestrator, its dependencies' bins hoisted beside it.
    const pluginRoot = path.join(install, "node_modules/opencode-orchestrator")
    mkdirSync(pluginRoot, { recursive: true })
    const dirs = pluginBinDirs(pluginRoot)
    expect(dirs).toEqual([path.join(pluginRoot, "node_modules/.bin"), path.join(install, "node_modules/.bin")])
    const onPath = fakeBinary(path.join(tempDir(), "bin"), "typescript-language-server")
    const PATH = path.dirname(onPath)
    expect(locateBinary(project, "typescript-language-server", PATH, dirs)).toEqual({ path: onPath, source: "PATH" })
    const brought = fakeBinary(path.join(install, "node_modules/.bin"), "typescript-language-server")
    expect(locateBinary(project, "typescript-language-server", PATH, dirs)).toEqual({ path: brought, source: "plugin" })
    const local = fakeBinary(path.join(project, "node_modules/.bin"), "typescript-language-server")
    expect(locateBinary(project, "typescript-language-server", PATH, dirs)).toEqual({ path: local, source: "project" })
    expect(locateBinary(tempDir(), "typescript-language-server", "", [])).toBeUndefined()
    // A checkout: the plugin's own node_modules only.
    expect(pluginBinDirs("/src/opencode-orchestrator")).toEqual(["/src/opencode-orchestrator/node_modules/.bin"])
  })

  it("this package brings typescript-language-server as a dependency", () => {
    const found = locateBinary(tempDir(), "typescript-language-server", "")
    expect(found?.source).toBe("plugin")
  })

  it("has no default for other languages, and says which key to set", () => {
    expect(serverFor(tempDir(), "app/main.py", {})).toEqual({
      missing: 'no language server for python: set languageServers.python.command (e.g. ["pyright-langserver", "--stdio"])',
    })
    expect(serverFor(tempDir(), "notes.md", {})).toEqual({ missing: "no language server for .md" })
  })

  it("uses a configured command, looked up in node_modules/.bin or PATH, and honours enabled: false", () => {
    const project = tempDir()
    const bin = fakeBinary(path.join(project, "node_modules/.bin"), "pyright-langserver")
    expect(serverFor(project, "a.py", { python: { command: ["pyright-langserver", "--stdio"] } })).toEqual({
      name: "pyright-langserver",
      command: [bin, "--stdio"],
      source: "project",
    })
    expect(serverFor(project, "a.go", { go: { command: ["no-such-gopls"] } })).toEqual({
      missing: "no language server for go: no-such-gopls not found in the project's node_modules/.bin, the plugin's dependencies or PATH",
    })
    expect(serverFor(project, "a.ts", { typescript: { enabled: false } })).toEqual({
      missing: "the typescript language server is disabled in the configuration (languageServers.typescript)",
    })
  })

  it("is configured under languageServers, per language, with unknown languages rejected", () => {
    expect(Options.parse({ languageServers: { rust: { command: ["rust-analyzer"] } } }).languageServers).toEqual({ rust: { command: ["rust-analyzer"] } })
    expect(Options.safeParse({ languageServers: { cobol: { command: ["x"] } } }).success).toBe(false)
    expect(Options.parse({}).typeCheck).toEqual({ enabled: true, timeoutSec: 60 })
  })
})
