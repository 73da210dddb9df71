import type { CodeAnalysis } from "../mission/ports.js"
import { checkSyntax, nativeStatus, repoMap } from "./index.js"
import type { ServerSettings } from "./language-servers.js"
import { typeErrors } from "./type-check.js"
import { closeWarmServers } from "./warm-servers.js"

/** The native addon as the engine sees it (its `CodeAnalysis` port), with the configured language servers. */
export function nativeAnalysis(servers: ServerSettings): CodeAnalysis {
  return {
    status() {
      const status = nativeStatus()
      return status.available ? { available: true } : { available: false, reason: status.reason }
    },
    checkSyntax: (root, files) => checkSyntax(root, files),
    repoMap: (root, options) => repoMap(root, options),
    typeErrors: (root, files, timeoutMs, serverRoot) => typeErrors(root, files, timeoutMs, servers, serverRoot),
    closeServers: (under) => closeWarmServers(under),
  }
}
