// npm run new-stack: from a fresh clone to the user's own stack file. Scripted (--yes) and interactive, the latter
// through @inquirer/testing's render(), which drives the real prompts with key presses.
import * as assert from "node:assert/strict";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../../stacks/paths";
import { UsageError } from "../../cli/usage";
import { lazy } from "../../cli/lazy";
import { main, proposeVaultName } from "../../stacks/new";
import { newStackProject, stackConfig } from "../support/new-stack";
import { scriptedPrompts } from "../support/prompter";

/** A scratch project with the fixture Pulumi.yaml and, optionally, the fixture prod stack. */
const project = (withProd = false) => (withProd ? newStackProject("prod") : newStackProject());

async function run(args: string[], options: Parameters<typeof main>[1] = {}): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await main(args, { interactive: false, log: (l) => out.push(l), ...options });
    return { code, out };
}

const config = stackConfig;

describe("npm run new-stack", () => {
    it("writes a dev stack from flags alone (--yes), proposing a vault name and printing the next commands", async () => {
        const dir = project();
        const { code, out } = await run([
            "dev-eastus2",
            "--yes",
            "--environment",
            "dev",
            "--region",
            "eastus2",
            "--admin-group",
            "platform-admins",
            "--no-plan",
            "--root",
            dir,
        ]);
        assert.equal(code, 0);
        const vault = proposeVaultName("ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet", "dev");
        assert.match(vault, /^kv-[a-z0-9]{1,6}-dev-[0-9a-f]{5}$/);
        assert.ok(vault.length <= 24, "Key Vault names are 3-24 characters");
        assert.deepEqual(config(dir, "dev-eastus2"), {
            "aks-gitops:environment": "dev",
            "aks-gitops:location": "eastus2",
            "aks-gitops:clusterName": "dev-eastus2",
            "aks-gitops:aks": { adminGroups: ["platform-admins"] },
            "aks-gitops:sops": { vaultName: vault },
        });
        const text = readFileSync(join(dir, "Pulumi.dev-eastus2.yaml"), "utf8");
        assert.match(text, /^# dev-eastus2: written by npm run new-stack\./);
        assert.doesNotMatch(text, /gitSshPrivateKey:|secure:/, "never a secret");
        assert.ok(
            out.includes(
                "  pulumi config set --secret gitSshPrivateKey --stack dev-eastus2 < ~/.ssh/fleet-deploy-key   # the fleet repo's read-only deploy key; never committed",
            ),
        );
        assert.ok(
            out.includes(
                "  npm run preflight -- --stack dev-eastus2          # asks your subscription: versions, sizes, quota, names, permissions",
            ),
        );
        assert.ok(out.some((l) => l.startsWith(`vault name: ${vault} (Key Vault names are global DNS names`)));
    });

    it("uses the environment's existing key when another stack owns its vault, and says what the owner's firewall needs", async () => {
        const dir = project(true);
        const { code, out } = await run([
            "prod-eastus2",
            "--yes",
            "--environment",
            "prod",
            "--region",
            "eastus2",
            "--api-range",
            "198.51.100.0/26",
            "--use-key-of",
            "prod",
            "--no-plan",
            "--root",
            dir,
        ]);
        assert.equal(code, 0);
        assert.deepEqual(config(dir, "prod-eastus2")["aks-gitops:sops"], {
            existingKeyId:
                "/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod",
        });
        assert.ok(
            out.includes(
                "  /resourceGroups/rg-aks-prod-eastus2/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-eastus2",
            ),
        );
    });

    it("reads the owner's firewall from its profile: staging's vault denies by default too", async () => {
        const dir = project();
        copyFileSync(join(PROJECT_DIR, "Pulumi.staging.yaml"), join(dir, "Pulumi.staging.yaml"));
        const { code, out } = await run([
            "staging-eastus2",
            "--yes",
            "--environment",
            "staging",
            "--region",
            "eastus2",
            "--use-key-of",
            "staging",
            "--no-plan",
            "--root",
            dir,
        ]);
        assert.equal(code, 0);
        assert.deepEqual(config(dir, "staging-eastus2")["aks-gitops:sops"], {
            existingKeyId:
                "/resourceGroups/rg-sops-staging/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-staging/keys/sops-staging",
        });
        assert.ok(
            out.includes("staging's vault firewall must admit this cluster: add to its sops.admitEgressPrefixIds"),
        );
    });

    it("writes a DR stack on standby with --standby", async () => {
        const dir = project(true);
        const { code } = await run([
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
            "--root",
            dir,
        ]);
        assert.equal(code, 0);
        assert.equal(config(dir, "prod-francecentral")["aks-gitops:standby"], true);
    });

    it("reports every invalid answer at once, naming the config key, and writes nothing", async () => {
        const dir = project();
        await assert.rejects(
            run([
                "prod-x",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "West Europe",
                "--vault-range",
                "10.0.0.0/8",
                "--no-plan",
                "--root",
                dir,
            ]),
            (e: Error) =>
                e.name === "ConfigError" &&
                /aks-gitops:location: must be an Azure region name/.test(e.message) &&
                /aks-gitops:sops\.allowedIpRanges\[0\]: must be a public address range/.test(e.message) &&
                /aks-gitops:aks\.apiServer: must be restricted in prod/.test(e.message),
        );
        assert.equal(existsSync(join(dir, "Pulumi.prod-x.yaml")), false);
    });

    it("lists what --yes is missing, refuses to overwrite without --force, and rejects a bad stack name", async () => {
        const dir = project();
        await assert.rejects(run(["dev-a", "--yes", "--root", dir]), {
            name: "UsageError",
            message: "missing answers for --yes: --environment, --region",
        });
        writeFileSync(join(dir, "Pulumi.dev-a.yaml"), "config: {}\n");
        await assert.rejects(run(["dev-a", "--yes", "--root", dir]), {
            message: `${join(dir, "Pulumi.dev-a.yaml")} exists; pass --force to overwrite it`,
        });
        const forced = await run([
            "dev-a",
            "--yes",
            "--force",
            "--environment",
            "dev",
            "--region",
            "westus3",
            "--no-plan",
            "--root",
            dir,
        ]);
        assert.equal(forced.code, 0);
        await assert.rejects(run(["dev a", "--yes"]), UsageError);
    });

    it("stores the fleet repo for every stack in Pulumi.yaml with --save-org, keeping its comments", async () => {
        const dir = project();
        const { code } = await run([
            "dev-b",
            "--yes",
            "--environment",
            "dev",
            "--region",
            "westus3",
            "--fleet-url",
            "https://github.com/acme/fleet",
            "--save-org",
            "--no-plan",
            "--root",
            dir,
        ]);
        assert.equal(code, 0);
        const pulumiYaml = readFileSync(join(dir, "Pulumi.yaml"), "utf8");
        assert.match(pulumiYaml, /# Project-level configuration/);
        assert.deepEqual(
            (parse(pulumiYaml) as { config: { org: { value: { fleet: unknown } } } }).config.org.value.fleet,
            { url: "https://github.com/acme/fleet", branch: "main" },
        );
        assert.equal(config(dir, "dev-b")["aks-gitops:flux"], undefined, "the stack inherits the fleet repo");
    });

    it("writes a stack that plans with no mandatory finding, and runs that plan", async function () {
        this.timeout(60_000);
        // A copy of the project, not this one: other test files read this project's stacks at the same time.
        const dir = project();
        const { code, out } = await run([
            "prod-testnewstack",
            "--yes",
            "--environment",
            "prod",
            "--region",
            "swedencentral",
            "--api-range",
            "203.0.113.0/28",
            "--vault-range",
            "203.0.113.0/28",
            "--root",
            dir,
        ]);
        assert.equal(code, 0, out.join("\n"));
        assert.ok(
            out.some((l) =>
                /^offline plan: \d+ Azure resources, ~[\d.]+ min from scratch; policy: 0 mandatory, \d+ advisory \(npm run plan -- --stack prod-testnewstack\)$/.test(
                    l,
                ),
            ),
            out.join("\n"),
        );
        // The figures are the plan's own: its custom resources (components are not Azure resources) and its findings.
        const { planWithActivation } = lazy.planCli();
        const plan = await planWithActivation("prod-testnewstack", dir);
        const custom = plan.resources.filter((r) => r.custom).length;
        assert.ok(custom < plan.resources.length);
        assert.ok(
            out.includes(
                `offline plan: ${custom} Azure resources, ~${plan.criticalPath.estimatedMinutes} min from scratch; policy: 0 mandatory, ${plan.policy.length} advisory (npm run plan -- --stack prod-testnewstack)`,
            ),
            out.join("\n"),
        );
    });

    describe("interactively", () => {
        it("asks only what has no good default, offering the proposals, and writes the answers", async () => {
            const dir = project(true);
            // environment, region, cluster (default), fleet url (org default), branch (default), prod's vault: own a
            // new one, admins, encryptors, API ranges, vault ranges, emails (org has receivers: not asked), vault name
            // (proposal), store the fleet repo in Pulumi.yaml? (not asked: unchanged)
            const script = scriptedPrompts([
                "prod",
                "uksouth",
                "",
                "",
                "",
                "own",
                "aks-uk-admins",
                "",
                "198.51.100.0/26",
                "198.51.100.0/26",
                "",
            ]);
            const { code, out } = await run(["prod-uksouth", "--no-plan", "--root", dir], {
                interactive: true,
                prompter: script.prompter,
            });
            assert.equal(code, 0);
            const written = config(dir, "prod-uksouth");
            assert.equal(written["aks-gitops:clusterName"], "prod-uksouth", "the proposed cluster name");
            assert.deepEqual(written["aks-gitops:aks"], {
                adminGroups: ["aks-uk-admins"],
                apiServer: { authorizedIpRanges: ["198.51.100.0/26"] },
            });
            assert.deepEqual(written["aks-gitops:sops"], {
                vaultName: proposeVaultName("ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet", "prod"),
                allowedIpRanges: ["198.51.100.0/26"],
            });
            assert.match(script.screens[0], /Environment/);
            assert.match(
                script.screens[3],
                /Fleet repo URL .*ssh:\/\/git@ssh\.dev\.azure\.com\/v3\/contoso\/platform\/fleet/s,
                "offers the org's fleet repo",
            );
            assert.match(
                script.screens[5],
                /prod already has a SOPS vault: stack prod \(Pulumi\.prod\.yaml\) owns kv-contoso-sops-prod\. This cluster:/,
            );
            assert.match(script.screens[5], /uses stack prod's key/);
            assert.ok(
                out.some((l) =>
                    l.startsWith("sops: prod-uksouth owns a new prod vault beside stack prod's kv-contoso-sops-prod"),
                ),
                out.join("\n"),
            );
            assert.deepEqual(script.refused, []);
        });

        it("checks each answer at its question: a wrong one is refused there with the rule's message and asked again", async () => {
            const dir = project(true);
            const script = scriptedPrompts([
                "prod",
                ["westeurop", "West Europe", "westeurope"],
                // prod-westeurope is the committed prod stack's cluster
                ["dev-x", "", "prod-weu2"],
                ["git@github.com:acme/fleet.git", "ssh://git@ssh.dev.azure.com/v3/acme/platform/fleet"],
                "",
                "join",
                "n",
                "",
                ["", "198.51.100.0/26, 198.51.100.0/33", "198.51.100.0/26"],
                "n",
            ]);
            const { code } = await run(["prod-weu2", "--no-plan", "--root", dir], {
                interactive: true,
                prompter: script.prompter,
            });
            assert.equal(code, 0);
            const [typo, display, otherEnvironment, twin, scpLike, unrestricted, badRange] = script.refused;
            assert.match(typo, /aks-gitops:location: is not an Azure region; did you mean "westeurope"\?/);
            assert.match(display, /aks-gitops:location: must be an Azure region name in lowercase without spaces/);
            assert.match(otherEnvironment, /aks-gitops:clusterName: must start with "prod-"/);
            assert.match(twin, /cluster prod-westeurope is already stack prod's \(Pulumi\.prod\.yaml\)/);
            assert.match(scpLike, /aks-gitops:flux\.git\.url: must be an ssh:\/\/ or https:\/\/ URL/);
            assert.match(unrestricted, /aks-gitops:aks\.apiServer: must be restricted in prod/);
            assert.match(badRange, /aks-gitops:aks\.apiServer\.authorizedIpRanges\[1\]: /);
            assert.equal(script.refused.length, 7);
            assert.equal(config(dir, "prod-weu2")["aks-gitops:location"], "westeurope");
        });

        it("asks for an ssh host's keys, offering GitHub's published ones, and writes them for Flux", async () => {
            const dir = project();
            // environment, region, cluster, fleet url, branch, known hosts (empty: GitHub's), admins, encryptors,
            // vault name, store the fleet repo in Pulumi.yaml? no
            const script = scriptedPrompts([
                "dev",
                "",
                "",
                "ssh://git@github.com/acme/fleet.git",
                "",
                "",
                "",
                "",
                "",
                "n",
            ]);
            const { code } = await run(["dev-gh", "--no-plan", "--root", dir], {
                interactive: true,
                prompter: script.prompter,
            });
            assert.equal(code, 0);
            assert.match(
                script.screens[5],
                /SSH host keys of github\.com: a known_hosts file or line \(empty: GitHub's published keys SHA256:\+DiY3wvvV6TuJJhbpZisF\/zLDA0zPMSvHdkr4UvCOqU \(ssh-ed25519\)/,
            );
            const git = (config(dir, "dev-gh")["aks-gitops:flux"] as { git: { knownHosts: string } }).git;
            assert.equal(git.knownHosts.split("\n").length, 3);
            assert.ok(
                git.knownHosts.startsWith(
                    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
                ),
            );
        });

        it("requires an unknown ssh host's keys at their question, refusing lines for another host", async () => {
            const dir = project();
            const key = "AAAAC3NzaC1lZDI1NTE5AAAAIEjxu+1nxM5xRsRr2giroyZGPVZDa3uWdek6+irIynPf";
            const file = join(dir, "fleet_known_hosts");
            writeFileSync(file, `[git.acme.example]:2222 ssh-ed25519 ${key}\n`);
            const script = scriptedPrompts([
                "dev",
                "",
                "",
                "ssh://git@git.acme.example:2222/platform/fleet.git",
                "",
                ["", `git.acme.example ssh-ed25519 ${key}`, file],
                "",
                "",
                "",
                "n",
            ]);
            const { code } = await run(["dev-acme", "--no-plan", "--root", dir], {
                interactive: true,
                prompter: script.prompter,
            });
            assert.equal(code, 0);
            assert.match(
                script.screens[5],
                /SSH host keys of \[git\.acme\.example\]:2222: a known_hosts file or line \(ssh-keyscan -p 2222 git\.acme\.example, then compare the fingerprints with the server's\)/,
            );
            assert.match(script.refused[0], /required: Flux connects only to a host whose key it knows/);
            assert.match(script.refused[1], /no line is for \[git\.acme\.example\]:2222 \(the fleet repo's SSH host\)/);
            assert.equal(
                (config(dir, "dev-acme")["aks-gitops:flux"] as { git: { knownHosts: string } }).git.knownHosts,
                `[git.acme.example]:2222 ssh-ed25519 ${key}`,
            );
        });
    });
});
