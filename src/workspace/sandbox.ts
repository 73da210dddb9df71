import { spawnSync } from "node:child_process"
import { accessSync, constants, existsSync, mkdirSync, realpathSync } from "node:fs"
import { homedir } from "node:os"
import path from "node:path"

/**
 * What a sandboxed command may touch. Everything is readable; only `writable`,
 * `home` and `tmp` can be written, and `readOnly` paths stay read-only even
 * inside a writable one (a checkout's `.git` file). The planner's profile has
 * no writable paths, only its private home and tmp.
 */
export interface SandboxProfile {
  /** Directories (or files) the command may write. Missing ones are skipped: nothing is created for them. */
  writable: string[]
  /** Paths kept read-only even inside a writable one. Missing ones are skipped. */
  readOnly?: string[]
  /** Private writable HOME (created 0700 when missing); XDG_CACHE_HOME is its `.cache`. */
  home: string
  /** Private writable TMPDIR (created 0700 when missing). `/tmp` itself stays read-only. */
  tmp: string
  /** False cuts the command off every network, loopback included. */
  network: boolean
}

export type SandboxKind = "bwrap" | "sandbox-exec"

export type SandboxAvailability = { ok: true; kind: SandboxKind } | { ok: false; reason: string }

export interface WrappedCommand {
  file: string
  args: string[]
  env: Record<string, string>
}

const SANDBOX_EXEC = "/usr/bin/sandbox-exec"

let detected: (SandboxAvailability & { file?: string }) | undefined

/**
 * Whether this machine can sandbox commands, decided once per process. On
 * Linux `bwrap` is not only looked up but run once: it exists in containers
 * that forbid the namespaces it needs.
 */
export function sandboxAvailable(): SandboxAvailability {
  detected ??= detect()
  return detected.ok ? { ok: true, kind: detected.kind } : { ok: false, reason: detected.reason }
}

function detect(): SandboxAvailability & { file?: string } {
  if (process.platform === "darwin") {
    if (!existsSync(SANDBOX_EXEC)) return { ok: false, reason: `${SANDBOX_EXEC} is missing (it ships with macOS)` }
    const run = spawnSync(SANDBOX_EXEC, ["-p", "(version 1)(allow default)", "/usr/bin/true"], { stdio: "pipe", timeout: 10_000 })
    if (run.status !== 0) return { ok: false, reason: `sandbox-exec does not run here: ${failure(run)}` }
    return { ok: true, kind: "sandbox-exec", file: SANDBOX_EXEC }
  }
  if (process.platform !== "linux") return { ok: false, reason: `no sandbox on ${process.platform}` }
  const file = onPath("bwrap")
  if (!file) return { ok: false, reason: "bwrap (bubblewrap) is not installed: apt-get install bubblewrap (dnf install bubblewrap, pacman -S bubblewrap)" }
  const probe = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--die-with-parent", "--cap-drop", "ALL", "true"]
  const run = spawnSync(file, probe, { stdio: "pipe", timeout: 10_000, encoding: "utf8" })
  if (run.status !== 0) {
    return {
      ok: false,
      reason: `${file} is installed but cannot create a sandbox here (user namespaces disabled, or a container without them?): ${failure(run)}`,
    }
  }
  return { ok: true, kind: "bwrap", file }
}

function failure(run: ReturnType<typeof spawnSync>): string {
  const text = String(run.stderr ?? "")
    .trim()
    .split("\n")[0]
  return text || run.error?.message || `exit ${run.status ?? run.signal}`
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir) continue
    const file = path.join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** The real path when it exists: mounts and Seatbelt rules see resolved paths (`/tmp` is `/private/tmp` on macOS). */
function real(p: string): string {
  try {
    return realpathSync(p)
  } catch {
    return path.resolve(p)
  }
}

/**
 * The argv and environment that run `command` with `/bin/sh -c` in `cwd`
 * inside the sandbox. Creates `home` and `tmp` when missing. `kind` defaults
 * to this platform's sandbox; `env` (default `process.env`) is kept apart
 * from HOME, XDG_CACHE_HOME and TMPDIR.
 */
export function wrapCommand(
  command: string,
  cwd: string,
  profile: SandboxProfile,
  options: { kind?: SandboxKind; env?: NodeJS.ProcessEnv } = {},
): WrappedCommand {
  mkdirSync(profile.home, { recursive: true, mode: 0o700 })
  mkdirSync(profile.tmp, { recursive: true, mode: 0o700 })
  const kind = options.kind ?? (process.platform === "darwin" ? "sandbox-exec" : "bwrap")
  const env = sandboxEnv(profile, options.env ?? process.env)
  if (kind === "sandbox-exec") {
    return { file: SANDBOX_EXEC, args: ["-p", seatbeltProfile(profile), "/bin/sh", "-c", command], env }
  }
  const file = (detected?.ok && detected.kind === "bwrap" && detected.file) || "bwrap"
  return { file, args: [...bwrapArgs(profile, real(cwd)), "/bin/sh", "-c", command], env }
}

/**
 * bubblewrap's options: the whole file system read-only, a fresh /dev and
 * /proc, the writable binds, then the read-only ones over them. `-try` binds
 * skip paths that do not exist when the command starts.
 *
 * `--unshare-pid` makes the command's shell the child of a private init: when
 * the shell exits, or bwrap is killed (`--die-with-parent` covers the plugin
 * dying too), the kernel kills every process left in the namespace, so nothing
 * a command starts in the background outlives it. `--new-session` (setsid)
 * only takes away a controlling terminal, which these commands never use; it
 * stops TIOCSTI keystroke injection. `--cap-drop ALL` keeps root from
 * remounting anything writable.
 */
export function bwrapArgs(profile: SandboxProfile, cwd: string): string[] {
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
  for (const dir of profile.writable) args.push("--bind-try", real(dir), real(dir))
  args.push("--bind", real(profile.home), real(profile.home), "--bind", real(profile.tmp), real(profile.tmp))
  for (const file of profile.readOnly ?? []) args.push("--ro-bind-try", real(file), real(file))
  args.push("--unshare-pid", "--die-with-parent", "--new-session", "--cap-drop", "ALL")
  if (!profile.network) args.push("--unshare-net")
  args.push("--chdir", cwd)
  return args
}

/**
 * A Seatbelt (SBPL) profile for `sandbox-exec -p`: everything allowed but
 * file writes outside the writable paths, home, tmp and the usual devices,
 * and, when network is off, all networking. Later rules win in SBPL, so the
 * read-only paths come last. Generated and unit-tested only; it has never
 * run on macOS in this repository's CI.
 */
export function seatbeltProfile(profile: SandboxProfile): string {
  const q = (p: string) => `"${real(p).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`
  const writable = [...profile.writable, profile.home, profile.tmp].map((p) => `  (subpath ${q(p)})`)
  const lines = [
    "(version 1)",
    "(allow default)",
    "(deny file-write*)",
    "(allow file-write*",
    ...writable,
    '  (literal "/dev/null") (literal "/dev/zero") (literal "/dev/dtracehelper")',
    '  (literal "/dev/stdout") (literal "/dev/stderr") (regex #"^/dev/fd/") (regex #"^/dev/tty"))',
  ]
  const readOnly = profile.readOnly ?? []
  if (readOnly.length > 0) lines.push(`(deny file-write*\n${readOnly.map((p) => `  (subpath ${q(p)})`).join("\n")})`)
  if (!profile.network) lines.push("(deny network*)")
  return `${lines.join("\n")}\n`
}

/**
 * The environment inside: HOME, XDG_CACHE_HOME and TMPDIR point at the
 * private dirs. The user's configuration stays readable (read-only) so
 * registry settings survive the HOME change: XDG_CONFIG_HOME keeps pointing
 * at the real one, git's global config at the real `~/.gitconfig`, npm's
 * user config at the real `~/.npmrc`, each only when it exists and is not
 * set already.
 */
export function sandboxEnv(profile: SandboxProfile, base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value
  const realHome = base.HOME || homedir()
  const keep = (key: string, file: string) => {
    if (env[key] === undefined && existsSync(file)) env[key] = file
  }
  keep("XDG_CONFIG_HOME", path.join(realHome, ".config"))
  keep("GIT_CONFIG_GLOBAL", path.join(realHome, ".gitconfig"))
  if (env.NPM_CONFIG_USERCONFIG === undefined) keep("npm_config_userconfig", path.join(realHome, ".npmrc"))
  env.HOME = profile.home
  env.XDG_CACHE_HOME = path.join(profile.home, ".cache")
  env.TMPDIR = profile.tmp
  return env
}

const REFUSALS: [RegExp, string][] = [
  [/could not lock config file/i, "git config is read-only"],
  [/Unable to create '[^']*\.lock'[^\n]*Read-only file system/i, "git repository is read-only"],
  [/Read-only file system|\bEROFS\b/i, "write to a read-only file system"],
  [/\bmount\b[^\n]*(permission denied|Operation not permitted)/i, "mount refused"],
  [/Device or resource busy/i, "a sandbox mount point cannot be removed"],
  [/Operation not permitted|\bEPERM\b/i, "operation not permitted (no capabilities, or a Seatbelt rule)"],
  [/Network is unreachable|ENETUNREACH/i, "network is off"],
]

/**
 * Why a command's output looks like the sandbox refused it, or undefined.
 * Best effort: it reads error text (a write to a read-only file system,
 * git's lock errors, a refused mount), so a command can hit the sandbox
 * without saying so, and the same words can come from elsewhere.
 */
export function sandboxRefusal(output: string): string | undefined {
  for (const [pattern, reason] of REFUSALS) if (pattern.test(output)) return reason
  return undefined
}
