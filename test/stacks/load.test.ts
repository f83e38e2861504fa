import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, validateStackConfig } from "../../stacks/load";
import { findCycle } from "../../stacks/schema";
import { loadStackFile } from "../../stacks/files";
import { PROJECT_DIR } from "../../stacks/paths";
import { runProgram } from "../../offline/program";
import { baseConfig, ConfigObject, stackInput, withConfig } from "../support/stacks";

function problems(config: ConfigObject, secrets: Record<string, boolean> = { gitSshPrivateKey: true }): string[] {
    try {
        validateStackConfig(config, secrets);
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${(e as Error).name}: ${(e as Error).message}`);
        return e.message
            .split("\n")
            .slice(1)
            .map((l) => l.trim().replace(/^- /, ""));
    }
    return [];
}

function assertRejected(
    config: ConfigObject,
    key: string,
    fragment: RegExp | string,
    secrets?: Record<string, boolean>,
): void {
    const found = problems(config, secrets);
    const match = found.find(
        (p) => p.startsWith(`${key}:`) && (typeof fragment === "string" ? p.includes(fragment) : fragment.test(p)),
    );
    assert.ok(match, `expected a problem for ${key} matching ${fragment}; got:\n${found.join("\n")}`);
}

describe("stack configuration", () => {
    it("accepts the minimal dev and prod configs and fills in the environment profiles", () => {
        const dev = validateStackConfig(baseConfig("dev"), { gitSshPrivateKey: true });
        const prod = validateStackConfig(baseConfig("prod"), { gitSshPrivateKey: true });
        assert.equal(dev.aks.skuTier, "Free", "dev profile keeps the Free tier");
        assert.equal(prod.aks.skuTier, "Standard", "prod profile uses the SLA-backed Standard tier");
        assert.deepEqual(prod.aks.systemPool.availabilityZones, ["1", "2", "3"]);
        assert.deepEqual(dev.aks.systemPool.availabilityZones, []);
        assert.equal(prod.sops.softDeleteRetentionDays, 90);
        assert.equal(dev.sops.softDeleteRetentionDays, 7);
        assert.equal(prod.flux.extensionVersion, "1.24.1", "prod pins the Flux extension");
        assert.equal(dev.flux.extensionVersion, null, "dev follows the release train");
        assert.equal(prod.flux.kustomizations.cluster.prune, true, "kustomizations prune by default");
    });

    it("lets a stack override a profile value without losing the rest of the profile", () => {
        const c = validateStackConfig(withConfig(baseConfig("prod"), { aks: { systemPool: { maxCount: 9 } } }), {
            gitSshPrivateKey: true,
        });
        assert.equal(c.aks.systemPool.maxCount, 9);
        assert.equal(c.aks.systemPool.minCount, 3);
        assert.equal(c.aks.systemPool.vmSize, "Standard_D4ds_v5");
    });

    const cases: [string, ConfigObject, string, RegExp | string][] = [
        ["environment", { environment: "qa" }, "aks-gitops:environment", '"dev", "staging", "prod"'],
        ["location", { location: "West Europe" }, "aks-gitops:location", "lowercase"],
        ["cluster name", { clusterName: "Prod_WestEurope" }, "aks-gitops:clusterName", "lowercase"],
        ["cluster name prefix", { clusterName: "westeurope-1" }, "aks-gitops:clusterName", 'start with "dev-"'],
        [
            "vault name too long",
            { sops: { vaultName: "kv-this-name-is-far-too-long" } },
            "aks-gitops:sops.vaultName",
            "3-24",
        ],
        [
            "vault name starting with a digit",
            { sops: { vaultName: "1kv-sops" } },
            "aks-gitops:sops.vaultName",
            "start with a letter",
        ],
        [
            "vault name with consecutive hyphens",
            { sops: { vaultName: "kv--sops" } },
            "aks-gitops:sops.vaultName",
            "consecutive hyphens",
        ],
        ["key size", { sops: { keySize: 2048 } }, "aks-gitops:sops.keySize", "3072 or 4096"],
        [
            "kubernetes version",
            { aks: { kubernetesVersion: "latest" } },
            "aks-gitops:aks.kubernetesVersion",
            'minor version such as "1.34"',
        ],
        // A pinned patch disappears from AKS within months and would break the next rebuild.
        [
            "pinned kubernetes patch",
            { aks: { kubernetesVersion: "1.35.2" } },
            "aks-gitops:aks.kubernetesVersion",
            "AKS picks its newest patch",
        ],
        [
            "long-term support without Premium",
            { aks: { supportPlan: "AKSLongTermSupport" } },
            "aks-gitops:aks.supportPlan",
            'needs aks.skuTier "Premium"',
        ],
        [
            "Premium tier without long-term support",
            { aks: { skuTier: "Premium" } },
            "aks-gitops:aks.skuTier",
            'set aks.supportPlan "AKSLongTermSupport" too',
        ],
        ["support plan", { aks: { supportPlan: "Extended" } }, "aks-gitops:aks.supportPlan", '"AKSLongTermSupport"'],
        ["standby flag", { standby: "maybe" }, "aks-gitops:standby", "boolean"],
        [
            "min > max",
            { aks: { userPool: { minCount: 6, maxCount: 2 } } },
            "aks-gitops:aks.userPool.minCount",
            "<= maxCount",
        ],
        ["maxPods below 50", { aks: { systemPool: { maxPods: 30 } } }, "aks-gitops:aks.systemPool.maxPods", ">= 50"],
        ["pod CIDR", { aks: { network: { podCidr: "10.244.0.0/33" } } }, "aks-gitops:aks.network.podCidr", "IPv4 CIDR"],
        [
            "CIDR with host bits",
            { aks: { network: { podCidr: "10.244.1.0/16" } } },
            "aks-gitops:aks.network.podCidr",
            "no host bits",
        ],
        [
            "overlapping CIDRs",
            { aks: { network: { serviceCidr: "10.244.0.0/20", dnsServiceIp: "10.244.0.10" } } },
            "aks-gitops:aks.network.serviceCidr",
            "overlap",
        ],
        [
            "DNS IP outside the service CIDR",
            { aks: { network: { dnsServiceIp: "10.1.0.10" } } },
            "aks-gitops:aks.network.dnsServiceIp",
            "inside serviceCidr",
        ],
        [
            "authorized range",
            { aks: { apiServer: { authorizedIpRanges: ["not-a-cidr"] } } },
            "aks-gitops:aks.apiServer.authorizedIpRanges[0]",
            "CIDR",
        ],
        [
            "private cluster with ranges",
            { aks: { apiServer: { privateCluster: true, authorizedIpRanges: ["198.51.100.0/26"] } } },
            "aks-gitops:aks.apiServer.authorizedIpRanges",
            "privateCluster",
        ],
        [
            "git URL scheme",
            { flux: { git: { url: "http://example.com/fleet.git" } } },
            "aks-gitops:flux.git.url",
            "ssh:// or https://",
        ],
        [
            "scp-like git URL",
            { flux: { git: { url: "git@ssh.dev.azure.com:v3/contoso/platform/fleet" } } },
            "aks-gitops:flux.git.url",
            "scp-like",
        ],
        [
            "credentials in the URL",
            { flux: { git: { url: "https://user:pat@dev.azure.com/contoso/platform/_git/fleet" } } },
            "aks-gitops:flux.git.url",
            "must not embed credentials",
        ],
        [
            "unknown ssh host without known hosts",
            { flux: { git: { url: "ssh://git@git.example.com/fleet.git" } } },
            "aks-gitops:flux.git.knownHosts",
            "git.example.com",
        ],
        [
            "absolute kustomization path",
            { flux: { kustomizations: { cluster: { path: "/etc/passwd" } } } },
            "aks-gitops:flux.kustomizations.cluster.path",
            '"./"-relative',
        ],
        [
            "path traversal",
            { flux: { kustomizations: { cluster: { path: "./clusters/../../secrets" } } } },
            "aks-gitops:flux.kustomizations.cluster.path",
            '".."',
        ],
        [
            "dependsOn an unknown kustomization",
            { flux: { kustomizations: { apps: { path: "./apps", dependsOn: ["infra"] } } } },
            "aks-gitops:flux.kustomizations.apps.dependsOn[0]",
            'unknown kustomization "infra"',
        ],
        [
            "dependency cycle",
            {
                flux: {
                    kustomizations: { a: { path: "./a", dependsOn: ["b"] }, b: { path: "./b", dependsOn: ["a"] } },
                },
            },
            "aks-gitops:flux.kustomizations.a.dependsOn",
            "cycle: a -> b -> a",
        ],
        ["misspelled key", { aks: { sytemPool: {} } }, "aks-gitops:aks", 'unknown key "sytemPool"'],
        ["unknown top-level key", { clustername: "x" }, "aks-gitops", 'unknown key "clustername"'],
        [
            "wrong type",
            { aks: { systemPool: { maxCount: "five" } } },
            "aks-gitops:aks.systemPool.maxCount",
            "must be a number",
        ],
        [
            "key expiry below 28 days",
            { sops: { rotation: { expireAfter: "P14D", rotateAfter: "P7D" } } },
            "aks-gitops:sops.rotation.expireAfter",
            "at least 28 days",
        ],
        [
            "rotation too close to expiry",
            { sops: { rotation: { rotateAfter: "P2Y" } } },
            "aks-gitops:sops.rotation.rotateAfter",
            "7 days before expireAfter",
        ],
        [
            "rotation duration syntax",
            { sops: { rotation: { rotateAfter: "18 months" } } },
            "aks-gitops:sops.rotation.rotateAfter",
            "ISO 8601",
        ],
        [
            "HSM key in a standard vault",
            { sops: { keyType: "RSA-HSM", skuName: "standard" } },
            "aks-gitops:sops.keyType",
            "premium",
        ],
        [
            "private operator range on the vault",
            { sops: { allowedIpRanges: ["10.1.0.0/16"] } },
            "aks-gitops:sops.allowedIpRanges[0]",
            "public address range",
        ],
        [
            "egress with both a length and an id",
            {
                aks: {
                    network: {
                        egress: {
                            publicIpPrefixLength: 31,
                            publicIpPrefixId:
                                "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/p",
                        },
                    },
                },
            },
            "aks-gitops:aks.network.egress",
            "exactly one",
        ],
        [
            "egress prefix id of another type",
            {
                aks: {
                    network: {
                        egress: {
                            publicIpPrefixId:
                                "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/p",
                        },
                    },
                },
            },
            "aks-gitops:aks.network.egress.publicIpPrefixId",
            "public IP prefix",
        ],
        [
            "maintenance window too short",
            { aks: { maintenance: { nodeOs: { durationHours: 2 } } } },
            "aks-gitops:aks.maintenance.nodeOs.durationHours",
            ">= 4",
        ],
        [
            "maintenance start time",
            { aks: { maintenance: { autoUpgrade: { startTime: "25:00" } } } },
            "aks-gitops:aks.maintenance.autoUpgrade.startTime",
            "HH:MM",
        ],
        [
            "vault name and existing key together",
            { sops: { existingKeyId: "/resourceGroups/rg-sops-dev/providers/Microsoft.KeyVault/vaults/kv-x/keys/k" } },
            "aks-gitops:sops.existingKeyId",
            "cannot be combined with vaultName",
        ],
        [
            "existing key id of another type",
            {
                sops: {
                    vaultName: undefined,
                    existingKeyId: "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x/secrets/k",
                },
            },
            "aks-gitops:sops.existingKeyId",
            "Key Vault key id",
        ],
        [
            "adopt without owning the vault",
            {
                sops: {
                    vaultName: undefined,
                    adopt: true,
                    existingKeyId: "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x/keys/k",
                },
            },
            "aks-gitops:sops.adopt",
            "only applies",
        ],
        [
            "admitted egress prefix that is not a prefix id",
            {
                sops: {
                    admitEgressPrefixIds: ["/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip"],
                },
            },
            "aks-gitops:sops.admitEgressPrefixIds[0]",
            "public IP prefix",
        ],
        ["fleet app name", { fleet: { apps: ["My Service"] } }, "aks-gitops:fleet.apps[0]", "DNS label"],
        [
            "render directory escaping the project",
            { fleet: { renderDirectory: "../elsewhere" } },
            "aks-gitops:fleet.renderDirectory",
            "relative directory",
        ],
        [
            "Flux configuration that skips the cluster's own directory",
            { flux: { kustomizations: { cluster: { path: "./clusters/other" } } } },
            "aks-gitops:flux.kustomizations",
            '"./clusters/dev-westeurope"',
        ],
    ];
    for (const [what, overrides, key, fragment] of cases) {
        it(`rejects a bad ${what}, naming ${key}`, () =>
            assertRejected(withConfig(baseConfig("dev"), overrides), key, fragment));
    }

    it("holds prod to its invariants: restricted API server, purge protection, 90-day retention, 3 system nodes", () => {
        const config = withConfig(baseConfig("prod"), {
            aks: { apiServer: { authorizedIpRanges: [] }, systemPool: { minCount: 1 } },
            sops: { purgeProtection: false, softDeleteRetentionDays: 30 },
        });
        assertRejected(config, "aks-gitops:aks.apiServer", "must be restricted in prod");
        assertRejected(config, "aks-gitops:sops.purgeProtection", "cannot be false in prod");
        assertRejected(config, "aks-gitops:sops.softDeleteRetentionDays", "must be 90 in prod");
        assertRejected(config, "aks-gitops:aks.systemPool.minCount", "at least 3 in prod");
    });

    it("allows dev what prod forbids", () => {
        const config = withConfig(baseConfig("dev"), { sops: { purgeProtection: false, softDeleteRetentionDays: 7 } });
        assert.deepEqual(problems(config), []);
    });

    it("accepts a private prod cluster instead of authorized ranges", () => {
        const config = withConfig(baseConfig("prod"), {
            aks: { apiServer: { authorizedIpRanges: [], privateCluster: true } },
        });
        assert.deepEqual(problems(config), []);
    });

    it("requires the SSH deploy key for an ssh:// fleet URL and refuses keys that do not apply", () => {
        assertRejected(baseConfig("dev"), "aks-gitops:gitSshPrivateKey", "is required", {});
        const https = withConfig(baseConfig("dev"), {
            flux: { git: { url: "https://dev.azure.com/contoso/platform/_git/fleet" } },
        });
        assertRejected(https, "aks-gitops:gitSshPrivateKey", "only applies to ssh://", { gitSshPrivateKey: true });
    });

    it("reports every problem at once, not just the first", () => {
        const found = problems(
            withConfig(baseConfig("prod"), {
                location: "West Europe",
                sops: { keySize: 1024 },
                aks: { skuTier: "Gold" },
            }),
        );
        for (const key of ["aks-gitops:location", "aks-gitops:sops.keySize", "aks-gitops:aks.skuTier"]) {
            assert.ok(
                found.some((p) => p.startsWith(`${key}:`)),
                `${key} missing from:\n${found.join("\n")}`,
            );
        }
    });

    it("finds dependency cycles and nothing else", () => {
        assert.deepEqual(findCycle({ a: ["b"], b: ["c"], c: ["a"] }), ["a", "b", "c", "a"]);
        assert.equal(findCycle({ a: ["b"], b: ["c"], c: [] }), undefined);
    });

    it("stops the program before any resource is registered", async () => {
        const c = await runProgram(stackInput(withConfig(baseConfig("prod"), { sops: { purgeProtection: false } })), {
            allowFailure: true,
        });
        assert.ok(
            c.error instanceof ConfigError,
            "a config mistake surfaces as ConfigError (a RunError: no stack trace)",
        );
        assert.match((c.error as Error).message, /aks-gitops:sops\.purgeProtection/);
        assert.equal(c.resources.length, 0, "nothing may be half-created");
    });

    describe("a stack file that holds a credential", () => {
        // A project copy with one extra stack, written as a careless commit would write it.
        const withStack = (text: string, projectConfig = ""): string => {
            const dir = mkdtempSync(join(tmpdir(), "aks-gitops-creds-"));
            writeFileSync(
                join(dir, "Pulumi.yaml"),
                readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8").replace(
                    /^config:\n/m,
                    `config:\n${projectConfig}`,
                ),
            );
            writeFileSync(
                join(dir, "Pulumi.leaky.yaml"),
                readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8") + text,
            );
            return dir;
        };

        it("is refused when a git credential is set in clear text, naming the file, the key and the command", () => {
            for (const key of ["gitSshPrivateKey", "gitHttpsPassword"]) {
                const dir = withStack(`  aks-gitops:${key}: hunter2\n`);
                assert.throws(
                    () => loadStackFile("leaky", dir),
                    (e: Error) =>
                        e.name === "ConfigFileError" &&
                        e.message.includes(`${join(dir, "Pulumi.leaky.yaml")}: aks-gitops:${key} is in clear text`) &&
                        e.message.includes(`pulumi config set --secret ${key}`),
                );
            }
        });

        it("is refused when a private key block sits anywhere in it, comments included, naming the line", () => {
            const dir = withStack("# old deploy key, do not use:\n# -----BEGIN OPENSSH PRIVATE KEY-----\n");
            const lines = readFileSync(join(dir, "Pulumi.leaky.yaml"), "utf8").split("\n").length - 1;
            assert.throws(
                () => loadStackFile("leaky", dir),
                new RegExp(`Pulumi\\.leaky\\.yaml:${lines} holds a private key`),
            );
        });

        it("is refused when Pulumi.yaml's project config holds one (project config is never encrypted)", () => {
            const dir = withStack("", "  gitHttpsPassword: hunter2\n");
            assert.throws(
                () => loadStackFile("leaky", dir),
                /Pulumi\.yaml: aks-gitops:gitHttpsPassword is in clear text/,
            );
        });

        it("is read when the credential is encrypted (secure:) and when only a comment names the key, as new-stack's header does", () => {
            const dir = withStack(
                "  aks-gitops:gitSshPrivateKey:\n    secure: v1:AAAABBBB\n# set it with: pulumi config set --secret gitSshPrivateKey < deploy-key\n",
            );
            const input = loadStackFile("leaky", dir);
            assert.deepEqual(input.secretKeys, ["aks-gitops:gitSshPrivateKey"]);
        });
    });
});
