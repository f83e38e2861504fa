// npm run promote's ring rules on both kinds of checkout, in process (fleet/promote.ts main and runCli): every
// from/to pair of the three rings with and without --skip-ring, promoting into and from the last ring, skipping one,
// the same ring, unknown rings, a version already there; the exit code, the literal message and exactly which files
// changed. The rings are the environments in order (stacks/schema.ts ENVIRONMENTS: dev, staging, prod).
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { RINGS, ringStep } from "../../fleet/promote";
import { appRepo, filesOf, fleetRepo, overlayText, promote, scratch } from "../support/promote-repos";

const IMAGE = "contoso.azurecr.io/shop";
const TAGS: Record<string, string> = { dev: "2.0.0", staging: "1.9.0", prod: "1.8.0" };
const overlays = () => Object.fromEntries(Object.entries(TAGS).map(([r, t]) => [r, overlayText([[IMAGE, t]])]));
const fleetFile = (ring: string) => `apps/shop/overlays/${ring}/kustomization.yaml`;
const appFile = (ring: string) => `deploy/overlays/${ring}/kustomization.yaml`;

/** What each promotion does, by "from -> to": ok, or the first line of the refusal. */
const FORWARD = (from: string, to: string) =>
    `promotion goes forward (dev -> staging -> prod): ${from} -> ${to} is not a promotion; to roll back, revert the promotion's commit`;
const SKIPS =
    "dev -> prod skips staging: promote to staging first, or pass --skip-ring if this release must bypass staging";
const EXPECTED: Record<string, { plain: string; skipRing: string }> = {
    "dev -> dev": { plain: FORWARD("dev", "dev"), skipRing: FORWARD("dev", "dev") },
    "dev -> staging": { plain: "ok", skipRing: "ok" },
    "dev -> prod": { plain: SKIPS, skipRing: "ok" },
    "staging -> dev": { plain: FORWARD("staging", "dev"), skipRing: FORWARD("staging", "dev") },
    "staging -> staging": { plain: FORWARD("staging", "staging"), skipRing: FORWARD("staging", "staging") },
    "staging -> prod": { plain: "ok", skipRing: "ok" },
    "prod -> dev": { plain: FORWARD("prod", "dev"), skipRing: FORWARD("prod", "dev") },
    "prod -> staging": { plain: FORWARD("prod", "staging"), skipRing: FORWARD("prod", "staging") },
    "prod -> prod": { plain: FORWARD("prod", "prod"), skipRing: FORWARD("prod", "prod") },
};

describe("npm run promote: the rings (fleet/promote.ts)", function () {
    let s: ReturnType<typeof scratch>;
    beforeEach(() => (s = scratch()));
    afterEach(() => s.cleanup());

    it("are dev, staging, prod in that order", () => {
        assert.deepEqual([...RINGS], ["dev", "staging", "prod"]);
    });

    it("ringStep: forward one ring, or two with --skip-ring naming the ring skipped; never the same ring or back", () => {
        for (const [pair, expected] of Object.entries(EXPECTED)) {
            const [from, to] = pair.split(" -> ");
            for (const skipRing of [false, true]) {
                const want = skipRing ? expected.skipRing : expected.plain;
                if (want === "ok") {
                    assert.deepEqual(ringStep(from, to, skipRing), {
                        skipped: pair === "dev -> prod" ? ["staging"] : [],
                    });
                } else {
                    assert.throws(
                        () => ringStep(from, to, skipRing),
                        (e: Error) => e.name === "UsageError" && e.message === want,
                        `${pair} skipRing=${skipRing}`,
                    );
                }
            }
        }
    });

    for (const kind of ["fleet", "app-repo"] as const) {
        const file = kind === "fleet" ? fleetFile : appFile;
        const make = (root: string) =>
            kind === "fleet" ? fleetRepo(root, { shop: overlays() }) : appRepo(root, overlays());
        const args = (root: string) => (kind === "fleet" ? ["shop", "--fleet", root] : ["--app-repo", root]);

        it(`${kind}: every from/to pair, with and without --skip-ring: exit 0 and only the target overlay changed, or exit 2 and nothing`, async () => {
            for (const [pair, expected] of Object.entries(EXPECTED)) {
                const [from, to] = pair.split(" -> ");
                for (const skipRing of [false, true]) {
                    const root = make(join(s.dir, `${kind}-${from}-${to}-${skipRing}`));
                    const before = filesOf(root);
                    const r = await promote(
                        ...args(root),
                        "--from",
                        from,
                        "--to",
                        to,
                        ...(skipRing ? ["--skip-ring"] : []),
                    );
                    const want = skipRing ? expected.skipRing : expected.plain;
                    const what = `${pair}${skipRing ? " --skip-ring" : ""}`;
                    if (want === "ok") {
                        assert.equal(r.status, 0, `${what}: ${r.stderr}`);
                        assert.equal(r.stderr, "", what);
                        assert.deepEqual(
                            filesOf(root),
                            {
                                ...before,
                                [file(to)]: before[file(to)].replace(`newTag: ${TAGS[to]}`, `newTag: ${TAGS[from]}`),
                            },
                            what,
                        );
                        assert.equal(
                            r.stdout.includes("\nSkips staging (--skip-ring): say why here.\n"),
                            pair === "dev -> prod",
                            what,
                        );
                    } else {
                        assert.equal(r.status, 2, what);
                        assert.equal(r.stdout, "", what);
                        assert.equal(r.stderr.split("\n")[0], want, what);
                        assert.deepEqual(filesOf(root), before, `${what}: nothing written`);
                    }
                }
            }
        });
    }

    it("into the last ring (staging -> prod) in a fleet repository: the literal diff, PR text and file", async () => {
        const root = fleetRepo(join(s.dir, "fleet"), { shop: overlays() });
        const r = await promote("shop", "--from", "staging", "--to", "prod", "--fleet", root);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            r.stdout,
            [
                "--- a/apps/shop/overlays/prod/kustomization.yaml",
                "+++ b/apps/shop/overlays/prod/kustomization.yaml",
                "@@ -4,4 +4,4 @@",
                "   - ../../base",
                " images:",
                "   - name: contoso.azurecr.io/shop",
                "-    newTag: 1.8.0",
                "+    newTag: 1.9.0",
                "",
                "PR title: Promote shop to prod: contoso.azurecr.io/shop:1.9.0",
                "",
                "PR body:",
                "Promotes `shop` from staging to prod by copying staging's image references (kustomize `images:`) into `apps/shop/overlays/prod/kustomization.yaml`. Nothing else changes.",
                "",
                "| image | prod before | prod after (as in staging) |",
                "| --- | --- | --- |",
                "| `contoso.azurecr.io/shop` | `contoso.azurecr.io/shop:1.8.0` | `contoso.azurecr.io/shop:1.9.0` |",
                "",
                "- [ ] staging reconciled this version and is healthy (`npm run verify -- --stack <staging stack>`)",
                "- [ ] after merge: prod reconciled (`flux get kustomizations`; the Flagger canary promoted: `kubectl -n shop get canary`)",
                "",
            ].join("\n"),
        );
        assert.equal(
            filesOf(root)[fleetFile("prod")],
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n  - name: contoso.azurecr.io/shop\n    newTag: 1.9.0\n",
        );
    });

    it("skipping staging with --skip-ring in an application repository: the PR text says so, the checklist names the namespace", async () => {
        const rings = overlays();
        rings.prod = overlayText([[IMAGE, TAGS.prod]], "namespace: shop-prod\n");
        const root = appRepo(join(s.dir, "shop-app"), rings);
        const r = await promote("--from", "dev", "--to", "prod", "--skip-ring", "--app-repo", root);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            r.stdout,
            [
                "--- a/deploy/overlays/prod/kustomization.yaml",
                "+++ b/deploy/overlays/prod/kustomization.yaml",
                "@@ -5,4 +5,4 @@",
                "   - ../../base",
                " images:",
                "   - name: contoso.azurecr.io/shop",
                "-    newTag: 1.8.0",
                "+    newTag: 2.0.0",
                "",
                "PR title: Promote shop-app to prod: contoso.azurecr.io/shop:2.0.0",
                "",
                "PR body:",
                "Promotes `shop-app` from dev to prod by copying dev's image references (kustomize `images:`) into `deploy/overlays/prod/kustomization.yaml`. Nothing else changes.",
                "",
                "| image | prod before | prod after (as in dev) |",
                "| --- | --- | --- |",
                "| `contoso.azurecr.io/shop` | `contoso.azurecr.io/shop:1.8.0` | `contoso.azurecr.io/shop:2.0.0` |",
                "",
                "Skips staging (--skip-ring): say why here.",
                "",
                "- [ ] dev reconciled this version and is healthy (`npm run verify -- --stack <dev stack>`)",
                "- [ ] after merge: prod reconciled (`flux get kustomizations -n shop-prod`)",
                "",
            ].join("\n"),
        );
    });

    it("skips a ring that has no overlay at all only with --skip-ring (the rule is about rings, not files)", async () => {
        const root = fleetRepo(join(s.dir, "fleet"), {
            shop: { dev: overlayText([[IMAGE, "2.0.0"]]), prod: overlayText([[IMAGE, "1.8.0"]]) },
        });
        const refused = await promote("shop", "--from", "dev", "--to", "prod", "--fleet", root);
        assert.equal(refused.status, 2);
        assert.equal(refused.stderr.split("\n")[0], SKIPS);
        const skipped = await promote("shop", "--from", "dev", "--to", "prod", "--skip-ring", "--fleet", root);
        assert.equal(skipped.status, 0, skipped.stderr);
        assert.match(filesOf(root)[fleetFile("prod")], /\n {4}newTag: 2\.0\.0\n$/);
    });

    it("refuses an unknown ring, --from before --to, quoting a name that is not plain; before looking at the app", async () => {
        const root = fleetRepo(join(s.dir, "fleet"), { shop: overlays() });
        const before = filesOf(root);
        const cases: [string[], string][] = [
            [["shop", "--from", "qa", "--to", "staging"], "--from qa is not a ring; the rings are dev, staging, prod"],
            [["shop", "--from", "dev", "--to", "uat"], "--to uat is not a ring; the rings are dev, staging, prod"],
            [["shop", "--from", "qa", "--to", "uat"], "--from qa is not a ring; the rings are dev, staging, prod"],
            [
                ["shop", "--from", "dev", "--to", "Staging"],
                "--to Staging is not a ring; the rings are dev, staging, prod",
            ],
            [
                ["shop", "--from", "dev", "--to", "staging "],
                '--to "staging " is not a ring; the rings are dev, staging, prod',
            ],
            [
                ["no-such-app", "--from", "prod", "--to", "dev"],
                "promotion goes forward (dev -> staging -> prod): prod -> dev is not a promotion; to roll back, revert the promotion's commit",
            ],
        ];
        for (const [argv, message] of cases) {
            const r = await promote(...argv, "--fleet", root);
            assert.equal(r.status, 2, argv.join(" "));
            assert.equal(r.stdout, "", argv.join(" "));
            assert.equal(r.stderr.split("\n")[0], message, argv.join(" "));
        }
        assert.deepEqual(filesOf(root), before);
    });

    it("has nothing to do when the target already runs the source's version (exit 0, no file touched), in both kinds", async () => {
        const same = overlayText([[IMAGE, "2.0.0"]]);
        // The target has an entry only it has, and different comments: still nothing to promote.
        const target = `# staging\n${overlayText([
            [IMAGE, "2.0.0"],
            ["contoso.azurecr.io/sidecar", "0.1.0"],
        ])}`;
        const fleet = fleetRepo(join(s.dir, "fleet"), { shop: { dev: same, staging: target } });
        const app = appRepo(join(s.dir, "app"), { dev: same, staging: target });
        const [fleetBefore, appBefore] = [filesOf(fleet), filesOf(app)];
        const r1 = await promote("shop", "--from", "dev", "--to", "staging", "--fleet", fleet);
        assert.deepEqual(r1, {
            status: 0,
            stdout: "apps/shop/overlays/staging/kustomization.yaml already has dev's images; nothing to promote\n",
            stderr: "",
        });
        const r2 = await promote("--from", "dev", "--to", "staging", "--app-repo", app);
        assert.deepEqual(r2, {
            status: 0,
            stdout: "deploy/overlays/staging/kustomization.yaml already has dev's images; nothing to promote\n",
            stderr: "",
        });
        assert.deepEqual(filesOf(fleet), fleetBefore);
        assert.deepEqual(filesOf(app), appBefore);
    });
});
