// npm run fleet -- --out <a file>: the fleet repo checkout must be a directory. Said (exit 2, naming the path) in every
// mode, before anything is planned or written, and the file is left as it was.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as cli from "../../fleet/cli";
import { runCliInProcess } from "../support/stacks";

describe("npm run fleet -- --out <a file>", () => {
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "fleet-out-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    for (const mode of [[], ["--scaffold"], ["--check"]]) {
        it(`is not a directory: exit 2, the file untouched (${mode.length === 0 ? "writing" : mode[0]})`, async () => {
            const file = join(dir, "fleet.txt");
            writeFileSync(file, "not a fleet repo\n");
            const run = await runCliInProcess(cli.runCli, ["--stack", "prod", "--out", file, ...mode]);
            assert.equal(run.status, 2);
            assert.equal(run.stdout, "");
            assert.ok(
                run.stderr.startsWith(
                    `--out: ${file} is not a directory; give the fleet repo checkout to write into\n\nusage: npm run fleet`,
                ),
                run.stderr,
            );
            assert.equal(readFileSync(file, "utf8"), "not a fleet repo\n");
            assert.deepEqual(readdirSync(dir), ["fleet.txt"]);
        });
    }

    it("names a file on the way to --out, and writes nothing under it", async () => {
        const file = join(dir, "checkouts");
        writeFileSync(file, "");
        const out = join(file, "fleet");
        for (const mode of [[], ["--scaffold"], ["--check"]]) {
            await assert.rejects(cli.main(["--stack", "prod", "--out", out, ...mode]), {
                name: "UsageError",
                message: `--out: ${file} (on the way to ${out}) is not a directory; give the fleet repo checkout to write into`,
            });
        }
        assert.deepEqual(readdirSync(dir), ["checkouts"]);
    });

    it("takes a directory, or a folder that does not exist yet (it is created)", () => {
        mkdirSync(join(dir, "fleet"));
        assert.equal(cli.firstNonDirectory(join(dir, "fleet")), undefined);
        assert.equal(cli.firstNonDirectory(join(dir, "new", "fleet")), undefined);
        writeFileSync(join(dir, "f"), "");
        assert.equal(cli.firstNonDirectory(join(dir, "f")), join(dir, "f"));
        assert.equal(cli.firstNonDirectory(join(dir, "f", "a", "b")), join(dir, "f"));
    });
});
