// Builds the TUI plugin (src/tui/index.tsx → dist/tui.js): Solid's JSX compiled for @opentui/solid's
// universal renderer by babel-preset-solid, the rest bundled by esbuild. solid-js and @opentui/* stay
// imports: OpenCode rewrites them to its own instances when it loads the plugin (one Solid runtime).
import { readFile } from "node:fs/promises"
import { transformAsync } from "@babel/core"
import { build } from "esbuild"

const solidJsx = {
  name: "solid-jsx",
  setup(b) {
    b.onLoad({ filter: /\.tsx$/ }, async (args) => {
      const source = await readFile(args.path, "utf8")
      const out = await transformAsync(source, {
        filename: args.path,
        babelrc: false,
        configFile: false,
        presets: [
          ["babel-preset-solid", { moduleName: "@opentui/solid", generate: "universal" }],
          ["@babel/preset-typescript", { isTSX: true, allExtensions: true }],
        ],
      })
      return { contents: out?.code ?? "", loader: "js" }
    })
  },
}

await build({
  entryPoints: ["src/tui/index.tsx"],
  outfile: "dist/tui.js",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  external: ["solid-js", "solid-js/*", "@opentui/*", "@opencode-ai/*"],
  plugins: [solidJsx],
  legalComments: "none",
  logLevel: "warning",
})
