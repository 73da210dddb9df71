// The loader: where it looks, and what it says when the addon is missing or broken.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BUILD_COMMAND, candidatePaths, loadFrom, NATIVE_PATH_ENV, platformNames } from "../../src/native/load.js";

const saved = process.env[NATIVE_PATH_ENV];
afterEach(() => {
  if (saved === undefined) delete process.env[NATIVE_PATH_ENV];
  else process.env[NATIVE_PATH_ENV] = saved;
});

describe("native loader", () => {
  it("names the file per platform", () => {
    expect(platformNames("linux", "x64")).toEqual(["analysis.linux-x64-gnu.node", "analysis.linux-x64-musl.node"]);
    expect(platformNames("darwin", "arm64")).toEqual(["analysis.darwin-arm64.node"]);
    expect(platformNames("win32", "x64")).toEqual(["analysis.win32-x64-msvc.node"]);
  });

  it("looks in native/ at the package root from both src/native and dist/native", () => {
    delete process.env[NATIVE_PATH_ENV];
    const fromSrc = candidatePaths("/pkg/src/native");
    const fromDist = candidatePaths("/pkg/dist/native");
    expect(fromSrc[0]).toBe(`/pkg/native/${platformNames()[0]}`);
    expect(fromDist).toEqual(fromSrc);
    process.env[NATIVE_PATH_ENV] = "/custom/addon.node";
    expect(candidatePaths("/pkg/dist/native")[0]).toBe("/custom/addon.node");
  });

  it("explains a missing addon with the build command", () => {
    const loaded = loadFrom(["/nowhere/analysis.node"]);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.reason).toContain("not built");
    expect(loaded.reason).toContain("/nowhere/analysis.node");
    expect(loaded.reason).toContain(`run \`${BUILD_COMMAND}\``);
  });

  it("explains a file that is not a loadable addon, and a module with the wrong exports", () => {
    const dir = mkdtempSync(join(tmpdir(), "native-loader-"));
    try {
      const garbage = join(dir, "garbage.node");
      writeFileSync(garbage, "not an ELF file");
      const notAddon = join(dir, "plain.cjs");
      writeFileSync(notAddon, "module.exports = { outline() {} };");
      const broken = loadFrom([garbage]);
      expect(broken.ok).toBe(false);
      if (!broken.ok) expect(broken.reason).toMatch(/failed to load \(.*garbage\.node: .+\); run `npm run build:native`/);
      const stale = loadFrom([notAddon]);
      expect(stale.ok).toBe(false);
      if (!stale.ok) expect(stale.reason).toContain("stale build, missing outlineAsync, check");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads the built addon", () => {
    delete process.env[NATIVE_PATH_ENV];
    const loaded = loadFrom(candidatePaths());
    expect(loaded.ok, loaded.ok ? "" : loaded.reason).toBe(true);
  });
});
