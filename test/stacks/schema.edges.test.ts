// The edges of each pattern and rule in stacks/schema.ts: values just inside (accepted: expected []) and just outside
// (a prefix or suffix on an anchored pattern, a boundary of a duration rule, a value of the wrong type where a rule
// reads the raw config). Each case changes one setting of a valid stack (test/support/stacks.ts baseConfig).
import * as assert from "node:assert/strict";
import { settingsFrom, validateStackConfig } from "../../stacks/load";
import { findCycle, isGuid } from "../../stacks/schema";
import { baseConfig, ConfigObject, refusals, stackInput, TEST_SSH_KEY, withConfig } from "../support/stacks";

interface Case {
    name: string;
    env: "dev" | "prod";
    config: ConfigObject;
    expected: string[];
}

const rot = (rotateAfter: string, expireAfter: string, notifyBefore: string) => ({
    sops: { rotation: { rotateAfter, expireAfter, notifyBefore } },
});
const kz = (n: number) =>
    Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
            i === 0 ? "cluster" : `k${i}`,
            { path: i === 0 ? "./clusters/dev-westeurope" : `./k${i}` },
        ]),
    );

const CASES: Case[] = [
    // Both notification providers Flux is given (fleet/layout.ts renders each).
    ...(["msteams", "generic"] as const).map((provider) => ({
        name: `notifications provider ${provider}`,
        env: "dev" as const,
        config: {
            fleet: { notifications: { enabled: true, provider } },
            flux: { controllers: { notification: true } },
        },
        expected: [],
    })),
    // admitExistingOnly arrives as text from \`pulumi config set\` and the rollout: "true" and "false" are booleans.
    ...["true", "false", true, false].map((admitExistingOnly) => ({
        name: `admitExistingOnly ${JSON.stringify(admitExistingOnly)}`,
        env: "prod" as const,
        config: { admitExistingOnly },
        expected: [],
    })),
    {
        name: "admitExistingOnly neither a boolean nor a list of prefix ids",
        env: "prod",
        config: { admitExistingOnly: "yes" },
        expected: [
            "aks-gitops:admitExistingOnly: must be true, false, or a list of public IP prefix ids from sops.admitEgressPrefixIds",
        ],
    },
    {
        name: "rg name with dots and parentheses",
        env: "dev",
        config: { resourceGroupName: "rg-aks.dev(1)" },
        expected: [],
    },
    {
        name: "key name",
        env: "dev",
        config: { sops: { keyName: "sops-dev-key" } },
        expected: [],
    },
    {
        name: "existing key id in lower case",
        env: "dev",
        config: {
            sops: {
                vaultName: undefined,
                encryptorGroups: undefined,
                existingKeyId: "/resourcegroups/rg-sops-dev/providers/microsoft.keyvault/vaults/kv-x/keys/sops-dev",
            },
        },
        expected: [],
    },
    {
        name: "rotation in years",
        env: "dev",
        config: rot("P10Y", "P11Y", "P30D"),
        expected: [],
    },
    {
        name: "rotation in weeks",
        env: "dev",
        config: rot("P12W", "P2Y", "P4W"),
        expected: [],
    },
    {
        name: "expiry of exactly 28 days",
        env: "dev",
        config: rot("P7D", "P28D", "P1D"),
        expected: [],
    },
    {
        name: "rotation exactly 7 days before expiry",
        env: "dev",
        config: rot("P21D", "P28D", "P1D"),
        expected: [],
    },
    {
        name: "weeks count 7 days",
        env: "dev",
        config: rot("P4W", "P30D", "P7D"),
        expected: ["aks-gitops:sops.rotation.rotateAfter: must be at least 7 days before expireAfter (P30D)"],
    },
    {
        name: "notify 0 days",
        env: "dev",
        config: rot("P30D", "P1Y", "P0D"),
        expected: ["aks-gitops:sops.rotation.notifyBefore: must be between 1 day and expireAfter (P1Y)"],
    },
    {
        name: "duration P alone",
        env: "dev",
        config: rot("P", "P1Y", "P30D"),
        expected: [
            'aks-gitops:sops.rotation.rotateAfter: must be an ISO 8601 duration in years, months, weeks or days, e.g. "P18M" or "P30D"',
        ],
    },
    {
        name: "duration with a prefix",
        env: "dev",
        config: rot("xP30D", "P1Y", "P30D"),
        expected: [
            'aks-gitops:sops.rotation.rotateAfter: must be an ISO 8601 duration in years, months, weeks or days, e.g. "P18M" or "P30D"',
        ],
    },
    {
        name: "duration with a suffix",
        env: "dev",
        config: rot("P30Dx", "P1Y", "P30D"),
        expected: [
            'aks-gitops:sops.rotation.rotateAfter: must be an ISO 8601 duration in years, months, weeks or days, e.g. "P18M" or "P30D"',
        ],
    },
    {
        name: "pool os disk and sku",
        env: "dev",
        config: { aks: { systemPool: { osDiskType: "Managed", osSku: "Ubuntu" } } },
        expected: [],
    },
    {
        name: "channels",
        env: "dev",
        config: {
            aks: {
                upgradeChannel: "stable",
                nodeOsUpgradeChannel: "SecurityPatch",
                network: { networkPolicy: "azure" },
            },
        },
        expected: [],
    },
    {
        name: "more channels",
        env: "dev",
        config: { aks: { upgradeChannel: "node-image", nodeOsUpgradeChannel: "Unmanaged" } },
        expected: [],
    },
    {
        name: "no node os channel",
        env: "dev",
        config: { aks: { nodeOsUpgradeChannel: "None" } },
        expected: [],
    },
    {
        name: "cluster name ending in a hyphen",
        env: "dev",
        config: {
            clusterName: "dev-westeurope-",
            flux: { kustomizations: { cluster: { path: "./clusters/dev-westeurope-" } } },
        },
        expected: [
            "aks-gitops:clusterName: must be 3-40 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
        ],
    },
    {
        name: "start time with a prefix",
        env: "dev",
        config: { aks: { maintenance: { autoUpgrade: { startTime: "x10:00" } } } },
        expected: ['aks-gitops:aks.maintenance.autoUpgrade.startTime: must be a 24-hour time "HH:MM"'],
    },
    {
        name: "start time with a suffix",
        env: "dev",
        config: { aks: { maintenance: { autoUpgrade: { startTime: "10:00x" } } } },
        expected: ['aks-gitops:aks.maintenance.autoUpgrade.startTime: must be a 24-hour time "HH:MM"'],
    },
    {
        name: "offset with a prefix",
        env: "dev",
        config: { aks: { maintenance: { nodeOs: { utcOffset: "x+01:00" } } } },
        expected: ['aks-gitops:aks.maintenance.nodeOs.utcOffset: must be an offset such as "+00:00" or "+01:00"'],
    },
    {
        name: "offset with a suffix",
        env: "dev",
        config: { aks: { maintenance: { nodeOs: { utcOffset: "+01:00x" } } } },
        expected: ['aks-gitops:aks.maintenance.nodeOs.utcOffset: must be an offset such as "+00:00" or "+01:00"'],
    },
    {
        name: "vm size with a prefix",
        env: "dev",
        config: { aks: { systemPool: { vmSize: "xStandard_D4ds_v5" } } },
        expected: ['aks-gitops:aks.systemPool.vmSize: must be an Azure VM size such as "Standard_D4ds_v5"'],
    },
    {
        name: "vm size with a suffix",
        env: "dev",
        config: { aks: { systemPool: { vmSize: "Standard_D4ds_v5 " } } },
        expected: ['aks-gitops:aks.systemPool.vmSize: must be an Azure VM size such as "Standard_D4ds_v5"'],
    },
    {
        name: "kubernetes version with a prefix",
        env: "dev",
        config: { aks: { kubernetesVersion: "v1.34" } },
        expected: [
            'aks-gitops:aks.kubernetesVersion: must be a Kubernetes minor version such as "1.34" (AKS picks its newest patch; leave it out for the region\'s default)',
        ],
    },
    {
        name: "receiver name with a suffix",
        env: "dev",
        config: { monitoring: { receivers: { emails: [{ name: "ops!", address: "ops@acme.io" }] } } },
        expected: [
            "aks-gitops:monitoring.receivers.emails[0].name: must be 1-64 letters, digits, spaces, '.', '_' or '-'",
        ],
    },
    {
        name: "durations for alerts",
        env: "dev",
        config: { monitoring: { notReadyFor: "PT5M", suspendedFor: "PT12H" } },
        expected: [],
    },
    {
        name: "notReadyFor with a prefix",
        env: "dev",
        config: { monitoring: { notReadyFor: "xPT10M" } },
        expected: ['aks-gitops:monitoring.notReadyFor: must be minutes in ISO 8601, e.g. "PT10M"'],
    },
    {
        name: "notReadyFor with a suffix",
        env: "dev",
        config: { monitoring: { notReadyFor: "PT10Mx" } },
        expected: ['aks-gitops:monitoring.notReadyFor: must be minutes in ISO 8601, e.g. "PT10M"'],
    },
    {
        name: "suspendedFor with a prefix",
        env: "dev",
        config: { monitoring: { suspendedFor: "xPT1H" } },
        expected: ['aks-gitops:monitoring.suspendedFor: must be ISO 8601 minutes or hours, e.g. "PT1H"'],
    },
    {
        name: "suspendedFor with a suffix",
        env: "dev",
        config: { monitoring: { suspendedFor: "PT1Hx" } },
        expected: ['aks-gitops:monitoring.suspendedFor: must be ISO 8601 minutes or hours, e.g. "PT1H"'],
    },
    {
        name: "configuration name ending in a hyphen",
        env: "dev",
        config: { flux: { configurationName: "flux-" } },
        expected: [
            "aks-gitops:flux.configurationName: must be 1-30 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
        ],
    },
    {
        name: "git url with a prefix",
        env: "dev",
        config: { flux: { git: { url: "xssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet" } } },
        expected: [
            'aks-gitops:flux.git.url: must be an ssh:// or https:// URL with a host and no spaces or quotes, e.g. "ssh://git@ssh.dev.azure.com/v3/org/project/fleet" (Flux does not accept the scp-like "git@host:path")',
        ],
    },
    {
        name: "git url with a space",
        env: "dev",
        config: { flux: { git: { url: "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fle et" } } },
        expected: [
            'aks-gitops:flux.git.url: must be an ssh:// or https:// URL with a host and no spaces or quotes, e.g. "ssh://git@ssh.dev.azure.com/v3/org/project/fleet" (Flux does not accept the scp-like "git@host:path")',
        ],
    },
    {
        name: "git url without a host",
        env: "dev",
        config: { flux: { git: { url: "ssh:///v3/contoso/platform/fleet" } } },
        expected: [
            'aks-gitops:flux.git.url: must be an ssh:// or https:// URL with a host and no spaces or quotes, e.g. "ssh://git@ssh.dev.azure.com/v3/org/project/fleet" (Flux does not accept the scp-like "git@host:path")',
        ],
    },
    {
        name: "https url with a user",
        env: "dev",
        config: { flux: { git: { url: "https://bot@github.com/acme/fleet" } } },
        expected: [
            "aks-gitops:flux.git.url: must not embed credentials; use the secret keys gitHttpsPassword / gitSshPrivateKey",
        ],
    },
    {
        name: "ssh url with a password",
        env: "dev",
        config: { flux: { git: { url: "ssh://git:pw@ssh.dev.azure.com/v3/contoso/platform/fleet" } } },
        expected: [
            "aks-gitops:flux.git.url: must not embed credentials; use the secret keys gitHttpsPassword / gitSshPrivateKey",
        ],
    },
    {
        name: "known hosts of several lines",
        env: "dev",
        config: { flux: { git: { knownHosts: "ssh.dev.azure.com ssh-rsa AAAA\nssh.dev.azure.com ssh-rsa BBBB" } } },
        expected: [],
    },
    {
        name: "known hosts with a NUL",
        env: "dev",
        config: { flux: { git: { knownHosts: "ssh.dev.azure.com ssh-rsa AAAA\u0000" } } },
        expected: ["aks-gitops:flux.git.knownHosts: must be known_hosts lines (no NUL characters)"],
    },
    {
        name: "extension version with two-digit parts",
        env: "dev",
        config: { flux: { extensionVersion: "12.24.10" } },
        expected: [],
    },
    {
        name: "extension version with a prefix",
        env: "dev",
        config: { flux: { extensionVersion: "v1.24.1" } },
        expected: [
            'aks-gitops:flux.extensionVersion: must be a microsoft.flux version such as "1.24.1", or null to follow the Stable release train',
        ],
    },
    {
        name: "extension version with a suffix",
        env: "dev",
        config: { flux: { extensionVersion: "1.24.1-rc" } },
        expected: [
            'aks-gitops:flux.extensionVersion: must be a microsoft.flux version such as "1.24.1", or null to follow the Stable release train',
        ],
    },
    {
        name: "20 kustomizations",
        env: "dev",
        config: { flux: { kustomizations: kz(20) } },
        expected: [],
    },
    {
        name: "21 kustomizations",
        env: "dev",
        config: { flux: { kustomizations: kz(21) } },
        expected: ["aks-gitops:flux.kustomizations: must define between 1 and 20 kustomizations"],
    },
    {
        name: "dependsOn not a list",
        env: "dev",
        config: { flux: { kustomizations: { cluster: { path: "./clusters/dev-westeurope", dependsOn: "apps" } } } },
        expected: ['aks-gitops:flux.kustomizations.cluster.dependsOn: must be an array, got string "apps"'],
    },
    {
        name: "a cycle behind a tail",
        env: "dev",
        config: {
            flux: {
                kustomizations: {
                    cluster: { path: "./clusters/dev-westeurope", dependsOn: ["b"] },
                    b: { path: "./b", dependsOn: ["c"] },
                    c: { path: "./c", dependsOn: ["b"] },
                },
            },
        },
        expected: ["aks-gitops:flux.kustomizations.b.dependsOn: forms a dependency cycle: b -> c -> b"],
    },
    {
        name: "one-letter app",
        env: "dev",
        config: { fleet: { apps: ["a", "web-frontend"] } },
        expected: [],
    },
    {
        name: "render directory of two segments",
        env: "dev",
        config: { fleet: { renderDirectory: "rendered/sub-dir" } },
        expected: [],
    },
    {
        name: "org email",
        env: "dev",
        config: { org: { receivers: { emails: [{ name: "ops", address: "not-an-email" }] } } },
        expected: [
            "aks-gitops:org.receivers.emails[0].address: must be an email address",
            "aks-gitops:monitoring.receivers.emails[0].address: must be an email address",
        ],
    },
    {
        name: "org fleet without branch",
        env: "dev",
        config: {
            flux: { git: { branch: undefined } },
            org: { fleet: { url: "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet" } },
        },
        expected: [],
    },
    {
        name: "org without groups",
        env: "dev",
        config: {
            aks: { adminGroups: undefined },
            sops: { encryptorGroups: undefined },
            org: { fleet: { url: "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet" } },
        },
        expected: [],
    },
    {
        name: "unknown environment",
        env: "dev",
        config: { environment: "qa" },
        expected: ['aks-gitops:environment: must be one of: "dev", "staging", "prod"'],
    },
    {
        name: "prod retention as text",
        env: "prod",
        config: { sops: { softDeleteRetentionDays: "30" } },
        expected: ['aks-gitops:sops.softDeleteRetentionDays: must be a number, got string "30"'],
    },
    {
        name: "prod min count as text",
        env: "prod",
        config: { aks: { systemPool: { minCount: "2" } } },
        expected: ['aks-gitops:aks.systemPool.minCount: must be a number, got string "2"'],
    },
    {
        name: "prod api server null",
        env: "prod",
        config: { aks: { apiServer: null } },
        expected: [
            "aks-gitops:aks.apiServer: must be an object, got null",
            "aks-gitops:aks.apiServer: must be restricted in prod: set authorizedIpRanges or privateCluster: true (CKV_AZURE_6, Azure.AKS.AuthorizedIPs)",
        ],
    },
    {
        name: "service cidr of exactly /12",
        env: "dev",
        config: { aks: { network: { serviceCidr: "10.0.0.0/12", dnsServiceIp: "10.0.0.10" } } },
        expected: [],
    },
];

describe("config rules at their edges (stacks/schema.ts)", () => {
    for (const c of CASES) {
        it(`${c.name} (${c.env})`, () => {
            assert.deepEqual(refusals(withConfig(baseConfig(c.env), c.config)), c.expected);
        });
    }

    it("reads admitExistingOnly given as text, as pulumi config set and the rollout write it, as the boolean it names", () => {
        const read = (admitExistingOnly: unknown) =>
            settingsFrom(stackInput(withConfig(baseConfig("prod"), { admitExistingOnly })).config).admitExistingOnly;
        assert.equal(read("true"), true);
        assert.equal(read("false"), false);
        assert.equal(read(true), true);
    });

    it("object ids are whole GUIDs", () => {
        const id = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
        assert.equal(isGuid(id), true);
        assert.equal(isGuid(id.toUpperCase()), true);
        assert.equal(isGuid(`x${id}`), false);
        assert.equal(isGuid(`${id}x`), false);
    });

    it("reads values the way a program, not only Pulumi's flat config, may hand them over", () => {
        const message = (raw: ConfigObject) => {
            try {
                validateStackConfig(raw, { gitSshPrivateKey: true });
                return [];
            } catch (e) {
                return (e as Error).message
                    .split("\n")
                    .slice(1)
                    .map((l) => l.replace(/^ {2}- /, ""));
            }
        };
        // A cluster name that is no string gets the schema's message only: the rules that read it as a name stay quiet.
        assert.deepEqual(message(withConfig(baseConfig("dev"), { clusterName: 42 })), [
            "aks-gitops:clusterName: must be a string, got number 42",
        ]);
        // new-stack passes standby as a boolean.
        assert.deepEqual(message(withConfig(baseConfig("dev"), { standby: true })), [
            "aks-gitops:standby: only applies to a DR cluster (sops.existingKeyId): the stack that owns the environment's vault is never on standby",
        ]);
    });

    it("a fleet path is ./-relative segments, or the repository's root as ./ or .; nothing else ends in ./", () => {
        const paths = (path: string) =>
            refusals(
                withConfig(baseConfig("dev"), {
                    flux: { kustomizations: { cluster: { path: "./clusters/dev-westeurope" }, root: { path } } },
                }),
            );
        for (const path of ["./", ".", "./apps/v2.1", "./apps/"]) {
            assert.deepEqual(paths(path), [], path);
        }
        for (const path of ["apps/./", "x.", "x/."]) {
            assert.deepEqual(
                paths(path),
                [
                    'aks-gitops:flux.kustomizations.root.path: must be a "./"-relative path of letters, digits, ".", "_" and "-" segments, e.g. "./clusters/prod-westeurope"',
                ],
                path,
            );
        }
    });

    it("a kustomization's defaults: pruned, waited for, never forced; ten minutes between syncs and to apply", () => {
        const settings = settingsFrom(stackInput(baseConfig("dev"), { gitSshPrivateKey: TEST_SSH_KEY }).config);
        assert.deepEqual(settings.flux.kustomizations.cluster, {
            path: "./clusters/dev-westeurope",
            dependsOn: [],
            prune: true,
            wait: true,
            force: false,
            syncIntervalSeconds: 600,
            retryIntervalSeconds: 120,
            timeoutSeconds: 600,
        });
    });

    it("reports the cycle itself, without the path that led to it", () => {
        assert.deepEqual(findCycle({ a: ["b"], b: ["c"], c: ["d"], d: ["b"] }), ["b", "c", "d", "b"]);
        assert.deepEqual(findCycle({ a: ["b"], b: [], c: ["a"] }), undefined);
        assert.deepEqual(findCycle({ a: ["a"] }), ["a", "a"]);
    });
});
