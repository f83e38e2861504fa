// Every command, its output piped into a reader that stops early (`| head -5`): it ends quietly with exit 0 (one
// mechanism for all of them, in bin/launch.cjs), never an unhandled EPIPE stack trace. Real child processes, real pipes.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

interface Ended {
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
}

/** Runs `node bin/launch.cjs <entry> ...args` with the read end of its stdout closed before it has written anything. */
function runAndCloseEarly(entry: string, args: string[]): Promise<Ended> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [join(ROOT, "bin", "launch.cjs"), entry, ...args], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stdout.destroy();
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal, stderr }));
    });
}

describe("a reader that closes the pipe early (| head)", function () {
    this.timeout(120_000);

    // Each command's --help writes to stdout without Azure or a plan; the reader is gone before the first write.
    for (const [command, entry] of [
        ["plan", "plan/cli.ts"],
        ["fleet", "fleet/cli.ts"],
        ["stacks", "ci/stacks.ts"],
        ["verify", "verify/cli.ts"],
        ["preflight", "preflight/cli.ts"],
        ["promote", "fleet/promote.ts"],
        ["new-stack", "stacks/new.ts"],
    ] as const) {
        it(`npm run ${command}: ends quietly with exit 0`, async () => {
            const r = await runAndCloseEarly(entry, ["--help"]);
            assert.equal(r.stderr, "", `${command} wrote to stderr: ${r.stderr}`);
            assert.equal(r.signal, null);
            assert.equal(r.code, 0);
        });
    }

    // A Node reader takes 64 kB at a time, after which the rest of a 130 kB plan would fit the pipe: the reader is
    // head itself, which reads a few kB and exits, leaving more than a pipe buffer unwritten.
    it("node bin/launch.cjs plan/cli.ts --stack prod --json | head -5 under pipefail: exit 0, nothing on stderr", () => {
        const r = spawnSync(
            "bash",
            ["-o", "pipefail", "-c", `"${process.execPath}" bin/launch.cjs plan/cli.ts --stack prod --json | head -5`],
            { cwd: ROOT, encoding: "utf8" },
        );
        assert.equal(r.stdout, '{\n  "project": "aks-gitops",\n  "stack": "prod",\n  "resources": [\n    {\n');
        assert.equal(r.stderr, "");
        assert.equal(r.status, 0);
    });

    it("the README's own pipeline under pipefail: `npm run plan -- --stack prod --json | head -5` exits 0", () => {
        const r = spawnSync("bash", ["-o", "pipefail", "-c", "npm run plan -- --stack prod --json | head -5"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|\n\s+at /, r.stderr);
        assert.equal(r.stdout.split("\n").length, 6, r.stdout);
        assert.equal(r.status, 0);
    });

    it("a failure other than a closed pipe still fails: a usage error keeps its message and exit 2", async () => {
        const r = await runAndCloseEarly("plan/cli.ts", ["--no-such-option"]);
        assert.match(r.stderr, /Unknown option '--no-such-option'/);
        assert.equal(r.code, 2);
    });
});
