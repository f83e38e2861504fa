// The ARM template preflight submits for validation, rendered from the committed stacks' plans: real structure
// (types, API versions, names, placement, dependsOn, expressions for ids and outputs), not a byte snapshot, so it keeps
// holding while the program gains resources.
import * as assert from "node:assert/strict";
import { parseId, StackFacts } from "../../preflight/stack";
import { stackFacts } from "../fixtures/preflight/world";
import { Json, JsonObject, renderTemplate, RenderedTemplate } from "../../preflight/template";
import { offSpec, pathParameters, ResourceSpec, specs, specFor, toWire } from "../../preflight/specs";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const facts: Record<string, StackFacts> = {};
const rendered: Record<string, RenderedTemplate> = {};
const groupIds = new Map([
    ["aks-prod-admins", "5f0c6f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"],
    ["aks-dev-admins", "6a1d7e9f-2c3b-4d4e-8f90-1b2c3d4e5f60"],
    ["platform-engineers", "7b2e8fa0-3d4c-4e5f-9a01-2c3d4e5f6071"],
    ["platform-sops-encryptors", "8c3f9ab1-4e5d-4f60-8b12-3d4e5f607182"],
    ["payments-developers", "9d4a0bc2-5f6e-4071-9c23-4e5f60718293"],
]);

type Resource = JsonObject & {
    type: string;
    name: string;
    apiVersion: string;
    dependsOn?: string[];
    properties?: JsonObject;
};
const top = (t: RenderedTemplate) => t.template.resources as Resource[];
const nested = (t: RenderedTemplate) => top(t).filter((r) => r.type === "Microsoft.Resources/deployments");
const inner = (d: Resource) => (d.properties!.template as JsonObject).resources as Resource[];
const everything = (t: RenderedTemplate) => [
    ...top(t).filter((r) => r.type !== "Microsoft.Resources/deployments"),
    ...nested(t).flatMap(inner),
];
const deploymentOf = (t: RenderedTemplate, type: string, name: string) =>
    nested(t).find((d) => inner(d).some((r) => r.type === type && r.name === name));
const find = (t: RenderedTemplate, type: string, name?: string) =>
    everything(t).find((r) => r.type === type && (name === undefined || r.name === name));
const text = (v: Json) => JSON.stringify(v);
// Template keywords of a resource (ARM template resource syntax), the rest of the resource is the request body.
const TEMPLATE_KEYWORDS = new Set([
    "type",
    "apiVersion",
    "name",
    "scope",
    "dependsOn",
    "condition",
    "copy",
    "comments",
]);
const wireBody = (r: Resource): JsonObject =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !TEMPLATE_KEYWORDS.has(k)));

describe("preflight: the ARM template for validation", () => {
    sharedCaptures();
    before(async () => {
        for (const stack of ["prod", "dev", "prod-northeurope"]) {
            facts[stack] = await stackFacts(stack);
            rendered[stack] = renderTemplate(facts[stack], { groupIds });
        }
    });

    it("reads type, names and placement from ARM ids", () => {
        assert.deepEqual(parseId("/subscriptions/s/resourceGroups/rg-x"), {
            type: "Microsoft.Resources/resourceGroups",
            names: ["rg-x"],
            placement: { kind: "subscription" },
        });
        assert.deepEqual(parseId("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/keys/k"), {
            type: "Microsoft.KeyVault/vaults/keys",
            names: ["kv", "k"],
            placement: { kind: "resourceGroup", resourceGroup: "rg" },
        });
        assert.deepEqual(
            parseId(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Authorization/roleAssignments/g",
            ),
            {
                type: "Microsoft.Authorization/roleAssignments",
                names: ["g"],
                placement: { kind: "resourceGroup", resourceGroup: "rg", scope: "Microsoft.KeyVault/vaults/kv" },
            },
        );
    });

    it("is one subscription-scoped template: resource groups at the top, their contents in inner-scope nested deployments without parameters", () => {
        const t = rendered.prod;
        assert.equal(
            t.template.$schema,
            "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        );
        const groups = top(t).filter((r) => r.type === "Microsoft.Resources/resourceGroups");
        assert.deepEqual(groups.map((g) => [g.name, g.location, g.apiVersion]).sort(), [
            ["rg-aks-prod-westeurope", "westeurope", "2024-03-01"],
            ["rg-sops-prod", "westeurope", "2024-03-01"],
        ]);
        for (const d of nested(t)) {
            assert.equal(typeof d.resourceGroup, "string");
            assert.deepEqual((d.properties as JsonObject).expressionEvaluationOptions, { scope: "inner" });
            assert.equal(
                (d.properties as JsonObject).parameters,
                undefined,
                "a parameter with reference() would make ARM skip the nested resources",
            );
            assert.equal(
                ((d.properties as JsonObject).template as JsonObject).$schema,
                "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            );
            assert.ok(d.name.length <= 64);
            assert.ok(
                (d.dependsOn ?? []).includes(
                    `[subscriptionResourceId('Microsoft.Resources/resourceGroups', '${d.resourceGroup as string}')]`,
                ) || !groups.some((g) => g.name === d.resourceGroup),
                `${d.name} waits for its group`,
            );
        }
        assert.ok(nested(t).length <= 50, "ARM expands at most 50 nested deployments during validation");
    });

    it("renders the cluster with its azure-native API version, envelope and properties, and ids as expressions", () => {
        const t = rendered.prod;
        const cluster = find(t, "Microsoft.ContainerService/managedClusters", "aks-prod-westeurope")!;
        assert.equal(cluster.apiVersion, "2025-09-01");
        assert.equal(cluster.location, "westeurope");
        assert.deepEqual(cluster.sku, { name: "Base", tier: "Standard" });
        const identityId =
            "[resourceId(subscription().subscriptionId, 'rg-aks-prod-westeurope', 'Microsoft.ManagedIdentity/userAssignedIdentities', 'id-aks-prod-westeurope')]";
        assert.deepEqual(cluster.identity, { type: "UserAssigned", userAssignedIdentities: { [identityId]: {} } });
        const p = cluster.properties!;
        assert.equal(p.resourceName, undefined, "path inputs are not properties");
        assert.equal(p.resourceGroupName, undefined);
        assert.equal(p.dnsPrefix, "aks-prod-westeurope");
        assert.deepEqual((p.aadProfile as JsonObject).adminGroupObjectIDs, [
            "5f0c6f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f",
            "6f1c2b9e-3d4a-4c1e-9b7a-2e8f0d5c4a31",
        ]);
        assert.equal(
            (((p.addonProfiles as JsonObject).omsagent as JsonObject).config as JsonObject)
                .logAnalyticsWorkspaceResourceID,
            "[resourceId(subscription().subscriptionId, 'rg-aks-prod-westeurope', 'Microsoft.OperationalInsights/workspaces', 'log-prod-westeurope')]",
        );
        assert.ok(cluster.dependsOn!.includes(identityId));
        assert.ok(
            cluster.dependsOn!.some((d) =>
                d.startsWith(
                    "[extensionResourceId(resourceId(subscription().subscriptionId, 'rg-aks-prod-westeurope', 'Microsoft.Network/publicIPPrefixes', 'pip-egress-aks-prod-westeurope'), 'Microsoft.Authorization/roleAssignments', ",
                ),
            ),
            "waits for the egress join grant",
        );
    });

    it("references outputs only Azure knows with reference(), and the subscription with subscription()", () => {
        const t = rendered.prod;
        const kustomize = find(
            t,
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
            "id-flux-prod-westeurope/kustomize-controller",
        )!;
        assert.equal(kustomize.apiVersion, "2023-01-31");
        assert.equal(
            kustomize.properties!.issuer,
            "[reference(resourceId(subscription().subscriptionId, 'rg-aks-prod-westeurope', 'Microsoft.ContainerService/managedClusters', 'aks-prod-westeurope'), '2025-09-01').oidcIssuerProfile.issuerURL]",
        );
        const decrypt = everything(t).find(
            (r) =>
                r.type === "Microsoft.Authorization/roleAssignments" &&
                r.scope === "Microsoft.KeyVault/vaults/kv-contoso-sops-prod" &&
                text(r).includes("id-flux-prod-westeurope"),
        )!;
        assert.equal(decrypt.apiVersion, "2022-04-01");
        assert.equal(
            decrypt.properties!.principalId,
            "[reference(resourceId(subscription().subscriptionId, 'rg-aks-prod-westeurope', 'Microsoft.ManagedIdentity/userAssignedIdentities', 'id-flux-prod-westeurope'), '2023-01-31').principalId]",
        );
        assert.match(
            decrypt.properties!.roleDefinitionId as string,
            /^\[(concat\('\/subscriptions\/', subscription\(\)\.subscriptionId|extensionResourceId|subscriptionResourceId|resourceId)/,
        );
        const vault = find(t, "Microsoft.KeyVault/vaults", "kv-contoso-sops-prod")!;
        assert.ok(
            text(vault.properties!.networkAcls).includes(
                "[reference(resourceId(subscription().subscriptionId, 'rg-aks-prod-westeurope', 'Microsoft.Network/publicIPPrefixes', 'pip-egress-aks-prod-westeurope'), '2024-05-01').ipPrefix]",
            ),
        );
        // A resource the program only reads (the DR stack's egress prefix, admitted by prod's vault firewall) is referenced by id.
        for (const [prefix, existing] of facts.prod.reads) {
            if (text(vault.properties!.networkAcls).includes(`'${existing.names[0]}'`)) {
                assert.match(prefix, /^getPublicIPPrefix\(/);
                assert.ok(
                    text(vault.properties!.networkAcls).includes(
                        `[reference(resourceId(subscription().subscriptionId, '${existing.placement.kind === "resourceGroup" ? existing.placement.resourceGroup : ""}', 'Microsoft.Network/publicIPPrefixes', '${existing.names[0]}'), '2024-05-01').ipPrefix]`,
                    ),
                );
            }
        }
        assert.equal(
            (
                find(t, "Microsoft.KubernetesConfiguration/extensions", "flux")!.properties!
                    .configurationSettings as JsonObject
            )["workloadIdentity.azureTenantId"],
            "[subscription().tenantId]",
        );
        const grafana = everything(t).find(
            (r) =>
                r.type === "Microsoft.Authorization/roleAssignments" &&
                text(r).includes("'Full').identity.principalId"),
        );
        if (grafana) {
            assert.match(
                grafana.properties!.principalId as string,
                /^\[reference\(resourceId\(.*'Microsoft\.Dashboard\/grafana', .*\), '\d{4}-\d{2}-\d{2}(-preview)?', 'Full'\)\.identity\.principalId\]$/,
            );
        }
    });

    it("puts extension resources where their scope lives, with a relative scope, and child resources with parent/child names", () => {
        const t = rendered.prod;
        const key = find(t, "Microsoft.KeyVault/vaults/keys", "kv-contoso-sops-prod/sops-prod")!;
        for (const k of ["kty", "keyOps", "keySize", "rotationPolicy"]) {
            assert.ok(k in key.properties!, `key property ${k}`);
        }
        assert.equal(key.properties!.keyName, undefined, "the key's name input is its ARM name");
        assert.equal(deploymentOf(t, key.type, key.name)!.resourceGroup, "rg-sops-prod");
        for (const r of everything(t).filter((x) => typeof x.scope === "string")) {
            assert.match(
                r.scope as string,
                /^Microsoft\.[A-Za-z]+\/[A-Za-z]+\/[^/]+(\/[A-Za-z]+\/[^/]+)*$/,
                `${r.type} ${r.name}`,
            );
        }
        const audit = everything(t).filter((r) => r.type === "Microsoft.Insights/diagnosticSettings");
        assert.deepEqual(audit.map((a) => a.scope).sort(), [
            "Microsoft.ContainerService/managedClusters/aks-prod-westeurope",
            "Microsoft.KeyVault/vaults/kv-contoso-sops-prod",
        ]);
        assert.equal(audit[0].properties!.name, undefined, "the setting's name is its ARM name, not a property");
        const role = find(t, "Microsoft.Authorization/roleDefinitions");
        if (role) {
            assert.equal(deploymentOf(t, role.type, role.name)!.resourceGroup, "rg-sops-prod");
            assert.deepEqual(
                (role.properties!.assignableScopes as string[])[0],
                "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg-sops-prod')]",
            );
        }
        const logs = find(t, "Microsoft.OperationalInsights/workspaces")!;
        assert.equal(logs.sku, undefined);
        assert.ok((logs.properties as JsonObject).sku, "a workspace's sku lives under properties");
    });

    it("orders nested deployments so dependsOn never forms a cycle, even when resource groups depend on each other", () => {
        for (const stack of Object.keys(rendered)) {
            const t = rendered[stack];
            const names = new Set(nested(t).map((d) => d.name));
            const edges = new Map(nested(t).map((d) => [d.name, (d.dependsOn ?? []).filter((x) => names.has(x))]));
            const visiting = new Set<string>();
            const done = new Set<string>();
            const visit = (n: string): void => {
                assert.ok(!visiting.has(n), `${stack}: cycle through ${n}`);
                if (done.has(n)) {
                    return;
                }
                visiting.add(n);
                edges.get(n)!.forEach(visit);
                visiting.delete(n);
                done.add(n);
            };
            names.forEach((n) => visit(n));
            // Within one nested template, dependsOn names only resources of that template.
            for (const d of nested(t)) {
                const ids = new Set(inner(d).map((r) => `${r.type}|${r.name}`));
                for (const r of inner(d)) {
                    for (const dep of r.dependsOn ?? []) {
                        assert.ok(
                            [...ids].some(
                                (id) =>
                                    dep.includes(`'${id.split("|")[0]}'`) &&
                                    dep.includes(`'${id.split("|")[1].split("/").pop()}'`),
                            ),
                            `${stack}: ${r.name} -> ${dep} is in ${d.name}`,
                        );
                    }
                }
            }
        }
    });

    it("leaves no mock value, no unresolved reference and no secret in any stack's template", () => {
        for (const stack of Object.keys(rendered)) {
            const t = rendered[stack];
            const json = text(t.template);
            for (const [fake, label] of facts[stack].capture.references) {
                if (label.startsWith("azure.") || label.endsWith(".id") || /^[0-9a-f-]{36}$/.test(fake)) {
                    assert.ok(!json.includes(fake), `${stack}: mock value for ${label} leaked`);
                }
            }
            for (const label of facts[stack].labels) {
                assert.ok(!json.includes(`\${${label}}`), `${stack}: \${${label}} left unresolved`);
            }
            assert.ok(!json.includes("[secret]"), `${stack}: a secret placeholder was sent`);
            const secretInputs = facts[stack].resources.filter((r) => text(r.inputs as Json).includes('"[secret]"'));
            for (const r of secretInputs) {
                assert.ok(
                    t.notes.some((n) => n.startsWith(`${r.name}: `) && n.endsWith("left out (secret)")),
                    `${stack}: ${r.name}'s secret is reported as left out`,
                );
            }
            assert.equal(t.omitted.length, 0, `${stack}: ${text(t.omitted as unknown as Json)}`);
            assert.deepEqual(
                t.notes.filter((n) => !n.endsWith("left out (secret)")),
                [],
                `${stack}: only secrets are left out`,
            );
            for (const r of everything(t)) {
                assert.match(r.apiVersion, /^\d{4}-\d{2}-\d{2}(-preview)?$/, `${stack}: ${r.type}`);
                assert.match(r.type, /^Microsoft\.[A-Za-z]+\/[A-Za-z]+(\/[A-Za-z]+)*$/);
            }
        }
    });

    it("has a REST spec entry for every resource type the stacks create, at the API version azure-native uses, and no other", () => {
        const used = new Set(
            Object.values(facts).flatMap((f) => f.resources.map((r) => `${r.token} ${r.type}@${r.apiVersion}`)),
        );
        // The 23 resource types the committed example stacks create (npm run plan -- --stack <each> --json), and the API
        // version each azure-native v3 module states ("Uses Azure REST API version ...").
        assert.deepEqual([...used].sort(), [
            "azure-native:alertsmanagement:PrometheusRuleGroup Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01",
            "azure-native:authorization:RoleAssignment Microsoft.Authorization/roleAssignments@2022-04-01",
            "azure-native:authorization:RoleDefinition Microsoft.Authorization/roleDefinitions@2022-05-01-preview",
            "azure-native:containerservice:MaintenanceConfiguration Microsoft.ContainerService/managedClusters/maintenanceConfigurations@2025-09-01",
            "azure-native:containerservice:ManagedCluster Microsoft.ContainerService/managedClusters@2025-09-01",
            "azure-native:containerservice:ManagedNamespace Microsoft.ContainerService/managedClusters/managedNamespaces@2025-09-01",
            "azure-native:dashboard:Grafana Microsoft.Dashboard/grafana@2024-10-01",
            "azure-native:keyvault:Key Microsoft.KeyVault/vaults/keys@2024-11-01",
            "azure-native:keyvault:Vault Microsoft.KeyVault/vaults@2024-11-01",
            "azure-native:kubernetesconfiguration:Extension Microsoft.KubernetesConfiguration/extensions@2023-05-01",
            "azure-native:kubernetesconfiguration:FluxConfiguration Microsoft.KubernetesConfiguration/fluxConfigurations@2023-05-01",
            "azure-native:managedidentity:FederatedIdentityCredential Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31",
            "azure-native:managedidentity:UserAssignedIdentity Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31",
            "azure-native:monitor:ActionGroup Microsoft.Insights/actionGroups@2024-10-01-preview",
            "azure-native:monitor:AzureMonitorWorkspace Microsoft.Monitor/accounts@2023-04-03",
            "azure-native:monitor:DataCollectionEndpoint Microsoft.Insights/dataCollectionEndpoints@2022-06-01",
            "azure-native:monitor:DataCollectionRule Microsoft.Insights/dataCollectionRules@2022-06-01",
            "azure-native:monitor:DataCollectionRuleAssociation Microsoft.Insights/dataCollectionRuleAssociations@2022-06-01",
            "azure-native:monitor:DiagnosticSetting Microsoft.Insights/diagnosticSettings@2021-05-01-preview",
            "azure-native:network:PublicIPPrefix Microsoft.Network/publicIPPrefixes@2024-05-01",
            "azure-native:operationalinsights:Workspace Microsoft.OperationalInsights/workspaces@2023-09-01",
            "azure-native:resources:ResourceGroup Microsoft.Resources/resourceGroups@2024-03-01",
        ]);
        for (const stack of Object.keys(facts)) {
            for (const r of facts[stack].resources) {
                const spec = specFor(r.token, r.apiVersion);
                assert.ok(spec, `${stack}: ${r.token} at ${r.apiVersion} has no entry in preflight/specs.ts`);
                assert.equal(spec.type, r.type, `${r.token}: the spec entry's type is the resource's ARM type`);
            }
        }
        assert.deepEqual(
            specs()
                .map((s) => `${s.token} ${s.type}@${s.apiVersion}`)
                .sort(),
            [...used].sort(),
            "no stale entry: a version change of azure-native needs the spec read again",
        );
    });

    it("sends every resource of every stack as its REST spec has it: wire names only, no path parameter in the body", () => {
        for (const stack of Object.keys(rendered)) {
            const t = rendered[stack];
            assert.deepEqual(
                t.notes.filter((n) => n.includes("not in preflight/specs.ts")),
                [],
                `${stack}: every input the program sets is in the spec table`,
            );
            for (const r of everything(t)) {
                const planned = t.rendered.find((x) => x.type === r.type && x.armName === r.name)!;
                const f = facts[stack].resources.find((x) => x.name === planned.name)!;
                const spec = specFor(f.token, r.apiVersion)!;
                const body = wireBody(r);
                assert.deepEqual(
                    offSpec(spec.body, body),
                    [],
                    `${stack}: ${planned.name} (${r.type}@${r.apiVersion}) sends properties its spec does not have`,
                );
                for (const p of pathParameters(spec)) {
                    const props = (body.properties ?? {}) as JsonObject;
                    if (!spec.body.props[p]) {
                        assert.ok(!(p in body), `${stack}: ${planned.name}: path parameter ${p} sent in the body`);
                    }
                    if (!(
                        spec.body.props.properties?.shape.kind === "object" &&
                        (spec.body.props.properties.shape as { props: object }).props[p as never]
                    )) {
                        assert.ok(!(p in props), `${stack}: ${planned.name}: path parameter ${p} sent in properties`);
                    }
                }
            }
        }
    });

    it("sends the SOPS key's expiry under its wire name exp, the SDK's expires (x-ms-client-name)", () => {
        const key = find(rendered.prod, "Microsoft.KeyVault/vaults/keys", "kv-contoso-sops-prod/sops-prod")!;
        const attributes = key.properties!.attributes as JsonObject;
        assert.equal(typeof attributes.exp, "number", "keys.json KeyAttributes: exp, seconds since 1970");
        assert.equal(
            attributes.expires,
            undefined,
            "ARM would ignore an unknown property and validate a key without expiry",
        );
        const inputs = facts.prod.resources.find((r) => r.type === "Microsoft.KeyVault/vaults/keys")!.inputs
            .properties as { attributes: { expires: number } };
        assert.equal(attributes.exp, inputs.attributes.expires);
    });

    it("keeps a role definition's id, a path parameter, out of its properties: it is the definition's name", () => {
        const role = find(rendered.prod, "Microsoft.Authorization/roleDefinitions")!;
        assert.equal(role.properties!.roleDefinitionId, undefined);
        assert.equal(role.properties!.scope, undefined, "{scope} is a path parameter too");
        assert.match(role.name, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.equal(
            role.name,
            facts.prod.resources.find((r) => r.type === "Microsoft.Authorization/roleDefinitions")!.inputs
                .roleDefinitionId,
        );
        assert.deepEqual(Object.keys(role.properties!).sort(), [
            "assignableScopes",
            "description",
            "permissions",
            "roleName",
        ]);
    });

    it("keeps a body property that looks like a path input: a Flux configuration's scope, a rule group's clusterName", () => {
        const flux = everything(rendered.prod).find(
            (r) => r.type === "Microsoft.KubernetesConfiguration/fluxConfigurations" && r.name.endsWith("flux-system"),
        )!;
        assert.equal(
            flux.properties!.scope,
            "cluster",
            "fluxconfiguration.json: properties.scope is cluster or namespace",
        );
        const rules = find(rendered.prod, "Microsoft.AlertsManagement/prometheusRuleGroups")!;
        assert.equal(rules.properties!.clusterName, "aks-prod-westeurope");
    });

    it("lists the resources ARM can validate only partly, with the values of resources not created yet they use", () => {
        const t = rendered.prod;
        const flux = t.partial.find((p) => p.resource === "prod-westeurope-flux-configuration")!;
        assert.deepEqual(flux.values, [
            "prod-westeurope-flux-identity-identity.clientId",
            "prod-westeurope-sops-vault.properties.vaultUri",
        ]);
        assert.ok(
            !t.partial.some((p) => p.resource === "prod-westeurope-aks-cluster"),
            "the cluster uses ids only: resourceId() is known before deployment",
        );
        for (const p of t.partial) {
            assert.ok(text(t.template).includes("reference("), p.resource);
        }
    });

    it("maps SDK inputs to the wire by the table: renames, flattened containers, id sets, path parameters out, unknown inputs reported", () => {
        const spec: ResourceSpec = {
            token: T.Thing,
            type: "Microsoft.Test/things",
            apiVersion: "2020-01-01",
            source: "test",
            put: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Test/things/{thingName}",
            body: {
                kind: "object",
                props: {
                    location: { shape: { kind: "value" } },
                    identity: {
                        shape: {
                            kind: "object",
                            props: {
                                type: { shape: { kind: "value" } },
                                userAssignedIdentities: { shape: { kind: "idset" } },
                            },
                        },
                    },
                    properties: {
                        flatten: true,
                        shape: {
                            kind: "object",
                            props: {
                                exp: { sdk: "expires", shape: { kind: "value" } },
                                items: {
                                    shape: {
                                        kind: "array",
                                        of: {
                                            kind: "object",
                                            props: { nbf: { sdk: "notBefore", shape: { kind: "value" } } },
                                        },
                                    },
                                },
                                labels: { shape: { kind: "map", of: { kind: "value" } } },
                            },
                        },
                    },
                },
            },
        };
        const { body, unknown } = toWire(spec, {
            resourceGroupName: "rg",
            thingName: "t",
            location: "westeurope",
            identity: { type: "UserAssigned", userAssignedIdentities: ["/id/1"] },
            expires: 7,
            items: [{ notBefore: 1, bogus: 2 }],
            labels: { expires: "kept: map keys are data" },
            other: true,
        });
        assert.deepEqual(body, {
            location: "westeurope",
            identity: { type: "UserAssigned", userAssignedIdentities: { "/id/1": {} } },
            properties: { exp: 7, items: [{ nbf: 1 }], labels: { expires: "kept: map keys are data" } },
        });
        assert.deepEqual(unknown, ["items[0].bogus", "other"]);
        assert.deepEqual(offSpec(spec.body, { properties: { expires: 7 }, thingName: "t" }), [
            "properties.expires",
            "thingName",
        ]);
    });

    it("drops what cannot be expressed and says so: a role assignment to a group Graph did not resolve", () => {
        const t = renderTemplate(facts.prod, { groupIds: new Map() });
        const omitted = t.omitted.map((o) => o.resource);
        assert.ok(omitted.length > 0);
        assert.ok(
            omitted.every(
                (name) =>
                    facts.prod.resources.find((r) => r.name === name)!.type ===
                    "Microsoft.Authorization/roleAssignments",
            ),
        );
        assert.ok(
            t.notes.some((n) =>
                /^prod-westeurope-aks-cluster: aadProfile\.adminGroupObjectIDs\[0\] left out \(the object id of Entra group "aks-prod-admins" is not known\)$/.test(
                    n,
                ),
            ),
            t.notes.join("\n"),
        );
        assert.ok(!text(t.template).includes("getGroup("));
    });

    it("places every resource of a stack that uses existing resources (DR) in the resource group of what it attaches to", () => {
        const t = rendered["prod-northeurope"];
        const planned = new Set(facts["prod-northeurope"].resources.map((r) => r.mockId.toLowerCase()));
        for (const r of facts["prod-northeurope"].resources.filter(
            (x) => x.placement.kind === "resourceGroup" && x.placement.scope,
        )) {
            const scopeId = r.mockId.slice(0, r.mockId.toLowerCase().lastIndexOf("/providers/"));
            const d = deploymentOf(t, r.type, r.names.join("/"))!;
            assert.equal(
                d.resourceGroup,
                r.placement.kind === "resourceGroup" ? r.placement.resourceGroup : "",
                r.name,
            );
            if (!planned.has(scopeId.toLowerCase())) {
                // An existing resource: nothing in the template creates it, so nothing waits for it.
                assert.ok(
                    !(inner(d).find((x) => x.name === r.names.join("/"))!.dependsOn ?? []).some((dep) =>
                        dep.includes(r.placement.kind === "resourceGroup" ? r.placement.scope!.split("/").pop()! : ""),
                    ),
                );
            }
        }
    });
});
