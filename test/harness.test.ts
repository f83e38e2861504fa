import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { capture } from "../harness/run";
import { SECRET } from "../harness/monitor";
import { stackInput } from "./support";

// The capture relies on @pulumi/pulumi internals (MockMonitor, request getters, feature negotiation). These tests fail
// loudly if an upgrade moves them, instead of letting plans silently lose dependencies, options or secret markers.
describe("the mock-runtime harness", () => {
    class Pair extends pulumi.ComponentResource {
        constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
            super("test:index:Pair", name, {}, opts);
            const first = new resources.ResourceGroup(
                `${name}-first`,
                { resourceGroupName: "rg-first", location: "westeurope", tags: { token: pulumi.secret("s3cret") } },
                { parent: this, protect: true, retainOnDelete: true, ignoreChanges: ["tags"], customTimeouts: { create: "30m" } },
            );
            new resources.ResourceGroup(
                `${name}-second`,
                { resourceGroupName: pulumi.interpolate`${first.name}-2`, location: "westeurope" },
                { parent: this, dependsOn: [first] },
            );
            this.registerOutputs({});
        }
    }

    it("records parents, dependencies, property dependencies, options and secrets as the engine receives them", async () => {
        const c = await capture(stackInput({}, {}), () => {
            new Pair("pair");
            return {};
        });
        const [component, first, second] = ["pair", "pair-first", "pair-second"].map((n) => c.resources.find((r) => r.name === n)!);
        assert.equal(component.custom, false);
        assert.equal(first.parent, component.urn);
        assert.deepEqual(first.options, {
            protect: true,
            retainOnDelete: true,
            ignoreChanges: ["tags"],
            customTimeouts: { create: "30m", update: undefined, delete: undefined },
            deleteBeforeReplace: false,
            importId: null,
        });
        assert.deepEqual((first.inputs.tags as Record<string, unknown>).token ?? first.inputs.tags, { [SECRET]: "s3cret" });
        assert.deepEqual(second.dependencies, [first.urn]);
        assert.deepEqual(second.propertyDependencies.resourceGroupName, [first.urn]);
        assert.equal(second.inputs.resourceGroupName, "rg-first-2");
    });

    it("answers like Azure: ARM ids in the subscription the client config reports", async () => {
        const c = await capture(stackInput({}, {}), () => {
            const rg = new resources.ResourceGroup("rg", { resourceGroupName: "rg-x", location: "westeurope" });
            return { id: rg.id };
        });
        assert.match(c.outputs.id.value as string, /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg-x$/);
        assert.equal(c.references.get(c.outputs.id.value as string), "rg.id");
    });

    it("refuses Azure resources without an explicit name, which would make plans nondeterministic", async () => {
        await assert.rejects(
            capture(stackInput({}, {}), () => {
                const rg = new resources.ResourceGroup("unnamed", { location: "westeurope" });
                return { id: rg.id };
            }),
            /no explicit Azure name/,
        );
    });
});
