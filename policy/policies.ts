// The project's security rules, one policy per rule of ../shared/reference/security-rules.md that applies to what the
// program creates, each naming its public rule IDs (Checkov CKV_*, PSRule Azure.*, Trivy AVD-*). Every policy is
// mandatory; policy/config/dev.json makes the ones where dev deliberately differs advisory (the reason is in DEV_ADVISORY
// and in each description). This module has no side effects: `pulumi preview --policy-pack policy` loads it through
// policy/index.ts, and the offline plan imports it directly (policy/offline.ts).
import type { CustomResource, Unwrap } from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as keyvault from "@pulumi/azure-native/keyvault";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { BUILT_IN_ROLES, SOPS_DECRYPT_DATA_ACTIONS, sopsDecryptRoleGuid } from "../components/roles";
import { kubernetesSupportFinding, SUPPORT_WARNING_DAYS } from "../stacks/perishable";
import { FLUX_NAMESPACE } from "../components/FluxIdentity";

// Policies see a resource's inputs (what the engine registers), typed as the SDK's Args.
type ClusterProps = Unwrap<containerservice.ManagedClusterArgs>;
type VaultProps = Unwrap<keyvault.VaultArgs>;
type KeyProps = Unwrap<keyvault.KeyArgs>;
type RoleDefinitionProps = Unwrap<authorization.RoleDefinitionArgs>;
type NamespaceProps = Unwrap<containerservice.ManagedNamespaceArgs>;
type Pool = NonNullable<ClusterProps["agentPoolProfiles"]>[number];

/** Type tokens of the resources stack policies look for (test/policy/policies.test.ts checks them against the SDK classes). */
export const TYPES = {
    cluster: "azure-native:containerservice:ManagedCluster",
    maintenance: "azure-native:containerservice:MaintenanceConfiguration",
    vault: "azure-native:keyvault:Vault",
    diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    roleDefinition: "azure-native:authorization:RoleDefinition",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    federatedCredential: "azure-native:managedidentity:FederatedIdentityCredential",
    managedNamespace: "azure-native:containerservice:ManagedNamespace",
    fluxConfiguration: "azure-native:kubernetesconfiguration:FluxConfiguration",
} as const;

/** Rules where dev deliberately differs from prod: advisory there (policy/config/dev.json), with the reason. */
export const DEV_ADVISORY: Record<string, string> = {
    "aks-api-server-restricted": "developers and CI reach dev's API server from changing addresses",
    "aks-uptime-sla": "the Free tier saves the SLA fee; dev downtime costs little",
    "aks-pool-availability-zones": "single-zone dev pools cost less and zone outages are acceptable in dev",
    "aks-system-pool-min-nodes": "one system node keeps dev cheap; zone and node redundancy matter in prod",
    "aks-encryption-at-host":
        "needs the EncryptionAtHost feature registered on the subscription; dev subscriptions often lack it",
    "aks-defender": "Defender for Containers is billed per vCore; prod is where it pays",
    "aks-container-insights": "log ingestion cost; dev relies on audit logs and kubectl",
    "kv-purge-protection": "dev may turn it off to recreate its vault freely (its secrets are rebuildable)",
    "kv-soft-delete-90-days": "7 days is enough for dev and frees names sooner",
    "kv-firewall": "dev's vault stays reachable from developer machines without maintaining IP lists",
    "kv-public-network-restricted": "same as kv-firewall",
    "kv-key-hsm": "HSM-backed keys need a Premium vault; software keys are fine for dev secrets",
};

/**
 * Rules where staging deliberately differs from prod: advisory there (policy/config/staging.json), with the reason.
 * Staging is prod's rehearsal, so the list is short: only where prod's setting buys availability or key custody that a
 * rehearsal does not need (stacks/profiles.ts explains each staging setting).
 */
export const STAGING_ADVISORY: Record<string, string> = {
    "aks-system-pool-min-nodes":
        "two zone-spread system nodes survive a node loss; the third node is prod's availability margin",
    "kv-key-hsm":
        "HSM-backed keys need a Premium vault; staging's software key protects test credentials, not production data",
};

/**
 * Rules advisory in every environment (every config file says so, and the policy's own level is advisory): facts that
 * expire with time rather than the configuration's safety (`npm run preflight` asks the subscription itself before a
 * deployment), and choices a platform team may make on purpose that a reviewer should still see.
 */
export const ALWAYS_ADVISORY: Record<string, string> = {
    "aks-kubernetes-version-supported":
        "judged from the dated calendar in stacks/perishable.ts; npm run preflight asks the region",
    // AKS documents AllowAll as what a namespace served by an ingress controller in another namespace needs
    // (MicrosoftDocs/azure-aks-docs articles/aks/concepts-managed-namespaces.md, network policy defaults).
    "tenant-namespace-ingress-isolated":
        "a namespace served by an ingress controller in another namespace needs ingress AllowAll; the finding shows every such opening",
};

/**
 * The stack setting that decides what each rule checks, named next to the ARM property in every finding, so the
 * finding says what to change (`pulumi config set --path '<key>' …`). Rules without an entry check what the program
 * always sets; a finding there is a program bug, not a config choice.
 */
export const CONFIG_KEYS: Record<string, string> = {
    "aks-api-server-restricted":
        "aks-gitops:aks.apiServer.authorizedIpRanges or aks-gitops:aks.apiServer.privateCluster",
    "aks-auto-upgrade": "aks-gitops:aks.upgradeChannel",
    "aks-node-os-auto-upgrade": "aks-gitops:aks.nodeOsUpgradeChannel",
    "aks-network-policy": "aks-gitops:aks.network.networkPolicy",
    "aks-container-insights": "aks-gitops:aks.containerInsights or aks-gitops:monitoring.enabled",
    "aks-defender": "aks-gitops:aks.defender",
    "aks-encryption-at-host": "aks-gitops:aks.encryptionAtHost",
    "aks-ephemeral-os-disk": "aks-gitops:aks.systemPool.osDiskType or aks-gitops:aks.userPool.osDiskType",
    "aks-pool-availability-zones":
        "aks-gitops:aks.systemPool.availabilityZones or aks-gitops:aks.userPool.availabilityZones",
    "aks-pool-min-pods": "aks-gitops:aks.systemPool.maxPods or aks-gitops:aks.userPool.maxPods",
    "aks-system-pool-min-nodes": "aks-gitops:aks.systemPool.minCount",
    "aks-uptime-sla": "aks-gitops:aks.skuTier",
    "aks-kubernetes-version-supported": "aks-gitops:aks.kubernetesVersion",
    "aks-maintenance-windows": "aks-gitops:aks.maintenance",
    "kv-firewall": "aks-gitops:sops.firewall",
    "kv-public-network-restricted": "aks-gitops:sops.firewall",
    "kv-purge-protection": "aks-gitops:sops.purgeProtection",
    "kv-soft-delete-90-days": "aks-gitops:sops.softDeleteRetentionDays",
    "kv-soft-delete": "aks-gitops:sops.softDeleteRetentionDays",
    "kv-key-hsm": "aks-gitops:sops.keyType, with aks-gitops:sops.skuName premium",
    "kv-key-expiry": "aks-gitops:sops.rotation.expireAfter",
    "kv-key-auto-rotation": "aks-gitops:sops.rotation.rotateAfter",
    "flux-identity-least-privilege": "aks-gitops:sops.decryptRole",
    "tenant-namespace-quota": "aks-gitops:org.tenants.<team>.quota",
    "tenant-namespace-network-policy": "aks-gitops:org.tenants.<team>.networkPolicy",
    "tenant-namespace-ingress-isolated": "aks-gitops:org.tenants.<team>.networkPolicy.ingress",
    "tenant-no-cluster-role": "aks-gitops:org.tenants.<team>.groups",
};

/** A finding's message with the config key to change appended. */
export function withConfigKey(policy: string, message: string): string {
    return CONFIG_KEYS[policy] ? `${message} (config: ${CONFIG_KEYS[policy]})` : message;
}

export interface RuleInfo {
    /** Public rule IDs this policy maps to. */
    ids: string[];
}

export const RULES: Record<string, RuleInfo> = {};

function describe(name: string, text: string, ids: string[]): string {
    RULES[name] = { ids };
    const dev = DEV_ADVISORY[name] ? ` Advisory in dev: ${DEV_ADVISORY[name]}.` : "";
    const staging = STAGING_ADVISORY[name] ? ` Advisory in staging: ${STAGING_ADVISORY[name]}.` : "";
    const always = ALWAYS_ADVISORY[name] ? ` Advisory everywhere: ${ALWAYS_ADVISORY[name]}.` : "";
    return `${text} (${ids.join(", ")}).${dev}${staging}${always}`;
}

/** A mandatory policy over the inputs of one resource type; `check` returns the violations. */
function resourceRule<TResource extends CustomResource, TArgs>(
    cls: Parameters<typeof validateResourceOfType<TResource, TArgs>>[0],
    name: string,
    text: string,
    ids: string[],
    check: (props: Unwrap<NonNullable<TArgs>>) => string[],
): ResourceValidationPolicy {
    return {
        name,
        description: describe(name, text, ids),
        enforcementLevel: ALWAYS_ADVISORY[name] ? "advisory" : "mandatory",
        validateResource: validateResourceOfType(cls, (props, _args, report) =>
            check(props).forEach((m) => report(withConfigKey(name, m))),
        ),
    };
}

const clusterRule = (name: string, text: string, ids: string[], check: (c: ClusterProps) => string[]) =>
    resourceRule(containerservice.ManagedCluster, name, text, ids, check);
const vaultRule = (name: string, text: string, ids: string[], check: (v: VaultProps) => string[]) =>
    resourceRule(keyvault.Vault, name, text, ids, check);
const keyRule = (name: string, text: string, ids: string[], check: (k: KeyProps) => string[]) =>
    resourceRule(keyvault.Key, name, text, ids, check);

function poolRule(
    name: string,
    text: string,
    ids: string[],
    check: (p: Pool) => string | undefined,
    which: (p: Pool) => boolean = () => true,
): ResourceValidationPolicy {
    return clusterRule(name, text, ids, (c) =>
        (c.agentPoolProfiles ?? [])
            .filter(which)
            .map((p) => {
                const problem = check(p);
                return problem ? `pool "${p.name}": ${problem}` : undefined;
            })
            .filter((m): m is string => m !== undefined),
    );
}

const when = (bad: boolean, message: string): string[] => (bad ? [message] : []);
const isSystem = (p: Pool) => p.mode === "System";

/** Does `r` take an input from one of `targets` (through property `prop`, or any)? Uses the engine's dependency data. */
function feeds(r: PolicyResource, targets: PolicyResource[], prop?: string): PolicyResource | undefined {
    const sources = prop ? (r.propertyDependencies[prop] ?? []) : r.dependencies;
    return targets.find((t) => sources.some((s) => s.urn === t.urn));
}

/** A stack rule: every resource of `targetType` needs a diagnostic setting (resourceUri from it) with these logs. */
function auditLogRule(
    name: string,
    text: string,
    ids: string[],
    targetType: string,
    covers: (logs: { category?: string; categoryGroup?: string; enabled?: boolean }[]) => string | undefined,
): StackValidationPolicy {
    return {
        name,
        description: describe(name, text, ids),
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const targets = args.resources.filter((r) => r.type === targetType);
            const settings = args.resources.filter((r) => r.type === TYPES.diagnosticSetting);
            for (const target of targets) {
                const mine = settings.filter((s) => feeds(s, [target], "resourceUri"));
                const logs = mine
                    .flatMap(
                        (s) =>
                            (s.props.logs ?? []) as { category?: string; categoryGroup?: string; enabled?: boolean }[],
                    )
                    .filter((l) => l.enabled !== false);
                const missing =
                    mine.length === 0 ? "no diagnostic setting sends its logs to a workspace" : covers(logs);
                if (missing) {
                    report(`${target.name}: ${missing}`, target.urn);
                }
            }
        },
    };
}

/** A property's value, or undefined when the engine cannot know it yet (reading an unknown throws in preview). */
function knownString(read: () => unknown): string | undefined {
    try {
        const value = read();
        return typeof value === "string" ? value : undefined;
    } catch {
        return undefined;
    }
}

const VAULT_SCOPE = /\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)(\/keys\/[^/]+)?$/i;

// ---- Tenants (issue 23): what the policies below share.

/**
 * The roles a tenant principal may hold, all at a managed namespace: the control-plane role the managed-namespaces
 * how-to assigns at the namespace's id, and the three data-plane roles it pairs with managed namespaces. GUIDs from
 * MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md (Containers); scope and pairing from
 * MicrosoftDocs/azure-aks-docs articles/aks/managed-namespaces.md and concepts-managed-namespaces.md. Written here, not
 * taken from components/roles.ts BUILT_IN_ROLES, so that a wrong GUID in the program fails the pack instead of passing it.
 */
export const TENANT_ROLES: Record<string, string> = {
    "c9f76ca8-b262-4b10-8ed2-09cf0948aa35": "Azure Kubernetes Service Namespace User",
    "7f6c6a51-bcf8-42ba-9220-52d62157d7db": "Azure Kubernetes Service RBAC Reader",
    "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb": "Azure Kubernetes Service RBAC Writer",
    "3498e952-d568-435e-9b2c-8d77e338d7f7": "Azure Kubernetes Service RBAC Admin",
};
/** "Lets you manage all resources in the cluster" (built-in-roles.md): named in findings, allowed nowhere for a tenant. */
const RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

/** A managed namespace's ARM id: .../managedClusters/<aks>/managedNamespaces/<ns> (ManagedNamespace.tsp, 2025-09-01). */
const MANAGED_NAMESPACE_SCOPE =
    /\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+\/managedNamespaces\/([^/]+)$/i;

/** Stands for an input the engine does not know yet. */
const NOT_KNOWN = Symbol("not known");

/**
 * An input's value, or NOT_KNOWN while the engine cannot know it (a preview before the resource it comes from exists):
 * reading an unknown throws in the real pack (@pulumi/policy proxy.js, UnknownValueError), and the offline plan marks
 * it "[unknown]" (offline/monitor.ts UNKNOWN).
 */
function knownValue(read: () => unknown): unknown {
    try {
        const value = read();
        return value === "[unknown]" ? NOT_KNOWN : value;
    } catch {
        return NOT_KNOWN;
    }
}

/** A known input as text; `absent` when it is not set (ARM's default). */
const textOf = (value: unknown, absent: string): string =>
    value === undefined || value === null ? absent : typeof value === "string" ? value : JSON.stringify(value);

/** The resources an input's value comes from (the engine's property dependencies). */
const sourcesOf = (r: PolicyResource, prop: string): PolicyResource[] => r.propertyDependencies[prop] ?? [];

const namespaceName = (ns: PolicyResource): string => knownString(() => ns.props.managedNamespaceName) ?? ns.name;

/** Where a role assignment applies: a managed namespace, somewhere else, or not known (then it is not judged). */
type Place = { namespace: string; text: string } | { namespace?: undefined; text: string } | undefined;

/**
 * A known scope is judged by its text. An unknown one (preview) by the resource it comes from, as the engine records
 * it: a ManagedNamespace's id is that namespace; any other resource's id is not a managed namespace (a scope built
 * from the cluster's id is judged so too: the program takes a namespace grant's scope from the ManagedNamespace). An
 * unknown scope that comes from no resource of the stack is not judged.
 */
function placeOf(grant: PolicyResource): Place {
    const scope = knownValue(() => grant.props.scope);
    if (scope !== NOT_KNOWN) {
        const text = String(scope);
        const match = MANAGED_NAMESPACE_SCOPE.exec(text);
        return match ? { namespace: match[1], text } : { text };
    }
    const from = sourcesOf(grant, "scope");
    const ns = from.find((r) => r.type === TYPES.managedNamespace);
    if (ns) {
        return { namespace: namespaceName(ns), text: `the id of ${ns.name}` };
    }
    return from.length > 0 ? { text: `the id of ${from.map((r) => r.name).join(", ")}` } : undefined;
}

/**
 * Who holds a role assignment: its known principal id; while that is unknown, the resources it comes from (the same
 * resource's principal is the same principal). An unknown principal that comes from no resource is not judged.
 */
function principalOf(grant: PolicyResource): { key: string; text: string } | undefined {
    const id = knownValue(() => grant.props.principalId);
    if (id !== NOT_KNOWN) {
        return typeof id === "string" && id !== ""
            ? { key: `id ${id.toLowerCase()}`, text: `principal ${id}` }
            : undefined;
    }
    const from = sourcesOf(grant, "principalId");
    return from.length > 0
        ? {
              key: `from ${from
                  .map((r) => r.urn)
                  .sort()
                  .join(" ")}`,
              text: `the principal of ${from.map((r) => r.name).join(", ")}`,
          }
        : undefined;
}

/**
 * The role's GUID (lowercase), from a known roleDefinitionId; while that is unknown, a role defined in the stack that it
 * comes from (a custom role: never a built-in). Otherwise undefined: not judged.
 */
function roleOf(grant: PolicyResource): string | undefined {
    const id = knownValue(() => grant.props.roleDefinitionId);
    if (typeof id === "string") {
        return (id.split("/").pop() ?? "").toLowerCase();
    }
    const defined =
        id === NOT_KNOWN
            ? sourcesOf(grant, "roleDefinitionId").find((r) => r.type === TYPES.roleDefinition)
            : undefined;
    return defined
        ? (knownString(() => defined.props.roleDefinitionId) ?? `custom role ${defined.name}`).toLowerCase()
        : undefined;
}

const roleText = (role: string): string =>
    role === RBAC_CLUSTER_ADMIN
        ? `Azure Kubernetes Service RBAC Cluster Admin (${role})`
        : (TENANT_ROLES[role] ?? role);

/** A mandatory (or, for ALWAYS_ADVISORY, advisory) stack policy with the pack's description. */
function stackRule(name: string, text: string, ids: string[], validateStack: StackValidationPolicy["validateStack"]) {
    return {
        name,
        description: describe(name, text, ids),
        enforcementLevel: ALWAYS_ADVISORY[name] ? "advisory" : "mandatory",
        validateStack,
    } satisfies StackValidationPolicy;
}

const namespaceRule = (name: string, text: string, ids: string[], check: (n: NamespaceProps) => string[]) =>
    resourceRule(containerservice.ManagedNamespace, name, text, ids, check);

const QUOTA_FIELDS = ["cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit"] as const;
// The PolicyRule values of ManagedNamespace.tsp (2025-09-01).
const POLICY_RULES = ["DenyAll", "AllowSameNamespace", "AllowAll"];

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    // ---- AKS cluster
    clusterRule(
        "aks-local-accounts-disabled",
        "AKS local accounts are disabled; Entra ID is the only way in",
        ["CKV_AZURE_141", "Azure.AKS.LocalAccounts"],
        (c) => when(c.disableLocalAccounts !== true, "disableLocalAccounts must be true"),
    ),
    clusterRule(
        "aks-managed-entra-azure-rbac",
        "AKS uses managed Entra ID integration with Azure RBAC",
        ["Azure.AKS.ManagedAAD", "Azure.AKS.AzureRBAC"],
        (c) => [
            ...when(c.aadProfile?.managed !== true, "aadProfile.managed must be true"),
            ...when(c.aadProfile?.enableAzureRBAC !== true, "aadProfile.enableAzureRBAC must be true"),
        ],
    ),
    clusterRule("aks-kubernetes-rbac", "Kubernetes RBAC is enabled", ["CKV_AZURE_5", "Azure.AKS.UseRBAC"], (c) =>
        when(c.enableRBAC !== true, "enableRBAC must be true"),
    ),
    {
        name: "aks-kubernetes-version-supported",
        description: describe(
            "aks-kubernetes-version-supported",
            `A pinned Kubernetes minor is in AKS support for at least ${SUPPORT_WARNING_DAYS} more days`,
            ["Azure.AKS.Version"],
        ),
        enforcementLevel: "advisory",
        validateResource: validateResourceOfType(containerservice.ManagedCluster, (c, _args, report) => {
            const finding = kubernetesSupportFinding(
                c.kubernetesVersion,
                String(c.supportPlan ?? "KubernetesOfficial"),
                new Date(),
            );
            if (finding) {
                report(withConfigKey("aks-kubernetes-version-supported", finding));
            }
        }),
    },
    clusterRule(
        "aks-api-server-restricted",
        "The API server is private or limited to authorized IP ranges",
        ["CKV_AZURE_6", "Azure.AKS.AuthorizedIPs", "AVD-AZU-0041"],
        (c) =>
            when(
                c.apiServerAccessProfile?.enablePrivateCluster !== true &&
                    (c.apiServerAccessProfile?.authorizedIPRanges ?? []).length === 0,
                "set apiServerAccessProfile.authorizedIPRanges or enablePrivateCluster",
            ),
    ),
    clusterRule(
        "aks-network-policy",
        "A network policy engine is enabled",
        ["CKV_AZURE_7", "Azure.AKS.NetworkPolicy", "AVD-AZU-0043"],
        (c) =>
            when(
                !["azure", "calico", "cilium"].includes(String(c.networkProfile?.networkPolicy ?? "")),
                "networkProfile.networkPolicy must be azure, calico or cilium",
            ),
    ),
    clusterRule("aks-azure-cni", "The cluster uses the Azure CNI network plugin", ["CKV2_AZURE_29"], (c) =>
        when(c.networkProfile?.networkPlugin !== "azure", "networkProfile.networkPlugin must be azure"),
    ),
    clusterRule(
        "aks-auto-upgrade",
        "The control plane follows an auto-upgrade channel",
        ["CKV_AZURE_171", "Azure.AKS.AutoUpgrade"],
        (c) =>
            when(
                !c.autoUpgradeProfile?.upgradeChannel || c.autoUpgradeProfile.upgradeChannel === "none",
                "autoUpgradeProfile.upgradeChannel must not be none",
            ),
    ),
    clusterRule(
        "aks-node-os-auto-upgrade",
        "Node OS images are patched automatically",
        ["Azure.AKS.NodeAutoUpgrade"],
        (c) =>
            when(
                !["SecurityPatch", "NodeImage"].includes(String(c.autoUpgradeProfile?.nodeOSUpgradeChannel ?? "")),
                "autoUpgradeProfile.nodeOSUpgradeChannel must be SecurityPatch or NodeImage",
            ),
    ),
    clusterRule(
        "aks-uptime-sla",
        "The control plane has the financially backed SLA (Standard tier)",
        ["CKV_AZURE_170", "Azure.AKS.UptimeSLA"],
        (c) =>
            when(
                !["Standard", "Premium"].includes(String(c.sku?.tier ?? "")),
                "sku.tier must be Standard (or Premium)",
            ),
    ),
    poolRule(
        "aks-pool-min-pods",
        "Every pool allows at least 50 pods per node",
        ["CKV_AZURE_168", "Azure.AKS.NodeMinPods"],
        (p) => ((p.maxPods ?? 0) < 50 ? `maxPods ${p.maxPods ?? "(default)"} is below 50` : undefined),
    ),
    poolRule(
        "aks-pool-scale-sets",
        "Every pool is a virtual machine scale set",
        ["CKV_AZURE_169", "Azure.AKS.PoolScaleSet"],
        (p) => (p.type !== "VirtualMachineScaleSets" ? "type must be VirtualMachineScaleSets" : undefined),
    ),
    poolRule("aks-pool-autoscaling", "Every pool autoscales", ["Azure.AKS.AutoScaling"], (p) =>
        p.enableAutoScaling !== true ? "enableAutoScaling must be true" : undefined,
    ),
    poolRule(
        "aks-pool-availability-zones",
        "Every pool spans availability zones",
        ["Azure.AKS.AvailabilityZone"],
        (p) => ((p.availabilityZones ?? []).length < 2 ? "availabilityZones must list at least two zones" : undefined),
    ),
    poolRule(
        "aks-system-pool-min-nodes",
        "System pools keep at least 3 nodes",
        ["Azure.AKS.MinNodeCount"],
        (p) => ((p.minCount ?? p.count ?? 0) < 3 ? `minCount ${p.minCount ?? p.count} is below 3` : undefined),
        isSystem,
    ),
    poolRule(
        "aks-system-pool-taint",
        "System pools are tainted CriticalAddonsOnly=true:NoSchedule",
        ["CKV_AZURE_232"],
        (p) =>
            !(p.nodeTaints ?? []).includes("CriticalAddonsOnly=true:NoSchedule")
                ? "nodeTaints must include CriticalAddonsOnly=true:NoSchedule"
                : undefined,
        isSystem,
    ),
    poolRule(
        "aks-ephemeral-os-disk",
        "Pools use ephemeral OS disks",
        ["CKV_AZURE_226", "Azure.AKS.EphemeralOSDisk"],
        (p) => (p.osDiskType !== "Ephemeral" ? "osDiskType must be Ephemeral" : undefined),
    ),
    poolRule("aks-encryption-at-host", "Pools encrypt temp disks and caches at the host", ["CKV_AZURE_227"], (p) =>
        p.enableEncryptionAtHost !== true ? "enableEncryptionAtHost must be true" : undefined,
    ),
    clusterRule(
        "aks-azure-policy-addon",
        "The Azure Policy add-on is enabled",
        ["CKV_AZURE_116", "Azure.AKS.AzurePolicyAddOn"],
        (c) => when(c.addonProfiles?.azurepolicy?.enabled !== true, "addonProfiles.azurepolicy.enabled must be true"),
    ),
    clusterRule(
        "aks-container-insights",
        "Container monitoring is on (Container Insights or managed Prometheus)",
        ["CKV_AZURE_4", "Azure.AKS.ContainerInsights"],
        (c) =>
            when(
                c.addonProfiles?.omsagent?.enabled !== true && c.azureMonitorProfile?.metrics?.enabled !== true,
                "enable addonProfiles.omsagent or azureMonitorProfile.metrics",
            ),
    ),
    clusterRule(
        "aks-defender",
        "Microsoft Defender for Containers monitors the cluster",
        ["Azure.AKS.DefenderProfile"],
        (c) =>
            when(
                c.securityProfile?.defender?.securityMonitoring?.enabled !== true,
                "securityProfile.defender.securityMonitoring.enabled must be true",
            ),
    ),
    clusterRule(
        "aks-no-dashboard-or-http-routing",
        "Neither the Kubernetes dashboard nor HTTP application routing is enabled",
        ["CKV_AZURE_8", "CKV_AZURE_246"],
        (c) => [
            ...when(
                c.addonProfiles?.kubeDashboard?.enabled === true,
                "addonProfiles.kubeDashboard must not be enabled",
            ),
            ...when(
                c.addonProfiles?.httpApplicationRouting?.enabled === true,
                "addonProfiles.httpApplicationRouting must not be enabled",
            ),
        ],
    ),
    clusterRule(
        "aks-oidc-workload-identity",
        "OIDC issuer and workload identity are enabled, as Flux's SOPS decryption needs",
        ["mission requirement (no public rule)"],
        (c) => [
            ...when(c.oidcIssuerProfile?.enabled !== true, "oidcIssuerProfile.enabled must be true"),
            ...when(
                c.securityProfile?.workloadIdentity?.enabled !== true,
                "securityProfile.workloadIdentity.enabled must be true",
            ),
        ],
    ),
    {
        name: "aks-maintenance-windows",
        description: describe(
            "aks-maintenance-windows",
            "Both auto-upgrade channels have planned maintenance windows",
            ["Azure.AKS.MaintenanceWindow"],
        ),
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const clusters = args.resources.filter((r) => r.type === TYPES.cluster);
            const windows = args.resources.filter((r) => r.type === TYPES.maintenance);
            for (const cluster of clusters) {
                const names = windows
                    .filter((w) => feeds(w, [cluster], "resourceName"))
                    .map((w) => String(w.props.configName ?? w.props.name));
                for (const required of ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]) {
                    if (!names.includes(required)) {
                        report(
                            withConfigKey(
                                "aks-maintenance-windows",
                                `${cluster.name}: no ${required} maintenance configuration`,
                            ),
                            cluster.urn,
                        );
                    }
                }
            }
        },
    },
    auditLogRule(
        "aks-audit-logs",
        "AKS control-plane audit logs (kube-audit-admin, guard) go to Log Analytics",
        ["Azure.AKS.AuditLogs"],
        TYPES.cluster,
        (logs) => {
            const missing = ["kube-audit-admin", "guard"].filter(
                (c) =>
                    !logs.some((l) => l.category === c || l.categoryGroup === "audit" || l.categoryGroup === "allLogs"),
            );
            return missing.length > 0 ? `diagnostic settings lack ${missing.join(", ")}` : undefined;
        },
    ),

    // ---- Key Vault and the SOPS key
    vaultRule(
        "kv-purge-protection",
        "Purge protection is on: a purged SOPS key makes every secret unreadable",
        ["CKV_AZURE_42", "CKV_AZURE_110", "Azure.KeyVault.PurgeProtect"],
        (v) => when(v.properties?.enablePurgeProtection !== true, "properties.enablePurgeProtection must be true"),
    ),
    vaultRule(
        "kv-soft-delete",
        "Soft delete is on with a retention of 7 to 90 days",
        ["CKV_AZURE_111", "Azure.KeyVault.SoftDelete"],
        (v) => {
            const days = v.properties?.softDeleteRetentionInDays ?? 90;
            return [
                ...when(v.properties?.enableSoftDelete === false, "properties.enableSoftDelete must not be false"),
                ...when(days < 7 || days > 90, `retention ${days} days is outside 7-90`),
            ];
        },
    ),
    vaultRule(
        "kv-soft-delete-90-days",
        "Soft-deleted vaults and keys are kept for the maximum 90 days",
        ["CKV_AZURE_111", "Azure.KeyVault.SoftDelete"],
        (v) =>
            when(
                (v.properties?.softDeleteRetentionInDays ?? 90) < 90,
                `properties.softDeleteRetentionInDays is ${v.properties?.softDeleteRetentionInDays}, not 90`,
            ),
    ),
    vaultRule(
        "kv-rbac-authorization",
        "The vault authorizes with Azure RBAC, not access policies",
        ["Azure.KeyVault.RBAC"],
        (v) => [
            ...when(v.properties?.enableRbacAuthorization !== true, "properties.enableRbacAuthorization must be true"),
            ...when((v.properties?.accessPolicies ?? []).length > 0, "properties.accessPolicies must be empty"),
        ],
    ),
    vaultRule(
        "kv-firewall",
        "The vault firewall denies by default",
        ["CKV_AZURE_109", "Azure.KeyVault.Firewall", "AVD-AZU-0013"],
        (v) =>
            when(
                v.properties?.networkAcls?.defaultAction !== "Deny",
                "properties.networkAcls.defaultAction must be Deny",
            ),
    ),
    vaultRule(
        "kv-public-network-restricted",
        "Public network access is disabled or restricted to IP rules",
        ["CKV_AZURE_189"],
        (v) => {
            const disabled = String(v.properties?.publicNetworkAccess ?? "").toLowerCase() === "disabled";
            const restricted =
                v.properties?.networkAcls?.defaultAction === "Deny" &&
                (v.properties?.networkAcls?.ipRules ?? []).length > 0;
            return when(!disabled && !restricted, "disable publicNetworkAccess, or deny by default and list ipRules");
        },
    ),
    auditLogRule(
        "kv-audit-logs",
        "Vault audit events go to Log Analytics",
        ["Azure.KeyVault.Logs", "KICS vault_auditing_disabled"],
        TYPES.vault,
        (logs) =>
            logs.some(
                (l) => l.category === "AuditEvent" || l.categoryGroup === "audit" || l.categoryGroup === "allLogs",
            )
                ? undefined
                : "diagnostic settings lack AuditEvent (or the audit group)",
    ),
    keyRule(
        "kv-key-expiry",
        "Key versions expire (rotation policy expiryTime)",
        ["CKV_AZURE_40", "AVD-AZU-0014"],
        (k) =>
            when(
                !k.properties?.rotationPolicy?.attributes?.expiryTime &&
                    k.properties?.attributes?.expires === undefined,
                "set properties.rotationPolicy.attributes.expiryTime",
            ),
    ),
    keyRule("kv-key-auto-rotation", "The key rotates automatically", ["Azure.KeyVault.AutoRotationPolicy"], (k) =>
        when(
            !(k.properties?.rotationPolicy?.lifetimeActions ?? []).some(
                (a) => String(a.action?.type ?? "").toLowerCase() === "rotate",
            ),
            "properties.rotationPolicy.lifetimeActions must include a rotate action",
        ),
    ),
    keyRule("kv-key-hsm", "The SOPS key is HSM-protected (RSA-HSM in a Premium vault)", ["CKV_AZURE_112"], (k) =>
        when(k.properties?.kty !== "RSA-HSM", `properties.kty is ${k.properties?.kty}, not RSA-HSM`),
    ),
    keyRule(
        "kv-key-sops-operations",
        "The SOPS key allows encrypt and decrypt only",
        ["least privilege (SOPS azkv)"],
        (k) => {
            const ops = [...(k.properties?.keyOps ?? [])].map(String).sort();
            return when(
                ops.join(",") !== "decrypt,encrypt",
                `properties.keyOps is [${ops.join(", ")}], not [encrypt, decrypt]`,
            );
        },
    ),

    // ---- Identities and roles
    {
        name: "flux-identity-least-privilege",
        description: describe(
            "flux-identity-least-privilege",
            "Federated workload identities hold only Key Vault Crypto User or the SOPS decrypt role, at a vault or key, nothing wider",
            ["least privilege (Flux Azure guide and Key Vault RBAC guide)"],
        ),
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const federated = args.resources
                .filter((r) => r.type === TYPES.identity)
                .filter((identity) =>
                    args.resources.some(
                        (r) => r.type === TYPES.federatedCredential && feeds(r, [identity], "resourceName"),
                    ),
                );
            const customRoles = args.resources.filter((r) => r.type === TYPES.roleDefinition);
            const vaults = args.resources.filter((r) => r.type === TYPES.vault);
            for (const grant of args.resources.filter((r) => r.type === TYPES.roleAssignment)) {
                const identity = feeds(grant, federated, "principalId");
                if (!identity) {
                    continue;
                }
                // A known scope must name a vault (or key); only while it is unknown (preview) does its source decide.
                const scope = knownString(() => grant.props.scope);
                const vaultName =
                    scope !== undefined
                        ? VAULT_SCOPE.exec(scope)?.[1]
                        : (vaults.find((v) => feeds(grant, [v], "scope"))?.props.vaultName as string | undefined);
                if (!vaultName) {
                    report(`${grant.name}: scope must be a Key Vault or one of its keys, not ${scope}`, grant.urn);
                    continue;
                }
                const role =
                    String(grant.props.roleDefinitionId ?? "")
                        .split("/")
                        .pop() ?? "";
                const defined = customRoles.find((d) => String(d.props.roleDefinitionId) === role);
                const decryptOnly = defined
                    ? ((defined.props.permissions ?? []) as { actions?: string[]; dataActions?: string[] }[]).every(
                          (p) =>
                              (p.actions ?? []).length === 0 &&
                              (p.dataActions ?? []).every((a) => SOPS_DECRYPT_DATA_ACTIONS.includes(a)),
                      )
                    : role ===
                      sopsDecryptRoleGuid(
                          String(((identity.props.tags ?? {}) as Record<string, string | undefined>).environment ?? ""),
                          String(vaultName),
                      );
                if (role !== BUILT_IN_ROLES.keyVaultCryptoUser && !decryptOnly) {
                    report(
                        withConfigKey(
                            "flux-identity-least-privilege",
                            `${grant.name}: role ${role} is neither Key Vault Crypto User nor a decrypt-only SOPS role`,
                        ),
                        grant.urn,
                    );
                }
            }
        },
    },
    {
        name: "custom-role-scope",
        description: describe(
            "custom-role-scope",
            "Custom roles grant no wildcard actions and are not assignable subscription-wide",
            ["CKV_AZURE_39", "AVD-AZU-0030"],
        ),
        enforcementLevel: "mandatory",
        validateResource: validateResourceOfType(
            authorization.RoleDefinition,
            (role: RoleDefinitionProps, _args, report) => {
                for (const p of role.permissions ?? []) {
                    for (const action of [...(p.actions ?? []), ...(p.dataActions ?? [])]) {
                        if (String(action).includes("*")) {
                            report(`action ${action} uses a wildcard`);
                        }
                    }
                }
                for (const scope of role.assignableScopes ?? []) {
                    if (
                        /^\/subscriptions\/[^/]+\/?$/i.test(String(scope)) ||
                        String(scope) === "/" ||
                        /managementGroups/i.test(String(scope))
                    ) {
                        report(`assignable scope ${scope} is wider than a resource group`);
                    }
                }
            },
        ),
    },
    // ---- Tenants (issue 23): a team's namespaces, access and source
    // The SDK fills in ingress AllowSameNamespace and egress AllowAll when defaultNetworkPolicy is given at all
    // (@pulumi/azure-native types/input.js networkPoliciesArgsProvideDefaults), so an absent direction means an absent
    // policy object; ARM would apply the same defaults (ManagedNamespace.tsp), but the rule wants them stated.
    namespaceRule(
        "tenant-namespace-quota",
        "Every managed namespace has a default resource quota on CPU and memory, requests and limits",
        ["AVD-KSV-0040"],
        (n) => {
            const quota = n.properties?.defaultResourceQuota;
            const missing = QUOTA_FIELDS.filter((f) => !quota?.[f]);
            return when(missing.length > 0, `properties.defaultResourceQuota must set ${missing.join(", ")}`);
        },
    ),
    namespaceRule(
        "tenant-namespace-network-policy",
        "Every managed namespace has a default network policy for ingress and egress",
        ["CIS Kubernetes 5.3.2"],
        (n) =>
            (["ingress", "egress"] as const).flatMap((direction) => {
                const rule = n.properties?.defaultNetworkPolicy?.[direction];
                return rule === undefined || rule === ""
                    ? [`properties.defaultNetworkPolicy.${direction} must be set (${POLICY_RULES.join(", ")})`]
                    : when(
                          !POLICY_RULES.includes(String(rule)),
                          `properties.defaultNetworkPolicy.${direction} is ${rule}, not one of ${POLICY_RULES.join(", ")}`,
                      );
            }),
    ),
    namespaceRule(
        "tenant-namespace-ingress-isolated",
        "A managed namespace admits ingress from its own namespace only",
        ["CIS Kubernetes 5.3.2"],
        (n) =>
            when(
                n.properties?.defaultNetworkPolicy?.ingress === "AllowAll",
                "properties.defaultNetworkPolicy.ingress is AllowAll: pods of every other namespace can reach this namespace's pods",
            ),
    ),
    // A tenant principal is one that holds a role at a managed namespace. Unknown inputs (a preview) are judged by the
    // resources they come from (placeOf, principalOf, roleOf); what stays unknown is not a finding.
    stackRule(
        "tenant-namespace-roles",
        "Roles at a managed namespace are only Namespace User and RBAC Reader, Writer or Admin, never RBAC Cluster Admin",
        ["CIS Kubernetes 5.1.1", "least privilege (AKS managed namespaces guide)"],
        (args, report) => {
            for (const grant of args.resources.filter((r) => r.type === TYPES.roleAssignment)) {
                const place = placeOf(grant);
                const role = roleOf(grant);
                if (place?.namespace !== undefined && role !== undefined && !TENANT_ROLES[role]) {
                    report(
                        `${grant.name}: role ${roleText(role)} at managed namespace ${place.namespace} is none of ${Object.values(TENANT_ROLES).join(", ")}`,
                        grant.urn,
                    );
                }
            }
        },
    ),
    stackRule(
        "tenant-no-cluster-role",
        "A principal with a role at a managed namespace (a tenant's group) holds roles at managed namespaces only",
        ["CIS Kubernetes 5.1.1", "least privilege (AKS managed namespaces guide)"],
        (args, report) => {
            const grants = args.resources
                .filter((r) => r.type === TYPES.roleAssignment)
                .map((grant) => ({ grant, place: placeOf(grant), principal: principalOf(grant) }));
            const tenants = new Map<string, { grant: PolicyResource; namespace: string }>();
            for (const { grant, place, principal } of grants) {
                if (principal && place?.namespace !== undefined && !tenants.has(principal.key)) {
                    tenants.set(principal.key, { grant, namespace: place.namespace });
                }
            }
            for (const { grant, place, principal } of grants) {
                const tenant = principal ? tenants.get(principal.key) : undefined;
                if (tenant && principal && place && place.namespace === undefined) {
                    report(
                        withConfigKey(
                            "tenant-no-cluster-role",
                            `${grant.name}: ${principal.text} is a tenant's (${tenant.grant.name} at managed namespace ${tenant.namespace}) and may hold roles at managed namespaces only, not at ${place.text}`,
                        ),
                        grant.urn,
                    );
                }
            }
        },
    ),
    // A Flux configuration is a tenant's when it deploys into a managed namespace or is named tenant-*. Its scope must
    // be namespace (ARM's default is cluster: fluxconfiguration.json 2023-05-01 ScopeDefinition; namespace defaults to
    // "default"), and its namespace a managed one: the tenant label that the admission guard in the fleet keys on is
    // set by ARM on managed namespaces only. Cluster scope is the platform's, whose configuration lives in flux-system.
    stackRule(
        "tenant-source-namespace-scoped",
        "A tenant's Flux configuration is namespace-scoped in a managed namespace; only the platform's (flux-system) is cluster-scoped",
        ["least privilege (microsoft.flux multi-tenancy guide)"],
        (args, report) => {
            const managed = args.resources.filter((r) => r.type === TYPES.managedNamespace);
            const names = new Set(managed.map(namespaceName));
            for (const config of args.resources.filter((r) => r.type === TYPES.fluxConfiguration)) {
                const name = knownValue(() => config.props.fluxConfigurationName);
                const rawNamespace = knownValue(() => config.props.namespace);
                const fromManaged = sourcesOf(config, "namespace").find((r) => r.type === TYPES.managedNamespace);
                const namespace =
                    rawNamespace === NOT_KNOWN
                        ? fromManaged && namespaceName(fromManaged)
                        : textOf(rawNamespace, "default");
                const rawScope = knownValue(() => config.props.scope);
                const scope = rawScope === NOT_KNOWN ? undefined : textOf(rawScope, "cluster");
                const named = typeof name === "string" && name.startsWith("tenant-");
                const nameText = name === NOT_KNOWN ? "(name not known yet)" : String(name);
                const tenant = named || (namespace !== undefined && names.has(namespace));
                const problems = tenant
                    ? [
                          ...when(
                              scope !== undefined && scope !== "namespace",
                              `a tenant's source (${nameText} in namespace ${namespace ?? "(not known yet)"}) must have scope namespace, not ${scope}`,
                          ),
                          ...when(
                              namespace !== undefined && !names.has(namespace),
                              `a tenant's source (${nameText}) must deploy into a managed namespace of the stack, not ${namespace}`,
                          ),
                      ]
                    : when(
                          scope !== undefined &&
                              scope !== "namespace" &&
                              namespace !== undefined &&
                              namespace !== FLUX_NAMESPACE,
                          `only the platform's configuration, in namespace ${FLUX_NAMESPACE}, may be cluster-scoped; ${nameText} is in namespace ${namespace}`,
                      );
                problems.forEach((m) => report(`${config.name}: ${m}`, config.urn));
            }
        },
    ),
];
