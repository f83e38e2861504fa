import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as resources from "@pulumi/azure-native/resources";
import { stringify } from "yaml";
import type { Environment } from "../stacks/schema";
import { BUILT_IN_ROLES, grantRole, roleAssignmentName, roleDefinitionId, SOPS_DECRYPT_DATA_ACTIONS, sopsDecryptRoleGuid } from "./roles";

export interface ReservedEgress {
    /** The cluster (e.g. the DR cluster) that will send its outbound traffic through this prefix. */
    cluster: string;
    location: string;
    prefixLength: number;
}

export interface SopsKeyVaultArgs {
    environment: Environment;
    /** Resource group that holds only the environment's SOPS vault, so deleting a cluster's group cannot take it along. */
    resourceGroupName: string;
    location: string;
    vaultName: string;
    keyName: string;
    /** Versionless key URL for the .sops.yaml rule (known from config, so the fleet repo can be written offline). */
    keyUrl: string;
    keySize: number;
    keyType: "RSA" | "RSA-HSM";
    skuName: "standard" | "premium";
    /** ISO 8601 durations of the key's rotation policy. */
    rotation: { rotateAfter: string; expireAfter: string; notifyBefore: string };
    softDeleteRetentionDays: number;
    purgeProtection: boolean;
    /** Deny by default; admit only these public ranges (this cluster's egress prefix, operators) and the reserved ones. */
    firewall: boolean;
    allowedIpRanges: pulumi.Input<string>[];
    /** Egress prefixes reserved now for other clusters of the environment (DR), admitted before those clusters exist. */
    reservedEgress: ReservedEgress[];
    /** Where the vault's audit log (AuditEvent) goes. */
    logAnalyticsWorkspaceId: pulumi.Input<string>;
    /** Also define the least-privilege "SOPS decrypt" custom role (keys read + decrypt only). */
    defineDecryptRole: boolean;
    tenantId: string;
    subscriptionId: string;
    /** Entra ID groups allowed to encrypt (and decrypt) with the key: the people and pipelines that run `sops`. */
    encryptors: { key: string; objectId: pulumi.Input<string> }[];
    /**
     * Prod: every resource here outlives `pulumi destroy` (retainOnDelete), and the irreplaceable ones (group, vault,
     * key, decrypt role, reserved prefixes) are protected, so no destroy can take the environment's secrets with it.
     */
    retain: boolean;
    /** Adopt what a previous deployment retained (new state backend, rebuilt stack) instead of failing on the names. */
    adopt: boolean;
    tags: Record<string, string>;
}

export const AUDIT_SETTING_NAME = "audit-to-log-analytics";

/** An RBAC-only Key Vault holding the environment's SOPS RSA key. */
export class SopsKeyVault extends pulumi.ComponentResource {
    readonly vault: keyvault.Vault;
    readonly key: keyvault.Key;
    readonly vaultId: pulumi.Output<string>;
    /** Versioned key URL of the current version, the form SOPS records in every file it encrypts. */
    readonly keyUriWithVersion: pulumi.Output<string>;
    /** One `.sops.yaml` creation rule (YAML) that sends this environment's files to this key. */
    readonly creationRule: string;
    readonly resourceGroupId: pulumi.Output<string>;
    /** The custom decrypt role, when defined: assignments must wait for it. */
    readonly decryptRole?: authorization.RoleDefinition;
    /** cluster -> { id, ipPrefix } of each reserved egress prefix. */
    readonly reservedEgress: pulumi.Output<Record<string, { id: string; ipPrefix: string }>>;

    constructor(name: string, args: SopsKeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:SopsKeyVault", name, args, opts);
        // The ARM ids these resources have, for adopting them (deterministic names make every id known in advance).
        const groupId = `/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}`;
        const vaultId = `${groupId}/providers/Microsoft.KeyVault/vaults/${args.vaultName}`;
        const keep = (id: string, protect = true): pulumi.CustomResourceOptions => ({
            parent: this,
            protect: args.retain && protect,
            retainOnDelete: args.retain,
            import: args.adopt ? id : undefined,
        });

        const group = new resources.ResourceGroup(
            `${name}-rg`,
            { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
            keep(groupId),
        );

        // Prefixes for the environment's other clusters (DR): reserved now, so their addresses are admitted by the
        // firewall before an incident, and no one has to edit this stack while standing a DR cluster up.
        const reserved = args.reservedEgress.map((r) => {
            const prefixName = `pip-egress-${r.cluster}`;
            const prefix = new network.PublicIPPrefix(
                `${name}-reserved-${r.cluster}`,
                {
                    publicIpPrefixName: prefixName,
                    resourceGroupName: group.name,
                    location: r.location,
                    prefixLength: r.prefixLength,
                    publicIPAddressVersion: "IPv4",
                    sku: { name: "Standard", tier: "Regional" },
                    zones: ["1", "2", "3"],
                    tags: { ...args.tags, purpose: `egress for ${r.cluster}` },
                },
                keep(`${groupId}/providers/Microsoft.Network/publicIPPrefixes/${prefixName}`),
            );
            return { cluster: r.cluster, prefix };
        });

        this.vault = new keyvault.Vault(
            `${name}-vault`,
            {
                vaultName: args.vaultName,
                resourceGroupName: group.name,
                location: args.location,
                properties: {
                    tenantId: args.tenantId,
                    sku: { family: "A", name: args.skuName },
                    // Data-plane access through Azure RBAC only; access policies stay empty (Azure.KeyVault.RBAC).
                    enableRbacAuthorization: true,
                    enableSoftDelete: true,
                    softDeleteRetentionInDays: args.softDeleteRetentionDays,
                    // ARM rejects an explicit false ("cannot be set to false"), so off means absent.
                    enablePurgeProtection: args.purgeProtection ? true : undefined,
                    enabledForDeployment: false,
                    enabledForDiskEncryption: false,
                    enabledForTemplateDeployment: false,
                    // Azure.KeyVault.Firewall / CKV_AZURE_109: deny by default; Flux decrypts from the clusters' egress
                    // prefixes, operators from allowedIpRanges. Trusted Azure services keep their bypass, as in
                    // mspnp/aks-baseline (the Key Vault resource provider itself acts on the vault for ARM writes).
                    networkAcls: {
                        defaultAction: args.firewall ? "Deny" : "Allow",
                        bypass: "AzureServices",
                        ipRules: args.firewall ? [...args.allowedIpRanges, ...reserved.map((r) => r.prefix.ipPrefix)].map((value) => ({ value })) : [],
                    },
                },
                tags: args.tags,
            },
            keep(vaultId),
        );

        this.key = new keyvault.Key(
            `${name}-key`,
            {
                keyName: args.keyName,
                vaultName: this.vault.name,
                resourceGroupName: group.name,
                properties: {
                    kty: args.keyType,
                    keySize: args.keySize,
                    // SOPS wraps its data key with RSA-OAEP-256 Encrypt/Decrypt (getsops/sops azkv/keysource.go).
                    keyOps: ["encrypt", "decrypt"],
                    // New versions every rotateAfter, each expiring after expireAfter. Rotation leaves old versions
                    // enabled and expired versions still decrypt (Key Vault about-keys-details.md, "Date-time
                    // controlled operations"), so every file keeps decrypting with the version SOPS recorded in it.
                    // ARM creates keys only if absent (Keys_CreateIfNotExist): change a live key's policy with
                    // `az keyvault key rotation-policy update` (see docs/operations.md).
                    rotationPolicy: {
                        attributes: { expiryTime: args.rotation.expireAfter },
                        lifetimeActions: [
                            { trigger: { timeAfterCreate: args.rotation.rotateAfter }, action: { type: "rotate" } },
                            { trigger: { timeBeforeExpiry: args.rotation.notifyBefore }, action: { type: "notify" } },
                        ],
                    },
                },
                tags: args.tags,
            },
            keep(`${vaultId}/keys/${args.keyName}`),
        );

        new monitor.DiagnosticSetting(
            `${name}-audit`,
            {
                name: AUDIT_SETTING_NAME,
                resourceUri: this.vault.id,
                workspaceId: args.logAnalyticsWorkspaceId,
                // The "audit" category group covers AuditEvent (Azure.KeyVault.Logs; Key Vault howto-logging.md).
                logs: [{ categoryGroup: "audit", enabled: true }],
            },
            keep(`${vaultId}/providers/Microsoft.Insights/diagnosticSettings/${AUDIT_SETTING_NAME}`, false),
        );

        if (args.defineDecryptRole) {
            // Defined at the SOPS resource group and assigned at the vault: Azure recommends resource groups (not
            // single resources) as assignable scopes (role-based-access-control/role-definitions.md). Protected in prod:
            // DR clusters of the environment hold assignments of it.
            const guid = sopsDecryptRoleGuid(args.environment, args.vaultName);
            this.decryptRole = new authorization.RoleDefinition(
                `${name}-decrypt-role`,
                {
                    roleDefinitionId: guid,
                    roleName: `SOPS decrypt (${args.vaultName})`,
                    description: "Read keys and decrypt with them; no encrypt, sign, update, backup or delete.",
                    scope: group.id,
                    assignableScopes: [group.id],
                    permissions: [{ actions: [], notActions: [], dataActions: SOPS_DECRYPT_DATA_ACTIONS, notDataActions: [] }],
                },
                keep(`${groupId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`),
            );
        }

        args.encryptors.forEach((encryptor, i) => {
            const grant = {
                scopeKey: `vault/${args.vaultName}`,
                principalKey: `group/${encryptor.key}`,
                roleKey: BUILT_IN_ROLES.keyVaultCryptoUser,
            };
            grantRole(
                `${name}-encryptor-${i}`,
                {
                    ...grant,
                    scope: this.vault.id,
                    principalId: encryptor.objectId,
                    principalType: "Group",
                    roleDefinitionId: roleDefinitionId(args.subscriptionId, BUILT_IN_ROLES.keyVaultCryptoUser),
                    description: `SOPS encryptors for ${args.environment} (${encryptor.key})`,
                },
                keep(`${vaultId}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(grant)}`, false),
            );
        });

        this.resourceGroupId = group.id;
        this.vaultId = this.vault.id;
        this.keyUriWithVersion = this.key.keyUriWithVersion;
        // Versionless on purpose: after a rotation new files are encrypted with the new version without editing
        // .sops.yaml, while every file keeps the version it was encrypted with (getsops/sops PR 1919, sops >= 3.11).
        this.creationRule = creationRule(args.environment, args.keyUrl);
        this.reservedEgress = pulumi
            .all(reserved.map((r) => pulumi.all([r.prefix.id, r.prefix.ipPrefix]).apply(([id, ipPrefix]) => [r.cluster, { id, ipPrefix }] as const)))
            .apply((entries) => Object.fromEntries(entries));
        this.registerOutputs({
            vaultId: this.vaultId,
            keyUriWithVersion: this.keyUriWithVersion,
            creationRule: this.creationRule,
            reservedEgress: this.reservedEgress,
        });
    }
}

/**
 * Files an environment owns in the fleet repo: its clusters' directories and its app overlays. Secrets elsewhere
 * (shared bases, infrastructure/) would be readable by every environment, so no rule matches them.
 */
export function sopsPathRegex(environment: Environment): string {
    return `(^|/)(clusters/${environment}-[^/]+|apps/[^/]+/overlays/${environment})/.*\\.enc\\.ya?ml$`;
}

export interface SopsCreationRule {
    path_regex: string;
    encrypted_regex: string;
    azure_keyvault: string;
}

export function creationRuleObject(environment: Environment, keyUrl: string): SopsCreationRule {
    return {
        path_regex: sopsPathRegex(environment),
        // Encrypt only Secret payloads so manifests stay reviewable in pull requests (Flux SOPS guide).
        encrypted_regex: "^(data|stringData)$",
        azure_keyvault: keyUrl,
    };
}

export function creationRule(environment: Environment, keyUrl: string): string {
    return stringify([creationRuleObject(environment, keyUrl)]);
}
