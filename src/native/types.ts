// JSON shapes returned by the native addon (crates/analysis/src/api.rs), and its error codes.
// Lines and columns are 1-based; columns count bytes.

export type Language = "typescript" | "tsx" | "javascript" | "python" | "go" | "rust" | "json"

/** A file that was not analysed, and why (unsupported language, not found, too large). */
export interface Skip {
  file: string
  reason: string
}

export type SymbolKind =
  | "function"
  | "method"
  | "class"
  | "interface"
  | "type"
  | "enum"
  | "struct"
  | "trait"
  | "impl"
  | "module"
  | "constant"
  | "variable"
  | "property"
  | "macro"
  | "key"

export interface OutlineSymbol {
  kind: SymbolKind
  name: string
  startLine: number
  endLine: number
  exported: boolean
  children?: OutlineSymbol[]
}

export interface FileOutline {
  file: string
  language: Language
  symbols: OutlineSymbol[]
}

export interface OutlineReport {
  files: FileOutline[]
  skipped: Skip[]
}

export interface SyntaxIssue {
  line: number
  column: number
  kind: "error" | "missing"
  message: string
  /** The offending line, trimmed. */
  context: string
}

export interface FileSyntax {
  file: string
  language: Language
  ok: boolean
  errors: SyntaxIssue[]
  /** More errors than listed (the addon reports at most 20 per file). */
  truncated: boolean
}

export interface SyntaxReport {
  /** Every analysed file parses. Skipped files do not count. */
  ok: boolean
  files: FileSyntax[]
  skipped: Skip[]
}

export interface Capture {
  file: string
  /** Capture name without `@`. */
  name: string
  /** Node kind. */
  kind: string
  text: string
  startLine: number
  startColumn: number
  endLine: number
  endColumn: number
}

export interface QueryReport {
  captures: Capture[]
  truncated: boolean
  filesSearched: number
  skipped: Skip[]
}

export interface ImportEdge {
  from: string
  specifier: string
  line: number
  /** Root-relative target (a directory for Go packages) when `kind` is "local". */
  to: string | null
  kind: "local" | "external" | "unresolved"
}

export interface ImportsReport {
  edges: ImportEdge[]
  skipped: Skip[]
}

export interface RepoMapReport {
  map: string
  files: number
  definitions: number
  shown: number
  tokens: number
  truncated: boolean
  skipped: number
  focusMissing: string[]
}

export interface LanguagesInfo {
  version: string
  languages: { name: Language; extensions: string[] }[]
  maxBytes: number
  /** The default quiet time a language-server check waits after the last report (`settleMs`). */
  settleMs: number
}

/** A place in the repository (symbol index). */
export interface SymbolLocation {
  file: string
  line: number
  /** 1-based, in bytes. */
  column: number
  /** The definition's symbol kind, or "reference". */
  kind: SymbolKind | "reference"
  /** The source line, trimmed. */
  context: string
  /** 0: the query file, 1: a file importing it or imported by it, 2: other. */
  rank: 0 | 1 | 2
}

/** What the index refresh of one call did. */
export interface SymbolIndexStats {
  files: number
  /** Files parsed by this call (0 on an unchanged tree). */
  parsed: number
  /** Files hashed because their mtime was too recent to trust. */
  hashed: number
  removed: number
  skipped: number
  truncated: boolean
  refreshMs: number
}

export interface SymbolReport {
  /** The name looked up (the identifier under the cursor for a position). */
  symbol: string
  at: { file: string; line: number; column: number } | null
  /** Every candidate, ranked; more than one means the name is ambiguous. */
  definitions: SymbolLocation[]
  /** Present for `references`: uses, definition sites excluded. */
  references?: SymbolLocation[]
  totalDefinitions: number
  totalReferences?: number
  ambiguous: boolean
  /** A list was cut at `limit`. */
  truncated: boolean
  stats: SymbolIndexStats
}

export interface LspDiagnostic {
  /** 1-based. */
  line: number
  /** 1-based, in bytes (the server's UTF-16 offset converted). */
  column: number
  endLine: number
  endColumn: number
  severity: "error" | "warning" | "information" | "hint"
  message: string
  source?: string
  code?: string
}

export interface FileDiagnostics {
  file: string
  /** The server published diagnostics for this file (possibly none). */
  reported: boolean
  diagnostics: LspDiagnostic[]
}

export interface DiagnosticsReport {
  server: {
    /** The server started and answered `initialize`. */
    started: boolean
    /** Why the session failed or is incomplete. */
    error?: string
    /** `serverInfo.name` from the server. */
    name?: string
  }
  files: FileDiagnostics[]
  /** The timeout passed before every file reported (or before `initialize` was answered). */
  timedOut: boolean
}

/** `diagnostics()`: a one-off server's report, with the milliseconds of each phase (0 for a phase not reached). */
export interface OneOffDiagnosticsReport extends DiagnosticsReport {
  timings: { initializeMs: number; diagnosticsMs: number; shutdownMs: number }
}

/** `lspStart`: a warm language server, or why it did not start. */
export interface LspStartReport {
  /** Handle for `lspCheck`/`lspClose`; absent when the server did not start. */
  id?: number
  /** The server's process id (it leads its own process group). */
  pid?: number
  server: DiagnosticsReport["server"]
  /** It never answered `initialize`. */
  timedOut: boolean
  initializeMs: number
}

/** `lspCheck`: diagnostics from a warm server. */
export interface LspCheckReport {
  /** The server still runs; false when it died (start another). */
  alive: boolean
  error?: string
  files: FileDiagnostics[]
  timedOut: boolean
  /** Call → diagnostics complete (settle time included); ~0 when answered from earlier reports. */
  diagnosticsMs: number
  /** Documents opened for the first time, re-opened (changed, or to get a fresh report), closed. */
  opened: number
  reopened: number
  closed: number
}

/**
 * Codes of errors raised by the addon (crates/analysis/src/error.rs), plus E_NATIVE_MISSING from
 * the loader. E_INTERNAL: the host's Node-API failed a call or cancelled the work, not the request.
 */
export const NATIVE_ERROR_CODES = [
  "E_NATIVE_MISSING",
  "E_BAD_REQUEST",
  "E_OUTSIDE_ROOT",
  "E_BAD_QUERY",
  "E_UNKNOWN_LANGUAGE",
  "E_IO",
  "E_PANIC",
  "E_INTERNAL",
] as const
export type NativeErrorCode = (typeof NATIVE_ERROR_CODES)[number]
