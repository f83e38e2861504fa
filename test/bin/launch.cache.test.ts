// bin/launch.cjs keeps each entry's bundle in node_modules/.cache/run-cjs and reuses it while every file in it is
// unchanged. A user who edits a source file and runs the command again must get the edited code, never the bundle
// of the code before (issue 24's "launcher that runs a stale bundle after a source edit"). Run on a scratch project
// (the launcher copied beside a two-file entry, esbuild linked in) so the repository's own cache is never touched;
// a cache entry forged with the right hashes shows when the launcher reuses the cache and when it must not.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
    copyFileSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    rmSync,
    symlinkSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

describe("bin/launch.cjs: the cached bundle after a source edit", function () {
    this.timeout(60_000);
    let dir: string;
    const cacheDir = () => join(dir, "node_modules", ".cache", "run-cjs");
    const cacheFile = () => {
        const files = readdirSync(cacheDir()).filter((f) => f.endsWith(".json"));
        assert.equal(files.length, 1, `one cache entry for the one entry point: ${files.join(", ")}`);
        return join(cacheDir(), files[0]);
    };
    const write = (file: string, text: string) => writeFileSync(join(dir, file), text);
    const run = (env: Record<string, string> = {}) => {
        const r = spawnSync(process.execPath, [join(dir, "bin", "launch.cjs"), "entry.ts", "an-arg"], {
            cwd: dir,
            encoding: "utf8",
            env: { ...process.env, ...env, RUN_CJS_NO_CACHE: env.RUN_CJS_NO_CACHE ?? "" },
        });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
    };
    /** The cache entry with its code replaced: hashes still right, so only a launcher that reuses it prints "forged". */
    const forge = () => {
        const cached = JSON.parse(readFileSync(cacheFile(), "utf8")) as {
            inputs: Record<string, string>;
            code: string;
        };
        writeFileSync(
            cacheFile(),
            JSON.stringify({ ...cached, code: 'exports.runCli = () => console.log("forged");' }),
        );
    };

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "launch-cache-"));
        mkdirSync(join(dir, "bin"));
        for (const f of ["launch.cjs", "defer-sdk.cjs"]) {
            copyFileSync(join(ROOT, "bin", f), join(dir, "bin", f));
        }
        mkdirSync(join(dir, "node_modules"));
        symlinkSync(join(ROOT, "node_modules", "esbuild"), join(dir, "node_modules", "esbuild"));
        write("package.json", '{ "name": "scratch", "private": true }\n');
        write("tsconfig.json", '{ "compilerOptions": { "strict": true } }\n');
        write(
            "entry.ts",
            'import { word } from "./lib/word";\nexport function runCli(argv: string[]): void {\n    console.log(`${word} ${argv.join(" ")}`);\n}\n',
        );
        mkdirSync(join(dir, "lib"));
        write("lib/word.ts", 'export const word: string = "first";\n');
    });

    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("runs the entry with its arguments, and reuses the bundle while nothing changed", () => {
        assert.equal(run(), "first an-arg");
        forge();
        assert.equal(run(), "forged", "an unchanged tree runs the cached bundle");
    });

    it("rebuilds after an edit to a file the entry imports, not only to the entry", () => {
        assert.equal(run(), "first an-arg");
        forge();
        write("lib/word.ts", 'export const word: string = "edited";\n');
        assert.equal(run(), "edited an-arg");
    });

    it("rebuilds after an edit to the entry, a new file it imports, tsconfig.json or package.json", () => {
        run();
        forge();
        write("lib/other.ts", 'export const other: string = "added";\n');
        write(
            "entry.ts",
            'import { other } from "./lib/other";\nexport function runCli(): void {\n    console.log(other);\n}\n',
        );
        assert.equal(run(), "added");
        for (const file of ["tsconfig.json", "package.json"]) {
            forge();
            write(file, `${readFileSync(join(dir, file), "utf8")}\n`);
            assert.equal(run(), "added", `after an edit to ${file}`);
        }
    });

    it("rebuilds when a file of the bundle is gone, or the cache entry is unreadable", () => {
        run();
        forge();
        write("entry.ts", 'export function runCli(): void {\n    console.log("no import");\n}\n');
        rmSync(join(dir, "lib", "word.ts"));
        assert.equal(run(), "no import");
        writeFileSync(cacheFile(), "{ not json");
        assert.equal(run(), "no import");
    });

    it("RUN_CJS_NO_CACHE=1 rebuilds although the cache matches", () => {
        run();
        forge();
        assert.equal(run({ RUN_CJS_NO_CACHE: "1" }), "first an-arg");
    });
});
