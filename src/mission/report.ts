import type { CheckedEvidence, MissionState, TaskState } from "./state.js"

const HEADLINE: Record<string, string> = {
  sealed: "every task passed review and the mission's checks",
  failed: "the mission did not reach a verified result",
  cancelled: "the mission was cancelled",
  budget_exhausted: "a budget ran out before the mission finished",
  needs_user: "the planner needs answers only you can give",
}

/** The Markdown report the orchestrate tool returns; its first line states the exit status. */
export function renderReport(state: MissionState, todoPath: string): string {
  const out: string[] = []
  out.push(`**Mission ${state.status}** — ${HEADLINE[state.status] ?? state.status}.`, "")
  if (state.reason) out.push(state.reason, "")
  if (state.questions?.length) {
    out.push("## Questions", "", ...state.questions.map((q, i) => `${i + 1}. ${q}`), "")
    out.push("Answer them in a new `/task` that includes the answers.", "")
  }
  if (state.plan) out.push("## Plan", "", state.plan.summary, "")
  if (state.tasks.length) {
    out.push("## Tasks", "", "| id | task | status | attempts | last outcome | files |", "|---|---|---|---|---|---|")
    for (const task of state.tasks) out.push(taskRow(task))
    out.push("")
  }
  const evidence = allEvidence(state)
  if (evidence.length) {
    out.push("## Evidence (re-run by the engine)", "", "| command | exit |", "|---|---|")
    for (const e of evidence) out.push(`| \`${cell(e.command)}\` | ${e.exitCode} |`)
    out.push("")
  }
  if (state.masterReview) {
    out.push("## Final review", "", `${state.masterReview.verdict}: ${state.masterReview.summary}`, "")
  }
  const u = state.usage
  const seconds = ((Date.parse(state.endedAt ?? new Date().toISOString()) - Date.parse(state.startedAt)) / 1000).toFixed(1)
  out.push("## Spent", "")
  out.push(`- ${u.sessions} child sessions, ${state.round} rounds, ${seconds} s wall time`)
  out.push(`- tokens: ${u.inputTokens} in, ${u.outputTokens} out, ${u.reasoningTokens} reasoning, ${u.cacheReadTokens} cache read; cost $${u.cost.toFixed(4)}`)
  if (state.result) out.push(`- result: ${state.result.summary}`)
  if (state.dependencyChanges?.length) {
    out.push(
      `- dependencies: the mission changed ${state.dependencyChanges.join(", ")}; run your install (e.g. \`npm install\`) in the project before you build or test`,
    )
  }
  for (const r of state.refused) out.push(`- refused by the sandbox (${r.reason}): \`${cell(r.command)}\``)
  out.push(`- isolation: ${state.isolation.note}`)
  for (const note of state.notes) out.push(`- ${note}`)
  out.push(`- mission ${state.id}; state and TODO.md in \`${todoPath.replace(/TODO\.md$/, "")}\``)
  return out.join("\n")
}

function taskRow(task: TaskState): string {
  const last = task.attempts.at(-1)
  const files = [...new Set(task.attempts.flatMap((a) => a.changedFiles))]
  const shown = files.length > 4 ? `${files.slice(0, 4).join(", ")} +${files.length - 4}` : files.join(", ")
  return `| ${task.spec.id} | ${cell(task.spec.title)} | ${task.status} | ${task.attempts.length} | ${last ? last.outcome : "—"} | ${cell(shown) || "—"} |`
}

function allEvidence(state: MissionState): CheckedEvidence[] {
  const passing = state.tasks.flatMap((t) => t.attempts.filter((a) => a.outcome === "passed").flatMap((a) => a.evidence))
  const list = [...passing, ...state.missionVerify, ...(state.masterReview?.evidence ?? [])]
  const seen = new Set<string>()
  return list.filter((e) => {
    const key = `${e.command}\0${e.exitCode}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ")
}
