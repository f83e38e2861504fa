// Every physical name a stack uses, computed once from its settings (as mspnp/aks-baseline derives its names in one
// block). The components, verify, CI's rollout and new-stack all ask here, so no other file rebuilds a name such as
// aks-<cluster>. Pure (no Pulumi import): the offline tools load it cheaply.
//
// Limits, unless a line says otherwise, from "Naming rules and restrictions for Azure resources"
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules, 2025-03-14;
// MicrosoftDocs/azure-docs articles/azure-resource-manager/management/resource-name-rules.md). The schema keeps every
// name that is not cut within its limit (clusterName at most 40 characters, location at most 30: stacks/schema.ts);
// test/stacks/names.test.ts checks the longest ones.
import { parseArmId, type StackSettings } from "./schema";

/** Azure's length limits of the names built here (the lower bounds are met by the fixed prefixes). */
export const NAME_LIMITS = {
    /** Microsoft.Resources resourcegroups: 1-90. */
    resourceGroup: 90,
    /** Microsoft.ContainerService managedClusters: 1-63, alphanumerics, underscores and hyphens. */
    managedCluster: 63,
    /** Microsoft.ManagedIdentity userAssignedIdentities: 3-128. */
    userAssignedIdentity: 128,
    /** Microsoft.Network publicIPPrefixes: 1-80. */
    publicIpPrefix: 80,
    /** Microsoft.OperationalInsights workspaces: 4-63. */
    logAnalyticsWorkspace: 63,
    /** Microsoft.KeyVault vaults: 3-24 (checked by the schema: sops.vaultName). */
    keyVault: 24,
    /** Microsoft.Insights actionGroups and Microsoft.AlertsManagement prometheusRuleGroups: 1-260. */
    actionGroup: 260,
    prometheusRuleGroup: 260,
    /**
     * Data collection rules: 64 and endpoints: 44, not in the naming-rules page; the limits Microsoft's onboarding
     * templates cut to (microsoft/Docker-Provider existingClusterOnboarding.json; Azure/prometheus-collector
     * AddonBicepTemplate), kept so that names never change.
     */
    dataCollectionRule: 64,
    dataCollectionEndpoint: 44,
    /**
     * Managed Grafana: 23 (the API's limit before 2024-10-01; Microsoft.Dashboard grafana.json 2024-10-01 allows 30:
     * workspaceName ^[a-zA-Z][a-z0-9A-Z-]{0,28}[a-z0-9A-Z]$). Kept at 23 so that a name valid under every API version
     * the provider may use.
     */
    grafana: 23,
} as const;

/** Names that follow from the settings, computed once here so every consumer agrees on them. */
export interface DerivedNames {
    resourceGroupName: string;
    /** owner: this stack creates the environment's vault and key; existing: it uses them (sops.existingKeyId). */
    sopsMode: "owner" | "existing";
    sopsResourceGroupName: string;
    sopsVaultName: string;
    sopsKeyName: string;
    /** https://<vault>.vault.azure.net/ (Azure public cloud). */
    sopsVaultUri: string;
    /** Versionless key URL: SOPS >= 3.11 resolves the current version when encrypting and records it in the file. */
    sopsKeyUrl: string;
}

/** Every physical name of a stack. */
export interface StackNames extends DerivedNames {
    /** The AKS resource name, aks-<clusterName>; also the API server's DNS prefix. */
    aksCluster: string;
    dnsPrefix: string;
    /** The group AKS creates for the nodes. */
    nodeResourceGroup: string;
    /** The cluster's control-plane identity (it must exist before the cluster to be granted the egress prefix). */
    controlPlaneIdentity: string;
    /** The egress prefix the stack creates (absent from use when aks.network.egress.publicIpPrefixId names one). */
    egressPrefix: string;
    /** Its ARM id without the subscription part; absent when the stack uses an existing prefix. */
    egressPrefixId?: string;
    /** Log Analytics workspace: audit logs, Defender and Container Insights. */
    logWorkspace: string;
    /** Flux's workload identity. */
    fluxIdentity: string;
    /** Container Insights data collection rule: MSCI-<region>-<AKS name>, as the CLI names it. */
    insightsDataCollectionRule: string;
    /** Azure Monitor workspace of managed Prometheus. */
    monitorWorkspace: string;
    /** Managed Prometheus data collection endpoint, rule and association: MSProm-<region>-<AKS name>. */
    prometheusDataCollectionEndpoint: string;
    prometheusDataCollectionRule: string;
    prometheusDataCollectionRuleAssociation: string;
    actionGroup: string;
    prometheusRuleGroup: string;
    grafana: string;
    /**
     * graf-<AKS name>: the Grafana grants' stable key and the reader grant's description, as first deployed (an
     * assignment's GUID name derives from the key, components/roles.ts), so renaming the workspace moves no grant.
     */
    grafanaGrantKey: string;
    /** The custom SOPS decrypt role's display name (its GUID: components/roles.ts sopsDecryptRoleGuid). */
    sopsDecryptRoleName: string;
}

export function derivedNames(s: StackSettings): DerivedNames {
    const existing = s.sops.existingKeyId ? parseArmId(s.sops.existingKeyId) : undefined;
    const sopsVaultName = existing?.names[0] ?? s.sops.vaultName!;
    const sopsKeyName = existing?.names[1] ?? s.sops.keyName ?? `sops-${s.environment}`;
    const sopsVaultUri = `https://${sopsVaultName}.vault.azure.net/`;
    return {
        resourceGroupName: s.resourceGroupName ?? `rg-aks-${s.clusterName}`,
        sopsMode: existing ? "existing" : "owner",
        sopsResourceGroupName: existing?.resourceGroupName ?? s.sops.resourceGroupName ?? `rg-sops-${s.environment}`,
        sopsVaultName,
        sopsKeyName,
        sopsVaultUri,
        sopsKeyUrl: `${sopsVaultUri}keys/${sopsKeyName}`,
    };
}

export function physicalNames(s: StackSettings): StackNames {
    const base = derivedNames(s);
    const aks = `aks-${s.clusterName}`;
    const msprom = `MSProm-${s.location}-${aks}`;
    const egressPrefix = `pip-egress-${aks}`;
    return {
        ...base,
        aksCluster: aks,
        dnsPrefix: aks,
        nodeResourceGroup: `${aks}-nodes`,
        controlPlaneIdentity: `id-${aks}`,
        egressPrefix,
        ...(s.aks.network.egress.publicIpPrefixId
            ? {}
            : {
                  egressPrefixId: `/resourceGroups/${base.resourceGroupName}/providers/Microsoft.Network/publicIPPrefixes/${egressPrefix}`,
              }),
        logWorkspace: `log-${s.clusterName}`,
        fluxIdentity: `id-flux-${s.clusterName}`,
        // Cut as the CLI cuts it (it never runs over for a schema-valid stack: 5 + 30 + 1 + 44 is 80, hence the cut).
        insightsDataCollectionRule: `MSCI-${s.location}-${aks}`.slice(0, NAME_LIMITS.dataCollectionRule),
        monitorWorkspace: `amw-${aks}`,
        prometheusDataCollectionEndpoint: msprom.slice(0, NAME_LIMITS.dataCollectionEndpoint),
        prometheusDataCollectionRule: msprom.slice(0, NAME_LIMITS.dataCollectionRule),
        prometheusDataCollectionRuleAssociation: msprom,
        actionGroup: `ag-flux-${aks}`,
        prometheusRuleGroup: `flux-reconciliation-${aks}`,
        grafana: grafanaName(s.clusterName),
        grafanaGrantKey: `graf-${aks}`,
        sopsDecryptRoleName: `SOPS decrypt (${base.sopsVaultName})`,
    };
}

/**
 * graf-<cluster name> (the cluster's own name, without the aks- of the AKS resource, so that the region stays in it),
 * cut at a hyphen to fit Grafana's 23 characters: a name is never cut inside a word. prod-westeurope's is
 * graf-prod-westeurope; a 40-character cluster name keeps its leading words. A first word too long for the limit is
 * the only one cut inside (the name must not be empty).
 */
export function grafanaName(clusterName: string): string {
    return cutAtWord(`graf-${clusterName}`, NAME_LIMITS.grafana);
}

/** The longest prefix of whole hyphen-separated words that fits `limit`. */
export function cutAtWord(name: string, limit: number): string {
    if (name.length <= limit) {
        return name;
    }
    const cut = name.lastIndexOf("-", limit);
    return cut > 0 ? name.slice(0, cut).replace(/-+$/, "") : name.slice(0, limit);
}

/**
 * A tenant namespace's Flux configuration (`npm run verify` reads it by this name). At most 63 characters: tenant
 * namespaces are at most 56 (stacks/schema.ts namespaceName).
 */
export function tenantConfigurationName(namespace: string): string {
    return `tenant-${namespace}`;
}
