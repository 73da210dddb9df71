// A terminal screen captured with colours (`tmux capture-pane -p -e`) → SVG → PNG (rsvg-convert,
// Debian package librsvg2-bin). Used for the README's picture of the board.
//   npx tsx scripts/screen-to-png.ts screen.ansi assets/board.png [--crop col,row,width,height]
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { columns } from "../src/tui/board.js"

interface Style {
  fg?: string
  bg?: string
  bold: boolean
  italic: boolean
  underline: boolean
  reverse: boolean
}

interface Cell {
  ch: string
  width: number
  style: Style
}

const FONT_SIZE = 14
const CELL_W = 8.43
const CELL_H = 18
const DEFAULT_FG = "#d4d4d4"
const DEFAULT_BG = "#0b0b0e"
const BASIC = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5"]
const BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]

function color256(n: number): string {
  if (n < 8) return BASIC[n]!
  if (n < 16) return BRIGHT[n - 8]!
  if (n < 232) {
    const i = n - 16
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40)
    return rgb(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6))
  }
  const g = 8 + (n - 232) * 10
  return rgb(g, g, g)
}

function rgb(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")}`
}

/** Applies one SGR sequence's parameters to a style. */
function sgr(style: Style, params: number[]): Style {
  const s = { ...style }
  if (params.length === 0) params = [0]
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!
    if (p === 0) Object.assign(s, { fg: undefined, bg: undefined, bold: false, italic: false, underline: false, reverse: false })
    else if (p === 1) s.bold = true
    else if (p === 22) s.bold = false
    else if (p === 3) s.italic = true
    else if (p === 23) s.italic = false
    else if (p === 4) s.underline = true
    else if (p === 24) s.underline = false
    else if (p === 7) s.reverse = true
    else if (p === 27) s.reverse = false
    else if (p >= 30 && p <= 37) s.fg = BASIC[p - 30]
    else if (p >= 90 && p <= 97) s.fg = BRIGHT[p - 90]
    else if (p === 39) s.fg = undefined
    else if (p >= 40 && p <= 47) s.bg = BASIC[p - 40]
    else if (p >= 100 && p <= 107) s.bg = BRIGHT[p - 100]
    else if (p === 49) s.bg = undefined
    else if (p === 38 || p === 48) {
      const key = p === 38 ? "fg" : "bg"
      if (params[i + 1] === 5) {
        s[key] = color256(params[i + 2] ?? 0)
        i += 2
      } else if (params[i + 1] === 2) {
        s[key] = rgb(params[i + 2] ?? 0, params[i + 3] ?? 0, params[i + 4] ?? 0)
        i += 4
      }
    }
  }
  return s
}

export function parseScreen(text: string): Cell[][] {
  const rows: Cell[][] = []
  let style: Style = { bold: false, italic: false, underline: false, reverse: false }
  for (const line of text.replace(/\n$/, "").split("\n")) {
    const row: Cell[] = []
    let i = 0
    while (i < line.length) {
      if (line[i] === "\x1b" && line[i + 1] === "[") {
        const end = line.slice(i + 2).search(/[A-Za-z]/)
        if (end < 0) break
        const body = line.slice(i + 2, i + 2 + end)
        if (line[i + 2 + end] === "m") style = sgr(style, body === "" ? [] : body.split(/[;:]/).map(Number))
        i += end + 3
        continue
      }
      const ch = String.fromCodePoint(line.codePointAt(i)!)
      i += ch.length
      row.push({ ch, width: columns(ch), style })
    }
    rows.push(row)
  }
  return rows
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
}

export function toSvg(rows: Cell[][], crop?: { col: number; row: number; width: number; height: number }): string {
  const width = crop?.width ?? Math.max(...rows.map((r) => r.reduce((n, c) => n + c.width, 0)))
  const height = crop?.height ?? rows.length
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width * CELL_W)}" height="${height * CELL_H}" font-family="DejaVu Sans Mono, monospace" font-size="${FONT_SIZE}">`,
    `<rect width="100%" height="100%" fill="${DEFAULT_BG}"/>`,
  ]
  rows.slice(crop?.row ?? 0, (crop?.row ?? 0) + height).forEach((row, y) => {
    let col = 0
    for (const cell of row) {
      const x = col - (crop?.col ?? 0)
      col += cell.width
      if (x < 0 || x >= width) continue
      const fg = cell.style.reverse ? (cell.style.bg ?? DEFAULT_BG) : (cell.style.fg ?? DEFAULT_FG)
      const bg = cell.style.reverse ? (cell.style.fg ?? DEFAULT_FG) : cell.style.bg
      if (bg)
        out.push(`<rect x="${(x * CELL_W).toFixed(2)}" y="${y * CELL_H}" width="${(cell.width * CELL_W + 0.6).toFixed(2)}" height="${CELL_H}" fill="${bg}"/>`)
      if (cell.ch === " ") continue
      const attrs = [
        cell.style.bold ? ` font-weight="bold"` : "",
        cell.style.italic ? ` font-style="italic"` : "",
        cell.style.underline ? ` text-decoration="underline"` : "",
      ].join("")
      out.push(`<text x="${(x * CELL_W).toFixed(2)}" y="${y * CELL_H + 13}" fill="${fg}"${attrs}>${escapeXml(cell.ch)}</text>`)
    }
  })
  out.push("</svg>")
  return out.join("\n")
}

if (process.argv[1]?.endsWith("screen-to-png.ts")) {
  const [input, output, flag, spec] = process.argv.slice(2)
  if (!input || !output) throw new Error("usage: screen-to-png.ts SCREEN.ansi OUT.png [--crop col,row,width,height]")
  const [col, row, width, height] = flag === "--crop" && spec ? spec.split(",").map(Number) : []
  const crop = width ? { col: col!, row: row!, width, height: height! } : undefined
  const svg = toSvg(parseScreen(readFileSync(input, "utf8")), crop)
  const svgFile = output.replace(/\.png$/, ".svg")
  writeFileSync(svgFile, svg)
  execFileSync("rsvg-convert", ["-o", output, svgFile])
  console.log(`wrote ${output}`)
}
