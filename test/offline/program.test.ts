import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { capture } from "../../offline/program";
import { ROOT } from "../../stacks/paths";
import { registeredErrorHooks } from "../../offline/monitor";
import { SECRET } from "../../stacks/files";
import { stackInput } from "../support/stacks";
import { lazy } from "../../cli/lazy";

// The capture relies on @pulumi/pulumi internals (MockMonitor, request getters, feature negotiation). These tests fail
// loudly if an upgrade moves them, instead of letting plans silently lose dependencies, options or secret markers.
describe("the mock-runtime harness", () => {
    class Pair extends pulumi.ComponentResource {
        constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
            super("test:index:Pair", name, {}, opts);
            const first = new resources.ResourceGroup(
                `${name}-first`,
                { resourceGroupName: "rg-first", location: "westeurope", tags: { token: pulumi.secret("s3cret") } },
                {
                    parent: this,
                    protect: true,
                    retainOnDelete: true,
                    ignoreChanges: ["tags"],
                    customTimeouts: { create: "30m" },
                },
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
        const [component, first, second] = ["pair", "pair-first", "pair-second"].map((n) =>
            c.resources.find((r) => r.name === n)!,
        );
        assert.equal(component.custom, false);
        assert.equal(first.parent, component.urn);
        assert.deepEqual(first.options, {
            protect: true,
            retainOnDelete: true,
            ignoreChanges: ["tags"],
            customTimeouts: { create: "30m", update: undefined, delete: undefined },
            deleteBeforeReplace: false,
            importId: null,
            additionalSecretOutputs: [],
            onErrorHooks: [],
        });
        assert.deepEqual((first.inputs.tags as Record<string, unknown>).token ?? first.inputs.tags, {
            [SECRET]: "s3cret",
        });
        assert.deepEqual(second.dependencies, [first.urn]);
        assert.deepEqual(second.propertyDependencies.resourceGroupName, [first.urn]);
        assert.equal(second.inputs.resourceGroupName, "rg-first-2");
    });

    it("records error hooks, callbacks included, without starting the SDK's callback server", async () => {
        const c = await capture(stackInput({}, {}), () => {
            const hook = new pulumi.ErrorHook("retry-always", () => true);
            new resources.ResourceGroup(
                "rg",
                { resourceGroupName: "rg-x", location: "westeurope" },
                { hooks: { onError: [hook] } },
            );
            return {};
        });
        assert.deepEqual(c.resources.find((r) => r.name === "rg")!.options.onErrorHooks, ["retry-always"]);
        const hook = registeredErrorHooks().get("retry-always")!;
        assert.equal(
            await hook.callback({
                urn: "",
                id: "",
                name: "rg",
                type: "t",
                failedOperation: "create",
                errors: ["boom"],
            }),
            true,
        );
        const store = lazy.pulumiState().getStore();
        assert.ok(store.callbacks && !("_server" in store.callbacks), "the stand-in, not a gRPC server on loopback");
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

    it("leaves the SDK's source-position lookup as it was once a capture ends", async () => {
        const sdkResource = pulumi.Resource as unknown as { callsites: unknown };
        const before = sdkResource.callsites;
        await capture(stackInput({}, {}), () => ({}));
        assert.equal(sdkResource.callsites, before);
    });
});

// bin/defer-sdk.cjs (loaded by bin/launch.cjs and the test runner) stands in for SDK modules offline runs never call.
describe("the deferred SDK modules (bin/defer-sdk.cjs)", function () {
    this.timeout(60000);
    /** Runs `script` in a fresh Node with the stand-ins loaded first (or not: DEFER_SDK=0); returns its JSON output. */
    const node = (script: string, env: Record<string, string>) => {
        const r = spawnSync(process.execPath, ["-r", "./bin/defer-sdk.cjs", "-e", script], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, NODE_COMPILE_CACHE: join(tmpdir(), "node-compile-cache"), ...env },
        });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const CLOSURE = ["runtime/closure/serializeClosure", "runtime/closure/codePaths"];
    const script = (then: string) => `
        const loaded = (re) => Object.keys(require.cache).some((f) => re.test(f));
        const pulumi = require("@pulumi/pulumi");
        const seen = { arborist: loaded(/@npmcli[\\/]arborist/), typescript: loaded(/node_modules[\\/]typescript[\\/]/), automation: loaded(/automation[\\/]localWorkspace/) };
        const exports = ${JSON.stringify(CLOSURE)}.map((m) => Object.keys(require("@pulumi/pulumi/" + m)).filter((k) => k !== "__esModule").sort());
        ${then}`;
    let deferred: Record<string, unknown>;
    let whole: Record<string, unknown>;
    before(() => {
        deferred = node(
            script(`const workspace = typeof pulumi.automation.LocalWorkspace;
            pulumi.runtime.serializeFunction(() => 42).then((f) => console.log(JSON.stringify({ seen, exports, workspace, serialized: /42/.test(f.text), typescriptAfter: loaded(/node_modules[\\/]typescript[\\/]/) })));`),
            {},
        );
        whole = node(script(`console.log(JSON.stringify({ seen, exports }))`), { DEFER_SDK: "0" });
    });

    it("loads neither the closure serializer (npm's arborist, TypeScript) nor the Automation API with @pulumi/pulumi", () => {
        assert.deepEqual(deferred.seen, { arborist: false, typescript: false, automation: false });
        assert.deepEqual(
            whole.seen,
            { arborist: true, typescript: true, automation: true },
            "DEFER_SDK=0 loads the SDK whole",
        );
    });

    it("loads the real module on first use and behaves as it does", () => {
        assert.equal(deferred.workspace, "function");
        assert.equal(deferred.serialized, true, "serializeFunction serialized the closure");
        assert.equal(deferred.typescriptAfter, true, "the real serializer (which parses with TypeScript) ran");
    });

    it("stands in with exactly the functions the real modules export (an SDK upgrade that changes them fails here)", () => {
        const expected = [
            ["serializeFunction", "serializeFunctionAsync"],
            ["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"],
        ];
        assert.deepEqual(whole.exports, expected, "the real modules");
        assert.deepEqual(deferred.exports, expected, "the stand-ins");
    });
});
