// `npm run test:e2e`: the end-to-end tier (see .mocharc.cjs), with the same loaders, fixture project and workers.
"use strict";
const base = require("./.mocharc.cjs");

module.exports = { ...base, spec: ["test/**/*.e2e.test.ts"], ignore: [], timeout: 15 * 60 * 1000 };
