import { execFile } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { copyFile, lstat, mkdir, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises"
import path from "node:path"
import { promisify } from "node:util"
import { git } from "./git.js"

/** Ignored directories a project's build and tests need, found anywhere in the repository (a monorepo has several). */
export const DEPENDENCY_DIRS = ["node_modules", ".venv", "venv"]

/** The file that lists ignored files to copy into every checkout (gitignore syntax, at the repository root). */
export const WORKTREE_INCLUDE = ".worktreeinclude"

/** What a checkout needs from the user's tree that git does not track; paths relative to the repository root. */
export interface BootstrapPlan {
  /** Dependency directories, copied whole. */
  dependencies: string[]
  /** Ignored files matched by `.worktreeinclude`, copied one by one. */
  includes: string[]
}

/**
 * Finds what to bring into checkouts: the ignored dependency directories
 * present in the user's tree (by name from DEPENDENCY_DIRS plus `extra`,
 * which may also hold root-relative paths such as `vendor` or `build/cache`),
 * and the ignored files `.worktreeinclude` matches. Nothing else ignored is
 * copied, however large.
 */
export async function planBootstrap(root: string, extra: readonly string[] = []): Promise<BootstrapPlan> {
  const ignored = (await git(["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"], { cwd: root })).split("\0").filter(Boolean)
  const names = new Set([...DEPENDENCY_DIRS, ...extra.filter((e) => !e.includes("/"))])
  const paths = new Set(extra.filter((e) => e.includes("/")).map((e) => e.replace(/^\/+|\/+$/g, "")))
  const dependencies: string[] = []
  for (const entry of ignored) {
    const item = entry.replace(/\/$/, "")
    if (!names.has(path.posix.basename(item)) && !paths.has(item)) continue
    // A file of that name is not a dependency directory; a symlink to one (pnpm, a shared store) is.
    const stat = await lstat(path.join(root, item)).catch(() => undefined)
    if (!stat) continue
    if (stat.isDirectory() || (stat.isSymbolicLink() && (await lstat(await realpath(path.join(root, item))).catch(() => undefined))?.isDirectory())) {
      dependencies.push(item)
    }
  }
  return { dependencies: dependencies.sort(), includes: await includedFiles(root) }
}

/** Throws when the repository's `.worktreeinclude` names something outside it (checked before a mission starts). */
export function checkWorktreeInclude(root: string): void {
  const listFile = path.join(root, WORKTREE_INCLUDE)
  if (existsSync(listFile)) checkIncludePatterns(readFileSync(listFile, "utf8"))
}

/** Ignored files that `.worktreeinclude` lists; its patterns must stay inside the repository. */
async function includedFiles(root: string): Promise<string[]> {
  const listFile = path.join(root, WORKTREE_INCLUDE)
  if (!existsSync(listFile)) return []
  checkWorktreeInclude(root)
  const matched = (await git(["ls-files", "-z", "--others", "--ignored", `--exclude-from=${listFile}`], { cwd: root })).split("\0").filter(Boolean)
  if (matched.length === 0) return []
  // Only what git ignores: a tracked or merely untracked file reaches the checkout through git.
  const ignored = await gitCheckIgnore(root, matched)
  return matched.filter((f) => ignored.has(f)).sort()
}

/** Throws for a `.worktreeinclude` pattern that names something outside the repository. */
export function checkIncludePatterns(text: string): void {
  const bad = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    // A leading "/" anchors a pattern at the root (gitignore syntax); only ".." can leave it.
    .filter((line) => line.replace(/^!/, "").split("/").includes(".."))
  if (bad.length) {
    throw new Error(
      `${WORKTREE_INCLUDE} has patterns that leave the project root: ${bad.map((b) => `"${b}"`).join(", ")}. List only files inside the repository (gitignore syntax, e.g. ".env" or "config/local.json").`,
    )
  }
}

function gitCheckIgnore(root: string, files: readonly string[]): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const child = execFile("git", ["check-ignore", "-z", "--stdin"], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      // Exit 1: none of them is ignored.
      if (error && error.code !== 1) return reject(new Error(`git check-ignore failed: ${error.message}`))
      resolve(new Set(stdout.split("\0").filter(Boolean)))
    })
    child.stdin?.end(files.map((f) => `${f}\0`).join(""))
  })
}

const execFileAsync = promisify(execFile)

/**
 * Copies a dependency directory into a checkout: a real copy (reflinked where
 * the file system can), never links, so nothing done in the checkout reaches
 * the user's copy. A directory that is a symlink is copied from its target.
 * A virtualenv's scripts name its own absolute path; they are pointed at the copy.
 */
export async function copyDependency(fromRoot: string, toRoot: string, item: string): Promise<void> {
  const source = await realpath(path.join(fromRoot, item))
  const target = path.join(toRoot, item)
  await rm(target, { recursive: true, force: true })
  await mkdir(path.dirname(target), { recursive: true })
  if (process.platform === "linux") await execFileAsync("cp", ["-a", "--reflink=auto", source, target])
  else if (process.platform === "darwin") await execFileAsync("cp", ["-pRc", source, target])
  else await execFileAsync("cp", ["-pR", source, target])
  if (existsSync(path.join(target, "pyvenv.cfg"))) await relocateVirtualenv(target, [source, path.join(fromRoot, item)])
}

/** Rewrites a copied virtualenv's absolute paths (script shebangs, activate scripts) from the original to the copy. */
async function relocateVirtualenv(venv: string, originals: readonly string[]): Promise<void> {
  const bin = path.join(venv, "bin")
  if (!existsSync(bin)) return
  for (const name of await readdir(bin)) {
    const file = path.join(bin, name)
    const stat = await lstat(file)
    if (!stat.isFile() || stat.size > 1_000_000) continue
    const text = await readFile(file)
    if (text.includes(0)) continue
    let content = text.toString("utf8")
    const before = content
    for (const original of originals) content = content.split(original).join(venv)
    if (content !== before) await writeFile(file, content, { mode: stat.mode })
  }
}

/** Copies the `.worktreeinclude` files (mode kept) into a checkout. */
export async function copyIncludes(fromRoot: string, toRoot: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    const target = path.join(toRoot, file)
    await mkdir(path.dirname(target), { recursive: true })
    await copyFile(path.join(fromRoot, file), target)
  }
}

/** Dependency manifests and lockfiles: when these differ from what a checkout's dependencies were copied for, it needs an install. */
const MANIFESTS = new Set([
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lock",
  "bun.lockb",
  "requirements.txt",
  "pyproject.toml",
  "poetry.lock",
  "uv.lock",
  "Pipfile.lock",
])

/** The manifests and lockfiles of a commit, as `path blob` lines: equal strings mean the same dependencies. */
export async function manifestFingerprint(cwd: string, commit: string): Promise<string> {
  // ls-tree takes no glob pathspecs: the whole listing, filtered by name.
  const listing = await git(["ls-tree", "-r", "-z", "--full-tree", commit], { cwd })
  return listing
    .split("\0")
    .flatMap((record) => {
      const [meta = "", file = ""] = record.split("\t")
      return MANIFESTS.has(path.posix.basename(file)) ? [`${file} ${meta.split(" ")[2] ?? ""}`] : []
    })
    .join("\n")
}

/** The manifests whose content differs between two fingerprints. */
export function changedManifests(before: string, after: string): string[] {
  const parse = (f: string) =>
    new Map(
      f
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" ") as [string, string]),
    )
  const a = parse(before)
  const b = parse(after)
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort()
}

/** The command that installs a project's dependencies, from its lockfile; undefined when none is recognised. */
export function detectInstallCommand(projectDir: string): string | undefined {
  const has = (f: string) => existsSync(path.join(projectDir, f))
  if (has("pnpm-lock.yaml")) return "pnpm install"
  if (has("yarn.lock")) return "yarn install"
  if (has("bun.lock") || has("bun.lockb")) return "bun install"
  if (has("package-lock.json") || has("npm-shrinkwrap.json") || has("package.json")) return "npm install --no-audit --no-fund"
  for (const venv of [".venv", "venv"]) {
    if (has(`${venv}/bin/python`) && has("requirements.txt")) return `${venv}/bin/python -m pip install -r requirements.txt`
  }
  return undefined
}
