// `npx opencode-orchestrator checkouts [remove <project> | remove --all]`: the checkouts kept between missions.
import path from "node:path"
import { checkoutHomePath } from "./workspace/checkout-home.js"
import { listPools, type PoolInfo, removePool } from "./workspace/checkout-pool.js"
import { repoRoot } from "./workspace/git.js"

export const CHECKOUTS_USAGE = `  checkouts            lists each project's checkouts kept between missions (size, last use)
  checkouts remove <project> | --all
                       removes them (git forgets them too); a mission running there is left alone`

export interface CommandResult {
  lines: string[]
  code: number
}

export async function checkoutsCommand(args: string[], cwd = process.cwd(), home = checkoutHomePath()): Promise<CommandResult> {
  const [verb, target, ...extra] = args
  if (verb === undefined) return listCheckouts(home)
  if (verb !== "remove" || !target || extra.length) return { lines: [`usage:\n${CHECKOUTS_USAGE}`], code: 2 }
  const pools = await listPools(home)
  const dir = path.resolve(cwd, target)
  const root = target === "--all" ? undefined : ((await repoRoot(dir).catch(() => undefined)) ?? dir)
  const chosen = target === "--all" ? pools : pools.filter((p) => p.root === root)
  if (chosen.length === 0) return { lines: [root ? `No checkouts are kept for ${root}.` : "No checkouts are kept."], code: root ? 1 : 0 }
  const lines: string[] = []
  let code = 0
  for (const pool of chosen) {
    const refused = await removePool(pool)
    if (refused) code = 1
    lines.push(refused ? `kept ${describe(pool)}: ${refused}` : `removed ${describe(pool)}`)
  }
  return { lines, code }
}

async function listCheckouts(home: string): Promise<CommandResult> {
  const pools = await listPools(home)
  if (pools.length === 0) return { lines: [`No checkouts are kept (${home}).`], code: 0 }
  const total = pools.reduce((sum, p) => sum + p.bytes, 0)
  return {
    lines: [
      ...pools.map((p) => `${describe(p)} — ${p.checkouts.join(", ") || "no checkouts"}${p.inUse ? " — in use by a running mission" : ""}\n  ${p.dir}`),
      `${pools.length} project${pools.length === 1 ? "" : "s"}, ${megabytes(total)} in ${home}`,
    ],
    code: 0,
  }
}

function describe(pool: PoolInfo): string {
  const used = pool.lastUsed.getTime() ? pool.lastUsed.toISOString().slice(0, 16).replace("T", " ") : "never"
  return `${pool.root || "(unknown project)"}: ${megabytes(pool.bytes)}, last used ${used}`
}

const megabytes = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`
