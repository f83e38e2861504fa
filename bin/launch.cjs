#!/usr/bin/env node
// Runs one of the project's TypeScript command-line entry points (plan, fleet, verify) quickly:
// esbuild bundles the entry and our own sources in memory (packages stay external, loaded from node_modules),
// then plain Node runs the result. A TypeScript require hook costs ~0.3 s per run on these machines; this costs ~20 ms
// plus starting esbuild, and nothing once the bundle is cached (below).
// Usage: node bin/launch.cjs <entry.ts> [args...]; the entry exports runCli(argv).
"use strict";
const path = require("node:path");
const Module = require("node:module");
// Node's on-disk compile cache (Node >= 22.1; in os.tmpdir()/node-compile-cache): the ~1,000 package modules a plan loads
// are compiled once, not on every run. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
Module.enableCompileCache?.();
require("./defer-sdk.cjs");
const crypto = require("node:crypto");
const fs = require("node:fs");

// A reader that stops early (`npm run plan -- --stack prod --json | head -5`, `| less` then q) closes the pipe: Node
// ignores SIGPIPE, so the next write fails with EPIPE, emitted as an 'error' event on process.stdout, and with no
// listener that is an uncaught exception (a stack trace, exit 1). The reader has taken all it wants: stop quietly,
// exit 0, for every command this runner starts (plan, fleet, stacks, verify, preflight, promote, new-stack), on
// stdout and on stderr (`2>&1 | head`). Any other stream error stays an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e && e.code === "EPIPE") {
      process.exit(0);
    }
    throw e;
  });
}

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write("usage: node bin/launch.cjs <entry.ts> [args...]\n");
  process.exit(2);
}
const root = path.join(__dirname, "..");
const source = path.resolve(root, entry);
const options = {
  entryPoints: [source],
  bundle: true,
  write: false,
  metafile: true,
  absWorkingDir: root,
  platform: "node",
  format: "cjs",
  target: "node22",
  packages: "external",
  logLevel: "error",
};

// The bundle is cached (node_modules/.cache/run-cjs, one file per entry) with the SHA-256 of every source file that went
// into it, plus tsconfig.json and package.json: a run whose sources are unchanged skips esbuild (~0.2-0.3 s, most of it
// starting esbuild's service process). Any changed, added-to-the-bundle or missing file rebuilds. RUN_CJS_NO_CACHE=1
// always rebuilds.
const sha = (file) => {
  try {
    return crypto
      .createHash("sha256")
      .update(fs.readFileSync(path.join(root, file)))
      .digest("hex");
  } catch {
    return null;
  }
};
const esbuildVersion = require("esbuild/package.json").version;
const cacheFile = path.join(
  root,
  "node_modules",
  ".cache",
  "run-cjs",
  `${crypto
    .createHash("sha256")
    .update(JSON.stringify([source, esbuildVersion, options]))
    .digest("hex")
    .slice(0, 24)}.json`,
);

function cachedBundle() {
  if (process.env.RUN_CJS_NO_CACHE) {
    return undefined;
  }
  try {
    const cached = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
    return Object.entries(cached.inputs).every(([file, hash]) => sha(file) === hash) ? cached.code : undefined;
  } catch {
    return undefined;
  }
}

function build() {
  const { outputFiles, metafile } = require("esbuild").buildSync(options);
  const code = outputFiles[0].text;
  try {
    const inputs = Object.fromEntries(
      [...Object.keys(metafile.inputs), "tsconfig.json", "package.json"].map((file) => [file, sha(file)]),
    );
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const temp = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(temp, JSON.stringify({ inputs, code }));
    fs.renameSync(temp, cacheFile); // atomic: a concurrent run reads the old file or the new one, never half of one
  } catch {
    // a read-only node_modules: run without a cache
  }
  return code;
}

// Compile as if the bundle lived next to its entry, so node_modules resolve from the project.
const filename = `${source}.bundle.cjs`;
const bundle = new Module(filename, module);
bundle.filename = filename;
bundle.paths = Module._nodeModulePaths(path.dirname(filename));
bundle._compile(cachedBundle() ?? build(), filename);
bundle.exports.runCli(args);
