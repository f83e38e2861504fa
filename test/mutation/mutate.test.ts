// npm run mutate's groups: a spec file added to a folder is run against that folder's mutants. A forgotten one
// silently lowers a group's score, or worse, leaves its mutants to slow end-to-end files (issue 24).
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { GROUPS } from "./mutate";

const ROOT = join(__dirname, "..", "..");

/** Stryker's globs as these groups use them: `**` for any folders, `*` within one name, `!` to leave out. */
function matches(file: string, globs: readonly string[]): boolean {
    let matched = false;
    for (const glob of globs) {
        const leaveOut = glob.startsWith("!");
        const pattern = (leaveOut ? glob.slice(1) : glob)
            .replace(/\./g, "\\.")
            .replace(/\*\*\//g, "@@")
            .replace(/\*/g, "[^/]*")
            .replace(/@@/g, "(?:.*/)?");
        if (new RegExp(`^${pattern}$`).test(file)) {
            matched = !leaveOut;
        }
    }
    return matched;
}

// Spec files of a group's folder left out on purpose, each with its reason.
const LEFT_OUT: Record<string, Record<string, string>> = {
    preflight: { "preflight/specs": "the REST spec table's tests, run by the specs group" },
};

describe("npm run mutate's groups (test/mutation/mutate.ts)", () => {
    // Every spec file under test/ (read from disk: a copy of the project need not be a git checkout).
    const specFiles = readdirSync(join(ROOT, "test"), { recursive: true, encoding: "utf8" })
        .map((f) => `test/${f.split(sep).join("/")}`)
        .filter((f) => f.endsWith(".test.ts") && !f.endsWith(".e2e.test.ts") && !f.startsWith("test/fixtures/"))
        .sort();

    it("finds the spec files, this one among them", () => {
        assert.ok(specFiles.includes("test/mutation/mutate.test.ts"));
        assert.ok(specFiles.includes("test/fleet/guard/sops.config.test.ts"));
        assert.ok(!specFiles.some((f) => f.endsWith(".e2e.test.ts")));
    });

    it("reads the globs as Stryker does", () => {
        assert.equal(matches("fleet/guard/sops.ts", ["fleet/guard/**/*.ts"]), true);
        assert.equal(matches("fleet/secrets.ts", ["fleet/*.ts", "!fleet/secrets.ts"]), false);
        assert.equal(matches("fleet/guard/sops.ts", ["fleet/*.ts"]), false);
        assert.equal(matches("stacks/schema.ts", ["stacks/**/*.ts", "!stacks/schema.ts"]), false);
        assert.equal(matches("stacks/new.ts", ["stacks/**/*.ts", "!stacks/schema.ts"]), true);
    });

    for (const [group, { mutate, spec }] of Object.entries(GROUPS)) {
        it(`${group}: every spec file in its folders that imports one of its source files is run`, () => {
            const folders = new Set(mutate.filter((g) => !g.startsWith("!")).map((g) => g.split("/")[0]));
            const missing = specFiles.filter((file) => {
                const name = file.replace(/^test\//, "").replace(/\.test\.ts$/, "");
                if (!folders.has(name.split("/")[0]) || spec.includes(name) || LEFT_OUT[group]?.[name]) {
                    return false;
                }
                const text = readFileSync(join(ROOT, file), "utf8");
                return [...text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)].some(([, from]) =>
                    matches(`${relative(ROOT, resolve(ROOT, dirname(file), from))}.ts`, mutate),
                );
            });
            assert.deepEqual(missing, [], `add them to GROUPS.${group}.spec`);
        });

        it(`${group}: every spec file it names exists (a renamed file, e.g. moved to the end-to-end tier, is renamed here)`, () => {
            assert.deepEqual(
                spec.filter((s) => !existsSync(join(ROOT, "test", `${s}.test.ts`))),
                [],
            );
        });
    }
});
