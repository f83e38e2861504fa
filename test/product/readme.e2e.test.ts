// The README's example commands, as written, on a fresh checkout: the ones that work offline run here top to bottom
// (in a scratch directory, against the fixture project, with ../fleet and the plan files where the block puts them).
// End-to-end (npm run test:e2e): each line is a real npm process, tens of seconds in all.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR, ROOT } from "../../stacks/paths";
import { blockWith } from "../support/readme";

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
