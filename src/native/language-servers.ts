import { existsSync, statSync } from "node:fs"
import { delimiter, extname, isAbsolute, join } from "node:path"

/** A language server to start for some files. */
export interface LanguageServer {
  /** Display name, e.g. "typescript-language-server". */
  name: string
  command: string[]
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
export type ServerSettings = Partial<Record<ServerLanguage, { command?: string[]; enabled?: boolean }>> & { idleSec?: number }

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

/** `name` from the project's node_modules/.bin, else from PATH. */
export function findBinary(directory: string, name: string, path = process.env.PATH ?? ""): string | undefined {
  if (isAbsolute(name)) return isFile(name) ? name : undefined
  const local = join(directory, "node_modules", ".bin", name)
  if (isFile(local)) return local
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name)) && isFile(join(dir, name))) return join(dir, name)
  }
  return undefined
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
  const bin = findBinary(directory, name)
  if (!bin) return { missing: `no language server for ${language}: ${name} not found in node_modules/.bin or PATH` }
  return { name, command: [bin, ...args] }
}
