// Runs one real mission in real OpenCode on a copy of examples/sample-project.
// Model: --model <provider/model>, else the model in your OpenCode config, else the project's scripted model.
import { execFileSync, spawn } from "node:child_process"
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { DEMO_MISSION, demoScenario } from "../examples/demo-scenario.js"
import { startModelServer } from "../test/support/model-server.js"
import { makeSandbox, opencodeBin, REPO_ROOT, runOpencode, seedConfigDir } from "../test/support/opencode.js"
import { scriptedCoder } from "../test/support/scripted-coder.js"

function configuredModel(): string | undefined {
  const flag = process.argv.indexOf("--model")
  if (flag > 0) return process.argv[flag + 1]
  const dir = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "opencode")
  for (const name of ["opencode.jsonc", "opencode.json", "config.json"]) {
    const file = join(dir, name)
    if (!existsSync(file)) continue
    const match = /^\s*"model"\s*:\s*"([^"]+)"/m.exec(readFileSync(file, "utf8"))
    if (match) return match[1]
  }
  return undefined
}

function makeDemoProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "textkit-demo-"))
  cpSync(join(REPO_ROOT, "examples/sample-project"), dir, { recursive: true })
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" })
  git("init", "-q", "-b", "main")
  git("-c", "user.name=demo", "-c", "user.email=demo@example.invalid", "add", "-A")
  git("-c", "user.name=demo", "-c", "user.email=demo@example.invalid", "commit", "-qm", "sample project")
  writeFileSync(join(dir, ".git/info/exclude"), "/.opencode/\n")
  return dir
}

async function withScriptedModel(dir: string): Promise<number> {
  console.log("Model: the project's scripted model (no model configured in OpenCode; pass --model provider/model to use one).\n")
  const server = await startModelServer(scriptedCoder(demoScenario))
  const sandbox = makeSandbox()
  seedConfigDir(join(dir, ".opencode"))
  const project = { dir, sandbox, write() {}, read: () => "", exists: () => false, git: () => "" }
  const res = await runOpencode({
    project,
    model: server,
    plugins: [REPO_ROOT],
    args: ["run", "--command", "task", "--format", "json"],
    stdin: DEMO_MISSION,
    timeoutMs: 300_000,
  })
  await server.close()
  const text = res.events
    .filter((e) => e.type === "text")
    .map((e) => e.part?.text ?? "")
    .join("\n")
  console.log(text || res.stderr.slice(-4000))
  return text.startsWith("**Mission sealed**") ? 0 : 1
}

function withUserModel(dir: string, model: string): Promise<number> {
  console.log(`Model: ${model} (from your OpenCode configuration).\n`)
  const child = spawn(opencodeBin(), ["run", "--command", "task", "--model", model], {
    cwd: dir,
    env: { ...process.env, PWD: dir, OPENCODE_CONFIG_CONTENT: JSON.stringify({ plugin: [pathToFileURL(REPO_ROOT).href] }) },
    stdio: ["pipe", "inherit", "inherit"],
  })
  child.stdin.end(DEMO_MISSION)
  return new Promise((resolve) => child.on("close", (code) => resolve(code ?? 1)))
}

const dir = makeDemoProject()
console.log(`Mission: ${DEMO_MISSION}\nProject: ${dir}\n`)
const model = configuredModel()
const code = model ? await withUserModel(dir, model) : await withScriptedModel(dir)
console.log(`\nThe project after the mission: ${dir}`)
console.log(execFileSync("git", ["status", "--short"], { cwd: dir, encoding: "utf8" }))
console.log(`Its tests: cd ${dir} && node --test`)
process.exit(code)
