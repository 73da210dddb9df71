import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import path from "node:path"
import { describe, expect, it } from "vitest"
import { type SandboxProfile, sandboxAvailable, sandboxEnv, sandboxRefusal, seatbeltProfile, wrapCommand } from "../../src/workspace/sandbox.js"
import { runCommand } from "../../src/workspace/shell.js"
import { GIT_ENV, sh, tempDir, until } from "../support/helpers.js"

const available = sandboxAvailable()
const sandboxed = it.skipIf(!available.ok)

const git = sh

interface Fixture {
  root: string
  project: string
  checkout: string
  profile: SandboxProfile
}

/** A project repository with one commit, a worktree of it as the task's checkout, and a private home and tmp. */
function fixture(checkoutName = "checkout"): Fixture {
  const root = tempDir()
  const project = path.join(root, "project")
  mkdirSync(path.join(project, "src"), { recursive: true })
  writeFileSync(path.join(project, "src/a.js"), "export const a = 1\n")
  git(project, "init", "-q", "-b", "main")
  git(project, "add", "-A")
  git(project, "commit", "-qm", "init")
  const checkout = path.join(root, "slots", checkoutName)
  mkdirSync(path.dirname(checkout), { recursive: true })
  git(project, "worktree", "add", "-q", "-b", "task", checkout)
  const profile: SandboxProfile = {
    writable: [checkout],
    readOnly: [path.join(checkout, ".git")],
    home: path.join(root, "mission", "home"),
    tmp: path.join(root, "mission", "tmp"),
    network: true,
  }
  return { root, project, checkout, profile }
}

const run = (command: string, cwd: string, sandbox: SandboxProfile, more: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
  runCommand(command, { cwd, env: GIT_ENV, timeoutMs: more.timeoutMs ?? 15_000, sandbox, ...(more.signal ? { signal: more.signal } : {}) })

/** Every file under `dir` with its content hash: a repository's `.git`, compared before and after. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[path.relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex")
    }
  }
  walk(dir)
  return out
}

/** Live (not zombie) processes whose argv is exactly `sleep <marker>`. */
function sleepers(marker: string): number[] {
  const found: number[] = []
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
      if (!argv[0]?.endsWith("sleep") || argv[1] !== marker) continue
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") found.push(Number(pid))
    } catch {}
  }
  return found
}

const marker = () => `300.${Math.floor(Math.random() * 1e9)}`

describe("workspace/sandbox.ts with bwrap", () => {
  it("is available where CI runs (so CI cannot skip every test below)", () => {
    if (process.env.CI) expect(available).toEqual({ ok: true, kind: "bwrap" })
    if (!available.ok) expect(available.reason).toMatch(/apt-get install bubblewrap|cannot create a sandbox/)
  })

  sandboxed("lets a command write its checkout, home and tmp, with HOME, XDG_CACHE_HOME and TMPDIR pointing there", async () => {
    const { checkout, profile } = fixture()
    const result = await run(
      'echo x > inside.txt && echo h > "$HOME/h" && mkdir -p "$XDG_CACHE_HOME/tool" && echo t > "$TMPDIR/t" && echo "$HOME|$XDG_CACHE_HOME|$TMPDIR"',
      checkout,
      profile,
    )
    expect(result.output).toContain(`${profile.home}|${profile.home}/.cache|${profile.tmp}`)
    expect(result.exitCode).toBe(0)
    expect(readFileSync(path.join(checkout, "inside.txt"), "utf8")).toBe("x\n")
    expect(readFileSync(path.join(profile.home, "h"), "utf8")).toBe("h\n")
    expect(existsSync(path.join(profile.home, ".cache/tool"))).toBe(true)
    expect(readFileSync(path.join(profile.tmp, "t"), "utf8")).toBe("t\n")
  })

  sandboxed("refuses writes to the project, a sibling directory, /etc and /tmp, and still reads the project", async () => {
    const { root, project, checkout, profile } = fixture()
    const name = `escape-${process.pid}-${Date.now()}`
    for (const target of [path.join(project, name), path.join(project, "src/a.js"), path.join(root, name), `/etc/${name}`, `/tmp/${name}`]) {
      const result = await run(`echo escaped >> '${target}'`, checkout, profile)
      expect(result.exitCode, target).not.toBe(0)
      expect(result.output).toContain("Read-only file system")
      expect(sandboxRefusal(result.output)).toBeDefined()
    }
    expect(readFileSync(path.join(project, "src/a.js"), "utf8")).toBe("export const a = 1\n")
    for (const p of [path.join(project, name), path.join(root, name), `/etc/${name}`, `/tmp/${name}`]) expect(existsSync(p), p).toBe(false)
    const read = await run(`cat '${project}/src/a.js' && ls '${project}'`, checkout, profile)
    expect(read).toMatchObject({ exitCode: 0 })
    expect(read.output).toContain("export const a = 1")
  })

  sandboxed("keeps the planner's read-only profile read-only everywhere but its home and tmp", async () => {
    const { project, profile } = fixture()
    const planner: SandboxProfile = { ...profile, writable: [], readOnly: [] }
    const write = await run("echo x > planner.txt", project, planner)
    expect(write.exitCode).not.toBe(0)
    expect(existsSync(path.join(project, "planner.txt"))).toBe(false)
    const status = await run('git status --short && echo ok > "$HOME/note"', project, planner)
    expect(status).toMatchObject({ exitCode: 0 })
  })

  sandboxed("refuses a remount and a new mount (all capabilities dropped)", async () => {
    const { checkout, profile } = fixture()
    for (const command of ["mount -o remount,rw /", `mount -t tmpfs none '${checkout}'`, "mount --bind / /mnt"]) {
      const result = await run(command, checkout, profile)
      expect(result.exitCode, command).not.toBe(0)
      expect(sandboxRefusal(result.output), result.output).toBeDefined()
    }
    const caps = await run("grep CapEff /proc/self/status", checkout, profile)
    expect(caps.output).toMatch(/CapEff:\s+0+\s*$/m)
  })

  sandboxed("lets git read a worktree but not change the shared repository's config, refs, stash or objects", async () => {
    const { project, checkout, profile } = fixture()
    writeFileSync(path.join(checkout, "src/a.js"), "export const a = 2\n")
    const before = tree(path.join(project, ".git"))
    const gitFile = readFileSync(path.join(checkout, ".git"), "utf8")

    const status = await run("git status --short", checkout, profile)
    expect(status).toMatchObject({ exitCode: 0 })
    expect(status.output).toContain("M src/a.js")
    const diff = await run("git diff", checkout, profile)
    expect(diff.exitCode).toBe(0)
    expect(diff.output).toContain("+export const a = 2")

    const refused: Record<string, string> = {
      "git config user.email worker@example.com": "could not lock config file",
      "git branch scratch": "Read-only file system",
      "git stash": "", // exits 1 without a word: the one refusal sandboxRefusal cannot see
      "git commit -qam worker": "Read-only file system",
      "git tag v9": "Read-only file system",
      "git update-ref refs/heads/other HEAD": "Read-only file system",
      "echo 'gitdir: /tmp' > .git": "Read-only file system",
      "rm -f .git": "",
      "echo '#!/bin/sh' > \"$(git rev-parse --git-common-dir)/hooks/pre-commit\"": "Read-only file system",
    }
    for (const [command, text] of Object.entries(refused)) {
      const result = await run(command, checkout, profile)
      expect(result.exitCode, `${command}: ${result.output}`).not.toBe(0)
      expect(result.output).toContain(text)
      if (command !== "git stash") expect(sandboxRefusal(result.output), result.output).toBeDefined()
    }
    // The user's global config is read-only when it exists; otherwise --global writes the private home.
    const userConfig = path.join(process.env.HOME ?? "/root", ".gitconfig")
    const globalBefore = existsSync(userConfig) ? readFileSync(userConfig, "utf8") : undefined
    await run("git config --global user.email worker@example.com", checkout, profile)
    expect(existsSync(userConfig) ? readFileSync(userConfig, "utf8") : undefined).toBe(globalBefore)

    expect(tree(path.join(project, ".git"))).toEqual(before)
    expect(readFileSync(path.join(checkout, ".git"), "utf8")).toBe(gitFile)
    expect(
      git(project, "branch", "--list")
        .trim()
        .split("\n")
        .map((b) => b.replace(/^[*+ ]+/, "")),
    ).toEqual(["main", "task"])
    expect(git(project, "stash", "list")).toBe("")
    expect(readFileSync(path.join(checkout, "src/a.js"), "utf8")).toBe("export const a = 2\n")
  })

  sandboxed("ends every process a command started in the background when the command ends", async () => {
    const { checkout, profile } = fixture()
    const m = marker()
    const result = await run(`sleep ${m} & (sleep ${m} &) ; setsid sleep ${m} & echo started`, checkout, profile)
    expect(result).toMatchObject({ exitCode: 0 })
    expect(result.output).toContain("started")
    expect(await until(() => sleepers(m).length === 0)).toBe(true)
  })

  sandboxed("kills the whole tree on a timeout", async () => {
    const { checkout, profile } = fixture()
    const m = marker()
    const started = Date.now()
    const pending = run(`sleep ${m} & setsid sleep ${m} & sleep ${m}; wait`, checkout, profile, { timeoutMs: 1500 })
    expect(await until(() => sleepers(m).length === 3, 1400)).toBe(true)
    const result = await pending
    expect(Date.now() - started).toBeLessThan(6000)
    expect(result.timedOut).toBe(true)
    expect(result.exitCode).not.toBe(0)
    expect(await until(() => sleepers(m).length === 0)).toBe(true)
  })

  sandboxed("kills the whole tree on an abort", async () => {
    const { checkout, profile } = fixture()
    const m = marker()
    const controller = new AbortController()
    const pending = run(`sleep ${m} & setsid sleep ${m} & wait`, checkout, profile, { timeoutMs: 60_000, signal: controller.signal })
    expect(await until(() => sleepers(m).length === 2)).toBe(true)
    controller.abort()
    const result = await pending
    expect(result).toMatchObject({ timedOut: false })
    expect(result.exitCode).not.toBe(0)
    expect(await until(() => sleepers(m).length === 0)).toBe(true)
  })

  sandboxed("works in a checkout, home and tmp whose paths have spaces", async () => {
    const { project, checkout, profile } = fixture("slot with  spaces 'and quotes'")
    const spaced: SandboxProfile = { ...profile, home: path.join(path.dirname(profile.home), "my home"), tmp: path.join(path.dirname(profile.tmp), "my tmp") }
    const result = await run('echo x > "new file.txt" && echo h > "$HOME/h" && echo t > "$TMPDIR/t" && pwd && git status --short', checkout, spaced)
    expect(result.exitCode, result.output).toBe(0)
    expect(result.output).toContain(checkout)
    expect(result.output).toContain('?? "new file.txt"')
    expect(existsSync(path.join(checkout, "new file.txt"))).toBe(true)
    expect(existsSync(path.join(spaced.home, "h"))).toBe(true)
    const escaped = await run(`echo x > '${project}/escaped.txt'`, checkout, spaced)
    expect(escaped.exitCode).not.toBe(0)
    expect(existsSync(path.join(project, "escaped.txt"))).toBe(false)
  })

  sandboxed("refuses a write after escaping with cd ../.. or cd into the project", async () => {
    const { root, project, checkout, profile } = fixture()
    const up = await run("cd ../.. && pwd && echo x > escaped.txt", checkout, profile)
    expect(up.exitCode).not.toBe(0)
    expect(up.output).toContain(root)
    expect(existsSync(path.join(root, "escaped.txt"))).toBe(false)
    const into = await run(`cd '${project}' && echo "// worker" >> src/a.js`, checkout, profile)
    expect(into.exitCode).not.toBe(0)
    expect(readFileSync(path.join(project, "src/a.js"), "utf8")).toBe("export const a = 1\n")
  })

  sandboxed("refuses a write through a symlink in the checkout that points into the project", async () => {
    const { project, checkout, profile } = fixture()
    symlinkSync(path.join(project, "src/a.js"), path.join(checkout, "link.js"))
    symlinkSync(path.join(project, "src"), path.join(checkout, "linkdir"))
    const file = await run("echo '// worker' >> link.js", checkout, profile)
    expect(file.exitCode).not.toBe(0)
    const dir = await run("echo x > linkdir/new.js", checkout, profile)
    expect(dir.exitCode).not.toBe(0)
    const made = await run(`ln -s '${project}/src/a.js' made.js && echo '// worker' >> made.js`, checkout, profile)
    expect(made.exitCode).not.toBe(0)
    expect(readFileSync(path.join(project, "src/a.js"), "utf8")).toBe("export const a = 1\n")
    expect(existsSync(path.join(project, "src/new.js"))).toBe(false)
  })

  sandboxed("cuts the network, loopback included, when network is off", async () => {
    const { checkout, profile } = fixture()
    const server: Server = createServer((socket) => socket.end("hello from host\n"))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const port = (server.address() as { port: number }).port
    try {
      const connect = `'${process.execPath}' -e "require('net').connect(${port}, '127.0.0.1').on('data', (d) => process.stdout.write(d)).on('error', (e) => { console.log(e.code); process.exit(3) })"`
      const on = await run(connect, checkout, { ...profile, network: true })
      expect(on.output).toContain("hello from host")
      expect(on.exitCode).toBe(0)
      const off = await run(connect, checkout, { ...profile, network: false })
      expect(off.exitCode).toBe(3)
      expect(off.output).not.toContain("hello from host")
    } finally {
      server.close()
    }
  })

  sandboxed("ends the sandbox with the command: bwrap's argv runs /bin/sh -c under --die-with-parent", () => {
    const { checkout, profile } = fixture()
    const wrapped = wrapCommand("echo 'a b' > \"c d\"", checkout, profile, { kind: "bwrap" })
    expect(wrapped.args.slice(-3)).toEqual(["/bin/sh", "-c", "echo 'a b' > \"c d\""])
    for (const flag of ["--die-with-parent", "--unshare-pid", "--new-session", "--cap-drop"]) expect(wrapped.args).toContain(flag)
    expect(wrapped.args).not.toContain("--unshare-net")
    expect(wrapCommand("true", checkout, { ...profile, network: false }, { kind: "bwrap" }).args).toContain("--unshare-net")
    // The checkout's .git file is bound read-only after (over) the writable checkout.
    const at = (flag: string, p: string) => wrapped.args.findIndex((a, i) => a === flag && wrapped.args[i + 1] === p)
    expect(at("--ro-bind-try", path.join(checkout, ".git"))).toBeGreaterThan(at("--bind-try", checkout))
  })
})

describe("workspace/sandbox.ts without running a sandbox", () => {
  it("recognises sandbox refusals in real outputs and leaves ordinary failures alone", () => {
    expect(sandboxRefusal("touch: cannot touch '/x': Read-only file system")).toBe("write to a read-only file system")
    expect(sandboxRefusal("error: could not lock config file /p/.git/config: Read-only file system")).toBe("git config is read-only")
    expect(sandboxRefusal("fatal: cannot lock ref 'refs/heads/scratch': Unable to create '/p/.git/refs/heads/scratch.lock': Read-only file system")).toBe(
      "git repository is read-only",
    )
    expect(sandboxRefusal("mount: /: permission denied.\n       dmesg(1) may have more information after failed mount system call.")).toBe("mount refused")
    expect(sandboxRefusal("Error: EROFS: read-only file system, open '/p/x'")).toBeDefined()
    expect(sandboxRefusal("rm: cannot remove '.git': Device or resource busy")).toBeDefined()
    for (const ordinary of ["", "FAIL test/a.test.ts > adds\nexpected 2 to be 3", "fatal: not a git repository", "sh: 1: foo: not found"]) {
      expect(sandboxRefusal(ordinary), ordinary).toBeUndefined()
    }
  })

  it("points HOME, XDG_CACHE_HOME and TMPDIR at the private dirs and keeps the user's npm, git and XDG config readable", () => {
    const realHome = tempDir()
    writeFileSync(path.join(realHome, ".npmrc"), "registry=https://registry.example/\n")
    writeFileSync(path.join(realHome, ".gitconfig"), "[user]\n\tname = u\n")
    const profile: SandboxProfile = { writable: [], home: "/m/home", tmp: "/m/tmp", network: true }
    const env = sandboxEnv(profile, { HOME: realHome, PATH: "/usr/bin", KEEP: "1", DROPPED: undefined })
    expect(env).toEqual({
      HOME: "/m/home",
      XDG_CACHE_HOME: "/m/home/.cache",
      TMPDIR: "/m/tmp",
      PATH: "/usr/bin",
      KEEP: "1",
      npm_config_userconfig: path.join(realHome, ".npmrc"),
      GIT_CONFIG_GLOBAL: path.join(realHome, ".gitconfig"),
    })
    expect(sandboxEnv(profile, { HOME: realHome, npm_config_userconfig: "/mine" }).npm_config_userconfig).toBe("/mine")
    expect(sandboxEnv(profile, { HOME: realHome, NPM_CONFIG_USERCONFIG: "/mine" }).npm_config_userconfig).toBeUndefined()
    expect(sandboxEnv(profile, { HOME: tempDir() }).npm_config_userconfig).toBeUndefined()
  })

  it("writes a Seatbelt profile for macOS (text only: sandbox-exec cannot run here)", () => {
    const root = tempDir()
    const checkout = path.join(root, 'slot "1"')
    mkdirSync(checkout)
    const profile: SandboxProfile = {
      writable: [checkout],
      readOnly: [path.join(checkout, ".git")],
      home: path.join(root, "home"),
      tmp: path.join(root, "tmp"),
      network: false,
    }
    const text = seatbeltProfile(profile)
    expect(text.startsWith("(version 1)\n(allow default)\n(deny file-write*)\n(allow file-write*\n")).toBe(true)
    expect(text).toContain(`(subpath "${root}/slot \\"1\\"")`)
    expect(text).toContain(`(subpath "${root}/home")`)
    expect(text).toContain('(literal "/dev/null")')
    expect(text.indexOf(`(deny file-write*\n  (subpath "${root}/slot \\"1\\"/.git"))`)).toBeGreaterThan(text.indexOf("(allow file-write*"))
    expect(text).toContain("(deny network*)")
    expect(seatbeltProfile({ ...profile, network: true })).not.toContain("network")
    const wrapped = wrapCommand("make test", checkout, profile, { kind: "sandbox-exec" })
    expect(wrapped.file).toBe("/usr/bin/sandbox-exec")
    expect(wrapped.args).toEqual(["-p", text, "/bin/sh", "-c", "make test"])
  })
})
