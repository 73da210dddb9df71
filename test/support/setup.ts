// Registered in vitest.config.ts: no server, process or temp dir outlives its test.
import { afterEach } from "vitest";
import { closeAllServers } from "./model-server.js";
import { cleanupAll } from "./opencode.js";

afterEach(async () => {
  await closeAllServers();
  await cleanupAll();
});
