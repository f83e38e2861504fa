// Mocks that answer the way Azure Resource Manager does: ARM-style ids, OIDC issuer URLs, identity client and principal
// ids, versioned key URLs. Every value only Azure could know is deterministic (hashed from the resource's identity) and
// recorded, so a plan can show it as a reference to the resource output it comes from instead of a fake value.
import { createHash } from "node:crypto";
import type {
    MockCallArgs,
    MockCallResult,
    MockResourceArgs,
    MockResourceResult,
    Mocks,
} from "@pulumi/pulumi/runtime/mocks";

type Inputs = Record<string, unknown>;

export interface AzureWorld {
    subscriptionId: string;
    tenantId: string;
}

interface ResourceModel {
    /** The input that carries the Azure resource name. */
    nameKey: string;
    /** ARM id; `sub` is the subscription. */
    id(inputs: Inputs, name: string, sub: string): string;
    /** Outputs Azure computes (beyond echoing inputs). */
    computed?(inputs: Inputs, name: string, fake: Faker): Inputs;
}

const rg = (inputs: Inputs, sub: string) => `/subscriptions/${sub}/resourceGroups/${str(inputs.resourceGroupName)}`;
const clusterId = (inputs: Inputs, sub: string) =>
    `${rg(inputs, sub)}/providers/${str(inputs.clusterRp)}/${str(inputs.clusterResourceName)}/${str(inputs.clusterName)}`;

/** The Azure resource types this program creates, by Pulumi type token. A new type must be modelled here first. */
export const MODELS: Record<string, ResourceModel> = {
    "azure-native:resources:ResourceGroup": {
        nameKey: "resourceGroupName",
        id: (_i, name, sub) => `/subscriptions/${sub}/resourceGroups/${name}`,
    },
    "azure-native:containerservice:ManagedCluster": {
        nameKey: "resourceName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.ContainerService/managedClusters/${name}`,
        computed: (i, name, fake) => ({
            // Issuer format of AKS: https://<region>.oic.prod-aks.azure.com/<tenant id>/<guid>/
            oidcIssuerProfile: {
                enabled: true,
                issuerURL: fake.value(
                    "oidcIssuerProfile.issuerURL",
                    `https://${str(i.location)}.oic.prod-aks.azure.com/${fake.world.tenantId}/${fake.guid("issuer")}/`,
                ),
            },
            fqdn: fake.value("fqdn", `${str(i.dnsPrefix)}-${fake.hex("fqdn", 8)}.hcp.${str(i.location)}.azmk8s.io`),
            identity: {
                ...(i.identity as Inputs),
                principalId: fake.guidValue("identity.principalId"),
                tenantId: fake.world.tenantId,
            },
            identityProfile: {
                kubeletidentity: {
                    clientId: fake.guidValue("identityProfile.kubeletidentity.clientId"),
                    objectId: fake.guidValue("identityProfile.kubeletidentity.objectId"),
                },
            },
            provisioningState: "Succeeded",
            name,
        }),
    },
    "azure-native:containerservice:ManagedNamespace": {
        nameKey: "managedNamespaceName",
        // ManagedNamespace.tsp: a child of the managed cluster, segment "managedNamespaces".
        id: (i, name, sub) =>
            `${rg(i, sub)}/providers/Microsoft.ContainerService/managedClusters/${str(i.resourceName)}/managedNamespaces/${name}`,
        computed: (i) => ({ properties: { ...(i.properties as Inputs), provisioningState: "Succeeded" } }),
    },
    "azure-native:containerservice:MaintenanceConfiguration": {
        nameKey: "configName",
        id: (i, name, sub) =>
            `${rg(i, sub)}/providers/Microsoft.ContainerService/managedClusters/${str(i.resourceName)}/maintenanceConfigurations/${name}`,
    },
    "azure-native:keyvault:Vault": {
        nameKey: "vaultName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.KeyVault/vaults/${name}`,
        computed: (i, name, fake) => ({
            properties: {
                ...(i.properties as Inputs),
                vaultUri: fake.value("properties.vaultUri", `https://${name}.vault.azure.net/`),
            },
        }),
    },
    "azure-native:keyvault:Key": {
        nameKey: "keyName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.KeyVault/vaults/${str(i.vaultName)}/keys/${name}`,
        computed: (i, name, fake) => {
            const keyUri = fake.value("keyUri", `https://${str(i.vaultName)}.vault.azure.net/keys/${name}`);
            return {
                keyUri,
                keyUriWithVersion: fake.value("keyUriWithVersion", `${keyUri}/${fake.hex("version", 32)}`),
            };
        },
    },
    "azure-native:managedidentity:UserAssignedIdentity": {
        nameKey: "resourceName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
        computed: (_i, _name, fake) => ({
            clientId: fake.guidValue("clientId"),
            principalId: fake.guidValue("principalId"),
            tenantId: fake.world.tenantId,
        }),
    },
    "azure-native:managedidentity:FederatedIdentityCredential": {
        nameKey: "federatedIdentityCredentialResourceName",
        id: (i, name, sub) =>
            `${rg(i, sub)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${str(i.resourceName)}/federatedIdentityCredentials/${name}`,
    },
    "azure-native:authorization:RoleAssignment": {
        nameKey: "roleAssignmentName",
        id: (i, name) => `${str(i.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    },
    "azure-native:authorization:RoleDefinition": {
        nameKey: "roleDefinitionId",
        id: (i, name) => `${str(i.scope)}/providers/Microsoft.Authorization/roleDefinitions/${name}`,
    },
    "azure-native:kubernetesconfiguration:Extension": {
        nameKey: "extensionName",
        id: (i, name, sub) => `${clusterId(i, sub)}/providers/Microsoft.KubernetesConfiguration/extensions/${name}`,
        computed: (i) => ({ provisioningState: "Succeeded", currentVersion: i.version ?? "1.24.1" }),
    },
    "azure-native:kubernetesconfiguration:FluxConfiguration": {
        nameKey: "fluxConfigurationName",
        id: (i, name, sub) =>
            `${clusterId(i, sub)}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/${name}`,
        computed: () => ({ provisioningState: "Succeeded", complianceState: "Pending" }),
    },
    "azure-native:network:PublicIPPrefix": {
        nameKey: "publicIpPrefixName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.Network/publicIPPrefixes/${name}`,
        computed: (i, _name, fake) => ({
            ipPrefix: fake.value("ipPrefix", `${fake.publicIp("ipPrefix")}/${Number(i.prefixLength ?? 31)}`),
        }),
    },
    "azure-native:operationalinsights:Workspace": {
        nameKey: "workspaceName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.OperationalInsights/workspaces/${name}`,
        computed: (_i, _n, fake) => ({ customerId: fake.guidValue("customerId") }),
    },
    "azure-native:monitor:DiagnosticSetting": {
        nameKey: "name",
        id: (i, name) => `${str(i.resourceUri)}/providers/Microsoft.Insights/diagnosticSettings/${name}`,
    },
    "azure-native:monitor:AzureMonitorWorkspace": {
        nameKey: "azureMonitorWorkspaceName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.Monitor/accounts/${name}`,
        computed: (i, name, fake) => ({
            metrics: {
                prometheusQueryEndpoint: fake.value(
                    "metrics.prometheusQueryEndpoint",
                    `https://${name}-${fake.hex("query", 6)}.${str(i.location)}.prometheus.monitor.azure.com`,
                ),
            },
        }),
    },
    "azure-native:monitor:DataCollectionEndpoint": {
        nameKey: "dataCollectionEndpointName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.Insights/dataCollectionEndpoints/${name}`,
    },
    "azure-native:monitor:DataCollectionRule": {
        nameKey: "dataCollectionRuleName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.Insights/dataCollectionRules/${name}`,
    },
    "azure-native:monitor:DataCollectionRuleAssociation": {
        nameKey: "associationName",
        id: (i, name) => `${str(i.resourceUri)}/providers/Microsoft.Insights/dataCollectionRuleAssociations/${name}`,
    },
    "azure-native:monitor:ActionGroup": {
        nameKey: "actionGroupName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.Insights/actionGroups/${name}`,
    },
    "azure-native:alertsmanagement:PrometheusRuleGroup": {
        nameKey: "ruleGroupName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.AlertsManagement/prometheusRuleGroups/${name}`,
    },
    "azure-native:dashboard:Grafana": {
        nameKey: "workspaceName",
        id: (i, name, sub) => `${rg(i, sub)}/providers/Microsoft.Dashboard/grafana/${name}`,
        computed: (i, name, fake) => ({
            identity: {
                ...(i.identity as Inputs),
                principalId: fake.guidValue("identity.principalId"),
                tenantId: fake.world.tenantId,
            },
            properties: {
                ...(i.properties as Inputs),
                endpoint: fake.value(
                    "properties.endpoint",
                    `https://${name}-${fake.hex("endpoint", 8)}.weu.grafana.azure.com`,
                ),
            },
        }),
    },
};

/** An ARM id without its subscription, lower case: ARM ids compare case-insensitively. */
function bareId(id: string): string {
    return id.replace(/^\/subscriptions\/[^/]+/i, "").toLowerCase();
}

/**
 * What a failed get* invoke hands the program when ARM answers 404: the provider's `Status=404 Code="ResourceNotFound"`
 * text wrapped by the provider and the engine (components/SopsKeyVault.ts isNotFound cites the sources), rejected as
 * the SDK rejects a failed invoke, with the gRPC error's details as its message (@pulumi/pulumi runtime/invoke.js).
 */
export function notFound(token: string, id: string): Error {
    const message = `invocation of ${token} returned an error: request failed ${id}: Status=404 Code="ResourceNotFound" Message="The Resource '${id.split("/providers/")[1] ?? id}' was not found."`;
    return Object.assign(new Error(message), { code: 2, details: message });
}

function str(value: unknown): string {
    return typeof value === "string" ? value : String(value);
}

/** Deterministic fake values for one resource (or invoke), recorded with the label of the output they stand for. */
export class Faker {
    constructor(
        readonly world: AzureWorld,
        private readonly seed: string,
        private readonly label: string,
        private readonly record: (value: string, label: string) => void,
    ) {}

    hex(salt: string, length: number): string {
        return createHash("sha256").update(`${this.seed}\u0000${salt}`).digest("hex").slice(0, length);
    }

    guid(salt: string): string {
        const h = this.hex(salt, 32);
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    }

    /** A documentation-range (RFC 5737 TEST-NET-3) base address, aligned for a /28 and below. */
    publicIp(salt: string): string {
        return `203.0.113.${(parseInt(this.hex(salt, 2), 16) & 0xf0) % 256}`;
    }

    /** Records `value` as the output `path` of this resource and returns it. */
    value(path: string, value: string): string {
        this.record(value, `${this.label}.${path}`);
        return value;
    }

    guidValue(path: string): string {
        return this.value(path, this.guid(path));
    }
}

export interface CallLog {
    token: string;
    inputs: Inputs;
}

/** Pulumi mocks that answer like Azure. One instance per program run. */
export class AzureMocks implements Mocks {
    /** fake value -> "resource.output" label */
    readonly references = new Map<string, string>();
    readonly calls: CallLog[] = [];
    readonly world: AzureWorld;

    /**
     * `alter` changes what Azure answers for a resource (the state it returns), for tests of an Azure that answers
     * unexpectedly, e.g. a cluster without an OIDC issuer URL. `absent`: ARM ids (of any subscription; compared
     * case-insensitively, as ARM compares them) that the get* lookups answer "not found" for, as the provider reports a
     * 404 (see notFound below): preflight plans a stack against what its existing-resources check found.
     */
    constructor(
        private readonly seed = "aks-gitops",
        private readonly alter?: (type: string, state: Inputs) => Inputs,
        private readonly absent: readonly string[] = [],
    ) {
        const h = (s: string) => createHash("sha256").update(`${seed}/${s}`).digest("hex");
        const g = (x: string) =>
            `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
        this.world = { subscriptionId: g(h("subscription")), tenantId: g(h("tenant")) };
        this.references.set(this.world.subscriptionId, "azure.subscriptionId");
        this.references.set(this.world.tenantId, "azure.tenantId");
    }

    private faker(seed: string, label: string): Faker {
        return new Faker(this.world, seed, label, (value, l) => {
            if (!this.references.has(value)) {
                this.references.set(value, l);
            }
        });
    }

    newResource(args: MockResourceArgs): MockResourceResult {
        const inputs = (args.inputs ?? {}) as Inputs;
        const model = MODELS[args.type];
        if (!model) {
            if (args.type.startsWith("azure-native:")) {
                throw new Error(`the Azure mocks do not model ${args.type}; add it to offline/azure-answers.ts MODELS`);
            }
            // Kubernetes objects and providers: echo inputs, id = name.
            return { id: args.custom ? args.name : undefined, state: inputs };
        }
        const name = inputs[model.nameKey];
        if (typeof name !== "string" || name === "") {
            // Azure names must come from config so that plans are deterministic and names are reviewable.
            throw new Error(`${args.type} "${args.name}" has no explicit Azure name (input ${model.nameKey})`);
        }
        // The seed is part of every value: another seed is another world, where re-created resources get new ids.
        const fake = this.faker(`${this.seed}/${args.type}/${args.name}`, args.name);
        const id = model.id(inputs, name, this.world.subscriptionId);
        this.references.set(id, `${args.name}.id`);
        const state = { ...inputs, name, ...(model.computed?.(inputs, name, fake) ?? {}) };
        return { id, state: this.alter ? this.alter(args.type, state) : state };
    }

    call(args: MockCallArgs): MockCallResult {
        const inputs = (args.inputs ?? {}) as Inputs;
        this.calls.push({ token: args.token, inputs });
        // A get<Type> lookup of an absent resource: the id it reads is the one MODELS gives azure-native:<module>:<Type>.
        const lookup = /^azure-native:([^:]+):get([A-Z]\w*)$/.exec(args.token);
        const model = lookup && this.absent.length > 0 ? MODELS[`azure-native:${lookup[1]}:${lookup[2]}`] : undefined;
        if (model) {
            const id = model.id(inputs, str(inputs[model.nameKey]), this.world.subscriptionId);
            if (this.absent.some((a) => bareId(a) === bareId(id))) {
                throw notFound(args.token, id);
            }
        }
        switch (args.token) {
            case "azure-native:authorization:getClientConfig":
                return {
                    subscriptionId: this.world.subscriptionId,
                    tenantId: this.world.tenantId,
                    clientId: this.faker("client", "azure").guidValue("clientId"),
                    objectId: this.faker("client", "azure").guidValue("objectId"),
                };
            case "azuread:index/getGroup:getGroup": {
                const displayName = str(inputs.displayName);
                return {
                    displayName,
                    objectId: this.faker(`group/${displayName}`, `getGroup(${displayName})`).guidValue("objectId"),
                    securityEnabled: true,
                };
            }
            case "azure-native:keyvault:getKey": {
                const label = `getKey(${str(inputs.vaultName)}/${str(inputs.keyName)})`;
                const fake = this.faker(`key/${str(inputs.vaultName)}/${str(inputs.keyName)}`, label);
                const keyUri = `https://${str(inputs.vaultName)}.vault.azure.net/keys/${str(inputs.keyName)}`;
                return {
                    id: `/subscriptions/${this.world.subscriptionId}/resourceGroups/${str(inputs.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${str(inputs.vaultName)}/keys/${str(inputs.keyName)}`,
                    name: inputs.keyName,
                    keyUri,
                    keyUriWithVersion: fake.value("keyUriWithVersion", `${keyUri}/${fake.hex("version", 32)}`),
                    kty: "RSA",
                    keySize: 4096,
                    keyOps: ["encrypt", "decrypt"],
                };
            }
            case "azure-native:network:getPublicIPPrefix": {
                const label = `getPublicIPPrefix(${str(inputs.publicIpPrefixName)})`;
                const fake = this.faker(
                    `prefix/${str(inputs.resourceGroupName)}/${str(inputs.publicIpPrefixName)}`,
                    label,
                );
                return { ipPrefix: fake.value("ipPrefix", `${fake.publicIp("ipPrefix")}/31`), prefixLength: 31 };
            }
            default:
                throw new Error(`the Azure mocks do not answer ${args.token}; add it to offline/azure-answers.ts`);
        }
    }
}
