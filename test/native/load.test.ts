// The loader: where it looks, in which order, and what it says when the addon is missing or broken —
// for an installed copy (platform package) and for a checkout (local build).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { BUILD_COMMAND, candidatePaths, candidates, loadFrom, NATIVE_PATH_ENV, platformNames, platformTriples } from "../../src/native/load.js"

const saved = process.env[NATIVE_PATH_ENV]
afterEach(() => {
  if (saved === undefined) delete process.env[NATIVE_PATH_ENV]
  else process.env[NATIVE_PATH_ENV] = saved
})

describe("native loader", () => {
  it("names the file per platform", () => {
    expect(platformNames("linux", "x64")).toEqual(["analysis.linux-x64-gnu.node", "analysis.linux-x64-musl.node"])
    expect(platformNames("darwin", "arm64")).toEqual(["analysis.darwin-arm64.node"])
    expect(platformNames("win32", "x64")).toEqual(["analysis.win32-x64-msvc.node"])
  })

  it("looks in native/ at the package root from both src/native and dist/native", () => {
    delete process.env[NATIVE_PATH_ENV]
    const fromSrc = candidatePaths("/pkg/src/native")
    const fromDist = candidatePaths("/pkg/dist/native")
    expect(fromSrc[0]).toBe(`/pkg/native/${platformNames()[0]}`)
    expect(fromDist).toEqual(fromSrc)
    process.env[NATIVE_PATH_ENV] = "/custom/addon.node"
    expect(candidatePaths("/pkg/dist/native")[0]).toBe("/custom/addon.node")
  })

  it("explains a missing addon with the build command", () => {
    const loaded = loadFrom(["/nowhere/analysis.node"])
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    expect(loaded.reason).toContain("not built")
    expect(loaded.reason).toContain("/nowhere/analysis.node")
    expect(loaded.reason).toContain(`run \`${BUILD_COMMAND}\``)
  })

  it("explains a file that is not a loadable addon, and a module with the wrong exports", () => {
    const dir = mkdtempSync(join(tmpdir(), "native-loader-"))
    try {
      const garbage = join(dir, "garbage.node")
      writeFileSync(garbage, "not an ELF file")
      const notAddon = join(dir, "plain.cjs")
      writeFileSync(notAddon, "module.exports = { outline() {} };")
      const broken = loadFrom([garbage])
      expect(broken.ok).toBe(false)
      if (!broken.ok) expect(broken.reason).toMatch(/failed to load \(.*garbage\.node: .+\); run `npm run build:native`/)
      const stale = loadFrom([notAddon])
      expect(stale.ok).toBe(false)
      if (!stale.ok) expect(stale.reason).toContain("stale build, missing outlineAsync, check")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("loads the built addon", () => {
    // (the checkout's own build; the layouts below use copies of it)
    delete process.env[NATIVE_PATH_ENV]
    const loaded = loadFrom(candidatePaths())
    expect(loaded.ok, loaded.ok ? "" : loaded.reason).toBe(true)
  })
})

const TRIPLE = platformTriples()[0]!
const BUILT = candidatePaths().find((p) => p.endsWith(`native/analysis.${TRIPLE}.node`))!
const PLATFORMS = ["linux-x64-gnu", "linux-arm64-gnu", "darwin-x64", "darwin-arm64"]

/** A user's install: node_modules/opencode-orchestrator (no crates/) and, optionally, its platform package beside it. */
function installed(dir: string, opts: { platformPackage?: "real" | "corrupt" | "wrong-arch" }): string {
  const pkg = join(dir, "node_modules/opencode-orchestrator")
  mkdirSync(join(pkg, "dist/native"), { recursive: true })
  const optionalDependencies = Object.fromEntries(PLATFORMS.map((p) => [`opencode-orchestrator-${p}`, "0.1.0"]))
  writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "opencode-orchestrator", version: "0.1.0", optionalDependencies }))
  if (opts.platformPackage) {
    const name = `opencode-orchestrator-${TRIPLE}`
    const dest = join(dir, "node_modules", name)
    mkdirSync(dest, { recursive: true })
    const file = `analysis.${TRIPLE}.node`
    writeFileSync(join(dest, "package.json"), JSON.stringify({ name, version: "0.1.0", main: file }))
    if (opts.platformPackage === "corrupt") writeFileSync(join(dest, file), "\x7fELF truncated")
    else {
      const bytes = readFileSync(BUILT)
      // ELF e_machine (offset 18, little-endian): 0xB7 is AArch64, 0x3E x86-64.
      if (opts.platformPackage === "wrong-arch") bytes.writeUInt16LE(bytes.readUInt16LE(18) === 0xb7 ? 0x3e : 0xb7, 18)
      writeFileSync(join(dest, file), bytes)
    }
  }
  return join(pkg, "dist/native")
}

/** A checkout: crates/analysis/Cargo.toml and, optionally, a local build in native/. */
function checkout(dir: string, built: boolean): string {
  mkdirSync(join(dir, "crates/analysis"), { recursive: true })
  writeFileSync(join(dir, "crates/analysis/Cargo.toml"), "[package]\n")
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "opencode-orchestrator", version: "0.1.0" }))
  mkdirSync(join(dir, "native"), { recursive: true })
  mkdirSync(join(dir, "dist/native"), { recursive: true })
  if (built) copyFileSync(BUILT, join(dir, "native", `analysis.${TRIPLE}.node`))
  return join(dir, "dist/native")
}

describe.skipIf(process.platform !== "linux")("native loader: platform package, local build, neither", () => {
  let dir = ""
  afterEach(() => rmSync(dir, { recursive: true, force: true }))
  const tmp = () => (dir = mkdtempSync(join(tmpdir(), "native-layout-")))
  const load = (moduleDir: string, env: Record<string, string> = {}) => loadFrom(candidates({ moduleDir, env }), { root: join(moduleDir, "../..") })

  it("an installed copy loads its platform package's .node", () => {
    const moduleDir = installed(tmp(), { platformPackage: "real" })
    const loaded = load(moduleDir)
    expect(loaded.ok, loaded.ok ? "" : loaded.reason).toBe(true)
    if (!loaded.ok) return
    expect(loaded.source).toBe("package")
    expect(loaded.package).toBe(`opencode-orchestrator-${TRIPLE}`)
    expect(loaded.path).toBe(join(dir, "node_modules", `opencode-orchestrator-${TRIPLE}`, `analysis.${TRIPLE}.node`))
    expect(JSON.parse(loaded.binding.languages("{}")).languages.length).toBeGreaterThan(5)
  })

  it("tries the env override, then the platform package, then the local build", () => {
    const moduleDir = installed(tmp(), { platformPackage: "real" })
    const order = candidates({ moduleDir, env: { [NATIVE_PATH_ENV]: "/custom/a.node" } })
    expect(order.map((c) => c.kind)).toEqual(["env", ...platformTriples().map(() => "package"), ...platformTriples().map(() => "local")])
    expect(order[1]).toMatchObject({ kind: "package", name: `opencode-orchestrator-${TRIPLE}` })
    expect(order.at(-1)?.path).toBe(join(dir, "node_modules/opencode-orchestrator/native", `analysis.${platformTriples().at(-1)}.node`))
    // A platform package beats a local build when both exist.
    mkdirSync(join(dir, "node_modules/opencode-orchestrator/native"))
    writeFileSync(join(dir, "node_modules/opencode-orchestrator/native", `analysis.${TRIPLE}.node`), "not reached")
    const loaded = load(moduleDir)
    expect(loaded.ok && loaded.source).toBe("package")
  })

  it("a checkout without a platform package loads its local build", () => {
    const loaded = load(checkout(tmp(), true))
    expect(loaded.ok, loaded.ok ? "" : loaded.reason).toBe(true)
    if (loaded.ok) expect([loaded.source, loaded.path]).toEqual(["local", join(dir, "native", `analysis.${TRIPLE}.node`)])
  })

  it("neither, installed: names the package and the files it tried, advises a reinstall, never the build command", () => {
    const loaded = load(installed(tmp(), {}))
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    expect(loaded.reason).toContain(`is not installed (looked for the package opencode-orchestrator-${TRIPLE}`)
    expect(loaded.reason).toContain(join(dir, "node_modules/opencode-orchestrator/native", `analysis.${TRIPLE}.node`))
    expect(loaded.reason).toContain("reinstall the plugin with its optional dependencies")
    expect(loaded.reason).not.toContain(BUILD_COMMAND)
  })

  it("neither, in OpenCode's plugin cache: names the directory to delete", () => {
    const cache = join(tmp(), "opencode/packages/opencode-orchestrator@latest")
    mkdirSync(cache, { recursive: true })
    const loaded = load(installed(cache, {}))
    expect(loaded.ok).toBe(false)
    if (!loaded.ok)
      expect(loaded.reason).toContain(`reinstall the plugin with its optional dependencies: delete OpenCode's copy (rm -rf ${cache}) and restart OpenCode`)
  })

  it("neither, on a platform with no prebuilt package: says so and that the plugin works without it", () => {
    const moduleDir = installed(tmp(), {})
    const loaded = loadFrom(candidates({ moduleDir, platform: "freebsd", arch: "x64", env: {} }), { root: join(moduleDir, "../.."), triple: "freebsd-x64" })
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    expect(loaded.reason).toContain("looked for the package opencode-orchestrator-freebsd-x64")
    expect(loaded.reason).toContain("there is no prebuilt addon for freebsd-x64 (prebuilt: linux-x64-gnu, linux-arm64-gnu, darwin-x64, darwin-arm64)")
    expect(loaded.reason).not.toContain(BUILD_COMMAND)
  })

  it("neither, checkout: names the build command", () => {
    const loaded = load(checkout(tmp(), false))
    expect(loaded.ok).toBe(false)
    if (!loaded.ok) expect(loaded.reason).toMatch(/is not built \(looked for the package opencode-orchestrator-.*\); run `npm run build:native`$/)
  })

  it("a corrupt or wrong-architecture .node in the platform package: the error, the file, and a reinstall", () => {
    for (const kind of ["corrupt", "wrong-arch"] as const) {
      const loaded = load(installed(tmp(), { platformPackage: kind }))
      expect(loaded.ok, kind).toBe(false)
      if (loaded.ok) continue
      expect(loaded.reason).toContain(`failed to load (${join(dir, "node_modules", `opencode-orchestrator-${TRIPLE}`, `analysis.${TRIPLE}.node`)}: `)
      if (kind === "wrong-arch") expect(loaded.reason).toMatch(/\(the file is built for (arm64|x64), this process is (x64|arm64)\)/)
      if (kind === "corrupt") expect(loaded.reason).toContain("(the file is truncated)")
      expect(loaded.reason).toContain("the file may be damaged or for another platform: reinstall the plugin")
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
