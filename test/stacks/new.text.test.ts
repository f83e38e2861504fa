// npm run new-stack's words and files, literally (stacks/new.ts): the stack file with its comments, the log and the
// next commands, the questions it asks and their defaults (a scripted prompter), and each usage error. The proposed
// vault names' hashes are SHA-256 computed with Python's hashlib:
//   hashlib.sha256(b"ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet\0dev").hexdigest()[:5] == "f99f1"
//   hashlib.sha256(b"https://github.com/acme/fleet.git\0production").hexdigest()[:5] == "03e7c"
//   hashlib.sha256(b"fleet\0prod").hexdigest()[:5] == "8e24b"
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as newStack from "../../stacks/new";
import { main, proposeVaultName, type Prompter, withOrg } from "../../stacks/new";
import { runCliInProcess } from "../support/stacks";
import { newStackProject } from "../support/new-stack";

const project = newStackProject;

async function run(dir: string, args: string[], options: Parameters<typeof main>[1] = {}) {
    const out: string[] = [];
    const code = await main([...args, "--root", dir], {
        interactive: false,
        log: (l) => out.push(l.split(dir).join("<dir>")),
        ...options,
    });
    return { code, out, file: (stack: string) => readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8") };
}

const HEADER = (stack: string, ssh: boolean) =>
    [
        `# ${stack}: written by npm run new-stack. What every cluster shares (fleet repo, alert receivers) comes from Pulumi.yaml.`,
        `# Secrets never live here: ${ssh ? "pulumi config set --secret gitSshPrivateKey < deploy-key" : "pulumi config set --secret gitHttpsPassword (private https repos)"}.`,
    ].join("\n");
const REFERENCE =
    "# Config reference: README, Configuration (nested keys: pulumi config set --path 'aks-gitops:aks.skuTier' Standard).";
const PIN =
    "    # Pin a Kubernetes minor with kubernetesVersion (az aks get-versions -l <region>); absent: the region's default.";
const NEXT = (stack: string, ssh: boolean) => [
    "",
    "next:",
    ssh
        ? `  pulumi config set --secret gitSshPrivateKey --stack ${stack} < ~/.ssh/fleet-deploy-key   # the fleet repo's read-only deploy key; never committed`
        : `  pulumi config set --secret gitHttpsPassword --stack ${stack}   # only for a private https:// fleet repo (a PAT)`,
    // The fixture project's tenant payments (ssh:// repository) runs in every environment.
    `  pulumi config set --secret tenantGitSshPrivateKey-payments --stack ${stack} < payments-deploy-key   # tenant payments's read-only deploy key (README, "Onboard a team")`,
    `  npm run preflight -- --stack ${stack}          # asks your subscription: versions, sizes, quota, names, permissions`,
    `  npm run fleet -- --stack ${stack} --out ../fleet   # the cluster's directory in your fleet repo`,
    `  pulumi stack init ${stack} && pulumi up --stack ${stack}`,
];
const VAULT_NOTE = (name: string) =>
    `vault name: ${name} (Key Vault names are global DNS names, and a deleted vault keeps its name for up to 90 days; a suffix of your own makes a clash unlikely, and npm run preflight confirms the name is free)`;

/**
 * A prompter that records each question with its default (and a select's choices) in `asked`, answers inputs from
 * `answers` by message (else their default), each answer passing its question's own check, picks `environment` (and
 * `vault` for the question about another stack's vault) and answers confirms with `confirm`.
 */
function scripted(
    asked: string[],
    answers: Record<string, string>,
    choose: { environment: string; vault?: string; confirm: (c: { message: string; default?: boolean }) => boolean },
): Prompter {
    return {
        input: (c) => {
            asked.push(`input: ${c.message} [${c.default ?? ""}]`);
            const answer = answers[c.message] ?? c.default ?? "";
            assert.equal(c.validate?.(answer) ?? true, true, `${c.message}: ${answer}`);
            return Promise.resolve(answer);
        },
        select: <T extends string>(c: { message: string; choices: { name: string; value: T }[] }) => {
            asked.push(`select: ${c.message} {${c.choices.map((x) => x.value).join(", ")}}`);
            const pick = c.message === "Environment" ? choose.environment : choose.vault;
            assert.ok(
                c.choices.some((x) => x.value === pick),
                `${c.message}: no choice ${pick}`,
            );
            return Promise.resolve(pick as T);
        },
        confirm: (c) => {
            asked.push(`confirm: ${c.message} [${c.default}]`);
            return Promise.resolve(choose.confirm(c));
        },
    };
}

describe("npm run new-stack: files, log and questions, word for word", () => {
    it("proposes a vault name from the fleet repo's owner and a hash of repo and environment", () => {
        assert.equal(
            proposeVaultName("ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet", "dev"),
            "kv-contos-dev-f99f1",
        );
        assert.equal(
            proposeVaultName("https://github.com/acme/fleet.git", "production"),
            "kv-github-prod-03e7c",
            "owner and repo path, .git dropped, environment cut to 4",
        );
        assert.equal(proposeVaultName("fleet", "prod"), "kv-org-prod-8e24b", "no owner in the URL");
    });

    it("writes a dev stack with its comments, logs the plan's findings and the next commands, exit 1 for a mandatory finding", async () => {
        const dir = project();
        const planned: string[] = [];
        const r = await run(
            dir,
            [
                "dev-eastus2",
                "--yes",
                "--environment",
                "dev",
                "--region",
                "eastus2",
                "--admin-group",
                "platform-admins",
                "--encryptor-group",
                "sops-a",
            ],
            {
                plan: (stack, root) => {
                    planned.push(`${stack} in ${root === dir ? "<dir>" : root}`);
                    return Promise.resolve({
                        summary: "offline plan: 20 Azure resources",
                        mandatory: 1,
                        findings: ["[mandatory] aks-sku: sku.tier must be Standard"],
                    });
                },
            },
        );
        assert.equal(r.code, 1);
        assert.deepEqual(planned, ["dev-eastus2 in <dir>"]);
        assert.deepEqual(r.out, [
            VAULT_NOTE("kv-contos-dev-f99f1"),
            "wrote <dir>/Pulumi.dev-eastus2.yaml",
            "offline plan: 20 Azure resources",
            "  [mandatory] aks-sku: sku.tier must be Standard",
            ...NEXT("dev-eastus2", true),
        ]);
        assert.equal(
            r.file("dev-eastus2"),
            [
                HEADER("dev-eastus2", true),
                REFERENCE,
                "",
                "config:",
                "  aks-gitops:environment: dev",
                "  aks-gitops:location: eastus2",
                "  aks-gitops:clusterName: dev-eastus2",
                "  aks-gitops:aks:",
                PIN,
                "    adminGroups:",
                "      - platform-admins",
                "  aks-gitops:sops:",
                "    # The environment's vault and SOPS key (environments never share keys).",
                "    vaultName: kv-contos-dev-f99f1",
                "    encryptorGroups:",
                "      - sops-a",
                "",
            ].join("\n"),
        );
        const clean = await run(project(), ["dev-x", "--yes", "--environment", "dev", "--region", "eastus2"], {
            plan: () => Promise.resolve({ summary: "ok", mandatory: 0, findings: [] }),
        });
        assert.equal(clean.code, 0);
    });

    it("writes an https fleet repo, its branch and alert receivers into the stack, and no aks block when nothing differs", async () => {
        const dir = project();
        const r = await run(dir, [
            "dev-b",
            "--yes",
            "--environment",
            "dev",
            "--region",
            "westus3",
            "--fleet-url",
            "https://github.com/acme/fleet",
            "--fleet-branch",
            "release",
            "--alert-email",
            "ops = ops@acme.io",
            "--alert-webhook",
            "pager=https://pager.acme.io/x",
            "--no-plan",
        ]);
        assert.equal(r.code, 0);
        assert.deepEqual(r.out, [
            VAULT_NOTE("kv-github-dev-39fba"),
            "wrote <dir>/Pulumi.dev-b.yaml",
            ...NEXT("dev-b", false),
        ]);
        assert.equal(
            r.file("dev-b"),
            [
                HEADER("dev-b", false),
                REFERENCE,
                "",
                "config:",
                "  aks-gitops:environment: dev",
                "  aks-gitops:location: westus3",
                "  aks-gitops:clusterName: dev-westus3",
                "  aks-gitops:sops:",
                "    # The environment's vault and SOPS key (environments never share keys).",
                "    vaultName: kv-github-dev-39fba",
                "  aks-gitops:flux:",
                "    git:",
                "      url: https://github.com/acme/fleet",
                "      branch: release",
                "  aks-gitops:monitoring:",
                "    receivers:",
                "      emails:",
                "        - name: ops",
                "          address: ops@acme.io",
                "      webhooks:",
                "        - name: pager",
                "          url: https://pager.acme.io/x",
                "",
            ].join("\n"),
        );
    });

    it("stores the fleet repo and receivers in Pulumi.yaml with --save-org: the receivers given are the org's, all of them", async () => {
        const dir = project();
        const r = await run(dir, [
            "dev-c",
            "--yes",
            "--environment",
            "dev",
            "--region",
            "westus3",
            "--fleet-url",
            "https://github.com/acme/fleet",
            "--alert-webhook",
            "pager=https://pager.acme.io/x",
            "--save-org",
            "--vault-name",
            "kv-acme-dev-1",
            "--no-plan",
        ]);
        assert.deepEqual(r.out, [
            "wrote <dir>/Pulumi.dev-c.yaml",
            "stored the fleet repo and alert receivers (replacing the organisation's) in <dir>/Pulumi.yaml (config.org) for every stack",
            ...NEXT("dev-c", false),
        ]);
        assert.ok(!r.file("dev-c").includes("aks-gitops:flux") && !r.file("dev-c").includes("aks-gitops:monitoring"));
        const pulumiYaml = readFileSync(join(dir, "Pulumi.yaml"), "utf8");
        assert.ok(
            pulumiYaml.includes(
                "      fleet:\n        # The fleet repo Flux pulls from (ssh:// or https://) and its branch.\n        url: https://github.com/acme/fleet\n        branch: main\n      # Where Flux alerts go (prod, or wherever monitoring.enabled is on).\n      receivers:\n        webhooks:\n          - name: pager\n            url: https://pager.acme.io/x\n      # The teams on the platform",
            ),
            pulumiYaml,
        );
        const plain = await run(project(), [
            "dev-d",
            "--yes",
            "--environment",
            "dev",
            "--region",
            "westus3",
            "--fleet-url",
            "https://github.com/acme/fleet",
            "--save-org",
            "--no-plan",
        ]);
        assert.deepEqual(plain.out.slice(1, 4), [
            "wrote <dir>/Pulumi.dev-d.yaml",
            "stored the fleet repo in <dir>/Pulumi.yaml (config.org) for every stack",
            "alert receivers: Pulumi.yaml's platform on-call <platform-oncall@contoso.com>, incident bridge <https://alerts.contoso.com/hooks/flux> (--alert-email / --alert-webhook with --save-org replace them)",
        ]);
        assert.equal(
            withOrg("# kept\nname: p\nconfig:\n  org:\n    value: {}\n", { fleet: { url: "u", branch: "b" } }),
            "# kept\nname: p\nconfig:\n  org:\n    value:\n      fleet:\n        url: u\n        branch: b\n",
        );
    });

    it("asks only what has no good default, with the defaults it would use, and says what the owner's firewall needs", async () => {
        const dir = project("prod");
        const asked: string[] = [];
        const answers: Record<string, string> = {
            "Azure region (programmatic name)": "eastus2",
            "CIDRs that reach the API server (operators' VPN, CI runners) (comma-separated, empty for none)":
                "198.51.100.0/26, ,203.0.113.0/28",
        };
        const prompter = scripted(asked, answers, {
            environment: "prod",
            vault: "join",
            confirm: (c) => c.default ?? false,
        });
        const r = await run(dir, ["prod-eastus2", "--no-plan"], { interactive: true, prompter });
        assert.equal(r.code, 0);
        assert.deepEqual(asked, [
            "select: Environment {dev, staging, prod}",
            "input: Azure region (programmatic name) [westeurope]",
            "input: Cluster name (also its fleet directory) [prod-eastus2]",
            "input: Fleet repo URL (ssh:// or https://) [ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet]",
            "input: Fleet repo branch [main]",
            "select: prod already has a SOPS vault: stack prod (Pulumi.prod.yaml) owns kv-contoso-sops-prod. This cluster: {join, own}",
            "confirm: Is this a DR cluster to keep on standby (everything but the cluster)? [false]",
            "input: Entra groups that administer the cluster (object ids or names) (comma-separated, empty for none) []",
            "input: CIDRs that reach the API server (operators' VPN, CI runners) (comma-separated, empty for none) []",
        ]);
        assert.deepEqual(r.out, [
            "wrote <dir>/Pulumi.prod-eastus2.yaml",
            "prod's vault firewall must admit this cluster: add to its sops.admitEgressPrefixIds",
            "  /resourceGroups/rg-aks-prod-eastus2/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-eastus2",
            "  in the same pull request: the rollout deploys prod (vault wave), prod-eastus2, then prod again to admit the prefix (by hand: prod-eastus2 before prod)",
            "alert receivers: Pulumi.yaml's platform on-call <platform-oncall@contoso.com>, incident bridge <https://alerts.contoso.com/hooks/flux> (--alert-email / --alert-webhook give this stack its own)",
            ...NEXT("prod-eastus2", true),
        ]);
        assert.ok(
            r
                .file("prod-eastus2")
                .endsWith(
                    [
                        "  aks-gitops:aks:",
                        PIN,
                        "    apiServer:",
                        "      authorizedIpRanges:",
                        "        - 198.51.100.0/26",
                        "        - 203.0.113.0/28",
                        "  aks-gitops:sops:",
                        "    # The environment's existing key: every cluster of an environment decrypts the same secrets.",
                        "    existingKeyId: /resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod",
                        "",
                    ].join("\n"),
                ),
        );
    });

    it("asks a vault owner for its groups, the vault name (proposing one) and whether to share a new fleet repo", async () => {
        const dir = project();
        const asked: string[] = [];
        const answers: Record<string, string> = {
            "Fleet repo URL (ssh:// or https://)": "https://github.com/acme/fleet",
            "Entra groups that run sops with the environment's key (comma-separated, empty for none)": "sops-a, sops-b",
        };
        const prompter = scripted(asked, answers, { environment: "dev", confirm: () => false });
        const r = await run(dir, ["dev-eastus2", "--region", "eastus2", "--no-plan"], { interactive: true, prompter });
        assert.equal(r.code, 0);
        assert.deepEqual(asked, [
            "select: Environment {dev, staging, prod}",
            "input: Cluster name (also its fleet directory) [dev-eastus2]",
            "input: Fleet repo URL (ssh:// or https://) [ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet]",
            "input: Fleet repo branch [main]",
            "input: Entra groups that administer the cluster (object ids or names) (comma-separated, empty for none) []",
            "input: Entra groups that run sops with the environment's key (comma-separated, empty for none) []",
            "input: The environment's Key Vault name (globally unique) [kv-github-dev-39fba]",
            "confirm: Store the fleet repo (and receivers) in Pulumi.yaml for every stack? [false]",
        ]);
        assert.ok(
            r
                .file("dev-eastus2")
                .includes("    vaultName: kv-github-dev-39fba\n    encryptorGroups:\n      - sops-a\n      - sops-b\n"),
        );
        assert.ok(
            r
                .file("dev-eastus2")
                .includes(
                    "  aks-gitops:flux:\n    git:\n      url: https://github.com/acme/fleet\n      branch: main\n",
                ),
            "not shared: the stack keeps its repo",
        );
    });

    it("with --yes and --use-key-of takes the owner's key and says so; a standby stack's file says how to activate it", async () => {
        const dir = project("prod");
        const r = await run(dir, [
            "prod-francecentral",
            "--yes",
            "--environment",
            "prod",
            "--region",
            "francecentral",
            "--api-range",
            "198.51.100.0/26",
            "--use-key-of",
            "prod",
            "--standby",
            "--no-plan",
        ]);
        assert.equal(
            r.out[0],
            "sops: using prod's existing key from stack prod (/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod)",
        );
        const text = r.file("prod-francecentral");
        assert.ok(
            text.includes(
                "\n# A DR cluster on standby: set standby to false (and deploy) to create its cluster (docs/disaster-recovery.md).\n",
            ),
        );
        assert.ok(
            text.includes(
                "  # Everything but the cluster exists in peacetime; false activates.\n  aks-gitops:standby: true\n",
            ),
            text,
        );
        assert.ok(!text.includes(REFERENCE));
    });

    it("refuses a cluster another committed stack already is, and each usage mistake with its own message", async () => {
        const dir = project("prod");
        await assert.rejects(
            run(dir, ["prod-twin", "--yes", "--environment", "prod", "--region", "westeurope", "--no-plan"]),
            {
                name: "UsageError",
                message:
                    "cluster prod-westeurope is already stack prod's (Pulumi.prod.yaml): choose another --cluster or region, or delete that file first if it is an example this stack replaces",
            },
        );
        const cases: [string[], string][] = [
            [[], "the stack name is required, e.g. npm run new-stack -- prod-eastus2"],
            [["a", "b"], "one stack name, got a b"],
            [["dev a"], 'invalid stack name "dev a": use letters, digits, "-", "_" or "."'],
            [
                ["dev-s", "--yes", "--environment", "dev", "--region", "westus3", "--standby"],
                "--standby needs the environment's existing key (--use-key-of <stack>, or --existing-key-id)",
            ],
            [
                ["dev-e", "--yes", "--environment", "dev", "--region", "westus3", "--alert-email", "ops@acme.io"],
                '--alert-email takes name=address (got "ops@acme.io")',
            ],
            [
                ["dev-e", "--yes", "--environment", "dev", "--region", "westus3", "--alert-webhook", "=https://x"],
                '--alert-webhook takes name=https-url (got "=https://x")',
            ],
            [["dev-m", "--yes", "--region", "westus3"], "missing answers for --yes: --environment"],
        ];
        for (const [argv, message] of cases) {
            await assert.rejects(run(project(), argv), { name: "UsageError", message }, argv.join(" "));
        }
    });

    it("answers --help on stdout, usage errors on stderr with exit 2", async () => {
        const help = await runCliInProcess(newStack.runCli, ["--help"]);
        assert.equal(help.status, 0);
        assert.ok(
            help.stdout.startsWith(
                "usage: npm run new-stack -- <name> [options] [--yes] [--force]\n\n  <name>                 the stack, e.g. prod-eastus2 (writes Pulumi.<name>.yaml)\n  --environment <env>    dev | staging | prod\n",
            ),
            help.stdout,
        );
        const bad = await runCliInProcess(newStack.runCli, ["a", "b"]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /one stack name, got a b/);
    });
});
