// Typed API over the native code-analysis addon (crates/analysis).
// Every heavy call runs on the host's worker threads and returns a Promise.
// When the addon is missing, `nativeStatus()` says why and every call
// rejects with a NativeError whose code is "E_NATIVE_MISSING".

import { type AsyncExport, type Binding, BUILD_COMMAND, load } from "./load.js"
import { NATIVE_ERROR_CODES } from "./types.js"
import type {
  OneOffDiagnosticsReport,
  ImportsReport,
  Language,
  LanguagesInfo,
  LspCheckReport,
  LspStartReport,
  NativeErrorCode,
  OutlineReport,
  QueryReport,
  RepoMapReport,
  SymbolReport,
  SyntaxReport,
} from "./types.js"

export type * from "./types.js"
export { BUILD_COMMAND }

export type NativeStatus = { available: true; path: string; version: string; languages: Language[] } | { available: false; reason: string }

export class NativeError extends Error {
  readonly code: NativeErrorCode

  constructor(code: NativeErrorCode, message: string) {
    super(message)
    this.name = "NativeError"
    this.code = code
  }
}

export interface FileOptions {
  /** Files larger than this are skipped (default 2 MiB). */
  maxBytes?: number
  /** Parser threads for this call (default: one per core). */
  threads?: number
}

export interface QueryOptions extends FileOptions {
  /** At most this many captures (default 500). */
  limit?: number
}

export interface RepoMapOptions {
  budgetTokens: number
  /** Root-relative files the map is personalised towards. */
  focus: string[]
  /** Stop walking after this many files (default 20,000). */
  maxFiles?: number
  /** Files larger than this are left out (default 1 MiB). */
  maxBytes?: number
  threads?: number
}

function toNativeError(error: unknown): NativeError {
  if (error instanceof NativeError) return error
  const message = error instanceof Error ? error.message : String(error)
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined
  const known = NATIVE_ERROR_CODES.find((c) => c === code) ?? "E_IO"
  if (known === "E_INTERNAL") {
    return new NativeError(
      known,
      `the JavaScript runtime failed the native addon's call (not a problem of the request; it may work if tried again): ${message}`,
    )
  }
  return new NativeError(known, message)
}

function binding(): Binding {
  const loaded = load()
  if (!loaded.ok) throw new NativeError("E_NATIVE_MISSING", loaded.reason)
  return loaded.binding
}

async function call<T>(name: AsyncExport, request: object): Promise<T> {
  let text: string
  try {
    text = await binding()[name](JSON.stringify(request))
  } catch (error) {
    throw toNativeError(error)
  }
  const parsed: unknown = JSON.parse(text)
  return parsed as T
}

/** Whether the addon can be used, and if not, why (naming the build command). */
export function nativeStatus(): NativeStatus {
  const loaded = load()
  if (!loaded.ok) return { available: false, reason: loaded.reason }
  try {
    const info = languages()
    return { available: true, path: loaded.path, version: info.version, languages: info.languages.map((l) => l.name) }
  } catch (error) {
    return { available: false, reason: `the native addon loaded but does not answer: ${toNativeError(error).message}` }
  }
}

/** Languages compiled into the addon and their extensions. */
export function languages(): LanguagesInfo {
  try {
    const parsed: unknown = JSON.parse(binding().languages("{}"))
    return parsed as LanguagesInfo
  } catch (error) {
    throw toNativeError(error)
  }
}

/** Symbols (functions, classes, methods, types, ...) of each file, nested. */
export function outline(root: string, files: string[], options: FileOptions = {}): Promise<OutlineReport> {
  return call("outlineAsync", { root, files, ...options })
}

/** Syntax errors (ERROR and MISSING nodes) of each file. */
export function checkSyntax(root: string, files: string[], options: FileOptions = {}): Promise<SyntaxReport> {
  return call("checkAsync", { root, files, ...options })
}

/** Runs a tree-sitter query over `files`, or over every file of `language`
 * under `root` (honouring .gitignore) when `files` is omitted. */
export function query(root: string, language: Language | string, source: string, files?: string[], options: QueryOptions = {}): Promise<QueryReport> {
  return call("queryAsync", { root, language, query: source, files, ...options })
}

/** Module dependency edges; relative imports resolved to files under `root`. */
export function imports(root: string, files: string[], options: FileOptions = {}): Promise<ImportsReport> {
  return call("importsAsync", { root, files, ...options })
}

/** The ranked repo map with its statistics. */
export function repoMapReport(root: string, options: RepoMapOptions): Promise<RepoMapReport> {
  return call("repoMapAsync", { root, ...options })
}

/** The ranked repo map text: definitions most relevant to `focus`, within
 * `budgetTokens` (estimated at 4 characters per token). */
export async function repoMap(root: string, options: RepoMapOptions): Promise<string> {
  return (await repoMapReport(root, options)).map
}

/** What to look up in the symbol index: a name, or the identifier at
 * `file:line:column` (1-based; column in bytes). With a name, `file` only
 * ranks the candidates (that file first, then files it imports or that
 * import it). */
export interface SymbolQuery {
  symbol?: string
  file?: string
  line?: number
  column?: number
  /** At most this many locations per list (default 100). */
  limit?: number
  threads?: number
}

/** Definitions of a symbol across the project, every candidate ranked. The
 * index lives in the addon per root and re-parses only changed files. */
export function definition(root: string, query: SymbolQuery): Promise<SymbolReport> {
  return call("definitionAsync", { root, ...query })
}

/** Uses of a symbol across the project (definition sites excluded), with its
 * definitions. */
export function references(root: string, query: SymbolQuery): Promise<SymbolReport> {
  return call("referencesAsync", { root, ...query })
}

export interface DiagnosticsOptions {
  /** The language server: program and arguments, e.g.
   * `["/repo/node_modules/.bin/typescript-language-server", "--stdio"]`. */
  command: string[]
  /** LSP language id for every file (default: from each extension). */
  languageId?: string
  /** Whole session limit, server start included (default 30,000; max 300,000). */
  timeoutMs?: number
  /** Quiet time after the last report once every file reported (default: the addon's, `languages().settleMs`). */
  settleMs?: number
  /** Sent as `initializationOptions`. */
  initializationOptions?: unknown
  /** Cap on messages from the server in one session (default 20,000). */
  maxMessages?: number
}

/** Diagnostics for `files` (root-relative) from a real language server,
 * started for this call and shut down (its process group killed) after it.
 * Server trouble (cannot start, exits, never answers, floods) is reported
 * in `server.error`; bad paths reject with E_OUTSIDE_ROOT / E_IO. */
export function diagnostics(root: string, files: string[], options: DiagnosticsOptions): Promise<OneOffDiagnosticsReport> {
  return call("diagnosticsAsync", { root, files, ...options })
}

export interface LspStartOptions {
  /** The language server: program and arguments. */
  command: string[]
  /** LSP language id for every file (default: from each extension). */
  languageId?: string
  /** Limit for `initialize` (default 30,000; max 300,000). */
  timeoutMs?: number
  initializationOptions?: unknown
  /** Cap on messages from the server per check (default 20,000). */
  maxMessages?: number
}

export interface LspCheckOptions {
  /** Limit of this check (default 30,000; max 300,000). */
  timeoutMs?: number
  /** Quiet time after the last report once every file reported (default: the addon's, `languages().settleMs`). */
  settleMs?: number
}

/** Starts a language server in `root` that stays running for `lspCheck`
 * calls until `lspClose` (or the addon's environment ends). Most callers
 * want `warmDiagnostics` (warm-servers.ts), which manages these. */
export function lspStart(root: string, options: LspStartOptions): Promise<LspStartReport> {
  return call("lspStartAsync", { root, ...options })
}

/** Diagnostics of `files` (relative to the session's root) from a started
 * server: changed files are re-sent, unchanged ones may be answered from
 * earlier reports. `alive: false` when the server died. */
export function lspCheck(id: number, files: string[], options: LspCheckOptions = {}): Promise<LspCheckReport> {
  return call("lspCheckAsync", { id, files, ...options })
}

/** Shuts a started server down (its process group killed); false when it was not running. */
export async function lspClose(id: number): Promise<boolean> {
  return (await call<{ closed: boolean }>("lspCloseAsync", { id })).closed
}

/** Kills every server this environment started, synchronously (for exit
 * handlers); returns how many. Does nothing when the addon is missing. */
export function lspCloseAllNow(): number {
  const loaded = load()
  if (!loaded.ok) return 0
  const parsed = JSON.parse(loaded.binding.lspCloseAll("{}")) as { closed: number }
  return parsed.closed
}
