/** @jsxImportSource @opentui/solid */
import { readFileSync, writeFileSync } from "node:fs"
import path from "node:path"
import type { TuiPlugin, TuiPluginApi, TuiPluginModule } from "@opencode-ai/plugin/tui"
import { createSignal, For, onCleanup, Show } from "solid-js"
import { renderReport } from "../mission/report.js"
import type { MissionState } from "../mission/state.js"
import { type BoardLine, boardLines, statusLine, type Tone } from "./board.js"
import { CANCEL_FILE, type Found, MissionFinder } from "./missions.js"

/** How often the board re-reads its mission: the engine rewrites live.json within 200 ms of a change. */
const REFRESH_MS = 500
/** The sidebar's content width in 1.18.33 (42 columns less its padding), until the box reports its own. */
const SIDEBAR_COLUMNS = 38
/** OpenCode 1.18.33 draws the sidebar ("auto") only in a root session on a terminal wider than this. */
const SIDEBAR_MIN_WIDTH = 120

function Board(props: { api: TuiPluginApi; finder: MissionFinder; sessionID: string }) {
  const [found, setFound] = createSignal<Found | undefined>(read())
  const [now, setNow] = createSignal(Date.now())
  const [width, setWidth] = createSignal(SIDEBAR_COLUMNS)
  let box: { width?: number } | undefined
  let shownFor = found() ? props.sessionID : undefined
  const timer = setInterval(() => {
    // A mission file missing or mid-write reads as nothing: the board keeps what it showed for this session.
    const next = read()
    if (next) shownFor = props.sessionID
    if (next || shownFor !== props.sessionID) setFound(next)
    setNow(Date.now())
    if (box?.width && box.width > 0) setWidth(box.width)
  }, REFRESH_MS)
  onCleanup(() => clearInterval(timer))

  function read(): Found | undefined {
    const parent = props.api.state.session.get(props.sessionID)?.parentID
    return props.finder.find(props.sessionID, parent)
  }

  const lines = (): BoardLine[] => {
    const current = found()
    return current ? boardLines(current.live, { width: width(), now: now() }) : []
  }
  const color = (tone: Tone) => toneColor(props.api, tone)

  return (
    <Show when={lines().length > 0}>
      <box ref={(el: { width?: number }) => (box = el)}>
        <For each={lines()}>
          {(line) => (
            <text fg={color(line.tone)} wrapMode="none">
              {line.tone === "title" ? <b>{line.text}</b> : line.text}
            </text>
          )}
        </For>
      </box>
    </Show>
  )
}

function toneColor(api: TuiPluginApi, tone: Tone) {
  const theme = api.theme.current
  return {
    title: theme.text,
    text: theme.text,
    muted: theme.textMuted,
    accent: theme.accent,
    success: theme.success,
    warning: theme.warning,
    error: theme.error,
  }[tone]
}

/**
 * The board in one line at the bottom of the screen, where OpenCode draws no
 * sidebar: in a mission's child session (1.18.33 never shows the sidebar in a
 * child) and on a terminal too narrow for it.
 */
function BottomLine(props: { api: TuiPluginApi; finder: MissionFinder }) {
  const [line, setLine] = createSignal<BoardLine | undefined>()
  let shownFor: string | undefined
  const timer = setInterval(() => setLine(read()), REFRESH_MS)
  onCleanup(() => clearInterval(timer))

  function read(): BoardLine | undefined {
    const route = props.api.route.current
    const sessionID = route.name === "session" && typeof route.params?.sessionID === "string" ? route.params.sessionID : undefined
    if (!sessionID) return undefined
    const parentID = props.api.state.session.get(sessionID)?.parentID
    const width = props.api.renderer.width
    if (!parentID && width > SIDEBAR_MIN_WIDTH && props.api.kv.get("sidebar", "auto") !== "hide") return undefined
    const found = props.finder.find(sessionID, parentID)
    // A file caught mid-write: the session's last line stays.
    if (!found) return shownFor === sessionID ? line() : undefined
    shownFor = sessionID
    return statusLine(found.live, { width: width - 4, now: Date.now() })
  }

  // Always mounted, one row high only with a line: a slot whose content appears later is not laid out again.
  return (
    <box paddingLeft={2} paddingRight={2} height={line() ? 1 : 0}>
      <text fg={toneColor(props.api, line()?.tone ?? "text")} wrapMode="none">
        {line()?.text ?? ""}
      </text>
    </box>
  )
}

/** A dialog with a long text (the report, TODO.md), scrollable. */
function TextDialog(props: { api: TuiPluginApi; title: string; text: string }) {
  const theme = props.api.theme.current
  return (
    <box paddingLeft={2} paddingRight={2} gap={1}>
      <text fg={theme.text}>
        <b>{props.title}</b>
      </text>
      <scrollbox height={Math.max(8, Math.min(40, props.api.renderer.height - 10))}>
        <text fg={theme.text}>{props.text}</text>
      </scrollbox>
      <text fg={theme.textMuted}>esc to close</text>
    </box>
  )
}

const tui: TuiPlugin = async (api) => {
  const finder = new MissionFinder(() => api.state.path.directory || process.cwd())

  api.slots.register({
    order: 150,
    slots: {
      sidebar_content(_ctx, props) {
        return <Board api={api} finder={finder} sessionID={props.session_id} />
      },
      app_bottom() {
        return <BottomLine api={api} finder={finder} />
      },
    },
  })

  const currentSession = (): string | undefined => {
    const route = api.route.current
    return route.name === "session" && route.params && typeof route.params.sessionID === "string" ? route.params.sessionID : undefined
  }
  const sessionMission = (): Found | undefined => {
    const id = currentSession()
    if (!id) return finder.latestUnfinished()
    return finder.find(id, api.state.session.get(id)?.parentID)
  }
  const showText = (title: string, text: string) => {
    api.ui.dialog.replace(() => <TextDialog api={api} title={title} text={text} />)
    api.ui.dialog.setSize("xlarge")
  }
  const noMission = () => api.ui.toast({ variant: "warning", message: "No orchestrator mission in this session." })

  api.keymap.registerLayer({
    commands: [
      {
        name: "orchestrator.report",
        title: "Mission: open the report",
        category: "Orchestrator",
        namespace: "palette",
        run() {
          const found = sessionMission()
          if (!found) return noMission()
          try {
            const state = JSON.parse(readFileSync(path.join(found.dir, "state.json"), "utf8")) as MissionState
            showText(`Mission ${found.live.id}`, renderReport(state, path.join(found.dir, "TODO.md")))
          } catch (error) {
            api.ui.toast({ variant: "error", message: `The mission's state could not be read: ${(error as Error).message}` })
          }
        },
      },
      {
        name: "orchestrator.todo",
        title: "Mission: open TODO.md",
        category: "Orchestrator",
        namespace: "palette",
        run() {
          const found = sessionMission()
          if (!found) return noMission()
          const file = path.join(found.dir, "TODO.md")
          try {
            showText(file, readFileSync(file, "utf8"))
          } catch {
            api.ui.toast({ variant: "warning", message: `${file} is not there yet.` })
          }
        },
      },
      {
        name: "orchestrator.cancel",
        title: "Mission: cancel",
        category: "Orchestrator",
        namespace: "palette",
        run() {
          const found = sessionMission()
          if (!found || found.live.endedAt) return api.ui.toast({ variant: "warning", message: "No running mission to cancel here." })
          api.ui.dialog.replace(() => (
            <api.ui.DialogConfirm
              title="Cancel the mission?"
              message={`Mission ${found.live.id} stops its child sessions and reports what was done.`}
              onConfirm={() => {
                // The engine checks for this file every second, whichever process runs it.
                writeFileSync(path.join(found.dir, CANCEL_FILE), new Date().toISOString())
                api.ui.toast({ variant: "info", message: `Cancelling mission ${found.live.id}…` })
              }}
            />
          ))
        },
      },
      {
        name: "orchestrator.resume",
        title: "Mission: resume the latest interrupted",
        category: "Orchestrator",
        namespace: "palette",
        async run() {
          const latest = finder.latestUnfinished()
          if (!latest) return api.ui.toast({ variant: "info", message: "No interrupted mission in this project." })
          let sessionID = currentSession()
          if (!sessionID) {
            const created = await api.client.session.create({})
            sessionID = created.data?.id
            if (!sessionID) return api.ui.toast({ variant: "error", message: "Could not open a session to resume in." })
            api.route.navigate("session", { sessionID })
          }
          api.ui.dialog.clear()
          await api.client.session.command({ sessionID, command: "task", arguments: `--resume ${latest.live.id}`, agent: "commander" })
        },
      },
    ],
  })
}

const plugin: TuiPluginModule & { id: string } = { id: "opencode-orchestrator", tui }
export default plugin
