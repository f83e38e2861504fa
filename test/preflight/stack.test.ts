// What preflight takes from a plan before it asks Azure (preflight/stack.ts), on plans made by hand so that each case
// is one a user's program can reach: the API version azure-native v3 sends per resource (read from the installed SDK),
// ARM ids at every scope, and a plan that holds more than ARM resources (a Kubernetes or random resource the user adds
// to the program, components, a resource the mocks gave no id) and reads existing resources and Entra groups.
import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import type { Registration } from "../../offline/monitor";
import { apiVersionOf, factsFrom, parseId, realId } from "../../preflight/stack";
import { derivedNames, settingsFrom } from "../../stacks/load";
import { registrationOf } from "../support/registration";
import { baseConfig, stackInput } from "../support/stacks";

const MOCK_SUB = "00000000-0000-0000-0000-000000000000";
const RG = `/subscriptions/${MOCK_SUB}/resourceGroups/rg-a`;
const urn = (type: string, name: string) => `urn:pulumi:t::aks-gitops::${type}::${name}`;

function registration(type: string, name: string, custom: boolean, dependencies: string[] = []): Registration {
    return registrationOf({ urn: urn(type, name), type, name, custom, dependencies, inputs: { name } });
}

describe("preflight: what a stack's plan says before Azure is asked", () => {
    describe("the API version each resource is sent with, as its azure-native v3 module states it", () => {
        it("reads it per resource type, previews included", () => {
            assert.equal(apiVersionOf("azure-native:containerservice:ManagedCluster"), "2025-09-01");
            assert.equal(apiVersionOf("azure-native:keyvault:Vault"), "2024-11-01");
            assert.equal(apiVersionOf("azure-native:authorization:RoleDefinition"), "2022-05-01-preview");
            assert.equal(apiVersionOf("azure-native:resources:Deployment"), "2024-03-01");
        });

        it("is unknown for a type the SDK does not have, and for a module file that states no version", () => {
            assert.equal(apiVersionOf("azure-native:containerservice:NoSuchResource"), undefined);
            assert.equal(apiVersionOf("azure-native:nosuchmodule:Vault"), undefined);
            assert.equal(apiVersionOf("azure-native:keyvault:Index"), undefined);
        });
    });

    describe("ARM ids", () => {
        it("places a resource under the subscription itself (a subscription-scope role assignment) at the subscription", () => {
            assert.deepEqual(
                parseId(`/subscriptions/${MOCK_SUB}/providers/Microsoft.Authorization/roleAssignments/g1`),
                {
                    type: "Microsoft.Authorization/roleAssignments",
                    names: ["g1"],
                    placement: { kind: "subscription" },
                },
            );
        });

        it("puts the real subscription in place of the mocks' one, and only there", () => {
            const id = `${RG}/providers/Microsoft.KeyVault/vaults/kv-${MOCK_SUB}`;
            const [resource] = factsFromRefs(
                [[id, "kv.id"]],
                [registration("azure-native:keyvault:Vault", "kv", true)],
            ).resources;
            assert.equal(
                realId(resource, "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90"),
                `/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-${MOCK_SUB}`,
            );
        });
    });

    describe("a plan with more than ARM resources in it", () => {
        const stackRoot = registration("pulumi:pulumi:Stack", "aks-gitops-t", false);
        const component = registration("aks-gitops:index:Thing", "thing", false);
        const group = registration("azure-native:resources:ResourceGroup", "rg-a", true);
        const suffix = registration("random:index/randomString:RandomString", "suffix", true);
        const identity = registration("azure-native:managedidentity:UserAssignedIdentity", "id-a", true, [
            group.urn,
            suffix.urn,
            component.urn,
        ]);
        const namespace = registration("kubernetes:core/v1:Namespace", "ns", true, [identity.urn]);
        const unnamed = registration("azure-native:keyvault:Vault", "kv-without-id", true);
        let facts: ReturnType<typeof factsFrom>;
        before(() => {
            facts = factsFromRefs(
                [
                    [RG, "rg-a.id"],
                    [`${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a`, "id-a.id"],
                    ["p-1", "id-a.principalId"],
                    ["suffix-1", "suffix.id"],
                    ["ns-1", "ns.id"],
                    ["10.1.2.0/31", "getPublicIPPrefix(pip-dr).ipPrefix"],
                    ["5f0c6f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f", "getGroup(b-team).objectId"],
                ],
                [stackRoot, component, group, suffix, identity, namespace, unnamed],
                [
                    { token: "azuread:index/getGroup:getGroup", inputs: { displayName: "b-team" } },
                    { token: "azuread:index/getGroup:getGroup", inputs: { displayName: "a-team" } },
                    { token: "azuread:index/getGroup:getGroup", inputs: { displayName: "b-team" } },
                    {
                        token: "azuread:index/getGroup:getGroup",
                        inputs: { objectId: "6a1d7e9f-2c3b-4d4e-8f90-1b2c3d4e5f60" },
                    },
                    {
                        token: "azure-native:network:getPublicIPPrefix",
                        inputs: { resourceGroupName: "rg-dr", publicIpPrefixName: "pip-dr" },
                    },
                    // Read, but nothing the plan uses came from it: nothing to reference.
                    {
                        token: "azure-native:network:getPublicIPPrefix",
                        inputs: { resourceGroupName: "rg-dr", publicIpPrefixName: "pip-unused" },
                    },
                    { token: "azure-native:network:getPublicIPPrefix", inputs: { resourceGroupName: "rg-dr" } },
                    { token: "azure-native:madeup:getThing", inputs: { thingName: "pip-dr" } },
                    { token: "azure-native:network:listThings", inputs: { publicIpPrefixName: "pip-dr" } },
                ],
            );
        });

        it("keeps only the Azure resources with an id, each with its ARM type, names, placement and API version", () => {
            assert.deepEqual(
                facts.resources.map((r) => [r.name, r.token, r.type, r.names, r.placement, r.apiVersion]),
                [
                    [
                        "id-a",
                        "azure-native:managedidentity:UserAssignedIdentity",
                        "Microsoft.ManagedIdentity/userAssignedIdentities",
                        ["id-a"],
                        { kind: "resourceGroup", resourceGroup: "rg-a" },
                        "2023-01-31",
                    ],
                    [
                        "rg-a",
                        "azure-native:resources:ResourceGroup",
                        "Microsoft.Resources/resourceGroups",
                        ["rg-a"],
                        { kind: "subscription" },
                        "2024-03-01",
                    ],
                ],
            );
            const id = facts.resources.find((r) => r.name === "id-a")!;
            assert.equal(id.mockId, `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a`);
            assert.deepEqual(id.rawInputs, { name: "id-a" });
        });

        it("waits only for Azure resources: a Kubernetes or random dependency is not ARM's to order", () => {
            assert.deepEqual(facts.resources.find((r) => r.name === "id-a")!.dependsOn, [group.urn]);
        });

        it("names each Entra group the program resolves once, sorted", () => {
            assert.deepEqual(facts.groupNames, ["a-team", "b-team"]);
        });

        it("knows an existing resource it reads by the label of what it read, with its id and API version", () => {
            assert.deepEqual([...facts.reads.keys()], ["getPublicIPPrefix(pip-dr)"]);
            assert.deepEqual(facts.reads.get("getPublicIPPrefix(pip-dr)"), {
                type: "Microsoft.Network/publicIPPrefixes",
                names: ["pip-dr"],
                placement: { kind: "resourceGroup", resourceGroup: "rg-dr" },
                apiVersion: "2024-05-01",
                mockId: `/subscriptions/${MOCK_SUB}/resourceGroups/rg-dr/providers/Microsoft.Network/publicIPPrefixes/pip-dr`,
                token: "azure-native:network:PublicIPPrefix",
            });
        });

        it("tells apart two vaults' keys of the same name: a read is the one whose every name matches", () => {
            const keys = factsFromRefs(
                [
                    ["https://kv-b.vault.azure.net/keys/sops/1", "getKey(kv-b/sops).keyUriWithVersion"],
                    ["https://kv-a.vault.azure.net/keys/sops/1", "getKey(kv-a/sops).keyUriWithVersion"],
                ],
                [],
                [
                    {
                        token: "azure-native:keyvault:getKey",
                        inputs: { resourceGroupName: "rg-sops-a", vaultName: "kv-a", keyName: "sops" },
                    },
                    {
                        token: "azure-native:keyvault:getKey",
                        inputs: { resourceGroupName: "rg-sops-b", vaultName: "kv-b", keyName: "sops" },
                    },
                ],
            );
            assert.deepEqual([...keys.reads].map(([label, read]) => [label, read.mockId]).sort(), [
                [
                    "getKey(kv-a/sops)",
                    `/subscriptions/${MOCK_SUB}/resourceGroups/rg-sops-a/providers/Microsoft.KeyVault/vaults/kv-a/keys/sops`,
                ],
                [
                    "getKey(kv-b/sops)",
                    `/subscriptions/${MOCK_SUB}/resourceGroups/rg-sops-b/providers/Microsoft.KeyVault/vaults/kv-b/keys/sops`,
                ],
            ]);
            assert.deepEqual(keys.reads.get("getKey(kv-a/sops)")!.names, ["kv-a", "sops"]);
        });

        it("keeps every label of a value only Azure knows", () => {
            assert.ok(facts.labels.has("id-a.principalId"));
            assert.ok(facts.labels.has("getGroup(b-team).objectId"));
            assert.equal(facts.location, "westeurope");
            assert.equal(facts.stack, "t");
        });
    });
});

/** factsFrom on a capture made by hand: its registrations, the mocks' values with their labels, and its invokes. */
function factsFromRefs(
    references: [string, string][],
    resources: Registration[],
    calls: Capture["calls"] = [],
): ReturnType<typeof factsFrom> {
    const settings = settingsFrom(stackInput(baseConfig("dev")).config);
    const capture: Capture = {
        project: "aks-gitops",
        stack: "t",
        resources,
        outputs: {},
        references: new Map(references),
        registeredOutputs: new Map(),
        calls,
        config: {},
    };
    return factsFrom("t", settings, derivedNames(settings), capture);
}
