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

const stryker = () => globalThis.__stryker__;
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

function testsOf(suite) {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

exports.mochaHooks = {
  beforeAll() {
    if (!stryker()) return;
    // The root suite's own hooks (a spec file's top-level before(), outside any describe) stay static: they serve
    // every test of the run.
    this.test.parent.suites.forEach(charge);
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
