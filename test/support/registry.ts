// A local npm registry (verdaccio) on 127.0.0.1 for install-by-name tests: our packages are
// published to it and never proxied; every other package is proxied to the configured registry.
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { REPO_ROOT, stopChild } from "./opencode.js"

export interface Registry {
  url: string
  /** A userconfig for npm with a dummy token for this registry (verdaccio allows anonymous publish, npm still wants one). */
  userconfig: string
  publish(tarball: string): void
  /** Verdaccio's output so far. */
  output(): string
  close(): Promise<void>
}

/** Package names served only from local storage: everything else goes upstream. */
export const OWN_PACKAGES = ["opencode-orchestrator", "opencode-orchestrator-*"]

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export function upstreamRegistry(): string {
  return execFileSync("npm", ["config", "get", "registry"], { encoding: "utf8", env: { ...process.env, npm_config_registry: undefined } }).trim()
}

export async function startRegistry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "registry-"))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const own = OWN_PACKAGES.map(
    (name) => `  '${name}':\n    access: $all\n    publish: $anonymous $authenticated\n    unpublish: $anonymous $authenticated\n`,
  ).join("")
  // YAML by hand: verdaccio's own format, and the `packages` order matters (first match wins).
  writeFileSync(
    join(dir, "config.yaml"),
    `storage: ${join(dir, "storage")}
auth:
  htpasswd:
    file: ${join(dir, "htpasswd")}
    max_users: -1
uplinks:
  upstream:
    url: ${upstreamRegistry()}
    timeout: 60s
    max_fails: 5
    cache: true
packages:
${own}  '**':
    access: $all
    publish: $authenticated
    proxy: upstream
server:
  keepAliveTimeout: 60
max_body_size: 100mb
log: { type: stdout, format: pretty, level: warn }
`,
  )
  const userconfig = join(dir, "npmrc")
  writeFileSync(userconfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=x\n`)
  const child = spawn(join(REPO_ROOT, "node_modules/.bin/verdaccio"), ["--config", join(dir, "config.yaml"), "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  let out = ""
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d))
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d))
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}):\n${out}`)
    const ok = await fetch(`${url}-/ping`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) {
      await stopChild(child)
      throw new Error(`verdaccio not ready after 30 s:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    userconfig,
    output: () => out,
    publish(tarball) {
      execFileSync("npm", ["publish", tarball, "--registry", url, "--userconfig", userconfig, "--tag", "latest", "--access", "public"], {
        stdio: "pipe",
        env: { ...process.env, npm_config_registry: url, npm_config_provenance: "false" },
      })
    },
    async close() {
      await stopChild(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
