// Every schema and cross-field refusal's message (stacks/schema.ts), literally, with the key it names: one config
// mistake per case on a valid dev or prod stack (test/support/stacks.ts baseConfig). test/stacks/schema.boundaries.test.ts holds the
// numeric limits at and one past them; this file holds what each other rule says. Cases whose mistake makes a
// second rule fire list both.
import * as assert from "node:assert/strict";
import { baseConfig, ConfigObject, refusals, withConfig } from "../support/stacks";

interface Case {
    name: string;
    env: "dev" | "prod";
    config: ConfigObject;
    expected: string[];
}

const CASES: Case[] = [
    {
        name: "cluster name",
        env: "dev",
        config: { clusterName: "Dev-X" },
        expected: [
            "aks-gitops:clusterName: must be 3-40 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen",
            "aks-gitops:clusterName: must start with \"dev-\" (the environment) so the fleet's .sops.yaml rules select this environment's key",
            'aks-gitops:flux.kustomizations: must include one whose path is "./clusters/Dev-X": that is where `npm run fleet` writes this cluster\'s bootstrap',
        ],
    },
    {
        name: "cluster name without the environment",
        env: "dev",
        config: {
            clusterName: "test-westeurope",
            flux: { kustomizations: { cluster: { path: "./clusters/test-westeurope" } } },
        },
        expected: [
            "aks-gitops:clusterName: must start with \"dev-\" (the environment) so the fleet's .sops.yaml rules select this environment's key",
        ],
    },
    {
        name: "no kustomization at the cluster's path",
        env: "dev",
        config: { flux: { kustomizations: { cluster: { path: "./clusters/other" } } } },
        expected: [
            'aks-gitops:flux.kustomizations: must include one whose path is "./clusters/dev-westeurope": that is where `npm run fleet` writes this cluster\'s bootstrap',
        ],
    },
    {
        name: "resource group name",
        env: "dev",
        config: { resourceGroupName: "rg." },
        expected: [
            "aks-gitops:resourceGroupName: must be 1-90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.'",
        ],
    },
    {
        name: "vault name",
        env: "dev",
        config: { sops: { vaultName: "1kv" } },
        expected: [
            "aks-gitops:sops.vaultName: must be 3-24 letters, digits or hyphens, start with a letter and end with a letter or digit",
        ],
    },
    {
        name: "vault name with --",
        env: "dev",
        config: { sops: { vaultName: "kv--x" } },
        expected: ["aks-gitops:sops.vaultName: must not contain consecutive hyphens"],
    },
    {
        name: "key name",
        env: "dev",
        config: { sops: { keyName: "key_1" } },
        expected: ["aks-gitops:sops.keyName: must be 1-127 letters, digits or hyphens"],
    },
    {
        name: "pod cidr",
        env: "dev",
        config: { aks: { network: { podCidr: "10.0.0.1/16" } } },
        expected: [
            'aks-gitops:aks.network.podCidr: must be an IPv4 CIDR with no host bits set, e.g. "10.244.0.0/16" or "203.0.113.7/32"',
        ],
    },
    {
        name: "public range for the vault",
        env: "dev",
        config: { sops: { allowedIpRanges: ["10.0.0.0/8"] } },
        expected: [
            "aks-gitops:sops.allowedIpRanges[0]: must be a public address range (Key Vault IP rules reject private ranges)",
        ],
    },
    {
        name: "principal with a newline",
        env: "dev",
        config: { aks: { adminGroups: ["a\nb"] } },
        expected: ["aks-gitops:aks.adminGroups[0]: must be a single-line group name or object id"],
    },
    {
        name: "rotation duration",
        env: "dev",
        config: { sops: { rotation: { rotateAfter: "18 months" } } },
        expected: [
            'aks-gitops:sops.rotation.rotateAfter: must be an ISO 8601 duration in years, months, weeks or days, e.g. "P18M" or "P30D"',
        ],
    },
    {
        name: "expiry under 28 days",
        env: "dev",
        config: { sops: { rotation: { rotateAfter: "P7D", expireAfter: "P27D", notifyBefore: "P1D" } } },
        expected: ["aks-gitops:sops.rotation.expireAfter: must be at least 28 days (P28D)"],
    },
    {
        name: "rotation under 7 days",
        env: "dev",
        config: { sops: { rotation: { rotateAfter: "P6D", expireAfter: "P1Y", notifyBefore: "P30D" } } },
        expected: ["aks-gitops:sops.rotation.rotateAfter: must be at least 7 days (P7D)"],
    },
    {
        name: "rotation too close to expiry",
        env: "dev",
        config: { sops: { rotation: { rotateAfter: "P60D", expireAfter: "P66D", notifyBefore: "P30D" } } },
        expected: ["aks-gitops:sops.rotation.rotateAfter: must be at least 7 days before expireAfter (P66D)"],
    },
    {
        name: "notify at expiry",
        env: "dev",
        config: { sops: { rotation: { rotateAfter: "P30D", expireAfter: "P60D", notifyBefore: "P60D" } } },
        expected: ["aks-gitops:sops.rotation.notifyBefore: must be between 1 day and expireAfter (P60D)"],
    },
    {
        name: "maintenance start time",
        env: "dev",
        config: { aks: { maintenance: { autoUpgrade: { startTime: "24:00" } } } },
        expected: ['aks-gitops:aks.maintenance.autoUpgrade.startTime: must be a 24-hour time "HH:MM"'],
    },
    {
        name: "maintenance offset",
        env: "dev",
        config: { aks: { maintenance: { autoUpgrade: { utcOffset: "+15:00" } } } },
        expected: ['aks-gitops:aks.maintenance.autoUpgrade.utcOffset: must be an offset such as "+00:00" or "+01:00"'],
    },
    {
        name: "vm size",
        env: "dev",
        config: { aks: { systemPool: { vmSize: "D4ds_v5" } } },
        expected: ['aks-gitops:aks.systemPool.vmSize: must be an Azure VM size such as "Standard_D4ds_v5"'],
    },
    {
        name: "min above max",
        env: "dev",
        config: { aks: { userPool: { minCount: 5, maxCount: 3 } } },
        expected: ["aks-gitops:aks.userPool.minCount: must be <= maxCount (5 > 3)"],
    },
    {
        name: "kubernetes version",
        env: "dev",
        config: { aks: { kubernetesVersion: "1.34.2" } },
        expected: [
            'aks-gitops:aks.kubernetesVersion: must be a Kubernetes minor version such as "1.34" (AKS picks its newest patch; leave it out for the region\'s default)',
        ],
    },
    {
        name: "egress prefix id",
        env: "dev",
        config: { aks: { network: { egress: { publicIpPrefixId: "/subscriptions/x/pip" } } } },
        expected: ["aks-gitops:aks.network.egress.publicIpPrefixId: must be the resource id of a public IP prefix"],
    },
    {
        name: "egress both",
        env: "dev",
        config: {
            aks: {
                network: {
                    egress: {
                        publicIpPrefixLength: 30,
                        publicIpPrefixId:
                            "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/p",
                    },
                },
            },
        },
        expected: [
            "aks-gitops:aks.network.egress: set exactly one of publicIpPrefixLength (create a prefix) or publicIpPrefixId (use an existing one)",
        ],
    },
    {
        name: "service cidr overlaps pods",
        env: "dev",
        config: {
            aks: { network: { podCidr: "10.244.0.0/16", serviceCidr: "10.244.0.0/24", dnsServiceIp: "10.244.0.10" } },
        },
        expected: ["aks-gitops:aks.network.serviceCidr: must not overlap podCidr (10.244.0.0/16)"],
    },
    {
        name: "service cidr too large",
        env: "dev",
        config: { aks: { network: { serviceCidr: "10.0.0.0/11", dnsServiceIp: "10.0.0.10" } } },
        expected: ["aks-gitops:aks.network.serviceCidr: must be smaller than a /12"],
    },
    {
        name: "dns ip outside",
        env: "dev",
        config: { aks: { network: { dnsServiceIp: "192.168.0.10" } } },
        expected: [
            "aks-gitops:aks.network.dnsServiceIp: must be an address inside serviceCidr (10.0.0.0/16) other than its first address",
        ],
    },
    {
        name: "private cluster with ranges",
        env: "dev",
        config: { aks: { apiServer: { privateCluster: true, authorizedIpRanges: ["198.51.100.0/26"] } } },
        expected: [
            "aks-gitops:aks.apiServer.authorizedIpRanges: must be empty when privateCluster is true (ranges apply only to a public API server)",
        ],
    },
    {
        name: "existing key id",
        env: "dev",
        config: { sops: { vaultName: undefined, existingKeyId: "/keys/x" } },
        expected: [
            'aks-gitops:sops.existingKeyId: must be a Key Vault key id, "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<vault>/keys/<key>" (the subscription part may be left out)',
        ],
    },
    {
        name: "admit prefix id",
        env: "dev",
        config: { sops: { admitEgressPrefixIds: ["pip-1"] } },
        expected: ["aks-gitops:sops.admitEgressPrefixIds[0]: must be the resource id of a public IP prefix"],
    },
    {
        name: "key size",
        env: "dev",
        config: { sops: { keySize: 2048 } },
        expected: ["aks-gitops:sops.keySize: must be 3072 or 4096"],
    },
    {
        name: "no vault, no key",
        env: "dev",
        config: { sops: { vaultName: undefined } },
        expected: [
            "aks-gitops:sops.vaultName: is required (this stack owns the environment's vault), unless existingKeyId names the environment's existing key",
        ],
    },
    {
        name: "vault and key",
        env: "dev",
        config: {
            sops: {
                existingKeyId: "/resourceGroups/rg-sops-dev/providers/Microsoft.KeyVault/vaults/kv-x/keys/sops-dev",
            },
        },
        expected: [
            "aks-gitops:sops.existingKeyId: cannot be combined with vaultName: a stack either owns the environment's vault or uses the existing key",
        ],
    },
    {
        name: "adopt with existing key",
        env: "dev",
        config: {
            sops: {
                vaultName: undefined,
                existingKeyId: "/resourceGroups/rg-sops-dev/providers/Microsoft.KeyVault/vaults/kv-x/keys/sops-dev",
                adopt: true,
                admitEgressPrefixIds: [
                    "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/p",
                ],
            },
        },
        expected: [
            "aks-gitops:sops.adopt: only applies to the stack that owns the vault (vaultName), not with existingKeyId",
            'aks-gitops:sops.encryptorGroups[0]: must be a group object id while sops.adopt is true (got the name "sops-encryptors"): adopting imports the existing role assignment by a name derived from the object id',
            "aks-gitops:sops.admitEgressPrefixIds: only applies to the stack that owns the vault (its firewall admits the prefixes), not with existingKeyId",
        ],
    },
    {
        name: "adopt with group names",
        env: "dev",
        config: { sops: { adopt: true, encryptorGroups: ["sops-encryptors", "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90"] } },
        expected: [
            'aks-gitops:sops.encryptorGroups[0]: must be a group object id while sops.adopt is true (got the name "sops-encryptors"): adopting imports the existing role assignment by a name derived from the object id',
        ],
    },
    {
        name: "HSM on standard",
        env: "dev",
        config: { sops: { keyType: "RSA-HSM" } },
        expected: ['aks-gitops:sops.keyType: RSA-HSM needs sops.skuName "premium"'],
    },
    {
        name: "receiver name",
        env: "dev",
        config: { monitoring: { receivers: { emails: [{ name: " x", address: "ops@acme.io" }] } } },
        expected: [
            "aks-gitops:monitoring.receivers.emails[0].name: must be 1-64 letters, digits, spaces, '.', '_' or '-'",
        ],
    },
    {
        name: "receiver email",
        env: "dev",
        config: { monitoring: { receivers: { emails: [{ name: "ops", address: "not-an-email" }] } } },
        expected: ["aks-gitops:monitoring.receivers.emails[0].address: must be an email address"],
    },
    {
        name: "webhook http",
        env: "dev",
        config: { monitoring: { receivers: { webhooks: [{ name: "hook", url: "http://x.example/h" }] } } },
        expected: ["aks-gitops:monitoring.receivers.webhooks[0].url: must be an https:// URL"],
    },
    {
        name: "notReadyFor",
        env: "dev",
        config: { monitoring: { notReadyFor: "10m" } },
        expected: ['aks-gitops:monitoring.notReadyFor: must be minutes in ISO 8601, e.g. "PT10M"'],
    },
    {
        name: "suspendedFor",
        env: "dev",
        config: { monitoring: { suspendedFor: "P1D" } },
        expected: ['aks-gitops:monitoring.suspendedFor: must be ISO 8601 minutes or hours, e.g. "PT1H"'],
    },
    {
        name: "kustomization name",
        env: "dev",
        config: { flux: { configurationName: "Flux" } },
        expected: [
            "aks-gitops:flux.configurationName: must be 1-30 lowercase letters, digits or hyphens, starting and ending with a letter or digit",
        ],
    },
    {
        name: "kustomization path",
        env: "dev",
        config: { flux: { kustomizations: { cluster: { path: "clusters/dev-westeurope" } } } },
        expected: [
            'aks-gitops:flux.kustomizations.cluster.path: must be a "./"-relative path of letters, digits, ".", "_" and "-" segments, e.g. "./clusters/prod-westeurope"',
            'aks-gitops:flux.kustomizations: must include one whose path is "./clusters/dev-westeurope": that is where `npm run fleet` writes this cluster\'s bootstrap',
        ],
    },
    {
        name: "kustomization path ..",
        env: "dev",
        config: {
            flux: {
                kustomizations: { cluster: { path: "./clusters/dev-westeurope" }, up: { path: "./clusters/../x" } },
            },
        },
        expected: [
            'aks-gitops:flux.kustomizations.up.path: must be a "./"-relative path of letters, digits, ".", "_" and "-" segments, e.g. "./clusters/prod-westeurope"',
            'aks-gitops:flux.kustomizations.up.path: must not contain ".." segments',
        ],
    },
    {
        name: "git url scp",
        env: "dev",
        config: { flux: { git: { url: "git@github.com:acme/fleet" } } },
        expected: [
            'aks-gitops:flux.git.url: must be an ssh:// or https:// URL with a host and no spaces or quotes, e.g. "ssh://git@ssh.dev.azure.com/v3/org/project/fleet" (Flux does not accept the scp-like "git@host:path")',
        ],
    },
    {
        name: "git branch",
        env: "dev",
        config: { flux: { git: { branch: "main branch" } } },
        expected: ["aks-gitops:flux.git.branch: must be a branch name of letters, digits, '.', '_', '/' or '-'"],
    },
    {
        name: "https user",
        env: "dev",
        config: { flux: { git: { url: "https://github.com/acme/fleet", httpsUser: "a b" } } },
        expected: ["aks-gitops:flux.git.httpsUser: must not contain spaces or ':'"],
    },
    {
        name: "ssh unknown host",
        env: "dev",
        config: { flux: { git: { url: "ssh://git@git.acme.example/fleet" } } },
        expected: [
            "aks-gitops:flux.git.knownHosts: is required for ssh host git.acme.example (known_hosts lines); built in only for: ssh.dev.azure.com",
        ],
    },
    {
        name: "https user on ssh",
        env: "dev",
        config: { flux: { git: { httpsUser: "bot" } } },
        expected: ["aks-gitops:flux.git.httpsUser: only applies to https:// URLs"],
    },
    {
        name: "credentials in url",
        env: "dev",
        config: { flux: { git: { url: "https://bot:pw@github.com/acme/fleet" } } },
        expected: [
            "aks-gitops:flux.git.url: must not embed credentials; use the secret keys gitHttpsPassword / gitSshPrivateKey",
        ],
    },
    {
        name: "extension version",
        env: "dev",
        config: { flux: { extensionVersion: "1.24" } },
        expected: [
            'aks-gitops:flux.extensionVersion: must be a microsoft.flux version such as "1.24.1", or null to follow the Stable release train',
        ],
    },
    {
        name: "kustomization depends on itself",
        env: "dev",
        config: {
            flux: { kustomizations: { cluster: { path: "./clusters/dev-westeurope", dependsOn: ["cluster"] } } },
        },
        expected: ["aks-gitops:flux.kustomizations.cluster.dependsOn[0]: must not name the kustomization itself"],
    },
    {
        name: "unknown dependency",
        env: "dev",
        config: { flux: { kustomizations: { cluster: { path: "./clusters/dev-westeurope", dependsOn: ["infra"] } } } },
        expected: [
            'aks-gitops:flux.kustomizations.cluster.dependsOn[0]: names unknown kustomization "infra"; defined: cluster',
        ],
    },
    {
        name: "cycle",
        env: "dev",
        config: {
            flux: {
                kustomizations: {
                    cluster: { path: "./clusters/dev-westeurope", dependsOn: ["apps"] },
                    apps: { path: "./apps", dependsOn: ["cluster"] },
                },
            },
        },
        expected: ["aks-gitops:flux.kustomizations.apps.dependsOn: forms a dependency cycle: apps -> cluster -> apps"],
    },
    {
        name: "app name",
        env: "dev",
        config: { fleet: { apps: ["Web"] } },
        expected: ["aks-gitops:fleet.apps[0]: must be a lowercase DNS label (letters, digits, hyphens)"],
    },
    {
        name: "notification provider",
        env: "dev",
        config: { fleet: { notifications: { provider: "slack" } } },
        expected: [
            'aks-gitops:fleet.notifications.provider: must be "msteams" (a Microsoft Teams workflow webhook) or "generic" (any HTTPS endpoint receiving Flux event JSON)',
        ],
    },
    {
        name: "render directory",
        env: "dev",
        config: { fleet: { renderDirectory: "/abs" } },
        expected: [
            'aks-gitops:fleet.renderDirectory: must be a relative directory such as "rendered" (no "..", no leading "/")',
        ],
    },
    {
        name: "notifications without controller",
        env: "dev",
        config: { fleet: { notifications: { enabled: true } }, flux: { controllers: { notification: false } } },
        expected: [
            "aks-gitops:flux.controllers.notification: must be true while fleet.notifications.enabled is true: the rendered Provider and Alerts need the notification-controller (or set fleet.notifications.enabled: false)",
        ],
    },
    {
        name: "tag name",
        env: "dev",
        config: { tags: { "bad tag": "x" } },
        expected: [
            "aks-gitops:tags.bad tag: has an invalid key: tag names must be 1-128 letters, digits, '_', '.' or '-'",
        ],
    },
    {
        name: "org tag name",
        env: "dev",
        config: { org: { tags: { "bad tag": "x" } } },
        expected: [
            "aks-gitops:org.tags.bad tag: has an invalid key: tag names must be 1-128 letters, digits, '_', '.' or '-'",
            "aks-gitops:tags.bad tag: has an invalid key: tag names must be 1-128 letters, digits, '_', '.' or '-'",
        ],
    },
    {
        name: "org webhook",
        env: "dev",
        config: { org: { receivers: { webhooks: [{ name: "h", url: "ftp://x" }] } } },
        expected: [
            "aks-gitops:org.receivers.webhooks[0].url: must be an https:// URL",
            "aks-gitops:monitoring.receivers.webhooks[0].url: must be an https:// URL",
        ],
    },
    {
        name: "standby owner",
        env: "dev",
        config: { standby: true },
        expected: [
            "aks-gitops:standby: only applies to a DR cluster (sops.existingKeyId): the stack that owns the environment's vault is never on standby",
        ],
    },
    {
        name: "LTS without premium",
        env: "dev",
        config: { aks: { supportPlan: "AKSLongTermSupport" } },
        expected: ['aks-gitops:aks.supportPlan: AKSLongTermSupport needs aks.skuTier "Premium" (got "Free")'],
    },
    {
        name: "premium without LTS",
        env: "dev",
        config: { aks: { skuTier: "Premium" } },
        expected: [
            'aks-gitops:aks.skuTier: Premium is the tier for long-term support: set aks.supportPlan "AKSLongTermSupport" too, or use "Standard"',
        ],
    },
    {
        name: "prod api server open",
        env: "prod",
        config: { aks: { apiServer: { authorizedIpRanges: [] } } },
        expected: [
            "aks-gitops:aks.apiServer: must be restricted in prod: set authorizedIpRanges or privateCluster: true (CKV_AZURE_6, Azure.AKS.AuthorizedIPs)",
        ],
    },
    {
        name: "prod purge protection",
        env: "prod",
        config: { sops: { purgeProtection: false } },
        expected: [
            "aks-gitops:sops.purgeProtection: cannot be false in prod: a purged SOPS key makes every encrypted secret unreadable (CKV_AZURE_42)",
        ],
    },
    {
        name: "prod retention",
        env: "prod",
        config: { sops: { softDeleteRetentionDays: 30 } },
        expected: ["aks-gitops:sops.softDeleteRetentionDays: must be 90 in prod, got 30 (CKV_AZURE_111)"],
    },
    {
        name: "prod system pool",
        env: "prod",
        config: { aks: { systemPool: { minCount: 2 } } },
        expected: ["aks-gitops:aks.systemPool.minCount: must be at least 3 in prod, got 2 (Azure.AKS.MinNodeCount)"],
    },
    // admitExistingOnly is set by the rollout and a pull request's preview (ci/stacks.ts, ci/pulumi-stack.ts), never
    // committed; a hand-set one is held to the same rules. Config values arrive as text from the CLI ("true").
    {
        name: "admitExistingOnly on a stack that uses the existing key",
        env: "dev",
        config: {
            admitExistingOnly: "true",
            sops: {
                vaultName: undefined,
                existingKeyId: "/resourceGroups/rg-sops-dev/providers/Microsoft.KeyVault/vaults/kv-x/keys/sops-dev",
            },
        },
        expected: [
            "aks-gitops:admitExistingOnly: only applies to the stack that owns the vault (its firewall admits sops.admitEgressPrefixIds), not with sops.existingKeyId",
        ],
    },
    {
        name: "admitExistingOnly naming a prefix the vault does not admit",
        env: "prod",
        config: {
            sops: {
                admitEgressPrefixIds: [
                    "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope",
                ],
            },
            admitExistingOnly: [
                "/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-other",
                // The admitted one, with its subscription and in another case: ARM ids compare case-insensitively.
                "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/RESOURCEGROUPS/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/PIP-EGRESS-AKS-PROD-NORTHEUROPE",
            ],
        },
        expected: [
            "aks-gitops:admitExistingOnly[0]: /resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-other is not one of sops.admitEgressPrefixIds: only an admitted prefix can be left out while missing",
        ],
    },
];

describe("config rules, word for word (stacks/schema.ts)", () => {
    for (const c of CASES) {
        it(`${c.name} (${c.env})`, () => {
            assert.deepEqual(refusals(withConfig(baseConfig(c.env), c.config)), c.expected);
        });
    }

    it("no kustomizations at all (dev)", () => {
        const config = withConfig(baseConfig("dev"), {});
        (config.flux as ConfigObject).kustomizations = {};
        assert.deepEqual(refusals(config), [
            "aks-gitops:flux.kustomizations: must define between 1 and 20 kustomizations",
            'aks-gitops:flux.kustomizations: must include one whose path is "./clusters/dev-westeurope": that is where `npm run fleet` writes this cluster\'s bootstrap',
        ]);
    });

    it("the base configs are valid, so each case's lines are its own", () => {
        assert.deepEqual(refusals(baseConfig("dev")), []);
        assert.deepEqual(refusals(baseConfig("prod")), []);
    });
});
