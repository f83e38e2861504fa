// npm run promote, end to end on a temp copy of examples/fleet: the literal diff and PR text, the exit codes, and that
// nothing but the image reference changes.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
    cpSync,
    mkdirSync,
    mkdtempSync,
    readFileSync,
    realpathSync,
    renameSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";
import { mdCode, promoteImages, ringStep, runCli, unifiedDiff } from "../../fleet/promote";
import { CliRun, runCliInProcess } from "../support/stacks";

const EXAMPLE = join(ROOT, "examples", "fleet");
const overlay = (fleet: string, ring: string) => join(fleet, "apps/my-service/overlays", ring, "kustomization.yaml");
const DEV_FILE = "apps/my-service/overlays/dev/kustomization.yaml";
const haveKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

/** Replaces the images: block (the end of the starter overlays) of a ring's overlay with `images`. */
function setImages(fleet: string, ring: string, images: string): void {
    const file = overlay(fleet, ring);
    const text = readFileSync(file, "utf8");
    writeFileSync(file, `${text.slice(0, text.indexOf("images:\n"))}${images}`);
}

/** `npm run promote` as a process (the first case), and in this process for the rest (the same runCli). */
function promoteProcess(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/launch.cjs"), "fleet/promote.ts", ...args], {
        cwd: ROOT,
        encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const promote = (...args: string[]): Promise<CliRun> => runCliInProcess(runCli, args);
const realpathOf = (path: string) => realpathSync(path);

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
                "Promotes `my-service` from dev to staging by copying dev's image references (kustomize `images:`) into `apps/my-service/overlays/staging/kustomization.yaml`. Nothing else changes.",
                "",
                "| image | staging before | staging after (as in dev) |",
                "| --- | --- | --- |",
                "| `contoso.azurecr.io/my-service` | `contoso.azurecr.io/my-service:1.4.2` | `contoso.azurecr.io/my-service:1.5.0` |",
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
        assert.equal(
            again.stdout,
            "apps/my-service/overlays/prod/kustomization.yaml already has staging's images; nothing to promote\n",
        );
    });

    it("refuses to skip a ring unless --skip-ring is given", async () => {
        const refused = await promote("my-service", "--from", "dev", "--to", "prod", "--fleet", fleet);
        assert.equal(refused.status, 2);
        assert.equal(refused.stdout, "");
        assert.match(
            refused.stderr,
            /^dev -> prod skips staging: promote to staging first, or pass --skip-ring if this release must bypass staging\n/,
        );
        assert.equal(
            readFileSync(overlay(fleet, "prod"), "utf8"),
            readFileSync(overlay(EXAMPLE, "prod"), "utf8"),
            "nothing written",
        );

        const skipped = await promote("my-service", "--from", "dev", "--to", "prod", "--skip-ring", "--fleet", fleet);
        assert.equal(skipped.status, 0, skipped.stderr);
        assert.match(skipped.stdout, /Skips staging \(--skip-ring\): say why here\./);
        assert.match(readFileSync(overlay(fleet, "prod"), "utf8"), /newTag: 1\.5\.0/);
    });

    it("refuses unknown apps, rings, overlays and backwards promotions with exit code 2", async () => {
        const cases: [string[], RegExp][] = [
            [["nope", "--from", "dev", "--to", "staging"], /^unknown app "nope" in .*; apps there: my-service\n/],
            [
                ["my-service", "--from", "dev", "--to", "qa"],
                /^--to qa is not a ring; the rings are dev, staging, prod\n/,
            ],
            [
                ["my-service", "--from", "prod", "--to", "staging"],
                /^promotion goes forward \(dev -> staging -> prod\): prod -> staging is not a promotion/,
            ],
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
        assert.match(
            missing.stderr,
            /^my-service has no staging overlay \(apps\/my-service\/overlays\/staging\/kustomization\.yaml\); its overlays: dev, prod\n/,
        );
        const notFleet = await promote(
            "my-service",
            "--from",
            "dev",
            "--to",
            "staging",
            "--fleet",
            join(fleet, "clusters"),
        );
        assert.equal(notFleet.status, 2);
        assert.match(notFleet.stderr, /is not a fleet repository checkout \(it has no apps\/ directory\)/);
    });

    it("--dry-run prints the same diff and writes nothing", async () => {
        const r = await promote("my-service", "--from", "dev", "--to", "staging", "--dry-run", "--fleet", fleet);
        assert.equal(r.status, 0);
        assert.match(
            r.stdout,
            /^dry run, nothing written:\n--- a\/apps\/my-service\/overlays\/staging\/kustomization\.yaml/,
        );
        assert.equal(
            readFileSync(overlay(fleet, "staging"), "utf8"),
            readFileSync(overlay(EXAMPLE, "staging"), "utf8"),
        );
    });

    it("copies names and digests too, adds missing entries, keeps entries only the target has", () => {
        const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
        const source = `images:\n  - name: a\n    newName: reg/a\n    digest: ${digest}\n  - name: b\n    newTag: "2"\n`;
        const target =
            '# keep me\nimages:\n  - name: a # a\'s comment\n    newTag: "1"\n  - name: c\n    newTag: "9"\n';
        const { text, changes } = promoteImages(source, target, "s", "t");
        assert.equal(
            text,
            `# keep me\nimages:\n  - name: a # a's comment\n    newName: reg/a\n    digest: ${digest}\n  - name: c\n    newTag: "9"\n  - name: b\n    newTag: "2"\n`,
        );
        assert.deepEqual(
            changes.map((c) => c.after.name),
            ["a", "b"],
        );
        assert.throws(
            () => promoteImages("resources: []\n", target, "s.yaml", "t"),
            /s\.yaml has no images: list to promote/,
        );
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
    it("refuses image references outside the OCI grammar, and values kustomize would not read as strings (exit 2, file and value named)", async () => {
        const entry = (fields: string) => `images:\n  - name: contoso.azurecr.io/my-service\n${fields}`;
        const cases: [string, string][] = [
            [entry('    newTag: "1.5.0\\nimages: []"\n'), 'images[0].newTag "1.5.0\\nimages: []" is not an image tag'],
            [entry("    newTag: 1.5.0 | rm -rf\n"), 'images[0].newTag "1.5.0 | rm -rf" is not an image tag'],
            [entry('    newTag: "1.5 0"\n'), 'images[0].newTag "1.5 0" is not an image tag'],
            [entry('    newTag: "1.5.0\\t"\n'), 'images[0].newTag "1.5.0\\t" is not an image tag'],
            [entry("    newTag: -rc1\n"), 'images[0].newTag "-rc1" is not an image tag'],
            [entry(`    newTag: ${"a".repeat(129)}\n`), `images[0].newTag "${"a".repeat(129)}" is not an image tag`],
            [
                entry(`    newTag: 1.5.0@sha256:${"ab".repeat(32)}\n`),
                `images[0].newTag "1.5.0@sha256:${"ab".repeat(32)}" is not an image tag`,
            ],
            [
                entry('    newName: "contoso.azurecr.io/my-service`<img src=x onerror=alert(1)>`"\n'),
                'images[0].newName "contoso.azurecr.io/my-service`<img src=x onerror=alert(1)>`" is not an image name',
            ],
            [
                entry("    newName: contoso.azurecr.io/My-Service\n"),
                'images[0].newName "contoso.azurecr.io/My-Service" is not an image name',
            ],
            [
                entry("    newName: contoso.azurecr.io//my-service\n"),
                'images[0].newName "contoso.azurecr.io//my-service" is not an image name',
            ],
            [entry("    digest: sha256:abc\n"), 'images[0].digest "sha256:abc" is not an image digest'],
            [
                'images:\n  - name: "contoso.azurecr.io/my-service\\n"\n    newTag: 1.5.0\n',
                'images[0].name "contoso.azurecr.io/my-service\\n" is not an image name',
            ],
            [entry("    newTag: {major: 1}\n"), "images[0].newTag is not a string; it must be an image tag"],
            [
                entry("    newTag: 1.10\n"),
                'images[0].newTag is 1.10, which kustomize reads as a YAML number, not a string, and refuses; quote it: newTag: "1.10"',
            ],
            [
                entry("    newTag: yes\n"),
                'images[0].newTag is yes, which kustomize reads as a boolean (YAML 1.1), not a string, and refuses; quote it: newTag: "yes"',
            ],
            [
                entry("    newTag: 1_000\n"),
                'images[0].newTag is 1_000, which kustomize reads as a number (YAML 1.1), not a string, and refuses; quote it: newTag: "1_000"',
            ],
            ["images:\n  - newTag: 1.5.0\n", "images[0] has no name"],
        ];
        const staging = readFileSync(overlay(fleet, "staging"), "utf8");
        for (const [images, message] of cases) {
            setImages(fleet, "dev", images);
            const r = await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet);
            assert.equal(r.status, 2, images);
            assert.equal(r.stdout, "", images);
            assert.ok(r.stderr.startsWith(`${DEV_FILE}: ${message}`), `${images}\n${r.stderr}`);
            assert.equal(readFileSync(overlay(fleet, "staging"), "utf8"), staging, "nothing written");
        }
    });

    it("accepts what the OCI grammar allows: registry ports, IPv6 hosts, separators, 128-character tags, other digests", () => {
        const target = "images: []\n";
        const accepted = [
            "    newName: localhost:5000/team/app\n    newTag: v1.2.3_rc.1\n",
            '    newName: "[::1]:5000/a__b/c--d.e_f"\n',
            `    newTag: ${"A".repeat(128)}\n`,
            `    digest: sha512:${"0123456789ABCDEF".repeat(8)}\n`,
            `    newTag: "1.10"\n    digest: sha256+b64.x-y_z:${"f".repeat(32)}\n`,
        ];
        for (const fields of accepted) {
            const { changes } = promoteImages(
                `images:\n  - name: registry.example.com/app\n${fields}`,
                target,
                "s",
                "t",
            );
            assert.equal(changes.length, 1, fields);
        }
    });

    it("writes tags as strings kustomize reads as such: 1.10 stays 1.10, yes stays a string, a number in the target is quoted", async function () {
        setImages(fleet, "dev", 'images:\n  - name: contoso.azurecr.io/my-service\n    newTag: "1.10"\n');
        assert.equal((await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet)).status, 0);
        assert.match(readFileSync(overlay(fleet, "staging"), "utf8"), /\n {4}newTag: "1\.10"\n$/);
        const built = () =>
            spawnSync("kubectl", ["kustomize", join(fleet, "apps/my-service/overlays/staging")], { encoding: "utf8" });
        if (haveKubectl) {
            assert.match(built().stdout, /image: contoso\.azurecr\.io\/my-service:1\.10\n/);
        }

        setImages(fleet, "dev", "images:\n  - name: contoso.azurecr.io/my-service\n    newTag: 'yes'\n");
        assert.equal((await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet)).status, 0);
        assert.match(readFileSync(overlay(fleet, "staging"), "utf8"), /\n {4}newTag: "yes"\n$/);
        if (haveKubectl) {
            assert.match(built().stdout, /image: contoso\.azurecr\.io\/my-service:yes\n/);
        }

        // The same value, but as a number in the target (which kustomize refuses to build): rewritten as a string.
        setImages(fleet, "staging", "images:\n  - name: contoso.azurecr.io/my-service\n    newTag: 2\n");
        setImages(fleet, "dev", 'images:\n  - name: contoso.azurecr.io/my-service\n    newTag: "2"\n');
        const r = await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /\n- {4}newTag: 2\n\+ {4}newTag: "2"\n/);
        if (haveKubectl) {
            assert.match(built().stdout, /image: contoso\.azurecr\.io\/my-service:2\n/);
        }
    });

    it("refuses an overlay reached through a symlink that leaves the fleet repository, and writes nothing there", async () => {
        const outside = mkdtempSync(join(tmpdir(), "outside-"));
        try {
            // The prod overlay directory is a symlink to a directory outside the fleet repository.
            const prodDir = join(fleet, "apps/my-service/overlays/prod");
            renameSync(prodDir, join(outside, "prod"));
            symlinkSync(join(outside, "prod"), prodDir);
            const before = readFileSync(join(outside, "prod/kustomization.yaml"), "utf8");
            const r = await promote("my-service", "--from", "staging", "--to", "prod", "--fleet", fleet);
            assert.equal(r.status, 2, r.stdout);
            assert.ok(
                r.stderr.startsWith(
                    `apps/my-service/overlays/prod/kustomization.yaml resolves to ${realpathOf(join(outside, "prod/kustomization.yaml"))}, outside the fleet repository ${realpathOf(fleet)} (through a symlink): promote reads and writes only inside it\n`,
                ),
                r.stderr,
            );
            assert.equal(
                readFileSync(join(outside, "prod/kustomization.yaml"), "utf8"),
                before,
                "the file outside is untouched",
            );

            // The overlay file itself a symlink out; and a source outside (promoting what the repository does not hold).
            rmSync(prodDir);
            cpSync(join(EXAMPLE, "apps/my-service/overlays/prod"), prodDir, { recursive: true });
            writeFileSync(join(outside, "staging.yaml"), readFileSync(overlay(fleet, "staging"), "utf8"));
            rmSync(overlay(fleet, "staging"));
            symlinkSync(join(outside, "staging.yaml"), overlay(fleet, "staging"));
            for (const args of [
                ["--from", "dev", "--to", "staging"],
                ["--from", "staging", "--to", "prod"],
            ]) {
                const refused = await promote("my-service", ...args, "--fleet", fleet);
                assert.equal(refused.status, 2, args.join(" "));
                assert.match(
                    refused.stderr,
                    /^apps\/my-service\/overlays\/staging\/kustomization\.yaml resolves to .*, outside the fleet repository /,
                );
            }
            assert.equal(
                readFileSync(join(outside, "staging.yaml"), "utf8"),
                readFileSync(overlay(EXAMPLE, "staging"), "utf8"),
            );
            assert.equal(readFileSync(overlay(fleet, "prod"), "utf8"), readFileSync(overlay(EXAMPLE, "prod"), "utf8"));

            // A symlink that stays inside the repository is fine.
            rmSync(overlay(fleet, "staging"));
            mkdirSync(join(fleet, "shared"));
            writeFileSync(join(fleet, "shared/staging.yaml"), readFileSync(overlay(EXAMPLE, "staging"), "utf8"));
            symlinkSync(join(fleet, "shared/staging.yaml"), overlay(fleet, "staging"));
            assert.equal((await promote("my-service", "--from", "dev", "--to", "staging", "--fleet", fleet)).status, 0);
            assert.match(readFileSync(join(fleet, "shared/staging.yaml"), "utf8"), /newTag: 1\.5\.0/);
        } finally {
            rmSync(outside, { recursive: true, force: true });
        }
    });

    it("escapes what the PR text quotes: backticks, pipes, HTML and newlines in an app's name or the target's old value", async () => {
        const app = "x`y|<img src=x onerror=alert(1)>\n| forged | row |";
        cpSync(join(fleet, "apps/my-service"), join(fleet, "apps", app), { recursive: true });
        setImages(
            fleet,
            "staging",
            'images:\n  - name: contoso.azurecr.io/my-service\n    newTag: "1.4.2|</td>`\\n<script>"\n',
        );
        cpSync(join(fleet, "apps/my-service/overlays/staging"), join(fleet, "apps", app, "overlays/staging"), {
            recursive: true,
        });
        const r = await promote(app, "--from", "dev", "--to", "staging", "--fleet", fleet);
        assert.equal(r.status, 0, r.stderr);
        const [, title, body] = /\nPR title: ([^\n]*)\n\nPR body:\n([\s\S]*)$/.exec(r.stdout)!;
        assert.equal(
            title,
            "Promote x`y|<img src=x onerror=alert(1)> | forged | row | to staging: contoso.azurecr.io/my-service:1.5.0",
        );
        assert.equal(
            body,
            [
                "Promotes ``x`y|<img src=x onerror=alert(1)> | forged | row |`` from dev to staging by copying dev's image references (kustomize `images:`) into ``apps/x`y|<img src=x onerror=alert(1)> | forged | row |/overlays/staging/kustomization.yaml``. Nothing else changes.",
                "",
                "| image | staging before | staging after (as in dev) |",
                "| --- | --- | --- |",
                "| `contoso.azurecr.io/my-service` | ``contoso.azurecr.io/my-service:1.4.2\\|</td>` <script>`` | `contoso.azurecr.io/my-service:1.5.0` |",
                "",
                "- [ ] dev reconciled this version and is healthy (`npm run verify -- --stack <dev stack>`)",
                "- [ ] after merge: staging reconciled (`flux get kustomizations`; the Flagger canary promoted: ``kubectl -n x`y|<img src=x onerror=alert(1)> | forged | row | get canary``)",
                "",
            ].join("\n"),
        );
        // The diff's file header names the path JSON-quoted: the newline cannot forge a diff line.
        assert.match(
            r.stdout,
            /^--- a\/"apps\/x`y\|<img src=x onerror=alert\(1\)>\\n\| forged \| row \|\/overlays\/staging\/kustomization\.yaml"\n/,
        );
    });

    it("writes Markdown code spans CommonMark reads back as the text", () => {
        assert.equal(mdCode("a"), "`a`");
        assert.equal(mdCode("a`b"), "``a`b``");
        assert.equal(mdCode("`a``"), "``` `a`` ```");
        assert.equal(mdCode("a|b", true), "`a\\|b`");
        assert.equal(mdCode("a|b"), "`a|b`");
        assert.equal(mdCode("a\r\nb"), "`a  b`");
        assert.equal(mdCode(" a "), "`  a  `");
        assert.equal(mdCode(""), "(empty)");
    });

    it("keeps the ring rules in one place: forward, one ring at a time unless --skip-ring", () => {
        assert.deepEqual(ringStep("dev", "staging", false), { skipped: [] });
        assert.deepEqual(ringStep("staging", "prod", false), { skipped: [] });
        assert.deepEqual(ringStep("dev", "prod", true), { skipped: ["staging"] });
        assert.throws(
            () => ringStep("dev", "prod", false),
            /^UsageError: dev -> prod skips staging: promote to staging first/,
        );
        assert.throws(
            () => ringStep("prod", "dev", true),
            /^UsageError: promotion goes forward \(dev -> staging -> prod\): prod -> dev is not a promotion/,
        );
        assert.throws(() => ringStep("dev", "dev", false), /is not a promotion/);
        assert.throws(
            () => ringStep("dev", "qa\n", false),
            /^UsageError: --to "qa\\n" is not a ring; the rings are dev, staging, prod$/,
        );
    });
});
