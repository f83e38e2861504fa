// npm run fleet -- --check: compares the fleet repo checkout with what the stack renders and writes nothing. Exit 0 and
// "up to date" when every file matches, exit 1 and the list of the files that differ or are missing (in the order the
// stack renders them) otherwise. A checkout without the shared layers is compared, not refused: --check says what a
// run would write. Runs on a copy of examples/fleet (which cli.test.ts keeps golden with the fixture stacks).
import * as assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../fleet/cli";
import { ROOT } from "../../stacks/paths";
import { sharedCaptures } from "../support/share-captures";

const EXAMPLE = join(ROOT, "examples", "fleet");

describe("npm run fleet -- --check", () => {
    sharedCaptures();
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "fleet-check-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("is up to date on the starter fleet, then lists the changed and the missing files, writing nothing", async () => {
        const out = join(dir, "fleet");
        cpSync(EXAMPLE, out, { recursive: true });
        assert.deepEqual(await main(["--stack", "dev", "--out", out, "--check"]), {
            code: 0,
            text: `${out} is up to date with stack dev\n`,
        });

        const cluster = join(out, "clusters/dev-westeurope");
        writeFileSync(join(cluster, "apps.yaml"), "tampered\n");
        rmSync(join(cluster, "kustomization.yaml"));
        // A .sops.yaml without dev's rule (another environment's and a user's rule only): dev's would be added.
        const sops = "creation_rules:\n  - path_regex: ^docs/.*\\.enc\\.yaml$\n    age: age1docs\n";
        writeFileSync(join(out, ".sops.yaml"), sops);
        // A file of the user's in the cluster directory is not the stack's: --check neither lists nor minds it.
        writeFileSync(join(cluster, "NOTES.md"), "ours\n");

        assert.deepEqual(await main(["--stack", "dev", "--out", out, "--check"]), {
            code: 1,
            text: [
                `out of date with stack dev (run npm run fleet -- --stack dev --out ${out}):`,
                "  clusters/dev-westeurope/apps.yaml",
                "  clusters/dev-westeurope/kustomization.yaml",
                "  .sops.yaml",
                "",
            ].join("\n"),
        });
        assert.equal(readFileSync(join(cluster, "apps.yaml"), "utf8"), "tampered\n");
        assert.equal(existsSync(join(cluster, "kustomization.yaml")), false, "--check created a file");
        assert.equal(readFileSync(join(out, ".sops.yaml"), "utf8"), sops);
        assert.equal(readFileSync(join(cluster, "NOTES.md"), "utf8"), "ours\n");
    });

    it("on an empty fleet folder lists every file the stack renders, asks for no shared layers, and writes nothing", async () => {
        assert.deepEqual(await main(["--stack", "dev", "--out", dir, "--check"]), {
            code: 1,
            text: [
                `out of date with stack dev (run npm run fleet -- --stack dev --out ${dir}):`,
                "  clusters/dev-westeurope/infrastructure.yaml",
                "  clusters/dev-westeurope/infrastructure-configs.yaml",
                "  clusters/dev-westeurope/apps.yaml",
                "  clusters/dev-westeurope/kustomization.yaml",
                "  clusters/dev-westeurope/tenant-boundary/validatingadmissionpolicybinding-aks-gitops-tenant-boundary.yaml",
                "  clusters/dev-westeurope/tenant-boundary/validatingadmissionpolicy-aks-gitops-tenant-boundary.yaml",
                "  clusters/dev-westeurope/tenant-boundary/kustomization.yaml",
                "  clusters/dev-westeurope/apps/kustomization.yaml",
                "  .sops.yaml",
                "",
            ].join("\n"),
        });
        assert.deepEqual(readdirSync(dir), []);
    });
});
