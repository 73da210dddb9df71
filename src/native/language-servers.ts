import { existsSync, statSync } from "node:fs"
import { basename, delimiter, dirname, extname, isAbsolute, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { LanguageServerOptions } from "../config.js"

/** Where a server's binary was found: the project's node_modules, the plugin's own dependencies, PATH, or an absolute path in the config. */
export type ServerSource = "project" | "plugin" | "PATH" | "config"

/** A language server to start for some files. */
export interface LanguageServer {
  /** Display name, e.g. "typescript-language-server". */
  name: string
  command: string[]
  source: ServerSource
}

/** This package's root (two levels above `src/native/` and `dist/native/`). */
const PLUGIN_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")

/**
 * The `.bin` directories of the plugin's own dependencies: its own node_modules (a checkout), and
 * the node_modules it is installed in (npm and OpenCode hoist dependencies beside the package).
 */
export function pluginBinDirs(root: string = PLUGIN_ROOT): string[] {
  const dirs = [join(root, "node_modules", ".bin")]
  if (basename(dirname(root)) === "node_modules") dirs.push(join(dirname(root), ".bin"))
  else if (basename(dirname(dirname(root))) === "node_modules" && basename(dirname(root)).startsWith("@")) dirs.push(join(dirname(dirname(root)), ".bin"))
  return dirs
}

/** Languages with a language-server setting, and their file extensions. */
export const SERVER_LANGUAGES = {
  typescript: [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"],
  python: [".py", ".pyi"],
  go: [".go"],
  rust: [".rs"],
} as const
export type ServerLanguage = keyof typeof SERVER_LANGUAGES

/** The user's settings per language, and how long an idle server is kept (config key `languageServers`). */
export type ServerSettings = LanguageServerOptions

/** Used when the config names no command: only TypeScript/JavaScript has one. */
const DEFAULT_COMMANDS: Partial<Record<ServerLanguage, string[]>> = {
  typescript: ["typescript-language-server", "--stdio"],
}

function languageOf(file: string): ServerLanguage | undefined {
  const ext = extname(file).toLowerCase()
  return (Object.keys(SERVER_LANGUAGES) as ServerLanguage[]).find((l) => (SERVER_LANGUAGES[l] as readonly string[]).includes(ext))
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** `name` from the project's node_modules/.bin, else the plugin's own dependencies, else PATH. */
export function locateBinary(
  directory: string,
  name: string,
  path = process.env.PATH ?? "",
  pluginDirs: readonly string[] = pluginBinDirs(),
): { path: string; source: ServerSource } | undefined {
  if (isAbsolute(name)) return isFile(name) ? { path: name, source: "config" } : undefined
  const local = join(directory, "node_modules", ".bin", name)
  if (isFile(local)) return { path: local, source: "project" }
  for (const dir of pluginDirs) if (isFile(join(dir, name))) return { path: join(dir, name), source: "plugin" }
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name)) && isFile(join(dir, name))) return { path: join(dir, name), source: "PATH" }
  }
  return undefined
}

/** How a server's source reads in messages. */
export function describeSource(source: ServerSource): string {
  return { project: "the project's node_modules", plugin: "the plugin's own dependencies", PATH: "PATH", config: "the configured path" }[source]
}

/** The language server for `file`, or why there is none. */
export function serverFor(directory: string, file: string, settings: ServerSettings = {}): LanguageServer | { missing: string } {
  const language = languageOf(file)
  const ext = extname(file).toLowerCase() || "files without an extension"
  if (!language) return { missing: `no language server for ${ext}` }
  const setting = settings[language]
  if (setting?.enabled === false) return { missing: `the ${language} language server is disabled in the configuration (languageServers.${language})` }
  const command = setting?.command ?? DEFAULT_COMMANDS[language]
  if (!command || command.length === 0) {
    return { missing: `no language server for ${language}: set languageServers.${language}.command (e.g. ["pyright-langserver", "--stdio"])` }
  }
  const [name, ...args] = command as [string, ...string[]]
  const bin = locateBinary(directory, name)
  if (!bin) return { missing: `no language server for ${language}: ${name} not found in the project's node_modules/.bin, the plugin's dependencies or PATH` }
  return { name, command: [bin.path, ...args], source: bin.source }
}

/** Files (relative to `directory`) grouped by the server that checks them, one group per server command; the rest with why none can. */
export function groupByServer(
  directory: string,
  files: readonly string[],
  settings: ServerSettings = {},
): { groups: { server: LanguageServer; files: string[] }[]; missing: { file: string; why: string }[] } {
  const groups = new Map<string, { server: LanguageServer; files: string[] }>()
  const missing: { file: string; why: string }[] = []
  for (const file of files) {
    const found = serverFor(directory, file, settings)
    if ("missing" in found) {
      missing.push({ file, why: found.missing })
      continue
    }
    const key = found.command.join("\0")
    const group = groups.get(key) ?? { server: found, files: [] }
    group.files.push(file)
    groups.set(key, group)
  }
  return { groups: [...groups.values()], missing }
}
