// Loaded with --require by `npm run bench`: at exit, writes every module file the process loaded (one per line) to
// $BENCH_MODULES_FILE, so bench/load.ts can load exactly what a plan run loads.
"use strict";
process.on("exit", () => {
  if (process.env.BENCH_MODULES_FILE) {
    require("node:fs").writeFileSync(
      process.env.BENCH_MODULES_FILE,
      Object.keys(require.cache)
        .filter((f) => f.includes("node_modules"))
        .join("\n"),
    );
  }
});
