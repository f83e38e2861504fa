// npm run new-tenant -- --remove <team> (stacks/new-tenant.ts): offboarding the fixture project's tenant payments in a
// scratch copy. The Pulumi.yaml it leaves, the plan's difference and what it prints are held literally; each refusal
// exits 2 with every file unchanged.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { command, withoutTenant } from "../../stacks/new-tenant";
import { ROOT } from "../../stacks/paths";
import { newStackProject, runNewTenant as run } from "../support/new-stack";
import { sharedCaptures } from "../support/share-captures";

const STACKS = ["dev", "staging", "prod", "prod-northeurope"];

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const edit = (dir: string, file: string, change: (text: string) => string) => {
    const before = read(dir, file);
    const after = change(before);
    assert.notEqual(after, before, `${file} changed by the test`);
    writeFileSync(join(dir, file), after);
};
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, read(dir, f)]));

/** The fixture project's tenant block: its comment, the `tenants:` key and payments. */
const TENANTS_BLOCK = `      # The teams on the platform, each in its own namespaces pulling its own app repository (README, "Onboard a
      # team"; npm run new-tenant adds one). Each stack that runs a tenant with an ssh:// repository needs its deploy key:
      # pulumi config set --secret tenantGitSshPrivateKey-<team> < deploy-key
      tenants:
        payments:
          groups:
            - payments-developers
          namespaces:
            - payments
          repo:
            url: ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api
`;
const RECEIVERS_END = "            url: https://alerts.contoso.com/hooks/flux\n";

/** Tenant search after payments, with a comment of its own. */
const SEARCH = `        # search: the search team (onboarded 2025-06)
        search:
          groups: [search-developers]
          namespaces: [search]
          repo:
            url: https://github.com/contoso/search.git
          deletePolicy: Delete
`;

describe("npm run new-tenant -- --remove", () => {
    sharedCaptures();
    it("removes the only tenant with its `tenants:` key and that key's comment, nothing else, and says what follows", async () => {
        const dir = newStackProject(...STACKS);
        const before = read(dir, "Pulumi.yaml");
        const stackFiles = snapshot(dir);
        assert.equal(before.split(RECEIVERS_END + TENANTS_BLOCK).length, 2, "the fixture's tenant block, once");
        const { code, out, message } = await run(dir, ["--remove", "payments", "--no-plan"]);
        assert.equal(code, 0, message);
        assert.equal(read(dir, "Pulumi.yaml"), before.replace(TENANTS_BLOCK, ""));
        assert.deepEqual(out, [
            "removed tenant payments from <dir>/Pulumi.yaml (org.tenants.payments)",
            "payments ran on dev, staging, prod, prod-northeurope (standby: once activated)",
            "",
            "what follows for team payments:",
            "  1. No stack file holds payments's credential (tenantGitSshPrivateKey-payments, tenantGitHttpsPassword-payments): nothing to remove.",
            "  2. pulumi up on dev, staging, prod deletes payments's Flux configurations and role assignments, then its managed namespaces (prod-northeurope: on standby, none to delete).",
            // prune=true (components/Tenant.ts): deleting the configuration deletes what it applied
            // (MicrosoftDocs/azure-management-docs articles/azure-arc/kubernetes/tutorial-use-gitops-flux2.md).
            "     The configurations prune: the objects Flux applied from the team's repository are deleted with them.",
            // deletePolicy Keep (the default): only the ARM resource goes (MicrosoftDocs/azure-aks-docs
            // articles/aks/concepts-managed-namespaces.md, "Delete policy").
            "       payments (deletePolicy Keep): ARM lets go of the namespace; it stays, with what Flux did not apply, no longer held by ARM (delete it with kubectl when the team is gone).",
            "  3. Revoke the team's deploy key or token on its repository (ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api).",
            "",
            "next: review Pulumi.yaml in a pull request (its preview shows what each stack deletes); merged, the rollout removes payments ring by ring.",
        ]);
        // The stack files are untouched.
        assert.deepEqual({ ...snapshot(dir), "Pulumi.yaml": before }, stackFiles);
    });

    it("keeps the other tenants, their comments and the `tenants:` key; a Delete policy deletes the namespace", async () => {
        const dir = newStackProject(...STACKS);
        const fixture = read(dir, "Pulumi.yaml");
        writeFileSync(join(dir, "Pulumi.yaml"), fixture.replace(TENANTS_BLOCK, TENANTS_BLOCK + SEARCH));
        const { code, out, message } = await run(dir, ["--remove", "search", "--no-plan"]);
        assert.equal(code, 0, message);
        assert.equal(read(dir, "Pulumi.yaml"), fixture);
        assert.deepEqual(out.slice(1, 2), [
            "search ran on dev, staging, prod, prod-northeurope (standby: once activated)",
        ]);
        assert.ok(
            out.includes("       search (deletePolicy Delete): the namespace and everything in it are deleted."),
            out.join("\n"),
        );
        assert.ok(
            out.includes(
                "  3. Revoke the team's deploy key or token on its repository (https://github.com/contoso/search.git).",
            ),
        );

        writeFileSync(join(dir, "Pulumi.yaml"), fixture.replace(TENANTS_BLOCK, TENANTS_BLOCK + SEARCH));
        assert.equal((await run(dir, ["--remove", "payments", "--no-plan"])).code, 0);
        assert.equal(
            read(dir, "Pulumi.yaml"),
            fixture.replace(
                TENANTS_BLOCK,
                `      # The teams on the platform, each in its own namespaces pulling its own app repository (README, "Onboard a
      # team"; npm run new-tenant adds one). Each stack that runs a tenant with an ssh:// repository needs its deploy key:
      # pulumi config set --secret tenantGitSshPrivateKey-<team> < deploy-key
      tenants:
${SEARCH}`,
            ),
        );
    });

    it("shows the plan's difference per stack that ran the team: its namespace, role assignments and Flux configuration removed", async function () {
        this.timeout(120_000);
        const dir = newStackProject(...STACKS);
        const { code, out, message } = await run(dir, ["--remove", "payments"]);
        assert.equal(code, 0, message);
        const removed = (cluster: string) => [
            `    - authorization:RoleAssignment ${cluster}-tenant-payments-payments-group0-namespace-user`,
            `    - authorization:RoleAssignment ${cluster}-tenant-payments-payments-group0-rbac-reader`,
            `    - containerservice:ManagedNamespace ${cluster}-tenant-payments-ns-payments`,
            `    - kubernetesconfiguration:FluxConfiguration ${cluster}-tenant-payments-payments-source`,
        ];
        assert.deepEqual(out.slice(2, out.indexOf("what follows for team payments:")), [
            "",
            "the plan's difference (offline, as npm run plan -- --stack <stack> plans it):",
            "  dev: 0 to add, 0 to change, 4 to remove",
            ...removed("dev-westeurope"),
            "  staging: 0 to add, 0 to change, 4 to remove",
            ...removed("staging-westeurope"),
            "  prod: 0 to add, 0 to change, 4 to remove",
            ...removed("prod-westeurope"),
            "  prod-northeurope (on standby: when activated): 0 to add, 0 to change, 4 to remove",
            ...removed("prod-northeurope"),
            "",
        ]);
    });

    it("names the exact pulumi config rm for each stack whose file holds the team's credential, and plans it as removed", async function () {
        this.timeout(120_000);
        const dir = newStackProject("dev", "prod");
        // What `pulumi config set --secret` writes (a ciphertext under `secure:`).
        edit(dir, "Pulumi.prod.yaml", (t) =>
            t.replace(/^config:\n/m, "config:\n  aks-gitops:tenantGitSshPrivateKey-payments:\n    secure: v1:AAAA\n"),
        );
        const { code, out, message } = await run(dir, ["--remove", "payments"]);
        assert.equal(code, 0, message);
        // prod's plan after the removal is its file without the credential, as pulumi config rm leaves it.
        assert.ok(out.includes("  prod: 0 to add, 0 to change, 4 to remove"), out.join("\n"));
        const follows = out.slice(out.indexOf("what follows for team payments:"));
        assert.deepEqual(follows.slice(0, 4), [
            "what follows for team payments:",
            '  1. Remove payments\'s credential from the stacks whose file holds it, in the same pull request: until then the schema refuses them ("no tenant payments runs on this stack"):',
            "       pulumi config rm tenantGitSshPrivateKey-payments --stack prod",
            "  2. pulumi up on dev, prod deletes payments's Flux configurations and role assignments, then its managed namespaces.",
        ]);
        assert.equal(
            follows[follows.length - 1],
            "next: review Pulumi.yaml and the stack files in a pull request (its preview shows what each stack deletes); merged, the rollout removes payments ring by ring.",
        );
        // The stack file itself is the user's to change with pulumi (its secrets provider): new-tenant leaves it.
        assert.match(read(dir, "Pulumi.prod.yaml"), /tenantGitSshPrivateKey-payments:\n {4}secure: v1:AAAA\n/);
    });

    describe("refuses, exit 2, with every file unchanged", () => {
        const cases: { what: string; args: string[]; prepare?: (dir: string) => void; message: string }[] = [
            {
                what: "a team Pulumi.yaml does not define, naming the teams defined",
                args: ["--remove", "search"],
                message:
                    "tenant search not removed, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search: is not a tenant in Pulumi.yaml (defined: payments)",
            },
            {
                what: "a team some stacks still select (aks-gitops:tenants), naming the key and the stacks",
                args: ["--remove", "payments"],
                prepare: (dir) =>
                    ["Pulumi.dev.yaml", "Pulumi.staging.yaml"].forEach((f) =>
                        edit(dir, f, (t) => t.replace(/^config:\n/m, "config:\n  aks-gitops:tenants: [payments]\n")),
                    ),
                message:
                    'tenant payments not removed, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:tenants[0]: "payments" is not a tenant of org.tenants (none defined) (Pulumi.dev.yaml, Pulumi.staging.yaml, once payments is removed)',
            },
            {
                what: "onboarding flags or a team name beside --remove",
                args: ["--remove", "payments", "search", "--group", "g"],
                message: `--remove takes only --no-plan and --root, got search --group\n\n${command.usage}`,
            },
        ];
        for (const c of cases) {
            it(c.what, async () => {
                const dir = newStackProject(...STACKS);
                c.prepare?.(dir);
                const before = snapshot(dir);
                const { code, out, message } = await run(dir, c.args);
                assert.equal(code, 2);
                assert.equal(message, c.message);
                assert.deepEqual(snapshot(dir), before, "nothing written, no file left behind");
                assert.deepEqual(out, []);
            });
        }

        it("as npm run new-tenant: one message on stderr, no stack trace", function () {
            this.timeout(60_000);
            const dir = newStackProject(...STACKS);
            const before = snapshot(dir);
            const r = spawnSync(
                process.execPath,
                ["bin/launch.cjs", "stacks/new-tenant.ts", "--remove", "search", "--root", dir],
                { cwd: ROOT, encoding: "utf8" },
            );
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr,
                "tenant search not removed, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search: is not a tenant in Pulumi.yaml (defined: payments)\n",
            );
            assert.deepEqual(snapshot(dir), before);
        });
    });

    describe("withoutTenant", () => {
        it("edits org under its namespaced key, keeping the other keys' comments", () => {
            assert.equal(
                withoutTenant(
                    "name: aks-gitops\nconfig:\n  aks-gitops:org:\n    value:\n      # the fleet\n      fleet: {url: https://example.com/fleet}\n      tenants:\n        a: {groups: [g]}\n        # b's comment\n        b: {groups: [h]}\n  # after\n  other: 1\n",
                    "a",
                ),
                "name: aks-gitops\nconfig:\n  aks-gitops:org:\n    value:\n      # the fleet\n      fleet: {url: https://example.com/fleet}\n      tenants:\n        # b's comment\n        b: {groups: [h]}\n  # after\n  other: 1\n",
            );
        });
    });
});
