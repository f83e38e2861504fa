// The capture monitor: what it records of each registration (the plan's dependencies and options), how it reads the
// engine's wire form, and the features of the SDK it refuses because the offline harness does not run them.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { fromWire, UNKNOWN } from "../../offline/monitor";
import { capture } from "../../offline/program";
import { SECRET } from "../../stacks/files";
import { stackInput } from "../support/stacks";

// The wire sentinels of the Pulumi SDK (pulumi/pulumi sdk/nodejs/runtime/rpc.ts): unknownValue, specialSigKey,
// specialSecretSig, specialResourceSig.
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

const group = (name: string, opts: pulumi.CustomResourceOptions = {}, resourceGroupName: pulumi.Input<string> = name) =>
    new resources.ResourceGroup(name, { resourceGroupName, location: "westeurope" }, opts);

describe("the capture monitor", () => {
    it("reads the wire form: unknowns, secrets and resource references become explicit markers", () => {
        const urn = "urn:pulumi:test::aks-gitops::azure-native:resources:ResourceGroup::rg";
        assert.equal(UNKNOWN, "[unknown]");
        assert.deepEqual(
            fromWire({
                id: UNKNOWN_VALUE,
                tags: [UNKNOWN_VALUE, "kept"],
                key: { [SIG]: SECRET_SIG, value: { nested: UNKNOWN_VALUE } },
                group: { [SIG]: RESOURCE_SIG, urn, id: "/subscriptions/s/resourceGroups/rg" },
                plain: { count: 3, on: true, none: null },
            }),
            {
                id: "[unknown]",
                tags: ["[unknown]", "kept"],
                key: { [SECRET]: { nested: "[unknown]" } },
                group: `resource ${urn}`,
                plain: { count: 3, on: true, none: null },
            },
        );
    });

    // Transforms and state migrations are callbacks the engine calls back into the program through the SDK's callback
    // server, which a capture does not start: the run fails naming what it cannot do, rather than plan without it.
    // (Before the other captures: the SDK reports the refused resources' outputs as leaked promises at exit when the
    // last run of the process is one of these.)
    const refusals: [string, () => Record<string, pulumi.Input<unknown>>][] = [
        [
            "resource transforms",
            () => ({
                id: group("transformed", { transforms: [(args) => ({ props: args.props, opts: args.opts })] }).id,
            }),
        ],
        [
            "stack transforms",
            () => {
                pulumi.runtime.registerResourceTransform(() => undefined);
                group("after");
                return {};
            },
        ],
        [
            "invoke transforms",
            () => {
                pulumi.runtime.registerInvokeTransform(() => undefined);
                return {};
            },
        ],
        ["state migrations", () => ({ id: group("migrated", { stateMigrations: [() => undefined] }).id })],
    ];
    for (const [what, body] of refusals) {
        it(`refuses ${what}, naming them`, async () => {
            await assert.rejects(
                capture(stackInput({}, {}), body),
                (e: Error) => e.message === `the offline harness does not run ${what}`,
            );
        });
    }

    it("records dependencies and property dependencies sorted, whatever order the program names them in", async () => {
        const c = await capture(stackInput({}, {}), () => {
            const zulu = group("zulu");
            const alpha = group("alpha");
            group("both", { dependsOn: [zulu, alpha, zulu] }, pulumi.interpolate`${zulu.name}-${alpha.name}`);
            return {};
        });
        const urn = (n: string) => `urn:pulumi:test::aks-gitops::azure-native:resources:ResourceGroup::${n}`;
        const both = c.resources.find((r) => r.name === "both")!;
        assert.deepEqual(both.dependencies, [urn("alpha"), urn("zulu")]);
        assert.deepEqual(both.propertyDependencies.resourceGroupName, [urn("alpha"), urn("zulu")]);
        assert.equal(both.inputs.resourceGroupName, "zulu-alpha");
    });

    it("records retainOnDelete and custom timeouts as given, and neither when none is given", async () => {
        const c = await capture(stackInput({}, {}), () => {
            group("plain");
            group("kept", { retainOnDelete: true, customTimeouts: { delete: "45m" } });
            group("released", { retainOnDelete: false, customTimeouts: { create: "1h", update: "2h" } });
            return {};
        });
        const options = (n: string) => c.resources.find((r) => r.name === n)!.options;
        assert.equal(options("plain").retainOnDelete, false);
        assert.equal(options("plain").customTimeouts, null);
        assert.equal(options("kept").retainOnDelete, true);
        assert.deepEqual(options("kept").customTimeouts, { create: undefined, update: undefined, delete: "45m" });
        assert.equal(options("released").retainOnDelete, false);
        assert.deepEqual(options("released").customTimeouts, { create: "1h", update: "2h", delete: undefined });
    });

    it("takes resource hooks (kept, not run)", async () => {
        const c = await capture(stackInput({}, {}), () => {
            const hook = new pulumi.ResourceHook("note", () => undefined);
            group("hooked", { hooks: { beforeCreate: [hook] } });
            return {};
        });
        assert.deepEqual(
            c.resources.map((r) => r.name),
            ["hooked"],
        );
    });
});
