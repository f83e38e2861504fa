// The direction of dependencies (docs/architecture.md, "Which way dependencies point"), checked by dependency-cruiser
// as the second half of `npm run lint` (and so in .ci/run); test/product/dependency-rules.test.ts shows each rule firing.
//
// The program is what `pulumi up` runs: index.ts, components/, the stack configuration in stacks/ (all of it but
// stacks/new.ts and stacks/new-tenant.ts, the new-stack and new-tenant commands, and stacks/files.ts, which reads
// stack files for the tools as the Pulumi CLI does) and fleet/layout.ts (the Flux objects FleetManifests registers).
// Everything else in the repository is a tool around it (plan/, preflight/, verify/, the fleet CLI and guard, ci/,
// bench/, offline/, cli/, policy/, bin/, test/, and any folder added later): tools may import the program, never the
// other way round. Rules match paths relative to the project root (dependency-cruiser's regular expressions:
// github.com/sverweij/dependency-cruiser doc/rules-reference.md; dependency type "local": a module of this repository,
// "npm-dev": a devDependency).
"use strict";

const PROGRAM = ["^index\\.ts$", "^components/", "^stacks/(?!(new|new-tenant|files)\\.ts$)", "^fleet/layout\\.ts$"];
// Everything else of this repository is a tool (an allow-list, so a new folder is a tool until it is listed here).
const NOT_PROGRAM = { dependencyTypes: ["local"], pathNot: PROGRAM };

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "program-not-to-tools",
      severity: "error",
      comment:
        "The program (index.ts, components/, stacks/ but new.ts, new-tenant.ts and files.ts, fleet/layout.ts) must " +
        "not import the tools around it: they import the program. Move what both need into the program, or pass it in.",
      from: { path: PROGRAM },
      to: NOT_PROGRAM,
    },
    {
      name: "program-not-to-dev-dependencies",
      severity: "error",
      comment:
        "The program must run with the production dependencies only (package.json dependencies); devDependencies " +
        "are the tools' and the tests'.",
      from: { path: PROGRAM },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "only-tests-import-tests",
      severity: "error",
      comment: "Nothing but a test imports test/ (specs, fixtures, helpers): a tool that needs one of them owns it.",
      from: { pathNot: "^test/" },
      to: { path: "^test/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import dependency-cruiser cannot resolve to a file would hide an edge from the rules above.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^examples/", "^test/fixtures/", "^\\.ci/", "^\\.stryker-tmp/", "^reports/"] },
    // `import type` counts: a type-only import still ties the program to the module it names
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["cjs", "es6"],
    // resolve packages through their "exports" as Node does for require and import (eslint.config.mjs imports
    // ESM-only packages)
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["require", "import", "node", "default"] },
  },
};
