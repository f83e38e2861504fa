import * as pulumi from "@pulumi/pulumi";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import type { GitCredentials, StackConfig } from "../stacks/load";
import type { StackNames } from "../stacks/names";
import { absoluteArmId, KNOWN_HOSTS, type StackSettings } from "../stacks/schema";
import { AksCluster } from "./AksCluster";
import { FleetManifests } from "./FleetManifests";
import { FluxGitOps, workloadIdentityControllers } from "./FluxGitOps";
import { FLUX_NAMESPACE, FluxIdentity } from "./FluxIdentity";
import { FluxMonitoring } from "./FluxMonitoring";
import { BUILT_IN_ROLES, groupObjectId, roleDefinitionId, sopsDecryptRoleGuid } from "./roles";
import { creationRule, SopsKeyVault } from "./SopsKeyVault";
import { Tenant } from "./Tenant";

/** The signed-in subscription and tenant (authorization.getClientConfig), read once before resources are declared. */
export interface AzureContext {
    subscriptionId: string;
    tenantId: string;
}

/** The sections of the stack's settings a cluster is built from (validated and defaulted: stacks/load.ts). */
export const CLUSTER_SETTINGS = [
    "environment",
    "location",
    "clusterName",
    "standby",
    "admitExistingOnly",
    "aks",
    "sops",
    "flux",
    "fleet",
    "logs",
    "monitoring",
] as const;
export type ClusterSettings = Pick<StackSettings, (typeof CLUSTER_SETTINGS)[number]>;

/** What GitOpsCluster takes. Only `now` is optional. */
export interface GitOpsClusterArgs {
    /** The stack's settings, every default applied (stacks/profiles.ts); only CLUSTER_SETTINGS are read. */
    settings: ClusterSettings;
    /** Every physical name of the stack (stacks/names.ts). */
    names: StackNames;
    /** Tags every resource carries (the stack's tags plus environment, cluster and managed-by). */
    tags: Record<string, string>;
    /**
     * The fleet repo's credentials (pulumi secrets), handed to FluxGitOps, the one component that uses them, and never
     * recorded as this component's inputs. Both absent: a public https repository.
     */
    git: GitCredentials;
    /**
     * The tenants this cluster runs (stacks/tenants.ts), each with its own repository credential, handed only to its
     * Tenant component and never recorded as this component's inputs. Default: none.
     */
    tenants?: StackConfig["tenants"];
    azure: AzureContext;
    /** The deployment's clock (the first SOPS key version's expiry). Default: the current time. */
    now?: Date;
}

/** The arguments of the stack's cluster, from its loaded configuration (index.ts). */
export function gitOpsClusterArgs(config: StackConfig, azure: AzureContext): GitOpsClusterArgs {
    return {
        settings: pickSettings(config),
        names: config.names,
        tags: config.tags,
        git: config.git,
        tenants: config.tenants,
        azure,
    };
}

/** Only the sections the cluster reads, whatever else the object carries (the loaded config carries the secrets too). */
function pickSettings(settings: ClusterSettings): ClusterSettings {
    return Object.fromEntries(
        CLUSTER_SETTINGS.filter((k) => settings[k] !== undefined).map((k) => [k, settings[k]]),
    ) as unknown as ClusterSettings;
}

/** The environment's SOPS key as this cluster sees it: its vault's id, and the .sops.yaml rule that selects it. */
interface SopsKey {
    vaultId: pulumi.Input<string>;
    keyUriWithVersion?: pulumi.Output<string>;
    creationRule: string;
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
    /** The teams on this cluster; none in standby (no cluster to put them on). */
    readonly tenants: Tenant[];
    readonly outputs: Record<string, pulumi.Input<unknown>>;
    private readonly c: ClusterSettings;
    private readonly names: StackNames;
    private readonly tags: Record<string, string>;
    private readonly azure: AzureContext;

    constructor(
        private readonly baseName: string,
        args: GitOpsClusterArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        // The SDK records a component's inputs in the stack's state: the settings it reads and the names, never the
        // git credentials (pulumi/pulumi sdk/nodejs resource.ts ComponentResource: `args` are registered as inputs
        // unless PULUMI_NODEJS_SKIP_COMPONENT_INPUTS is set).
        super(
            "aks-gitops:index:GitOpsCluster",
            baseName,
            { settings: pickSettings(args.settings), names: args.names, tags: args.tags, azure: args.azure },
            opts,
        );
        this.c = args.settings;
        this.names = args.names;
        this.tags = args.tags;
        this.azure = args.azure;
        const group = new resources.ResourceGroup(
            `${baseName}-rg`,
            { resourceGroupName: this.names.resourceGroupName, location: this.c.location, tags: this.tags },
            { parent: this },
        );
        const logs = this.logWorkspace(group);
        this.aks = this.cluster(group, logs);
        this.monitoring = this.c.monitoring.enabled ? this.fluxMonitoring(group) : undefined;
        const key = this.sopsKey(logs, args.now ?? new Date());
        this.sops = key.vault;
        this.identity = this.fluxIdentity(group, key);
        this.flux = this.aks.cluster ? this.fluxGitOps(group, args.git) : undefined;
        this.tenants = this.flux ? (args.tenants ?? []).map((t) => this.tenant(group, this.flux!, t)) : [];
        this.fleet = this.fleetManifests();
        this.outputs = this.stackOutputs(group, key);
        this.registerOutputs(this.outputs);
    }

    /** Audit logs of the cluster (and of the vault when this stack owns it), Defender and Container Insights data. */
    private logWorkspace(group: resources.ResourceGroup): operationalinsights.Workspace {
        return new operationalinsights.Workspace(
            `${this.baseName}-logs`,
            {
                workspaceName: this.names.logWorkspace,
                resourceGroupName: group.name,
                location: this.c.location,
                sku: { name: "PerGB2018" },
                retentionInDays: this.c.logs.retentionDays,
                tags: this.tags,
            },
            { parent: this },
        );
    }

    private cluster(group: resources.ResourceGroup, logs: operationalinsights.Workspace): AksCluster {
        const c = this.c;
        const egress = c.aks.network.egress;
        return new AksCluster(
            `${this.baseName}-aks`,
            {
                resourceGroupName: group.name,
                location: c.location,
                names: pick(this.names, [
                    "aksCluster",
                    "dnsPrefix",
                    "nodeResourceGroup",
                    "controlPlaneIdentity",
                    "egressPrefix",
                    "insightsDataCollectionRule",
                ]),
                settings: {
                    ...c.aks,
                    network: {
                        ...c.aks.network,
                        egress: egress.publicIpPrefixId
                            ? { publicIpPrefixId: absoluteArmId(egress.publicIpPrefixId, this.azure.subscriptionId) }
                            : egress,
                    },
                },
                adminGroupObjectIds: c.aks.adminGroups.map((ref) => groupObjectId(ref, this)),
                logAnalyticsWorkspaceId: logs.id,
                managedPrometheus: c.monitoring.enabled,
                standby: c.standby,
                subscriptionId: this.azure.subscriptionId,
                tags: this.tags,
            },
            { parent: this },
        );
    }

    private fluxMonitoring(group: resources.ResourceGroup): FluxMonitoring {
        const c = this.c;
        return new FluxMonitoring(
            `${this.baseName}-monitoring`,
            {
                resourceGroupName: group.name,
                location: c.location,
                names: pick(this.names, [
                    "aksCluster",
                    "monitorWorkspace",
                    "prometheusDataCollectionEndpoint",
                    "prometheusDataCollectionRule",
                    "prometheusDataCollectionRuleAssociation",
                    "actionGroup",
                    "prometheusRuleGroup",
                    "grafana",
                    "grafanaGrantKey",
                ]),
                clusterId: this.aks.cluster?.id,
                settings: c.monitoring,
                grafanaAdmins: c.monitoring.grafana.admins.map((ref) => ({
                    key: ref,
                    objectId: groupObjectId(ref, this),
                })),
                subscriptionId: this.azure.subscriptionId,
                tags: this.tags,
            },
            { parent: this },
        );
    }

    /** The environment's SOPS key: created and owned here, or (DR) the environment's existing one. */
    private sopsKey(logs: operationalinsights.Workspace, now: Date): SopsKey & { vault?: SopsKeyVault } {
        const { c, names } = this;
        const { subscriptionId } = this.azure;
        if (names.sopsMode !== "owner") {
            // Nothing is created for the key: a new key could not open the environment's existing secrets. Nothing
            // is read from the key's (primary) region either: in an incident that region may be the one that failed.
            return {
                vaultId: absoluteArmId(c.sops.existingKeyId!, subscriptionId).replace(/\/keys\/[^/]+$/, ""),
                creationRule: creationRule(c.environment, names.sopsKeyUrl),
            };
        }
        const vault = new SopsKeyVault(
            `${this.baseName}-sops`,
            {
                environment: c.environment,
                resourceGroupName: names.sopsResourceGroupName,
                location: c.location,
                vaultName: names.sopsVaultName,
                keyName: names.sopsKeyName,
                keyUrl: names.sopsKeyUrl,
                decryptRoleName: names.sopsDecryptRoleName,
                keySize: c.sops.keySize,
                keyType: c.sops.keyType,
                rotation: c.sops.rotation,
                now,
                skuName: c.sops.skuName,
                softDeleteRetentionDays: c.sops.softDeleteRetentionDays,
                purgeProtection: c.sops.purgeProtection,
                firewall: c.sops.firewall,
                allowedIpRanges: [this.aks.egressIpPrefix, ...c.sops.allowedIpRanges],
                admitEgressPrefixIds: c.sops.admitEgressPrefixIds.map((id) => absoluteArmId(id, subscriptionId)),
                admitExistingOnly: c.admitExistingOnly ?? false,
                logAnalyticsWorkspaceId: logs.id,
                defineDecryptRole: c.sops.decryptRole === "sops-decrypt",
                tenantId: this.azure.tenantId,
                subscriptionId,
                encryptors: c.sops.encryptorGroups.map((ref) => ({ key: ref, objectId: groupObjectId(ref, this) })),
                retain: c.environment === "prod",
                adopt: c.sops.adopt,
                // The vault belongs to the environment, not to this cluster (DR clusters of the environment share it).
                tags: { ...withoutKey(this.tags, "cluster"), purpose: "sops" },
            },
            { parent: this },
        );
        return {
            vault,
            vaultId: vault.vaultId,
            keyUriWithVersion: vault.keyUriWithVersion,
            creationRule: vault.creationRule,
        };
    }

    private fluxIdentity(group: resources.ResourceGroup, key: SopsKey): FluxIdentity {
        const { c, names } = this;
        const decryptRole =
            c.sops.decryptRole === "sops-decrypt"
                ? sopsDecryptRoleGuid(c.environment, names.sopsVaultName)
                : BUILT_IN_ROLES.keyVaultCryptoUser;
        return new FluxIdentity(
            `${this.baseName}-flux-identity`,
            {
                resourceGroupName: group.name,
                location: c.location,
                identityName: names.fluxIdentity,
                oidcIssuerUrl: this.aks.cluster?.oidcIssuerUrl,
                controllers: workloadIdentityControllers(c.flux),
                decryptScope: key.vaultId,
                decryptScopeKey: `vault/${names.sopsVaultName}`,
                decryptRoleDefinitionId: roleDefinitionId(this.azure.subscriptionId, decryptRole),
                decryptRoleKey: decryptRole,
                decryptRoleDefinition: this.sops?.decryptRole,
                tags: this.tags,
            },
            { parent: this },
        );
    }

    /**
     * Facts every layer can substitute (${CLUSTER_NAME} ...). The Flux configuration's kustomizations get them from
     * ARM; the rendered fleet Kustomizations carry the ones known from config and pass the identity's client id (known
     * only after creation) through from the configuration's substitution.
     */
    private facts(): Record<string, string> {
        return {
            CLUSTER_NAME: this.c.clusterName,
            ENVIRONMENT: this.c.environment,
            REGION: this.c.location,
            SOPS_KEY_VAULT_URI: this.names.sopsVaultUri,
        };
    }

    /** The extension and the Flux configuration: only with a cluster (not in standby). */
    private fluxGitOps(group: resources.ResourceGroup, git: GitCredentials): FluxGitOps {
        const { c } = this;
        const gitHost = new URL(c.flux.git.url).hostname;
        return new FluxGitOps(
            `${this.baseName}-flux`,
            {
                resourceGroupName: group.name,
                clusterName: this.aks.cluster!.name,
                settings: c.flux,
                knownHosts: c.flux.git.url.startsWith("ssh:")
                    ? (c.flux.git.knownHosts ?? KNOWN_HOSTS[gitHost])
                    : undefined,
                sshPrivateKey: git.sshPrivateKey,
                httpsPassword: git.httpsPassword,
                identityClientId: this.identity.clientId,
                tenantId: this.azure.tenantId,
                substitutions: { ...this.facts(), FLUX_IDENTITY_CLIENT_ID: this.identity.clientId },
                decryptReady: [this.identity.credentialFor("kustomize-controller"), this.identity.decryptGrant],
            },
            { parent: this },
        );
    }

    /** A team's namespaces, access and source (components/Tenant.ts), on the cluster once Flux is installed. */
    private tenant(
        group: resources.ResourceGroup,
        flux: FluxGitOps,
        { git, ...tenant }: NonNullable<GitOpsClusterArgs["tenants"]>[number],
    ): Tenant {
        const host = new URL(tenant.repo.url).hostname;
        return new Tenant(
            `${this.baseName}-tenant-${tenant.team}`,
            {
                tenant,
                resourceGroupName: group.name,
                clusterName: this.aks.cluster!.name,
                aksName: this.names.aksCluster,
                location: this.c.location,
                subscriptionId: this.azure.subscriptionId,
                tags: this.tags,
                knownHosts: tenant.repo.url.startsWith("ssh:")
                    ? (tenant.repo.knownHosts ?? KNOWN_HOSTS[host])
                    : undefined,
                sshPrivateKey: git.sshPrivateKey,
                httpsPassword: git.httpsPassword,
                extension: flux.extension,
            },
            { parent: this },
        );
    }

    private fleetManifests(): FleetManifests {
        const { c } = this;
        return new FleetManifests(
            `${this.baseName}-fleet`,
            {
                clusterName: c.clusterName,
                environment: c.environment,
                namespace: FLUX_NAMESPACE,
                gitRepositoryName: c.flux.configurationName,
                apps: c.fleet.apps,
                intervalSeconds: c.fleet.intervalSeconds,
                retryIntervalSeconds: c.fleet.retryIntervalSeconds,
                timeoutSeconds: c.fleet.timeoutSeconds,
                facts: { ...this.facts(), FLUX_IDENTITY_CLIENT_ID: "${FLUX_IDENTITY_CLIENT_ID}" },
                monitoring: c.monitoring.enabled,
                notifications: c.fleet.notifications.enabled ? c.fleet.notifications.provider : undefined,
                renderDirectory: `${c.fleet.renderDirectory}/${c.clusterName}`,
            },
            { parent: this },
        );
    }

    /** The stack outputs (README, "Stack outputs"): what is known in standby, then what the cluster adds. */
    private stackOutputs(group: resources.ResourceGroup, key: SopsKey): Record<string, pulumi.Input<unknown>> {
        const { c, names } = this;
        const cluster = this.aks.cluster;
        return {
            standby: c.standby,
            clusterResourceGroup: group.name,
            egressIpPrefix: this.aks.egressIpPrefix,
            fluxIdentityClientId: this.identity.clientId,
            fleetPaths: pulumi.output(
                Object.fromEntries(Object.entries(c.flux.kustomizations).map(([k, v]) => [k, v.path])),
            ),
            sopsVaultId: key.vaultId,
            sopsVaultUri: names.sopsVaultUri,
            // Versionless: known from config, so DR stacks need no read of the primary region for it.
            sopsKeyUrl: names.sopsKeyUrl,
            sopsCreationRule: key.creationRule,
            ...(key.keyUriWithVersion ? { sopsKeyId: key.keyUriWithVersion } : {}),
            ...(this.sops ? { sopsAdmittedEgress: this.sops.admittedEgress } : {}),
            ...(this.flux && cluster
                ? {
                      clusterName: cluster.name,
                      clusterId: cluster.id,
                      oidcIssuerUrl: cluster.oidcIssuerUrl,
                      fluxConfigurationName: this.flux.configuration.name,
                  }
                : {}),
            ...(this.tenants.length > 0
                ? {
                      // What each team's reconciliation can decrypt: nothing (README, "Onboard a team"): one
                      // kustomize-controller identity serves the cluster, so the fleet's tenant boundary policy denies
                      // spec.decryption in tenant namespaces.
                      tenants: this.tenants.map((t) => t.summary),
                  }
                : {}),
            ...(this.monitoring ? this.monitoringOutputs(this.monitoring) : {}),
        };
    }

    private monitoringOutputs(m: FluxMonitoring): Record<string, pulumi.Input<unknown>> {
        return {
            monitoringWorkspaceId: m.workspace.id,
            ...(m.ruleGroup ? { alertRuleGroupId: m.ruleGroup.id } : {}),
            ...(m.grafana ? { grafanaEndpoint: m.grafana.properties.apply((p) => p.endpoint) } : {}),
        };
    }
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
    return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}

function withoutKey(tags: Record<string, string>, key: string): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).filter(([k]) => k !== key));
}
