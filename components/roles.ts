// Built-in role ids and the one way this program grants a role.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { getGroupOutput } from "@pulumi/azuread/getGroup";
import { isGuid } from "../stacks/schema";

export const BUILT_IN_ROLES = {
    // Keys read, encrypt, decrypt, wrap, unwrap, sign, verify; no management plane.
    // Source: azure-docs articles/role-based-access-control/built-in-roles/security.md; used by Flux's Azure guide.
    keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
    // Needed by the AKS control-plane identity to attach an outbound public IP prefix it does not own.
    // Source: azure-docs built-in-roles/networking.md; AKS docs aks-service-permissions.md (publicIPPrefixes/join/action).
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
    // Managed Grafana's identity reads an Azure Monitor workspace. Source: Azure/prometheus-collector
    // AddonBicepTemplate/nested_grafana_amw_role_assignment.bicep; role name per Azure Monitor prometheus-grafana docs.
    monitoringDataReader: "b0d8363b-8ddd-447d-831f-62ca05bff136",
    // Source: azure-docs built-in-roles/monitor.md ("Grafana Admin").
    grafanaAdmin: "22926164-76b3-42b3-bc55-97df8dab3e41",
    // A tenant's access to its managed namespace (azure-aks-docs articles/aks/managed-namespaces.md assigns "Azure
    // Kubernetes Service Namespace User" and an "Azure Kubernetes Service RBAC" role at the managed namespace's id).
    // GUIDs: azure-docs articles/role-based-access-control/built-in-roles.md, Containers.
    // Namespace User: read the managed namespace and list its credentials (control plane only).
    aksNamespaceUser: "c9f76ca8-b262-4b10-8ed2-09cf0948aa35",
    // Data plane, at the namespace's scope: read most objects (no Secrets, no roles).
    aksRbacReader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    // Read/write most objects, Secrets included; no roles or role bindings.
    aksRbacWriter: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    // Everything in the namespace, roles and bindings included; not its quota or the namespace itself.
    aksRbacAdmin: "3498e952-d568-435e-9b2c-8d77e338d7f7",
} as const;

export function roleDefinitionId(
    subscriptionId: pulumi.Input<string>,
    roleGuid: pulumi.Input<string>,
): pulumi.Output<string> {
    return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/**
 * A GUID derived from stable strings (like Bicep's guid()). Role assignment names must be GUIDs; deriving them from
 * what the assignment means keeps plans deterministic and makes a re-run after lost state collide visibly with the
 * assignment it would duplicate instead of creating a twin.
 */
export function stableGuid(...parts: string[]): string {
    const hex = createHash("sha256").update(parts.join("\u0000")).digest("hex");
    return [
        hex.slice(0, 8),
        hex.slice(8, 12),
        `5${hex.slice(13, 16)}`,
        ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 20),
        hex.slice(20, 32),
    ].join("-");
}

export interface RoleGrant {
    scope: pulumi.Input<string>;
    /** A stable description of the scope, used for the assignment's GUID name (the scope id itself may be unknown until created). */
    scopeKey: string;
    /** The principal's object id. Part of the assignment's name, so a re-created principal never meets its orphan. */
    principalId: pulumi.Input<string>;
    principalType: "ServicePrincipal" | "Group" | "User";
    roleDefinitionId: pulumi.Input<string>;
    roleKey: string;
    description: string;
}

/**
 * The GUID name of an assignment: scope, principal object id and role, as Microsoft recommends for Bicep
 * (guid(scope, principalId, roleDefinitionId); azure-resource-manager/bicep/scenarios-rbac.md). A principal's name is
 * not enough: deleting an identity leaves its assignments behind as "Identity not found" under their old names, and a
 * new identity of the same name would then collide with them (RoleAssignmentUpdateNotPermitted). Object ids are never
 * reused, so names stay stable run to run and differ for every new principal.
 */
export function roleAssignmentName(grant: Pick<RoleGrant, "scopeKey" | "roleKey">, principalObjectId: string): string {
    return stableGuid(grant.scopeKey, principalObjectId.toLowerCase(), grant.roleKey);
}

export function grantRole(
    name: string,
    grant: RoleGrant,
    opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
    return new authorization.RoleAssignment(
        name,
        {
            roleAssignmentName: pulumi.output(grant.principalId).apply((id) => roleAssignmentName(grant, id)),
            scope: grant.scope,
            principalId: grant.principalId,
            // For a just-created identity this avoids PrincipalNotFound while Entra ID replicates it.
            principalType: grant.principalType,
            roleDefinitionId: grant.roleDefinitionId,
            description: grant.description,
        },
        opts,
    );
}

/** The custom SOPS decrypt role's id: derived, so a DR stack can assign the role its environment's owner defined. */
export function sopsDecryptRoleGuid(environment: string, vaultName: string): string {
    return stableGuid("sops-decrypt-role", environment, vaultName);
}

// What SOPS needs to decrypt: resolve the key, then Decrypt (getsops/sops azkv/keysource.go). Action names from the
// Key Vault Crypto User definition (azure-docs built-in-roles/security.md), which adds encrypt, wrap, unwrap, sign,
// verify, update and backup on top.
export const SOPS_DECRYPT_DATA_ACTIONS = [
    "Microsoft.KeyVault/vaults/keys/read",
    "Microsoft.KeyVault/vaults/keys/decrypt/action",
];

/** Entra ID groups may be named by object id or by display name; names are looked up (and must be unique). */
export function groupObjectId(ref: string, parent: pulumi.Resource): pulumi.Output<string> {
    if (isGuid(ref)) {
        return pulumi.output(ref);
    }
    return getGroupOutput({ displayName: ref, securityEnabled: true }, { parent }).objectId;
}
