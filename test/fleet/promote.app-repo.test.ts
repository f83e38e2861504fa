// npm run promote on an application repository's overlays (issue 23: "works on an app repository's overlays as well as
// on the fleet's, with the same ring rules"), end to end on a temp copy of examples/app-repo: the literal diff and PR
// text, the ring rules, the refusals (exit 2, the file named, nothing written), and how the kind of checkout is told.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
    cpSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    realpathSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";
import { runCli } from "../../fleet/promote";
import { CliRun, runCliInProcess } from "../support/stacks";

const APP_REPO = join(ROOT, "examples", "app-repo");
const FLEET = join(ROOT, "examples", "fleet");
const overlay = (repo: string, ring: string) => join(repo, "deploy/overlays", ring, "kustomization.yaml");
const promote = (...args: string[]): Promise<CliRun> => runCliInProcess(runCli, args);

/** Every file of the three overlays, to show that a refusal wrote nothing. */
const overlays = (repo: string) => ["dev", "staging", "prod"].map((ring) => readFileSync(overlay(repo, ring), "utf8"));

describe("npm run promote on an application repository (fleet/promote.ts)", function () {
    this.timeout(60000);
    let scratch: string;
    let repo: string;
    beforeEach(() => {
        scratch = mkdtempSync(join(tmpdir(), "promote-app-"));
        // Named as the team's repository would be: the PR text names the checkout's directory.
        repo = join(scratch, "payments");
        cpSync(APP_REPO, repo, { recursive: true });
    });
    afterEach(() => rmSync(scratch, { recursive: true, force: true }));

    it("promotes the starter app repository's dev tag to staging: one line, the diff and the same PR text", () => {
        const before = readFileSync(overlay(repo, "staging"), "utf8");
        const r = spawnSync(
            process.execPath,
            [join(ROOT, "bin/launch.cjs"), "fleet/promote.ts", "--from", "dev", "--to", "staging", "--app-repo", repo],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            r.stdout,
            [
                "--- a/deploy/overlays/staging/kustomization.yaml",
                "+++ b/deploy/overlays/staging/kustomization.yaml",
                "@@ -10,4 +10,4 @@",
                ' # Promotion: dev\'s tag, copied here by a pull request once dev runs it well (README.md, "Promote a release").',
                " images:",
                "   - name: ghcr.io/stefanprodan/podinfo",
                "-    newTag: 6.14.0",
                "+    newTag: 6.14.1",
                "",
                "PR title: Promote payments to staging: ghcr.io/stefanprodan/podinfo:6.14.1",
                "",
                "PR body:",
                "Promotes `payments` from dev to staging by copying dev's image references (kustomize `images:`) into `deploy/overlays/staging/kustomization.yaml`. Nothing else changes.",
                "",
                "| image | staging before | staging after (as in dev) |",
                "| --- | --- | --- |",
                "| `ghcr.io/stefanprodan/podinfo` | `ghcr.io/stefanprodan/podinfo:6.14.0` | `ghcr.io/stefanprodan/podinfo:6.14.1` |",
                "",
                "- [ ] dev reconciled this version and is healthy (`npm run verify -- --stack <dev stack>`)",
                "- [ ] after merge: staging reconciled (`flux get kustomizations -n payments`)",
                "",
            ].join("\n"),
        );
        const after = readFileSync(overlay(repo, "staging"), "utf8");
        const changed = after.split("\n").filter((line, i) => line !== before.split("\n")[i]);
        assert.deepEqual(changed, ["    newTag: 6.14.1"], "exactly one line changes");
        assert.equal(after.split("\n").length, before.split("\n").length);
        for (const ring of ["dev", "prod"]) {
            assert.equal(readFileSync(overlay(repo, ring), "utf8"), readFileSync(overlay(APP_REPO, ring), "utf8"));
        }
    });

    it("holds the same ring rules: prod only from staging, one ring at a time unless --skip-ring, never backwards", async () => {
        const untouched = overlays(repo);
        const skip = await promote("--from", "dev", "--to", "prod", "--app-repo", repo);
        assert.equal(skip.status, 2);
        assert.equal(skip.stdout, "");
        assert.match(
            skip.stderr,
            /^dev -> prod skips staging: promote to staging first, or pass --skip-ring if this release must bypass staging\n/,
        );
        const back = await promote("--from", "prod", "--to", "staging", "--app-repo", repo);
        assert.equal(back.status, 2);
        assert.match(
            back.stderr,
            /^promotion goes forward \(dev -> staging -> prod\): prod -> staging is not a promotion/,
        );
        const ring = await promote("--from", "dev", "--to", "qa", "--app-repo", repo);
        assert.equal(ring.status, 2);
        assert.match(ring.stderr, /^--to qa is not a ring; the rings are dev, staging, prod\n/);
        assert.deepEqual(overlays(repo), untouched, "nothing written");

        // The next ring, then the one after: staging -> prod carries dev's tag on.
        assert.equal((await promote("--from", "dev", "--to", "staging", "--app-repo", repo)).status, 0);
        assert.equal((await promote("--from", "staging", "--to", "prod", "--app-repo", repo)).status, 0);
        assert.match(readFileSync(overlay(repo, "prod"), "utf8"), /\n {4}newTag: 6\.14\.1\n$/);
        const again = await promote("--from", "staging", "--to", "prod", "--app-repo", repo);
        assert.equal(
            again.stdout,
            "deploy/overlays/prod/kustomization.yaml already has staging's images; nothing to promote\n",
        );

        const fresh = join(scratch, "fresh");
        cpSync(APP_REPO, fresh, { recursive: true });
        const skipped = await promote("--from", "dev", "--to", "prod", "--skip-ring", "--app-repo", fresh);
        assert.equal(skipped.status, 0, skipped.stderr);
        assert.match(skipped.stdout, /Skips staging \(--skip-ring\): say why here\./);
    });

    it("refuses a malformed overlay with the file named, exit 2, and writes nothing", async () => {
        const untouched = () => overlays(repo);
        const cases: [string, string, string][] = [
            ["staging", "images: [\n", "deploy/overlays/staging/kustomization.yaml is not valid YAML"],
            ["dev", "images: [\n", "deploy/overlays/dev/kustomization.yaml is not valid YAML"],
            [
                "dev",
                "images:\n  - name: ghcr.io/stefanprodan/podinfo\n    newTag: 6.14.1 | rm -rf\n",
                'deploy/overlays/dev/kustomization.yaml: images[0].newTag "6.14.1 | rm -rf" is not an image tag',
            ],
            [
                "dev",
                "images:\n  - name: ghcr.io/stefanprodan/podinfo\n    newTag: 6.10\n",
                'deploy/overlays/dev/kustomization.yaml: images[0].newTag is 6.10, which kustomize reads as a YAML number, not a string, and refuses; quote it: newTag: "6.10"',
            ],
            ["dev", "resources: []\n", "deploy/overlays/dev/kustomization.yaml has no images: list to promote"],
            ["staging", "images: {}\n", "deploy/overlays/staging/kustomization.yaml has no images: list to promote"],
        ];
        for (const [ring, text, message] of cases) {
            const copy = join(scratch, `case-${ring}-${cases.findIndex((c) => c[1] === text)}`);
            cpSync(APP_REPO, copy, { recursive: true });
            writeFileSync(overlay(copy, ring), text);
            const before = overlays(copy);
            const r = await promote("--from", "dev", "--to", "staging", "--app-repo", copy);
            assert.equal(r.status, 2, text);
            assert.equal(r.stdout, "", text);
            assert.ok(r.stderr.startsWith(message), `${text}\n${r.stderr}`);
            assert.deepEqual(overlays(copy), before, `nothing written: ${text}`);
        }
        assert.deepEqual(untouched(), overlays(APP_REPO));
    });

    it("refuses a missing overlay, naming the repository and the overlays it has", async () => {
        rmSync(join(repo, "deploy/overlays/staging"), { recursive: true });
        const r = await promote("--from", "dev", "--to", "staging", "--app-repo", repo);
        assert.equal(r.status, 2);
        assert.ok(
            r.stderr.startsWith(
                `${repo} (application repository) has no staging overlay (deploy/overlays/staging/kustomization.yaml); its overlays: dev, prod\n`,
            ),
            r.stderr,
        );
    });

    it("reads and writes only inside the application repository (no symlink out of it)", async () => {
        const outside = join(scratch, "outside");
        mkdirSync(outside);
        writeFileSync(join(outside, "staging.yaml"), readFileSync(overlay(APP_REPO, "staging"), "utf8"));
        rmSync(overlay(repo, "staging"));
        symlinkSync(join(outside, "staging.yaml"), overlay(repo, "staging"));
        const r = await promote("--from", "dev", "--to", "staging", "--app-repo", repo);
        assert.equal(r.status, 2);
        assert.ok(
            r.stderr.startsWith(
                `deploy/overlays/staging/kustomization.yaml resolves to ${realpathSync(join(outside, "staging.yaml"))}, outside the application repository ${realpathSync(repo)} (through a symlink): promote reads and writes only inside it\n`,
            ),
            r.stderr,
        );
        assert.equal(
            readFileSync(join(outside, "staging.yaml"), "utf8"),
            readFileSync(overlay(APP_REPO, "staging"), "utf8"),
        );
    });

    it("tells the kind of checkout by its layout with --repo, and refuses one that is both or neither", async () => {
        const app = await promote("--from", "dev", "--to", "staging", "--repo", repo, "--dry-run");
        assert.equal(app.status, 0, app.stderr);
        assert.match(app.stdout, /^dry run, nothing written:\n--- a\/deploy\/overlays\/staging\/kustomization\.yaml\n/);
        assert.deepEqual(overlays(repo), overlays(APP_REPO));

        const fleet = join(scratch, "fleet");
        cpSync(FLEET, fleet, { recursive: true });
        const inFleet = await promote("my-service", "--from", "dev", "--to", "staging", "--repo", fleet, "--dry-run");
        assert.equal(inFleet.status, 0, inFleet.stderr);
        assert.match(inFleet.stdout, /^dry run, nothing written:\n--- a\/apps\/my-service\/overlays\/staging\//);

        // A fleet repository that also has deploy/overlays/: which one is meant is not guessed.
        cpSync(join(APP_REPO, "deploy"), join(fleet, "deploy"), { recursive: true });
        const both = await promote("my-service", "--from", "dev", "--to", "staging", "--repo", fleet);
        assert.equal(both.status, 2);
        assert.ok(
            both.stderr.startsWith(
                `${fleet} has both apps/ (a fleet repository) and deploy/overlays/ (an application repository): say which with --fleet ${fleet} or --app-repo ${fleet}\n`,
            ),
            both.stderr,
        );
        assert.equal(
            (await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet, "--dry-run")).status,
            0,
        );
        assert.equal((await promote("--from", "dev", "--to", "staging", "--app-repo", fleet, "--dry-run")).status, 0);

        const neither = await promote("--from", "dev", "--to", "staging", "--repo", join(repo, "deploy"));
        assert.equal(neither.status, 2);
        assert.ok(
            neither.stderr.startsWith(
                `${join(repo, "deploy")} is neither a fleet repository checkout (apps/<app>/overlays/<ring>) nor an application repository checkout (deploy/overlays/<ring>)\n`,
            ),
            neither.stderr,
        );
    });

    it("refuses the wrong kind for --fleet and --app-repo, two of the three, and more than one name", async () => {
        const cases: [string[], string][] = [
            [
                ["payments", "--from", "dev", "--to", "staging", "--fleet", repo],
                `${repo} is not a fleet repository checkout (it has no apps/ directory)\n`,
            ],
            [
                ["--from", "dev", "--to", "staging", "--app-repo", FLEET],
                `${FLEET} is not an application repository checkout (it has no deploy/overlays/ directory)\n`,
            ],
            [
                ["--from", "dev", "--to", "staging", "--app-repo", repo, "--repo", repo],
                "give one of --fleet, --app-repo and --repo, not --app-repo and --repo\n",
            ],
            [
                ["a", "b", "--from", "dev", "--to", "staging", "--app-repo", repo],
                "an application repository holds one deploy/: give at most one name (for the PR text), and both --from and --to\n",
            ],
            [["--from", "dev", "--app-repo", repo], "give both --from and --to\n"],
        ];
        for (const [args, message] of cases) {
            const r = await promote(...args);
            assert.equal(r.status, 2, args.join(" "));
            assert.ok(r.stderr.startsWith(message), `${args.join(" ")}\n${r.stderr}`);
        }
        assert.deepEqual(overlays(repo), overlays(APP_REPO), "nothing written");
    });

    it("names the promotion after the name given, quoted in the PR text like every name", async () => {
        const r = await promote("payments-api`|x", "--from", "dev", "--to", "staging", "--app-repo", repo, "--dry-run");
        assert.equal(r.status, 0, r.stderr);
        assert.match(
            r.stdout,
            /\nPR title: Promote payments-api`\|x to staging: ghcr\.io\/stefanprodan\/podinfo:6\.14\.1\n/,
        );
        assert.match(r.stdout, /\nPromotes ``payments-api`\|x`` from dev to staging /);
    });
});
