// The rollout's order and matrices on hand-made stacks, literally (ci/stacks.ts): ring, then wave, then name, whatever
// order the stacks come in; matrix legs Azure Pipelines accepts, never two with one name; the creator of a prefix; and
// which unreadable stack is reported rather than thrown. A rollout that ran a ring out of order would deploy prod
// before dev; these are the functions every workflow's matrix comes from.
import * as assert from "node:assert/strict";
import {
    azureMatrix,
    creatorOf,
    discoverInputs,
    githubMatrix,
    rolloutOrder,
    rolloutPosition,
    type RolloutStack,
} from "../../ci/stacks";

const stack = (
    name: string,
    ring: number,
    wave: RolloutStack["wave"],
    extra: Partial<RolloutStack> = {},
): RolloutStack => ({
    stack: name,
    environment: (["dev", "staging", "prod"] as const)[ring],
    ring,
    role: wave === "clusters" ? "secondary" : "primary",
    wave,
    waves: [wave],
    location: "westeurope",
    clusterName: name,
    resourceGroup: `rg-aks-${name}`,
    aksName: `aks-${name}`,
    vault: "kv",
    admits: [],
    ...extra,
});

describe("the rollout's order and matrices (ci/stacks.ts)", () => {
    // Given out of order on purpose: prod first, a secondary before its owner, names reversed.
    const given = [
        stack("prod-b", 2, "vault"),
        stack("prod-dr", 2, "clusters"),
        stack("prod-a", 2, "vault"),
        stack("staging", 1, "vault"),
        stack("dev-2", 0, "clusters"),
        stack("dev", 0, "vault"),
    ];
    const ORDER = ["dev", "dev-2", "staging", "prod-a", "prod-b", "prod-dr"];

    it("orders by ring, then the stack's first wave, then name", () => {
        assert.deepEqual(
            [...given].sort(rolloutOrder).map((s) => s.stack),
            ORDER,
        );
        assert.equal(rolloutOrder(stack("same", 1, "vault"), stack("same", 1, "vault")), 0);
        assert.equal(rolloutOrder(stack("a", 1, "vault"), stack("b", 1, "vault")), -1);
        assert.equal(rolloutOrder(stack("b", 1, "vault"), stack("a", 1, "vault")), 1);
    });

    it("places each wave in the whole rollout: three waves a ring", () => {
        assert.deepEqual(
            [
                rolloutPosition(0, "vault"),
                rolloutPosition(0, "admit"),
                rolloutPosition(1, "vault"),
                rolloutPosition(1, "clusters"),
                rolloutPosition(2, "admit"),
            ],
            [0, 2, 3, 4, 8],
        );
    });

    it("gives both CI systems their matrix in rollout order, whatever order the stacks come in", () => {
        assert.deepEqual(
            githubMatrix(given).include.map((s) => s.stack),
            ORDER,
        );
        assert.deepEqual(Object.keys(azureMatrix(given)), ["dev", "dev_2", "staging", "prod_a", "prod_b", "prod_dr"]);
    });

    it("names Azure Pipelines legs with letters, digits and _ only, never two alike", () => {
        const legs = azureMatrix([
            stack("prod.eu", 2, "vault"),
            stack("prod-eu", 2, "vault"),
            stack("prod_eu", 2, "vault"),
        ]);
        assert.deepEqual(
            Object.entries(legs).map(([leg, v]) => [leg, v.STACK]),
            [
                ["prod_eu", "prod-eu"],
                ["prod_eu_2", "prod.eu"],
                ["prod_eu_3", "prod_eu"],
            ],
        );
        assert.deepEqual(legs.prod_eu, {
            STACK: "prod-eu",
            ENVIRONMENT: "prod",
            RING: "2",
            ROLE: "primary",
            WAVE: "vault",
            RESOURCE_GROUP: "rg-aks-prod-eu",
            AKS_NAME: "aks-prod-eu",
        });
    });

    it("finds the stack that creates a prefix, ignoring the subscription and case, never one that creates none", () => {
        const id = "/resourceGroups/rg-aks-prod-dr/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-dr";
        const stacks = [
            stack("prod", 2, "vault"), // creates no prefix of its own (egressPrefixId unset)
            stack("prod-dr", 2, "clusters", { egressPrefixId: id }),
        ];
        assert.equal(
            creatorOf(stacks, `/subscriptions/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d${id.toUpperCase()}`)?.stack,
            "prod-dr",
        );
        assert.equal(creatorOf(stacks, id.replace("prod-dr", "prod-xx")), undefined);
    });

    it("reports a stack whose file or config is unreadable, and lets anything else through as the bug it is", () => {
        const named = (name: string, message: string) => Object.assign(new Error(message), { name });
        const found = discoverInputs([
            { stack: "a", error: named("ConfigError", "invalid stack configuration") },
            { stack: "b", error: named("ConfigFileError", "Pulumi.b.yaml: bad indentation") },
            { stack: "c", error: named("UsageError", "no such stack") },
        ]);
        assert.deepEqual(found, {
            stacks: [],
            invalid: [
                { stack: "a", message: "invalid stack configuration" },
                { stack: "b", message: "Pulumi.b.yaml: bad indentation" },
                { stack: "c", message: "no such stack" },
            ],
        });
        assert.throws(() => discoverInputs([{ stack: "d", error: new TypeError("x is undefined") }]), {
            name: "TypeError",
            message: "x is undefined",
        });
    });
});
