// The program's own config check (index.ts): the one rule that needs the subscription the stack deploys to, known only
// once the program has asked Azure (getClientConfig). A mistake stops the run before any resource is registered. And
// the user's own tags, read from the stack's config as `pulumi up` passes it (stacks/load.ts loadStackConfig).
import * as assert from "node:assert/strict";
import { runProgram } from "../offline/program";
import { ConfigError } from "../stacks/load";
import { azureValue, baseConfig, stackInput, withConfig } from "./support/stacks";
import { T } from "./support/tokens";

describe("the program's config as pulumi up passes it (index.ts, stacks/load.ts)", () => {
    it("refuses an admitted egress prefix of another subscription with a ConfigError naming the key, registering nothing", async () => {
        const other =
            "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope";
        const c = await runProgram(
            stackInput(withConfig(baseConfig("prod"), { sops: { admitEgressPrefixIds: [other] } })),
            { allowFailure: true },
        );
        assert.ok(c.error instanceof ConfigError, String(c.error));
        const sub = azureValue(c, "azure.subscriptionId");
        assert.equal(
            (c.error as Error).message,
            `invalid stack configuration (1 problem):\n  - aks-gitops:sops.admitEgressPrefixIds[0]: must be in the subscription this stack deploys to (${sub}); leave the /subscriptions/<id> part out`,
        );
        assert.deepEqual(c.resources, [], "nothing is registered");
        assert.deepEqual(
            c.calls.map((x) => x.token),
            [T.GetClientConfig],
            "only the subscription was asked for",
        );
    });

    it("tags resources with the organisation's and the stack's own tags, the stack's winning, and never lets them rename the product's", async () => {
        const c = await runProgram(
            stackInput(
                withConfig(baseConfig("prod"), {
                    org: { tags: { costCenter: "4711", owner: "platform" } },
                    tags: { owner: "payments", environment: "staging", "managed-by": "hand" },
                }),
            ),
        );
        const cluster = c.resources.find((r) => r.type === T.ManagedCluster);
        assert.ok(cluster, "the cluster is registered");
        assert.deepEqual(cluster.inputs.tags, {
            costCenter: "4711",
            owner: "payments",
            environment: "prod",
            cluster: "prod-westeurope",
            "managed-by": "pulumi",
        });
    });
});
