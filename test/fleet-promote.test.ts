// npm run promote, end to end on a temp copy of examples/fleet: the literal diff and PR text, the exit codes, and that
// nothing but the image reference changes.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../harness/run";
import { promoteImages, runCli, unifiedDiff } from "../fleet/promote";
import { CliRun, runCliInProcess } from "./support";

const EXAMPLE = join(ROOT, "examples", "fleet");
const overlay = (fleet: string, ring: string) => join(fleet, "apps/my-service/overlays", ring, "kustomization.yaml");

/** `npm run promote` as a process (the first case), and in this process for the rest (the same runCli). */
function promoteProcess(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/run.cjs"), "fleet/promote.ts", ...args], { cwd: ROOT, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const promote = (...args: string[]): Promise<CliRun> => runCliInProcess(runCli, args);

describe("npm run promote (fleet/promote.ts)", function () {
    this.timeout(60000);
    let fleet: string;
    beforeEach(() => {
        fleet = join(mkdtempSync(join(tmpdir(), "promote-")), "fleet");
        cpSync(EXAMPLE, fleet, { recursive: true });
    });
    afterEach(() => rmSync(join(fleet, ".."), { recursive: true, force: true }));

    it("copies dev's image to staging, prints the diff and the PR text, and changes nothing else", async () => {
        const before = readFileSync(overlay(fleet, "staging"), "utf8");
        const r = promoteProcess("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            r.stdout,
            [
                "--- a/apps/my-service/overlays/staging/kustomization.yaml",
                "+++ b/apps/my-service/overlays/staging/kustomization.yaml",
                "@@ -9,4 +9,4 @@",
                " # Promotion: `npm run promote -- my-service --from dev --to staging` copies dev's image here (README.md).",
                " images:",
                "   - name: contoso.azurecr.io/my-service",
                "-    newTag: 1.4.2",
                "+    newTag: 1.5.0",
                "",
                "PR title: Promote my-service to staging: contoso.azurecr.io/my-service:1.5.0",
                "",
                "PR body:",
                "Promotes my-service from dev to staging by copying dev's image references (kustomize `images:`) into `apps/my-service/overlays/staging/kustomization.yaml`. Nothing else changes.",
                "",
                "| image | staging before | staging after (as in dev) |",
                "| --- | --- | --- |",
                "| contoso.azurecr.io/my-service | contoso.azurecr.io/my-service:1.4.2 | contoso.azurecr.io/my-service:1.5.0 |",
                "",
                "- [ ] dev reconciled this version and is healthy (`npm run verify -- --stack <dev stack>`)",
                "- [ ] after merge: staging reconciled (`flux get kustomizations`; the Flagger canary promoted: `kubectl -n my-service get canary`)",
                "",
            ].join("\n"),
        );
        // Exactly one line differs: comments, order and the other overlays are untouched.
        assert.equal(readFileSync(overlay(fleet, "staging"), "utf8"), before.replace("newTag: 1.4.2", "newTag: 1.5.0"));
        for (const ring of ["dev", "prod"]) {
            assert.equal(readFileSync(overlay(fleet, ring), "utf8"), readFileSync(overlay(EXAMPLE, ring), "utf8"));
        }
        // The next ring, then: staging -> prod; and a repeat has nothing to do.
        assert.equal((await promote("my-service", "--from", "staging", "--to", "prod", "--fleet", fleet)).status, 0);
        assert.match(readFileSync(overlay(fleet, "prod"), "utf8"), /newTag: 1\.5\.0/);
        const again = await promote("my-service", "--from", "staging", "--to", "prod", "--fleet", fleet);
        assert.equal(again.status, 0);
        assert.equal(again.stdout, "apps/my-service/overlays/prod/kustomization.yaml already has staging's images; nothing to promote\n");
    });

    it("refuses to skip a ring unless --skip-ring is given", async () => {
        const refused = await promote("my-service", "--from", "dev", "--to", "prod", "--fleet", fleet);
        assert.equal(refused.status, 2);
        assert.equal(refused.stdout, "");
        assert.match(refused.stderr, /^dev -> prod skips staging: promote to staging first, or pass --skip-ring if this release must bypass staging\n/);
        assert.equal(readFileSync(overlay(fleet, "prod"), "utf8"), readFileSync(overlay(EXAMPLE, "prod"), "utf8"), "nothing written");

        const skipped = await promote("my-service", "--from", "dev", "--to", "prod", "--skip-ring", "--fleet", fleet);
        assert.equal(skipped.status, 0, skipped.stderr);
        assert.match(skipped.stdout, /Skips staging \(--skip-ring\): say why here\./);
        assert.match(readFileSync(overlay(fleet, "prod"), "utf8"), /newTag: 1\.5\.0/);
    });

    it("refuses unknown apps, rings, overlays and backwards promotions with exit code 2", async () => {
        const cases: [string[], RegExp][] = [
            [["nope", "--from", "dev", "--to", "staging"], /^unknown app "nope" in .*; apps there: my-service\n/],
            [["my-service", "--from", "dev", "--to", "qa"], /^--to qa is not a ring; the rings are dev, staging, prod\n/],
            [["my-service", "--from", "prod", "--to", "staging"], /^promotion goes forward \(dev -> staging -> prod\): prod -> staging is not a promotion/],
            [["my-service", "--from", "dev"], /^give one app and both --from and --to\n/],
        ];
        for (const [args, message] of cases) {
            const r = await promote(...args, "--fleet", fleet);
            assert.equal(r.status, 2, args.join(" "));
            assert.match(r.stderr, message);
        }
        rmSync(join(fleet, "apps/my-service/overlays/staging"), { recursive: true });
        const missing = await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet);
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /^my-service has no staging overlay \(apps\/my-service\/overlays\/staging\/kustomization\.yaml\); its overlays: dev, prod\n/);
        const notFleet = await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", join(fleet, "clusters"));
        assert.equal(notFleet.status, 2);
        assert.match(notFleet.stderr, /is not a fleet repository checkout \(it has no apps\/ directory\)/);
    });

    it("--dry-run prints the same diff and writes nothing", async () => {
        const r = await promote("my-service", "--from", "dev", "--to", "staging", "--dry-run", "--fleet", fleet);
        assert.equal(r.status, 0);
        assert.match(r.stdout, /^dry run, nothing written:\n--- a\/apps\/my-service\/overlays\/staging\/kustomization\.yaml/);
        assert.equal(readFileSync(overlay(fleet, "staging"), "utf8"), readFileSync(overlay(EXAMPLE, "staging"), "utf8"));
    });

    it("copies names and digests too, adds missing entries, keeps entries only the target has", async () => {
        const source = "images:\n  - name: a\n    newName: reg/a\n    digest: sha256:abc\n  - name: b\n    newTag: \"2\"\n";
        const target = "# keep me\nimages:\n  - name: a # a's comment\n    newTag: \"1\"\n  - name: c\n    newTag: \"9\"\n";
        const { text, changes } = promoteImages(source, target, "s", "t");
        assert.equal(text, "# keep me\nimages:\n  - name: a # a's comment\n    newName: reg/a\n    digest: sha256:abc\n  - name: c\n    newTag: \"9\"\n  - name: b\n    newTag: \"2\"\n");
        assert.deepEqual(changes.map((c) => c.after.name), ["a", "b"]);
        assert.throws(() => promoteImages("resources: []\n", target, "s.yaml", "t"), /s\.yaml has no images: list to promote/);
    });

    it("writes unified diffs as diff -u does", function () {
        const dir = mkdtempSync(join(tmpdir(), "udiff-"));
        const a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        const b = "1\n2\nthree\n4\n5\n6\n7\n8\n9\nten\n";
        writeFileSync(join(dir, "a"), a);
        writeFileSync(join(dir, "b"), b);
        const ours = unifiedDiff("f", a, b).split("\n").slice(2).join("\n");
        const system = spawnSync("diff", ["-u", join(dir, "a"), join(dir, "b")], { encoding: "utf8" });
        if (system.status === null) {
            this.skip();
        }
        assert.equal(ours, system.stdout.split("\n").slice(2).join("\n"));
        rmSync(dir, { recursive: true });
    });
});
