// Preloaded into StrykerJS's test-runner processes (stryker.config.json testRunnerNodeArgs): @stryker-mutator/mocha-runner
// 10.0.0 requires mocha's lib/cli/run-helpers without an extension, and mocha 12 ships it as run-helpers.cjs. Letting
// CommonJS resolution try ".cjs" is enough. Remove when the runner handles mocha 12.
"use strict";
const Module = require("node:module");
if (!Module._extensions[".cjs"]) {
  Module._extensions[".cjs"] = Module._extensions[".js"];
}
