// The README's example commands, as written, on a fresh checkout: the ones that work offline run here top to bottom
// (in a scratch directory, against the fixture project, with ../fleet and the plan files where the block puts them);
// every npm script the README names exists; and every duration the README states names the machine it was measured on.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR, ROOT } from "../../stacks/paths";

const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The ```sh blocks of the README, each as its logical lines (continuations joined). */
function shellBlocks(): string[][] {
    return [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
        m[1]
            .replace(/\\\n\s*/g, "")
            .split("\n")
            .filter((l) => l.trim() !== ""),
    );
}

function blockWith(line: RegExp): string[] {
    const found = shellBlocks().filter((b) => b.some((l) => line.test(l)));
    assert.equal(found.length, 1, `exactly one README block with ${line}`);
    return found[0];
}

/**
 * Runs README lines as written with bash in `cwd`; `npm` runs this checkout's scripts (npm --prefix), so `npm run …`
 * works from a scratch directory and relative paths resolve from there, as they do from the user's directory.
 */
function runLines(
    lines: string[],
    cwd: string,
    env: Record<string, string> = {},
    unset: string[] = [],
): { line: string; status: number | null; output: string }[] {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, npm_config_update_notifier: "false" };
    for (const key of ["INIT_CWD", ...unset]) {
        delete childEnv[key];
    }
    return lines.map((line) => {
        const r = spawnSync("bash", ["-c", `npm() { command npm --prefix ${JSON.stringify(ROOT)} "$@"; }\n${line}`], {
            cwd,
            env: childEnv,
            encoding: "utf8",
            timeout: 120000,
        });
        return { line, status: r.status, output: `${r.stdout}${r.stderr}` };
    });
}

function assertAllPass(results: ReturnType<typeof runLines>): void {
    for (const r of results) {
        assert.equal(r.status, 0, `README command failed: ${r.line}\n${r.output.slice(-1500)}`);
    }
}

describe("README commands work as written on a fresh checkout", function () {
    this.timeout(300000);
    let scratch: string;
    before(() => {
        scratch = mkdtempSync(join(tmpdir(), "readme-"));
    });
    after(() => rmSync(scratch, { recursive: true, force: true }));

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

    it("the fleet block runs top to bottom where no fleet repo exists yet, then promotion and the secrets check", () => {
        const dir = join(scratch, "fleet-block", "aks-gitops");
        mkdirSync(dir, { recursive: true });
        const fleet = blockWith(/npm run fleet -- --stack prod --out \.\.\/fleet/);
        const promote = blockWith(/npm run promote -- my-service --from dev/);
        assert.equal(existsSync(join(dir, "..", "fleet")), false);
        assertAllPass(runLines([...fleet, ...promote], dir));
        assert.ok(existsSync(join(dir, "..", "fleet", "clusters", "prod-westeurope", "apps.yaml")));
    });

    it("the plan block makes the files diff and comment read", () => {
        const dir = join(scratch, "plan-block");
        mkdirSync(dir, { recursive: true });
        const lines = blockWith(/npm run plan -- diff before\.json after\.json/);
        assertAllPass(runLines(lines, dir));
        assert.ok(existsSync(join(dir, "head.json")), "comment --json-out wrote its plan where npm was run");
    });

    it("Make it yours: the scripted stack is written after the example it replaces is removed", () => {
        // A scratch copy of the (fixture) project as a git checkout: new-stack writes there, git rm removes there.
        const project = join(scratch, "project");
        cpSync(PROJECT_DIR, project, { recursive: true });
        const git = (...args: string[]) =>
            assert.equal(spawnSync("git", args, { cwd: project, encoding: "utf8" }).status, 0, `git ${args.join(" ")}`);
        git("init", "-q");
        git("-c", "user.email=t@example.invalid", "-c", "user.name=t", "add", ".");
        git("-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "fixture");
        const lines = blockWith(/npm run new-stack -- prod-westeurope --yes/).filter((l) => !/# on a terminal/.test(l));
        assertAllPass(runLines(lines, project, { AKS_GITOPS_PROJECT_DIR: project }));
        assert.ok(existsSync(join(project, "Pulumi.prod-westeurope.yaml")));
    });
});

describe("README commands that need Azure parse their arguments and say what is missing", function () {
    this.timeout(120000);
    let bin: string;
    before(() => {
        // An Azure CLI that is installed but not signed in: what a fresh machine after installing az looks like.
        bin = mkdtempSync(join(tmpdir(), "readme-az-"));
        writeFileSync(
            join(bin, "az"),
            "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n",
            { mode: 0o755 },
        );
    });
    after(() => rmSync(bin, { recursive: true, force: true }));
    // No subscription in the environment, and `az` answers as it does before `az login`.
    const offline = (lines: string[]) =>
        runLines(lines, ROOT, { PATH: `${bin}:${process.env.PATH}` }, ["AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"]);

    it("shows no usage synopsis ([--option]) as a command: bash cannot run one", () => {
        const synopses = shellBlocks()
            .flat()
            .filter((l) => /\s\[--/.test(l.replace(/#.*$/, "")));
        assert.deepEqual(synopses, []);
    });

    it("preflight, as written, stops with exit 2 naming where a subscription comes from; verify of the standby stack needs none", () => {
        const [preflight] = offline(
            blockWith(/^npm run preflight -- --stack prod/).filter((l) => l.startsWith("npm run preflight")),
        );
        assert.equal(preflight.status, 2, preflight.output);
        assert.match(preflight.output, /a subscription id is required: --subscription <id>/);
        assert.match(preflight.output, /the Azure CLI has none: [^\n]*az login/);
        const [verify] = offline(
            blockWith(/^npm run verify -- --stack prod-northeurope/).filter((l) => l.startsWith("npm run verify")),
        );
        assert.equal(verify.status, 0, verify.output);
        assert.match(verify.output, /prod-northeurope is on standby \(no cluster yet\): nothing to reconcile/);
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
