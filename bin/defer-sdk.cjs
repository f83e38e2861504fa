// Loaded first by bin/launch.cjs and by the test runner (.mocharc.cjs): keeps parts of @pulumi/pulumi that offline runs
// never call unloaded until something uses them. The SDK's index requires them eagerly:
// - runtime/closure (serializeFunction, computeCodePaths: turning JavaScript callbacks into cloud functions), and with
//   it @npmcli/arborist, pacote, sigstore, normalize-package-data and TypeScript, about 0.3 s of every run;
// - automation (the Automation API: LocalWorkspace and the pulumi CLI driver, with execa, js-yaml, semver), 0.07 s.
// A stand-in takes each module's place in require's cache; the first use loads the real module and forwards to it,
// so behaviour is unchanged. `pulumi up` never loads this file (the Pulumi CLI runs index.ts itself).
// test/offline/program.test.ts fails when an SDK upgrade changes what these modules export. DEFER_SDK=0 loads the SDK whole
// (npm run bench does, for its load-only baseline).
"use strict";
const Module = require("node:module");
const path = require("node:path");

/**
 * The deferred SDK modules. A list names every function the module exports (runtime/index.js copies some of them while
 * loading, so each gets a forwarding function); "namespace" marks a module kept whole as `pulumi.<name>`, read only
 * when used.
 */
const DEFERRED = {
  "@pulumi/pulumi/runtime/closure/serializeClosure": ["serializeFunctionAsync", "serializeFunction"],
  "@pulumi/pulumi/runtime/closure/codePaths": ["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"],
  "@pulumi/pulumi/automation": "namespace",
};

function standIn(file, names) {
  let real;
  const load = () => {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file);
    }
    return real;
  };
  if (names === "namespace") {
    // __esModule makes the SDK's __importStar keep this object instead of copying its (not yet known) keys.
    return new Proxy(
      {},
      {
        get: (_, key) => (key === "__esModule" ? true : load()[key]),
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => {
          const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
          return descriptor && { ...descriptor, configurable: true };
        },
      },
    );
  }
  const exports = {};
  for (const name of names) {
    exports[name] = function (...args) {
      return load()[name].apply(this, args);
    };
  }
  return exports;
}

const root = path.join(__dirname, "..");
for (const [request, names] of process.env.DEFER_SDK === "0" ? [] : Object.entries(DEFERRED)) {
  let file;
  try {
    file = require.resolve(request, { paths: [root] });
  } catch {
    continue; // the SDK moved the module: it loads as usual (the harness test names the change)
  }
  if (require.cache[file] === undefined) {
    const stub = new Module(file, module);
    stub.filename = file;
    stub.loaded = true;
    stub.exports = standIn(file, names);
    require.cache[file] = stub;
  }
}

module.exports = { DEFERRED };
