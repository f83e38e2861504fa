// The secret guard reads a large repository to its end in bounded memory: a 60 MB file of ConfigMaps with a plaintext
// Secret as its last document, checked by the real CLI process under a 192 MB heap. End-to-end (npm run test:e2e):
// parsing 240,000 documents takes tens of seconds on a 2-core machine.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";
import { fleetWith, haveKubectl } from "../support/fleet-guard";

const SECRET_TAIL =
    "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: tail\nstringData:\n  password: at-the-very-end\n";

describe("fleet secret guard on a large repository", function () {
    this.timeout(300000);
    let fleet: { dir: string; remove(): void };
    beforeEach(() => (fleet = fleetWith()));
    afterEach(() => fleet.remove());

    it("a 60 MB file is read to its last document in bounded memory and time (the Secret at its end is found)", function () {
        if (!haveKubectl) {
            this.skip();
        }
        // 60 MB of ConfigMaps in a folder no kustomization builds (the file-level scan), then a plaintext Secret.
        mkdirSync(join(fleet.dir, "docs"));
        const path = join(fleet.dir, "docs/big.yaml");
        const fd = openSync(path, "w");
        const chunk = Array.from(
            { length: 1000 },
            (_, i) =>
                `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  key: "${"x".repeat(200)}"\n`,
        ).join("");
        let size = 0;
        while (size < 60 * 1024 * 1024) {
            writeSync(fd, chunk);
            size += chunk.length;
        }
        writeSync(fd, SECRET_TAIL);
        closeSync(fd);
        // As a process with a 192 MB heap: reading the file whole and parsing it in one go would not fit.
        const started = Date.now();
        const run = spawnSync(
            process.execPath,
            ["--max-old-space-size=192", join(ROOT, "bin/launch.cjs"), "fleet/cli.ts", "--check-secrets", fleet.dir],
            { cwd: ROOT, encoding: "utf8" },
        );
        const seconds = (Date.now() - started) / 1000;
        assert.equal(run.status, 1, run.stderr);
        assert.equal(
            run.stdout.trim().split("\n")[1],
            "  docs/big.yaml: Secret tail: stringData.password is not SOPS-encrypted",
        );
        assert.ok(seconds < 240, `took ${seconds} s`);
    });
});
