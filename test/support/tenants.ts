// Hand-made tenant resources (issue 23) in the shape the policy pack evaluates: registrations as the offline plan
// captures them (offline/monitor.ts), for the tenant policies' tests and the pack's failing fixtures. Values are the
// published facts, written literally: role GUIDs from MicrosoftDocs/azure-docs
// articles/role-based-access-control/built-in-roles.md, the managed namespace's ARM id shape from
// MicrosoftDocs/azure-aks-docs articles/aks/managed-namespaces.md (az aks namespace show --query id).
import type { Capture } from "../../offline/program";
import type { Registration } from "../../offline/monitor";
import { registrationOf } from "./registration";
import { T } from "./tokens";

export const ROLE = {
    namespaceUser: "c9f76ca8-b262-4b10-8ed2-09cf0948aa35",
    rbacReader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    rbacWriter: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    rbacAdmin: "3498e952-d568-435e-9b2c-8d77e338d7f7",
    rbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    clusterUser: "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
} as const;

export const SUBSCRIPTION = "/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
export const AKS_ID = `${SUBSCRIPTION}/resourceGroups/rg-aks-t/providers/Microsoft.ContainerService/managedClusters/aks-t`;
export const namespaceId = (ns: string) => `${AKS_ID}/managedNamespaces/${ns}`;
export const roleId = (guid: string) => `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

export const urn = (type: string, name: string) => `urn:pulumi:prod::aks-gitops::${type}::${name}`;

export function registration(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Partial<Registration> = {},
): Registration {
    return registrationOf({ urn: urn(type, name), type, name, inputs, ...extra });
}

/** The properties the tenant contract registers by default: quota and network policy as stacks/schema.ts defaults them. */
export function namespaceProperties(): Record<string, unknown> {
    return {
        labels: { "aks-gitops.io/tenant": "payments" },
        defaultResourceQuota: { cpuRequest: "1", cpuLimit: "2", memoryRequest: "2Gi", memoryLimit: "4Gi" },
        defaultNetworkPolicy: { ingress: "AllowSameNamespace", egress: "AllowAll" },
        adoptionPolicy: "Never",
        deletePolicy: "Keep",
    };
}

export function managedNamespace(
    name: string,
    ns: string,
    properties: Record<string, unknown> = namespaceProperties(),
) {
    return registration(T.ManagedNamespace, name, {
        resourceGroupName: "rg-aks-t",
        resourceName: "aks-t",
        managedNamespaceName: ns,
        location: "westeurope",
        properties,
    });
}

export function roleAssignment(
    name: string,
    principalId: string,
    scope: string,
    role: string,
    extra: Partial<Registration> = {},
) {
    return registration(
        T.RoleAssignment,
        name,
        {
            principalId,
            principalType: "Group",
            scope,
            roleDefinitionId: roleId(role),
            description: `tenant payments: ${name}`,
        },
        extra,
    );
}

export function fluxConfiguration(
    name: string,
    configurationName: string,
    namespace: string | undefined,
    scope: string | undefined,
) {
    const inputs: Record<string, unknown> = {
        clusterName: "aks-t",
        clusterResourceName: "managedClusters",
        clusterRp: "Microsoft.ContainerService",
        resourceGroupName: "rg-aks-t",
        fluxConfigurationName: configurationName,
        sourceKind: "GitRepository",
        gitRepository: { url: "ssh://git@github.com/contoso/payments.git", repositoryRef: { branch: "main" } },
        kustomizations: { apps: { path: "./deploy/overlays/prod", prune: true, wait: true } },
    };
    if (namespace !== undefined) {
        inputs.namespace = namespace;
    }
    if (scope !== undefined) {
        inputs.scope = scope;
    }
    return registration(T.FluxConfiguration, name, inputs);
}

/** A copy of a capture with registrations added. */
export function withResources(c: Capture, ...resources: Registration[]): Capture {
    const copy = structuredClone(c);
    copy.resources.push(...resources);
    return copy;
}

/** A capture of nothing but `resources`. */
export function captureOf(...resources: Registration[]): Capture {
    return {
        project: "aks-gitops",
        stack: "prod",
        resources,
        outputs: {},
        references: new Map(),
        registeredOutputs: new Map(),
        calls: [],
        config: {},
    };
}
