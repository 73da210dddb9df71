/** What the `/task` command's raw arguments ask for. */
export type TaskRequest =
  | { kind: "start"; mission: string }
  | { kind: "resume"; id: string }
  | { kind: "cancel"; id?: string }
  | { kind: "status"; id?: string }

/** `--resume [id]`, `--cancel [id]` and `--status [id]` control missions; anything else is a mission. */
export function parseTaskArguments(text: string): TaskRequest {
  const match = /^\s*--(resume|cancel|status)(?:\s+(\S+))?\s*$/.exec(text)
  if (!match) return { kind: "start", mission: text.trim() }
  const id = match[2]?.replace(/^["']|["']$/g, "")
  if (match[1] === "resume") return { kind: "resume", id: id ?? "latest" }
  return id ? { kind: match[1] as "cancel" | "status", id } : { kind: match[1] as "cancel" | "status" }
}
