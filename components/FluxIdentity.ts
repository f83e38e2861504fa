import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import type * as authorization from "@pulumi/azure-native/authorization";
import { grantRole } from "./roles";

/** What FluxIdentity takes. */
export interface FluxIdentityArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    identityName: string;
    /**
     * The cluster's OIDC issuer URL. Only the federated credentials wait for it. Default (absent): standby, no
     * federated credentials until the cluster exists.
     */
    oidcIssuerUrl?: pulumi.Input<string>;
    /** Flux controllers (service accounts in flux-system) allowed to sign in as this identity, in creation order. */
    controllers: string[];
    /** Scope of the decrypt grant: the SOPS vault (or key) and a stable description of it. */
    decryptScope: pulumi.Input<string>;
    decryptScopeKey: string;
    /** Role that lets kustomize-controller decrypt: Key Vault Crypto User or the narrower SOPS decrypt role. */
    decryptRoleDefinitionId: pulumi.Input<string>;
    decryptRoleKey: string;
    /**
     * A custom decrypt role defined in the same deployment must exist before it is assigned. Default: none (a built-in
     * role, or one the environment's owner stack defined).
     */
    decryptRoleDefinition?: pulumi.Resource;
    tags: Record<string, string>;
}

export const FLUX_NAMESPACE = "flux-system";
// Token exchange audience for Entra workload identity federation.
// Source: azure-management-docs tutorial-use-gitops-flux2.md ("Workload identity in AKS clusters").
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export function serviceAccountSubject(controller: string): string {
    return `system:serviceaccount:${FLUX_NAMESPACE}:${controller}`;
}

/** The identity Flux's controllers use through workload identity, and its decrypt grant on the SOPS key. */
export class FluxIdentity extends pulumi.ComponentResource {
    readonly identity: managedidentity.UserAssignedIdentity;
    readonly credentials: managedidentity.FederatedIdentityCredential[];
    readonly decryptGrant: authorization.RoleAssignment;
    readonly clientId: pulumi.Output<string>;
    readonly principalId: pulumi.Output<string>;
    private readonly controllers: string[];

    constructor(name: string, args: FluxIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:FluxIdentity", name, args, opts);
        this.controllers = args.controllers;

        this.identity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            {
                resourceName: args.identityName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
            },
            { parent: this },
        );

        // Concurrent writes of federated credentials on one identity fail with 409
        // ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity
        // (Entra docs, workload-identity-federation-considerations), so each waits for the one before.
        this.credentials = [];
        // No issuer in standby (no cluster yet): the credentials are created with the cluster.
        const issuer = args.oidcIssuerUrl;
        for (const controller of issuer === undefined ? [] : args.controllers) {
            const previous = this.credentials[this.credentials.length - 1];
            this.credentials.push(
                new managedidentity.FederatedIdentityCredential(
                    `${name}-${controller}`,
                    {
                        federatedIdentityCredentialResourceName: controller,
                        resourceName: this.identity.name,
                        resourceGroupName: args.resourceGroupName,
                        issuer: issuer!,
                        subject: serviceAccountSubject(controller),
                        audiences: [TOKEN_EXCHANGE_AUDIENCE],
                    },
                    { parent: this, dependsOn: previous ? [previous] : [] },
                ),
            );
        }

        this.decryptGrant = grantRole(
            `${name}-decrypt`,
            {
                scope: args.decryptScope,
                scopeKey: args.decryptScopeKey,
                principalId: this.identity.principalId,
                principalType: "ServicePrincipal",
                roleDefinitionId: args.decryptRoleDefinitionId,
                roleKey: args.decryptRoleKey,
                description: `Flux kustomize-controller decrypts SOPS secrets (${args.identityName})`,
            },
            { parent: this, dependsOn: args.decryptRoleDefinition ? [args.decryptRoleDefinition] : [] },
        );

        this.clientId = this.identity.clientId;
        this.principalId = this.identity.principalId;
        this.registerOutputs({ clientId: this.clientId, principalId: this.principalId });
    }

    /** The credential a controller signs in with (kustomize-controller's is the one SOPS decryption needs). */
    credentialFor(controller: string): managedidentity.FederatedIdentityCredential {
        const index = this.controllers.indexOf(controller);
        if (index < 0) {
            throw new Error(`no federated credential for ${controller}`);
        }
        return this.credentials[index];
    }
}
