// `npm run pack:all`: every tarball a user's install needs, in out/pack/ — the plugin and this
// machine's platform package (npm/<triple>/, made by `napi create-npm-dirs`, with the locally built
// native/analysis.<triple>.node copied in). Other platforms' packages are built by
// .github/workflows/release.yml. Prints each tarball's packed and unpacked size.
import { execFileSync } from "node:child_process"
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { z } from "zod"
import { PACKAGE_NAME, platformTriples } from "../src/native/load.js"

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..")

const Manifest = z.object({
  name: z.string(),
  version: z.string(),
  main: z.string().optional(),
  optionalDependencies: z.record(z.string(), z.string()).optional(),
})
const PackResult = z.array(z.object({ filename: z.string(), size: z.number(), unpackedSize: z.number(), entryCount: z.number() }))

function die(message: string): never {
  console.error(`pack:all: ${message}`)
  process.exit(1)
}

const readManifest = (dir: string) => Manifest.parse(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")))

const root = readManifest(REPO_ROOT)
const triple = process.argv[2] ?? platformTriples()[0]!
const platformDir = join(REPO_ROOT, "npm", triple)
const binary = `analysis.${triple}.node`
const built = join(REPO_ROOT, "native", binary)

if (!existsSync(join(platformDir, "package.json")))
  die(`no platform package folder npm/${triple} (napi.targets in package.json, then \`npx napi create-npm-dirs\`)`)
const platform = readManifest(platformDir)
if (platform.name !== `${PACKAGE_NAME}-${triple}`) die(`npm/${triple}/package.json is named ${platform.name}, expected ${PACKAGE_NAME}-${triple}`)
if (platform.main !== binary) die(`npm/${triple}/package.json: main is ${platform.main}, expected ${binary}`)
if (platform.version !== root.version) die(`npm/${triple} is version ${platform.version}, the plugin ${root.version}: run \`npx napi version\``)
if (root.optionalDependencies?.[platform.name] !== root.version) {
  die(`package.json optionalDependencies must hold "${platform.name}": "${root.version}"`)
}
if (!existsSync(built)) die(`${built} is missing: run \`npm run build:native\` first`)
if (!existsSync(join(REPO_ROOT, "dist", "index.js"))) die("dist/ is missing: run `npm run build` first")

copyFileSync(built, join(platformDir, binary))

const out = join(REPO_ROOT, "out", "pack")
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
for (const dir of [REPO_ROOT, platformDir]) {
  const json = execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
  for (const p of PackResult.parse(JSON.parse(json))) {
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`
    console.log(`${join("out/pack", p.filename)}: ${kb(p.size)} packed, ${kb(p.unpackedSize)} unpacked, ${p.entryCount} files`)
  }
}
