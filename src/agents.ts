import type { Config } from "@opencode-ai/plugin"
import type { AgentSettings } from "./config.js"
import { readMarkdown } from "./templates.js"

export const AGENT_IDS = ["commander", "planner", "worker", "reviewer"] as const
export type AgentId = (typeof AGENT_IDS)[number]

/** Each handoff tool and the one agent it belongs to. */
export const HANDOFF_TOOLS = { orchestrate: "commander", submit_plan: "planner", submit_verdict: "reviewer" } as const

type Action = "allow" | "deny" | "ask"
type PermissionValue = Action | Record<string, Action>
type Permission = Record<string, PermissionValue>
type AgentConfig = NonNullable<NonNullable<Config["agent"]>[string]>

/** Tools of ours for our own agents only (each agent's frontmatter allows the ones it uses). */
export const OWN_AGENT_TOOLS = ["shell"] as const

export interface RegisterOptions {
  /** Code tools (names); each of our agents allows in its frontmatter the ones its job needs. */
  codeTools: readonly string[]
  /** Whether the user's own agents are offered the code tools too. */
  codeToolsForAllAgents: boolean
  /** Per-agent settings from our configuration (`agents.<id>`); the user's `agent.<id>` still wins field by field. */
  agents?: Partial<Record<AgentId, AgentSettings>>
}

/**
 * Registers our agents and the /task command. A user's own config for the
 * same agent wins field by field; `build`, `plan` and `default_agent` are
 * never touched. Our handoff tools are denied everywhere but to their owner.
 */
export function registerAgents(cfg: Config, options: RegisterOptions): void {
  const handoffDenies: Permission = Object.fromEntries(Object.keys(HANDOFF_TOOLS).map((t) => [t, "deny"]))
  const codeDenies: Permission = Object.fromEntries([...OWN_AGENT_TOOLS, ...(options.codeToolsForAllAgents ? [] : options.codeTools)].map((t) => [t, "deny"]))
  const base = asPermission(cfg.permission)
  // The engine starts our subagents itself; no agent's `task` tool may, which also keeps them out of its description.
  const userTask = base.task
  const task: Record<string, Action> = {
    ...(typeof userTask === "string" ? { "*": userTask } : userTask),
    ...Object.fromEntries(AGENT_IDS.filter((id) => id !== "commander").map((id) => [id, "deny" as const])),
  }
  cfg.permission = mergePermission(base, { ...handoffDenies, ...codeDenies, task }) as Config["permission"]

  cfg.agent ??= {}
  for (const id of AGENT_IDS) {
    const doc = readMarkdown(`agents/${id}.md`)
    const own = Object.entries(HANDOFF_TOOLS).find(([, owner]) => owner === id)?.[0]
    const permission: Permission = {
      ...(doc.frontmatter.permission as Permission),
      // Always after the agent's own rules: the last matching rule wins.
      ...handoffDenies,
      ...(id === "commander" ? { task: "deny" } : {}),
      ...(own ? { [own]: "allow" } : {}),
    }
    const settings = options.agents?.[id] ?? {}
    const ours: AgentConfig = {
      description: String(doc.frontmatter.description ?? ""),
      mode: doc.frontmatter.mode as AgentConfig["mode"],
      // Hidden subagents stay out of OpenCode's `task` tool description, which every user agent pays for.
      ...(doc.frontmatter.hidden === true ? { hidden: true } : {}),
      prompt: settings.prompt_append ? `${doc.body.trimEnd()}\n\n${settings.prompt_append}` : doc.body,
      permission: permission as AgentConfig["permission"],
      ...defined({ model: settings.model, temperature: settings.temperature, top_p: settings.top_p, steps: settings.steps }),
    }
    const user = cfg.agent[id]
    const merged = user ? mergeAgent(ours, user) : ours
    // The user's deprecated `maxSteps` is their step limit: ours must not shadow it.
    if (user?.maxSteps !== undefined && user.steps === undefined) delete merged.steps
    // Whatever the user's rules say, each agent is offered only its own handoff tool.
    merged.permission = mergePermission(merged.permission as Permission, {
      ...handoffDenies,
      ...(own ? { [own]: "allow" } : {}),
    }) as AgentConfig["permission"]
    cfg.agent[id] = merged
  }

  cfg.command ??= {}
  if (!cfg.command.task) {
    const doc = readMarkdown("prompts/task-command.md")
    cfg.command.task = {
      template: doc.body,
      description: String(doc.frontmatter.description ?? ""),
      agent: "commander",
    }
  }
}

function mergeAgent(ours: AgentConfig, user: AgentConfig): AgentConfig {
  const merged: AgentConfig = { ...ours, ...user }
  if (user.permission) {
    const rules = asPermission(user.permission)
    // Our agents run commands through `shell`: a user's `bash` rules for them mean it too.
    const shell: Permission = rules.bash !== undefined && rules.shell === undefined ? { shell: rules.bash } : {}
    merged.permission = mergePermission(ours.permission as Permission, { ...rules, ...shell }) as AgentConfig["permission"]
  }
  return merged
}

function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>
}

function asPermission(value: unknown): Permission {
  if (typeof value === "string") return { "*": value as Action }
  return (value ?? {}) as Permission
}

/** Later rules win, so `extra` goes last; a key set again moves to the end. */
function mergePermission(base: Permission | undefined, extra: Permission): Permission {
  const merged: Permission = { ...base }
  for (const [key, value] of Object.entries(extra)) {
    delete merged[key]
    merged[key] = value
  }
  return merged
}
