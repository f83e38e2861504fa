#!/usr/bin/env node
// Runs one of the project's TypeScript command-line entry points (plan, fleet, verify) quickly:
// esbuild bundles the entry and our own sources in memory (packages stay external, loaded from node_modules),
// then plain Node runs the result. A TypeScript require hook costs ~0.3 s per run on these machines; this costs ~20 ms.
// Usage: node bin/run.cjs <entry.ts> [args...]; the entry exports runCli(argv).
"use strict";
const path = require("node:path");
const Module = require("node:module");
// Node's on-disk compile cache (Node >= 22.1; in os.tmpdir()/node-compile-cache): the ~1,000 package modules a plan loads
// are compiled once, not on every run. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
Module.enableCompileCache?.();
const { buildSync } = require("esbuild");

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write("usage: node bin/run.cjs <entry.ts> [args...]\n");
  process.exit(2);
}
const root = path.join(__dirname, "..");
const source = path.resolve(root, entry);
const { outputFiles } = buildSync({
  entryPoints: [source],
  bundle: true,
  write: false,
  platform: "node",
  format: "cjs",
  target: "node22",
  packages: "external",
  logLevel: "error",
});
// Compile as if the bundle lived next to its entry, so node_modules resolve from the project.
const filename = `${source}.bundle.cjs`;
const bundle = new Module(filename, module);
bundle.filename = filename;
bundle.paths = Module._nodeModulePaths(path.dirname(filename));
bundle._compile(outputFiles[0].text, filename);
bundle.exports.runCli(args);
