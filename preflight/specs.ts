// What `pulumi up` puts on the wire for each resource type the program creates, distilled from the Azure REST API
// specifications (github.com/Azure/azure-rest-api-specs) at exactly the API version azure-native v3 uses for it (the
// version its SDK module states: "Uses Azure REST API version ...", read by stack.ts apiVersionOf).
//
// azure-native builds a resource's inputs from the spec's PUT body schema (pulumi/pulumi-azure-native
// provider/pkg/gen/properties.go genProperties): an input is named after the property's `x-ms-client-name` when it has
// one, else after its wire name, in lowerCamelCase; a property marked `x-ms-client-flatten` (and not a dictionary) is
// not an input of its own, its properties are merged one level up and go back under it on the wire; the URL's path
// parameters are inputs too, never body properties. A dictionary whose values have only read-only properties
// (userAssignedIdentities) is an array of its keys in the SDK (isStringSet).
//
// So preflight's template cannot copy input names: it maps each input to its wire path with this table. The table
// holds, per resource type and API version: the PUT path (its {parameters} are the path parameters), and the body's
// writable properties the program uses (and their siblings where the spec was read in full), by wire name, with the
// client name where it differs (`renamed`) and the flattened containers (`flattened`). It is a distillation, not the
// spec: a property missing here is dropped from the template and reported, and test/preflight/specs.test.ts fails
// until its spec facts are added. Where @azure/arm-* clients in node_modules speak the same API version (arm-authorization
// 9.0.0: roleAssignments 2022-04-01; arm-kubernetesconfiguration 6.1.0: extensions and fluxConfigurations 2023-05-01)
// the test serializes through them and compares with this table.

export type Shape =
    | { kind: "value" }
    /** `"type": "object"` without properties: free-form JSON (azure-native: any). */
    | { kind: "any" }
    | { kind: "array"; of: Shape }
    /** `additionalProperties`: keys are data, values have the given shape. */
    | { kind: "map"; of: Shape }
    /** A map whose values have only read-only properties: an array of its keys in the SDK, `{key: {}}` on the wire. */
    | { kind: "idset" }
    | ObjectShape;

export interface ObjectShape {
    kind: "object";
    /** By wire name. */
    props: Record<string, Prop>;
}

export interface Prop {
    shape: Shape;
    /** The SDK (client) name, when `x-ms-client-name` (or azure-native's lowerCamelCase) makes it differ from the wire name. */
    sdk?: string;
    /** `x-ms-client-flatten`: its properties are inputs of the enclosing object. */
    flatten?: boolean;
}

export interface ResourceSpec {
    token: string;
    type: string;
    apiVersion: string;
    /** The spec file in Azure/azure-rest-api-specs (with the commit read where stored versions of the file differ). */
    source: string;
    /** The PUT operation's URL template; every {parameter} but subscriptionId is an SDK input that stays out of the body. */
    put: string;
    body: ObjectShape;
}

const v: Shape = { kind: "value" };
const anyJson: Shape = { kind: "any" };
const idset: Shape = { kind: "idset" };
const list = (of: Shape = v): Shape => ({ kind: "array", of });
const dict = (of: Shape = v): Shape => ({ kind: "map", of });
const isProp = (x: Shape | Prop): x is Prop => "shape" in x;
function obj(props: Record<string, Shape | Prop>): ObjectShape {
    return {
        kind: "object",
        props: Object.fromEntries(Object.entries(props).map(([k, p]) => [k, isProp(p) ? p : { shape: p }])),
    };
}
/** `x-ms-client-name`: the SDK calls it `sdk`, the wire `wire` (the key it is stored under). */
const renamed = (sdk: string, shape: Shape): Prop => ({ shape, sdk });
/** `x-ms-client-flatten` on `properties`: its members are inputs of the resource itself. */
const flattened = (shape: ObjectShape): Prop => ({ shape, flatten: true });

/**
 * The table, built anew on each call (a few microseconds; preflight looks up a few dozen resources). Not a module
 * constant, and not memoised: so mutation testing switches a mutant of an entry on and off within one test process
 * and charges it to the tests that read the table, instead of reloading every module and rerunning every preflight
 * test for each of the table's thousand-odd values (StrykerJS "static" mutants).
 */
export function specs(): ResourceSpec[] {
    const S = "specification";
    const tracked = { location: v, tags: dict() };
    /** common-types ManagedServiceIdentity (v3-v5): type plus userAssignedIdentities whose values are read-only. */
    const managedServiceIdentity = obj({ type: v, userAssignedIdentities: idset });
    return [
        {
            token: "azure-native:resources:ResourceGroup",
            type: "Microsoft.Resources/resourceGroups",
            apiVersion: "2024-03-01",
            // ResourceGroup: location (required), managedBy, tags, properties (read-only provisioningState). Also in Azure/bicep-types-az
            // generated/resources/microsoft.resources/2024-03-01/types.md.
            source: `${S}/resources/resource-manager/Microsoft.Resources/stable/2024-03-01/resources.json`,
            put: "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
            body: obj({ ...tracked, managedBy: v }),
        },
        {
            token: "azure-native:managedidentity:UserAssignedIdentity",
            type: "Microsoft.ManagedIdentity/userAssignedIdentities",
            apiVersion: "2023-01-31",
            // Identity: TrackedResource (location, tags) + flattened, read-only UserAssignedIdentityProperties.
            source: `${S}/msi/resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31/ManagedIdentity.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
            body: obj({ ...tracked }),
        },
        {
            token: "azure-native:managedidentity:FederatedIdentityCredential",
            type: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
            apiVersion: "2023-01-31",
            // FederatedIdentityCredential: ProxyResource + flattened FederatedIdentityCredentialProperties {issuer, subject, audiences}.
            source: `${S}/msi/resource-manager/Microsoft.ManagedIdentity/stable/2023-01-31/ManagedIdentity.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
            body: obj({ properties: flattened(obj({ issuer: v, subject: v, audiences: list() })) }),
        },
        {
            token: "azure-native:network:PublicIPPrefix",
            type: "Microsoft.Network/publicIPPrefixes",
            apiVersion: "2024-05-01",
            // PublicIPPrefix: network.json Resource (location, tags) + extendedLocation, sku {name, tier}, zones, flattened
            // PublicIPPrefixPropertiesFormat (publicIPAddressVersion, ipTags, prefixLength, customIPPrefix, natGateway).
            source: `${S}/network/resource-manager/Microsoft.Network/stable/2024-05-01/publicIpPrefix.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/publicIPPrefixes/{publicIpPrefixName}",
            body: obj({
                ...tracked,
                sku: obj({ name: v, tier: v }),
                zones: list(),
                properties: flattened(
                    obj({ publicIPAddressVersion: v, prefixLength: v, ipTags: list(obj({ ipTagType: v, tag: v })) }),
                ),
            }),
        },
        {
            token: "azure-native:operationalinsights:Workspace",
            type: "Microsoft.OperationalInsights/workspaces",
            apiVersion: "2023-09-01",
            // Workspace: TrackedResource + identity + flattened WorkspaceProperties, which holds the sku (WorkspaceSku {name,
            // capacityReservationLevel}): `sku` goes under properties, not at the top.
            source: `${S}/operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2023-09-01/Workspaces.json (commit c09d4df400a5d4c19b64b2fdb957eff3d23c50f5)`,
            put: "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}",
            body: obj({
                ...tracked,
                properties: flattened(
                    obj({
                        sku: obj({ name: v, capacityReservationLevel: v }),
                        retentionInDays: v,
                        workspaceCapping: obj({ dailyQuotaGb: v }),
                        publicNetworkAccessForIngestion: v,
                        publicNetworkAccessForQuery: v,
                        forceCmkForQuery: v,
                        features: obj({
                            enableDataExport: v,
                            immediatePurgeDataOn30Days: v,
                            enableLogAccessUsingOnlyResourcePermissions: v,
                            clusterResourceId: v,
                            disableLocalAuth: v,
                        }),
                        defaultDataCollectionRuleResourceId: v,
                    }),
                ),
            }),
        },
        {
            token: "azure-native:keyvault:Vault",
            type: "Microsoft.KeyVault/vaults",
            apiVersion: "2024-11-01",
            // VaultCreateOrUpdateParameters: location, tags, properties (VaultProperties, NOT flattened: the SDK input is
            // `properties`); Sku {family, name}; NetworkRuleSet {bypass, defaultAction, ipRules [{value}], virtualNetworkRules}.
            source: `${S}/keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01/keyvault.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/{vaultName}",
            body: obj({
                ...tracked,
                properties: obj({
                    tenantId: v,
                    sku: obj({ family: v, name: v }),
                    enabledForDeployment: v,
                    enabledForDiskEncryption: v,
                    enabledForTemplateDeployment: v,
                    enableSoftDelete: v,
                    softDeleteRetentionInDays: v,
                    enableRbacAuthorization: v,
                    createMode: v,
                    enablePurgeProtection: v,
                    networkAcls: obj({
                        bypass: v,
                        defaultAction: v,
                        ipRules: list(obj({ value: v })),
                        virtualNetworkRules: list(obj({ id: v, ignoreMissingVnetServiceEndpoint: v })),
                    }),
                    publicNetworkAccess: v,
                }),
            }),
        },
        {
            token: "azure-native:keyvault:Key",
            type: "Microsoft.KeyVault/vaults/keys",
            apiVersion: "2024-11-01",
            // KeyCreateParameters: tags, properties (KeyProperties, not flattened). KeyAttributes renames: `nbf` is the client's
            // NotBefore, `exp` its Expires (x-ms-client-name); KeyProperties `release_policy` is the SDK's releasePolicy.
            // RotationPolicy {attributes {expiryTime}, lifetimeActions [{trigger {timeAfterCreate, timeBeforeExpiry}, action {type}}]}.
            source: `${S}/keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01/keys.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}",
            body: obj({
                tags: dict(),
                properties: obj({
                    attributes: obj({
                        enabled: v,
                        nbf: renamed("notBefore", v),
                        exp: renamed("expires", v),
                        exportable: v,
                    }),
                    kty: v,
                    keyOps: list(),
                    keySize: v,
                    curveName: v,
                    rotationPolicy: obj({
                        attributes: obj({ expiryTime: v }),
                        lifetimeActions: list(
                            obj({
                                trigger: obj({ timeAfterCreate: v, timeBeforeExpiry: v }),
                                action: obj({ type: v }),
                            }),
                        ),
                    }),
                    release_policy: renamed("releasePolicy", obj({ contentType: v, data: v })),
                }),
            }),
        },
        {
            token: "azure-native:authorization:RoleDefinition",
            type: "Microsoft.Authorization/roleDefinitions",
            apiVersion: "2022-05-01-preview",
            // RoleDefinition: flattened RoleDefinitionProperties {roleName, description, type (client name roleType),
            // permissions [Permission {actions, notActions, dataActions, notDataActions}] (common-types.json), assignableScopes}.
            // {roleDefinitionId} is a path parameter: it names the definition, it is not a property.
            source: `${S}/authorization/resource-manager/Microsoft.Authorization/preview/2022-05-01-preview/authorization-RoleDefinitionsCalls.json`,
            put: "/{scope}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionId}",
            body: obj({
                properties: flattened(
                    obj({
                        roleName: v,
                        description: v,
                        type: renamed("roleType", v),
                        permissions: list(
                            obj({ actions: list(), notActions: list(), dataActions: list(), notDataActions: list() }),
                        ),
                        assignableScopes: list(),
                    }),
                ),
            }),
        },
        {
            token: "azure-native:authorization:RoleAssignment",
            type: "Microsoft.Authorization/roleAssignments",
            apiVersion: "2022-04-01",
            // RoleAssignmentCreateParameters: flattened RoleAssignmentProperties (scope read-only). Same version as
            // @azure/arm-authorization 9.0.0's roleAssignments.create, which the test serializes through.
            source: `${S}/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json`,
            put: "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
            body: obj({
                properties: flattened(
                    obj({
                        roleDefinitionId: v,
                        principalId: v,
                        principalType: v,
                        description: v,
                        condition: v,
                        conditionVersion: v,
                        delegatedManagedIdentityResourceId: v,
                    }),
                ),
            }),
        },
        {
            token: "azure-native:monitor:DiagnosticSetting",
            type: "Microsoft.Insights/diagnosticSettings",
            apiVersion: "2021-05-01-preview",
            // DiagnosticSettingsResource: flattened DiagnosticSettings; LogSettings {category, categoryGroup, enabled,
            // retentionPolicy {enabled, days}}. {resourceUri} and {name} are path parameters.
            source: `${S}/monitor/resource-manager/Microsoft.Insights/preview/2021-05-01-preview/diagnosticsSettings_API.json`,
            put: "/{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
            body: obj({
                properties: flattened(
                    obj({
                        storageAccountId: v,
                        serviceBusRuleId: v,
                        eventHubAuthorizationRuleId: v,
                        eventHubName: v,
                        metrics: list(
                            obj({
                                timeGrain: v,
                                category: v,
                                enabled: v,
                                retentionPolicy: obj({ enabled: v, days: v }),
                            }),
                        ),
                        logs: list(
                            obj({
                                category: v,
                                categoryGroup: v,
                                enabled: v,
                                retentionPolicy: obj({ enabled: v, days: v }),
                            }),
                        ),
                        workspaceId: v,
                        marketplacePartnerId: v,
                        logAnalyticsDestinationType: v,
                    }),
                ),
            }),
        },
        {
            token: "azure-native:monitor:ActionGroup",
            type: "Microsoft.Insights/actionGroups",
            apiVersion: "2024-10-01-preview",
            // ActionGroupResource: AzureResource (location, tags) + identity + flattened ActionGroup {groupShortName, enabled,
            // emailReceivers [EmailReceiver {name, emailAddress, useCommonAlertSchema}], webhookReceivers [WebhookReceiver {name,
            // serviceUri, useCommonAlertSchema, useAadAuth, objectId, identifierUri, tenantId, managedIdentity}], ...}.
            source: `${S}/monitor/resource-manager/Microsoft.Insights/preview/2024-10-01-preview/actionGroups_API.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/actionGroups/{actionGroupName}",
            body: obj({
                ...tracked,
                identity: managedServiceIdentity,
                properties: flattened(
                    obj({
                        groupShortName: v,
                        enabled: v,
                        emailReceivers: list(obj({ name: v, emailAddress: v, useCommonAlertSchema: v })),
                        webhookReceivers: list(
                            obj({
                                name: v,
                                serviceUri: v,
                                useCommonAlertSchema: v,
                                useAadAuth: v,
                                objectId: v,
                                identifierUri: v,
                                tenantId: v,
                                managedIdentity: v,
                            }),
                        ),
                    }),
                ),
            }),
        },
        {
            token: "azure-native:monitor:AzureMonitorWorkspace",
            type: "Microsoft.Monitor/accounts",
            apiVersion: "2023-04-03",
            // AzureMonitorWorkspaceResource: TrackedResource + flattened AzureMonitorWorkspace, all read-only in this version
            // (publicNetworkAccess too).
            source: `${S}/monitor/resource-manager/Microsoft.Monitor/stable/2023-04-03/monitoringAccounts_API.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Monitor/accounts/{azureMonitorWorkspaceName}",
            body: obj({ ...tracked }),
        },
        {
            token: "azure-native:monitor:DataCollectionEndpoint",
            type: "Microsoft.Insights/dataCollectionEndpoints",
            apiVersion: "2022-06-01",
            // DataCollectionEndpointResource: location, tags, kind, sku, identity, flattened DataCollectionEndpoint {description,
            // immutableId, configurationAccess, logsIngestion, metricsIngestion, networkAcls {publicNetworkAccess}}.
            source: `${S}/monitor/resource-manager/Microsoft.Insights/stable/2022-06-01/dataCollectionEndpoints_API.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/dataCollectionEndpoints/{dataCollectionEndpointName}",
            body: obj({
                ...tracked,
                kind: v,
                identity: managedServiceIdentity,
                properties: flattened(
                    obj({ description: v, immutableId: v, networkAcls: obj({ publicNetworkAccess: v }) }),
                ),
            }),
        },
        {
            token: "azure-native:monitor:DataCollectionRule",
            type: "Microsoft.Insights/dataCollectionRules",
            apiVersion: "2022-06-01",
            // DataCollectionRuleResource: location, tags, kind, sku, identity, flattened DataCollectionRule {description,
            // dataCollectionEndpointId, streamDeclarations, dataSources (DataSourcesSpec), destinations (DestinationsSpec),
            // dataFlows [DataFlow]}; ExtensionDataSource.extensionSettings is a free-form object.
            source: `${S}/monitor/resource-manager/Microsoft.Insights/stable/2022-06-01/dataCollectionRules_API.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Insights/dataCollectionRules/{dataCollectionRuleName}",
            body: obj({
                ...tracked,
                kind: v,
                identity: managedServiceIdentity,
                properties: flattened(
                    obj({
                        description: v,
                        dataCollectionEndpointId: v,
                        dataSources: obj({
                            extensions: list(
                                obj({
                                    streams: list(),
                                    extensionName: v,
                                    extensionSettings: anyJson,
                                    inputDataSources: list(),
                                    name: v,
                                }),
                            ),
                            prometheusForwarder: list(obj({ streams: list(), labelIncludeFilter: dict(), name: v })),
                            syslog: list(obj({ streams: list(), facilityNames: list(), logLevels: list(), name: v })),
                            performanceCounters: list(
                                obj({
                                    streams: list(),
                                    samplingFrequencyInSeconds: v,
                                    counterSpecifiers: list(),
                                    name: v,
                                }),
                            ),
                        }),
                        destinations: obj({
                            logAnalytics: list(obj({ workspaceResourceId: v, name: v })),
                            monitoringAccounts: list(obj({ accountResourceId: v, name: v })),
                            azureMonitorMetrics: obj({ name: v }),
                        }),
                        dataFlows: list(
                            obj({
                                streams: list(),
                                destinations: list(),
                                transformKql: v,
                                outputStream: v,
                                builtInTransform: v,
                            }),
                        ),
                    }),
                ),
            }),
        },
        {
            token: "azure-native:monitor:DataCollectionRuleAssociation",
            type: "Microsoft.Insights/dataCollectionRuleAssociations",
            apiVersion: "2022-06-01",
            // DataCollectionRuleAssociationProxyOnlyResource: flattened DataCollectionRuleAssociation {description,
            // dataCollectionRuleId, dataCollectionEndpointId}. {resourceUri} and {associationName} are path parameters.
            source: `${S}/monitor/resource-manager/Microsoft.Insights/stable/2022-06-01/dataCollectionRuleAssociations_API.json`,
            put: "/{resourceUri}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{associationName}",
            body: obj({
                properties: flattened(obj({ description: v, dataCollectionRuleId: v, dataCollectionEndpointId: v })),
            }),
        },
        {
            token: "azure-native:alertsmanagement:PrometheusRuleGroup",
            type: "Microsoft.AlertsManagement/prometheusRuleGroups",
            apiVersion: "2023-03-01",
            // PrometheusRuleGroupResource: TrackedResource + flattened PrometheusRuleGroupProperties {description, enabled,
            // clusterName (a body property, not a path parameter), scopes, interval, rules [PrometheusRule {record, alert,
            // enabled, expression, labels, severity, for, annotations, actions [PrometheusRuleGroupAction {actionGroupId,
            // actionProperties}], resolveConfiguration {autoResolved, timeToResolve}}]}. Read at the commit that matches the
            // SDK (actions as an array); a later stored version of the file has actions as an object.
            source: `${S}/alertsmanagement/resource-manager/Microsoft.AlertsManagement/stable/2023-03-01/PrometheusRuleGroups.json (commit 88341225e30909eebb296e7683f418fc4c570152)`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.AlertsManagement/prometheusRuleGroups/{ruleGroupName}",
            body: obj({
                ...tracked,
                properties: flattened(
                    obj({
                        description: v,
                        enabled: v,
                        clusterName: v,
                        scopes: list(),
                        interval: v,
                        rules: list(
                            obj({
                                record: v,
                                alert: v,
                                enabled: v,
                                expression: v,
                                labels: dict(),
                                severity: v,
                                for: v,
                                annotations: dict(),
                                actions: list(obj({ actionGroupId: v, actionProperties: dict() })),
                                resolveConfiguration: obj({ autoResolved: v, timeToResolve: v }),
                            }),
                        ),
                    }),
                ),
            }),
        },
        {
            token: "azure-native:dashboard:Grafana",
            type: "Microsoft.Dashboard/grafana",
            apiVersion: "2024-10-01",
            // ManagedGrafana: TrackedResource + sku (ResourceSku {name}), identity (ManagedServiceIdentity), properties
            // (ManagedGrafanaProperties, NOT flattened: the SDK input is `properties`) {publicNetworkAccess, zoneRedundancy,
            // apiKey, deterministicOutboundIP, autoGeneratedDomainNameLabelScope, grafanaIntegrations
            // {azureMonitorWorkspaceIntegrations [{azureMonitorWorkspaceResourceId}]}, grafanaMajorVersion}. Read at the commit
            // that matches the SDK; a later, TypeSpec-converted stored version flattens properties.
            source: `${S}/dashboard/resource-manager/Microsoft.Dashboard/stable/2024-10-01/grafana.json (commit 91e3bcdb143f282b58ee07943960b5889087fd16)`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Dashboard/grafana/{workspaceName}",
            body: obj({
                ...tracked,
                sku: obj({ name: v }),
                identity: managedServiceIdentity,
                properties: obj({
                    publicNetworkAccess: v,
                    zoneRedundancy: v,
                    apiKey: v,
                    deterministicOutboundIP: v,
                    autoGeneratedDomainNameLabelScope: v,
                    grafanaIntegrations: obj({
                        azureMonitorWorkspaceIntegrations: list(obj({ azureMonitorWorkspaceResourceId: v })),
                    }),
                    grafanaMajorVersion: v,
                }),
            }),
        },
        {
            token: "azure-native:kubernetesconfiguration:Extension",
            type: "Microsoft.KubernetesConfiguration/extensions",
            apiVersion: "2023-05-01",
            // Extension: ProxyResource + identity, plan, flattened properties {extensionType, autoUpgradeMinorVersion,
            // releaseTrain, version, scope {cluster {releaseNamespace}, namespace {targetNamespace}}, configurationSettings,
            // configurationProtectedSettings, aksAssignedIdentity {type}}. Same version as @azure/arm-kubernetesconfiguration
            // 6.1.0, which the test serializes through.
            source: `${S}/kubernetesconfiguration/resource-manager/Microsoft.KubernetesConfiguration/stable/2023-05-01/extensions.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{clusterRp}/{clusterResourceName}/{clusterName}/providers/Microsoft.KubernetesConfiguration/extensions/{extensionName}",
            body: obj({
                identity: obj({ type: v }),
                plan: obj({ name: v, publisher: v, product: v, promotionCode: v, version: v }),
                properties: flattened(
                    obj({
                        extensionType: v,
                        autoUpgradeMinorVersion: v,
                        releaseTrain: v,
                        version: v,
                        scope: obj({ cluster: obj({ releaseNamespace: v }), namespace: obj({ targetNamespace: v }) }),
                        configurationSettings: dict(),
                        configurationProtectedSettings: dict(),
                        aksAssignedIdentity: obj({ type: v }),
                    }),
                ),
            }),
        },
        {
            token: "azure-native:kubernetesconfiguration:FluxConfiguration",
            type: "Microsoft.KubernetesConfiguration/fluxConfigurations",
            apiVersion: "2023-05-01",
            // FluxConfiguration: ProxyResource + flattened properties {scope (a body property: "cluster" or "namespace"),
            // namespace, sourceKind, suspend, gitRepository {url, timeoutInSeconds, syncIntervalInSeconds, repositoryRef {branch,
            // tag, semver, commit}, sshKnownHosts, httpsUser, httpsCACert, localAuthRef}, kustomizations {name ->
            // KustomizationDefinition {path, dependsOn, timeoutInSeconds, syncIntervalInSeconds, retryIntervalInSeconds, prune,
            // force, wait, postBuild {substitute, substituteFrom}}}, configurationProtectedSettings, waitForReconciliation,
            // reconciliationWaitDuration}. Same version as @azure/arm-kubernetesconfiguration 6.1.0.
            source: `${S}/kubernetesconfiguration/resource-manager/Microsoft.KubernetesConfiguration/stable/2023-05-01/fluxconfiguration.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{clusterRp}/{clusterResourceName}/{clusterName}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/{fluxConfigurationName}",
            body: obj({
                properties: flattened(
                    obj({
                        scope: v,
                        namespace: v,
                        sourceKind: v,
                        suspend: v,
                        gitRepository: obj({
                            url: v,
                            timeoutInSeconds: v,
                            syncIntervalInSeconds: v,
                            repositoryRef: obj({ branch: v, tag: v, semver: v, commit: v }),
                            sshKnownHosts: v,
                            httpsUser: v,
                            httpsCACert: v,
                            localAuthRef: v,
                        }),
                        kustomizations: dict(
                            obj({
                                path: v,
                                dependsOn: list(),
                                timeoutInSeconds: v,
                                syncIntervalInSeconds: v,
                                retryIntervalInSeconds: v,
                                prune: v,
                                force: v,
                                wait: v,
                                postBuild: obj({
                                    substitute: dict(),
                                    substituteFrom: list(obj({ kind: v, name: v, optional: v })),
                                }),
                            }),
                        ),
                        configurationProtectedSettings: dict(),
                        waitForReconciliation: v,
                        reconciliationWaitDuration: v,
                    }),
                ),
            }),
        },
        {
            token: "azure-native:containerservice:ManagedNamespace",
            type: "Microsoft.ContainerService/managedClusters/managedNamespaces",
            apiVersion: "2025-09-01",
            // ManagedNamespace: TrackedResourceWithOptionalLocation<NamespaceProperties> (location, tags, eTag read-only);
            // properties NOT flattened (the SDK input is `properties`): NamespaceProperties {labels, annotations,
            // defaultResourceQuota {cpuRequest, cpuLimit, memoryRequest, memoryLimit}, defaultNetworkPolicy {ingress,
            // egress}, adoptionPolicy, deletePolicy; provisioningState and portalFqdn read-only}. Source: the TypeSpec the
            // 2025-09-01 swagger is generated from (aks/ManagedNamespace.tsp); same version as @azure/arm-containerservice
            // 25.5.0's managedNamespaceSerializer.
            source: `${S}/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-09-01/managedClusters.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{resourceName}/managedNamespaces/{managedNamespaceName}",
            body: obj({
                ...tracked,
                properties: obj({
                    labels: dict(),
                    annotations: dict(),
                    defaultResourceQuota: obj({ cpuRequest: v, cpuLimit: v, memoryRequest: v, memoryLimit: v }),
                    defaultNetworkPolicy: obj({ ingress: v, egress: v }),
                    adoptionPolicy: v,
                    deletePolicy: v,
                }),
            }),
        },
        {
            token: "azure-native:containerservice:MaintenanceConfiguration",
            type: "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
            apiVersion: "2025-09-01",
            // MaintenanceConfiguration: SubResource + flattened MaintenanceConfigurationProperties {timeInWeek, notAllowedTime,
            // maintenanceWindow {schedule {daily, weekly {intervalWeeks, dayOfWeek}, absoluteMonthly, relativeMonthly},
            // durationHours, utcOffset, startDate, startTime, notAllowedDates}}.
            source: `${S}/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-09-01/managedClusters.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations/{configName}",
            body: obj({
                properties: flattened(
                    obj({
                        timeInWeek: list(obj({ day: v, hourSlots: list() })),
                        notAllowedTime: list(obj({ start: v, end: v })),
                        maintenanceWindow: obj({
                            schedule: obj({
                                daily: obj({ intervalDays: v }),
                                weekly: obj({ intervalWeeks: v, dayOfWeek: v }),
                                absoluteMonthly: obj({ intervalMonths: v, dayOfMonth: v }),
                                relativeMonthly: obj({ intervalMonths: v, weekIndex: v, dayOfWeek: v }),
                            }),
                            durationHours: v,
                            utcOffset: v,
                            startDate: v,
                            startTime: v,
                            notAllowedDates: list(obj({ start: v, end: v })),
                        }),
                    }),
                ),
            }),
        },
        {
            token: "azure-native:containerservice:ManagedCluster",
            type: "Microsoft.ContainerService/managedClusters",
            apiVersion: "2025-09-01",
            // ManagedCluster: TrackedResource + sku (ManagedClusterSKU {name, tier}), extendedLocation, identity
            // (ManagedClusterIdentity {type, userAssignedIdentities: values read-only}), kind, flattened ManagedClusterProperties.
            // No x-ms-client-name in the subtrees below (ManagedClusterAgentPoolProfile = ManagedClusterAgentPoolProfileProperties
            // + name; AgentPoolUpgradeSettings; ManagedClusterAADProfile; ManagedClusterAddonProfile {enabled, config};
            // ContainerServiceNetworkProfile; ManagedClusterLoadBalancerProfile; ResourceReference {id};
            // ManagedClusterAPIServerAccessProfile; ManagedClusterAutoUpgradeProfile; ManagedClusterOIDCIssuerProfile
            // (issuerURL read-only); ManagedClusterSecurityProfile {defender {logAnalyticsWorkspaceResourceId,
            // securityMonitoring {enabled}}, workloadIdentity {enabled}, imageCleaner {enabled, intervalHours}};
            // ManagedClusterAzureMonitorProfile {metrics {enabled, kubeStateMetrics}}).
            source: `${S}/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-09-01/managedClusters.json`,
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{resourceName}",
            body: obj({
                ...tracked,
                sku: obj({ name: v, tier: v }),
                identity: obj({ type: v, userAssignedIdentities: idset }),
                kind: v,
                properties: flattened(
                    obj({
                        kubernetesVersion: v,
                        dnsPrefix: v,
                        fqdnSubdomain: v,
                        agentPoolProfiles: list(
                            obj({
                                name: v,
                                count: v,
                                vmSize: v,
                                osDiskSizeGB: v,
                                osDiskType: v,
                                kubeletDiskType: v,
                                vnetSubnetID: v,
                                podSubnetID: v,
                                maxPods: v,
                                osType: v,
                                osSKU: v,
                                maxCount: v,
                                minCount: v,
                                enableAutoScaling: v,
                                type: v,
                                mode: v,
                                orchestratorVersion: v,
                                upgradeSettings: obj({
                                    maxSurge: v,
                                    maxUnavailable: v,
                                    drainTimeoutInMinutes: v,
                                    nodeSoakDurationInMinutes: v,
                                }),
                                availabilityZones: list(),
                                enableNodePublicIP: v,
                                tags: dict(),
                                nodeLabels: dict(),
                                nodeTaints: list(),
                                enableEncryptionAtHost: v,
                                enableUltraSSD: v,
                                enableFIPS: v,
                            }),
                        ),
                        addonProfiles: dict(obj({ enabled: v, config: dict() })),
                        oidcIssuerProfile: obj({ enabled: v }),
                        nodeResourceGroup: v,
                        enableRBAC: v,
                        supportPlan: v,
                        networkProfile: obj({
                            networkPlugin: v,
                            networkPluginMode: v,
                            networkPolicy: v,
                            networkDataplane: v,
                            podCidr: v,
                            serviceCidr: v,
                            dnsServiceIP: v,
                            outboundType: v,
                            loadBalancerSku: v,
                            loadBalancerProfile: obj({
                                managedOutboundIPs: obj({ count: v, countIPv6: v }),
                                outboundIPPrefixes: obj({ publicIPPrefixes: list(obj({ id: v })) }),
                                outboundIPs: obj({ publicIPs: list(obj({ id: v })) }),
                                allocatedOutboundPorts: v,
                                idleTimeoutInMinutes: v,
                                enableMultipleStandardLoadBalancers: v,
                                backendPoolType: v,
                            }),
                            podCidrs: list(),
                            serviceCidrs: list(),
                            ipFamilies: list(),
                        }),
                        aadProfile: obj({ managed: v, enableAzureRBAC: v, adminGroupObjectIDs: list(), tenantID: v }),
                        autoUpgradeProfile: obj({ upgradeChannel: v, nodeOSUpgradeChannel: v }),
                        apiServerAccessProfile: obj({
                            authorizedIPRanges: list(),
                            enablePrivateCluster: v,
                            privateDNSZone: v,
                            enablePrivateClusterPublicFQDN: v,
                            disableRunCommand: v,
                        }),
                        disableLocalAccounts: v,
                        securityProfile: obj({
                            defender: obj({
                                logAnalyticsWorkspaceResourceId: v,
                                securityMonitoring: obj({ enabled: v }),
                            }),
                            workloadIdentity: obj({ enabled: v }),
                            imageCleaner: obj({ enabled: v, intervalHours: v }),
                        }),
                        publicNetworkAccess: v,
                        azureMonitorProfile: obj({
                            metrics: obj({
                                enabled: v,
                                kubeStateMetrics: obj({ metricLabelsAllowlist: v, metricAnnotationsAllowList: v }),
                            }),
                        }),
                    }),
                ),
            }),
        },
    ];
}

/** The table entry for an azure-native resource at the API version it uses; undefined when the table has none. */
export function specFor(token: string, apiVersion: string | undefined): ResourceSpec | undefined {
    return specs().find((s) => s.token === token && s.apiVersion === apiVersion);
}

/** The SDK inputs that are URL path parameters (never body properties). */
export function pathParameters(spec: ResourceSpec): string[] {
    return [...spec.put.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).filter((p) => p !== "subscriptionId");
}

interface Route {
    /** Wire names from the enclosing object down to the property (more than one when flattened containers lie between). */
    wire: string[];
    shape: Shape;
}

/** SDK name -> wire route for the inputs of an object: flattened containers contribute their members. */
export function sdkRoutes(shape: ObjectShape): Map<string, Route> {
    const routes = new Map<string, Route>();
    for (const [wire, prop] of Object.entries(shape.props)) {
        if (prop.flatten && prop.shape.kind === "object") {
            for (const [sdk, inner] of sdkRoutes(prop.shape)) {
                routes.set(sdk, { wire: [wire, ...inner.wire], shape: inner.shape });
            }
        } else {
            routes.set(prop.sdk ?? wire, { wire: [wire], shape: prop.shape });
        }
    }
    return routes;
}

export interface WireBody {
    body: Record<string, unknown>;
    /** SDK input paths the table does not know (left out of the body). */
    unknown: string[];
}

/** The request body `pulumi up` sends for these SDK inputs: wire names, flattened containers restored, path parameters out. */
export function toWire(spec: ResourceSpec, inputs: Record<string, unknown>): WireBody {
    const unknown: string[] = [];
    const skip = new Set(pathParameters(spec));
    const top = Object.fromEntries(Object.entries(inputs).filter(([k]) => !skip.has(k)));
    return { body: convertObject(spec.body, top, "", unknown), unknown };
}

function convertObject(
    shape: ObjectShape,
    input: Record<string, unknown>,
    at: string,
    unknown: string[],
): Record<string, unknown> {
    const routes = sdkRoutes(shape);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
        const where = at ? `${at}.${key}` : key;
        const route = routes.get(key);
        if (!route) {
            unknown.push(where);
            continue;
        }
        let target = out;
        for (const container of route.wire.slice(0, -1)) {
            target = (target[container] ??= {}) as Record<string, unknown>;
        }
        target[route.wire[route.wire.length - 1]] = convert(route.shape, value, where, unknown);
    }
    return out;
}

function convert(shape: Shape, value: unknown, at: string, unknown: string[]): unknown {
    const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
    switch (shape.kind) {
        case "object":
            return isObject ? convertObject(shape, value as Record<string, unknown>, at, unknown) : value;
        case "array":
            return Array.isArray(value)
                ? value.map((item, i) => convert(shape.of, item, `${at}[${i}]`, unknown))
                : value;
        case "map":
            return isObject
                ? Object.fromEntries(
                      Object.entries(value).map(([k, item]) => [k, convert(shape.of, item, `${at}.${k}`, unknown)]),
                  )
                : value;
        case "idset":
            return Array.isArray(value) ? Object.fromEntries(value.map((id) => [String(id), {}])) : value;
        default:
            return value;
    }
}

/**
 * Wire paths of a body that the spec does not have, as "a.b[].c": every key at an object node must be one of its wire
 * names; map keys and free-form JSON are data. Used by the tests to hold the template to the specs.
 */
export function offSpec(shape: Shape, value: unknown, at = ""): string[] {
    const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
    switch (shape.kind) {
        case "object":
            if (!isObject) {
                return [];
            }
            return Object.entries(value).flatMap(([k, item]) => {
                const prop = shape.props[k];
                const where = at ? `${at}.${k}` : k;
                return prop ? offSpec(prop.shape, item, where) : [where];
            });
        case "array":
            return Array.isArray(value) ? value.flatMap((item) => offSpec(shape.of, item, `${at}[]`)) : [];
        case "map":
            return isObject ? Object.values(value).flatMap((item) => offSpec(shape.of, item, `${at}.*`)) : [];
        case "idset":
            return isObject &&
                Object.values(value as Record<string, unknown>).some(
                    (x) => x === null || typeof x !== "object" || Object.keys(x).length > 0,
                )
                ? [`${at} (values must be {})`]
                : [];
        default:
            return [];
    }
}
