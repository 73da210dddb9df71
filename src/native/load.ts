// Finds and loads the native addon (.node) once, in Node and in Bun.
// Never throws: a missing or broken addon becomes a reason string.
//
// Where it looks, in order (napi-rs conventions):
//   1. `$OPENCODE_ORCHESTRATOR_NATIVE`, a specific .node file;
//   2. the platform package `opencode-orchestrator-<triple>` (an optional
//      dependency of the installed plugin; `main` is its .node file);
//   3. a local build, `native/analysis.<triple>.node` in a checkout.

import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The command that builds the addon in a checkout; named only when the plugin runs from one. */
export const BUILD_COMMAND = "npm run build:native"

/** The main package's name; each platform package is `${PACKAGE_NAME}-<triple>`. */
export const PACKAGE_NAME = "opencode-orchestrator"

/** Environment variable that points at a specific .node file. */
export const NATIVE_PATH_ENV = "OPENCODE_ORCHESTRATOR_NATIVE"

/**
 * The addon's functions by JavaScript name, as `crates/analysis/src/api.rs` (`EXPORTS`) registers
 * them (test/native/addon.test.ts checks that the two agree). Each takes and returns JSON text.
 * Anything that parses files, walks a repository or waits for a language server is async only (a
 * Promise, run on the host's worker pool); the sync ones never wait.
 */
export const ASYNC_EXPORTS = [
  "outlineAsync",
  "checkAsync",
  "queryAsync",
  "importsAsync",
  "repoMapAsync",
  "definitionAsync",
  "referencesAsync",
  "diagnosticsAsync",
  "lspStartAsync",
  "lspCheckAsync",
  "lspCloseAsync",
] as const
export const SYNC_EXPORTS = ["languages", "lspCloseAll"] as const

export type AsyncExport = (typeof ASYNC_EXPORTS)[number]
export type SyncExport = (typeof SYNC_EXPORTS)[number]

/** What the addon exports. */
export type Binding = { readonly [K in AsyncExport]: (request: string) => Promise<string> } & {
  readonly [K in SyncExport]: (request: string) => string
}

/** Every export's name. */
export const EXPORTS: readonly (keyof Binding)[] = [...ASYNC_EXPORTS, ...SYNC_EXPORTS]

/** napi-rs platform triples for this process, most likely first (on Linux the libc is not probed: npm installs only the matching package). */
export function platformTriples(platform: string = process.platform, arch: string = process.arch): string[] {
  if (platform === "linux") return [`linux-${arch}-gnu`, `linux-${arch}-musl`]
  if (platform === "win32") return [`win32-${arch}-msvc`]
  return [`${platform}-${arch}`]
}

/** `analysis.<triple>.node` names to try, most specific first. */
export function platformNames(platform: string = process.platform, arch: string = process.arch): string[] {
  return platformTriples(platform, arch).map((tag) => `analysis.${tag}.node`)
}

/** One place the addon may be. */
export type Candidate = { kind: "env"; path: string } | { kind: "package"; name: string; path: string | undefined } | { kind: "local"; path: string }

export interface CandidateOptions {
  /** The directory of this module (`src/native` or `dist/native`); the package root is two levels up. */
  moduleDir?: string
  platform?: string
  arch?: string
  env?: Record<string, string | undefined>
}

/** The package root: two levels above `src/native/` and `dist/native/`. */
export function packageRoot(moduleDir: string = dirname(fileURLToPath(import.meta.url))): string {
  return resolve(moduleDir, "..", "..")
}

/** A checkout has the crate's sources; an installed package does not (they are not in `files`). */
export function isCheckout(root: string = packageRoot()): boolean {
  return existsSync(join(root, "crates", "analysis", "Cargo.toml"))
}

/** Resolves an installed package's `main` as Node would from `root` (node_modules beside or above it); undefined if not installed. */
function resolvePackage(root: string, name: string): string | undefined {
  try {
    return createRequire(join(root, "package.json")).resolve(name)
  } catch {
    return undefined
  }
}

/** Where the addon may be, in the order the loader tries them. */
export function candidates(options: CandidateOptions = {}): Candidate[] {
  const root = packageRoot(options.moduleDir)
  const triples = platformTriples(options.platform, options.arch)
  const fromEnv = (options.env ?? process.env)[NATIVE_PATH_ENV]
  return [
    ...(fromEnv ? [{ kind: "env" as const, path: resolve(fromEnv) }] : []),
    ...triples.map((t) => {
      const name = `${PACKAGE_NAME}-${t}`
      return { kind: "package" as const, name, path: resolvePackage(root, name) }
    }),
    ...triples.map((t) => ({ kind: "local" as const, path: join(root, "native", `analysis.${t}.node`) })),
  ]
}

/** The file paths among `candidates()` (a package that is not installed has none). */
export function candidatePaths(moduleDir?: string): string[] {
  return candidates({ moduleDir }).flatMap((c) => (c.path ? [c.path] : []))
}

/** The platform packages the release publishes (the main package's `optionalDependencies`), or [] if unreadable. */
export function prebuiltPackages(root: string = packageRoot()): string[] {
  try {
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { optionalDependencies?: Record<string, string> }
    return Object.keys(manifest.optionalDependencies ?? {}).filter((n) => n.startsWith(`${PACKAGE_NAME}-`))
  } catch {
    return []
  }
}

const ELF_MACHINES: Record<number, string> = { 3: "ia32", 40: "arm", 62: "x64", 183: "arm64" }
const MACHO_CPUS: Record<number, string> = { 16777223: "x64", 16777228: "arm64" }

/**
 * What a file that failed to load is, when that explains the failure: glibc reports a library for
 * another architecture as "No such file or directory", which misleads anyone reading the message.
 */
export function binaryMismatch(path: string, arch: string = process.arch): string | undefined {
  const head = Buffer.alloc(20)
  let fd: number | undefined
  let size = 0
  try {
    fd = openSync(path, "r")
    size = readSync(fd, head, 0, 20, 0)
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  if (size < 20) return "the file is truncated"
  let machine: string | undefined
  if (head.readUInt32BE(0) === 0x7f454c46) machine = ELF_MACHINES[head.readUInt16LE(18)] ?? `ELF machine 0x${head.readUInt16LE(18).toString(16)}`
  else if (head.readUInt32LE(0) === 0xfeedfacf) machine = MACHO_CPUS[head.readUInt32LE(4)] ?? "another Mach-O CPU"
  else return "the file is not a shared library"
  return machine === arch ? undefined : `the file is built for ${machine}, this process is ${arch}`
}

function isBinding(value: unknown): value is Binding {
  if (typeof value !== "object" || value === null) return false
  const record = value as Record<string, unknown>
  return EXPORTS.every((name) => typeof record[name] === "function")
}

export type Source = "env" | "package" | "local"

export type Loaded = { ok: true; binding: Binding; path: string; source: Source; package?: string } | { ok: false; reason: string }

export interface LoadContext {
  /** The package root, to tell a checkout from an installed copy and to read the prebuilt list. */
  root?: string
  /** This process's triple, for messages. */
  triple?: string
}

function describe(c: Candidate): string {
  if (c.kind === "package") return `the package ${c.name}${c.path ? ` (${c.path})` : ""}`
  return c.path
}

/** The advice at the end of a "missing" or "failed" message: a build command in a checkout, a reinstall or the platform gap otherwise. */
function advice(context: Required<LoadContext>, failed: boolean): string {
  if (isCheckout(context.root)) return `run \`${BUILD_COMMAND}\``
  const prebuilt = prebuiltPackages(context.root)
  const mine = `${PACKAGE_NAME}-${context.triple}`
  if (prebuilt.length > 0 && !prebuilt.includes(mine)) {
    return `there is no prebuilt addon for ${context.triple} (prebuilt: ${prebuilt.map((p) => p.slice(PACKAGE_NAME.length + 1)).join(", ")}); the plugin works without it: code tools answer with this reason and the syntax gate is skipped`
  }
  // OpenCode installs a plugin into <cache>/opencode/packages/<spec>/node_modules/<name>: that directory is its copy.
  const installDir = resolve(context.root, "..", "..")
  const openCodeCopy = basename(dirname(installDir)) === "packages" && basename(dirname(context.root)) === "node_modules"
  const how = openCodeCopy
    ? `reinstall the plugin with its optional dependencies: delete OpenCode's copy (rm -rf ${installDir}) and restart OpenCode`
    : "reinstall the plugin with its optional dependencies (with npm, without --omit=optional)"
  return failed ? `the file may be damaged or for another platform: ${how}` : how
}

export function loadFrom(list: readonly (Candidate | string)[], context: LoadContext = {}): Loaded {
  const ctx: Required<LoadContext> = { root: context.root ?? packageRoot(), triple: context.triple ?? platformTriples()[0]! }
  const require = createRequire(import.meta.url)
  const failures: string[] = []
  const looked: string[] = []
  for (const item of list) {
    const c: Candidate = typeof item === "string" ? { kind: "local", path: item } : item
    looked.push(describe(c))
    if (!c.path || !existsSync(c.path)) continue
    let value: unknown
    try {
      value = require(c.path)
    } catch (error) {
      const mismatch = binaryMismatch(c.path)
      failures.push(`${c.path}: ${error instanceof Error ? error.message : String(error)}${mismatch ? ` (${mismatch})` : ""}`)
      continue
    }
    if (isBinding(value)) return { ok: true, binding: value, path: c.path, source: c.kind, ...(c.kind === "package" ? { package: c.name } : {}) }
    const missing = EXPORTS.filter((name) => typeof (value as Record<string, unknown>)[name] !== "function")
    failures.push(`${c.path}: stale build, missing ${missing.join(", ")}`)
  }
  const why =
    failures.length > 0
      ? `the native code-analysis addon failed to load (${failures.join("; ")})`
      : `the native code-analysis addon is ${isCheckout(ctx.root) ? "not built" : "not installed"} (looked for ${looked.join(", ")})`
  return { ok: false, reason: `${why}; ${advice(ctx, failures.length > 0)}` }
}

let cached: Loaded | undefined

/** Loads the addon on first use and remembers the outcome. */
export function load(): Loaded {
  cached ??= loadFrom(candidates())
  return cached
}
