// JSON shapes returned by the native addon (crates/analysis/src/api.rs).
// Lines and columns are 1-based; columns count bytes.

export type Language = "typescript" | "tsx" | "javascript" | "python" | "go" | "rust" | "json";

/** A file that was not analysed, and why (unsupported language, not found, too large). */
export interface Skip {
  file: string;
  reason: string;
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
  | "key";

export interface OutlineSymbol {
  kind: SymbolKind;
  name: string;
  startLine: number;
  endLine: number;
  exported: boolean;
  children?: OutlineSymbol[];
}

export interface FileOutline {
  file: string;
  language: Language;
  symbols: OutlineSymbol[];
}

export interface OutlineReport {
  files: FileOutline[];
  skipped: Skip[];
}

export interface SyntaxIssue {
  line: number;
  column: number;
  kind: "error" | "missing";
  message: string;
  /** The offending line, trimmed. */
  context: string;
}

export interface FileSyntax {
  file: string;
  language: Language;
  ok: boolean;
  errors: SyntaxIssue[];
  /** More errors than listed (the addon reports at most 20 per file). */
  truncated: boolean;
}

export interface SyntaxReport {
  /** Every analysed file parses. Skipped files do not count. */
  ok: boolean;
  files: FileSyntax[];
  skipped: Skip[];
}

export interface Capture {
  file: string;
  /** Capture name without `@`. */
  name: string;
  /** Node kind. */
  kind: string;
  text: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export interface QueryReport {
  captures: Capture[];
  truncated: boolean;
  filesSearched: number;
  skipped: Skip[];
}

export interface ImportEdge {
  from: string;
  specifier: string;
  line: number;
  /** Root-relative target (a directory for Go packages) when `kind` is "local". */
  to: string | null;
  kind: "local" | "external" | "unresolved";
}

export interface ImportsReport {
  edges: ImportEdge[];
  skipped: Skip[];
}

export interface RepoMapReport {
  map: string;
  files: number;
  definitions: number;
  shown: number;
  tokens: number;
  truncated: boolean;
  skipped: number;
  focusMissing: string[];
}

export interface LanguagesInfo {
  version: string;
  languages: { name: Language; extensions: string[] }[];
  maxBytes: number;
}

/** Codes of errors raised by the addon, plus E_NATIVE_MISSING from the loader. */
export type NativeErrorCode =
  | "E_NATIVE_MISSING"
  | "E_BAD_REQUEST"
  | "E_OUTSIDE_ROOT"
  | "E_BAD_QUERY"
  | "E_UNKNOWN_LANGUAGE"
  | "E_IO"
  | "E_PANIC";
