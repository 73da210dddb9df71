// A project built like a real one: packages installed by npm into a git-ignored node_modules/, a
// git-ignored .env its tests read (listed in .worktreeinclude), an ignored build cache nobody lists,
// and a test script that reports each run to a counter on 127.0.0.1.
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { makeProject, type Project } from "../support/opencode.js"

/** A local package, packed by npm into `vendorDir` as `<name>-1.0.0.tgz`. */
function pack(vendorDir: string, name: string, source: string): void {
  const dir = mkdtempSync(join(vendorDir, `.src-${name}-`))
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", type: "module", main: "index.js" }))
  writeFileSync(join(dir, "index.js"), source)
  execFileSync("npm", ["pack", "--silent", "--pack-destination", vendorDir], { cwd: dir, stdio: "pipe" })
  execFileSync("rm", ["-rf", dir])
}

export const SLUG = "export function slug(s) {\n  return s.toLowerCase().trim().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')\n}\n"
export const PAD = "export function padLeft(s, width) {\n  return String(s).padStart(width, ' ')\n}\n"

const GREET =
  "import { slug } from 'tiny-slug'\n\nexport const greet = (name) => `${process.env.GREETING}, ${name}!`\nexport const handle = (name) => slug(name)\n"
const GREET_TEST =
  "import { test } from 'node:test'\nimport assert from 'node:assert'\nimport { greet, handle } from '../src/greet.js'\n\ntest('greet', () => assert.strictEqual(greet('Ada'), 'Hello, Ada!'))\ntest('handle', () => assert.strictEqual(handle('Ada Lovelace'), 'ada-lovelace'))\n"
const COUNT_RUN = "await fetch(process.env.COUNTER_URL, { method: 'POST', body: process.cwd() })\n"

export interface RealProject {
  project: Project
  /** Runs of `npm test` reported so far, by the directory they ran in. */
  runs: string[]
  close(): Promise<void>
}

/** The project, installed (`npm install`, offline: its packages are tarballs in vendor/), committed. */
export async function realProject(extraFiles: Record<string, string> = {}): Promise<RealProject> {
  const runs: string[] = []
  const counter = createServer((req, res) => {
    let body = ""
    req.on("data", (c) => (body += c))
    req.on("end", () => {
      runs.push(body)
      res.end("ok")
    })
  })
  await new Promise<void>((resolve) => counter.listen(0, "127.0.0.1", resolve))
  const port = (counter.address() as AddressInfo).port
  const project = makeProject({
    git: true,
    commit: false,
    files: {
      "package.json": `${JSON.stringify(
        {
          name: "greeter",
          version: "1.0.0",
          private: true,
          type: "module",
          scripts: { test: "node --env-file=.env scripts/count-run.js && node --env-file=.env --test" },
          dependencies: { "tiny-slug": "file:vendor/tiny-slug-1.0.0.tgz" },
        },
        null,
        2,
      )}\n`,
      "src/greet.js": GREET,
      "test/greet.test.js": GREET_TEST,
      "scripts/count-run.js": COUNT_RUN,
      ".gitignore": "node_modules/\n.env\nbuild-cache/\n",
      ".worktreeinclude": "# secrets the tests need\n.env\n",
      ".env": `GREETING=Hello\nCOUNTER_URL=http://127.0.0.1:${port}/\n`,
      "build-cache/big.bin": "x".repeat(1 << 20),
      ...extraFiles,
    },
  })
  const vendor = join(project.dir, "vendor")
  mkdirSync(vendor, { recursive: true })
  pack(vendor, "tiny-slug", SLUG)
  pack(vendor, "tiny-pad", PAD)
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent"], {
    cwd: project.dir,
    stdio: "pipe",
    env: { ...process.env, HOME: project.sandbox.dirs.home },
  })
  project.git("add", "-A")
  project.git("commit", "-q", "-m", "initial")
  return { project, runs, close: () => new Promise((resolve) => counter.close(() => resolve())) }
}

/** Every file under `dir` with a digest of its bytes (and of each symlink's target). */
export function digestTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) walk(name)
      else if (entry.isSymbolicLink()) out[name] = `link:${execFileSync("readlink", [join(dir, name)], { encoding: "utf8" }).trim()}`
      else
        out[name] = createHash("sha256")
          .update(readFileSync(join(dir, name)))
          .digest("hex")
    }
  }
  walk("")
  return out
}
