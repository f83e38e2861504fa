// What npm run promote writes into the target overlay (fleet/promote.ts promoteImages, and main in process): the
// kustomize images: entries of the source copied by name, every field of the entry (kubernetes-sigs/kustomize
// api/types/image.go: name, newName, tagSuffix, newTag, digest) so the promoted ring runs the image the source ran, a
// field the source lacks removed, quoting kept, nothing else touched; and what it refuses, word for word, before
// anything is written.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { promoteImages } from "../../fleet/promote";
import { filesOf, fleetRepo, promote, scratch, writeTree } from "../support/promote-repos";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const haveKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

/** promoteImages' refusal message (UsageError) for a source and target text. */
function refusal(source: string, target = "images: []\n"): string {
    try {
        promoteImages(source, target, "s.yaml", "t.yaml");
    } catch (e) {
        assert.equal((e as Error).name, "UsageError", (e as Error).stack);
        return (e as Error).message;
    }
    return "(accepted)";
}
const entry = (fields: string) => `images:\n  - name: contoso.azurecr.io/shop\n${fields}`;
const TAG = "an image tag (1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-')";
const NAME = "an image name ([registry-host[:port]/]path, lower-case path components, at most 255 characters)";
const DIGEST_WHAT = "an image digest (algorithm:hex, at least 32 hex digits, e.g. sha256:<64 hex digits>)";
const SUFFIX = "an image tag suffix (1 to 127 letters, digits, '_', '.' or '-', appended to the image's tag)";

describe("npm run promote: the images it copies (fleet/promote.ts promoteImages)", function () {
    this.timeout(10000);

    it("refuses a source list that is empty, names an image twice, or holds an entry that is not a mapping", () => {
        assert.equal(refusal("images: []\n"), "s.yaml has an empty images: list; nothing to promote");
        assert.equal(
            refusal('images:\n  - name: a\n    newTag: "1"\n  - name: b\n  - name: a\n    newTag: "2"\n'),
            "s.yaml: two images: entries are named a; kustomize applies one, so which to promote is unclear",
        );
        assert.equal(
            refusal('images:\n  - name: a\n    newTag: "1"\n  - contoso.azurecr.io/b:2\n'),
            "s.yaml: images[1] is not a mapping; every images: entry needs a name",
        );
        assert.equal(
            refusal("images:\n  - name: a\n  - newTag: x\n"),
            "s.yaml: images[1] has no name; every images: entry needs a name",
        );
    });

    it("refuses a field that is not a string kustomize reads as one, saying how to quote it", () => {
        const cases: [string, string][] = [
            ["    newTag:\n", `s.yaml: images[0].newTag is not a string; it must be ${TAG}`],
            ["    digest: [x]\n", `s.yaml: images[0].digest is not a string; it must be ${DIGEST_WHAT}`],
            [
                "    newTag: true\n",
                's.yaml: images[0].newTag is true, which kustomize reads as a YAML boolean, not a string, and refuses; quote it: newTag: "true"',
            ],
            [
                "    newTag: off\n",
                's.yaml: images[0].newTag is off, which kustomize reads as a boolean (YAML 1.1), not a string, and refuses; quote it: newTag: "off"',
            ],
            [
                "    tagSuffix: -1\n",
                's.yaml: images[0].tagSuffix is -1, which kustomize reads as a YAML number, not a string, and refuses; quote it: tagSuffix: "-1"',
            ],
        ];
        for (const [fields, message] of cases) {
            assert.equal(refusal(entry(fields)), message, fields);
        }
        assert.equal(
            refusal("images:\n  - name: 12\n"),
            's.yaml: images[0].name is 12, which kustomize reads as a YAML number, not a string, and refuses; quote it: name: "12"',
        );
    });

    it("holds every field to the OCI reference grammar at its bounds (names 255, tags 128, digests 32 hex digits)", () => {
        // distribution/reference: a name is at most 255 characters, a tag 1 to 128 word characters, '.' or '-' not
        // first, a digest's hex part at least 32 digits; path components lower-case, joined by '.', '_', '__' or '-'s.
        const name = (n: number) => `r.io/${"a".repeat(n - 5)}`;
        const accepted = [
            `images:\n  - name: ${name(255)}\n    newTag: "1"\n`,
            entry(`    newName: ${name(255)}\n`),
            entry(`    newName: Registry.Example.com:443/team/a.b_c__d---e\n`),
            entry(`    newTag: _${"x".repeat(127)}\n`),
            entry(`    digest: sha256:${"a".repeat(32)}\n`),
            entry(`    tagSuffix: -rc.1_b\n`),
            entry(`    tagSuffix: ${"x".repeat(127)}\n`),
        ];
        for (const source of accepted) {
            assert.equal(refusal(source), "(accepted)", source);
        }
        const refused: [string, string][] = [
            [`images:\n  - name: ${name(256)}\n`, `s.yaml: images[0].name "${name(256)}" is not ${NAME}`],
            [entry(`    newName: ${name(256)}\n`), `s.yaml: images[0].newName "${name(256)}" is not ${NAME}`],
            [entry("    newName: r.io/a___b\n"), `s.yaml: images[0].newName "r.io/a___b" is not ${NAME}`],
            [entry("    newName: r.io/a..b\n"), `s.yaml: images[0].newName "r.io/a..b" is not ${NAME}`],
            [entry("    newName: r.io/a-\n"), `s.yaml: images[0].newName "r.io/a-" is not ${NAME}`],
            [entry('    newTag: ".1"\n'), `s.yaml: images[0].newTag ".1" is not ${TAG}`],
            [
                entry(`    digest: sha256:${"a".repeat(31)}\n`),
                `s.yaml: images[0].digest "sha256:${"a".repeat(31)}" is not ${DIGEST_WHAT}`,
            ],
            [
                entry(`    digest: ${"a".repeat(64)}\n`),
                `s.yaml: images[0].digest "${"a".repeat(64)}" is not ${DIGEST_WHAT}`,
            ],
            [entry('    tagSuffix: "-rc 1"\n'), `s.yaml: images[0].tagSuffix "-rc 1" is not ${SUFFIX}`],
            [
                entry(`    tagSuffix: ${"x".repeat(128)}\n`),
                `s.yaml: images[0].tagSuffix "${"x".repeat(128)}" is not ${SUFFIX}`,
            ],
        ];
        for (const [source, message] of refused) {
            assert.equal(refusal(source), `${message}: the OCI reference grammar (distribution/reference)`, source);
        }
    });

    it("names the file that is not valid YAML or has no images: list, the source before the target", () => {
        assert.match(refusal("images: [\n", "images: [\n"), /^s\.yaml is not valid YAML: /);
        assert.match(refusal('images:\n  - name: a\n    newTag: "1"\n', "images: [\n"), /^t\.yaml is not valid YAML: /);
        assert.equal(
            refusal('images:\n  - name: a\n    newTag: "1"\n', "images:\n  name: a\n"),
            "t.yaml has no images: list to promote (kustomize images: entries)",
        );
        assert.equal(refusal("images: {}\n"), "s.yaml has no images: list to promote (kustomize images: entries)");
    });

    it("replaces the target entry's fields with the source's: adds, changes, removes what the source does not set", () => {
        const source = 'images:\n  - name: a\n    newTag: "2"\n';
        const { text, changes } = promoteImages(
            source,
            `images:\n  - name: a\n    newName: reg/a\n    newTag: "1"\n    tagSuffix: -debug\n    digest: ${DIGEST}\n`,
            "s",
            "t",
        );
        assert.equal(text, 'images:\n  - name: a\n    newTag: "2"\n');
        assert.deepEqual(changes, [
            {
                before: { name: "a", newName: "reg/a", newTag: "1", tagSuffix: "-debug", digest: DIGEST },
                after: { name: "a", newTag: "2" },
            },
        ]);
        // The tag already right: removing the digest alone is a change (the digest would win over the tag).
        const digestOnly = promoteImages(
            source,
            `images:\n  - name: a\n    newTag: "2"\n    digest: ${DIGEST}\n`,
            "s",
            "t",
        );
        assert.equal(digestOnly.text, 'images:\n  - name: a\n    newTag: "2"\n');
        assert.equal(digestOnly.changes.length, 1);
    });

    it("copies tagSuffix too: the promoted ring runs the image the source ran (built with kubectl kustomize when present)", function () {
        // Before the fix, tagSuffix was neither copied nor removed: dev on `tagSuffix: -rc1` promoted as staging
        // without it, and a staging tagSuffix outlived a promotion that set no tag.
        const dev = "resources:\n  - pod.yaml\nimages:\n  - name: contoso.azurecr.io/shop\n    tagSuffix: -rc1\n";
        const staging = "resources:\n  - pod.yaml\nimages:\n  - name: contoso.azurecr.io/shop\n    newTag: 1.9.0\n";
        const { text, changes } = promoteImages(dev, staging, "s", "t");
        assert.equal(text, dev);
        assert.deepEqual(changes, [
            {
                before: { name: "contoso.azurecr.io/shop", newTag: "1.9.0" },
                after: { name: "contoso.azurecr.io/shop", tagSuffix: "-rc1" },
            },
        ]);
        const back = promoteImages(staging, dev, "s", "t");
        assert.equal(back.text, staging);
        if (!haveKubectl) {
            this.skip();
        }
        // kubectl v1.32's kustomize v5.5.0 applies tagSuffix: the two overlays build the same image.
        const s = scratch();
        try {
            const pod =
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: contoso.azurecr.io/shop:1.0.0\n";
            writeTree(s.dir, {
                "dev/kustomization.yaml": dev,
                "dev/pod.yaml": pod,
                "staging/kustomization.yaml": text,
                "staging/pod.yaml": pod,
            });
            const image = (dir: string) => {
                const r = spawnSync("kubectl", ["kustomize", join(s.dir, dir)], { encoding: "utf8" });
                assert.equal(r.status, 0, r.stderr);
                return /image: (\S+)/.exec(r.stdout)![1];
            };
            assert.match(image("dev"), /^contoso\.azurecr\.io\/shop:1\.0\.0-rc1/);
            assert.equal(image("staging"), image("dev"));
        } finally {
            s.cleanup();
        }
    });

    it("keeps each value's quoting, quotes what would not read back as a string, and leaves entries only the target has", () => {
        const { text } = promoteImages(
            'images:\n  - name: a\n    newTag: "2.0"\n    newName: reg/b\n  - name: c\n    newTag: "1.10"\n  - name: d\n    newTag: v3\n',
            "images:\n  - name: a\n    newTag: '1.0'\n    newName: \"reg/a\"\n  - name: c\n    newTag: 1.4.2\n  - b\n  - name: e\n    newTag: v9\n",
            "s",
            "t",
        );
        assert.equal(
            text,
            'images:\n  - name: a\n    newTag: \'2.0\'\n    newName: "reg/b"\n  - name: c\n    newTag: "1.10"\n  - b\n  - name: e\n    newTag: v9\n  - name: d\n    newTag: v3\n',
        );
    });

    it("adds an images: list to a target without one, at the end, keeping the rest", () => {
        const { text } = promoteImages(
            'images:\n  - name: a\n    newTag: "2"\n',
            "# ring\nkind: Kustomization\n",
            "s",
            "t",
        );
        assert.equal(text, '# ring\nkind: Kustomization\nimages:\n  - name: a\n    newTag: "2"\n');
    });

    it("returns the target text unchanged, byte for byte, when nothing differs", () => {
        const target = 'images:\n  - name: a\n    newTag:   "1"   # same\n\n\n';
        assert.deepEqual(promoteImages('images:\n  - name: a\n    newTag: "1"\n', target, "s", "t"), {
            text: target,
            changes: [],
        });
    });

    it("main: several images in one promotion, in the source's order; the PR text shows the target's values as written", async () => {
        const s = scratch();
        try {
            const fleet = fleetRepo(join(s.dir, "fleet"), {
                shop: {
                    dev: `images:\n  - name: contoso.azurecr.io/web\n    newName: reg.example.com/web\n    newTag: "2.0"\n  - name: contoso.azurecr.io/api\n    digest: ${DIGEST}\n  - name: contoso.azurecr.io/same\n    newTag: "1"\n`,
                    staging:
                        'images:\n  - name: contoso.azurecr.io/same\n    newTag: "1"\n  - name: contoso.azurecr.io/web\n    newTag: 1.10\n    tagSuffix: -b\n',
                },
            });
            const r = await promote("shop", "--from", "dev", "--to", "staging", "--fleet", fleet);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(
                r.stdout,
                [
                    "--- a/apps/shop/overlays/staging/kustomization.yaml",
                    "+++ b/apps/shop/overlays/staging/kustomization.yaml",
                    "@@ -2,5 +2,7 @@",
                    "   - name: contoso.azurecr.io/same",
                    '     newTag: "1"',
                    "   - name: contoso.azurecr.io/web",
                    "-    newTag: 1.10",
                    "-    tagSuffix: -b",
                    '+    newTag: "2.0"',
                    "+    newName: reg.example.com/web",
                    "+  - name: contoso.azurecr.io/api",
                    `+    digest: ${DIGEST}`,
                    "",
                    `PR title: Promote shop to staging: reg.example.com/web:2.0, contoso.azurecr.io/api@${DIGEST}`,
                    "",
                    "PR body:",
                    "Promotes `shop` from dev to staging by copying dev's image references (kustomize `images:`) into `apps/shop/overlays/staging/kustomization.yaml`. Nothing else changes.",
                    "",
                    "| image | staging before | staging after (as in dev) |",
                    "| --- | --- | --- |",
                    "| `contoso.azurecr.io/web` | `contoso.azurecr.io/web:1.10 (tagSuffix -b)` | `reg.example.com/web:2.0` |",
                    `| \`contoso.azurecr.io/api\` | (none) | \`contoso.azurecr.io/api@${DIGEST}\` |`,
                    "",
                    "- [ ] dev reconciled this version and is healthy (`npm run verify -- --stack <dev stack>`)",
                    "- [ ] after merge: staging reconciled (`flux get kustomizations`; the Flagger canary promoted: `kubectl -n shop get canary`)",
                    "",
                ].join("\n"),
            );
            assert.deepEqual(Object.keys(filesOf(fleet)), [
                "apps/shop/overlays/dev/kustomization.yaml",
                "apps/shop/overlays/staging/kustomization.yaml",
            ]);
        } finally {
            s.cleanup();
        }
    });
});
