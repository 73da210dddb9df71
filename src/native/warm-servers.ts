// Warm language servers: one running server per (root, command), reused by
// every diagnostics call for that pair, so only the first call pays for the
// server's start and project load. A server is closed after `idleMs` without
// a check, by `closeWarmServers()` (a mission's end), and at process exit;
// a server found dead is started again once. Checks on one server run one at
// a time (each would otherwise hold a libuv worker thread while it waits);
// the calls that arrive while one runs are answered together by the next,
// so N tasks reaching the type gate at once wait for two checks, not N.

import { isWithin } from "../paths.js"
import { diagnostics, lspCheck, lspClose, lspCloseAllNow, lspStart } from "./index.js"
import type { DiagnosticsReport, FileDiagnostics } from "./types.js"

/** How long a server stays up after its last check unless configured (`languageServers.idleSec`). */
export const DEFAULT_IDLE_MS = 300_000
/** The idle time from the `languageServers.idleSec` setting, in ms. */
export function idleMs(settings: { idleSec?: number }): number {
  return settings.idleSec === undefined ? DEFAULT_IDLE_MS : settings.idleSec * 1000
}

/** Servers kept at once; starting one more closes the least recently used idle one. */
const MAX_SERVERS = 4

export interface WarmOptions {
  /** The language server: program and arguments. */
  command: string[]
  /** Limit of the server's start, and again of the check. */
  timeoutMs: number
  /** Quiet time after the last report (default: the addon's, `languages().settleMs`). */
  settleMs?: number
  /** Close the server after this long without a check; 0: a fresh server for this call only. */
  idleMs: number
}

export interface WarmReport extends DiagnosticsReport {
  warm: {
    /** This call started the server (first use, or the previous one had died). */
    started: boolean
    /** The server had died and was started again. */
    restarted: boolean
    /** Call → diagnostics complete, start included. */
    totalMs: number
    /** The server's process id (it leads its own process group), while it runs. */
    pid?: number
    /** Calls this one check answered (more than 1 when calls waited while another ran). */
    batch: number
  }
}

/** A call waiting for the next check of its server. */
interface Waiting {
  files: string[]
  options: WarmOptions
  began: number
  resolve: (report: WarmReport) => void
  reject: (error: unknown) => void
}

interface Server {
  key: string
  root: string
  command: string[]
  id?: number
  pid?: number
  /** Calls the next check answers. */
  waiting: Waiting[]
  /** A check is running, or calls wait for the next one. */
  checking: boolean
  idle?: NodeJS.Timeout
  lastUsed: number
  closed: boolean
  /** Closed by `closeWarmServers()`: calls still waiting are answered that it was shut down. */
  shutDown: boolean
}

const servers = new Map<string, Server>()
let exitHook = false

/** Diagnostics of `files` (relative to `root`) from the warm server for `root` and `options.command`. */
export function warmDiagnostics(root: string, files: string[], options: WarmOptions): Promise<WarmReport> {
  if (options.idleMs <= 0) return coldDiagnostics(root, files, options)
  const key = `${root}\0${options.command.join("\0")}`
  let server = servers.get(key)
  if (!server) {
    evictIfFull()
    server = { key, root, command: options.command, waiting: [], checking: false, lastUsed: Date.now(), closed: false, shutDown: false }
    servers.set(key, server)
  }
  const target = server
  return new Promise<WarmReport>((resolve, reject) => {
    target.waiting.push({ files, options, began: performance.now(), resolve, reject })
    if (!target.checking) void drain(target)
  })
}

/** Runs checks until no call waits, each answering every call that waited for it. */
async function drain(server: Server): Promise<void> {
  server.checking = true
  while (server.waiting.length > 0) {
    if (server.closed && !server.shutDown) {
      // Closed after a check that timed out or found it dead: who still waits gets a fresh server.
      for (const w of server.waiting.splice(0)) warmDiagnostics(server.root, w.files, w.options).then(w.resolve, w.reject)
      break
    }
    const batch = server.waiting.splice(0)
    const files = [...new Set(batch.flatMap((w) => w.files))]
    const settles = batch.flatMap((w) => (w.options.settleMs === undefined ? [] : [w.options.settleMs]))
    const options: WarmOptions = {
      command: server.command,
      timeoutMs: Math.max(...batch.map((w) => w.options.timeoutMs)),
      ...(settles.length ? { settleMs: Math.max(...settles) } : {}),
      idleMs: Math.max(...batch.map((w) => w.options.idleMs)),
    }
    try {
      const result = await check(server, files, options)
      for (const w of batch) w.resolve(share(result, w, batch.length))
    } catch (error) {
      for (const w of batch) w.reject(error)
    }
  }
  server.checking = false
}

/** The part of a batch's report that answers one call, timed from that call. */
function share(result: WarmReport, call: Waiting, batch: number): WarmReport {
  const byFile = new Map(result.files.map((f) => [f.file, f]))
  const files = call.files.map((file) => byFile.get(file) ?? { file, reported: false, diagnostics: [] })
  const totalMs = Math.round(performance.now() - call.began)
  return { ...result, files, warm: { ...result.warm, totalMs, batch } }
}

/**
 * Shuts warm servers down (their process groups killed): those rooted in
 * `under` (a mission's checkouts), or every one. Another mission's servers in
 * the same process keep running.
 */
export async function closeWarmServers(under?: string): Promise<void> {
  const chosen = [...servers.values()].filter((s) => under === undefined || isWithin(s.root, under))
  for (const s of chosen) {
    servers.delete(s.key)
    s.shutDown = true
  }
  await Promise.all(chosen.map((s) => close(s)))
}

/** Servers currently kept (for tests and diagnostics). */
export function warmServerCount(): number {
  return servers.size
}

async function coldDiagnostics(root: string, files: string[], options: WarmOptions): Promise<WarmReport> {
  const began = performance.now()
  const report = await diagnostics(root, files, { command: options.command, timeoutMs: options.timeoutMs, settleMs: options.settleMs })
  return { ...report, warm: { started: true, restarted: false, totalMs: Math.round(performance.now() - began), batch: 1 } }
}

async function check(server: Server, files: string[], options: WarmOptions): Promise<WarmReport> {
  const began = performance.now()
  if (server.closed) {
    const error = "the language server was shut down before this check could run (the mission ended, or it could not start)"
    return report(unreported(files, { started: false, error }, false), began, false, false)
  }
  clearTimeout(server.idle)
  try {
    let started = false
    let restarted = false
    for (let attempt = 0; ; attempt++) {
      if (server.id === undefined) {
        const start = await lspStart(server.root, { command: server.command, timeoutMs: options.timeoutMs })
        if (start.id === undefined) {
          forget(server)
          return report(unreported(files, start.server, start.timedOut), began, true, restarted)
        }
        server.id = start.id
        server.pid = start.pid
        started = true
        if (server.closed) {
          await lspClose(start.id)
          return report(unreported(files, { started: true, error: "the server was closed while starting" }, false), began, started, restarted)
        }
      }
      const result = await lspCheck(server.id, files, { timeoutMs: options.timeoutMs, settleMs: options.settleMs }).catch((error: unknown) => {
        if (server.closed) return undefined
        throw error
      })
      if (!result) {
        const error = "the language server was shut down during this check (the mission ended)"
        return report(unreported(files, { started: true, error }, false), began, started, restarted)
      }
      if (!result.alive && !server.closed && attempt === 0) {
        // It died since the last check (or during this one): one fresh start.
        server.id = undefined
        restarted = true
        continue
      }
      if (!result.alive) forget(server)
      else if (result.timedOut) {
        // A server that did not answer in time may be stuck: the next call starts afresh.
        await close(server)
      }
      const out: DiagnosticsReport = {
        server: { started: true, ...(result.error ? { error: result.error } : {}) },
        files: result.files,
        timedOut: result.timedOut,
      }
      return report(out, began, started, restarted, server.closed ? undefined : server.pid)
    }
  } finally {
    server.lastUsed = Date.now()
    if (!server.closed && server.id !== undefined) {
      server.idle = setTimeout(() => void close(server), options.idleMs)
      server.idle.unref()
    }
  }
}

function report(base: DiagnosticsReport, began: number, started: boolean, restarted: boolean, pid?: number): WarmReport {
  const totalMs = Math.round(performance.now() - began)
  return { ...base, warm: { started, restarted, totalMs, batch: 1, ...(pid === undefined ? {} : { pid }) } }
}

function unreported(files: string[], server: DiagnosticsReport["server"], timedOut: boolean): DiagnosticsReport {
  const none: FileDiagnostics[] = files.map((file) => ({ file, reported: false, diagnostics: [] }))
  return { server, files: none, timedOut }
}

/** Drops `server` from the registry without closing it (its process is gone). */
function forget(server: Server): void {
  server.closed = true
  server.id = undefined
  server.pid = undefined
  if (servers.get(server.key) === server) servers.delete(server.key)
}

async function close(server: Server): Promise<void> {
  clearTimeout(server.idle)
  const id = server.id
  forget(server)
  if (id !== undefined) await lspClose(id).catch(() => false)
}

function evictIfFull(): void {
  ensureExitHook()
  if (servers.size < MAX_SERVERS) return
  const idle = [...servers.values()].filter((s) => !s.checking).sort((a, b) => a.lastUsed - b.lastUsed)[0]
  if (idle) void close(idle)
}

/** An exit handler cannot wait: the servers are killed synchronously. */
function ensureExitHook(): void {
  if (exitHook) return
  exitHook = true
  process.once("exit", () => {
    try {
      lspCloseAllNow()
    } catch {
      // The process is ending; the servers also end when their stdin closes.
    }
  })
}
