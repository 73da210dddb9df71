#!/usr/bin/env node
// The package's command: `npx opencode-orchestrator doctor [--dir <project>]`.
import { resolve } from "node:path"
import { CHECKOUTS_USAGE, checkoutsCommand } from "./checkouts-command.js"
import { defaultContext, doctor } from "./doctor.js"

const USAGE = `usage: opencode-orchestrator doctor [--dir <project>]
       opencode-orchestrator checkouts [remove <project> | remove --all]

  doctor               checks OpenCode's version, the plugin entries in its config, the native addon,
                       git, ripgrep, the sandbox, the language servers, the configuration files and
                       the checkout home; one line per check, exit 1 if any fails
${CHECKOUTS_USAGE}`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE)
    return 0
  }
  if (command === "checkouts") {
    const result = await checkoutsCommand(rest)
    for (const line of result.lines) (result.code === 2 ? console.error : console.log)(line)
    return result.code
  }
  if (command !== "doctor") {
    console.error(command ? `unknown command: ${command}\n\n${USAGE}` : USAGE)
    return 2
  }
  let dir = process.cwd()
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--dir" && rest[i + 1]) dir = resolve(rest[++i]!)
    else {
      console.error(`unknown argument: ${rest[i]}\n\n${USAGE}`)
      return 2
    }
  }
  const result = doctor(defaultContext(dir))
  for (const line of result.lines) console.log(line)
  return result.code
}

process.exitCode = await main(process.argv.slice(2))
