import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as resources from "@pulumi/azure-native/resources";
import { stringify } from "yaml";
import { durationDays, isGuid, leavesOutIfMissing, parseArmId, type Environment } from "../stacks/schema";
import {
    BUILT_IN_ROLES,
    grantRole,
    roleAssignmentName,
    roleDefinitionId,
    SOPS_DECRYPT_DATA_ACTIONS,
    sopsDecryptRoleGuid,
} from "./roles";

/** What SopsKeyVault takes; the settings' defaults live in the stack's profile (stacks/profiles.ts). */
export interface SopsKeyVaultArgs {
    environment: Environment;
    /** Resource group that holds only the environment's SOPS vault, so deleting a cluster's group cannot take it along. */
    resourceGroupName: string;
    location: string;
    vaultName: string;
    keyName: string;
    /** Versionless key URL for the .sops.yaml rule (known from config, so the fleet repo can be written offline). */
    keyUrl: string;
    /** Display name of the custom decrypt role, when defined (defineDecryptRole; stacks/names.ts sopsDecryptRoleName). */
    decryptRoleName: string;
    keySize: number;
    keyType: "RSA" | "RSA-HSM";
    skuName: "standard" | "premium";
    /** ISO 8601 durations of the key's rotation policy. */
    rotation: { rotateAfter: string; expireAfter: string; notifyBefore: string };
    /** The deployment's clock, for the first key version's expiry. */
    now: Date;
    softDeleteRetentionDays: number;
    purgeProtection: boolean;
    /** Deny by default; admit only these public ranges (this cluster's egress prefix, operators) and the other clusters'. */
    firewall: boolean;
    allowedIpRanges: pulumi.Input<string>[];
    /** Egress prefixes of the environment's other clusters (DR stacks create them in their own regions), by ARM id. */
    admitEgressPrefixIds: string[];
    /**
     * Admit only the prefixes that exist now, leaving out (with a warning) those not created yet: the rollout's first
     * run of a vault owner, before the clusters that create them (ci/stacks.ts WAVES). A list instead of true: only the
     * prefixes listed may be missing (a pull request's preview). Default: false, a missing one fails.
     */
    admitExistingOnly?: boolean | readonly string[];
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
     * key, decrypt role) are protected, so no destroy can take the environment's secrets with it.
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
    /** The other clusters' egress ranges the firewall admits (from admitEgressPrefixIds). */
    readonly admittedEgress: pulumi.Output<string[]>;

    constructor(name: string, args: SopsKeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:SopsKeyVault", name, args, opts);
        // The ARM ids these resources have, for adopting them (deterministic names make every id known in advance).
        const groupId = `/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}`;
        const vaultId = `${groupId}/providers/Microsoft.KeyVault/vaults/${args.vaultName}`;
        const keep = (id: string, protect = true): pulumi.CustomResourceOptions => ({
            parent: this,
            protect: args.retain && protect,
            retainOnDelete: args.retain,
            import: args.adopt && id ? id : undefined,
        });

        const group = new resources.ResourceGroup(
            `${name}-rg`,
            { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
            keep(groupId),
        );

        // The environment's other clusters (DR) own their egress prefixes in their own regions; the owner only reads
        // them, so that the firewall admits a DR cluster before an incident and the DR stack never writes here.
        const admitted: pulumi.Output<string | undefined>[] = args.admitEgressPrefixIds.map((id) => {
            const parsed = parseArmId(id);
            const lookup = { resourceGroupName: parsed.resourceGroupName, publicIpPrefixName: parsed.names[0] };
            if (!leavesOutIfMissing(args.admitExistingOnly, id)) {
                return network.getPublicIPPrefixOutput(lookup, { parent: this }).ipPrefix;
            }
            // Only "not found" is tolerated: any other failure (no permission, throttling past the provider's retries)
            // fails the run as it would without admitExistingOnly, so an existing prefix is never dropped from the rules.
            return pulumi.output(
                network.getPublicIPPrefix(lookup, { parent: this }).then(
                    (p) => p.ipPrefix,
                    (e: unknown) => {
                        if (!isNotFound(e)) {
                            throw e;
                        }
                        void pulumi.log.warn(
                            `${id} does not exist yet: not admitted by this run (admitExistingOnly); the rollout's admit wave admits it once its cluster's stack has created it`,
                            this,
                        );
                        return undefined;
                    },
                ),
            );
        });
        const admittedRanges = pulumi
            .all(admitted)
            .apply((ranges) => ranges.filter((r): r is string => r !== undefined));

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
                        ipRules: !args.firewall
                            ? []
                            : args.admitExistingOnly
                              ? pulumi
                                    .all([pulumi.all(args.allowedIpRanges), admittedRanges])
                                    .apply(([own, others]) => [...own, ...others].map((value) => ({ value })))
                              : [...args.allowedIpRanges, ...(admitted as pulumi.Output<string>[])].map((value) => ({
                                    value,
                                })),
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
                    // The first version's expiry: the policy's expiryTime only applies to versions rotation creates, and
                    // its notify action needs an expiry date on the key (Key Vault how-to-configure-key-rotation.md:
                    // "It requires 'Expiry Time' set on rotation policy and 'Expiration Date' set on the key"). With
                    // rotation before expiry, the notification is the alarm for a rotation that did not happen.
                    attributes: { expires: firstVersionExpiry(args.rotation.expireAfter, args.now) },
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
            // Set once, when the key is created: later runs must not move the first version's expiry.
            { ...keep(`${vaultId}/keys/${args.keyName}`), ignoreChanges: ["properties.attributes.expires"] },
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
                    roleName: args.decryptRoleName,
                    description: "Read keys and decrypt with them; no encrypt, sign, update, backup or delete.",
                    scope: group.id,
                    assignableScopes: [group.id],
                    permissions: [
                        { actions: [], notActions: [], dataActions: SOPS_DECRYPT_DATA_ACTIONS, notDataActions: [] },
                    ],
                },
                keep(`${groupId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`),
            );
        }

        args.encryptors.forEach((encryptor, i) => {
            const grant = { scopeKey: `vault/${args.vaultName}`, roleKey: BUILT_IN_ROLES.keyVaultCryptoUser };
            // Adopting needs the assignment's name in advance, so only groups given by object id can be adopted
            // (stacks/schema.ts requires object ids with sops.adopt).
            const adoptId = isGuid(encryptor.key)
                ? `${vaultId}/providers/Microsoft.Authorization/roleAssignments/${roleAssignmentName(grant, encryptor.key)}`
                : "";
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
                keep(adoptId, false),
            );
        });

        this.resourceGroupId = group.id;
        this.vaultId = this.vault.id;
        this.keyUriWithVersion = this.key.keyUriWithVersion;
        // Versionless on purpose: after a rotation new files are encrypted with the new version without editing
        // .sops.yaml, while every file keeps the version it was encrypted with (getsops/sops PR 1919, sops >= 3.11).
        this.creationRule = creationRule(args.environment, args.keyUrl);
        this.admittedEgress = admittedRanges;
        this.registerOutputs({
            vaultId: this.vaultId,
            keyUriWithVersion: this.keyUriWithVersion,
            creationRule: this.creationRule,
            admittedEgress: this.admittedEgress,
        });
    }
}

/**
 * Whether a failed azure-native invoke (a get* lookup) failed because the resource does not exist. The provider reports
 * an ARM error response as `Status=<code> Code="<code>" Message="<message>"` (pulumi/pulumi-azure-native
 * provider/pkg/azure/client_azcore.go, PulumiAzcoreResponseError; its older autorest client's errors read "Service
 * returned an error. Status=404 Code=...", Azure/go-autorest autorest/azure/azure.go RequestError), wrapped as "request failed <id>: ..." (provider/pkg/provider/provider.go, Invoke) and by the
 * engine as "invocation of <token> returned an error: ..." (pulumi/pulumi pkg/resource/deploy/source_eval.go). A missing
 * resource and a missing resource group both answer 404 (ResourceNotFound, ResourceGroupNotFound).
 */
export function isNotFound(e: unknown): boolean {
    const message = e instanceof Error ? e.message : String(e);
    return /\bStatus=404\b/.test(message);
}

/**
 * Expiry of the key's first version in seconds since the epoch (KeyAttributes.exp, keys.json): expireAfter from the
 * start of the current UTC day, so that plans made the same day agree.
 */
export function firstVersionExpiry(expireAfter: string, now: Date): number {
    const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) / 1000;
    return day + durationDays(expireAfter)! * 86_400;
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
