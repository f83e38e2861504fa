// mocha's configuration (npm test). Test files run in parallel, one worker per core (at least two: on a 2-core CI
// machine mocha's default, cores - 1, would be one), each file in one worker. StrykerJS reads the same file and runs
// the files serially (its mocha runner ignores `parallel`).
"use strict";
const { availableParallelism } = require("node:os");
const { join } = require("node:path");

// The product's tests run on the fixture project they own (stacks and project config), never on the committed stacks:
// those are the user's and may be anything valid (test/product/committed-stacks.test.ts holds them, whatever they are).
// Set here, before any test file loads, so in-process modules and every child process a test starts see it.
process.env.AKS_GITOPS_PROJECT_DIR = join(__dirname, "test", "fixtures", "project");

// Two tiers. `npm test`: every test file but the end-to-end ones, in seconds. `npm run test:e2e` (.mocharc.e2e.cjs):
// `*.e2e.test.ts`, which run the product as a user does, each for tens of seconds: adoption day in a scratch copy
// (running `npm test` there), the README's commands as written, a 60 MB repository through the secret guard's process.
// CI (.ci/run) runs both.
const named = process.argv.slice(2).some((a) => /\.test\.ts$/.test(a));

module.exports = {
  require: ["./bin/defer-sdk.cjs", "tsx/cjs"],
  extension: ["ts"],
  // The whole fast tier, unless files are named (`npx mocha test/x.test.ts`): mocha appends named files to `spec`
  // instead of replacing it, so a named file would otherwise run with every other.
  spec: named ? [] : ["test/**/*.test.ts"],
  ignore: named ? [] : ["test/**/*.e2e.test.ts"],
  timeout: 30000,
  reporter: "spec",
  parallel: true,
  jobs: Math.max(2, availableParallelism()),
};
