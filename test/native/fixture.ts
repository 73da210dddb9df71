// A small multi-language project written to a temp dir for the addon tests.
import type { ToolContext } from "@opencode-ai/plugin"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

export const FILES: Record<string, string> = {
  "src/app.ts": [
    'import { helper, type Options } from "./util.js";',
    'import * as fs from "node:fs";',
    "export interface Config { name: string; run(): void }",
    "export class App {",
    "  private secret = 1;",
    "  start(opts?: Options): void { helper(); }",
    "}",
    "export function main(): void { new App().start(); }",
    "export type Id = string;",
    "export enum Mode { A, B }",
    "function local(): void {}",
    "",
  ].join("\n"),
  "src/util.ts": "export function helper(): number { return 1; }\nexport interface Options { verbose: boolean }\n",
  "src/view.tsx": 'import { App } from "./app";\nexport function View(): JSX.Element {\n  return <div className="v">{String(App)}</div>;\n}\n',
  "lib/legacy.js":
    'const path = require("path");\nconst helpers = require("./helpers");\nclass Legacy { run() { return helpers.h(); } }\nmodule.exports = { Legacy };\n',
  "lib/helpers.js": "function h() { return 1; }\nmodule.exports = { h };\n",
  "py/pkg/__init__.py": "",
  "py/pkg/models.py": "class User:\n    def save(self):\n        pass\n",
  "py/pkg/service.py": "import os\nfrom .models import User\n\n\ndef create_user():\n    return User()\n\n\n_private = 1\n",
  "go/go.mod": "module example.com/app\n\ngo 1.22\n",
  "go/main.go": 'package main\n\nimport (\n\t"fmt"\n\t"example.com/app/store"\n)\n\nfunc main() { fmt.Println(store.Open()) }\n',
  "go/store/store.go": "package store\n\ntype Store struct{}\n\nfunc Open() *Store { return &Store{} }\n\nfunc (s *Store) Get(k string) string { return k }\n",
  "rs/Cargo.toml": '[package]\nname = "demo"\nversion = "0.1.0"\n',
  "rs/src/lib.rs": "pub mod parser;\nuse crate::parser::Parser;\n\npub fn run() -> Parser {\n    Parser::new()\n}\n",
  "rs/src/parser.rs": "pub struct Parser;\n\nimpl Parser {\n    pub fn new() -> Self {\n        Parser\n    }\n}\n",
  "data/config.json": '{\n  "name": "demo",\n  "version": 1\n}\n',
  "broken/bad.ts": "function f( {\n  return 1;\n}\n",
  "broken/bad.tsx": "export const A = () => <div>;\n",
  "broken/bad.js": "let = ;\n",
  "broken/bad.py": "def f(:\n    pass\n",
  "broken/bad.go": "package x\n\nfunc f( {\n}\n",
  "broken/bad.rs": "fn main() { let x = 1 }\n",
  "broken/bad.json": '{"a": }\n',
  "notes.txt": "not code\n",
  ".gitignore": "ignored/\n",
  "ignored/secret.ts": "export function ignoredThing(): void {}\n",
}

/** Writes FILES (plus `extra`) to a fresh temp dir; returns it and a cleanup. */
export function makeProject(extra: Record<string, string | Buffer> = {}): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "native-fixture-"))
  for (const [path, text] of Object.entries({ ...FILES, ...extra })) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

/** A tool context for calling the agent tools directly. */
export function toolContext(directory: string): ToolContext {
  return {
    sessionID: "s",
    messageID: "m",
    agent: "worker",
    directory,
    worktree: directory,
    abort: new AbortController().signal,
    metadata: () => {},
    ask: async () => {},
  }
}
