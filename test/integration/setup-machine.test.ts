// scripts/setup-machine.sh, the one list .ci/run and the quickstart share, on a machine made of fakes:
// dpkg (which packages are installed), id (root or not), apt-get (records what it was asked), cargo.
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { REPO_ROOT } from "../support/opencode.js"
import { tempDir } from "../support/helpers.js"

const SCRIPT = path.join(REPO_ROOT, "scripts/setup-machine.sh")
const ADDON =
  "pkg-config libtree-sitter-dev librust-tree-sitter-dev librust-serde-json-dev librust-serde-dev librust-serde-derive-dev librust-cc-dev librust-ignore-dev"
const RUST = "rustc-web cargo-web rustfmt-web rust-web-clippy"

function machine(opts: { root: boolean; installed: string[]; cargo: boolean; aptFails?: boolean }) {
  const dir = tempDir()
  const bin = path.join(dir, "bin")
  mkdirSync(bin)
  for (const tool of ["date", "tail", "uname", "cat"]) symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool))
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`)
    chmodSync(path.join(bin, name), 0o755)
  }
  const apt = path.join(dir, "apt-calls")
  script("dpkg", `case " ${opts.installed.join(" ")} " in *" $2 "*) exit 0 ;; *) exit 1 ;; esac`)
  script("id", `echo ${opts.root ? 0 : 1000}`)
  script(
    "apt-get",
    `echo "$*" >> ${apt}; ${opts.aptFails ? "echo 'E: Unable to locate package' >&2; exit 100" : `case "$*" in *cargo-web*) printf '#!/bin/bash\\necho "cargo 1.96.0"\\n' > ${bin}/cargo; /usr/bin/chmod +x ${bin}/cargo ;; esac`}`,
  )
  if (opts.cargo) script("cargo", `echo "cargo 1.95.0"`)
  const res = spawnSync("/bin/bash", [SCRIPT], { encoding: "utf8", env: { PATH: bin, HOME: dir, TMPDIR: dir } })
  return { ...res, apt: existsSync(apt) ? readFileSync(apt, "utf8").trim().split("\n") : [] }
}

describe("scripts/setup-machine.sh", () => {
  it("without root: names the exact apt-get line (rustc-web/cargo-web only where no cargo exists) and exits 1", () => {
    const res = machine({ root: false, installed: ["git"], cargo: false })
    expect(res.status).toBe(1)
    expect(res.stdout).toContain(`sudo apt-get update && sudo apt-get install -y --no-install-recommends ripgrep bubblewrap tmux ${ADDON} ${RUST}`)
    expect(res.apt).toEqual([])
    const withCargo = machine({ root: false, installed: ["git", "ripgrep"], cargo: true })
    expect(withCargo.stdout).toContain(`--no-install-recommends bubblewrap tmux ${ADDON}\n`)
    expect(withCargo.stdout).not.toContain("cargo-web\n")
  })

  it("as root with apt: installs what is missing, Debian's newer Rust where no cargo exists, and exits 0", () => {
    const res = machine({ root: true, installed: ["git", "ripgrep", "tmux"], cargo: false })
    expect(res.status, res.stdout + res.stderr).toBe(0)
    expect(res.apt).toEqual(["update -qq", `install -y -qq --no-install-recommends bubblewrap ${ADDON} ${RUST}`])
    expect(res.stdout).toMatch(/installed in \d+ s; cargo 1\.96\.0/)
  })

  it("exits 0 without touching apt when everything is there, and 1 with the command when apt fails", () => {
    const all = ["git", "ripgrep", "bubblewrap", "tmux", ...ADDON.split(" ")]
    const ready = machine({ root: true, installed: all, cargo: true })
    expect([ready.status, ready.apt]).toEqual([0, []])
    expect(ready.stdout).toContain("everything is installed (cargo 1.95.0)")
    const failing = machine({ root: true, installed: all.filter((p) => p !== "tmux"), cargo: true, aptFails: true })
    expect(failing.status).toBe(1)
    expect(failing.stdout).toContain("apt-get failed")
    expect(failing.stdout).toContain("install by hand: apt-get install -y --no-install-recommends tmux")
  })
})
