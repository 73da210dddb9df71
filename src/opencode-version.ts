// The OpenCode versions this plugin supports, declared once in package.json (`opencode.supported`),
// and the check at start-up: outside the range the plugin still loads and says so, it never throws.
import { readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { PluginInput } from "@opencode-ai/plugin"
import semver from "semver"
import { z } from "zod"

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..")

const Manifest = z.object({
  name: z.string(),
  version: z.string(),
  opencode: z.object({ supported: z.string().refine((r) => semver.validRange(r) !== null, "not a semver range") }),
})
export type Manifest = z.infer<typeof Manifest>

/** This package's manifest (name, version, supported OpenCode range). */
export function manifest(root: string = PACKAGE_ROOT): Manifest {
  return Manifest.parse(JSON.parse(readFileSync(join(root, "package.json"), "utf8")))
}

export type VersionCheck = { ok: true; version: string } | { ok: false; version: string; message: string }

/** Whether `version` of OpenCode is in `range`; outside it, a message that says what to do. */
export function checkVersion(version: string, range: string = manifest().opencode.supported, plugin = manifest()): VersionCheck {
  const clean = semver.valid(semver.coerce(version, { includePrerelease: true })) ?? undefined
  if (clean && semver.satisfies(clean, range, { includePrerelease: true })) return { ok: true, version }
  const lowest = semver.minVersion(range)?.version
  return {
    ok: false,
    version,
    message:
      `${plugin.name} ${plugin.version} supports OpenCode ${range}; this is OpenCode ${version}. ` +
      `It still loads, but may fail where the tests never ran: use a supported OpenCode` +
      `${lowest ? ` (e.g. \`npm i -g opencode-ai@${lowest}\`)` : ""} or a plugin version made for yours.`,
  }
}

const Health = z.object({ version: z.string() })

/** The running OpenCode's version, from its own server (`/global/health`), or undefined. */
export async function runningVersion(client: PluginInput["client"]): Promise<string | undefined> {
  // The v1 client has no method for it; its transport does (the request stays in process).
  const transport = (client as unknown as { _client?: { get(options: { url: string }): Promise<{ data?: unknown }> } })._client
  if (!transport) return undefined
  try {
    const parsed = Health.safeParse((await transport.get({ url: "/global/health" })).data)
    return parsed.success ? parsed.data.version : undefined
  } catch {
    return undefined
  }
}

let checked = false

/** Once per process: logs (and toasts) when OpenCode is outside the supported range. Never throws. */
export async function warnIfUnsupported(client: PluginInput["client"]): Promise<VersionCheck | undefined> {
  if (checked) return undefined
  checked = true
  try {
    const version = await runningVersion(client)
    if (!version) return undefined
    const result = checkVersion(version)
    if (!result.ok) {
      await client.app.log({ body: { service: "orchestrator", level: "warn", message: result.message } }).catch(() => undefined)
      await client.tui.showToast({ body: { title: "Orchestrator", message: result.message, variant: "warning" } }).catch(() => undefined)
    }
    return result
  } catch {
    return undefined
  }
}
