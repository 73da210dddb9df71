// The agent-facing code tools, backed by the native addon. Loading them never
// touches the addon; a call without it fails with the build command to run.

import type { ToolDefinition } from "@opencode-ai/plugin"
import { codeCheckTool } from "./code-check.js"
import { codeDefinitionTool } from "./code-definition.js"
import { codeDiagnosticsTool } from "./code-diagnostics.js"
import { codeMapTool } from "./code-map.js"
import { codeOutlineTool } from "./code-outline.js"
import { codeReferencesTool } from "./code-references.js"
import { codeSearchTool } from "./code-search.js"
import type { ServerSettings } from "../native/language-servers.js"

/** The tools; `servers` are the language-server settings `code_diagnostics` uses. */
export function codeTools(servers: ServerSettings = {}): Record<string, ToolDefinition> {
  return {
    code_outline: codeOutlineTool(),
    code_search: codeSearchTool(),
    code_map: codeMapTool(),
    code_check: codeCheckTool(),
    code_definition: codeDefinitionTool(),
    code_references: codeReferencesTool(),
    code_diagnostics: codeDiagnosticsTool(servers),
  }
}
