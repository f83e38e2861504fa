import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import { tenantConfigurationName } from "../stacks/names";
import type { StackTenant } from "../stacks/tenants";
import { TENANT_LABEL } from "../stacks/tenants";
import { clusterTarget, gitProtectedSettings, gitRepository } from "./FluxGitOps";
import { BUILT_IN_ROLES, grantRole, groupObjectId, roleDefinitionId } from "./roles";

/** The data-plane role each access level gives a tenant's groups at its namespaces (components/roles.ts). */
export const ACCESS_ROLES = {
    reader: BUILT_IN_ROLES.aksRbacReader,
    writer: BUILT_IN_ROLES.aksRbacWriter,
    admin: BUILT_IN_ROLES.aksRbacAdmin,
} as const;

/** What Tenant takes; the tenant's own defaults are documented where they are declared (stacks/schema.ts, tenant). */
export interface TenantArgs {
    /** The tenant as this stack runs it (stacks/tenants.ts): namespaces, groups, access, repository, quota, policies. */
    tenant: Omit<StackTenant, "git">;
    /** The cluster's resource group and AKS resource name; passing the cluster's outputs makes everything wait for it. */
    resourceGroupName: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    /** The AKS resource name as config derives it (stacks/names.ts aksCluster), for the assignments' stable names. */
    aksName: string;
    location: string;
    subscriptionId: string;
    tags: Record<string, string>;
    /** Known hosts lines for the team's ssh host (plain text). Default: none (an https:// repository). */
    knownHosts?: string;
    /** The team's deploy key for an ssh:// repository (a pulumi secret); only this tenant's. Default: none. */
    sshPrivateKey?: pulumi.Input<string>;
    /** The team's token for a private https:// repository (a pulumi secret). Default: none (a public repository). */
    httpsPassword?: pulumi.Input<string>;
    /** The microsoft.flux extension: a namespace-scoped configuration needs its controllers. */
    extension: pulumi.Resource;
}

/**
 * A team on the cluster (issue 23), through Azure Resource Manager only: per namespace, an AKS managed namespace (its
 * quota, default network policy and labels held by ARM, so an in-cluster edit cannot loosen them), the team's groups'
 * roles at that namespace's scope, and a namespace-scoped Flux configuration pulling the team's app repository into it.
 * With the extension's multi-tenancy enforced, that configuration applies as the namespace's own flux-applier service
 * account and cannot reference another namespace's sources (azure-management-docs conceptual-gitops-flux2.md,
 * "Multi-tenancy"); a namespace-scoped applier cannot create cluster-scoped objects (Azure/azure-cli#22815).
 */
export class Tenant extends pulumi.ComponentResource {
    /** What the stack outputs and the plan show of the tenant. */
    readonly summary: {
        team: string;
        namespaces: string[];
        access: string;
        configurations: string[];
        decrypts: "nothing";
    };

    constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
        // The SDK records a component's inputs (pulumi/pulumi sdk/nodejs resource.ts): never the team's credential.
        super("aks-gitops:index:Tenant", name, { ...args, sshPrivateKey: undefined, httpsPassword: undefined }, opts);
        const t = args.tenant;
        const groups = t.groups.map((ref) => ({ ref, objectId: groupObjectId(ref, this) }));
        for (const ns of t.namespaces) {
            const namespace = this.managedNamespace(name, ns, args);
            this.grantAccess(name, ns, namespace, groups, args);
            this.source(name, ns, namespace, args);
        }
        this.summary = {
            team: t.team,
            namespaces: t.namespaces,
            access: t.access,
            configurations: t.namespaces.map(tenantConfigurationName),
            decrypts: "nothing",
        };
        this.registerOutputs({ ...this.summary, groups: t.groups, paths: t.paths });
    }

    /** The namespace, owned by ARM (Microsoft.ContainerService/managedClusters/managedNamespaces, API 2025-09-01). */
    private managedNamespace(name: string, ns: string, args: TenantArgs): containerservice.ManagedNamespace {
        const t = args.tenant;
        return new containerservice.ManagedNamespace(
            `${name}-ns-${ns}`,
            {
                resourceGroupName: args.resourceGroupName,
                resourceName: args.clusterName,
                managedNamespaceName: ns,
                location: args.location,
                tags: args.tags,
                properties: {
                    labels: { [TENANT_LABEL]: t.team },
                    defaultResourceQuota: { ...t.quota },
                    defaultNetworkPolicy: { ...t.networkPolicy },
                    adoptionPolicy: t.adoptionPolicy,
                    deletePolicy: t.deletePolicy,
                },
            },
            { parent: this },
        );
    }

    /**
     * Each group: Namespace User (see the namespace, fetch its credentials) and the access level's data-plane role,
     * both at the managed namespace's id, as azure-aks-docs managed-namespaces.md assigns them; never at the cluster.
     */
    private grantAccess(
        name: string,
        ns: string,
        namespace: containerservice.ManagedNamespace,
        groups: { ref: string; objectId: pulumi.Output<string> }[],
        args: TenantArgs,
    ): void {
        const t = args.tenant;
        const roles = [
            { key: "namespace-user", guid: BUILT_IN_ROLES.aksNamespaceUser, what: "sees the namespace" },
            { key: `rbac-${t.access}`, guid: ACCESS_ROLES[t.access], what: `${t.access} in the namespace` },
        ];
        // The scope's stable key names the cluster too: the same namespace on another cluster is another scope.
        groups.forEach((group, i) => {
            for (const role of roles) {
                grantRole(
                    `${name}-${ns}-group${i}-${role.key}`,
                    {
                        scope: namespace.id,
                        scopeKey: `managed-namespace/${args.aksName}/${ns}`,
                        principalId: group.objectId,
                        principalType: "Group",
                        roleDefinitionId: roleDefinitionId(args.subscriptionId, role.guid),
                        roleKey: role.guid,
                        description: `tenant ${t.team}: ${group.ref} ${role.what} ${ns}`,
                    },
                    { parent: this },
                );
            }
        });
    }

    /** The team's source: a namespace-scoped Flux configuration applying the team's directory into the namespace. */
    private source(
        name: string,
        ns: string,
        namespace: containerservice.ManagedNamespace,
        args: TenantArgs,
    ): kubernetesconfiguration.FluxConfiguration {
        const t = args.tenant;
        return new kubernetesconfiguration.FluxConfiguration(
            `${name}-${ns}-source`,
            {
                fluxConfigurationName: tenantConfigurationName(ns),
                ...clusterTarget,
                clusterName: args.clusterName,
                resourceGroupName: args.resourceGroupName,
                // fluxconfiguration.json (2023-05-01) ScopeDefinition: "cluster" | "namespace"; both immutable.
                scope: "namespace",
                namespace: ns,
                sourceKind: "GitRepository",
                suspend: false,
                gitRepository: gitRepository({ ...t.repo, knownHosts: args.knownHosts }),
                configurationProtectedSettings: gitProtectedSettings(args),
                kustomizations: { apps: { path: t.paths[ns], prune: true, wait: true } },
                // `pulumi up` talks to ARM only; whether the team's directory reconciled is `npm run verify`'s job.
                waitForReconciliation: false,
            },
            {
                parent: this,
                // The namespace first: otherwise the extension would create a plain one, which ARM then will not
                // adopt under adoptionPolicy Never (azure-aks-docs concepts-managed-namespaces.md).
                dependsOn: [args.extension, namespace],
                additionalSecretOutputs: ["configurationProtectedSettings"],
            },
        );
    }
}
