// The text npm run promote prints (fleet/promote.ts): the unified diff as diff -u writes it (GNU diffutils manual,
// "Detailed Unified Format": hunks of 3 lines of context, merged when their contexts touch, "If a hunk contains just
// one line, only its start line number appears"), Markdown code spans as CommonMark reads them, and the checklist's
// `flux get kustomizations` scope in an application repository (the target overlay's namespace: when it is a
// Kubernetes name, RFC 1123 label: at most 63 lower-case alphanumerics or '-', alphanumeric at both ends).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mdCode, unifiedDiff } from "../../fleet/promote";
import { appRepo, overlayText, promote, scratch } from "../support/promote-repos";

const lines = (...n: (number | string)[]) => n.map((x) => `${x}\n`).join("");
const TWENTY = lines(...Array.from({ length: 20 }, (_, i) => i + 1));

/** [before, after, the hunks unifiedDiff("f", ...) writes after its two header lines] */
const CASES: [string, string, string][] = [
    ["a\n", "b\n", "@@ -1 +1 @@\n-a\n+b\n"],
    ["", "a\n", "@@ -0,0 +1 @@\n+a\n"],
    ["a\n", "", "@@ -1 +0,0 @@\n-a\n"],
    ["a\nb\nc\n", "a\n", "@@ -1,3 +1 @@\n a\n-b\n-c\n"],
    [lines(1, 2, 3, 4, 5, 6, 7, 8), lines(1, 2, 3, 4, 6, 7, 8), "@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n"],
    [lines(1, 2, 3, 4, 5), lines(1, 2, 3, 4, 5, 6), "@@ -3,3 +3,4 @@\n 3\n 4\n 5\n+6\n"],
    [
        // Changes 6 unchanged lines apart share a hunk; 7 apart, two hunks.
        TWENTY,
        TWENTY.replace("\n2\n", "\ntwo\n").replace("\n9\n", "\nnine\n").replace("\n17\n", "\nx\n"),
        "@@ -1,12 +1,12 @@\n 1\n-2\n+two\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+nine\n 10\n 11\n 12\n@@ -14,7 +14,7 @@\n 14\n 15\n 16\n-17\n+x\n 18\n 19\n 20\n",
    ],
];

describe("npm run promote: the diff and PR text it prints (fleet/promote.ts)", function () {
    this.timeout(10000);

    it("writes the unified diff diff -u writes: ranges, one-line ranges, empty sides, merged and separate hunks", () => {
        assert.equal(unifiedDiff("f", "same\n", "same\n"), "");
        for (const [before, after, hunks] of CASES) {
            assert.equal(
                unifiedDiff("x/f.yaml", before, after),
                `--- a/x/f.yaml\n+++ b/x/f.yaml\n${hunks}`,
                JSON.stringify([before, after]),
            );
        }
    });

    it("agrees with the system's diff -u on every case (when diff is installed)", function () {
        const dir = mkdtempSync(join(tmpdir(), "udiff-"));
        try {
            for (const [before, after, hunks] of CASES) {
                writeFileSync(join(dir, "a"), before);
                writeFileSync(join(dir, "b"), after);
                const system = spawnSync("diff", ["-u", join(dir, "a"), join(dir, "b")], { encoding: "utf8" });
                if (system.status === null) {
                    this.skip();
                }
                assert.equal(system.stdout.split("\n").slice(2).join("\n"), hunks, JSON.stringify([before, after]));
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("writes code spans CommonMark reads back: fences longer than any backtick run, padding only where needed", () => {
        const cases: [string, string][] = [
            [" a", "` a`"],
            ["a ", "`a `"],
            [" a ", "`  a  `"],
            ["a`", "`` a` ``"],
            ["`a", "`` `a ``"],
            ["``", "``` `` ```"],
            ["a``b`c", "```a``b`c```"],
            ["a\tb\u007fc\u2028d\u2029e\u0085f", "`a b c d e f`"],
            ["   ", "(empty)"],
            ["\n", "(empty)"],
        ];
        for (const [text, span] of cases) {
            assert.equal(mdCode(text), span, JSON.stringify(text));
        }
        assert.equal(mdCode("a|b|c", true), "`a\\|b\\|c`");
        assert.equal(mdCode("a|b|c"), "`a|b|c`");
    });

    it("scopes the checklist's flux get to the target overlay's namespace when it is a Kubernetes name", async () => {
        const s = scratch();
        try {
            const check = async (namespace: string | undefined, sourceNamespace = "dev-ns") => {
                const extra = (ns: string | undefined) => (ns === undefined ? "" : `namespace: ${ns}\n`);
                const root = appRepo(join(s.dir, `app-${Math.random().toString(36).slice(2)}`), {
                    dev: overlayText([["contoso.azurecr.io/shop", "2.0.0"]], extra(sourceNamespace)),
                    staging: overlayText([["contoso.azurecr.io/shop", "1.9.0"]], extra(namespace)),
                });
                const r = await promote("--from", "dev", "--to", "staging", "--dry-run", "--app-repo", root);
                assert.equal(r.status, 0, r.stderr);
                return r.stdout.split("\n").at(-2);
            };
            const line = (scope: string) =>
                `- [ ] after merge: staging reconciled (\`flux get kustomizations ${scope}\`)`;
            assert.equal(await check("payments"), line("-n payments"));
            assert.equal(await check("a"), line("-n a"));
            assert.equal(await check(`a${"-".repeat(61)}b`), line(`-n a${"-".repeat(61)}b`));
            assert.equal(await check(`a${"-".repeat(62)}b`), line("--all-namespaces"));
            assert.equal(await check(undefined), line("--all-namespaces"));
            assert.equal(await check("Payments"), line("--all-namespaces"));
            assert.equal(await check("payments-"), line("--all-namespaces"));
            assert.equal(await check("-payments"), line("--all-namespaces"));
            assert.equal(await check('"pay ments"'), line("--all-namespaces"));
            assert.equal(await check("12"), line("--all-namespaces"));
            // The target's namespace, not the source's.
            assert.equal(await check(undefined, "payments"), line("--all-namespaces"));
        } finally {
            s.cleanup();
        }
    });
});
