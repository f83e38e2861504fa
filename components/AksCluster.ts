import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { StackNames } from "../stacks/names";
import type { AksSettings, PoolSettings } from "../stacks/schema";
import { parseArmId } from "../stacks/schema";
import { BUILT_IN_ROLES, grantRole, roleDefinitionId } from "./roles";

/** The physical names the cluster's resources take (stacks/names.ts computes them for the stack). */
export type AksNames = Pick<
    StackNames,
    | "aksCluster"
    | "dnsPrefix"
    | "nodeResourceGroup"
    | "controlPlaneIdentity"
    | "egressPrefix"
    | "insightsDataCollectionRule"
>;

/** What AksCluster takes. Every argument is required: the defaults live in the stack's profile (stacks/profiles.ts). */
export interface AksClusterArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    names: AksNames;
    /**
     * The stack's aks.* settings. aks.network.egress.publicIpPrefixId must be absolute (/subscriptions/...): it is
     * read and granted as is; absent, the cluster creates its own prefix (names.egressPrefix).
     */
    settings: AksSettings;
    /** Entra ID groups that become cluster admins (object ids). */
    adminGroupObjectIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Log Analytics workspace for audit logs, Defender and Container Insights. */
    logAnalyticsWorkspaceId: pulumi.Input<string>;
    /** Turn on the Azure Monitor metrics add-on (managed Prometheus); its data collection rule is FluxMonitoring's. */
    managedPrometheus: boolean;
    /**
     * Standby (a DR cluster in peacetime): create only what the cluster needs to exist first (egress prefix,
     * control-plane identity and its grant), so that activating creates the cluster and nothing slow besides.
     */
    standby: boolean;
    subscriptionId: pulumi.Input<string>;
    tags: Record<string, string>;
}

// Control-plane log categories for audit (Azure.AKS.AuditLogs): kube-audit-admin excludes get/list events;
// guard records Entra ID and Azure RBAC decisions. Source: AKS docs monitor-aks.md, pci-monitor.md.
export const AKS_AUDIT_CATEGORIES = ["kube-audit-admin", "guard"] as const;

// Planned maintenance configuration names the AKS API reserves for the two auto-upgrade channels
// (azure-native containerservice/maintenanceConfiguration.d.ts; AKS docs planned-maintenance.md).
export const MAINTENANCE_CONFIGS = {
    autoUpgrade: "aksManagedAutoUpgradeSchedule",
    nodeOs: "aksManagedNodeOSUpgradeSchedule",
} as const;

// Container Insights streams, listed one by one rather than the Microsoft-ContainerInsights-Group-Default group
// (azure-monitor-docs containers/includes/data-collection-rule-streams.md), as in mspnp/aks-baseline cluster-stamp.bicep.
export const CONTAINER_INSIGHTS_STREAMS = [
    "Microsoft-ContainerLogV2",
    "Microsoft-KubeEvents",
    "Microsoft-KubePodInventory",
    "Microsoft-KubeNodeInventory",
    "Microsoft-KubePVInventory",
    "Microsoft-KubeServices",
    "Microsoft-KubeMonAgentEvents",
    "Microsoft-InsightsMetrics",
    "Microsoft-ContainerInventory",
    "Microsoft-ContainerNodeInventory",
    "Microsoft-Perf",
];

// Keeps kube-system add-ons on the system pool and workloads off it (CKV_AZURE_232).
export const SYSTEM_POOL_TAINT = "CriticalAddonsOnly=true:NoSchedule";

// The cluster needs its control-plane identity's right on the bring-your-own egress prefix (AKS docs
// configure-load-balancer-standard.md, "Requirements for using your own outbound public IPs or prefixes"), and a new role
// assignment is not usable at once: "up to 10 minutes" for ARM (azure-docs role-based-access-control/troubleshooting.md,
// "Role assignment changes are not being detected"), "up to 60 minutes for the permissions granted to your cluster's
// managed identity to propagate" (azure-aks-docs use-managed-identity.md, "Assign an Azure RBAC role to the user-assigned
// managed identity", done before the cluster is created). ARM offers no call that says when a grant has become usable, and
// a fixed wait would cost every first deployment the worst case. So the cluster's create (or an update, which may change
// the prefix) is retried while it fails for want of a right on a publicIPPrefixes scope: waits doubling from 30 s to at
// most 5 min, for at most the 60 minutes AKS documents. Pulumi's onError resource hook does the retrying (pulumi/docs
// content/docs/iac/concepts/resources/options/hooks.md, "Error hooks"; the engine retries an operation at most 100
// times); every attempt is the same PUT to ARM.
export const JOIN_GRANT_RETRY = { firstDelaySeconds: 30, maxDelaySeconds: 300, budgetSeconds: 60 * 60 } as const;

// The engine forwards every provider error to error hooks only from Pulumi 3.244.0 on (pulumi/pulumi CHANGELOG.md
// 3.244.0: "Forward all provider errors to error hooks for retry", #23347); an older CLI would fail the create instead
// of retrying it, so the program refuses to run under one (requirePulumiVersion, pulumi/pulumi sdk/nodejs metadata.ts).
export const PULUMI_CLI_FOR_RETRY = ">=3.244.0";

/**
 * Whether (and after how many seconds) the cluster operation that failed with `errors` (newest first, one per attempt so
 * far) is retried: only when the newest error is an authorization failure on a public IP prefix that does not name some
 * other principal than the control-plane identity (the deployer's own missing right does not heal by waiting; preflight
 * checks it), and while the waits add up to no more than the budget.
 */
export function joinGrantRetryDelay(
    failedOperation: string,
    errors: string[],
    controlPlanePrincipalId: string | undefined,
): number | undefined {
    if (failedOperation !== "create" && failedOperation !== "update") {
        return undefined;
    }
    const latest = errors[0] ?? "";
    // ARM's wording for a missing right: code AuthorizationFailed / LinkedAuthorizationFailed, "does not have
    // authorization to perform action", "does not have permission to perform action(s) ... on the linked scope(s)", and
    // "If access was recently granted, please refresh your credentials" (azure-docs troubleshooting.md).
    const unauthorized =
        /AuthorizationFailed|does not have (authorization|permission)|access was recently granted/i.test(latest);
    if (!unauthorized || !/publicIPPrefixes/i.test(latest)) {
        return undefined;
    }
    const named = [...latest.matchAll(/object id '([0-9a-f-]{36})'/gi)].map((m) => m[1].toLowerCase());
    if (controlPlanePrincipalId && named.length > 0 && !named.includes(controlPlanePrincipalId.toLowerCase())) {
        return undefined;
    }
    const delay = (attempt: number) =>
        Math.min(JOIN_GRANT_RETRY.firstDelaySeconds * 2 ** (attempt - 1), JOIN_GRANT_RETRY.maxDelaySeconds);
    let waited = 0;
    for (let attempt = 1; attempt <= errors.length; attempt++) {
        waited += delay(attempt);
    }
    return waited > JOIN_GRANT_RETRY.budgetSeconds ? undefined : delay(errors.length);
}

/** How the retry waits; tests replace it so that no test sleeps. */
export const retryClock = {
    sleep: (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000)),
};

/** The prefix all outbound traffic leaves from, as the cluster's load balancer and the grant need it. */
interface Egress {
    id: pulumi.Input<string>;
    /** A stable description of the prefix, for the join grant's GUID name. */
    key: string;
    ipPrefix: pulumi.Output<string>;
}

/** A managed cluster with OIDC issuer, workload identity and Entra ID RBAC, its pools and network. */
export class AksCluster extends pulumi.ComponentResource {
    /** The cluster and what hangs on it; absent in standby. */
    readonly cluster?: ActiveCluster;
    /** The public range all outbound traffic of the cluster leaves from (for firewalls such as the SOPS vault's). */
    readonly egressIpPrefix: pulumi.Output<string>;

    constructor(
        private readonly baseName: string,
        private readonly args: AksClusterArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("aks-gitops:index:AksCluster", baseName, args, opts);
        const egress = this.egress();
        this.egressIpPrefix = egress.ipPrefix;
        const controlPlane = this.controlPlaneIdentity();
        const joinPrefix = this.grantJoin(egress, controlPlane);
        if (args.standby) {
            this.registerOutputs({ egressIpPrefix: this.egressIpPrefix });
            return;
        }
        const cluster = this.managedCluster(egress, controlPlane, joinPrefix);
        this.maintenanceWindows(cluster);
        this.auditLogs(cluster);
        if (args.settings.containerInsights) {
            this.containerInsights(cluster);
        }
        const oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => {
            if (!p?.issuerURL) {
                throw new Error(`AKS cluster ${args.names.aksCluster} returned no OIDC issuer URL`);
            }
            return p.issuerURL;
        });
        this.cluster = { resource: cluster, name: cluster.name, id: cluster.id, oidcIssuerUrl };
        this.registerOutputs({
            name: cluster.name,
            id: cluster.id,
            oidcIssuerUrl,
            egressIpPrefix: this.egressIpPrefix,
        });
    }

    /** Outbound traffic leaves through a prefix the stack knows in advance (created here, or reserved elsewhere). */
    private egress(): Egress {
        const { args, baseName: name } = this;
        const egress = args.settings.network.egress;
        if (egress.publicIpPrefixId) {
            const existing = parseArmId(egress.publicIpPrefixId);
            const lookup = { resourceGroupName: existing.resourceGroupName, publicIpPrefixName: existing.names[0] };
            return {
                id: egress.publicIpPrefixId,
                key: egress.publicIpPrefixId,
                ipPrefix: network.getPublicIPPrefixOutput(lookup, { parent: this }).apply((p) => p.ipPrefix),
            };
        }
        const prefix = new network.PublicIPPrefix(
            `${name}-egress`,
            {
                publicIpPrefixName: args.names.egressPrefix,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                prefixLength: egress.publicIpPrefixLength,
                publicIPAddressVersion: "IPv4",
                // Only Standard-SKU prefixes can back a Standard load balancer's outbound rules.
                sku: { name: "Standard", tier: "Regional" },
                zones: args.settings.systemPool.availabilityZones.length > 0 ? ["1", "2", "3"] : undefined,
                tags: args.tags,
            },
            { parent: this },
        );
        return { id: prefix.id, key: `prefix/${args.names.egressPrefix}`, ipPrefix: prefix.ipPrefix };
    }

    /**
     * A user-assigned control-plane identity exists before the cluster, so it can be allowed to attach the prefix
     * first (publicIPPrefixes/join/action; AKS docs aks-service-permissions.md). A system-assigned one would only exist
     * once the cluster does.
     */
    private controlPlaneIdentity(): managedidentity.UserAssignedIdentity {
        const { args } = this;
        return new managedidentity.UserAssignedIdentity(
            `${this.baseName}-control-plane`,
            {
                resourceName: args.names.controlPlaneIdentity,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
            },
            { parent: this },
        );
    }

    private grantJoin(egress: Egress, controlPlane: managedidentity.UserAssignedIdentity): pulumi.Resource {
        const { args } = this;
        return grantRole(
            `${this.baseName}-egress-join`,
            {
                scope: egress.id,
                scopeKey: egress.key,
                principalId: controlPlane.principalId,
                principalType: "ServicePrincipal",
                roleDefinitionId: roleDefinitionId(args.subscriptionId, BUILT_IN_ROLES.networkContributor),
                roleKey: BUILT_IN_ROLES.networkContributor,
                description: `AKS ${args.names.aksCluster} attaches its outbound IP prefix`,
            },
            { parent: this },
        );
    }

    /**
     * The error hook that retries the cluster's create while the join grant is not usable yet (JOIN_GRANT_RETRY), and
     * what the cluster waits for: the grant, registered only under a CLI whose engine hands every create error to the
     * hook (see PULUMI_CLI_FOR_RETRY).
     */
    private joinGrantRetry(controlPlane: managedidentity.UserAssignedIdentity, joinPrefix: pulumi.Resource) {
        const aksName = this.args.names.aksCluster;
        // The identity's principal id, known once the identity exists (before the join grant, so before the cluster).
        let controlPlanePrincipalId: string | undefined;
        controlPlane.principalId.apply((id) => (controlPlanePrincipalId = id));
        const hook = new pulumi.ErrorHook(`${this.baseName}-retry-until-join-grant-works`, async (failure) => {
            const seconds = joinGrantRetryDelay(failure.failedOperation, failure.errors, controlPlanePrincipalId);
            if (seconds === undefined) {
                return false;
            }
            void pulumi.log.warn(
                `AKS ${aksName}: the control plane's Network Contributor grant on the egress prefix is not usable yet ` +
                    `(role assignments take up to 60 minutes to propagate to a cluster identity); retrying the ${failure.failedOperation} in ${seconds} s`,
            );
            await retryClock.sleep(seconds);
            return true;
        });
        const afterJoinGrant: Promise<pulumi.Resource[]> = pulumi.requirePulumiVersion(PULUMI_CLI_FOR_RETRY).then(
            () => [joinPrefix],
            (e: Error) => {
                throw new Error(
                    `AKS ${aksName} retries its create until the egress join grant is usable, which needs Pulumi CLI ${PULUMI_CLI_FOR_RETRY}: ${e.message}`,
                );
            },
        );
        return { hook, afterJoinGrant };
    }

    private managedCluster(
        egress: Egress,
        controlPlane: managedidentity.UserAssignedIdentity,
        joinPrefix: pulumi.Resource,
    ): containerservice.ManagedCluster {
        const { args } = this;
        const s = args.settings;
        const { hook, afterJoinGrant } = this.joinGrantRetry(controlPlane, joinPrefix);
        return new containerservice.ManagedCluster(
            `${this.baseName}-cluster`,
            {
                resourceName: args.names.aksCluster,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                dnsPrefix: args.names.dnsPrefix,
                kubernetesVersion: s.kubernetesVersion,
                nodeResourceGroup: args.names.nodeResourceGroup,
                identity: { type: "UserAssigned", userAssignedIdentities: [controlPlane.id] },
                sku: { name: "Base", tier: s.skuTier },
                // Long-term support needs the Premium tier too (checked as a pair in stacks/schema.ts).
                supportPlan: s.supportPlan,
                enableRBAC: true,
                // Entra ID is the only way in: no static kubeconfig credentials (CKV_AZURE_141).
                disableLocalAccounts: true,
                aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: args.adminGroupObjectIds },
                // Both are needed for Flux's kustomize-controller to exchange its service-account token for an Entra token.
                oidcIssuerProfile: { enabled: true },
                securityProfile: this.securityProfile(),
                networkProfile: networkProfile(s, egress.id),
                apiServerAccessProfile: s.apiServer.privateCluster
                    ? { enablePrivateCluster: true }
                    : { authorizedIPRanges: s.apiServer.authorizedIpRanges },
                autoUpgradeProfile: { upgradeChannel: s.upgradeChannel, nodeOSUpgradeChannel: s.nodeOsUpgradeChannel },
                addonProfiles: {
                    // Key name per Azure Policy docs (policy-for-kubernetes.md: addonProfiles.azurepolicy).
                    azurepolicy: { enabled: true },
                    // Container Insights with managed-identity auth; config keys as in Azure CLI acs/_consts.py
                    // (CONST_MONITORING_LOG_ANALYTICS_WORKSPACE_RESOURCE_ID, CONST_MONITORING_USING_AAD_MSI_AUTH).
                    ...(s.containerInsights
                        ? {
                              omsagent: {
                                  enabled: true,
                                  config: {
                                      logAnalyticsWorkspaceResourceID: args.logAnalyticsWorkspaceId,
                                      useAADAuth: "true",
                                  },
                              },
                          }
                        : {}),
                },
                ...(args.managedPrometheus ? { azureMonitorProfile: { metrics: { enabled: true } } } : {}),
                agentPoolProfiles: [
                    pool("system", "System", s.systemPool, s.encryptionAtHost),
                    pool("user", "User", s.userPool, s.encryptionAtHost),
                ],
                tags: args.tags,
            },
            {
                parent: this,
                dependsOn: afterJoinGrant,
                hooks: { onError: [hook] },
                // The autoscaler owns node counts; an auto-upgrade channel owns versions. Without these, every
                // `pulumi up` after a scale-out or upgrade would try to undo it.
                ignoreChanges: [
                    "agentPoolProfiles[*].count",
                    ...(s.upgradeChannel === "none"
                        ? []
                        : ["kubernetesVersion", "agentPoolProfiles[*].orchestratorVersion"]),
                ],
            },
        );
    }

    private securityProfile(): inputs.containerservice.ManagedClusterSecurityProfileArgs {
        const s = this.args.settings;
        return {
            workloadIdentity: { enabled: true },
            // Removes unused images (often the vulnerable ones) from nodes; interval per AKS docs image-cleaner.md.
            imageCleaner: { enabled: true, intervalHours: s.imageCleanerIntervalHours },
            ...(s.defender
                ? {
                      defender: {
                          logAnalyticsWorkspaceResourceId: this.args.logAnalyticsWorkspaceId,
                          securityMonitoring: { enabled: true },
                      },
                  }
                : {}),
        };
    }

    private maintenanceWindows(cluster: containerservice.ManagedCluster): void {
        for (const [key, configName] of Object.entries(MAINTENANCE_CONFIGS) as [
            keyof typeof MAINTENANCE_CONFIGS,
            string,
        ][]) {
            const w = this.args.settings.maintenance[key];
            new containerservice.MaintenanceConfiguration(
                `${this.baseName}-maintenance-${key === "autoUpgrade" ? "upgrade" : "node-os"}`,
                {
                    configName,
                    resourceName: cluster.name,
                    resourceGroupName: this.args.resourceGroupName,
                    maintenanceWindow: {
                        schedule: { weekly: { dayOfWeek: w.dayOfWeek, intervalWeeks: w.intervalWeeks } },
                        startTime: w.startTime,
                        durationHours: w.durationHours,
                        utcOffset: w.utcOffset,
                    },
                },
                { parent: this },
            );
        }
    }

    private auditLogs(cluster: containerservice.ManagedCluster): void {
        new monitor.DiagnosticSetting(
            `${this.baseName}-audit`,
            {
                name: "audit-to-log-analytics",
                resourceUri: cluster.id,
                workspaceId: this.args.logAnalyticsWorkspaceId,
                // Resource-specific tables (AKSAudit, AKSAuditAdmin, AKSControlPlane) cost less than AzureDiagnostics.
                logAnalyticsDestinationType: "Dedicated",
                logs: AKS_AUDIT_CATEGORIES.map((category) => ({ category, enabled: true })),
            },
            { parent: this },
        );
    }

    /**
     * The omsagent add-on with useAADAuth collects nothing until a Container Insights data collection rule is associated
     * with the cluster; the CLI creates both, a plain ARM PUT of the cluster does not. Shape and names as the CLI and
     * Microsoft's onboarding template create them (Azure/azure-cli acs addonconfiguration.py
     * ensure_container_insights_for_monitoring; microsoft/Docker-Provider
     * onboarding-using-msi-auth/existingClusterOnboarding.json: MSCI-<workspace region>-<cluster>, at most 64
     * characters, association "ContainerInsightsExtension"); streams and namespace filter as in mspnp/aks-baseline
     * cluster-stamp.bicep. No data collection endpoint: only private link or high log scale mode need one.
     */
    private containerInsights(cluster: containerservice.ManagedCluster): void {
        const { args } = this;
        const rule = new monitor.DataCollectionRule(
            `${this.baseName}-insights-dcr`,
            {
                dataCollectionRuleName: args.names.insightsDataCollectionRule,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                kind: "Linux",
                description:
                    "Container Insights: container logs and inventory of the cluster to its Log Analytics workspace",
                dataSources: {
                    extensions: [
                        {
                            name: "ContainerInsightsExtension",
                            extensionName: "ContainerInsights",
                            streams: CONTAINER_INSIGHTS_STREAMS,
                            extensionSettings: {
                                dataCollectionSettings: {
                                    interval: "1m",
                                    namespaceFilteringMode: "Exclude",
                                    namespaces: ["kube-system", "gatekeeper-system"],
                                    enableContainerLogV2: true,
                                },
                            },
                        },
                    ],
                },
                destinations: {
                    logAnalytics: [{ name: "ciworkspace", workspaceResourceId: args.logAnalyticsWorkspaceId }],
                },
                dataFlows: [{ streams: CONTAINER_INSIGHTS_STREAMS, destinations: ["ciworkspace"] }],
                tags: args.tags,
            },
            { parent: this },
        );
        new monitor.DataCollectionRuleAssociation(
            `${this.baseName}-insights-dcra`,
            {
                associationName: "ContainerInsightsExtension",
                resourceUri: cluster.id,
                dataCollectionRuleId: rule.id,
                description:
                    "Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster.",
            },
            { parent: this },
        );
    }
}

/**
 * Azure CNI overlay; the cilium policy engine requires the cilium dataplane (azure-native enum NetworkPolicy.Cilium:
 * "This requires networkDataplane to be 'cilium'"). Outbound through the stack's prefix.
 */
function networkProfile(
    s: AksSettings,
    prefixId: pulumi.Input<string>,
): inputs.containerservice.ContainerServiceNetworkProfileArgs {
    return {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkDataplane: s.network.networkPolicy === "cilium" ? "cilium" : "azure",
        networkPolicy: s.network.networkPolicy,
        podCidr: s.network.podCidr,
        serviceCidr: s.network.serviceCidr,
        dnsServiceIP: s.network.dnsServiceIp,
        loadBalancerSku: "standard",
        outboundType: "loadBalancer",
        loadBalancerProfile: { outboundIPPrefixes: { publicIPPrefixes: [{ id: prefixId }] } },
    };
}

export interface ActiveCluster {
    resource: containerservice.ManagedCluster;
    /** The AKS resource name. */
    name: pulumi.Output<string>;
    id: pulumi.Output<string>;
    /** Issuer URL that federated identity credentials trust. */
    oidcIssuerUrl: pulumi.Output<string>;
}

function pool(
    name: string,
    mode: "System" | "User",
    p: PoolSettings,
    encryptionAtHost: boolean,
): inputs.containerservice.ManagedClusterAgentPoolProfileArgs {
    return {
        name,
        mode,
        type: "VirtualMachineScaleSets",
        vmSize: p.vmSize,
        osType: "Linux",
        osSKU: p.osSku,
        osDiskType: p.osDiskType,
        osDiskSizeGB: p.osDiskSizeGB,
        // Temp disks and caches encrypted too (CKV_AZURE_227); needs the EncryptionAtHost feature on the subscription.
        enableEncryptionAtHost: encryptionAtHost,
        enableAutoScaling: true,
        count: p.minCount,
        minCount: p.minCount,
        maxCount: p.maxCount,
        maxPods: p.maxPods,
        availabilityZones: p.availabilityZones.length > 0 ? p.availabilityZones : undefined,
        nodeTaints: mode === "System" ? [SYSTEM_POOL_TAINT] : undefined,
        upgradeSettings: { maxSurge: "33%" },
    };
}
