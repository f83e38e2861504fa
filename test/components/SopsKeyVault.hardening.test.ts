import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import { sopsDecryptRoleGuid } from "../../components/roles";
import { firstVersionExpiry } from "../../components/SopsKeyVault";
import { all, at, azureValue, baseConfig, idOf, one, run, withConfig } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const CLUSTER = T.ManagedCluster;
const PREFIX = T.PublicIPPrefix;
const ROLE = T.RoleAssignment;
const VAULT = T.Vault;
const KEY = T.Key;
const DIAGNOSTIC = T.DiagnosticSetting;
const WORKSPACE = T.Workspace;
// Published facts, stated literally (not imported from the code under test):
// - built-in role GUIDs and Key Vault Crypto User's data actions: MicrosoftDocs/azure-docs
//   articles/role-based-access-control/built-in-roles/security.md and networking.md;
// - AKS audit log categories kube-audit-admin and guard: PSRule.Rules.Azure docs/en/rules/Azure.AKS.AuditLogs.md;
// - the maintenance configuration names AKS binds to the two upgrade channels: AKS docs planned-maintenance.md
//   (Azure/azure-cli: "--config-name must be one of default, aksManagedAutoUpgradeSchedule or aksManagedNodeOSUpgradeSchedule").
const KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424";
const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
const KEY_VAULT_CRYPTO_USER_DATA_ACTIONS = [
    "Microsoft.KeyVault/vaults/keys/read",
    "Microsoft.KeyVault/vaults/keys/update/action",
    "Microsoft.KeyVault/vaults/keys/backup/action",
    "Microsoft.KeyVault/vaults/keys/encrypt/action",
    "Microsoft.KeyVault/vaults/keys/decrypt/action",
    "Microsoft.KeyVault/vaults/keys/wrap/action",
    "Microsoft.KeyVault/vaults/keys/unwrap/action",
    "Microsoft.KeyVault/vaults/keys/sign/action",
    "Microsoft.KeyVault/vaults/keys/verify/action",
];
const RESERVED =
    "/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg-sops-prod/providers/Microsoft.Network/publicIPPrefixes/pip-egress-prod-northeurope";

describe("hardening (prod passes the policy pack)", () => {
    sharedCaptures();
    let prod: Capture;
    let dev: Capture;
    before(async () => {
        prod = await run(withConfig(baseConfig("prod"), { sops: { allowedIpRanges: ["198.51.100.0/26"] } }));
        dev = await run(baseConfig("dev"));
    });
    const cluster = (c: Capture) => one(c, CLUSTER).inputs;

    describe("egress through a prefix the stack knows in advance", () => {
        it("creates a Standard /31 prefix, zone-redundant in prod, and sends all outbound traffic through it", () => {
            const prefix = one(prod, PREFIX);
            assert.equal(prefix.inputs.prefixLength, 31);
            assert.deepEqual(prefix.inputs.sku, { name: "Standard", tier: "Regional" });
            assert.deepEqual(prefix.inputs.zones, ["1", "2", "3"]);
            assert.deepEqual(
                at(cluster(prod), "networkProfile.loadBalancerProfile.outboundIPPrefixes.publicIPPrefixes"),
                [{ id: idOf(prod, prefix) }],
            );
            assert.equal(at(cluster(prod), "networkProfile.outboundType"), "loadBalancer");
        });

        it("lets a user-assigned control-plane identity join the prefix before the cluster exists", () => {
            const grant = one(prod, ROLE, "-egress-join");
            const identity = one(prod, T.UserAssignedIdentity, "-aks-control-plane");
            assert.equal(grant.inputs.scope, idOf(prod, one(prod, PREFIX)), "Network Contributor on the prefix only");
            assert.match(String(grant.inputs.roleDefinitionId), new RegExp(`/roleDefinitions/${NETWORK_CONTRIBUTOR}$`));
            assert.equal(grant.inputs.principalId, azureValue(prod, `${identity.name}.principalId`));
            assert.deepEqual(at(cluster(prod), "identity"), {
                type: "UserAssigned",
                userAssignedIdentities: [idOf(prod, identity)],
            });
            assert.ok(one(prod, CLUSTER).dependencies.includes(grant.urn), "the cluster waits for the join permission");
        });

        it("uses an existing (reserved) prefix by id instead of creating one", async () => {
            const c = await run(
                withConfig(baseConfig("prod"), { aks: { network: { egress: { publicIpPrefixId: RESERVED } } } }),
            );
            assert.equal(all(c, PREFIX).length, 0);
            assert.deepEqual(at(cluster(c), "networkProfile.loadBalancerProfile.outboundIPPrefixes.publicIPPrefixes"), [
                { id: RESERVED },
            ]);
            assert.equal(one(c, ROLE, "-egress-join").inputs.scope, RESERVED);
            const lookup = c.calls.find((x) => x.token === T.GetPublicIPPrefix);
            assert.deepEqual(lookup?.inputs, {
                resourceGroupName: "rg-sops-prod",
                publicIpPrefixName: "pip-egress-prod-northeurope",
            });
        });
    });

    describe("SOPS vault firewall", () => {
        it("denies by default in prod and admits exactly the cluster's egress prefix and the operators' ranges", () => {
            const acls = at(one(prod, VAULT).inputs, "properties.networkAcls") as {
                defaultAction: string;
                ipRules: { value: string }[];
            };
            assert.equal(acls.defaultAction, "Deny");
            assert.deepEqual(
                acls.ipRules.map((r) => r.value),
                [azureValue(prod, "prod-westeurope-aks-egress.ipPrefix"), "198.51.100.0/26"],
            );
        });

        it("stays open in dev (advisory there)", () => {
            assert.equal(at(one(dev, VAULT).inputs, "properties.networkAcls.defaultAction"), "Allow");
        });

        it("keeps the key in an HSM in prod (Premium vault)", () => {
            assert.equal(at(one(prod, VAULT).inputs, "properties.sku.name"), "premium");
            assert.equal(at(one(prod, KEY).inputs, "properties.kty"), "RSA-HSM");
        });
    });

    describe("audit logs", () => {
        it("sends AKS kube-audit-admin and guard, and the vault's audit group, to the stack's workspace", () => {
            const workspace = idOf(prod, one(prod, WORKSPACE));
            const aks = one(prod, DIAGNOSTIC, "-aks-audit").inputs;
            assert.equal(aks.resourceUri, idOf(prod, one(prod, CLUSTER)));
            assert.equal(aks.workspaceId, workspace);
            assert.deepEqual(
                (aks.logs as { category: string }[]).map((l) => l.category),
                ["kube-audit-admin", "guard"],
            );
            const kv = one(prod, DIAGNOSTIC, "-sops-audit").inputs;
            assert.equal(kv.resourceUri, idOf(prod, one(prod, VAULT)));
            assert.deepEqual(kv.logs, [{ categoryGroup: "audit", enabled: true }]);
        });

        it("keeps prod audit logs 90 days and dev 30", () => {
            assert.equal(one(prod, WORKSPACE).inputs.retentionInDays, 90);
            assert.equal(one(dev, WORKSPACE).inputs.retentionInDays, 30);
        });
    });

    describe("cluster protections", () => {
        it("turns on Defender, Container Insights and host encryption in prod, not in dev", () => {
            const workspace = idOf(prod, one(prod, WORKSPACE));
            assert.deepEqual(at(cluster(prod), "securityProfile.defender"), {
                logAnalyticsWorkspaceResourceId: workspace,
                securityMonitoring: { enabled: true },
            });
            assert.deepEqual(at(cluster(prod), "addonProfiles.omsagent"), {
                enabled: true,
                config: { logAnalyticsWorkspaceResourceID: workspace, useAADAuth: "true" },
            });
            assert.ok(
                (cluster(prod).agentPoolProfiles as { enableEncryptionAtHost: boolean }[]).every(
                    (p) => p.enableEncryptionAtHost,
                ),
            );
            assert.equal(at(cluster(dev), "securityProfile.defender"), undefined);
            assert.equal(at(cluster(dev), "addonProfiles.omsagent"), undefined);
        });

        it("cleans unused images weekly", () => {
            assert.deepEqual(at(cluster(prod), "securityProfile.imageCleaner"), { enabled: true, intervalHours: 168 });
        });

        it("schedules both auto-upgrade channels in maintenance windows", () => {
            const windows = all(prod, T.MaintenanceConfiguration);
            assert.deepEqual(windows.map((w) => w.inputs.configName).sort(), [
                "aksManagedAutoUpgradeSchedule",
                "aksManagedNodeOSUpgradeSchedule",
            ]);
            const nodeOs = windows.find((w) => w.inputs.configName === "aksManagedNodeOSUpgradeSchedule")!.inputs;
            assert.equal(nodeOs.resourceName, "aks-prod-westeurope");
            assert.deepEqual(nodeOs.maintenanceWindow, {
                schedule: { weekly: { dayOfWeek: "Wednesday", intervalWeeks: 1 } },
                startTime: "01:00",
                durationHours: 4,
                utcOffset: "+00:00",
            });
        });
    });

    describe("SOPS key rotation", () => {
        it("rotates every 18 months, expires versions after 2 years and notifies 30 days ahead", () => {
            assert.deepEqual(at(one(prod, KEY).inputs, "properties.rotationPolicy"), {
                attributes: { expiryTime: "P2Y" },
                lifetimeActions: [
                    { trigger: { timeAfterCreate: "P18M" }, action: { type: "rotate" } },
                    { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } },
                ],
            });
        });

        it("gives the first version an expiry, so the notify action can fire for it, set once at creation", () => {
            // The policy's expiryTime only applies to versions rotation creates (how-to-configure-key-rotation.md).
            const expires = at(one(prod, KEY).inputs, "properties.attributes.expires") as number;
            const inTwoYears = Date.now() / 1000 + 730 * 86_400;
            assert.ok(
                Math.abs(expires - inTwoYears) <= 86_400,
                `expires ${expires} must be two years (P2Y) from today, in epoch seconds`,
            );
            assert.ok(
                one(prod, KEY).options.ignoreChanges.includes("properties.attributes.expires"),
                "later runs must not move the first version's expiry",
            );
        });

        it("computes the first expiry from the start of the UTC day, so plans made the same day agree", () => {
            assert.equal(
                firstVersionExpiry("P2Y", new Date("2026-11-25T17:45:00Z")),
                Date.UTC(2026, 10, 25) / 1000 + 730 * 86_400,
            );
            assert.equal(firstVersionExpiry("P30D", new Date("2026-11-25T00:00:00Z")), 1_795_564_800 + 30 * 86_400);
        });
    });

    describe("least-privilege decrypt role", () => {
        it("defines a role with only keys/read and keys/decrypt, assignable within the SOPS resource group", () => {
            const role = one(prod, T.RoleDefinition).inputs;
            const group = idOf(prod, one(prod, T.ResourceGroup, "-sops-rg"));
            assert.equal(role.roleDefinitionId, sopsDecryptRoleGuid("prod", "kv-test-sops-prod"));
            assert.deepEqual(role.permissions, [
                {
                    actions: [],
                    notActions: [],
                    dataActions: [
                        "Microsoft.KeyVault/vaults/keys/read",
                        "Microsoft.KeyVault/vaults/keys/decrypt/action",
                    ],
                    notDataActions: [],
                },
            ]);
            const granted = (role.permissions as { dataActions: string[] }[])[0].dataActions;
            assert.ok(
                granted.every((a) => KEY_VAULT_CRYPTO_USER_DATA_ACTIONS.includes(a)),
                "a subset of Key Vault Crypto User, the role it narrows",
            );
            for (const dropped of ["update/action", "backup/action", "encrypt/action", "sign/action", "wrap/action"]) {
                assert.ok(
                    !granted.includes(`Microsoft.KeyVault/vaults/keys/${dropped}`),
                    `decrypt-only: no keys/${dropped}`,
                );
            }
            assert.equal(role.scope, group);
            assert.deepEqual(role.assignableScopes, [group]);
        });

        it("is opt-in: dev uses Key Vault Crypto User and defines no role", () => {
            assert.equal(all(dev, T.RoleDefinition).length, 0);
            assert.match(
                String(one(dev, ROLE, "-decrypt").inputs.roleDefinitionId),
                new RegExp(`/roleDefinitions/${KEY_VAULT_CRYPTO_USER}$`),
            );
        });
    });
});
