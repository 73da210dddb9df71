import { appendFile, mkdir, open, readFile, readdir, rename } from "node:fs/promises"
import path from "node:path"
import { MissionState, STATE_VERSION } from "./state.js"
import { renderTodo } from "./todo.js"

/** Where a project's missions live. */
export function missionsRoot(projectDir: string): string {
  return path.join(projectDir, ".opencode", "orchestrator")
}

/** Persists one mission: state.json (atomic), events.jsonl (append-only), TODO.md (a view). */
export class MissionStore {
  readonly dir: string

  constructor(projectDir: string, missionId: string) {
    this.dir = path.join(missionsRoot(projectDir), missionId)
  }

  get todoPath(): string {
    return path.join(this.dir, "TODO.md")
  }

  private writes: Promise<void> = Promise.resolve()

  /** Writes state.json and TODO.md; concurrent saves land one after another, the last one last. */
  save(state: MissionState): Promise<void> {
    const json = `${JSON.stringify(state, null, 2)}\n`
    const todo = renderTodo(state)
    const write = async () => {
      await mkdir(this.dir, { recursive: true })
      await writeAtomic(path.join(this.dir, "state.json"), json)
      await writeAtomic(this.todoPath, todo)
    }
    this.writes = this.writes.then(write, write)
    return this.writes
  }

  async event(type: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.events([[type, data]])
  }

  /** Appends several events in one write. */
  async events(events: readonly (readonly [type: string, data: Record<string, unknown>])[]): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const at = new Date().toISOString()
    const lines = events.map(([type, data]) => `${JSON.stringify({ at, type, ...data })}\n`)
    await appendFile(path.join(this.dir, "events.jsonl"), lines.join(""))
  }

  async load(): Promise<MissionState> {
    const file = path.join(this.dir, "state.json")
    const raw = await readFile(file, "utf8")
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}); it was left as it is.`)
    }
    if (typeof json !== "object" || json === null) throw new Error(`${file} does not hold a mission state object; it was left as it is.`)
    const version = (json as { version?: unknown }).version
    if (version !== STATE_VERSION) {
      throw new Error(`${file} has state version ${String(version)}; this plugin reads version ${STATE_VERSION}.`)
    }
    const parsed = MissionState.safeParse(json)
    if (!parsed.success) throw new Error(`${file} does not match the state schema: ${parsed.error.message}`)
    return parsed.data
  }
}

/** Mission ids of a project, newest first (ids sort by their start time). */
export async function listMissions(projectDir: string): Promise<string[]> {
  const entries = await readdir(missionsRoot(projectDir), { withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isDirectory() && e.name.startsWith("m-"))
    .map((e) => e.name)
    .sort()
    .reverse()
}

/** Temp file in the same directory, fsync, rename, fsync the directory. */
let tempCounter = 0

export async function writeAtomic(file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.${++tempCounter}.tmp`
  const handle = await open(temp, "w")
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, file)
  const dir = await open(path.dirname(file), "r")
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
