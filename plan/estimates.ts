// Typical time for ARM to create one resource of each type, in minutes. Used for the critical-path estimate of
// standing a stack up from scratch; it is an estimate, not a promise. Each figure states its basis.
// Where a source gives a range, the figure is a middle value; where none exists, the assumption says so.

export interface Estimate {
    minutes: number;
    basis: string;
}

export const ESTIMATES: Record<string, Estimate> = {
    "azure-native:resources:ResourceGroup": { minutes: 0.1, basis: "synchronous ARM write (seconds)" },
    "azure-native:containerservice:ManagedCluster": {
        minutes: 8,
        basis: "AKS create with two autoscaling pools: 5-10 min in Microsoft's quickstarts ('takes a few minutes') and commonly reported; zonal Standard clusters sit at the upper end",
    },
    "azure-native:containerservice:MaintenanceConfiguration": { minutes: 0.2, basis: "synchronous child write of the cluster" },
    "azure-native:keyvault:Vault": { minutes: 0.5, basis: "vault creation completes in well under a minute (long-running ARM operation)" },
    "azure-native:keyvault:Key": { minutes: 0.1, basis: "synchronous key creation" },
    "azure-native:managedidentity:UserAssignedIdentity": { minutes: 0.2, basis: "synchronous ARM write" },
    "azure-native:managedidentity:FederatedIdentityCredential": {
        minutes: 0.2,
        basis: "synchronous write; Entra ID may take a few minutes to honour it (AADSTS70021 meanwhile), which Flux retries without blocking the deployment",
    },
    "azure-native:authorization:RoleAssignment": {
        minutes: 0.2,
        basis: "synchronous write; RBAC propagation (up to ~10 min) happens after, and Flux retries decryption meanwhile",
    },
    "azure-native:authorization:RoleDefinition": { minutes: 0.3, basis: "synchronous write, plus replication before assignments can use it" },
    "azure-native:kubernetesconfiguration:Extension": {
        minutes: 4,
        basis: "microsoft.flux install: the extension operator pulls images and waits for the controllers (typically 2-5 min)",
    },
    "azure-native:kubernetesconfiguration:FluxConfiguration": {
        minutes: 1,
        basis: "configuration accepted by fluxconfig-agent; with waitForReconciliation false ARM does not wait for the first sync",
    },
    "azure-native:network:PublicIPPrefix": { minutes: 0.3, basis: "long-running ARM operation of seconds" },
    "azure-native:operationalinsights:Workspace": { minutes: 0.5, basis: "workspace creation (seconds to a minute)" },
    "azure-native:monitor:DiagnosticSetting": { minutes: 0.2, basis: "synchronous ARM write" },
    "azure-native:monitor:AzureMonitorWorkspace": { minutes: 1, basis: "creates its managed resource group and default DCE/DCR" },
    "azure-native:monitor:DataCollectionEndpoint": { minutes: 0.3, basis: "synchronous ARM write" },
    "azure-native:monitor:DataCollectionRule": { minutes: 0.3, basis: "synchronous ARM write" },
    "azure-native:monitor:DataCollectionRuleAssociation": { minutes: 0.2, basis: "synchronous ARM write" },
    "azure-native:monitor:ActionGroup": { minutes: 0.3, basis: "synchronous ARM write" },
    "azure-native:alertsmanagement:PrometheusRuleGroup": { minutes: 0.3, basis: "synchronous ARM write" },
    "azure-native:dashboard:Grafana": { minutes: 6, basis: "Azure Managed Grafana provisioning is a long-running operation of several minutes" },
};

/** Assumed for a custom resource type without an entry; the plan lists such types so the table can be completed. */
export const UNKNOWN_TYPE_MINUTES = 1;

/** Providers, components and rendered Kubernetes objects take no provisioning time of their own. */
export function estimateFor(type: string, custom: boolean): Estimate {
    if (!custom || type.startsWith("pulumi:providers:") || type.startsWith("kubernetes:")) {
        return { minutes: 0, basis: "no Azure call (component, provider or rendered manifest)" };
    }
    return ESTIMATES[type] ?? { minutes: UNKNOWN_TYPE_MINUTES, basis: "no entry in plan/estimates.ts; assumed" };
}
