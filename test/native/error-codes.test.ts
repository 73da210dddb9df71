// The addon's error codes reach callers as NativeError codes (src/native/index.ts); E_INTERNAL, a
// failure of the JavaScript runtime's Node-API rather than of the request, says so in its message.
import { describe, expect, it, vi } from "vitest"

vi.mock("../../src/native/load.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/native/load.js")>()
  const codes: Record<string, string> = { outlineAsync: "E_INTERNAL", checkAsync: "E_SOMETHING_NEW" }
  const binding = Object.fromEntries(
    real.EXPORTS.map((name) => [
      name,
      () => Promise.reject(Object.assign(new Error("Node-API queue_async_work failed (status 9)"), { code: codes[name] ?? "E_OUTSIDE_ROOT" })),
    ]),
  )
  return { ...real, load: () => ({ ok: true, binding, path: "/fake/analysis.node", source: "local" }) }
})

const native = await import("../../src/native/index.js")

describe("native error codes", () => {
  it("keeps the addon's code and explains E_INTERNAL", async () => {
    await expect(native.outline("/tmp", ["a.ts"])).rejects.toMatchObject({
      name: "NativeError",
      code: "E_INTERNAL",
      message: expect.stringMatching(
        /^the JavaScript runtime failed the native addon's call \(not a problem of the request.*\): Node-API queue_async_work failed/,
      ),
    })
    await expect(native.imports("/tmp", ["a.ts"])).rejects.toMatchObject({ code: "E_OUTSIDE_ROOT" })
  })

  it("reads a code it does not know as E_IO", async () => {
    await expect(native.checkSyntax("/tmp", ["a.ts"])).rejects.toMatchObject({ code: "E_IO" })
  })
})
