// The generic suite of the user's stacks (test/product/committed-stacks.test.ts) can fail: run on a project copy with a stack
// that leaks a credential, or beside a fleet whose cluster directory is stale, it names the stack and the file.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "../../stacks/paths";

function committedSuite(project: string, fleet?: string): { status: number | null; output: string } {
    const r = spawnSync(
        process.execPath,
        [require.resolve("mocha/bin/mocha.js"), "--no-parallel", join(__dirname, "committed-stacks.test.ts")],
        {
            encoding: "utf8",
            env: { ...process.env, COMMITTED_STACKS_DIR: project, FLEET_REPO: fleet ?? "" },
        },
    );
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe("the committed-stacks suite on stacks that would break", function () {
    this.timeout(120000);

    it("fails on a stack file with a credential in clear text, naming the file and key", () => {
        const project = mkdtempSync(join(tmpdir(), "committed-"));
        cpSync(PROJECT_DIR, project, { recursive: true });
        appendFileSync(join(project, "Pulumi.dev.yaml"), "  aks-gitops:gitHttpsPassword: hunter2\n");
        const r = committedSuite(project);
        assert.notEqual(r.status, 0);
        assert.match(r.output, /Pulumi\.dev\.yaml: .*aks-gitops:gitHttpsPassword is in clear text/);
    });

    it("fails on a fleet repo whose cluster directory is out of date, naming the file and the command that fixes it", () => {
        const fleet = mkdtempSync(join(tmpdir(), "committed-fleet-"));
        cpSync(join(__dirname, "..", "..", "examples", "fleet"), fleet, { recursive: true });
        const file = join(fleet, "clusters", "prod-westeurope", "kustomization.yaml");
        writeFileSync(file, readFileSync(file, "utf8") + "# edited by hand\n");
        const r = committedSuite(PROJECT_DIR, fleet);
        assert.notEqual(r.status, 0);
        assert.match(
            r.output,
            /clusters\/prod-westeurope\/kustomization\.yaml in .* is out of date with stack prod: npm run fleet -- --stack prod --out /,
        );
        assert.match(
            r.output,
            /matches its cluster directory clusters\/dev-westeurope in .*\n/,
            "the other stacks' directories are checked too",
        );
    });
});
