// npm run new-tenant (stacks/new-tenant.ts): a team onboarded into a scratch copy of the fixture project (which has
// tenant payments already), scripted with --yes and through the real prompts (@inquirer/testing). The Pulumi.yaml it
// writes and the instructions it prints are held literally; each refusal exits 2 with the project unchanged.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { command, withTenant } from "../../stacks/new-tenant";
import { newStackProject, runNewTenant as run } from "../support/new-stack";
import { scriptedPrompts } from "../support/prompter";
import { ROOT } from "../../stacks/paths";
import { sharedCaptures } from "../support/share-captures";

const STACKS = ["dev", "staging", "prod", "prod-northeurope"];
const project = () => newStackProject(...STACKS);

const pulumiYaml = (dir: string) => readFileSync(join(dir, "Pulumi.yaml"), "utf8");
/** The last line of the fixture project's one tenant, payments: a new tenant comes after it. */
const PAYMENTS_END = "            url: ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api\n";

/** The instructions new-tenant prints, from their heading to the end. */
const instructions = (out: string[]) => out.slice(out.indexOf("what team search must do:"));

describe("npm run new-tenant", () => {
    sharedCaptures();
    it("adds the tenant to Pulumi.yaml, keeping every comment and the other tenants, and prints what the team must do", async () => {
        const dir = project();
        const before = pulumiYaml(dir);
        assert.equal(before.split(PAYMENTS_END).length, 2, "the fixture project's tenant payments, once");
        const { code, out, message } = await run(dir, [
            "search",
            "--yes",
            "--group",
            "search-developers",
            "--repo-url",
            "ssh://git@ssh.dev.azure.com/v3/contoso/search/search-api",
            "--no-plan",
        ]);
        assert.equal(code, 0, message);
        // Exactly one block more, after payments: nothing else in the file changes (comments, flow lists, the rest).
        assert.equal(
            pulumiYaml(dir),
            before.replace(
                PAYMENTS_END,
                `${PAYMENTS_END}        search:
          groups: [search-developers]
          namespaces: [search]
          repo:
            url: ssh://git@ssh.dev.azure.com/v3/contoso/search/search-api
`,
            ),
        );
        assert.deepEqual(readdirSync(dir).sort(), [...STACKS.map((s) => `Pulumi.${s}.yaml`), "Pulumi.yaml"].sort());
        assert.deepEqual(out.slice(0, 2), [
            "added tenant search to <dir>/Pulumi.yaml (org.tenants.search)",
            "search runs on dev, staging, prod, prod-northeurope (standby: once activated)",
        ]);
        // Azure DevOps: user keys, RSA only (MicrosoftDocs/azure-devops-docs docs/repos/git/use-ssh-keys-to-authenticate.md).
        assert.deepEqual(instructions(out), [
            "what team search must do:",
            "  1. Lay out the repository ssh://git@ssh.dev.azure.com/v3/contoso/search/search-api (branch main) as examples/app-repo does: deploy/base, and one overlay per environment (deploy/overlays/<env> by default) that sets the namespace. Flux applies, into each namespace:",
            "       search: ./deploy/overlays/dev, ./deploy/overlays/staging, ./deploy/overlays/prod",
            '     Namespaced objects only, no Secret and no SOPS: a tenant decrypts nothing (README, "Onboard a team").',
            "  2. A deploy key, made once by the platform team:",
            '       ssh-keygen -t rsa -b 4096 -N "" -f search-deploy-key',
            "     Azure DevOps has no deploy keys and takes RSA keys: add search-deploy-key.pub to the SSH public keys of a user (a service account) that can only read this repository; such keys expire after a year.",
            "     Set the private half on each stack that runs the team, then delete the file (it is never committed):",
            "       pulumi config set --secret tenantGitSshPrivateKey-search --stack dev < search-deploy-key",
            "       pulumi config set --secret tenantGitSshPrivateKey-search --stack staging < search-deploy-key",
            "       pulumi config set --secret tenantGitSshPrivateKey-search --stack prod < search-deploy-key",
            "       pulumi config set --secret tenantGitSshPrivateKey-search --stack prod-northeurope < search-deploy-key",
            "  3. Promote by pull request in the team's repository, one ring at a time (the fleet's ring rules):",
            "       npm run promote -- --app-repo <dir> --from dev --to staging   # <dir>: a checkout of the team's repository",
            "       npm run promote -- --app-repo <dir> --from staging --to prod   # <dir>: a checkout of the team's repository",
            "",
            "next: review Pulumi.yaml in a pull request (its preview shows search's namespaces, roles and Flux configurations per stack); pulumi up on a stack needs tenantGitSshPrivateKey-search set there first.",
        ]);
    });

    it("shows the plan's difference per stack: a managed namespace, two role assignments per group and a Flux configuration", async function () {
        this.timeout(120_000);
        const dir = project();
        const { code, out, message } = await run(dir, [
            "search",
            "--yes",
            "--group",
            "search-developers",
            "--repo-url",
            "ssh://git@github.com/contoso/search.git",
        ]);
        assert.equal(code, 0, message);
        // GitHub's host keys as GitHub publishes them: the schema builds in only Azure DevOps's.
        const written = parse(pulumiYaml(dir)) as {
            config: { org: { value: { tenants: Record<string, { repo: { knownHosts: string } }> } } };
        };
        assert.ok(
            written.config.org.value.tenants.search.repo.knownHosts.startsWith(
                "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
            ),
        );
        const at = out.indexOf("the plan's difference (offline, as npm run plan -- --stack <stack> plans it):");
        assert.ok(at > 0, out.join("\n"));
        const added = (cluster: string) => [
            `    + authorization:RoleAssignment ${cluster}-tenant-search-search-group0-namespace-user`,
            `    + authorization:RoleAssignment ${cluster}-tenant-search-search-group0-rbac-reader`,
            `    + containerservice:ManagedNamespace ${cluster}-tenant-search-ns-search`,
            `    + kubernetesconfiguration:FluxConfiguration ${cluster}-tenant-search-search-source`,
        ];
        assert.deepEqual(out.slice(at + 1, out.indexOf("what team search must do:")), [
            "  dev: 4 to add, 0 to change, 0 to remove",
            ...added("dev-westeurope"),
            "  staging: 4 to add, 0 to change, 0 to remove",
            ...added("staging-westeurope"),
            "  prod: 4 to add, 0 to change, 0 to remove",
            ...added("prod-westeurope"),
            // Standby creates no tenant resources: what activating the DR cluster adds.
            "  prod-northeurope (on standby: when activated): 4 to add, 0 to change, 0 to remove",
            ...added("prod-northeurope"),
            "",
        ]);
        assert.deepEqual(instructions(out).slice(4, 7), [
            "  2. A deploy key, made once by the platform team:",
            '       ssh-keygen -t ed25519 -N "" -f search-deploy-key',
            "     Add search-deploy-key.pub to the team's repository as a read-only deploy key (no write access).",
        ]);
    });

    it("writes only what differs from the defaults, lists and limits in flow style, and says how an https repository is read", async () => {
        const dir = project();
        const { code, out, message } = await run(dir, [
            "search",
            "--yes",
            "--group",
            "search-developers",
            "--group",
            "00000000-0000-0000-0000-000000000001",
            "--namespace",
            "search",
            "--namespace",
            "search-jobs",
            "--access",
            "writer",
            "--environments",
            "dev,prod",
            "--branch",
            "main",
            "--cpu-limit",
            "4",
            "--memory-limit",
            "4Gi",
            "--egress",
            "DenyAll",
            "--repo-url",
            "https://github.com/contoso/search.git",
            "--no-plan",
        ]);
        assert.equal(code, 0, message);
        assert.ok(
            pulumiYaml(dir).includes(`            url: ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api
        search:
          groups: [search-developers, 00000000-0000-0000-0000-000000000001]
          namespaces: [search, search-jobs]
          access: writer
          environments: [dev, prod]
          repo:
            url: https://github.com/contoso/search.git
            path: ./deploy/{namespace}/overlays/{environment}
          quota: {cpuLimit: "4"}
          networkPolicy: {egress: DenyAll}
# \`pulumi new <this repo>\``),
            pulumiYaml(dir),
        );
        assert.equal(out[1], "search runs on dev, prod, prod-northeurope (standby: once activated)");
        assert.deepEqual(instructions(out), [
            "what team search must do:",
            "  1. Lay out the repository https://github.com/contoso/search.git (branch main) as examples/app-repo does: deploy/base, and one overlay per environment (deploy/overlays/<env> by default) that sets the namespace. Flux applies, into each namespace:",
            "       search: ./deploy/search/overlays/dev, ./deploy/search/overlays/prod",
            "       search-jobs: ./deploy/search-jobs/overlays/dev, ./deploy/search-jobs/overlays/prod",
            '     Namespaced objects only, no Secret and no SOPS: a tenant decrypts nothing (README, "Onboard a team").',
            "  2. HTTPS credentials: a private repository needs a token that can only read it (a public one needs none);",
            "     set it on each stack that runs the team (pulumi asks for the value; it is never committed):",
            "       pulumi config set --secret tenantGitHttpsPassword-search --stack dev",
            "       pulumi config set --secret tenantGitHttpsPassword-search --stack prod",
            "       pulumi config set --secret tenantGitHttpsPassword-search --stack prod-northeurope",
            "     The token's user goes in org.tenants.search.repo.httpsUser in Pulumi.yaml (or run new-tenant with --https-user).",
            "  3. Promote by pull request in the team's repository, one ring at a time (the fleet's ring rules):",
            // dev -> prod skips staging, which npm run promote refuses without --skip-ring (fleet/promote.ts ringStep).
            "       npm run promote -- --app-repo <dir> --from dev --to prod --skip-ring   # <dir>: a checkout of the team's repository",
            "",
            "next: review Pulumi.yaml in a pull request (its preview shows search's namespaces, roles and Flux configurations per stack); pulumi up on a stack needs the token set there first, for a private repository.",
        ]);
    });

    it("says which stacks do not run the team: one selecting its tenants, one with its own org", async () => {
        const dir = project();
        const dev = join(dir, "Pulumi.dev.yaml");
        writeFileSync(
            dev,
            readFileSync(dev, "utf8").replace(/^config:\n/m, "config:\n  aks-gitops:tenants: [payments]\n"),
        );
        const staging = join(dir, "Pulumi.staging.yaml");
        writeFileSync(
            staging,
            readFileSync(staging, "utf8").replace(
                /^config:\n/m,
                'config:\n  aks-gitops:org: {fleet: {url: "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet"}}\n',
            ),
        );
        const { code, out, message } = await run(dir, [
            "search",
            "--yes",
            "--group",
            "search-developers",
            "--repo-url",
            "https://dev.azure.com/contoso/search/_git/search-api",
            "--https-user",
            "flux",
            "--no-plan",
        ]);
        assert.equal(code, 0, message);
        assert.deepEqual(out.slice(1, 4), [
            "search runs on prod, prod-northeurope (standby: once activated)",
            "  dev: not there: it selects its tenants (aks-gitops:tenants in Pulumi.dev.yaml: payments); add search there to run it",
            "  staging: not there: Pulumi.staging.yaml sets its own aks-gitops:org, which replaces Pulumi.yaml's (add the tenant there to run it)",
        ]);
        assert.deepEqual(instructions(out).slice(6, 9), [
            "       pulumi config set --secret tenantGitHttpsPassword-search --stack prod",
            "       pulumi config set --secret tenantGitHttpsPassword-search --stack prod-northeurope",
            "     The token's user is org.tenants.search.repo.httpsUser in Pulumi.yaml (flux).",
        ]);
    });

    describe("refuses, exit 2, with the project unchanged", () => {
        const base = ["--yes", "--group", "search-developers", "--no-plan"];
        const ADO = ["--repo-url", "ssh://git@ssh.dev.azure.com/v3/contoso/search/search-api"];
        const cases: { what: string; args: string[]; message: string }[] = [
            {
                what: "a team that already exists",
                args: ["payments", ...base, ...ADO],
                message:
                    'tenant payments not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.payments: is already a tenant in Pulumi.yaml: change it there (README, "Onboard a team"), or choose another team name',
            },
            {
                what: "a system namespace",
                args: ["search", ...base, ...ADO, "--namespace", "kube-system"],
                message:
                    'tenant search not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search.namespaces[0]: "kube-system" is a system or platform namespace; a tenant\'s namespaces must be its own (stacks dev, staging, prod, prod-northeurope)',
            },
            {
                what: "another tenant's namespace",
                args: ["search", ...base, ...ADO, "--namespace", "search", "--namespace", "payments"],
                message:
                    'tenant search not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search.namespaces[1]: "payments" is already tenant payments\'s namespace (stacks dev, staging, prod, prod-northeurope)',
            },
            {
                what: "several namespaces sharing one directory",
                args: [
                    "search",
                    ...base,
                    ...ADO,
                    "--namespace",
                    "search",
                    "--namespace",
                    "search-jobs",
                    "--path",
                    "./deploy/overlays/{environment}",
                ],
                message:
                    'tenant search not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search.repo.path: must contain {namespace} when the tenant has several namespaces (each namespace\'s Flux configuration applies its own directory), e.g. "./deploy/{namespace}/overlays/{environment}" (stacks dev, staging, prod, prod-northeurope)',
            },
            {
                what: 'a path with ".."',
                args: ["search", ...base, ...ADO, "--path", "./deploy/../../fleet/{environment}"],
                message:
                    'tenant search not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search.repo.path: must be a path inside the repository starting with "./", e.g. "./deploy/overlays/{environment}" (no "..", no "//") (stacks dev, staging, prod, prod-northeurope)',
            },
            {
                what: "an ssh host without known hosts",
                args: ["search", ...base, "--repo-url", "ssh://git@git.acme.example/search.git"],
                message:
                    "tenant search not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.search.repo.knownHosts: is required for ssh host git.acme.example (known_hosts lines); built in only for: ssh.dev.azure.com (stacks dev, staging, prod, prod-northeurope)",
            },
            {
                what: "--yes without --repo-url",
                args: ["search", ...base],
                message: `missing answers for --yes: --repo-url\n\n${command.usage}`,
            },
            {
                what: "--yes without --group or --repo-url",
                args: ["search", "--yes"],
                message: `missing answers for --yes: --group, --repo-url\n\n${command.usage}`,
            },
            {
                what: "a team name the schema refuses",
                args: ["Search_Team", ...base, ...ADO],
                message:
                    "tenant Search_Team not added, Pulumi.yaml unchanged: invalid stack configuration (1 problem):\n  - aks-gitops:org.tenants.Search_Team: has an invalid key: must be 2-30 lowercase letters, digits or hyphens, starting with a letter",
            },
        ];
        for (const c of cases) {
            it(c.what, async () => {
                const dir = project();
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

    it("asks for what flags did not give, checks each answer at its question with the schema's message, and writes the answers", async () => {
        // Each answer is a list of attempts: all but the last must be refused at the prompt (its screen is kept).
        const { prompter, screens, refused, left } = scriptedPrompts([
            ["", "search-developers"], // groups: at least one
            ["payments", "kube-system", ""], // namespaces: another tenant's, a system one, then the default (search)
            ["git@github.com:contoso/search.git", "ssh://git@ssh.dev.azure.com/v3/contoso/search/search-api"],
            [""], // branch: main
            ["./../search", ""], // path: leaves the repository, then the default
            ["writer"], // access (a select)
            ["dev, qa", "dev, staging"], // environments
            ["n"], // change the quota or network policy? no
        ]);
        const dir = project();
        const { code, message } = await run(dir, ["search", "--no-plan"], { interactive: true, prompter });
        assert.equal(code, 0, message);
        assert.deepEqual(left, [], "every scripted question asked");
        assert.match(screens[0], /Entra ID groups of the team \(object ids or names\), comma-separated/);
        assert.match(screens[1], /The team's namespaces, comma-separated \(search\)/, "the team's name proposed");
        assert.match(screens[3], /Branch Flux follows \(main\)/);
        assert.match(screens[4], /\(\.\/deploy\/overlays\/\{environment\}\)/);
        assert.match(screens[6], /Environments the team runs in, comma-separated \(dev, staging, prod\)/);
        const [noGroup, taken, system, scpLike, leaves, qa] = refused;
        assert.match(noGroup, /aks-gitops:org\.tenants\.search\.groups: must have at least 1 entry/);
        assert.match(
            taken,
            /aks-gitops:org\.tenants\.search\.namespaces\[0\]: "payments" is already tenant payments's namespace/,
        );
        assert.match(
            system,
            /aks-gitops:org\.tenants\.search\.namespaces\[0\]: "kube-system" is a system or platform namespace/,
        );
        assert.match(scpLike, /aks-gitops:org\.tenants\.search\.repo\.url: must be an ssh:\/\/ or https:\/\/ URL/);
        assert.match(leaves, /aks-gitops:org\.tenants\.search\.repo\.path: must be a path inside the repository/);
        assert.match(qa, /aks-gitops:org\.tenants\.search\.environments\[1\]: /);
        assert.equal(refused.length, 6);
        assert.ok(
            pulumiYaml(dir).includes(`        search:
          groups: [search-developers]
          namespaces: [search]
          access: writer
          environments: [dev, staging]
          repo:
            url: ssh://git@ssh.dev.azure.com/v3/contoso/search/search-api
`),
            pulumiYaml(dir),
        );
    });

    it("runs as npm run new-tenant: --help, and a refusal as one message on stderr with exit 2", function () {
        this.timeout(60_000);
        const scripts = (
            JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
        ).scripts;
        assert.equal(scripts["new-tenant"], "node bin/launch.cjs stacks/new-tenant.ts");
        const cli = (...args: string[]) =>
            spawnSync(process.execPath, ["bin/launch.cjs", "stacks/new-tenant.ts", ...args], {
                cwd: ROOT,
                encoding: "utf8",
            });
        const help = cli("--help");
        assert.equal(help.status, 0, help.stderr);
        assert.ok(help.stdout.startsWith("usage: npm run new-tenant -- <team> [options] [--yes]\n"), help.stdout);
        const dir = project();
        const before = pulumiYaml(dir);
        const refused = cli(
            "payments",
            "--yes",
            "--group",
            "g",
            "--repo-url",
            "https://example.com/p.git",
            "--root",
            dir,
        );
        assert.equal(refused.status, 2);
        assert.equal(refused.stdout, "");
        assert.match(refused.stderr, /^tenant payments not added, Pulumi\.yaml unchanged: /);
        assert.doesNotMatch(refused.stderr, /\n\s+at /, "no stack trace");
        assert.equal(pulumiYaml(dir), before);
    });

    describe("withTenant", () => {
        it("creates org.tenants where Pulumi.yaml has none, keeping the comments", () => {
            const text = withTenant(
                "name: aks-gitops\nconfig:\n  # shared\n  org:\n    value:\n      # the fleet\n      fleet:\n        url: https://example.com/fleet\n",
                "search",
                { groups: ["g"], namespaces: ["search"], repo: { url: "https://example.com/search" } },
            );
            assert.equal(
                text,
                "name: aks-gitops\nconfig:\n  # shared\n  org:\n    value:\n      # the fleet\n      fleet:\n        url: https://example.com/fleet\n      tenants:\n        search:\n          groups: [g]\n          namespaces: [search]\n          repo:\n            url: https://example.com/search\n",
            );
        });

        it("refuses an org that is not a mapping of values", () => {
            assert.throws(() => withTenant('name: x\nconfig:\n  org:\n    value: "{}"\n', "search", {}), {
                name: "UsageError",
                message: "Pulumi.yaml's org is not a mapping; new-tenant adds org.tenants to a YAML mapping",
            });
            assert.throws(() => withTenant("name: x\nconfig:\n  org:\n    type: string\n", "search", {}), {
                name: "UsageError",
                message:
                    "Pulumi.yaml's org is a declaration, not under value:; new-tenant adds to a value (org: value:)",
            });
        });
    });
});
