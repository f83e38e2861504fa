// The committed stacks are the user's: whatever they are, as long as they are valid, this suite passes, and it fails
// on a stack that would break `pulumi up`, CI or the fleet. Every other test runs on the fixture project the tests own
// (test/fixtures/project, .mocharc.cjs), so replacing the example stacks never turns the product's own tests red.
// Set COMMITTED_STACKS_DIR to hold another project directory to the same rules (the adoption test does).
import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { discover } from "../../ci/stacks";
import { fleetFiles } from "../../fleet/cli";
import { clusterDir } from "../../fleet/layout";
import { loadStackFile, stackNames, withSecretPlaceholders } from "../../stacks/files";
import { ROOT } from "../../stacks/paths";
import { runProgram, type Capture } from "../../offline/program";
import { buildCheckedPlan } from "../../plan/model";
import { sharedCaptures } from "../support/share-captures";

const PROJECT = process.env.COMMITTED_STACKS_DIR ? resolve(process.env.COMMITTED_STACKS_DIR) : ROOT;
const STACKS = stackNames(PROJECT);
// Read and validated once, as CI's discovery reads them (ci/stacks.ts); a stack that does not load is in `invalid`.
const DISCOVERY = discover(PROJECT);
// The user's fleet repository, whose cluster directories must match what the stacks render where it holds one:
// FLEET_REPO (e.g. FLEET_REPO=../fleet npm test), else a checkout at ../fleet beside the project, where the README's
// `npm run fleet -- --out ../fleet` writes. Not examples/fleet: that is the product's starter, rendered from the
// fixture stacks (test/fleet/cli.test.ts), and a user's stack may well share a cluster name with one of them.
const FLEETS = process.env.FLEET_REPO
    ? [resolve(process.env.FLEET_REPO)]
    : [join(PROJECT, "..", "fleet")].filter((dir) => existsSync(join(dir, "clusters")));

describe(`the committed stacks (${STACKS.join(", ") || "none"} in ${PROJECT}; fleet: ${FLEETS.join(", ") || "none found"})`, function () {
    sharedCaptures();
    this.timeout(120000);

    it("are read as the Pulumi CLI reads them, each valid, with no credential in clear text", () => {
        // loadStackFile refuses a credential key outside `secure:` and any private key block, comments included.
        const problems = DISCOVERY.invalid.map((i) => `Pulumi.${i.stack}.yaml: ${i.message}`);
        assert.deepEqual(problems, []);
    });

    it("have a rollout order: every stack in a ring, and each environment's key owned by one stack at most", () => {
        const { stacks } = DISCOVERY;
        assert.equal(stacks.length, STACKS.length);
        for (const environment of new Set(stacks.map((s) => s.environment))) {
            // Two owners would be two keys. None is allowed: then every stack of the environment uses an existing key
            // (sops.existingKeyId: a stack that owns no vault is a secondary or standby by its role) kept elsewhere.
            const owners = stacks
                .filter((s) => s.environment === environment && s.role === "primary")
                .map((s) => s.stack);
            assert.ok(owners.length <= 1, `${environment}: key owners ${owners.join(", ")}`);
        }
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let capture: Capture;
            before(async () => {
                capture = await runProgram(withSecretPlaceholders(loadStackFile(stack, PROJECT)));
            });

            it("plans offline without a mandatory policy finding", async () => {
                const plan = await buildCheckedPlan(capture);
                const mandatory = plan.policy
                    .filter((f) => f.enforcementLevel === "mandatory")
                    .map((f) => `${f.policy}: ${f.message}`);
                assert.deepEqual(mandatory, [], `npm run plan -- --stack ${stack} lists them`);
                assert.ok(plan.resources.length > 0);
            });

            // Only where a fleet holds the stack's cluster directory: a stack whose fleet repo lives elsewhere has nothing here.
            const found = DISCOVERY.stacks.find((s) => s.stack === stack);
            const dir = found && clusterDir(found.clusterName);
            for (const fleet of FLEETS.filter((f) => dir !== undefined && existsSync(join(f, dir)))) {
                it(`matches its cluster directory ${dir} in ${fleet}`, () => {
                    const sopsFile = join(fleet, ".sops.yaml");
                    const existingSops = existsSync(sopsFile) ? readFileSync(sopsFile, "utf8") : undefined;
                    for (const [path, content] of fleetFiles(capture, existingSops)) {
                        const file = join(fleet, path);
                        const fix = `npm run fleet -- --stack ${stack} --out ${fleet}`;
                        assert.ok(existsSync(file), `${path} is missing in ${fleet}: ${fix}`);
                        assert.equal(
                            readFileSync(file, "utf8"),
                            content,
                            `${path} in ${fleet} is out of date with stack ${stack}: ${fix}`,
                        );
                    }
                });
            }
        });
    }
});
