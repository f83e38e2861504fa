// A mocha root-hook plugin for StrykerJS's runs only (test/mutation/mutate.ts adds it to mochaOptions.require).
//
// Stryker's per-test coverage (coverageAnalysis "perTest") names the running test in a root beforeEach and charges
// every mutant the code under test reaches to that test; code that runs while no test is named is "static", and
// Stryker runs a static mutant against every spec file of the group in a fresh process (its mocha runner cannot
// reload modules). Most spec files run the program in a suite's before() hook, so most mutants were static and a
// group's run took hours on two cores.
//
// A before() hook needs no fresh process: Stryker activates a mutant at run time and mocha reruns a suite's before()
// hooks for every run that selects one of its tests. So this plugin charges what a suite's before() hooks reach to
// that suite's tests (its own and its nested suites'), the tests that read what the hooks computed, and Stryker then
// runs such a mutant against those tests, in the same process. Only code that runs while modules load (a zod schema,
// a table built at import) stays static. The coverage it merges is Stryker's own: `__stryker__.mutantCoverage`
// ({ static, perTest: { [testId]: { [mutantId]: hits } } }, @stryker-mutator/instrumenter's syntax-helpers), test ids
// being mocha's fullTitle() (@stryker-mutator/mocha-runner's StrykerMochaReporter).
"use strict";

// A mutant that turns a scripted prompt into a real one (stacks/new.ts `options.prompter ?? lazy.inquirerPrompts()` as
// `&&`) waits on the runner's stdin, a pipe Stryker neither writes to nor closes, until Stryker's timeout: a minute or
// two per mutant, most of a stacks run. No test reads the runner's own stdin (a CLI's input is its child's, or a
// stand-in), so an ended one changes no verdict: such a prompt now fails at once (inquirer's ExitPromptError), which
// Stryker counts as killed instead of timed out, in milliseconds.
const { Readable } = require("node:stream");
const endedStdin = new Readable({
  read() {
    this.push(null);
  },
});
Object.defineProperty(process, "stdin", { configurable: true, enumerable: true, get: () => endedStdin });

const stryker = () => globalThis.__stryker__;

// A mutant can also leave a scripted inquirer prompt open (@inquirer/testing: a refused answer waits for more keys),
// a promise nothing settles. Stryker's mocha runner turns mocha's timeouts off (timeout: 0, mocha-test-runner.js), and
// some suites set long ones for slow work (new-tenant's plans, 120 s), so such a run waited for Stryker's own timeout,
// a minute or two and a restarted runner each. Every test and hook of every group finishes in a few seconds (the
// slowest, new-tenant's plan difference, about 2 s in npm test), so each is cut at TEST_CAP_MS, which fails it:
// detected, as Stryker's timeout would have counted it.
const TEST_CAP_MS = 20000;
/** Suites whose before() hooks are charged, by the synthetic test id they run under. */
const charged = new Map();
let next = 0;

function charge(suite) {
  if (suite._beforeAll.length > 0 && !suite.__strykerCharged) {
    suite.__strykerCharged = true;
    const id = `stryker-before-all-hooks#${next++}`;
    charged.set(id, suite);
    // Mocha runs a suite's before() hooks in order, each awaited: the first names the suite, the last unnames it.
    suite.beforeAll("stryker: charge before() hooks to this suite's tests", () => {
      const ns = stryker();
      if (ns) ns.currentTestId = id;
    });
    suite._beforeAll.unshift(suite._beforeAll.pop());
    suite.beforeAll("stryker: end of before() hooks", () => {
      const ns = stryker();
      if (ns) ns.currentTestId = undefined;
    });
  }
  suite.suites.forEach(charge);
}

function cap(suite) {
  const runnables = [suite._beforeAll, suite._beforeEach, suite._afterEach, suite._afterAll, suite.tests].flat();
  for (const r of runnables) {
    if (r.timeout() === 0 || r.timeout() > TEST_CAP_MS) {
      r.timeout(TEST_CAP_MS);
    }
  }
  suite.suites.forEach(cap);
}

function testsOf(suite) {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

exports.mochaHooks = {
  beforeAll() {
    if (!stryker()) return;
    // The root suite's own hooks (a spec file's top-level before(), outside any describe) stay static: they serve
    // every test of the run.
    this.test.parent.suites.forEach(charge);
    cap(this.test.parent);
  },
  afterEach() {
    // Stryker names the test in a root beforeEach and never clears it: a later suite's hooks would be charged to
    // the last test of the suite before it, an unrelated test a mutant would then run alone and survive.
    const ns = stryker();
    if (ns) ns.currentTestId = undefined;
  },
  afterAll() {
    const coverage = stryker()?.mutantCoverage;
    if (!coverage) return;
    for (const [id, suite] of charged) {
      const hits = coverage.perTest[id];
      if (!hits) continue;
      delete coverage.perTest[id];
      for (const test of testsOf(suite)) {
        const perTest = (coverage.perTest[test.fullTitle()] ??= {});
        for (const [mutant, count] of Object.entries(hits)) {
          perTest[mutant] = (perTest[mutant] ?? 0) + count;
        }
      }
    }
  },
};
