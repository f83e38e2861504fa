// Typical time for ARM to create one resource of each type, in minutes. Used for the critical-path estimate of
// standing a stack up from scratch; it is an estimate, not a promise. Each figure's basis is the comment beside it.
// Where a source gives a range, the figure is a middle value; where none exists, the assumption says so.

export const ESTIMATES: Record<string, number> = {
    "azure-native:resources:ResourceGroup": 0.1, // synchronous ARM write (seconds)
    // AKS create with two autoscaling pools: 5-10 min in Microsoft's quickstarts ('takes a few minutes') and commonly
    // reported; zonal Standard clusters sit at the upper end.
    "azure-native:containerservice:ManagedCluster": 8,
    "azure-native:containerservice:MaintenanceConfiguration": 0.2, // synchronous child write of the cluster
    "azure-native:keyvault:Vault": 0.5, // vault creation completes in well under a minute (long-running ARM operation)
    "azure-native:keyvault:Key": 0.1, // synchronous key creation
    "azure-native:managedidentity:UserAssignedIdentity": 0.2, // synchronous ARM write
    // Synchronous write; Entra ID may take a few minutes to honour it (AADSTS70021 meanwhile), which Flux retries
    // without blocking the deployment.
    "azure-native:managedidentity:FederatedIdentityCredential": 0.2,
    // Synchronous write; RBAC propagation (up to ~10 min) happens after, and Flux retries decryption meanwhile.
    "azure-native:authorization:RoleAssignment": 0.2,
    "azure-native:authorization:RoleDefinition": 0.3, // synchronous write, plus replication before assignments can use it
    // microsoft.flux install: the extension operator pulls images and waits for the controllers (typically 2-5 min).
    "azure-native:kubernetesconfiguration:Extension": 4,
    // Configuration accepted by fluxconfig-agent; with waitForReconciliation false ARM does not wait for the first sync.
    "azure-native:kubernetesconfiguration:FluxConfiguration": 1,
    // A long-running PUT (ManagedNamespace.tsp: createOrUpdate is ArmResourceCreateOrReplaceAsync); the in-cluster
    // reconciler creates the namespace, its quota and network policy: about a minute, no published figure.
    "azure-native:containerservice:ManagedNamespace": 1,
    "azure-native:network:PublicIPPrefix": 0.3, // long-running ARM operation of seconds
    "azure-native:operationalinsights:Workspace": 0.5, // workspace creation (seconds to a minute)
    "azure-native:monitor:DiagnosticSetting": 0.2, // synchronous ARM write
    "azure-native:monitor:AzureMonitorWorkspace": 1, // creates its managed resource group and default DCE/DCR
    "azure-native:monitor:DataCollectionEndpoint": 0.3, // synchronous ARM write
    "azure-native:monitor:DataCollectionRule": 0.3, // synchronous ARM write
    "azure-native:monitor:DataCollectionRuleAssociation": 0.2, // synchronous ARM write
    "azure-native:monitor:ActionGroup": 0.3, // synchronous ARM write
    "azure-native:alertsmanagement:PrometheusRuleGroup": 0.3, // synchronous ARM write
    "azure-native:dashboard:Grafana": 6, // Azure Managed Grafana provisioning is a long-running operation of several minutes
};

/** Assumed for a custom resource type without an entry; the plan lists such types so the table can be completed. */
export const UNKNOWN_TYPE_MINUTES = 1;

/** Minutes for one resource. Providers, components and rendered Kubernetes objects take no provisioning time of their own. */
export function estimateFor(type: string, custom: boolean): number {
    if (!custom || type.startsWith("pulumi:providers:") || type.startsWith("kubernetes:")) {
        return 0;
    }
    return ESTIMATES[type] ?? UNKNOWN_TYPE_MINUTES;
}
