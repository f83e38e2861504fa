// Messages that tell the user what to type: each asserted as the literal text and exit code a user sees.
// Exit codes as the README documents them: plan 0 ok, 1 mandatory policy finding, 2 usage or config, 3 an output file
// could not be written; verify 0 reconciled, 1 failed, 2 usage, 3 timed out, 4 not signed in.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialUnavailableError, type TokenCredential } from "@azure/identity";
import { ConfigFileError, failure, UsageError, writeOutput } from "../../cli/usage";
import { main as plan, planFailure } from "../../plan/cli";
import { formatIssues, namespaceIssues, validateStackConfig } from "../../stacks/load";
import { main as verify } from "../../verify/cli";
import { lazy } from "../../cli/lazy";
import { sharedCaptures } from "../support/share-captures";

const SUBSCRIPTION = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
const base = {
    environment: "dev",
    location: "westeurope",
    clusterName: "dev-westeurope",
    sops: { vaultName: "kv-acme-sops-dev" },
    org: { fleet: { url: "https://dev.azure.com/acme/fleet" } },
};

function problems(raw: Record<string, unknown>): string {
    try {
        validateStackConfig(raw, {});
    } catch (e) {
        return (e as Error).message;
    }
    return "";
}

describe("messages that say what to type", () => {
    sharedCaptures();
    describe("config keys", () => {
        it("answers a misspelt key with the closest allowed one and the full list", () => {
            assert.match(
                problems({ ...base, aks: { skuTeir: "Free" } }),
                /^ {2}- aks-gitops:aks: has unknown key "skuTeir"; did you mean "skuTier"\? \(allowed: adminGroups, apiServer, .*supportPlan, systemPool, upgradeChannel, userPool\)$/m,
            );
            assert.match(
                problems({ ...base, fleat: {} }),
                /^ {2}- aks-gitops: has unknown key "fleat"; did you mean "fleet"\?/m,
            );
        });

        it("offers no guess when nothing is close", () => {
            const text = problems({ ...base, aks: { zzzzzzzz: 1 } });
            assert.match(text, /aks-gitops:aks: has unknown key "zzzzzzzz" \(allowed: /);
            assert.doesNotMatch(text, /did you mean/);
        });

        it("flags a key under a near miss of the project's namespace instead of ignoring it", () => {
            const issues = namespaceIssues({
                "aks-gitop:environment": "dev",
                "aksgitops:aks": "{}",
                "azure-native:location": "westeurope",
                "pulumi:tags": "{}",
                "aws:region": "eu-west-1",
            });
            assert.equal(
                formatIssues(issues),
                'invalid stack configuration (2 problems):\n  - aks-gitop:environment: namespace "aks-gitop" is not this project\'s: did you mean aks-gitops:environment?\n  - aksgitops:aks: namespace "aksgitops" is not this project\'s: did you mean aks-gitops:aks?',
            );
        });
    });

    describe("npm run plan", () => {
        it("puts the legend before the tree and names a secret the real up needs but the stack has not set", async () => {
            const { code, text } = await plan(["--stack", "dev"]);
            assert.equal(code, 0);
            const legend = text.indexOf("Legend:");
            const tree = text.indexOf("GitOpsCluster dev-westeurope");
            assert.ok(legend > 0 && legend < tree, "legend first");
            assert.match(text, /^ {2}\* {11}on the critical path from scratch$/m);
            assert.match(text, /^ {2}\[secret\] {4}a secret value, never shown$/m);
            assert.match(
                text,
                /Not set in this stack, but the real `pulumi up` needs \(planned with a placeholder\):\n {2}aks-gitops:gitSshPrivateKey: pulumi config set --secret gitSshPrivateKey < <file> --stack dev\n/,
            );
            const json = JSON.parse((await plan(["--stack", "dev", "--json"])).text) as { missingSecrets: string[] };
            assert.deepEqual(json.missingSecrets, [
                "aks-gitops:gitSshPrivateKey",
                "aks-gitops:tenantGitSshPrivateKey-payments",
            ]);
        });

        it("exits 3, not the policy exit 1, when --out cannot be written, and resolves a relative --out from the caller's directory", function () {
            this.timeout(60_000);
            const cwd = mkdtempSync(join(tmpdir(), "aks-gitops-out-"));
            const root = join(__dirname, "..", "..");
            const run = (out: string) =>
                spawnSync(
                    process.execPath,
                    [join(root, "bin", "launch.cjs"), "plan/cli.ts", "--stack", "dev", "--out", out],
                    { cwd: root, env: { ...process.env, INIT_CWD: cwd }, encoding: "utf8" },
                );
            const missing = run("no-such-folder/plan.txt");
            assert.equal(missing.status, 3, missing.stderr);
            assert.equal(
                missing.stderr.trim(),
                `plan: cannot write ${join(cwd, "no-such-folder", "plan.txt")}: the folder ${join(cwd, "no-such-folder")} does not exist`,
            );
            // Relative paths: from the caller's directory, which npm leaves in INIT_CWD (scripts run in the package root).
            const saved = process.env.INIT_CWD;
            process.env.INIT_CWD = cwd;
            try {
                writeOutput("plan.txt", "Plan for aks-gitops/dev\n");
            } finally {
                process.env.INIT_CWD = saved;
            }
            assert.equal(readFileSync(join(cwd, "plan.txt"), "utf8"), "Plan for aks-gitops/dev\n");
            rmSync(cwd, { recursive: true, force: true });
        });

        it("reports a YAML syntax error with its line, without the usage text, as exit 2", () => {
            const { code, message } = planFailure(
                new ConfigFileError(
                    "/x/Pulumi.dev.yaml is not valid YAML: Map keys must be unique at line 3, column 3",
                ),
            );
            assert.equal(code, 2);
            assert.equal(message, "/x/Pulumi.dev.yaml is not valid YAML: Map keys must be unique at line 3, column 3");
            assert.match(
                failure(new UsageError("--stack is required"), "usage: …", "plan").message,
                /usage: …$/,
                "usage mistakes still show the usage",
            );
        });
    });

    describe("npm run verify", () => {
        // No traffic leaves this machine, whatever the code under test tries. Loaded here, not at import: nock patches
        // Node's networking as soon as it loads (see test/verify/cli.test.ts).
        let nock: typeof import("nock");
        before(() => {
            nock = lazy.nock();
            nock.disableNetConnect();
        });
        after(() => nock.enableNetConnect());
        const noCredential: TokenCredential = {
            getToken: () =>
                Promise.reject(
                    new CredentialUnavailableError(
                        "EnvironmentCredential is unavailable. ManagedIdentityCredential: IMDS unreachable. AzureCliCredential: Please run 'az login'.",
                    ),
                ),
        };

        it("exits 4 with one line when no credential works, not FAILED with the credential chain", async () => {
            const lines: string[] = [];
            const code = await verify(
                ["--stack", "prod", "--subscription", SUBSCRIPTION],
                { credential: noCredential },
                (l) => lines.push(l),
            );
            assert.equal(code, 4);
            assert.equal(lines.length, 1);
            assert.match(lines[0], /^not signed in to Azure: run `az login` \(in CI: /);
            assert.doesNotMatch(lines[0], /ManagedIdentityCredential|IMDS/);
        });

        it("rejects --interval 0s", async () => {
            await assert.rejects(verify(["--stack", "prod", "--subscription", SUBSCRIPTION, "--interval", "0s"]), {
                name: "UsageError",
                message: '--interval must be longer than 0 (got "0s")',
            });
        });

        it("says what is wrong with a malformed subscription id, instead of asking for one", async () => {
            await assert.rejects(verify(["--stack", "prod", "--subscription", SUBSCRIPTION.slice(0, -1)]), {
                message: `--subscription "${SUBSCRIPTION.slice(0, -1)}" is not a subscription id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): it has 31 hex digits instead of 32`,
            });
            await assert.rejects(verify(["--stack", "prod", "--subscription", `/subscriptions/${SUBSCRIPTION}`]), {
                message: /: give the id alone, not a resource path$/,
            });
        });
    });
});

describe("policy findings name the config key to change", () => {
    sharedCaptures();
    it("next to the ARM property, for every configurable rule", async () => {
        const { text } = await plan(["--stack", "dev"]);
        assert.match(
            text,
            /\[advisory\] aks-defender \(dev-westeurope-aks-cluster\): securityProfile\.defender\.securityMonitoring\.enabled must be true \(config: aks-gitops:aks\.defender\)$/m,
        );
        assert.match(text, /\[advisory\] kv-firewall .*\(config: aks-gitops:sops\.firewall\)$/m);
        assert.match(text, /\[advisory\] aks-uptime-sla .*\(config: aks-gitops:aks\.skuTier\)$/m);
    });
});

describe("npm run fleet into a fleet repo", () => {
    sharedCaptures();
    const fleet = () => lazy.fleetCli();

    it("refuses to write a cluster directory that refers to shared layers the fleet lacks (exit 2)", async function () {
        this.timeout(30_000);
        const out = mkdtempSync(join(tmpdir(), "aks-gitops-fleet-"));
        const e = await fleet()
            .main(["--stack", "dev", "--out", out])
            .catch((x: unknown) => x);
        const { code, message } = failure(e, "usage", "fleet");
        assert.equal(code, 2);
        assert.match(
            message,
            new RegExp(
                `^${out.replace(/[/.]/g, "\\$&")} lacks the shared layers dev's cluster directory refers to: apps/my-service/overlays/dev, infrastructure, infrastructure/configs\\. Add them to the fleet repo, or pass --scaffold to copy them from examples/fleet`,
            ),
        );
        assert.deepEqual(readdirSync(out), [], "nothing written");
    });

    it("scaffolds the missing layers from examples/fleet with --scaffold, whole apps included", async function () {
        this.timeout(30_000);
        const out = mkdtempSync(join(tmpdir(), "aks-gitops-fleet-"));
        const { code, text } = await fleet().main(["--stack", "dev", "--out", out, "--scaffold"]);
        assert.equal(code, 0);
        assert.match(text, /^copied from examples\/fleet:\n {2}apps\/my-service\/\n {2}infrastructure\/\nwrote:\n/);
        assert.ok(statSync(join(out, "apps", "my-service", "base")).isDirectory(), "an overlay brings its base");
        const again = await fleet().main(["--stack", "dev", "--out", out, "--check"]);
        assert.deepEqual(again, { code: 0, text: `${out} is up to date with stack dev\n` });
    });

    it("says a missing folder is missing under --check, instead of 'out of date'", async () => {
        await assert.rejects(fleet().main(["--stack", "dev", "--out", "/nonexistent/fleet", "--check"]), {
            name: "UsageError",
            message:
                "--check: the fleet repo folder /nonexistent/fleet does not exist (nothing to compare; write it with npm run fleet -- --stack dev --out /nonexistent/fleet)",
        });
    });

    it("picks the copy roots: an app with its base, nested layers once", () => {
        assert.deepEqual(
            fleet().copyRoots(["apps/a/overlays/dev", "infrastructure", "infrastructure/configs"], () => false),
            ["apps/a", "infrastructure"],
        );
        assert.deepEqual(
            fleet().copyRoots(["apps/a/overlays/dev"], (d) => d === "apps/a"),
            ["apps/a/overlays/dev"],
        );
    });
});
