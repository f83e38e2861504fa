// A mocha root-hook plugin for StrykerJS's runs only (test/mutation/mutate.ts adds it to mochaOptions.require). Stryker's
// per-test coverage names the running test in a root beforeEach and never clears it, so a suite's before() hook, where
// most spec files run the program, was charged to the last test of the suite before it: a mutant in the program then
// ran only that unrelated test and survived. Cleared after each test, hook code is charged to no test ("static"),
// and Stryker runs every test of the group for such a mutant, in a fresh process.
"use strict";

exports.mochaHooks = {
  afterEach() {
    const stryker = globalThis.__stryker__;
    if (stryker) {
      stryker.currentTestId = undefined;
    }
  },
};
