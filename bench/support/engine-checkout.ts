// Loads the mission engine and the fake SDK of any checkout of this repository, so the scheduler
// benchmark can drive two revisions side by side in one process. Each checkout is imported from its
// own files (tsx runs the TypeScript), so it runs its own engine against its own fake SessionGate.
import { existsSync, readFileSync } from "node:fs"
import path from "node:path"
import { pathToFileURL } from "node:url"
import { revisionOf } from "./opencode-bench.js"

/** Where the fake SDK has lived: test/support since the tests were laid out by folder, test/unit before. */
const FAKE_SDK_PATHS = ["test/support/fake-sdk.ts", "test/unit/fake-sdk.ts"]

/** The part of a fake SDK turn the benchmark's script uses; the same in every revision so far. */
export interface BenchTurn {
  call: { task: string }
  submitPlan(plan: unknown): unknown
  submitVerdict(verdict: unknown): unknown
  write(file: string, content: string): void
}

export type BenchScript = Record<"planner" | "worker" | "reviewer", (turn: BenchTurn) => Promise<void>>

export interface MissionOutcome {
  status: string
  /** Child prompts the fake SDK answered. */
  sessions: number
}

export interface EngineCheckout {
  dir: string
  revision: ReturnType<typeof revisionOf>
  /** The fake SDK's path in this checkout. */
  fakeSdk: string
  /** The verdict every reviewer submits (the fake SDK's PASS). */
  pass: unknown
  /**
   * One mission through this checkout's `runMission`. `options` are parsed by the checkout's own
   * schema, then `lifted` is laid over them (limits the user-facing schema caps).
   */
  runMission(input: {
    mission: string
    directory: string
    script: BenchScript
    options: Record<string, unknown>
    lifted: Record<string, unknown>
  }): Promise<MissionOutcome>
}

type Module = Record<string, unknown>
type Constructor = new (...args: unknown[]) => { calls: unknown[]; handoffs?: unknown }

const importFile = (file: string): Promise<Module> => import(pathToFileURL(file).href) as Promise<Module>

function exported<T>(module: Module, name: string, kind: "function" | "object", where: string): T {
  const value = module[name]
  if (typeof value !== kind || value === null) throw new Error(`cannot drive ${where}: it exports no ${kind} ${name}`)
  return value as T
}

/**
 * The handoff slots the fake SDK is built on. The fake SDK imports their class itself; its import
 * line says where the class lives in that revision (src/opencode/handoff.ts so far).
 */
async function handoffsClass(fakeFile: string): Promise<Constructor | undefined> {
  const source = readFileSync(fakeFile, "utf8")
  const from = /import\s*\{[^}]*\bHandoffs\b[^}]*\}\s*from\s*"([^"]+)"/.exec(source)?.[1]
  if (!from) return undefined
  const module = await importFile(path.resolve(path.dirname(fakeFile), from.replace(/\.js$/, ".ts")))
  return exported<Constructor>(module, "Handoffs", "function", fakeFile)
}

/** Imports `dir`'s engine, config schema and fake SDK; fails with the reason when a piece is missing. */
export async function loadEngineCheckout(dir: string): Promise<EngineCheckout> {
  const root = path.resolve(dir)
  const fakeSdk = FAKE_SDK_PATHS.find((p) => existsSync(path.join(root, p)))
  if (!fakeSdk) throw new Error(`cannot drive ${root}: no fake SDK at ${FAKE_SDK_PATHS.join(" or ")}`)
  const fakeFile = path.join(root, fakeSdk)
  const engine = await importFile(path.join(root, "src/mission/engine.ts"))
  const config = await importFile(path.join(root, "src/config.ts"))
  const fake = await importFile(fakeFile)
  const runMission = exported<(input: unknown, deps: unknown) => Promise<{ state: { status: string } }>>(
    engine,
    "runMission",
    "function",
    `${root}/src/mission/engine.ts`,
  )
  const options = exported<{ parse(input: unknown): Record<string, unknown> }>(config, "Options", "object", `${root}/src/config.ts`)
  const FakeSessions = exported<Constructor>(fake, "FakeSessions", "function", fakeFile)
  const silentProgress = exported<() => unknown>(fake, "silentProgress", "function", fakeFile)
  const noAnalysis = exported<unknown>(fake, "noAnalysis", "object", fakeFile)
  const pass = exported<unknown>(fake, "PASS", "object", fakeFile)
  const Handoffs = await handoffsClass(fakeFile)
  return {
    dir: root,
    revision: revisionOf(root),
    fakeSdk,
    pass,
    async runMission({ mission, directory, script, options: raw, lifted }) {
      // Built as the fake SDK's own runScripted builds it; without handoff slots, the fake keeps its own.
      const handoffs = Handoffs ? new Handoffs() : undefined
      const sessions = handoffs ? new FakeSessions(handoffs, script) : new FakeSessions(script)
      const deps = {
        sessions,
        handoffs: handoffs ?? sessions.handoffs,
        progress: silentProgress(),
        options: { ...options.parse(raw), ...lifted },
        analysis: noAnalysis,
      }
      const result = await runMission({ mission, directory, commanderSession: "ses_bench", signal: new AbortController().signal }, deps)
      return { status: result.state.status, sessions: sessions.calls.length }
    },
  }
}
