// What the README names exists: npm scripts, files its commands read, no synopsis written as a command, and every
// duration it states names the machine. Its example commands are run as written in readme.e2e.test.ts.
import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";
import { README, shellBlocks } from "../support/readme";

describe("README names what exists", () => {
    it("names only npm scripts package.json has", () => {
        const scripts = Object.keys(
            (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
                .scripts,
        );
        const named = [...new Set([...README.matchAll(/npm run ([a-z][\w-]*)/g)].map((m) => m[1]))];
        assert.deepEqual(
            named.filter((n) => !scripts.includes(n)),
            [],
        );
    });

    it("names only files of this checkout where its commands read one (policy config, the dashboard)", () => {
        const paths = [...README.matchAll(/--(?:policy-pack-config|definition|policy-pack) (\S+?)`?(?=\s|$)/gm)].map(
            (m) => m[1],
        );
        assert.ok(paths.length >= 3, `found ${paths.join(", ")}`);
        assert.deepEqual(
            paths.filter((p) => !existsSync(join(ROOT, p))),
            [],
        );
    });

    it("shows no usage synopsis ([--option]) as a command: bash cannot run one", () => {
        const synopses = shellBlocks()
            .flat()
            .filter((l) => /\s\[--/.test(l.replace(/#.*$/, "")));
        assert.deepEqual(synopses, []);
    });
});

describe("README durations name the machine they were measured on", () => {
    it("every paragraph that states a measured duration names the 2-core machine", () => {
        // Measured durations: "about 70 s", "~20 ms", "half a second", "an hour and a half" (estimates from the plan's
        // table or from Azure are worded otherwise: "~13 min", "seconds", "for 10 min").
        const measured = /\b(about|~)\s?\d+(\.\d+)?\s?(ms|s)\b|half a second|an hour and a half/;
        const offenders = README.split(/\n\s*\n/).filter((p) => measured.test(p) && !/2-core/.test(p));
        assert.deepEqual(
            offenders.map((p) => p.slice(0, 160)),
            [],
        );
    });
});
