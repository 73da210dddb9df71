import type { MissionState } from "./state.js"

/** TODO.md: a view of the state, one checkbox line per task. */
export function renderTodo(state: MissionState): string {
  const lines = [`# Mission ${state.id} — ${state.status}`, "", `> ${firstLine(state.mission)}`, ""]
  if (state.plan) lines.push(state.plan.summary, "")
  for (const task of state.tasks) {
    const box = task.status === "passed" ? "x" : " "
    const attempts = task.attempts.length
    const note = task.status === "passed" || task.status === "pending" ? "" : ` — ${task.status}`
    const tries = attempts > 1 ? ` (attempt ${attempts})` : ""
    lines.push(`- [${box}] ${task.spec.id} · ${task.spec.title}${note}${tries}`)
  }
  if (state.tasks.length === 0) lines.push("_No tasks yet._")
  return `${lines.join("\n")}\n`
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? ""
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}
