// The REST spec table's own facts: each entry names the spec file it was distilled from, at its own API version and
// resource provider (so the next engineer can reread it), and offSpec reports exactly the wire paths a body has that
// the spec lacks (what the template test holds every rendered body to).
import * as assert from "node:assert/strict";
import { offSpec, specs, type Shape } from "../../preflight/specs";

describe("preflight/specs.ts: the table's sources", () => {
    it("each entry cites the Azure/azure-rest-api-specs file of its own namespace and API version, stable or preview as the version says", () => {
        const wrong = specs().filter((s) => {
            const namespace = s.type.split("/")[0];
            const channel = s.apiVersion.endsWith("-preview") ? "preview" : "stable";
            const file = new RegExp(
                // The AKS specs moved under an `aks/` folder of Microsoft.ContainerService.
                `^specification/[a-z]+/resource-manager/${namespace.replace(".", "\\.")}/(aks/)?${channel}/${s.apiVersion}/[A-Za-z_-]+\\.json( \\(commit [0-9a-f]{40}\\))?$`,
            );
            return !file.test(s.source);
        });
        assert.deepEqual(
            wrong.map((s) => `${s.type}@${s.apiVersion}: ${s.source}`),
            [],
        );
        assert.equal(
            specs().find((s) => s.type === "Microsoft.KeyVault/vaults/keys")?.source,
            "specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01/keys.json",
        );
    });
});

describe("preflight/specs.ts: offSpec, the wire paths a body has that its spec lacks", () => {
    const value: Shape = { kind: "value" };
    const shape: Shape = {
        kind: "object",
        props: {
            location: { shape: value },
            tags: { shape: { kind: "map", of: value } },
            properties: {
                shape: {
                    kind: "object",
                    props: {
                        rules: {
                            shape: {
                                kind: "array",
                                of: { kind: "object", props: { value: { shape: value } } },
                            },
                        },
                        labels: { shape: { kind: "map", of: { kind: "object", props: { on: { shape: value } } } } },
                        settings: { shape: { kind: "any" } },
                    },
                },
            },
            identity: {
                shape: {
                    kind: "object",
                    props: { type: { shape: value }, userAssignedIdentities: { shape: { kind: "idset" } } },
                },
            },
        },
    };

    it("accepts a body made only of the spec's names, with map keys and free-form JSON as data", () => {
        assert.deepEqual(
            offSpec(shape, {
                location: "westeurope",
                tags: { anything: "goes", "a b": "c" },
                properties: {
                    rules: [{ value: "1.2.3.4" }, { value: "5.6.7.8" }],
                    labels: { team: { on: true } },
                    settings: { whatever: { nested: [1, 2] } },
                },
                identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/x/id": {} } },
            }),
            [],
        );
    });

    it("names each unknown key by its wire path: objects by dots, array items by [], map values by .*", () => {
        assert.deepEqual(
            offSpec(shape, {
                sku: { name: "standard" },
                properties: {
                    rules: [{ value: "1.2.3.4", action: "Allow" }, { valu: "x" }],
                    labels: { team: { on: true, off: false } },
                    extra: 1,
                },
            }),
            [
                "sku",
                "properties.rules[].action",
                "properties.rules[].valu",
                "properties.labels.*.off",
                "properties.extra",
            ],
        );
        assert.deepEqual(offSpec(shape, { extra: 1 }, "body"), ["body.extra"]);
    });

    it("an identity set's values must be empty objects on the wire (the SDK's array of ids becomes {id: {}})", () => {
        const identity = (ids: unknown) => offSpec(shape, { identity: { userAssignedIdentities: ids } });
        assert.deepEqual(identity({ a: {}, b: {} }), []);
        for (const bad of [{ a: { clientId: "x" } }, { a: null }, { a: "x" }, { a: {}, b: 1 }]) {
            assert.deepEqual(
                identity(bad),
                ["identity.userAssignedIdentities (values must be {})"],
                JSON.stringify(bad),
            );
        }
        // An array is what the SDK sends before conversion: not a wire map, so nothing to check at this node.
        assert.deepEqual(identity(["/subscriptions/x/id"]), []);
    });

    it("checks nothing below a value of the wrong kind (the template test's other assertions catch those)", () => {
        assert.deepEqual(
            offSpec(shape, {
                properties: { rules: { not: "an array" }, labels: ["not", "a map"] },
                tags: "not a map",
                identity: null,
            }),
            [],
        );
        assert.deepEqual(offSpec(shape, "a string"), []);
        assert.deepEqual(offSpec(shape, ["an", "array"]), []);
        assert.deepEqual(offSpec(shape, null), []);
        assert.deepEqual(offSpec({ kind: "any" }, { free: { form: 1 } }), []);
        assert.deepEqual(offSpec(value, { not: "checked" }), []);
    });
});
