import * as pulumi from "@pulumi/pulumi";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { getGroupOutput } from "@pulumi/azuread/getGroup";
import type { StackConfig } from "../stacks/load";
import { absoluteArmId, isGuid, KNOWN_HOSTS } from "../stacks/schema";
import { AksCluster } from "./AksCluster";
import { FleetManifests } from "./FleetManifests";
import { FluxGitOps, workloadIdentityControllers } from "./FluxGitOps";
import { FLUX_NAMESPACE, FluxIdentity } from "./FluxIdentity";
import { FluxMonitoring } from "./FluxMonitoring";
import { BUILT_IN_ROLES, roleDefinitionId, sopsDecryptRoleGuid } from "./roles";
import { creationRule, SopsKeyVault } from "./SopsKeyVault";

/** The signed-in subscription and tenant (authorization.getClientConfig), read once before resources are declared. */
export interface AzureContext {
    subscriptionId: string;
    tenantId: string;
}

export interface GitOpsClusterArgs {
    config: StackConfig;
    azure: AzureContext;
    /** The deployment's clock (the first SOPS key version's expiry); the current time when absent. */
    now?: Date;
}

/**
 * One cluster of the fleet: AKS, the environment's SOPS key (owned here, or the environment's existing one for a DR
 * cluster), Flux's workload identity and the Flux configuration. Dependency shape: vault, key, identity and decrypt
 * grant never wait for the cluster; the only chain is cluster -> (federated credentials, extension) -> configuration.
 */
export class GitOpsCluster extends pulumi.ComponentResource {
    readonly aks: AksCluster;
    /** Set when this stack owns the environment's vault (sops.vaultName). */
    readonly sops?: SopsKeyVault;
    readonly identity: FluxIdentity;
    /** The extension and Flux configuration; absent in standby. */
    readonly flux?: FluxGitOps;
    readonly fleet: FleetManifests;
    readonly monitoring?: FluxMonitoring;
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: GitOpsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:GitOpsCluster", name, args, opts);
        const c = args.config;
        const { subscriptionId, tenantId } = args.azure;

        const group = new resources.ResourceGroup(
            `${name}-rg`,
            { resourceGroupName: c.resourceGroupName, location: c.location, tags: c.tags },
            { parent: this },
        );

        // Audit logs of the cluster (and of the vault when this stack owns it), Defender and Container Insights data.
        const logs = new operationalinsights.Workspace(
            `${name}-logs`,
            {
                workspaceName: `log-${c.clusterName}`,
                resourceGroupName: group.name,
                location: c.location,
                sku: { name: "PerGB2018" },
                retentionInDays: c.logs.retentionDays,
                tags: c.tags,
            },
            { parent: this },
        );

        const aksName = `aks-${c.clusterName}`;
        const egress = c.aks.network.egress;
        this.aks = new AksCluster(
            `${name}-aks`,
            {
                resourceGroupName: group.name,
                location: c.location,
                clusterName: aksName,
                dnsPrefix: aksName,
                settings: {
                    ...c.aks,
                    network: { ...c.aks.network, egress: egress.publicIpPrefixId ? { publicIpPrefixId: absoluteArmId(egress.publicIpPrefixId, subscriptionId) } : egress },
                },
                adminGroupObjectIds: c.aks.adminGroups.map((ref) => groupObjectId(ref, this)),
                logAnalyticsWorkspaceId: logs.id,
                managedPrometheus: c.monitoring.enabled,
                standby: c.standby,
                subscriptionId,
                tags: c.tags,
            },
            { parent: this },
        );

        if (c.monitoring.enabled) {
            this.monitoring = new FluxMonitoring(
                `${name}-monitoring`,
                {
                    resourceGroupName: group.name,
                    location: c.location,
                    clusterName: aksName,
                    clusterId: this.aks.cluster?.id,
                    settings: c.monitoring,
                    grafanaAdmins: c.monitoring.grafana.admins.map((ref) => ({ key: ref, objectId: groupObjectId(ref, this) })),
                    subscriptionId,
                    tags: c.tags,
                },
                { parent: this },
            );
        }

        // The environment's SOPS key: created and owned here, or (DR) the environment's existing one.
        const decryptRole = c.sops.decryptRole === "sops-decrypt" ? sopsDecryptRoleGuid(c.environment, c.sopsVaultName) : BUILT_IN_ROLES.keyVaultCryptoUser;
        let vaultId: pulumi.Input<string>;
        let keyUriWithVersion: pulumi.Output<string> | undefined;
        let sopsCreationRule: string;
        if (c.sopsMode === "owner") {
            this.sops = new SopsKeyVault(
                `${name}-sops`,
                {
                    environment: c.environment,
                    resourceGroupName: c.sopsResourceGroupName,
                    location: c.location,
                    vaultName: c.sopsVaultName,
                    keyName: c.sopsKeyName,
                    keyUrl: c.sopsKeyUrl,
                    keySize: c.sops.keySize,
                    keyType: c.sops.keyType,
                    rotation: c.sops.rotation,
                    now: args.now ?? new Date(),
                    skuName: c.sops.skuName,
                    softDeleteRetentionDays: c.sops.softDeleteRetentionDays,
                    purgeProtection: c.sops.purgeProtection,
                    firewall: c.sops.firewall,
                    allowedIpRanges: [this.aks.egressIpPrefix, ...c.sops.allowedIpRanges],
                    admitEgressPrefixIds: c.sops.admitEgressPrefixIds.map((id) => absoluteArmId(id, subscriptionId)),
                    admitExistingOnly: c.admitExistingOnly ?? false,
                    logAnalyticsWorkspaceId: logs.id,
                    defineDecryptRole: c.sops.decryptRole === "sops-decrypt",
                    tenantId,
                    subscriptionId,
                    encryptors: c.sops.encryptorGroups.map((ref) => ({ key: ref, objectId: groupObjectId(ref, this) })),
                    retain: c.environment === "prod",
                    adopt: c.sops.adopt,
                    // The vault belongs to the environment, not to this cluster (DR clusters of the environment share it).
                    tags: { ...withoutKey(c.tags, "cluster"), purpose: "sops" },
                },
                { parent: this },
            );
            vaultId = this.sops.vaultId;
            keyUriWithVersion = this.sops.keyUriWithVersion;
            sopsCreationRule = this.sops.creationRule;
        } else {
            // Nothing is created for the key: a new key could not open the environment's existing secrets. Nothing
            // is read from the key's (primary) region either: in an incident that region may be the one that failed.
            vaultId = absoluteArmId(c.sops.existingKeyId!, subscriptionId).replace(/\/keys\/[^/]+$/, "");
            sopsCreationRule = creationRule(c.environment, c.sopsKeyUrl);
        }

        this.identity = new FluxIdentity(
            `${name}-flux-identity`,
            {
                resourceGroupName: group.name,
                location: c.location,
                identityName: `id-flux-${c.clusterName}`,
                oidcIssuerUrl: this.aks.cluster?.oidcIssuerUrl,
                controllers: workloadIdentityControllers(c.flux),
                decryptScope: vaultId,
                decryptScopeKey: `vault/${c.sopsVaultName}`,
                decryptRoleDefinitionId: roleDefinitionId(subscriptionId, decryptRole),
                decryptRoleKey: decryptRole,
                decryptRoleDefinition: this.sops?.decryptRole,
                tags: c.tags,
            },
            { parent: this },
        );

        const gitHost = new URL(c.flux.git.url).hostname;
        // Facts every layer can substitute (${CLUSTER_NAME} ...). The Flux configuration's kustomizations get them from
        // ARM; the rendered fleet Kustomizations carry the ones known from config and pass the identity's client id
        // (known only after creation) through from the configuration's substitution.
        const facts = {
            CLUSTER_NAME: c.clusterName,
            ENVIRONMENT: c.environment,
            REGION: c.location,
            SOPS_KEY_VAULT_URI: c.sopsVaultUri,
        };
        const cluster = this.aks.cluster;
        if (cluster) {
            this.flux = new FluxGitOps(
                `${name}-flux`,
                {
                    resourceGroupName: group.name,
                    clusterName: cluster.name,
                    settings: c.flux,
                    knownHosts: c.flux.git.url.startsWith("ssh:") ? (c.flux.git.knownHosts ?? KNOWN_HOSTS[gitHost]) : undefined,
                    sshPrivateKey: c.git.sshPrivateKey,
                    httpsPassword: c.git.httpsPassword,
                    identityClientId: this.identity.clientId,
                    tenantId,
                    substitutions: { ...facts, FLUX_IDENTITY_CLIENT_ID: this.identity.clientId },
                    decryptReady: [this.identity.credentialFor("kustomize-controller"), this.identity.decryptGrant],
                },
                { parent: this },
            );
        }

        this.fleet = new FleetManifests(
            `${name}-fleet`,
            {
                clusterName: c.clusterName,
                environment: c.environment,
                namespace: FLUX_NAMESPACE,
                gitRepositoryName: c.flux.configurationName,
                apps: c.fleet.apps,
                intervalSeconds: c.fleet.intervalSeconds,
                retryIntervalSeconds: c.fleet.retryIntervalSeconds,
                timeoutSeconds: c.fleet.timeoutSeconds,
                facts: { ...facts, FLUX_IDENTITY_CLIENT_ID: "${FLUX_IDENTITY_CLIENT_ID}" },
                monitoring: c.monitoring.enabled,
                notifications: c.fleet.notifications.enabled ? c.fleet.notifications.provider : undefined,
                renderDirectory: `${c.fleet.renderDirectory}/${c.clusterName}`,
            },
            { parent: this },
        );

        const active = this.flux && this.aks.cluster;
        this.outputs = {
            standby: c.standby,
            clusterResourceGroup: group.name,
            egressIpPrefix: this.aks.egressIpPrefix,
            fluxIdentityClientId: this.identity.clientId,
            fleetPaths: pulumi.output(Object.fromEntries(Object.entries(c.flux.kustomizations).map(([k, v]) => [k, v.path]))),
            sopsVaultId: vaultId,
            sopsVaultUri: c.sopsVaultUri,
            // Versionless: known from config, so DR stacks need no read of the primary region for it.
            sopsKeyUrl: c.sopsKeyUrl,
            sopsCreationRule,
            ...(keyUriWithVersion ? { sopsKeyId: keyUriWithVersion } : {}),
            ...(this.sops ? { sopsAdmittedEgress: this.sops.admittedEgress } : {}),
            ...(active
                ? {
                      clusterName: active.name,
                      clusterId: this.aks.cluster.id,
                      oidcIssuerUrl: this.aks.cluster.oidcIssuerUrl,
                      fluxConfigurationName: this.flux.configuration.name,
                  }
                : {}),
            ...(this.monitoring
                ? {
                      monitoringWorkspaceId: this.monitoring.workspace.id,
                      ...(this.monitoring.ruleGroup ? { alertRuleGroupId: this.monitoring.ruleGroup.id } : {}),
                      ...(this.monitoring.grafana ? { grafanaEndpoint: this.monitoring.grafana.properties.apply((p) => p.endpoint) } : {}),
                  }
                : {}),
        };
        this.registerOutputs(this.outputs);
    }
}

/** Entra ID groups may be named by object id or by display name; names are looked up (and must be unique). */
function groupObjectId(ref: string, parent: pulumi.Resource): pulumi.Output<string> {
    if (isGuid(ref)) {
        return pulumi.output(ref);
    }
    return getGroupOutput({ displayName: ref, securityEnabled: true }, { parent }).objectId;
}

function withoutKey(tags: Record<string, string>, key: string): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).filter(([k]) => k !== key));
}
