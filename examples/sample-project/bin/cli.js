#!/usr/bin/env node
import { upper } from "../src/upper.js"

const commands = { upper }

const [name, ...words] = process.argv.slice(2)
const command = commands[name]
if (!command) {
  console.error(`usage: textkit <${Object.keys(commands).join("|")}> <text>`)
  process.exit(2)
}
console.log(command(words.join(" ")))
