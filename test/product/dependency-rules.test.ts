// The direction of dependencies (docs/architecture.md, .dependency-cruiser.cjs): the command `npm run lint` runs for it
// (package.json's lint:deps) fails when the program imports a tool, and names the rule and the edge. Shown on a scratch
// project laid out like this one, with this repository's real rule file, package.json and tsconfig.json (node_modules
// linked), so the repository itself is never touched.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ROOT } from "../../stacks/paths";

/** Modules the probes import; their content does not matter. */
const TARGETS = [
    "plan/model.ts",
    "preflight/stack.ts",
    "ci/stacks.ts",
    "cli/lazy.ts",
    "offline/program.ts",
    "cli/usage.ts",
    "test/support/stacks.ts",
    "stacks/schema.ts",
    "newtool/thing.ts",
];

function scratch(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "aks-gitops-deps-"));
    for (const f of [".dependency-cruiser.cjs", "package.json", "tsconfig.json"]) {
        copyFileSync(join(ROOT, f), join(dir, f));
    }
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    for (const [file, text] of Object.entries({
        ...Object.fromEntries(TARGETS.map((t) => [t, "export const x = 1;\n"])),
        ...files,
    })) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
    }
    return dir;
}

/** Runs package.json's lint:deps command in `dir`: its exit status and the violations it lists, as "rule: from → to". */
function lintDeps(dir: string): { status: number | null; violations: string[]; output: string } {
    const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> })
        .scripts["lint:deps"];
    const [bin, ...args] = script.split(/\s+/);
    assert.equal(bin, "depcruise", `lint:deps runs dependency-cruiser: ${script}`);
    const r = spawnSync(
        process.execPath,
        [join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs"), ...args],
        { cwd: dir, encoding: "utf8" },
    );
    const output = `${r.stdout}${r.stderr}`;
    // a package is reported by its resolved file, through the node_modules link: named here by the package
    const pkg = (to: string) => to.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, "$1");
    const violations = [...output.matchAll(/^\s*error (.+?): (\S+) → (\S+)$/gm)]
        .map((m) => `${m[1]}: ${m[2]} → ${pkg(m[3])}`)
        .sort();
    return { status: r.status, violations, output };
}

describe("dependency rules (npm run lint:deps, part of npm run lint)", function () {
    it("run as part of npm run lint, which .ci/run runs and counts as a failed check", () => {
        const scripts = (
            JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
        ).scripts;
        assert.match(scripts.lint, /^eslint \. && npm run --silent lint:deps$/);
        assert.match(
            readFileSync(join(ROOT, ".ci", "run"), "utf8"),
            /^npm run --silent lint \|\| failed_checks=\$\(\(failed_checks \+ 1\)\)$/m,
        );
    });

    this.timeout(60_000);
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    it("lets the tools import the program, and the program its own modules, fleet/layout.ts and production packages", () => {
        const dir = scratch({
            "index.ts": 'import { x } from "./components/GitOpsCluster";\nexport = x;\n',
            "components/GitOpsCluster.ts":
                'import * as pulumi from "@pulumi/pulumi";\nimport { x as y } from "./FleetManifests";\nexport const x = [pulumi, y];\n',
            "components/FleetManifests.ts":
                'import { x as layout } from "../fleet/layout";\nimport type { x as s } from "../stacks/schema";\nexport const x: typeof s = layout;\n',
            "fleet/layout.ts": 'import type { x } from "../stacks/schema";\nexport const y: typeof x = 1;\n',
            // the fleet tool's half (the files it writes) may throw the tools' errors
            "fleet/repo-files.ts": 'import { x as usage } from "../cli/usage";\nexport const x = usage;\n',
            // new-stack is a tool that lives in stacks/
            "stacks/new.ts":
                'import { lazy } from "../cli/lazy";\nimport { x } from "../plan/model";\nexport const y = [lazy, x];\n',
            "plan/cli.ts":
                'import { x } from "../components/GitOpsCluster";\nimport program = require("../index");\nexport const y = [x, program];\n',
            "test/a.test.ts":
                'import { x } from "./support/stacks";\nimport { x as p } from "../plan/model";\nimport nock from "nock";\nexport const y = [x, p, nock];\n',
        });
        dirs.push(dir);
        const r = lintDeps(dir);
        assert.deepEqual(r.violations, [], r.output);
        assert.equal(r.status, 0, r.output);
    });

    it("fails naming each edge where the program imports a tool or a devDependency, or a tool imports a test", () => {
        const dir = scratch({
            "index.ts": 'import { lazy } from "./cli/lazy";\nexport = lazy;\n',
            "components/Probe.ts": 'import { x } from "../plan/model";\nexport const y = x;\n',
            // a CommonJS require is an edge too (the one table of lazy loads is cli/lazy.ts, a tool's module)
            "components/Lazy.ts": 'export const y = () => require("../preflight/stack");\n',
            // so is a type-only import
            "stacks/profiles.ts": 'import type { x } from "../ci/stacks";\nexport const y: typeof x = 1;\n',
            // fleet/layout.ts is the program's: no tool, not even the CLI's errors
            "fleet/layout.ts":
                'import { x } from "../offline/program";\nimport { x as usage } from "../cli/usage";\nexport const y = [x, usage];\n',
            "components/Mock.ts": 'import nock from "nock";\nexport const y = nock;\n',
            "plan/render.ts": 'import { x } from "../test/support/stacks";\nexport const y = x;\n',
            // a folder the rules never name is a tool too: the program's side is an allow-list
            "components/Newcomer.ts": 'import { x } from "../newtool/thing";\nexport const y = x;\n',
        });
        dirs.push(dir);
        const r = lintDeps(dir);
        assert.deepEqual(
            r.violations,
            [
                "only-tests-import-tests: plan/render.ts → test/support/stacks.ts",
                "program-not-to-dev-dependencies: components/Mock.ts → nock",
                "program-not-to-tools: components/Lazy.ts → preflight/stack.ts",
                "program-not-to-tools: components/Newcomer.ts → newtool/thing.ts",
                "program-not-to-tools: components/Probe.ts → plan/model.ts",
                "program-not-to-tools: fleet/layout.ts → cli/usage.ts",
                "program-not-to-tools: fleet/layout.ts → offline/program.ts",
                "program-not-to-tools: index.ts → cli/lazy.ts",
                "program-not-to-tools: stacks/profiles.ts → ci/stacks.ts",
            ],
            r.output,
        );
        assert.notEqual(r.status, 0, "a violation fails the command (and so npm run lint and .ci/run)");
    });
});
