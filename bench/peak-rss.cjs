// Preloaded into a measured Node process (NODE_OPTIONS=--require): appends its peak resident set size in KB to
// $PEAK_RSS_FILE when it exits, so the benchmark can report peak memory of every process a command starts.
"use strict";
const fs = require("node:fs");
const file = process.env.PEAK_RSS_FILE;
if (file) {
  process.on("exit", () => {
    fs.appendFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
