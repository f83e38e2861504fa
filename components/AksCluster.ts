import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { AksSettings, PoolSettings } from "../stacks/schema";

export interface AksClusterArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    /** The AKS resource name, e.g. aks-prod-westeurope. */
    clusterName: string;
    /** DNS prefix of the API server FQDN. */
    dnsPrefix: string;
    settings: AksSettings;
    /** Entra ID groups that become cluster admins (object ids). */
    adminGroupObjectIds: pulumi.Input<pulumi.Input<string>[]>;
    tags: Record<string, string>;
}

// Keeps kube-system add-ons on the system pool and workloads off it (CKV_AZURE_232).
export const SYSTEM_POOL_TAINT = "CriticalAddonsOnly=true:NoSchedule";

/** A managed cluster with OIDC issuer, workload identity and Entra ID RBAC, its pools and network. */
export class AksCluster extends pulumi.ComponentResource {
    readonly cluster: containerservice.ManagedCluster;
    /** The AKS resource name. */
    readonly name: pulumi.Output<string>;
    readonly id: pulumi.Output<string>;
    /** Issuer URL that federated identity credentials trust. */
    readonly oidcIssuerUrl: pulumi.Output<string>;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:AksCluster", name, args, opts);
        const s = args.settings;

        this.cluster = new containerservice.ManagedCluster(
            `${name}-cluster`,
            {
                resourceName: args.clusterName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                dnsPrefix: args.dnsPrefix,
                kubernetesVersion: s.kubernetesVersion,
                nodeResourceGroup: `${args.clusterName}-nodes`,
                identity: { type: "SystemAssigned" },
                sku: { name: "Base", tier: s.skuTier },
                enableRBAC: true,
                // Entra ID is the only way in: no static kubeconfig credentials (CKV_AZURE_141).
                disableLocalAccounts: true,
                aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: args.adminGroupObjectIds },
                // Both are needed for Flux's kustomize-controller to exchange its service-account token for an Entra token.
                oidcIssuerProfile: { enabled: true },
                securityProfile: { workloadIdentity: { enabled: true } },
                networkProfile: {
                    // Azure CNI overlay; the cilium policy engine requires the cilium dataplane
                    // (azure-native enum NetworkPolicy.Cilium: "This requires networkDataplane to be 'cilium'").
                    networkPlugin: "azure",
                    networkPluginMode: "overlay",
                    networkDataplane: s.network.networkPolicy === "cilium" ? "cilium" : "azure",
                    networkPolicy: s.network.networkPolicy,
                    podCidr: s.network.podCidr,
                    serviceCidr: s.network.serviceCidr,
                    dnsServiceIP: s.network.dnsServiceIp,
                    loadBalancerSku: "standard",
                    outboundType: "loadBalancer",
                },
                apiServerAccessProfile: s.apiServer.privateCluster
                    ? { enablePrivateCluster: true }
                    : { authorizedIPRanges: s.apiServer.authorizedIpRanges },
                autoUpgradeProfile: { upgradeChannel: s.upgradeChannel, nodeOSUpgradeChannel: s.nodeOsUpgradeChannel },
                // Key name per Azure Policy docs (policy-for-kubernetes.md: addonProfiles.azurepolicy).
                addonProfiles: { azurepolicy: { enabled: true } },
                agentPoolProfiles: [pool("system", "System", s.systemPool), pool("user", "User", s.userPool)],
                tags: args.tags,
            },
            {
                parent: this,
                // The autoscaler owns node counts; an auto-upgrade channel owns versions. Without these, every
                // `pulumi up` after a scale-out or upgrade would try to undo it.
                ignoreChanges: [
                    "agentPoolProfiles[*].count",
                    ...(s.upgradeChannel === "none" ? [] : ["kubernetesVersion", "agentPoolProfiles[*].orchestratorVersion"]),
                ],
            },
        );

        this.name = this.cluster.name;
        this.id = this.cluster.id;
        this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => {
            if (!p?.issuerURL) {
                throw new Error(`AKS cluster ${args.clusterName} returned no OIDC issuer URL`);
            }
            return p.issuerURL;
        });
        this.registerOutputs({ name: this.name, id: this.id, oidcIssuerUrl: this.oidcIssuerUrl });
    }
}

function pool(name: string, mode: "System" | "User", p: PoolSettings): inputs.containerservice.ManagedClusterAgentPoolProfileArgs {
    return {
        name,
        mode,
        type: "VirtualMachineScaleSets",
        vmSize: p.vmSize,
        osType: "Linux",
        osSKU: p.osSku,
        osDiskType: p.osDiskType,
        osDiskSizeGB: p.osDiskSizeGB,
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
