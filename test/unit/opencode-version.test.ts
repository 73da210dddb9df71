import { describe, expect, it } from "vitest"
import { checkVersion, manifest, runningVersion, warnIfUnsupported } from "../../src/opencode-version.js"

/** A v1 client as the plugin gets it: `_client.get` answers /global/health; logs and toasts are recorded. */
function fakeClient(health: unknown) {
  const logs: unknown[] = []
  const toasts: unknown[] = []
  const client = {
    _client: { get: async ({ url }: { url: string }) => (url === "/global/health" ? { data: health } : { data: undefined }) },
    app: { log: async (x: unknown) => void logs.push(x) },
    tui: { showToast: async (x: unknown) => void toasts.push(x) },
  }
  return { client: client as never, logs, toasts }
}

describe("supported OpenCode versions", () => {
  it("are declared once, in package.json's opencode.supported", () => {
    expect(manifest().opencode.supported).toBe(">=1.18.33 <1.19.0")
  })

  it("accepts versions in the range and says what to do outside it", () => {
    expect(checkVersion("1.18.33")).toEqual({ ok: true, version: "1.18.33" })
    expect(checkVersion("1.18.40").ok).toBe(true)
    const newer = checkVersion("1.19.0")
    expect(newer.ok).toBe(false)
    if (!newer.ok) {
      expect(newer.message).toContain("supports OpenCode >=1.18.33 <1.19.0; this is OpenCode 1.19.0")
      expect(newer.message).toContain("npm i -g opencode-ai@1.18.33")
    }
    expect(checkVersion("1.2.0").ok).toBe(false)
    expect(checkVersion("not a version").ok).toBe(false)
  })

  it("reads the running version from OpenCode's health endpoint", async () => {
    expect(await runningVersion(fakeClient({ healthy: true, version: "1.18.33" }).client)).toBe("1.18.33")
    expect(await runningVersion(fakeClient({ healthy: true }).client)).toBeUndefined()
    expect(await runningVersion({} as never)).toBeUndefined()
  })

  it("at start-up, outside the range: a warning log and a toast, once per process, and no throw", async () => {
    const { client, logs, toasts } = fakeClient({ healthy: true, version: "2.0.1" })
    const result = await warnIfUnsupported(client)
    expect(result?.ok).toBe(false)
    expect(logs).toEqual([{ body: { service: "orchestrator", level: "warn", message: expect.stringContaining("this is OpenCode 2.0.1") } }])
    expect(toasts).toHaveLength(1)
    expect(await warnIfUnsupported(client)).toBeUndefined()
    expect(logs).toHaveLength(1)
  })
})
