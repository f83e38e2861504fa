// The ARM template preflight validates, for plans made by hand with the shapes a user's program can take that the
// fixture stacks do not: a resource at subscription scope, a grant on a resource the stack does not create, a resource
// preflight has no REST spec entry or no API version for (reported, not sent), values that cannot be expressed (an
// Entra group Graph did not find), a dependency chain that leaves a resource group and comes back, and a stack whose
// nested deployment names would pass ARM's 64 characters. Every expectation is the literal template text ARM receives.
import * as assert from "node:assert/strict";
import { parseId, type ArmResource, type ExistingResource } from "../../preflight/stack";
import { renderTemplate, type JsonObject, type RenderedTemplate } from "../../preflight/template";

const SUB = "00000000-0000-0000-0000-000000000000";
const RG_A = `/subscriptions/${SUB}/resourceGroups/rg-a`;
const RG_B = `/subscriptions/${SUB}/resourceGroups/rg-b`;
const READER = "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7";
const B_TEAM = "9d4a0bc2-5f6e-4071-9c23-4e5f60718293";

const VERSIONS: Record<string, string> = {
    "azure-native:resources:ResourceGroup": "2024-03-01",
    "azure-native:managedidentity:UserAssignedIdentity": "2023-01-31",
    "azure-native:managedidentity:FederatedIdentityCredential": "2023-01-31",
    "azure-native:authorization:RoleAssignment": "2022-04-01",
    "azure-native:cdn:Profile": "2024-02-01",
};

/** A plan resource as preflight/stack.ts factsFrom makes it: ARM type, names and placement read from its mock id. */
function arm(
    name: string,
    token: string,
    id: string,
    inputs: Record<string, unknown>,
    dependsOn: ArmResource[] = [],
): ArmResource {
    const { type, names, placement } = parseId(id);
    return {
        urn: `urn:pulumi:t::aks-gitops::${token}::${name}`,
        name,
        token,
        type,
        names,
        apiVersion: VERSIONS[token],
        placement,
        mockId: id,
        inputs,
        rawInputs: inputs,
        dependsOn: dependsOn.map((d) => d.urn),
    };
}

const location = "westeurope";

/**
 * The hand-made plan, built when a suite starts (not while the file loads: a failure in preflight/stack.ts parseId
 * is then a failing test, not a file that cannot load).
 */
function handMadePlan(): { resources: ArmResource[]; labels: Set<string>; dr: ExistingResource } {
    const rgA = arm("rg-a", "azure-native:resources:ResourceGroup", RG_A, {
        location,
        resourceGroupName: "rg-a",
        // A tag that starts with "[" is text, not an expression; Flux's own ${VAR} substitutions are text too.
        tags: { note: "[not an expression]", cluster: "${CLUSTER_NAME}" },
    });
    const rgB = arm("rg-b", "azure-native:resources:ResourceGroup", RG_B, { location, resourceGroupName: "rg-b" });
    const idA = arm(
        "id-a",
        "azure-native:managedidentity:UserAssignedIdentity",
        `${RG_A}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a`,
        {
            location,
            resourceGroupName: "rg-a",
            resourceName: "id-a",
            tags: { owner: "it's ${azure.subscriptionId}" },
            futureInput: "x",
        },
        [rgA],
    );
    const idB = arm(
        "id-b",
        "azure-native:managedidentity:UserAssignedIdentity",
        `${RG_B}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-b`,
        { location, resourceGroupName: "rg-b", resourceName: "id-b", tags: { token: "[secret]" } },
        [rgB],
    );
    /** In rg-b, for id-a of rg-a: the chain rg-a -> rg-b -> rg-a (fic-a waits for it) splits rg-a in two deployments. */
    const grantB = arm(
        "grant-b",
        "azure-native:authorization:RoleAssignment",
        `${RG_B}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-b/providers/Microsoft.Authorization/roleAssignments/g-b`,
        {
            scope: "${id-b.id}",
            roleAssignmentName: "g-b",
            principalId: "${id-a.principalId}",
            principalType: "ServicePrincipal",
            roleDefinitionId: READER,
        },
        [idA, idB],
    );
    const ficA = arm(
        "fic-a",
        "azure-native:managedidentity:FederatedIdentityCredential",
        `${RG_A}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a/federatedIdentityCredentials/fic-a`,
        {
            resourceGroupName: "rg-a",
            resourceName: "id-a",
            federatedIdentityCredentialResourceName: "fic-a",
            issuer: "https://issuer.example/${id-b.clientId}/v2",
            subject: "[secret]",
            audiences: [
                "api://AzureADTokenExchange",
                "${getGroup(nobody).objectId}",
                "${getGroup(b-team).objectId}",
                // A read the plan has no facts for (nothing to name it by), and a secret.
                "${getKey(kv-gone/k).keyUri}",
                "[secret]",
            ],
        },
        [grantB, idA],
    );
    /** At subscription scope: a group's grant, described with a value read from an existing resource. */
    const subGrant = arm(
        "grant-sub",
        "azure-native:authorization:RoleAssignment",
        `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/g-sub`,
        {
            scope: "/subscriptions/${azure.subscriptionId}",
            roleAssignmentName: "g-sub",
            principalId: "${getGroup(b-team).objectId}",
            principalType: "Group",
            roleDefinitionId: READER,
            description:
                "egress ${getPublicIPPrefix(pip-dr).ipPrefix} of ${id-a.identity.principalId} for ${id-a.clientId}",
        },
        [idA],
    );
    const subGrant2 = arm(
        "grant-sub-2",
        "azure-native:authorization:RoleAssignment",
        `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/g-sub-2`,
        { roleAssignmentName: "g-sub-2", principalId: "${id-a.principalId}", roleDefinitionId: READER },
        [idB, idA, subGrant],
    );
    /** Grants on a vault the stack does not create, one waiting for the other. */
    const KV = `/subscriptions/${SUB}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-x`;
    const kvGrant = arm(
        "grant-kv",
        "azure-native:authorization:RoleAssignment",
        `${KV}/providers/Microsoft.Authorization/roleAssignments/g-kv`,
        {
            roleAssignmentName: "g-kv",
            principalId: "${id-a.principalId}",
            roleDefinitionId: READER,
            description: "for group ${getGroup(b-team).objectId}",
        },
        [idA],
    );
    const kvGrant2 = arm(
        "grant-kv-2",
        "azure-native:authorization:RoleAssignment",
        `${KV}/providers/Microsoft.Authorization/roleAssignments/g-kv-2`,
        {
            roleAssignmentName: "g-kv-2",
            principalId: "${id-b.principalId}",
            roleDefinitionId: READER,
            description: "tenant ${id-b.properties.tenantId}",
        },
        [kvGrant, idB],
    );
    /** Cannot be sent: a group Graph did not find, in a scalar; what waits for it by id; types preflight cannot render. */
    const lostGrant = arm(
        "grant-lost",
        "azure-native:authorization:RoleAssignment",
        `${RG_B}/providers/Microsoft.Authorization/roleAssignments/g-lost`,
        { roleAssignmentName: "g-lost", principalId: "${getGroup(nobody).objectId}", roleDefinitionId: READER },
        [rgB],
    );
    const afterLost = arm(
        "grant-after-lost",
        "azure-native:authorization:RoleAssignment",
        `${RG_B}/providers/Microsoft.Authorization/roleAssignments/g-after`,
        { roleAssignmentName: "g-after", principalId: "${id-b.principalId}", description: "after ${grant-lost.id}" },
        [lostGrant, idB],
    );
    const cdn = arm("cdn", "azure-native:cdn:Profile", `${RG_A}/providers/Microsoft.Cdn/profiles/cdn`, { location }, [
        rgA,
    ]);
    const madeUp = arm(
        "made-up",
        "azure-native:madeup:Thing",
        `${RG_A}/providers/Microsoft.MadeUp/things/made-up`,
        {},
        [rgA],
    );

    const dr: ExistingResource = {
        type: "Microsoft.Network/publicIPPrefixes",
        names: ["pip-dr"],
        placement: { kind: "resourceGroup", resourceGroup: "rg-dr" },
        apiVersion: "2024-05-01",
        mockId: `/subscriptions/${SUB}/resourceGroups/rg-dr/providers/Microsoft.Network/publicIPPrefixes/pip-dr`,
        token: "azure-native:network:PublicIPPrefix",
    };

    // Listed out of dependency order, as a plan may list them: the template orders by dependsOn.
    const resources = [
        afterLost,
        ficA,
        subGrant2,
        subGrant,
        grantB,
        kvGrant2,
        kvGrant,
        lostGrant,
        idB,
        idA,
        cdn,
        madeUp,
        rgB,
        rgA,
    ];
    const labels = new Set([
        "azure.subscriptionId",
        "getGroup(nobody).objectId",
        "getGroup(b-team).objectId",
        "getPublicIPPrefix(pip-dr).ipPrefix",
        "getKey(kv-gone/k).keyUri",
        "id-b.properties.tenantId",
        ...resources.flatMap((r) => [
            `${r.name}.id`,
            `${r.name}.principalId`,
            `${r.name}.clientId`,
            `${r.name}.identity.principalId`,
        ]),
    ]);
    return { resources, labels, dr };
}

type Resource = JsonObject & { type: string; name: string; dependsOn?: string[]; properties?: JsonObject };
const top = (t: RenderedTemplate) => t.template.resources as Resource[];
const deployment = (t: RenderedTemplate, name: string) => top(t).find((r) => r.name === name)!;
const inner = (d: Resource) => ((d.properties!.template as JsonObject).resources as Resource[]).map((r) => r.name);
const body = (t: RenderedTemplate, name: string): Resource =>
    [
        ...top(t),
        ...top(t)
            .filter((r) => r.type === "Microsoft.Resources/deployments")
            .flatMap((d) => (d.properties!.template as JsonObject).resources as Resource[]),
    ].find((r) => r.name === name)!;
const ref = (type: string, rg: string, name: string) =>
    `resourceId(subscription().subscriptionId, '${rg}', '${type}', '${name}')`;
const ID_A = ref("Microsoft.ManagedIdentity/userAssignedIdentities", "rg-a", "id-a");
const ID_B = ref("Microsoft.ManagedIdentity/userAssignedIdentities", "rg-b", "id-b");

describe("preflight: the ARM template of plans the fixture stacks do not make", () => {
    let t: RenderedTemplate;
    before(() => {
        const { resources, labels, dr } = handMadePlan();
        t = renderTemplate(
            { stack: "t", resources, labels, reads: new Map([["getPublicIPPrefix(pip-dr)", dr]]) },
            { groupIds: new Map([["b-team", B_TEAM]]) },
        );
    });

    it("reports what it cannot send, and why, instead of sending it", () => {
        assert.deepEqual(t.omitted, [
            { resource: "grant-lost", reason: 'the object id of Entra group "nobody" is not known' },
            { resource: "grant-after-lost", reason: "${grant-lost.id} cannot be expressed in a template" },
            {
                resource: "cdn",
                reason: "preflight/specs.ts has no REST spec entry for azure-native:cdn:Profile at API version 2024-02-01",
            },
            { resource: "made-up", reason: "no API version known for azure-native:madeup:Thing" },
        ]);
        assert.deepEqual(t.rendered.map((r) => r.name).sort(), [
            "fic-a",
            "grant-b",
            "grant-kv",
            "grant-kv-2",
            "grant-sub",
            "grant-sub-2",
            "id-a",
            "id-b",
            "rg-a",
            "rg-b",
        ]);
        // How a validation error's target maps back to the plan: ARM name, type and nested deployment.
        assert.deepEqual(
            t.rendered.filter((r) => r.name === "fic-a" || r.name === "grant-sub"),
            [
                {
                    name: "fic-a",
                    type: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
                    armName: "id-a/fic-a",
                    deployment: "preflight-t-rg-a-2",
                },
                {
                    name: "grant-sub",
                    type: "Microsoft.Authorization/roleAssignments",
                    armName: "g-sub",
                    deployment: undefined,
                },
            ],
        );
    });

    it("notes each value it leaves out of a resource it sends: a secret, an array entry it cannot express, an input the spec table lacks", () => {
        assert.deepEqual(t.notes, [
            "id-b: tags.token left out (secret)",
            "id-a: futureInput left out (not in preflight/specs.ts for Microsoft.ManagedIdentity/userAssignedIdentities 2023-01-31)",
            'fic-a: audiences[1] left out (the object id of Entra group "nobody" is not known)',
            "fic-a: audiences[3] left out (${getKey(kv-gone/k).keyUri} cannot be expressed in a template)",
            "fic-a: audiences[4] left out (secret)",
            "fic-a: subject left out (secret)",
        ]);
        assert.deepEqual(body(t, "id-a/fic-a").properties, {
            audiences: ["api://AzureADTokenExchange", B_TEAM],
            issuer: `[concat('https://issuer.example/', reference(${ID_B}, '2023-01-31').clientId, '/v2')]`,
        });
    });

    it("keeps literal text literal: a leading [ escaped, Flux's ${VAR} untouched, quotes doubled inside expressions", () => {
        assert.deepEqual(body(t, "rg-a"), {
            type: "Microsoft.Resources/resourceGroups",
            apiVersion: "2024-03-01",
            name: "rg-a",
            location: "westeurope",
            tags: { note: "[[not an expression]", cluster: "${CLUSTER_NAME}" },
        });
        assert.deepEqual(body(t, "id-a").tags, { owner: "[concat('it''s ', subscription().subscriptionId)]" });
        // A value that is a group's id from Graph within text stays text; a planned resource's property is read
        // with reference(), which returns its properties (so without "properties.").
        assert.equal(body(t, "g-kv").properties!.description, `for group ${B_TEAM}`);
        assert.equal(
            body(t, "g-kv-2").properties!.description,
            `[concat('tenant ', reference(${ID_B}, '2023-01-31').tenantId)]`,
        );
    });

    it("sends a resource in a group as its body alone: no scope, no secret, the template's own keywords", () => {
        assert.deepEqual(body(t, "id-b"), {
            type: "Microsoft.ManagedIdentity/userAssignedIdentities",
            apiVersion: "2023-01-31",
            name: "id-b",
            location: "westeurope",
            tags: {},
        });
        assert.equal(
            t.template.$schema,
            "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        );
        assert.equal(t.template.contentVersion, "1.0.0.0");
    });

    it("puts a subscription-scope resource at the top, naming it and what it waits for at that scope", () => {
        assert.deepEqual(body(t, "g-sub"), {
            type: "Microsoft.Authorization/roleAssignments",
            apiVersion: "2022-04-01",
            name: "g-sub",
            dependsOn: ["preflight-t-rg-a-1"],
            properties: {
                description: `[concat('egress ', reference(${ref("Microsoft.Network/publicIPPrefixes", "rg-dr", "pip-dr")}, '2024-05-01').ipPrefix, ' of ', reference(${ID_A}, '2023-01-31', 'Full').identity.principalId, ' for ', reference(${ID_A}, '2023-01-31').clientId)]`,
                principalId: B_TEAM,
                principalType: "Group",
                roleDefinitionId: READER,
            },
        });
        // Sorted, whatever order the plan lists them in.
        assert.deepEqual(body(t, "g-sub-2").dependsOn, [
            "[subscriptionResourceId('Microsoft.Authorization/roleAssignments', 'g-sub')]",
            "preflight-t-rg-a-1",
            "preflight-t-rg-b-1",
        ]);
        assert.ok(
            top(t).some((r) => r.name === "g-sub-2"),
            "at the top, not in a resource group's deployment",
        );
    });

    it("names a grant's scope relative to its group, and a scope the stack does not create by its full id", () => {
        assert.equal(body(t, "g-b").scope, "Microsoft.ManagedIdentity/userAssignedIdentities/id-b");
        assert.equal(body(t, "g-kv").scope, "Microsoft.KeyVault/vaults/kv-x");
        assert.deepEqual(body(t, "g-kv-2").dependsOn, [
            "[extensionResourceId(concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/', 'rg-kv', '/providers/', 'Microsoft.KeyVault/vaults/kv-x'), 'Microsoft.Authorization/roleAssignments', 'g-kv')]",
        ]);
        assert.equal(body(t, "id-a").scope, undefined, "only extension resources have a scope");
    });

    it("splits a group where a chain leaves it and comes back, and orders the deployments by what they wait for", () => {
        assert.deepEqual(t.deployments, [
            { name: "preflight-t-rg-a-1", resourceGroup: "rg-a", resources: ["id-a"] },
            { name: "preflight-t-rg-a-2", resourceGroup: "rg-a", resources: ["fic-a"] },
            { name: "preflight-t-rg-b-1", resourceGroup: "rg-b", resources: ["id-b"] },
            { name: "preflight-t-rg-b-2", resourceGroup: "rg-b", resources: ["grant-b"] },
            { name: "preflight-t-rg-kv-1", resourceGroup: "rg-kv", resources: ["grant-kv-2", "grant-kv"] },
        ]);
        const waits = (name: string) => deployment(t, name).dependsOn;
        assert.deepEqual(waits("preflight-t-rg-a-1"), [
            "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg-a')]",
        ]);
        assert.deepEqual(waits("preflight-t-rg-a-2"), ["preflight-t-rg-a-1", "preflight-t-rg-b-2"]);
        assert.deepEqual(waits("preflight-t-rg-b-2"), ["preflight-t-rg-a-1", "preflight-t-rg-b-1"]);
        assert.deepEqual(waits("preflight-t-rg-kv-1"), ["preflight-t-rg-a-1", "preflight-t-rg-b-1"]);
        assert.deepEqual(inner(deployment(t, "preflight-t-rg-kv-1")), ["g-kv-2", "g-kv"]);
        const kv = deployment(t, "preflight-t-rg-kv-1");
        assert.deepEqual(
            {
                ...kv,
                properties: {
                    ...kv.properties!,
                    template: { ...(kv.properties!.template as JsonObject), resources: [] },
                },
            },
            {
                type: "Microsoft.Resources/deployments",
                apiVersion: "2024-03-01",
                name: "preflight-t-rg-kv-1",
                resourceGroup: "rg-kv",
                dependsOn: ["preflight-t-rg-a-1", "preflight-t-rg-b-1"],
                properties: {
                    mode: "Incremental",
                    expressionEvaluationOptions: { scope: "inner" },
                    template: {
                        $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                        contentVersion: "1.0.0.0",
                        resources: [],
                    },
                },
            },
        );
        // The top level in the plan's order (ARM orders by dependsOn), then the nested deployments by name.
        assert.deepEqual(
            top(t).map((r) => r.name),
            [
                "g-sub-2",
                "g-sub",
                "rg-b",
                "rg-a",
                "preflight-t-rg-a-1",
                "preflight-t-rg-a-2",
                "preflight-t-rg-b-1",
                "preflight-t-rg-b-2",
                "preflight-t-rg-kv-1",
            ],
        );
    });

    it("says which resources ARM can validate only in part, and the values of planned resources they wait for", () => {
        assert.deepEqual(t.partial, [
            { resource: "fic-a", values: ["id-b.clientId"] },
            { resource: "grant-sub-2", values: ["id-a.principalId"] },
            { resource: "grant-sub", values: ["id-a.clientId", "id-a.identity.principalId"] },
            { resource: "grant-b", values: ["id-a.principalId"] },
            { resource: "grant-kv-2", values: ["id-b.principalId", "id-b.properties.tenantId"] },
            { resource: "grant-kv", values: ["id-a.principalId"] },
        ]);
    });

    it("keeps nested deployment names within ARM's 64 characters for a long stack and group, still one per wave", () => {
        const long = "rg-aks-disaster-recovery-north-europe";
        const group = arm(
            "rg-long",
            "azure-native:resources:ResourceGroup",
            `/subscriptions/${SUB}/resourceGroups/${long}`,
            { location, resourceGroupName: long },
        );
        const id = arm(
            "id-long",
            "azure-native:managedidentity:UserAssignedIdentity",
            `/subscriptions/${SUB}/resourceGroups/${long}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-long`,
            { location, resourceGroupName: long, resourceName: "id-long" },
            [group],
        );
        const rendered = renderTemplate({ stack: "prod-dr/north europe", resources: [group, id], labels: new Set() });
        assert.deepEqual(
            rendered.deployments.map((d) => d.name),
            ["preflight-prod-dr-north-europe-rg-aks-disaster-recovery-no-00001"],
        );
        assert.equal(rendered.deployments[0].name.length, 64);
        const short = renderTemplate({ stack: "dev", resources: [group, id], labels: new Set() });
        assert.deepEqual(
            short.deployments.map((d) => d.name),
            ["preflight-dev-rg-aks-disaster-recovery-north-europe-1"],
        );
        // Exactly 64 characters is allowed as it is. The group is not the stack's (none in the plan), so the
        // deployment waits for nothing.
        const rg64 = "rg-aks-disaster-recovery-north-europe-shared-001";
        const inShared = arm(
            "id-shared",
            "azure-native:managedidentity:UserAssignedIdentity",
            `/subscriptions/${SUB}/resourceGroups/${rg64}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shared`,
            { location, resourceGroupName: rg64, resourceName: "id-shared" },
        );
        const exact = renderTemplate({ stack: "dev", resources: [inShared], labels: new Set() });
        assert.deepEqual(
            exact.deployments.map((d) => d.name),
            ["preflight-dev-rg-aks-disaster-recovery-north-europe-shared-001-1"],
        );
        assert.equal(exact.deployments[0].name.length, 64);
        assert.equal((exact.template.resources as JsonObject[])[0].dependsOn, undefined);
    });
});
