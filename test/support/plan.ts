// A small hand-made plan document shared by the rendering and comment tests: a component with two children (one
// protected, one protected, retained and adopted, waiting on three others for different reasons), a root resource
// with a long and a multi-line property, an unmodelled type under a parent the plan does not list, a provider, and
// findings with and without a resource.
import type { Plan, PlanResource } from "../../plan/model";
import { T } from "./tokens";

const urn = (type: string, name: string) => `urn:pulumi:prod::aks-gitops::${type}::${name}`;
export const CLUSTER = urn(T.GitOpsCluster, "prod");
export const RG = urn(T.ResourceGroup, "rg");
export const AKS = urn(T.ManagedCluster, "aks");
export const IP = urn(T.PublicIPPrefix, "egress");
export const ODD = urn("azure-native:example:Unmodelled", "odd");
export const PROVIDER = urn("pulumi:providers:azure-native", "default");
export const ORPHAN = urn(T.UserAssignedIdentity, "orphan");

export function resource(
    u: string,
    custom: boolean,
    parent: string | null,
    extra: Partial<PlanResource> = {},
): PlanResource {
    const [type, name] = u.split("::").slice(2);
    return {
        urn: u,
        type,
        name,
        custom,
        parent,
        dependsOn: [],
        propertyDependencies: {},
        inputs: {},
        options: { protect: false, retainOnDelete: false, ignoreChanges: [], customTimeouts: null },
        estimatedMinutes: 0,
        ...extra,
    };
}

const LONG = "x".repeat(170);

export function plan(): Plan {
    return {
        project: "aks-gitops",
        stack: "prod",
        resources: [
            resource(CLUSTER, false, null),
            resource(RG, true, CLUSTER, {
                inputs: {
                    resourceGroupName: "rg-aks-prod",
                    location: "westeurope",
                    tags: { ignored: "not a key property" },
                },
                options: { protect: true, retainOnDelete: false, ignoreChanges: [], customTimeouts: null },
                estimatedMinutes: 0.1,
            }),
            resource(AKS, true, CLUSTER, {
                dependsOn: [RG, IP, ORPHAN],
                propertyDependencies: {
                    resourceGroupName: [RG],
                    "networkProfile.loadBalancerProfile": [IP],
                    location: [RG],
                },
                inputs: {
                    resourceName: "aks-prod",
                    sku: { tier: "Standard" },
                    networkProfile: { networkPlugin: "azure" },
                    apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] },
                    disableLocalAccounts: true,
                },
                options: {
                    protect: true,
                    retainOnDelete: true,
                    ignoreChanges: [],
                    customTimeouts: null,
                    importId: "/subscriptions/x/aks",
                },
                estimatedMinutes: 8,
            }),
            resource(IP, true, null, {
                inputs: { publicIpPrefixName: LONG, location: "line one\nline two", prefixLength: 31 },
                estimatedMinutes: 0.3,
            }),
            resource(ODD, true, "urn:pulumi:prod::aks-gitops::aks-gitops:index:Gone::gone", {
                dependsOn: [IP],
                estimatedMinutes: 1,
            }),
            resource(PROVIDER, true, null),
            resource(ORPHAN, true, null, {
                options: { protect: false, retainOnDelete: true, ignoreChanges: [], customTimeouts: null },
                estimatedMinutes: 0.2,
            }),
        ],
        outputs: { clusterName: "aks-prod", note: "two\nlines", standby: false },
        criticalPath: { urns: [IP, AKS], estimatedMinutes: 8.3, serialMinutes: 9.6 },
        policy: [
            {
                policy: "aks-authorized-ip-ranges",
                enforcementLevel: "mandatory",
                urn: AKS,
                message: "apiServerAccessProfile must | be set",
            },
            { policy: "stack-audit-logs", enforcementLevel: "advisory", message: "no diagnostic setting" },
            {
                policy: "elsewhere",
                enforcementLevel: "advisory",
                urn: "urn:pulumi:prod::aks-gitops::x:y:Z::gone",
                message: "a resource the plan does not list",
            },
        ],
        missingSecrets: ["aks-gitops:gitSshPrivateKey"],
    };
}
