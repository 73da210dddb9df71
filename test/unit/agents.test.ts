import type { Config } from "@opencode-ai/plugin"
import { describe, expect, it } from "vitest"
import { AGENT_IDS, HANDOFF_TOOLS, registerAgents } from "../../src/agents.js"
import { pluginOptions } from "../support/helpers.js"

type Rules = Record<string, unknown>
const CODE_TOOLS = ["code_outline", "code_search", "code_map", "code_check", "code_definition", "code_references", "code_diagnostics"]

function register(cfg: Record<string, unknown> = {}, codeToolsForAllAgents = false) {
  const config = cfg as Config
  registerAgents(config, { codeTools: CODE_TOOLS, codeToolsForAllAgents })
  return config as unknown as {
    agent: Record<string, Rules & { permission: Rules }>
    permission: Rules
    command: Record<string, { template: string; agent?: string; description?: string }>
    default_agent?: string
  }
}

/** Every leaf action of a permission value, nested bash rules included. */
function actions(value: unknown): string[] {
  if (typeof value === "string") return [value]
  if (value && typeof value === "object") return Object.values(value).flatMap(actions)
  return []
}

/** The action OpenCode resolves for a tool: the last matching key wins ("*" matches everything). */
function resolve(rules: Rules, tool: string): unknown {
  let found: unknown
  for (const [key, value] of Object.entries(rules)) if (key === tool || key === "*") found = value
  return found
}

describe("agents.ts registerAgents", () => {
  it("registers the four agents with their modes", () => {
    const cfg = register()
    expect(Object.keys(cfg.agent).sort()).toEqual([...AGENT_IDS].sort())
    expect(cfg.agent.commander?.mode).toBe("primary")
    for (const id of ["planner", "worker", "reviewer"]) expect(cfg.agent[id]?.mode).toBe("subagent")
    for (const id of AGENT_IDS) {
      expect(String(cfg.agent[id]?.prompt).length).toBeGreaterThan(50)
      expect(String(cfg.agent[id]?.description).length).toBeGreaterThan(10)
    }
  })

  it("offers each handoff tool only to its owner", () => {
    const cfg = register()
    for (const [tool, owner] of Object.entries(HANDOFF_TOOLS)) {
      expect(cfg.permission[tool]).toBe("deny")
      for (const id of AGENT_IDS) {
        expect(resolve(cfg.agent[id]!.permission, tool), `${id} → ${tool}`).toBe(id === owner ? "allow" : "deny")
      }
    }
  })

  it("denies the built-in task tool to the commander", () => {
    const cfg = register()
    expect(resolve(cfg.agent.commander!.permission, "task")).toBe("deny")
    expect(resolve(cfg.agent.worker!.permission, "task")).toBe("deny")
  })

  it("never leaves a permission of ours at ask", () => {
    const cfg = register({ permission: { edit: "ask", bash: { "*": "ask" } } })
    for (const id of AGENT_IDS) {
      const all = actions(cfg.agent[id]!.permission)
      expect(all.length).toBeGreaterThan(0)
      expect(all, id).not.toContain("ask")
      // A catch-all rule decides whatever the user's global rules say.
      expect(["allow", "deny"]).toContain(cfg.agent[id]!.permission["*"])
    }
  })

  it("denies the code tools to the user's agents unless they opt in, and gives each of ours the ones its job needs", () => {
    const cfg = register()
    const offered: Record<string, string[]> = {
      commander: [],
      planner: ["code_map", "code_outline"],
      worker: ["code_diagnostics"],
      reviewer: ["code_definition", "code_references"],
    }
    for (const t of CODE_TOOLS) {
      expect(cfg.permission[t]).toBe("deny")
      for (const id of AGENT_IDS) expect(resolve(cfg.agent[id]!.permission, t), `${id} → ${t}`).toBe(offered[id]!.includes(t) ? "allow" : "deny")
    }
    const optedIn = register({}, true)
    for (const t of CODE_TOOLS) expect(optedIn.permission[t]).toBeUndefined()
    expect(optedIn.permission.orchestrate).toBe("deny")
    expect(resolve(optedIn.agent.worker!.permission, "code_search")).toBe("deny")
  })

  it("runs our subagents' commands through shell, not OpenCode's bash, and keeps shell from the user's agents", () => {
    for (const optIn of [false, true]) expect(register({}, optIn).permission.shell).toBe("deny")
    const cfg = register()
    for (const id of AGENT_IDS) expect(resolve(cfg.agent[id]!.permission, "bash"), id).toBe("deny")
    expect(resolve(cfg.agent.worker!.permission, "shell")).toBe("allow")
    expect(resolve(cfg.agent.reviewer!.permission, "shell")).toBe("allow")
    expect(resolve(cfg.agent.commander!.permission, "shell")).toBe("deny")
    const planner = cfg.agent.planner!.permission.shell as Record<string, string>
    expect(planner["*"]).toBe("deny")
    expect(planner["git log*"]).toBe("allow")
    expect(
      Object.entries(planner)
        .filter(([, action]) => action === "allow")
        .map(([p]) => p),
    ).not.toContain("*")
    // Writing options of allowed read-only commands come after the allows: the last matching rule wins.
    const keys = Object.keys(planner)
    for (const writing of ["* -delete*", "* -exec*", "* --output*"]) {
      expect(planner[writing]).toBe("deny")
      expect(keys.indexOf(writing)).toBeGreaterThan(keys.indexOf("find *"))
    }
  })

  it("applies a user's bash rules for one of our agents to its shell", () => {
    const rules = { "*": "deny", "npm test": "allow" }
    const cfg = register({ agent: { reviewer: { permission: { bash: rules } }, worker: { permission: { bash: "ask", shell: "allow" } } } })
    expect(cfg.agent.reviewer!.permission.shell).toEqual(rules)
    expect(cfg.agent.worker!.permission.shell).toBe("allow")
  })

  it("keeps a user's top-level permission string as a catch-all before our denies", () => {
    const cfg = register({ permission: "allow" })
    expect(Object.entries(cfg.permission)).toEqual([
      ["*", "allow"],
      ["orchestrate", "deny"],
      ["submit_plan", "deny"],
      ["submit_verdict", "deny"],
      ["shell", "deny"],
      ...CODE_TOOLS.map((t) => [t, "deny"]),
      ["task", { planner: "deny", worker: "deny", reviewer: "deny" }],
    ])
  })

  it("keeps our subagents out of every agent's task tool, keeping the user's own task rules", () => {
    expect(register({ permission: { task: "ask" } }).permission.task).toEqual({ "*": "ask", planner: "deny", worker: "deny", reviewer: "deny" })
    expect(register({ permission: { task: { general: "deny" } } }).permission.task).toEqual({
      general: "deny",
      planner: "deny",
      worker: "deny",
      reviewer: "deny",
    })
  })

  it("keeps a user's top-level rules and puts our denies after them", () => {
    const cfg = register({ permission: { "*": "ask", orchestrate: "allow", edit: "allow" } })
    const keys = Object.keys(cfg.permission)
    expect(cfg.permission.edit).toBe("allow")
    expect(cfg.permission["*"]).toBe("ask")
    expect(cfg.permission.orchestrate).toBe("deny")
    expect(keys.indexOf("orchestrate")).toBeGreaterThan(keys.indexOf("*"))
  })

  it("lets a user's own agent config win field by field, keeping our other permission keys", () => {
    const cfg = register({
      agent: { worker: { model: "anthropic/claude-x", prompt: "My prompt.", permission: { bash: "deny" } } },
    })
    const worker = cfg.agent.worker!
    expect(worker.model).toBe("anthropic/claude-x")
    expect(worker.prompt).toBe("My prompt.")
    expect(worker.mode).toBe("subagent")
    expect(String(worker.description)).toMatch(/work order/)
    expect(worker.permission.bash).toBe("deny")
    expect(worker.permission.shell).toBe("deny")
    expect(resolve(worker.permission, "edit")).toBe("allow")
    expect(resolve(worker.permission, "submit_plan")).toBe("deny")
    expect(resolve(worker.permission, "task")).toBe("deny")
    expect(resolve(worker.permission, "bash")).toBe("deny")
  })

  it("lets a user's explicit permission override ours", () => {
    const cfg = register({ agent: { reviewer: { permission: { bash: { "*": "deny", "npm test": "allow" } } } } })
    expect(cfg.agent.reviewer!.permission.bash).toEqual({ "*": "deny", "npm test": "allow" })
    expect(resolve(cfg.agent.reviewer!.permission, "submit_verdict")).toBe("allow")
  })

  it("treats a user's agent permission string as a catch-all", () => {
    const cfg = register({ agent: { reviewer: { permission: "deny" } } })
    const rules = cfg.agent.reviewer!.permission
    expect(Object.keys(rules).filter((k) => /^\d+$/.test(k))).toEqual([])
    expect(rules["*"]).toBe("deny")
  })

  it("keeps other agents' handoff tools denied when the user sets a catch-all on our agent", () => {
    const cfg = register({ agent: { reviewer: { permission: { "*": "allow" } } } })
    const rules = cfg.agent.reviewer!.permission
    expect(resolve(rules, "read")).toBe("allow")
    expect(resolve(rules, "submit_verdict")).toBe("allow")
    expect(resolve(rules, "orchestrate")).toBe("deny")
    expect(resolve(rules, "submit_plan")).toBe("deny")
  })

  it("leaves build, plan, other agents and default_agent untouched", () => {
    const build = { model: "x/y", permission: { edit: "ask" } }
    const plan = { mode: "primary", prompt: "plan it" }
    const mine = { mode: "subagent", prompt: "mine" }
    const cfg = register({
      default_agent: "build",
      agent: { build: structuredClone(build), plan: structuredClone(plan), mine: structuredClone(mine) },
    })
    expect(cfg.default_agent).toBe("build")
    expect(cfg.agent.build).toEqual(build)
    expect(cfg.agent.plan).toEqual(plan)
    expect(cfg.agent.mine).toEqual(mine)
  })

  it("registers /task for the commander with the raw arguments", () => {
    const cfg = register()
    expect(cfg.command.task?.agent).toBe("commander")
    expect(cfg.command.task?.template).toContain("$ARGUMENTS")
    expect(cfg.command.task?.template).toContain("orchestrate")
  })

  it("does not overwrite a user's own task command", () => {
    const own = { template: "my own $ARGUMENTS", agent: "build" }
    const cfg = register({ command: { task: { ...own }, other: { template: "x" } } })
    expect(cfg.command.task).toEqual(own)
    expect(cfg.command.other).toEqual({ template: "x" })
  })

  it("is idempotent when the config hook runs twice", () => {
    const once = register({ permission: { "*": "ask" } })
    const twice = register(structuredClone(once) as unknown as Record<string, unknown>)
    expect(twice.permission).toEqual(once.permission)
    expect(Object.keys(twice.permission)).toEqual(Object.keys(once.permission))
  })
})

describe("per-agent settings in registerAgents", () => {
  type Agents = Record<string, Record<string, unknown>>
  function register(cfg: Record<string, unknown>, options: unknown) {
    const parsed = pluginOptions(options)
    expect(parsed.ok, parsed.ok ? "" : parsed.error).toBe(true)
    registerAgents(cfg as Config, { codeTools: [], codeToolsForAllAgents: false, agents: parsed.options.agents })
    return (cfg as { agent: Agents }).agent
  }

  it("applies model, temperature, top_p, steps and prompt_append to our agents only", () => {
    const agent = register(
      {},
      {
        agents: { worker: { model: "anthropic/claude-haiku-4-5", temperature: 0.1, top_p: 0.5, steps: 30, prompt_append: "Use pnpm." } },
      },
    )
    expect(agent.worker).toMatchObject({ model: "anthropic/claude-haiku-4-5", temperature: 0.1, top_p: 0.5, steps: 30 })
    expect(String(agent.worker!.prompt)).toMatch(/\n\nUse pnpm\.$/)
    expect(String(agent.worker!.prompt).length).toBeGreaterThan(60)
    for (const id of ["commander", "planner", "reviewer"]) {
      for (const key of ["model", "temperature", "top_p", "steps"]) expect(agent[id], `${id}.${key}`).not.toHaveProperty(key)
    }
  })

  it("lets the user's agent.worker win field by field", () => {
    const agent = register(
      { agent: { worker: { model: "openai/gpt-5", maxSteps: 5 } } },
      { agents: { worker: { model: "anthropic/claude-haiku-4-5", temperature: 0.3, steps: 30 } } },
    )
    expect(agent.worker).toMatchObject({ model: "openai/gpt-5", temperature: 0.3, maxSteps: 5, mode: "subagent" })
    expect(agent.worker).not.toHaveProperty("steps")
  })

  it("sets nothing by default, so our agents inherit the user's model", () => {
    const agent = register({}, {})
    expect(Object.keys(agent.commander!).sort()).toEqual(["description", "mode", "permission", "prompt"])
    for (const id of ["planner", "worker", "reviewer"]) {
      expect(Object.keys(agent[id]!).sort()).toEqual(["description", "hidden", "mode", "permission", "prompt"])
    }
  })

  it("stays idempotent with prompt_append when the config hook runs twice", () => {
    const cfg: Record<string, unknown> = {}
    const once = structuredClone(register(cfg, { agents: { planner: { prompt_append: "Keep plans small." } } }))
    const twice = register(cfg, { agents: { planner: { prompt_append: "Keep plans small." } } })
    expect(twice.planner!.prompt).toBe(once.planner!.prompt)
  })
})
