import { existsSync, statSync } from "node:fs";
import { delimiter, extname, join } from "node:path";
import { type ToolDefinition, tool } from "@opencode-ai/plugin";
import { diagnostics } from "../native/index.js";
import { description, native, plural } from "./shared.js";

/** A language server the tool knows how to start. */
export interface LanguageServer {
  /** Display name, e.g. "typescript-language-server". */
  name: string;
  command: string[];
}

const TS_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"]);
/** Session limit for one call: a cold tsserver on a large project is slow. */
const TIMEOUT_MS = 60_000;
/** typescript-language-server publishes syntax, then semantic, then
 * suggestion diagnostics (debounced 50 ms): wait for the later rounds. */
const SETTLE_MS = 500;

function languageOf(file: string): string {
  const ext = extname(file).toLowerCase();
  if (TS_EXTENSIONS.has(ext)) return "typescript/javascript";
  return ext ? ext.slice(1) : "files without an extension";
}

function executable(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `name` from the project's node_modules/.bin, else from PATH. */
export function findBinary(directory: string, name: string, path = process.env.PATH ?? ""): string | undefined {
  const local = join(directory, "node_modules", ".bin", name);
  if (executable(local)) return local;
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name)) && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The language server for `file`, or why there is none. */
export function serverFor(directory: string, file: string): LanguageServer | { missing: string } {
  if (!TS_EXTENSIONS.has(extname(file).toLowerCase())) {
    return { missing: `no language server for ${languageOf(file)}` };
  }
  const bin = findBinary(directory, "typescript-language-server");
  if (!bin) {
    return {
      missing:
        "no language server for typescript/javascript: typescript-language-server not found in node_modules/.bin or PATH (npm i -D typescript-language-server typescript)",
    };
  }
  return { name: "typescript-language-server", command: [bin, "--stdio"] };
}

export function codeDiagnosticsTool(): ToolDefinition {
  return tool({
    description: description("code_diagnostics"),
    args: {
      files: tool.schema
        .array(tool.schema.string())
        .min(1)
        .max(100)
        .describe("File paths relative to the project directory"),
    },
    async execute(args, ctx) {
      const groups = new Map<string, { server: LanguageServer; files: string[] }>();
      const out: string[] = [];
      const notes: string[] = [];
      for (const file of args.files) {
        const found = serverFor(ctx.directory, file);
        if ("missing" in found) {
          notes.push(`${file}: ${found.missing}`);
          continue;
        }
        const key = found.command.join("\0");
        const group = groups.get(key) ?? { server: found, files: [] };
        group.files.push(file);
        groups.set(key, group);
      }
      let checked = 0;
      let problems = 0;
      for (const { server, files } of groups.values()) {
        const report = await native("code_diagnostics", () =>
          diagnostics(ctx.directory, files, { command: server.command, timeoutMs: TIMEOUT_MS, settleMs: SETTLE_MS }),
        );
        if (report.server.error) notes.push(`${server.name}: ${report.server.error}`);
        for (const file of report.files) {
          if (!file.reported) {
            notes.push(`${file.file}: no diagnostics reported by ${server.name}`);
            continue;
          }
          checked++;
          for (const d of file.diagnostics) {
            problems++;
            const tag = [d.source, d.code].filter(Boolean).join(" ");
            out.push(`${file.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${tag ? ` [${tag}]` : ""}`);
          }
        }
      }
      const head =
        problems === 0
          ? `No diagnostics in ${plural(checked, "file")}.`
          : `${plural(problems, "diagnostic")} in ${plural(checked, "checked file")}:`;
      return [head, ...out, ...notes].join("\n");
    },
  });
}
