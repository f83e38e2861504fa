import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { Capture } from "../../offline/program";
import { planStack } from "../../offline/program";
import { ROOT } from "../../stacks/paths";
import { effectiveLevel, evaluatePolicies, policyConfig } from "../../policy/offline";
import {
    ALWAYS_ADVISORY,
    CONFIG_KEYS,
    DEV_ADVISORY,
    policies,
    RULES,
    STAGING_ADVISORY,
    TYPES,
} from "../../policy/policies";
import { sopsDecryptRoleGuid } from "../../components/roles";
import { lazy } from "../../cli/lazy";
import { T } from "../support/tokens";
import {
    fluxConfiguration,
    managedNamespace,
    namespaceId,
    namespaceProperties,
    ROLE,
    roleAssignment,
    withResources,
} from "../support/tenants";
import { sharedCaptures } from "../support/share-captures";

// Raw captured inputs: loosely typed on purpose, fixtures poke at them.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- the fixtures below edit captured inputs as untyped JSON (any), deep paths of the SDK's Args */
type Props = Record<string, any>;

/** A deep copy of a capture with `edit` applied to the inputs of the resources of `type` (matching `suffix`). */
function edit(c: Capture, type: string, change: (inputs: Props) => void, suffix = ""): Capture {
    const copy = structuredClone(c);
    const targets = copy.resources.filter((r) => r.type === type && r.name.endsWith(suffix));
    assert.ok(targets.length > 0, `fixture found no ${type} *${suffix}`);
    targets.forEach((r) => change(r.inputs));
    return copy;
}

function without(c: Capture, type: string, suffix: string): Capture {
    const copy = structuredClone(c);
    copy.resources = copy.resources.filter((r) => !(r.type === type && r.name.endsWith(suffix)));
    return copy;
}

const cluster = (c: Capture, change: (inputs: Props) => void) => edit(c, TYPES.cluster, change);
const pools = (c: Capture, change: (pool: Props) => void, mode?: string) =>
    cluster(c, (i) => (i.agentPoolProfiles as Props[]).filter((p) => !mode || p.mode === mode).forEach(change));
const vault = (c: Capture, change: (inputs: Props) => void) => edit(c, TYPES.vault, change);
const key = (c: Capture, change: (inputs: Props) => void) => edit(c, T.Key, change);
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
// A group of the hand-made tenant below (test/support/tenants.ts); the tenant suite is test/policy/policies.tenants.test.ts.
const TEAM = "5b0d6a3e-7c1f-4e2a-9d8b-3f6e1a2c4d5e";

/** For every policy: a change to the committed prod stack that must violate it (prod itself violates nothing). */
const BREAKS: Record<string, (c: Capture) => Capture> = {
    "aks-local-accounts-disabled": (c) => cluster(c, (i) => (i.disableLocalAccounts = false)),
    "aks-managed-entra-azure-rbac": (c) => cluster(c, (i) => (i.aadProfile.enableAzureRBAC = false)),
    "aks-kubernetes-rbac": (c) => cluster(c, (i) => (i.enableRBAC = false)),
    // 1.33 left AKS standard support on 2026-07-31 (AKS release calendar).
    "aks-kubernetes-version-supported": (c) => cluster(c, (i) => (i.kubernetesVersion = "1.33")),
    "aks-api-server-restricted": (c) => cluster(c, (i) => (i.apiServerAccessProfile = {})),
    "aks-network-policy": (c) => cluster(c, (i) => delete i.networkProfile.networkPolicy),
    "aks-azure-cni": (c) => cluster(c, (i) => (i.networkProfile.networkPlugin = "kubenet")),
    "aks-auto-upgrade": (c) => cluster(c, (i) => (i.autoUpgradeProfile.upgradeChannel = "none")),
    "aks-node-os-auto-upgrade": (c) => cluster(c, (i) => (i.autoUpgradeProfile.nodeOSUpgradeChannel = "Unmanaged")),
    "aks-uptime-sla": (c) => cluster(c, (i) => (i.sku.tier = "Free")),
    "aks-pool-min-pods": (c) => pools(c, (p) => (p.maxPods = 30), "User"),
    "aks-pool-scale-sets": (c) => pools(c, (p) => (p.type = "AvailabilitySet"), "User"),
    "aks-pool-autoscaling": (c) => pools(c, (p) => (p.enableAutoScaling = false), "User"),
    "aks-pool-availability-zones": (c) => pools(c, (p) => delete p.availabilityZones, "User"),
    "aks-system-pool-min-nodes": (c) => pools(c, (p) => (p.minCount = 1), "System"),
    "aks-system-pool-taint": (c) => pools(c, (p) => (p.nodeTaints = []), "System"),
    "aks-ephemeral-os-disk": (c) => pools(c, (p) => (p.osDiskType = "Managed")),
    "aks-encryption-at-host": (c) => pools(c, (p) => (p.enableEncryptionAtHost = false)),
    "aks-azure-policy-addon": (c) => cluster(c, (i) => (i.addonProfiles.azurepolicy.enabled = false)),
    "aks-container-insights": (c) =>
        cluster(c, (i) => {
            delete i.addonProfiles.omsagent;
            delete i.azureMonitorProfile;
        }),
    "aks-defender": (c) => cluster(c, (i) => delete i.securityProfile.defender),
    "aks-no-dashboard-or-http-routing": (c) =>
        cluster(c, (i) => (i.addonProfiles.httpApplicationRouting = { enabled: true })),
    "aks-oidc-workload-identity": (c) => cluster(c, (i) => (i.securityProfile.workloadIdentity.enabled = false)),
    "aks-maintenance-windows": (c) => without(c, TYPES.maintenance, "-maintenance-node-os"),
    "aks-audit-logs": (c) =>
        edit(
            c,
            TYPES.diagnosticSetting,
            (i) => (i.logs = [{ category: "kube-audit-admin", enabled: true }]),
            "-aks-audit",
        ),
    "kv-purge-protection": (c) => vault(c, (i) => delete i.properties.enablePurgeProtection),
    "kv-soft-delete": (c) => vault(c, (i) => (i.properties.softDeleteRetentionInDays = 120)),
    "kv-soft-delete-90-days": (c) => vault(c, (i) => (i.properties.softDeleteRetentionInDays = 30)),
    "kv-rbac-authorization": (c) =>
        vault(
            c,
            (i) => (i.properties.accessPolicies = [{ objectId: "x", tenantId: "y", permissions: { keys: ["get"] } }]),
        ),
    "kv-firewall": (c) => vault(c, (i) => (i.properties.networkAcls.defaultAction = "Allow")),
    "kv-public-network-restricted": (c) => vault(c, (i) => (i.properties.networkAcls.ipRules = [])),
    "kv-audit-logs": (c) =>
        edit(
            c,
            TYPES.diagnosticSetting,
            (i) => (i.logs = [{ category: "AzurePolicyEvaluationDetails", enabled: true }]),
            "-sops-audit",
        ),
    "kv-key-expiry": (c) =>
        key(c, (i) => {
            delete i.properties.rotationPolicy.attributes;
            delete i.properties.attributes;
        }),
    "kv-key-auto-rotation": (c) =>
        key(
            c,
            (i) =>
                (i.properties.rotationPolicy.lifetimeActions = [
                    { trigger: { timeBeforeExpiry: "P30D" }, action: { type: "notify" } },
                ]),
        ),
    "kv-key-hsm": (c) => key(c, (i) => (i.properties.kty = "RSA")),
    "kv-key-sops-operations": (c) => key(c, (i) => i.properties.keyOps.push("sign")),
    "flux-identity-least-privilege": (c) =>
        edit(
            c,
            TYPES.roleAssignment,
            (i) => (i.roleDefinitionId = `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${OWNER}`),
            "-decrypt",
        ),
    "custom-role-scope": (c) =>
        edit(c, TYPES.roleDefinition, (i) => (i.permissions[0].dataActions = ["Microsoft.KeyVault/vaults/keys/*"])),
    // Tenants: prod with a hand-made tenant resource added that breaks the rule.
    "tenant-namespace-quota": (c) => {
        const props = namespaceProperties();
        delete (props.defaultResourceQuota as Props).memoryLimit;
        return withResources(c, managedNamespace("payments-ns", "payments", props));
    },
    "tenant-namespace-network-policy": (c) =>
        withResources(
            c,
            managedNamespace("payments-ns", "payments", { ...namespaceProperties(), defaultNetworkPolicy: undefined }),
        ),
    "tenant-namespace-ingress-isolated": (c) =>
        withResources(
            c,
            managedNamespace("payments-ns", "payments", {
                ...namespaceProperties(),
                defaultNetworkPolicy: { ingress: "AllowAll", egress: "AllowAll" },
            }),
        ),
    "tenant-namespace-roles": (c) =>
        withResources(c, roleAssignment("payments-admin", TEAM, namespaceId("payments"), ROLE.rbacClusterAdmin)),
    "tenant-no-cluster-role": (c) =>
        withResources(
            c,
            roleAssignment("payments-writer", TEAM, namespaceId("payments"), ROLE.rbacWriter),
            roleAssignment("payments-cluster-user", TEAM, "/subscriptions/s/resourceGroups/rg-aks-t", ROLE.clusterUser),
        ),
    "tenant-source-namespace-scoped": (c) =>
        withResources(
            c,
            managedNamespace("payments-ns", "payments"),
            fluxConfiguration("payments-source", "tenant-payments", "payments", "cluster"),
        ),
};

/** What each failing fixture above must say, literally: the ARM property, what it must be, and the stack setting to change. */
const MESSAGES: Record<string, string[]> = {
    "aks-local-accounts-disabled": ["disableLocalAccounts must be true"],
    "aks-managed-entra-azure-rbac": ["aadProfile.enableAzureRBAC must be true"],
    "aks-kubernetes-rbac": ["enableRBAC must be true"],
    "aks-kubernetes-version-supported": [
        "Kubernetes 1.33 left AKS standard support on 2026-07-31 (stacks/perishable.ts, read 2026-11-25): AKS creates no new clusters on it; set aks.kubernetesVersion to a supported minor (config: aks-gitops:aks.kubernetesVersion)",
    ],
    "aks-api-server-restricted": [
        "set apiServerAccessProfile.authorizedIPRanges or enablePrivateCluster (config: aks-gitops:aks.apiServer.authorizedIpRanges or aks-gitops:aks.apiServer.privateCluster)",
    ],
    "aks-network-policy": [
        "networkProfile.networkPolicy must be azure, calico or cilium (config: aks-gitops:aks.network.networkPolicy)",
    ],
    "aks-azure-cni": ["networkProfile.networkPlugin must be azure"],
    "aks-auto-upgrade": ["autoUpgradeProfile.upgradeChannel must not be none (config: aks-gitops:aks.upgradeChannel)"],
    "aks-node-os-auto-upgrade": [
        "autoUpgradeProfile.nodeOSUpgradeChannel must be SecurityPatch or NodeImage (config: aks-gitops:aks.nodeOsUpgradeChannel)",
    ],
    "aks-uptime-sla": ["sku.tier must be Standard (or Premium) (config: aks-gitops:aks.skuTier)"],
    "aks-pool-min-pods": [
        'pool "user": maxPods 30 is below 50 (config: aks-gitops:aks.systemPool.maxPods or aks-gitops:aks.userPool.maxPods)',
    ],
    "aks-pool-scale-sets": ['pool "user": type must be VirtualMachineScaleSets'],
    "aks-pool-autoscaling": ['pool "user": enableAutoScaling must be true'],
    "aks-pool-availability-zones": [
        'pool "user": availabilityZones must list at least two zones (config: aks-gitops:aks.systemPool.availabilityZones or aks-gitops:aks.userPool.availabilityZones)',
    ],
    "aks-system-pool-min-nodes": ['pool "system": minCount 1 is below 3 (config: aks-gitops:aks.systemPool.minCount)'],
    "aks-system-pool-taint": ['pool "system": nodeTaints must include CriticalAddonsOnly=true:NoSchedule'],
    "aks-ephemeral-os-disk": [
        'pool "system": osDiskType must be Ephemeral (config: aks-gitops:aks.systemPool.osDiskType or aks-gitops:aks.userPool.osDiskType)',
        'pool "user": osDiskType must be Ephemeral (config: aks-gitops:aks.systemPool.osDiskType or aks-gitops:aks.userPool.osDiskType)',
    ],
    "aks-encryption-at-host": [
        'pool "system": enableEncryptionAtHost must be true (config: aks-gitops:aks.encryptionAtHost)',
        'pool "user": enableEncryptionAtHost must be true (config: aks-gitops:aks.encryptionAtHost)',
    ],
    "aks-azure-policy-addon": ["addonProfiles.azurepolicy.enabled must be true"],
    "aks-container-insights": [
        "enable addonProfiles.omsagent or azureMonitorProfile.metrics (config: aks-gitops:aks.containerInsights or aks-gitops:monitoring.enabled)",
    ],
    "aks-defender": [
        "securityProfile.defender.securityMonitoring.enabled must be true (config: aks-gitops:aks.defender)",
    ],
    "aks-no-dashboard-or-http-routing": ["addonProfiles.httpApplicationRouting must not be enabled"],
    "aks-oidc-workload-identity": ["securityProfile.workloadIdentity.enabled must be true"],
    "aks-maintenance-windows": [
        "prod-westeurope-aks-cluster: no aksManagedNodeOSUpgradeSchedule maintenance configuration (config: aks-gitops:aks.maintenance)",
    ],
    "aks-audit-logs": ["prod-westeurope-aks-cluster: diagnostic settings lack guard"],
    "kv-purge-protection": ["properties.enablePurgeProtection must be true (config: aks-gitops:sops.purgeProtection)"],
    "kv-soft-delete": ["retention 120 days is outside 7-90 (config: aks-gitops:sops.softDeleteRetentionDays)"],
    "kv-soft-delete-90-days": [
        "properties.softDeleteRetentionInDays is 30, not 90 (config: aks-gitops:sops.softDeleteRetentionDays)",
    ],
    "kv-rbac-authorization": ["properties.accessPolicies must be empty"],
    "kv-firewall": ["properties.networkAcls.defaultAction must be Deny (config: aks-gitops:sops.firewall)"],
    "kv-public-network-restricted": [
        "disable publicNetworkAccess, or deny by default and list ipRules (config: aks-gitops:sops.firewall)",
    ],
    "kv-audit-logs": ["prod-westeurope-sops-vault: diagnostic settings lack AuditEvent (or the audit group)"],
    "kv-key-expiry": [
        "set properties.rotationPolicy.attributes.expiryTime (config: aks-gitops:sops.rotation.expireAfter)",
    ],
    "kv-key-auto-rotation": [
        "properties.rotationPolicy.lifetimeActions must include a rotate action (config: aks-gitops:sops.rotation.rotateAfter)",
    ],
    "kv-key-hsm": [
        "properties.kty is RSA, not RSA-HSM (config: aks-gitops:sops.keyType, with aks-gitops:sops.skuName premium)",
    ],
    "kv-key-sops-operations": ["properties.keyOps is [decrypt, encrypt, sign], not [encrypt, decrypt]"],
    "flux-identity-least-privilege": [
        "prod-westeurope-flux-identity-decrypt: role 8e3af657-a8ff-443c-a75c-2fe8c4bcb635 is neither Key Vault Crypto User nor a decrypt-only SOPS role (config: aks-gitops:sops.decryptRole)",
    ],
    "custom-role-scope": ["action Microsoft.KeyVault/vaults/keys/* uses a wildcard"],
    "tenant-namespace-quota": [
        "properties.defaultResourceQuota must set memoryLimit (config: aks-gitops:org.tenants.<team>.quota)",
    ],
    "tenant-namespace-network-policy": [
        "properties.defaultNetworkPolicy.egress must be set (DenyAll, AllowSameNamespace, AllowAll) (config: aks-gitops:org.tenants.<team>.networkPolicy)",
        "properties.defaultNetworkPolicy.ingress must be set (DenyAll, AllowSameNamespace, AllowAll) (config: aks-gitops:org.tenants.<team>.networkPolicy)",
    ],
    "tenant-namespace-ingress-isolated": [
        "properties.defaultNetworkPolicy.ingress is AllowAll: pods of every other namespace can reach this namespace's pods (config: aks-gitops:org.tenants.<team>.networkPolicy.ingress)",
    ],
    "tenant-namespace-roles": [
        "payments-admin: role Azure Kubernetes Service RBAC Cluster Admin (b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b) at managed namespace payments is none of Azure Kubernetes Service Namespace User, Azure Kubernetes Service RBAC Reader, Azure Kubernetes Service RBAC Writer, Azure Kubernetes Service RBAC Admin",
    ],
    "tenant-no-cluster-role": [
        `payments-cluster-user: principal ${TEAM} is a tenant's (payments-writer at managed namespace payments) and may hold roles at managed namespaces only, not at /subscriptions/s/resourceGroups/rg-aks-t (config: aks-gitops:org.tenants.<team>.groups)`,
    ],
    "tenant-source-namespace-scoped": [
        "payments-source: a tenant's source (tenant-payments in namespace payments) must have scope namespace, not cluster",
    ],
};

/**
 * Advisory in every environment, by their own level and every config file: the support calendar is a dated table, not
 * the config; a namespace open to ingress from all others is sometimes what an ingress controller needs.
 */
const ADVISORY_EVERYWHERE = ["aks-kubernetes-version-supported", "tenant-namespace-ingress-isolated"];

const C = "prod-westeurope-aks-cluster";
const V = "prod-westeurope-sops-vault";
const cfg = (policy: string, message: string) => `${message} (config: ${CONFIG_KEYS[policy]})`;
const diagnostics = (c: Capture, suffix: string, logs: Props[]) =>
    edit(c, TYPES.diagnosticSetting, (i) => (i.logs = logs), suffix);

/**
 * The edges of each rule beyond its failing fixture: the other ways to comply, the other ways to fail, and settings
 * that are absent altogether. [policy, case, change to prod, the findings' messages ([] = complies)].
 */
const VARIANTS: [string, string, (c: Capture) => Capture, string[]][] = [
    [
        "aks-managed-entra-azure-rbac",
        "unmanaged Entra ID",
        (c) => cluster(c, (i) => (i.aadProfile.managed = false)),
        ["aadProfile.managed must be true"],
    ],
    [
        "aks-kubernetes-version-supported",
        "1.33 under long-term support",
        (c) =>
            cluster(c, (i) =>
                Object.assign(i, {
                    kubernetesVersion: "1.33",
                    supportPlan: "AKSLongTermSupport",
                    sku: { name: "Base", tier: "Premium" },
                }),
            ),
        [],
    ],
    [
        "aks-api-server-restricted",
        "a private cluster without ranges",
        (c) => cluster(c, (i) => (i.apiServerAccessProfile = { enablePrivateCluster: true })),
        [],
    ],
    [
        "aks-api-server-restricted",
        "an empty range list",
        (c) => cluster(c, (i) => (i.apiServerAccessProfile = { authorizedIPRanges: [] })),
        [cfg("aks-api-server-restricted", "set apiServerAccessProfile.authorizedIPRanges or enablePrivateCluster")],
    ],
    ["aks-network-policy", "calico", (c) => cluster(c, (i) => (i.networkProfile.networkPolicy = "calico")), []],
    ["aks-network-policy", "azure", (c) => cluster(c, (i) => (i.networkProfile.networkPolicy = "azure")), []],
    [
        "aks-network-policy",
        "none",
        (c) => cluster(c, (i) => (i.networkProfile.networkPolicy = "none")),
        [cfg("aks-network-policy", "networkProfile.networkPolicy must be azure, calico or cilium")],
    ],
    [
        "aks-auto-upgrade",
        "no channel at all",
        (c) => cluster(c, (i) => delete i.autoUpgradeProfile.upgradeChannel),
        [cfg("aks-auto-upgrade", "autoUpgradeProfile.upgradeChannel must not be none")],
    ],
    [
        "aks-node-os-auto-upgrade",
        "SecurityPatch",
        (c) => cluster(c, (i) => (i.autoUpgradeProfile.nodeOSUpgradeChannel = "SecurityPatch")),
        [],
    ],
    [
        "aks-node-os-auto-upgrade",
        "no node OS channel",
        (c) => cluster(c, (i) => delete i.autoUpgradeProfile.nodeOSUpgradeChannel),
        [cfg("aks-node-os-auto-upgrade", "autoUpgradeProfile.nodeOSUpgradeChannel must be SecurityPatch or NodeImage")],
    ],
    ["aks-uptime-sla", "the Premium tier", (c) => cluster(c, (i) => (i.sku.tier = "Premium")), []],
    [
        "aks-pool-min-pods",
        "maxPods left to the default",
        (c) => pools(c, (p) => delete p.maxPods, "User"),
        [cfg("aks-pool-min-pods", 'pool "user": maxPods (default) is below 50')],
    ],
    ["aks-pool-min-pods", "exactly 50", (c) => pools(c, (p) => (p.maxPods = 50)), []],
    [
        "aks-pool-availability-zones",
        "one zone",
        (c) => pools(c, (p) => (p.availabilityZones = ["1"]), "User"),
        [cfg("aks-pool-availability-zones", 'pool "user": availabilityZones must list at least two zones')],
    ],
    ["aks-pool-availability-zones", "two zones", (c) => pools(c, (p) => (p.availabilityZones = ["1", "2"])), []],
    [
        "aks-system-pool-min-nodes",
        "a fixed count of 3 without autoscaling bounds",
        (c) => pools(c, (p) => Object.assign(p, { minCount: undefined, count: 3 }), "System"),
        [],
    ],
    ["aks-system-pool-min-nodes", "a user pool of one node", (c) => pools(c, (p) => (p.minCount = 1), "User"), []],
    [
        "aks-system-pool-taint",
        "no taints at all",
        (c) => pools(c, (p) => delete p.nodeTaints, "System"),
        ['pool "system": nodeTaints must include CriticalAddonsOnly=true:NoSchedule'],
    ],
    ["aks-system-pool-taint", "an untainted user pool", (c) => pools(c, (p) => delete p.nodeTaints, "User"), []],
    [
        "aks-azure-policy-addon",
        "no Azure Policy add-on entry",
        (c) => cluster(c, (i) => delete i.addonProfiles.azurepolicy),
        ["addonProfiles.azurepolicy.enabled must be true"],
    ],
    ["aks-container-insights", "Container Insights alone", (c) => cluster(c, (i) => delete i.azureMonitorProfile), []],
    [
        "aks-container-insights",
        "managed Prometheus alone",
        (c) => cluster(c, (i) => delete i.addonProfiles.omsagent),
        [],
    ],
    [
        "aks-container-insights",
        "metrics switched off, no Container Insights",
        (c) =>
            cluster(c, (i) =>
                Object.assign(i, {
                    azureMonitorProfile: { metrics: { enabled: false } },
                    addonProfiles: { ...i.addonProfiles, omsagent: { enabled: false } },
                }),
            ),
        [cfg("aks-container-insights", "enable addonProfiles.omsagent or azureMonitorProfile.metrics")],
    ],
    [
        "aks-defender",
        "a Defender profile that does not monitor",
        (c) => cluster(c, (i) => delete i.securityProfile.defender.securityMonitoring),
        [cfg("aks-defender", "securityProfile.defender.securityMonitoring.enabled must be true")],
    ],
    [
        "aks-no-dashboard-or-http-routing",
        "the Kubernetes dashboard",
        (c) => cluster(c, (i) => (i.addonProfiles.kubeDashboard = { enabled: true })),
        ["addonProfiles.kubeDashboard must not be enabled"],
    ],
    [
        "aks-no-dashboard-or-http-routing",
        "both off, explicitly",
        (c) =>
            cluster(c, (i) =>
                Object.assign(i.addonProfiles, {
                    kubeDashboard: { enabled: false },
                    httpApplicationRouting: { enabled: false },
                }),
            ),
        [],
    ],
    [
        "aks-oidc-workload-identity",
        "no OIDC issuer",
        (c) => cluster(c, (i) => (i.oidcIssuerProfile = { enabled: false })),
        ["oidcIssuerProfile.enabled must be true"],
    ],
    [
        "aks-oidc-workload-identity",
        "no workload identity entry",
        (c) => cluster(c, (i) => delete i.securityProfile.workloadIdentity),
        ["securityProfile.workloadIdentity.enabled must be true"],
    ],
    [
        "aks-maintenance-windows",
        "windows that belong to no cluster of the stack",
        (c) => edit(c, TYPES.maintenance, (i) => (i.resourceName = "aks-elsewhere"), "-maintenance-upgrade"),
        [],
    ],
    [
        "aks-maintenance-windows",
        "both windows missing",
        (c) =>
            without(without(c, TYPES.maintenance, "-maintenance-node-os"), TYPES.maintenance, "-maintenance-upgrade"),
        [
            cfg("aks-maintenance-windows", `${C}: no aksManagedAutoUpgradeSchedule maintenance configuration`),
            cfg("aks-maintenance-windows", `${C}: no aksManagedNodeOSUpgradeSchedule maintenance configuration`),
        ],
    ],
    [
        "aks-audit-logs",
        "the audit category group",
        (c) => diagnostics(c, "-aks-audit", [{ categoryGroup: "audit", enabled: true }]),
        [],
    ],
    [
        "aks-audit-logs",
        "the allLogs category group",
        (c) => diagnostics(c, "-aks-audit", [{ categoryGroup: "allLogs", enabled: true }]),
        [],
    ],
    [
        "aks-audit-logs",
        "both categories switched off",
        (c) =>
            diagnostics(c, "-aks-audit", [
                { category: "kube-audit-admin", enabled: false },
                { category: "guard", enabled: false },
            ]),
        [`${C}: diagnostic settings lack kube-audit-admin, guard`],
    ],
    [
        "aks-audit-logs",
        "no diagnostic setting",
        (c) => without(c, TYPES.diagnosticSetting, "-aks-audit"),
        [`${C}: no diagnostic setting sends its logs to a workspace`],
    ],
    [
        "aks-audit-logs",
        "the vault's setting does not count for the cluster",
        (c) =>
            diagnostics(without(c, TYPES.diagnosticSetting, "-aks-audit"), "-sops-audit", [
                { categoryGroup: "allLogs", enabled: true },
            ]),
        [`${C}: no diagnostic setting sends its logs to a workspace`],
    ],
    [
        "kv-soft-delete",
        "soft delete switched off",
        (c) => vault(c, (i) => (i.properties.enableSoftDelete = false)),
        [cfg("kv-soft-delete", "properties.enableSoftDelete must not be false")],
    ],
    ["kv-soft-delete", "7 days", (c) => vault(c, (i) => (i.properties.softDeleteRetentionInDays = 7)), []],
    [
        "kv-soft-delete",
        "6 days",
        (c) => vault(c, (i) => (i.properties.softDeleteRetentionInDays = 6)),
        [cfg("kv-soft-delete", "retention 6 days is outside 7-90")],
    ],
    [
        "kv-soft-delete",
        "retention left to Azure's default",
        (c) => vault(c, (i) => delete i.properties.softDeleteRetentionInDays),
        [],
    ],
    [
        "kv-rbac-authorization",
        "RBAC switched off",
        (c) => vault(c, (i) => (i.properties.enableRbacAuthorization = false)),
        ["properties.enableRbacAuthorization must be true"],
    ],
    [
        "kv-firewall",
        "no network rules at all",
        (c) => vault(c, (i) => delete i.properties.networkAcls),
        [cfg("kv-firewall", "properties.networkAcls.defaultAction must be Deny")],
    ],
    [
        "kv-public-network-restricted",
        "public access disabled, firewall open",
        (c) =>
            vault(c, (i) =>
                Object.assign(i.properties, {
                    publicNetworkAccess: "Disabled",
                    networkAcls: { defaultAction: "Allow" },
                }),
            ),
        [],
    ],
    [
        "kv-public-network-restricted",
        "no network rules at all",
        (c) => vault(c, (i) => delete i.properties.networkAcls),
        [cfg("kv-public-network-restricted", "disable publicNetworkAccess, or deny by default and list ipRules")],
    ],
    [
        "kv-public-network-restricted",
        "rules listed but the firewall open",
        (c) => vault(c, (i) => (i.properties.networkAcls.defaultAction = "Allow")),
        [cfg("kv-public-network-restricted", "disable publicNetworkAccess, or deny by default and list ipRules")],
    ],
    [
        "kv-audit-logs",
        "the AuditEvent category",
        (c) => diagnostics(c, "-sops-audit", [{ category: "AuditEvent", enabled: true }]),
        [],
    ],
    [
        "kv-audit-logs",
        "the allLogs category group",
        (c) => diagnostics(c, "-sops-audit", [{ categoryGroup: "allLogs", enabled: true }]),
        [],
    ],
    [
        "kv-audit-logs",
        "AuditEvent switched off",
        (c) => diagnostics(c, "-sops-audit", [{ category: "AuditEvent", enabled: false }]),
        [`${V}: diagnostic settings lack AuditEvent (or the audit group)`],
    ],
    [
        "kv-key-expiry",
        "the first version's expiry alone",
        (c) => key(c, (i) => delete i.properties.rotationPolicy.attributes),
        [],
    ],
    ["kv-key-expiry", "the policy's expiry alone", (c) => key(c, (i) => delete i.properties.attributes), []],
    [
        "kv-key-auto-rotation",
        "a rotate action spelt Rotate",
        (c) =>
            key(
                c,
                (i) =>
                    (i.properties.rotationPolicy.lifetimeActions = [
                        { trigger: { timeAfterCreate: "P18M" }, action: { type: "Rotate" } },
                    ]),
            ),
        [],
    ],
    [
        "kv-key-auto-rotation",
        "a lifetime action without an action",
        (c) =>
            key(c, (i) => (i.properties.rotationPolicy.lifetimeActions = [{ trigger: { timeAfterCreate: "P18M" } }])),
        [cfg("kv-key-auto-rotation", "properties.rotationPolicy.lifetimeActions must include a rotate action")],
    ],
    [
        "kv-key-sops-operations",
        "no key operations listed",
        (c) => key(c, (i) => delete i.properties.keyOps),
        ["properties.keyOps is [], not [encrypt, decrypt]"],
    ],
    [
        "kv-key-sops-operations",
        "the two in the other order",
        (c) => key(c, (i) => (i.properties.keyOps = ["decrypt", "encrypt"])),
        [],
    ],
    [
        "flux-identity-least-privilege",
        "Key Vault Crypto User at a key",
        (c) =>
            edit(
                c,
                TYPES.roleAssignment,
                (i) =>
                    Object.assign(i, {
                        scope: `${String(i.scope)}/keys/sops-prod`,
                        roleDefinitionId:
                            "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424",
                    }),
                "-decrypt",
            ),
        [],
    ],
    [
        "flux-identity-least-privilege",
        "the custom role granting management actions",
        (c) => edit(c, TYPES.roleDefinition, (i) => (i.permissions[0].actions = ["Microsoft.KeyVault/vaults/read"])),
        [
            cfg(
                "flux-identity-least-privilege",
                `prod-westeurope-flux-identity-decrypt: role ${sopsDecryptRoleGuid("prod", "kv-contoso-sops-prod")} is neither Key Vault Crypto User nor a decrypt-only SOPS role`,
            ),
        ],
    ],
    [
        "flux-identity-least-privilege",
        "the custom role granting encrypt too",
        (c) =>
            edit(c, TYPES.roleDefinition, (i) =>
                i.permissions[0].dataActions.push("Microsoft.KeyVault/vaults/keys/encrypt/action"),
            ),
        [
            cfg(
                "flux-identity-least-privilege",
                `prod-westeurope-flux-identity-decrypt: role ${sopsDecryptRoleGuid("prod", "kv-contoso-sops-prod")} is neither Key Vault Crypto User nor a decrypt-only SOPS role`,
            ),
        ],
    ],
    [
        "flux-identity-least-privilege",
        "the environment's decrypt role defined by its owner, elsewhere",
        (c) => without(c, TYPES.roleDefinition, "-decrypt-role"),
        [],
    ],
    [
        "flux-identity-least-privilege",
        "a wide grant to an identity nobody federates",
        (c) =>
            edit(
                c,
                TYPES.roleAssignment,
                (i) =>
                    (i.roleDefinitionId = `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${OWNER}`),
                "-aks-egress-join",
            ),
        [],
    ],
    [
        "custom-role-scope",
        "a wildcard management action",
        (c) => edit(c, TYPES.roleDefinition, (i) => (i.permissions[0].actions = ["Microsoft.KeyVault/*"])),
        ["action Microsoft.KeyVault/* uses a wildcard"],
    ],
    [
        "custom-role-scope",
        "assignable at a subscription",
        (c) =>
            edit(
                c,
                TYPES.roleDefinition,
                (i) => (i.assignableScopes = ["/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]),
            ),
        ["assignable scope /subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 is wider than a resource group"],
    ],
    [
        "custom-role-scope",
        "assignable at a subscription, with a trailing slash",
        (c) => edit(c, TYPES.roleDefinition, (i) => (i.assignableScopes = ["/subscriptions/s/"])),
        ["assignable scope /subscriptions/s/ is wider than a resource group"],
    ],
    [
        "custom-role-scope",
        "assignable at the root",
        (c) => edit(c, TYPES.roleDefinition, (i) => (i.assignableScopes = ["/"])),
        ["assignable scope / is wider than a resource group"],
    ],
    [
        "custom-role-scope",
        "assignable at a management group",
        (c) =>
            edit(
                c,
                TYPES.roleDefinition,
                (i) => (i.assignableScopes = ["/providers/Microsoft.Management/managementGroups/contoso"]),
            ),
        ["assignable scope /providers/Microsoft.Management/managementGroups/contoso is wider than a resource group"],
    ],
    [
        "custom-role-scope",
        "no permissions and no scopes listed",
        (c) =>
            edit(c, TYPES.roleDefinition, (i) =>
                Object.assign(i, { permissions: undefined, assignableScopes: undefined }),
            ),
        [],
    ],
];
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call */

/** Starts the real pack as Pulumi would (its own process); resolves with the port it prints. */
function startPack(): { child: ReturnType<typeof spawn>; port: Promise<string> } {
    // tsx (esbuild) instead of ts-node: the same TypeScript without type-checking, ~1 s instead of ~15 s; `npm run
    // typecheck` covers the types. Pulumi itself loads the pack through its own TypeScript support.
    const child = spawn(process.execPath, ["--require", "tsx/cjs", "index.ts"], {
        cwd: join(ROOT, "policy"),
        stdio: ["ignore", "pipe", "pipe"],
    });
    const port = new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) {
                resolve(m[1]);
            }
        });
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${err}`)));
    });
    port.catch(() => undefined); // awaited by the test; not unhandled meanwhile
    return { child, port };
}

describe("policy pack", () => {
    sharedCaptures();
    let prod: Capture;
    let dev: Capture;
    let pack: ReturnType<typeof startPack> | undefined;
    before(async () => {
        // The pack process starts first and loads while this process runs the program and the other tests. Not under
        // StrykerJS, which reruns this block per mutant without the pack test: there the test starts its own.
        pack = "__stryker__" in globalThis ? undefined : startPack();
        prod = await planStack("prod");
        dev = await planStack("dev");
    });

    after(() => {
        pack?.child.kill();
    });

    it("names stack-policy resource types exactly as the SDK registers them", () => {
        const classes: Record<keyof typeof TYPES, unknown> = {
            cluster: containerservice.ManagedCluster,
            maintenance: containerservice.MaintenanceConfiguration,
            vault: keyvault.Vault,
            diagnosticSetting: monitor.DiagnosticSetting,
            roleAssignment: authorization.RoleAssignment,
            roleDefinition: authorization.RoleDefinition,
            identity: managedidentity.UserAssignedIdentity,
            federatedCredential: managedidentity.FederatedIdentityCredential,
            managedNamespace: containerservice.ManagedNamespace,
            fluxConfiguration: kubernetesconfiguration.FluxConfiguration,
        };
        for (const [key, cls] of Object.entries(classes)) {
            assert.equal((cls as { __pulumiType: string }).__pulumiType, TYPES[key as keyof typeof TYPES]);
        }
    });

    it("traces every policy to its public rule IDs", () => {
        for (const p of policies) {
            assert.ok(RULES[p.name]?.ids.length > 0, `${p.name} names no rule ID`);
            for (const id of RULES[p.name].ids) {
                assert.ok(p.description.includes(id), `${p.name}'s description must name ${id}`);
            }
            assert.equal(p.enforcementLevel, ADVISORY_EVERYWHERE.includes(p.name) ? "advisory" : "mandatory");
        }
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length, "policy names are unique");
    });

    it("is documented rule by rule in docs/policies.md, exactly as the pack describes itself", () => {
        // One row per policy: | `name` | checks | rule IDs | setting | advisory (<env>: why, joined by <br>) |
        const rows = readFileSync(join(ROOT, "docs", "policies.md"), "utf8")
            .split("\n")
            .filter((l) => l.startsWith("| `"))
            .map((l) =>
                l
                    .split("|")
                    .slice(1, -1)
                    .map((cell) => cell.trim()),
            );
        assert.deepEqual(
            rows.map((r) => r[0].replace(/`/g, "")),
            policies.map((p) => p.name),
            "the page lists every policy, in the pack's order",
        );
        for (const [cell, text, ids, setting, advisory] of rows) {
            const name = cell.replace(/`/g, "");
            const why = Object.fromEntries(
                advisory
                    .split("<br>")
                    .filter(Boolean)
                    .map((a) => [a.slice(0, a.indexOf(": ")), a.slice(a.indexOf(": ") + 2)]),
            );
            const p = policies.find((x) => x.name === name)!;
            // The description format users see in `pulumi preview`: checks (IDs). Advisory in <env>: why.
            const expected = `${text} (${ids}).${why.dev ? ` Advisory in dev: ${why.dev}.` : ""}${why.staging ? ` Advisory in staging: ${why.staging}.` : ""}${why.everywhere ? ` Advisory everywhere: ${why.everywhere}.` : ""}`;
            assert.equal(p.description, expected, name);
            assert.deepEqual(RULES[name].ids, ids.split(", "), name);
            assert.equal(CONFIG_KEYS[name] ?? "", setting.replace(/`/g, ""), `${name}: the setting a finding names`);
            assert.equal(DEV_ADVISORY[name], why.dev, `${name} in dev`);
            assert.equal(STAGING_ADVISORY[name], why.staging, `${name} in staging`);
            assert.equal(ALWAYS_ADVISORY[name], why.everywhere, `${name} everywhere`);
        }
    });

    it("makes exactly the documented dev differences advisory, and says why", () => {
        // The Kubernetes support calendar is a dated table, not a property of the config: advisory everywhere.
        const expected = {
            all: "mandatory",
            "aks-kubernetes-version-supported": "advisory",
            "tenant-namespace-ingress-isolated": "advisory",
            ...Object.fromEntries(Object.keys(DEV_ADVISORY).map((k) => [k, "advisory"])),
        };
        assert.deepEqual(policyConfig("dev"), expected);
        assert.deepEqual(policyConfig("prod"), {
            all: "mandatory",
            "aks-kubernetes-version-supported": "advisory",
            "tenant-namespace-ingress-isolated": "advisory",
        });
        for (const name of Object.keys(DEV_ADVISORY)) {
            const p = policies.find((x) => x.name === name);
            assert.ok(p, `DEV_ADVISORY names unknown policy ${name}`);
            assert.match(p.description, /Advisory in dev: /);
        }
    });

    it("makes exactly the documented staging differences advisory, and says why", async () => {
        const expected = {
            all: "mandatory",
            "aks-kubernetes-version-supported": "advisory",
            "tenant-namespace-ingress-isolated": "advisory",
            ...Object.fromEntries(Object.keys(STAGING_ADVISORY).map((k) => [k, "advisory"])),
        };
        assert.deepEqual(policyConfig("staging"), expected);
        for (const name of Object.keys(STAGING_ADVISORY)) {
            const p = policies.find((x) => x.name === name);
            assert.ok(p, `STAGING_ADVISORY names unknown policy ${name}`);
            assert.match(p.description, /Advisory in staging: /);
            assert.ok(
                DEV_ADVISORY[name],
                `${name}: staging relaxes only what dev relaxes too (staging sits between dev and prod)`,
            );
        }
        // The committed staging stack: only advisory findings, each one a documented staging difference.
        const findings = await evaluatePolicies(await planStack("staging"), "staging");
        assert.deepEqual(
            findings.filter((f) => f.enforcementLevel === "mandatory"),
            [],
        );
        assert.deepEqual([...new Set(findings.map((f) => f.policy))].sort(), Object.keys(STAGING_ADVISORY).sort());
    });

    it("applies Pulumi's precedence: the policy's entry, then all, then its own level", () => {
        const p = policies[0];
        assert.equal(effectiveLevel(p, {}), "mandatory");
        assert.equal(effectiveLevel(p, { all: "advisory" }), "advisory");
        assert.equal(effectiveLevel(p, { all: "advisory", [p.name]: "mandatory" }), "mandatory");
        assert.equal(effectiveLevel(p, { [p.name]: { enforcementLevel: "disabled" } }), "disabled");
    });

    it("finds nothing in the committed prod stack", async () => {
        assert.deepEqual(await evaluatePolicies(prod, "prod"), []);
    });

    it("finds only advisory issues in dev, each one listed in the README", async () => {
        const findings = await evaluatePolicies(dev, "dev");
        assert.ok(findings.length > 0);
        assert.deepEqual(
            findings.filter((f) => f.enforcementLevel === "mandatory"),
            [],
        );
        const readme = readFileSync(join(ROOT, "README.md"), "utf8");
        for (const name of new Set(findings.map((f) => f.policy))) {
            assert.ok(readme.includes(`\`${name}\``), `README must list dev's advisory finding ${name}`);
        }
    });

    it("has a failing fixture for every policy", () => {
        assert.deepEqual(Object.keys(BREAKS).sort(), policies.map((p) => p.name).sort());
    });

    for (const p of policies) {
        it(`${p.name}: passes on prod, fails on the broken fixture`, async () => {
            assert.deepEqual(await evaluatePolicies(prod, "prod", [p]), [], "passing fixture");
            const findings = await evaluatePolicies(BREAKS[p.name](prod), "prod", [p]);
            assert.ok(findings.length > 0, "failing fixture must be reported");
            const level = ADVISORY_EVERYWHERE.includes(p.name) ? "advisory" : "mandatory";
            assert.ok(findings.every((f) => f.policy === p.name && f.enforcementLevel === level && f.urn));
            assert.deepEqual(
                findings.map((f) => f.message),
                MESSAGES[p.name],
            );
        });
    }

    it("reports a resource whose settings are missing altogether as findings, never as a crash", async () => {
        // Inputs reduced to the names only: every nested object a policy reads (aadProfile, networkProfile,
        // properties.networkAcls, rotationPolicy...) is absent, as on a resource written by hand or an older program.
        const bare = structuredClone(prod);
        const keep = ["resourceName", "vaultName", "keyName", "resourceGroupName", "location"];
        for (const r of bare.resources.filter((x) =>
            ([TYPES.cluster, TYPES.vault, T.Key] as string[]).includes(x.type),
        )) {
            r.inputs = Object.fromEntries(Object.entries(r.inputs).filter(([k]) => keep.includes(k)));
        }
        const findings = await evaluatePolicies(bare, "prod");
        const flagged = new Set(findings.map((f) => f.policy));
        // Rules that demand a setting must flag its absence (a rule that only forbids something stays silent).
        for (const name of [
            "aks-local-accounts-disabled",
            "aks-managed-entra-azure-rbac",
            "aks-kubernetes-rbac",
            "aks-api-server-restricted",
            "aks-network-policy",
            "aks-azure-cni",
            "aks-auto-upgrade",
            "aks-uptime-sla",
            "aks-defender",
            "aks-oidc-workload-identity",
            "kv-purge-protection",
            "kv-rbac-authorization",
            "kv-firewall",
            "kv-key-expiry",
            "kv-key-auto-rotation",
            "kv-key-hsm",
            "kv-key-sops-operations",
        ]) {
            assert.ok(flagged.has(name), `${name} must flag a resource without the setting it demands`);
        }
    });

    for (const [name, what, change, messages] of VARIANTS) {
        it(`${name}: ${what}: ${messages.length === 0 ? "complies" : "is reported"}`, async () => {
            const findings = await evaluatePolicies(
                change(prod),
                "prod",
                policies.filter((p) => p.name === name),
            );
            assert.deepEqual(
                findings.map((f) => f.message),
                messages,
            );
        });
    }

    it("judges a grant whose scope is not known yet (a preview) by the resource the scope comes from", async () => {
        const policy = policies.find((x) => x.name === "flux-identity-least-privilege") as StackValidationPolicy;
        const resource = (
            type: string,
            name: string,
            props: object,
            propertyDependencies: Record<string, unknown[]> = {},
        ) =>
            ({
                type,
                name,
                urn: `urn:pulumi:prod::aks-gitops::${type}::${name}`,
                props,
                propertyDependencies,
                dependencies: [],
            }) as unknown as PolicyResource;
        const identity = resource(TYPES.identity, "identity", { tags: { environment: "prod" } });
        const credential = resource(TYPES.federatedCredential, "credential", {}, { resourceName: [identity] });
        const vaultResource = resource(TYPES.vault, "vault", { vaultName: "kv-x" });
        const unknownScope = (from: PolicyResource[]) =>
            resource(
                TYPES.roleAssignment,
                "grant",
                Object.defineProperty(
                    {
                        roleDefinitionId:
                            "/providers/Microsoft.Authorization/roleDefinitions/12338af0-0e69-4776-bea7-57ae8d297424",
                    },
                    "scope",
                    {
                        enumerable: true,
                        get: () => {
                            throw new Error("unknown during preview");
                        },
                    },
                ),
                { principalId: [identity], scope: from },
            );
        const run = async (grant: PolicyResource) => {
            const reports: string[] = [];
            await policy.validateStack(
                {
                    resources: [identity, credential, vaultResource, grant],
                    stackTags: new Map(),
                    getConfig: () => ({}) as never,
                    notApplicable: () => undefined as never,
                },
                (m) => void reports.push(m),
            );
            return reports;
        };
        assert.deepEqual(await run(unknownScope([vaultResource])), [], "scoped to the vault's id");
        assert.deepEqual(await run(unknownScope([])), [
            "grant: scope must be a Key Vault or one of its keys, not undefined",
        ]);
    });

    it("flags a Flux identity granted beyond a vault", async () => {
        const wide = edit(
            prod,
            TYPES.roleAssignment,
            (i) => (i.scope = "/subscriptions/s/resourceGroups/rg-sops-prod"),
            "-decrypt",
        );
        const findings = await evaluatePolicies(
            wide,
            "prod",
            policies.filter((p) => p.name === "flux-identity-least-privilege"),
        );
        assert.match(findings[0]?.message ?? "", /scope must be a Key Vault/);
    });

    it("loads as a real policy pack (TypeScript through tsx, the fast loader) and answers the engine's analyzer RPCs", async function () {
        this.timeout(60000);
        const grpc = lazy.grpc();
        const { AnalyzerClient } = lazy.analyzerGrpc();
        const { AnalyzeRequest, AnalyzerResourceOptions } = lazy.analyzerMessages();
        const { Empty } = lazy.protobufEmpty();
        const { Struct } = lazy.protobufStruct();

        const { child, port: started } = pack ?? startPack();
        try {
            const port = await started;
            const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const call = <T>(fn: (cb: (e: Error | null, r: T) => void) => void) =>
                new Promise<T>((res, rej) => fn((e, r) => (e ? rej(e) : res(r))));

            const info = await call<import("@pulumi/pulumi/proto/analyzer_pb").AnalyzerInfo>((cb) =>
                client.getAnalyzerInfo(new Empty(), cb),
            );
            assert.equal(info.getName(), "aks-gitops-security");
            assert.deepEqual(
                info
                    .getPoliciesList()
                    .map((p) => p.getName())
                    .sort(),
                policies.map((p) => p.name).sort(),
            );

            const clusterInputs = prod.resources.find((r) => r.type === TYPES.cluster)!.inputs;
            const request = new AnalyzeRequest()
                .setType(TYPES.cluster)
                .setName("probe")
                .setOptions(new AnalyzerResourceOptions().setProtect(false))
                .setUrn("urn:pulumi:prod::aks-gitops::azure-native:containerservice:ManagedCluster::probe")
                .setProperties(
                    Struct.fromJavaScript({ ...structuredClone(clusterInputs), disableLocalAccounts: false }),
                );
            const response = await call<import("@pulumi/pulumi/proto/analyzer_pb").AnalyzeResponse>((cb) =>
                client.analyze(request, cb),
            );
            const violated = response.getDiagnosticsList().map((d) => d.getPolicyname());
            assert.deepEqual(violated, ["aks-local-accounts-disabled"]);
            client.close();
        } finally {
            child.kill();
        }
    });
});
