// Finds and loads the native addon (.node) once, in Node and in Bun.
// Never throws: a missing or broken addon becomes a reason string.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The command that builds the addon; named in every "missing" message. */
export const BUILD_COMMAND = "npm run build:native";

/** Environment variable that points at a specific .node file. */
export const NATIVE_PATH_ENV = "OPENCODE_ORCHESTRATOR_NATIVE";

type Sync = (request: string) => string;
type Async = (request: string) => Promise<string>;

/** What the addon exports: each function takes and returns JSON text. */
export interface Binding {
  outline: Sync;
  outlineAsync: Async;
  check: Sync;
  checkAsync: Async;
  query: Sync;
  queryAsync: Async;
  imports: Sync;
  importsAsync: Async;
  repoMap: Sync;
  repoMapAsync: Async;
  languages: Sync;
  languagesAsync: Async;
  diagnostics: Sync;
  diagnosticsAsync: Async;
  lspStart: Sync;
  lspStartAsync: Async;
  lspCheck: Sync;
  lspCheckAsync: Async;
  lspClose: Sync;
  lspCloseAsync: Async;
  lspCloseAll: Sync;
  lspCloseAllAsync: Async;
  definition: Sync;
  definitionAsync: Async;
  references: Sync;
  referencesAsync: Async;
  debugPanic: Sync;
  debugPanicAsync: Async;
}

const EXPORTS: readonly (keyof Binding)[] = [
  "outline",
  "outlineAsync",
  "check",
  "checkAsync",
  "query",
  "queryAsync",
  "imports",
  "importsAsync",
  "repoMap",
  "repoMapAsync",
  "languages",
  "languagesAsync",
  "diagnostics",
  "diagnosticsAsync",
  "lspStart",
  "lspStartAsync",
  "lspCheck",
  "lspCheckAsync",
  "lspClose",
  "lspCloseAsync",
  "lspCloseAll",
  "lspCloseAllAsync",
  "definition",
  "definitionAsync",
  "references",
  "referencesAsync",
  "debugPanic",
  "debugPanicAsync",
];

export type Loaded = { ok: true; binding: Binding; path: string } | { ok: false; reason: string };

/** `analysis.<platform>.node` names to try, most specific first. */
export function platformNames(platform: string = process.platform, arch: string = process.arch): string[] {
  const tags =
    platform === "linux"
      ? [`linux-${arch}-gnu`, `linux-${arch}-musl`]
      : platform === "win32"
        ? [`win32-${arch}-msvc`]
        : [`${platform}-${arch}`];
  return tags.map((tag) => `analysis.${tag}.node`);
}

/** Where the .node file may be: `$OPENCODE_ORCHESTRATOR_NATIVE`, then `native/`
 * at the package root (two levels above `src/native/` and `dist/native/`). */
export function candidatePaths(moduleDir: string = dirname(fileURLToPath(import.meta.url))): string[] {
  const fromEnv = process.env[NATIVE_PATH_ENV];
  const dir = resolve(moduleDir, "..", "..", "native");
  const found = platformNames().map((name) => join(dir, name));
  return fromEnv ? [resolve(fromEnv), ...found] : found;
}

function isBinding(value: unknown): value is Binding {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return EXPORTS.every((name) => typeof record[name] === "function");
}

export function loadFrom(paths: readonly string[]): Loaded {
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    let value: unknown;
    try {
      value = require(path);
    } catch (error) {
      failures.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (isBinding(value)) return { ok: true, binding: value, path };
    const missing = EXPORTS.filter((name) => typeof (value as Record<string, unknown>)[name] !== "function");
    failures.push(`${path}: stale build, missing ${missing.join(", ")}`);
  }
  const why =
    failures.length > 0
      ? `the native code-analysis addon failed to load (${failures.join("; ")})`
      : `the native code-analysis addon is not built (looked for ${paths.join(", ")})`;
  return { ok: false, reason: `${why}; run \`${BUILD_COMMAND}\`` };
}

let cached: Loaded | undefined;

/** Loads the addon on first use and remembers the outcome. */
export function load(): Loaded {
  cached ??= loadFrom(candidatePaths());
  return cached;
}
