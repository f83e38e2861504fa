// mocha's configuration (npm test). Test files run in parallel, one worker per core (at least two: on a 2-core CI
// machine mocha's default, cores - 1, would be one), each file in one worker. StrykerJS reads the same file and runs
// the files serially (its mocha runner ignores `parallel`).
"use strict";
const { availableParallelism } = require("node:os");

module.exports = {
  require: ["./bin/defer-sdk.cjs", "tsx/cjs"],
  extension: ["ts"],
  spec: ["test/**/*.test.ts"],
  timeout: 30000,
  reporter: "spec",
  parallel: true,
  jobs: Math.max(2, availableParallelism()),
};
