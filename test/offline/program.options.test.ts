// capture()'s options and the process-wide settings it borrows for a run: what the offline plan, preflight and the tests
// rely on when they run a stack under the mocks.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { capture, runProgram, shareCaptures, type Capture, type CaptureStore } from "../../offline/program";
import { baseConfig, stackInput } from "../support/stacks";

const group = (name: string) => new resources.ResourceGroup(name, { resourceGroupName: name, location: "westeurope" });

describe("capture()", () => {
    it("throws what the program throws", async () => {
        await assert.rejects(
            capture(stackInput({}, {}), () => {
                group("before");
                throw new Error("boom");
            }),
            /^Error: boom$/,
        );
    });

    it("with allowFailure, returns what was registered before the failure, and the failure", async () => {
        const boom = new Error("boom");
        const input = stackInput({ environment: "dev" }, {}, "dev");
        const c = await capture(
            input,
            () => {
                group("before");
                throw boom;
            },
            { allowFailure: true },
        );
        assert.equal(c.error, boom);
        assert.equal(c.stack, "dev");
        assert.equal(c.project, "aks-gitops");
        assert.deepEqual(
            c.resources.map((r) => r.urn),
            ["urn:pulumi:dev::aks-gitops::azure-native:resources:ResourceGroup::before"],
        );
        assert.deepEqual(c.outputs, {});
        assert.deepEqual(c.config, { "aks-gitops:environment": "dev" });
        assert.deepEqual(c.calls, []);
        assert.deepEqual([...c.references.values()], ["azure.subscriptionId", "azure.tenantId", "before.id"]);
        assert.equal(c.registeredOutputs.size, 0);
    });

    it("runs as the project it is given (the urns name it), by default the fixture project's aks-gitops", async () => {
        const other = await capture(stackInput({}, {}), () => ({ id: group("rg").id }), { project: "other-project" });
        assert.equal(other.project, "other-project");
        assert.equal(
            other.resources[0].urn,
            "urn:pulumi:test::other-project::azure-native:resources:ResourceGroup::rg",
        );
        const own = await capture(stackInput({}, {}), () => ({ id: group("rg").id }));
        assert.equal(own.project, "aks-gitops");
        assert.equal(own.resources[0].urn, "urn:pulumi:test::aks-gitops::azure-native:resources:ResourceGroup::rg");
    });

    it("runs the program as `pulumi up` does, not as a preview: every value the mocks answer is known", async () => {
        let dryRun: boolean | undefined;
        const c = await capture(stackInput({}, {}), () => {
            dryRun = pulumi.runtime.isDryRun();
            return { id: group("rg").id };
        });
        assert.equal(dryRun, false);
        assert.match(c.outputs.id.value as string, /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/rg$/);
    });

    describe("stack traces", () => {
        let limit: number;
        let leaks: string | undefined;
        beforeEach(() => {
            limit = Error.stackTraceLimit;
            leaks = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            Error.stackTraceLimit = 17;
        });
        afterEach(() => {
            Error.stackTraceLimit = limit;
            if (leaks === undefined) {
                delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            } else {
                process.env.PULUMI_DEBUG_PROMISE_LEAKS = leaks;
            }
        });

        const limitInside = async () => {
            let inside: number | undefined;
            await capture(stackInput({}, {}), () => {
                inside = Error.stackTraceLimit;
                return {};
            });
            return inside;
        };

        it("are off while the program runs (the SDK's leak bookkeeping costs nothing) and back afterwards", async () => {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            assert.equal(await limitInside(), 0);
            assert.equal(Error.stackTraceLimit, 17);
        });

        it("are kept with PULUMI_DEBUG_PROMISE_LEAKS, the SDK's switch to name leaked promises", async () => {
            process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
            assert.equal(await limitInside(), 17);
            assert.equal(Error.stackTraceLimit, 17);
        });

        it("are back after a run that failed", async () => {
            delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
            await assert.rejects(
                capture(stackInput({}, {}), () => {
                    throw new Error("boom");
                }),
            );
            assert.equal(Error.stackTraceLimit, 17);
        });
    });
});

// runProgram's store (only the tests install one, test/support/share-captures.ts): which runs may share a capture.
describe("runProgram() with a capture store installed", () => {
    const keys: unknown[] = [];
    const stored = { stack: "from-the-store" } as unknown as Capture;
    const counting: CaptureStore = {
        get: (key) => {
            keys.push(JSON.parse(key));
            return Promise.resolve(stored);
        },
    };
    beforeEach(() => {
        keys.length = 0;
        shareCaptures(counting);
    });
    afterEach(() => shareCaptures(undefined));

    it("asks the store by the input and every capture option that changes the run", async () => {
        const input = stackInput({ location: "westeurope" }, {}, "keyed");
        assert.equal(await runProgram(input), stored);
        assert.equal(
            await runProgram(input, {
                project: "other",
                seed: "s1",
                absent: ["/subscriptions/x/resourceGroups/rg"],
                allowFailure: true,
            }),
            stored,
        );
        assert.deepEqual(keys, [
            [
                { stack: "keyed", config: { "aks-gitops:location": "westeurope" }, secretKeys: [] },
                null,
                null,
                null,
                false,
            ],
            [
                { stack: "keyed", config: { "aks-gitops:location": "westeurope" }, secretKeys: [] },
                "other",
                "s1",
                ["/subscriptions/x/resourceGroups/rg"],
                true,
            ],
        ]);
    });

    it("never shares a run with altered Azure answers (a function is no key): it runs the program itself", async () => {
        const refused = stackInput({ ...baseConfig("dev"), location: "Mars" }, undefined, "altered");
        await assert.rejects(runProgram(refused, { alterAzure: (_type, state) => state }), /location/);
        assert.deepEqual(keys, []);
    });

    it("runs the program itself once the store is taken away", async () => {
        shareCaptures(undefined);
        const refused = stackInput({ ...baseConfig("dev"), location: "Mars" }, undefined, "unshared");
        await assert.rejects(runProgram(refused), /location/);
        assert.deepEqual(keys, []);
    });
});
