// npm run new-tenant (stacks/new-tenant.ts) at its edges: its own usage errors, a repository's SSH host keys given,
// refused or asked for, a team in one environment, a project whose stacks all set their own org, and the prompts
// new-tenant.test.ts does not reach (the team's name, an https repository's user, the namespaces' quota and network
// policy). Messages and written Pulumi.yaml held literally; every refusal exits 2 with the project unchanged.
import * as assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { command, main, withoutTenant, withTenant } from "../../stacks/new-tenant";
import { newStackProject, runNewTenant as run } from "../support/new-stack";
import { scriptedPrompts } from "../support/prompter";

const STACKS = ["dev", "staging", "prod", "prod-northeurope"];
const project = () => newStackProject(...STACKS);
const pulumiYaml = (dir: string) => readFileSync(join(dir, "Pulumi.yaml"), "utf8");
const ADO = ["--repo-url", "ssh://git@ssh.dev.azure.com/v3/contoso/search/search-api"];
/** A host whose SSH keys the schema does not build in, and a known_hosts line for it (GitHub's ed25519 key blob). */
const ACME = "ssh://git@git.acme.example/search.git";
const ACME_LINE = "git.acme.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
/** The fixture project's tenant, after which a new one is written. */
const PAYMENTS_END = "            url: ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api\n";

/** Every stack file sets its own org: none takes Pulumi.yaml's. */
function ownOrgEverywhere(dir: string): void {
    for (const s of STACKS) {
        const file = join(dir, `Pulumi.${s}.yaml`);
        writeFileSync(
            file,
            readFileSync(file, "utf8").replace(
                /^config:\n/m,
                'config:\n  aks-gitops:org: {fleet: {url: "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet"}}\n',
            ),
        );
    }
}

describe("npm run new-tenant, at its edges", () => {
    it("--help prints the usage and writes nothing", async () => {
        const out: string[] = [];
        const code = await main(["--help"], { interactive: false, log: (l) => out.push(l) });
        assert.equal(code, 0);
        assert.equal(out.length, 1);
        assert.ok(out[0].startsWith("usage: npm run new-tenant -- <team> [options] [--yes]\n"), out[0]);
        assert.equal(out[0], command.usage);
    });

    describe("refuses, exit 2, with the project unchanged", () => {
        const base = ["--yes", "--group", "search-developers", "--no-plan"];
        const cases: { what: string; args: string[]; message: string; prepare?: (dir: string) => void }[] = [
            {
                what: "two team names",
                args: ["search", "jobs", ...base, ...ADO],
                message: `one team name, got search jobs\n\n${command.usage}`,
            },
            {
                what: "no team name without a terminal to ask it on",
                args: [...base, ...ADO],
                message: `the team name is required, e.g. npm run new-tenant -- search --group search-developers\n\n${command.usage}`,
            },
            {
                what: "--known-hosts for an https repository",
                args: [
                    "search",
                    ...base,
                    "--repo-url",
                    "https://github.com/contoso/search.git",
                    "--known-hosts",
                    ACME_LINE,
                ],
                message: `--known-hosts only applies to an ssh:// repository URL (an https:// repository is checked by its TLS certificate)\n\n${command.usage}`,
            },
            {
                what: "--known-hosts naming a file that is not there",
                args: ["search", ...base, "--repo-url", ACME, "--known-hosts", "/nonexistent/known_hosts"],
                message: `--known-hosts: no file /nonexistent/known_hosts (give a known_hosts file, or its lines)\n\n${command.usage}`,
            },
            {
                what: "--known-hosts lines for another host",
                args: [
                    "search",
                    ...base,
                    "--repo-url",
                    ACME,
                    "--known-hosts",
                    ACME_LINE.replace("git.acme.example", "github.com"),
                ],
                message: `--known-hosts: no line is for git.acme.example (the team repository's SSH host)\n\n${command.usage}`,
            },
            {
                what: "a system namespace where no stack takes Pulumi.yaml's org: checked as a dev stack would take it",
                args: ["search", ...base, ...ADO, "--namespace", "kube-system"],
                prepare: ownOrgEverywhere,
                message:
                    'tenant search not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search.namespaces[0]: "kube-system" is a system or platform namespace; a tenant\'s namespaces must be its own (stack Pulumi.yaml)',
            },
        ];
        for (const c of cases) {
            it(c.what, async () => {
                const dir = project();
                c.prepare?.(dir);
                const before = pulumiYaml(dir);
                const files = readdirSync(dir).sort();
                const { code, out, message } = await run(dir, c.args);
                assert.equal(code, 2);
                assert.equal(message, c.message);
                assert.equal(pulumiYaml(dir), before);
                assert.deepEqual(readdirSync(dir).sort(), files, "no file left behind");
                assert.deepEqual(out, []);
            });
        }
    });

    it("writes the host keys --known-hosts gives, from a file, and has an ed25519 deploy key made for a host other than Azure DevOps", async () => {
        const dir = project();
        const hosts = join(dir, "acme_known_hosts");
        // As ssh-keyscan writes it: a comment line first.
        writeFileSync(hosts, `# git.acme.example:22 SSH-2.0-OpenSSH_9.6\n${ACME_LINE}\n`);
        const { code, out, message } = await run(dir, [
            "search",
            "--yes",
            "--group",
            "search-developers",
            "--repo-url",
            ACME,
            "--known-hosts",
            hosts,
            "--no-plan",
        ]);
        assert.equal(code, 0, message);
        assert.ok(
            pulumiYaml(dir).includes(`${PAYMENTS_END}        search:
          groups: [search-developers]
          namespaces: [search]
          repo:
            url: ${ACME}
            knownHosts: ${ACME_LINE}
`),
            pulumiYaml(dir),
        );
        assert.ok(out.includes('       ssh-keygen -t ed25519 -N "" -f search-deploy-key'), out.join("\n"));
        assert.ok(
            out.includes(
                "     Add search-deploy-key.pub to the team's repository as a read-only deploy key (no write access).",
            ),
        );
    });

    it("a team in one environment: runs on that environment's stacks, with nothing to promote", async () => {
        const dir = project();
        const { code, out, message } = await run(dir, [
            "search",
            "--yes",
            "--group",
            "search-developers",
            ...ADO,
            "--environments",
            "prod",
            "--no-plan",
        ]);
        assert.equal(code, 0, message);
        assert.equal(out[1], "search runs on prod, prod-northeurope (standby: once activated)");
        assert.ok(pulumiYaml(dir).includes("          environments: [prod]\n"), pulumiYaml(dir));
        const promote = out.indexOf(
            "  3. Promote by pull request in the team's repository, one ring at a time (the fleet's ring rules):",
        );
        assert.ok(promote > 0, out.join("\n"));
        assert.deepEqual(out.slice(promote + 1, promote + 2), [
            "       nothing to promote: the team runs in prod only",
        ]);
    });

    it("where every stack sets its own org: written to Pulumi.yaml, each stack named as not running it, the commands for <stack>", async () => {
        const dir = project();
        ownOrgEverywhere(dir);
        const { code, out, message } = await run(dir, [
            "search",
            "--yes",
            "--group",
            "search-developers",
            ...ADO,
            "--no-plan",
        ]);
        assert.equal(code, 0, message);
        assert.deepEqual(out.slice(0, 6), [
            "added tenant search to <dir>/Pulumi.yaml (org.tenants.search)",
            "search runs on no committed stack yet",
            ...STACKS.map(
                (s) =>
                    `  ${s}: not there: Pulumi.${s}.yaml sets its own aks-gitops:org, which replaces Pulumi.yaml's (add the tenant there to run it)`,
            ),
        ]);
        assert.ok(
            out.includes(
                "       pulumi config set --secret tenantGitSshPrivateKey-search --stack <stack> < search-deploy-key",
            ),
            out.join("\n"),
        );
    });

    it("--remove where every stack sets its own org: removed, no stack named as running it, nothing for pulumi up to delete", async () => {
        const dir = project();
        ownOrgEverywhere(dir);
        const { code, out, message } = await run(dir, ["--remove", "payments", "--no-plan"]);
        assert.equal(code, 0, message);
        assert.deepEqual(out, [
            "removed tenant payments from <dir>/Pulumi.yaml (org.tenants.payments)",
            "payments ran on no committed stack",
            ...STACKS.map(
                (s) =>
                    `  ${s}: not affected: Pulumi.${s}.yaml sets its own aks-gitops:org, which replaces Pulumi.yaml's (remove the tenant there too if it has it)`,
            ),
            "",
            "what follows for team payments:",
            "  1. No stack file holds payments's credential (tenantGitSshPrivateKey-payments, tenantGitHttpsPassword-payments): nothing to remove.",
            "  2. pulumi up deletes nothing: no committed stack ran payments.",
            "  3. Revoke the team's deploy key or token on its repository (ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api).",
            "",
            "next: review Pulumi.yaml in a pull request (its preview shows what each stack deletes); merged, the rollout removes payments ring by ring.",
        ]);
    });

    it("a committed stack that does not validate: onboarding and offboarding go on, and name it", async () => {
        const dir = project();
        const dev = join(dir, "Pulumi.dev.yaml");
        // A problem the stack had before: not the new tenant's, so not a reason to refuse it.
        writeFileSync(dev, readFileSync(dev, "utf8").replace(/^config:\n/m, "config:\n  aks-gitops:standby: maybe\n"));
        const added = await run(dir, ["search", "--yes", "--group", "search-developers", ...ADO, "--no-plan"]);
        assert.equal(added.code, 0, added.message);
        assert.deepEqual(added.out.slice(1, 3), [
            "search runs on staging, prod, prod-northeurope (standby: once activated)",
            "  dev: not there: its configuration does not validate (npm run plan -- --stack dev)",
        ]);
        const removed = await run(dir, ["--remove", "search", "--no-plan"]);
        assert.equal(removed.code, 0, removed.message);
        assert.deepEqual(removed.out.slice(1, 3), [
            "search ran on staging, prod, prod-northeurope (standby: once activated)",
            "  dev: its configuration does not validate (npm run plan -- --stack dev)",
        ]);
    });

    it("--remove of a team where Pulumi.yaml defines none: says none is defined", async () => {
        const dir = project();
        await run(dir, ["--remove", "payments", "--no-plan"]);
        const before = pulumiYaml(dir);
        const { code, message } = await run(dir, ["--remove", "payments", "--no-plan"]);
        assert.equal(code, 2);
        assert.equal(
            message,
            "tenant payments not removed, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.payments: is not a tenant in Pulumi.yaml (none defined)",
        );
        assert.equal(pulumiYaml(dir), before);
    });

    it("asks the team's name, an ssh host's keys, an https repository's user and the namespaces' limits, each checked at its question", async () => {
        const dir = project();
        // First: a name Pulumi.yaml has, then one the schema refuses; an ssh host without published keys.
        const ssh = scriptedPrompts([
            ["payments", "Search", "search"], // the team's name
            ["search-developers"],
            [""], // namespaces: the team's name
            [ACME],
            ["", ACME_LINE.replace("ssh-ed25519", "ssh-rsa"), ACME_LINE], // host keys: none, a mislabelled key, then the line
            [""], // branch
            [""], // path
            ["reader"],
            [""], // environments: the default
            ["n"],
        ]);
        const first = await run(dir, ["--no-plan"], { interactive: true, prompter: ssh.prompter });
        assert.equal(first.code, 0, first.message);
        assert.deepEqual(ssh.left, [], "every scripted question asked");
        assert.match(ssh.screens[0], /Team name \(it names the team's Azure resources and secret config keys\)/);
        assert.match(
            ssh.screens[4],
            /SSH host keys of git\.acme\.example: a known_hosts file or line \(ssh-keyscan git\.acme\.example, then compare the fingerprints with the server's\)/,
        );
        const [taken, invalid, noKeys, mislabelled] = ssh.refused;
        assert.match(taken, /aks-gitops:org\.tenants\.payments: is already a tenant in Pulumi\.yaml/);
        assert.match(invalid, /aks-gitops:org\.tenants\.Search: has an invalid key: must be 2-30 lowercase letters/);
        assert.match(
            noKeys,
            /aks-gitops:org\.tenants\.search\.repo\.knownHosts: is required for ssh host git\.acme\.example/,
        );
        assert.match(mislabelled, /> the key is not a ssh-rsa key \(it is ssh-ed25519\)$/);
        assert.equal(ssh.refused.length, 4);
        assert.ok(pulumiYaml(dir).includes(`            knownHosts: ${ACME_LINE}\n`), pulumiYaml(dir));

        // Then an https repository: its token's user, and new limits for the namespaces.
        const https = scriptedPrompts([
            ["jobs"],
            ["jobs-developers"],
            [""],
            ["https://github.com/contoso/jobs.git"],
            ["bad user!", "flux"], // the token's user
            [""],
            [""],
            ["reader"], // access: the default, left out of the entry
            [""],
            ["y"], // change the quota or network policy
            ["lots", "500m"], // CPU requested
            [""], // CPU limit: the default
            ["1Gi"],
            [""],
            ["AllowAll"], // ingress (a select)
            ["AllowAll"], // egress: the default
        ]);
        const second = await run(dir, ["--no-plan"], { interactive: true, prompter: https.prompter });
        assert.equal(second.code, 0, second.message);
        assert.deepEqual(https.left, [], "every scripted question asked");
        assert.match(
            https.screens[4],
            /User of the repository's HTTPS token \(empty: none, e\.g\. a public repository\)/,
        );
        assert.match(https.screens[10], /CPU requested in all, cores or millicores \(500m\)/);
        assert.match(https.screens[14], /Default network policy, ingress/);
        assert.deepEqual(
            https.refused.map((r) =>
                r
                    .split("\n")
                    .find((l) => /aks-gitops:/.test(l))
                    ?.trim(),
            ),
            [
                "> aks-gitops:org.tenants.jobs.repo.httpsUser: must not contain spaces or ':'",
                '> aks-gitops:org.tenants.jobs.quota.cpuRequest: must be CPU as whole cores ("2") or millicores ("500m")',
            ],
        );
        assert.ok(
            pulumiYaml(dir).includes(`        jobs:
          groups: [jobs-developers]
          namespaces: [jobs]
          repo:
            url: https://github.com/contoso/jobs.git
            httpsUser: flux
          quota: {cpuRequest: 500m, memoryRequest: 1Gi}
          networkPolicy: {ingress: AllowAll}
`),
            pulumiYaml(dir),
        );
    });

    describe("withTenant and withoutTenant", () => {
        it("refuse an org.tenants that is not a mapping, and a team it does not hold", () => {
            const text = "name: x\nconfig:\n  org:\n    value:\n      tenants: [search]\n";
            assert.throws(() => withTenant(text, "search", {}), {
                name: "UsageError",
                message: "Pulumi.yaml's org.tenants is not a mapping of team names to tenants",
            });
            assert.throws(() => withoutTenant(text, "search"), {
                name: "UsageError",
                message: "Pulumi.yaml has no org.tenants.search",
            });
            assert.throws(() => withoutTenant("name: x\nconfig:\n  org:\n    value:\n      fleet: {}\n", "search"), {
                name: "UsageError",
                message: "Pulumi.yaml has no org.tenants.search",
            });
        });

        it("sets an org left empty to a mapping holding the tenant", () => {
            assert.equal(
                withTenant("name: x\nconfig:\n  org:\n    value:\n", "search", { groups: ["g"] }),
                "name: x\nconfig:\n  org:\n    value:\n      tenants:\n        search:\n          groups: [g]\n",
            );
        });
    });
});
