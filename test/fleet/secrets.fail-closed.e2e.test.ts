// The secret guard fails closed: whatever keeps it from checking something is exit 2 naming the file (exit 1 stays
// "a plaintext secret would land"), never a silent pass. Symlinks, FIFOs and a 60 MB one-line document are made in
// temporary directories here, an unreadable file through the walk's file system calls (the tests may run as root). A
// 60 MB repository read to its end in bounded memory: secrets.large.e2e.test.ts.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
    closeSync,
    mkdirSync,
    openSync,
    readdirSync,
    readFileSync,
    symlinkSync,
    writeFileSync,
    writeSync,
} from "node:fs";
import { join } from "node:path";
import { buildAll, findKustomize } from "../../fleet/guard/kustomize";
import { nodeIo } from "../../fleet/guard/walk";
import { checkSecrets, secretsReport } from "../../fleet/secrets";
import { fleetWith, guardKustomize, haveKubectl } from "../support/fleet-guard";

describe("fleet secret guard fails closed (exit 2, naming what it could not check)", function () {
    this.timeout(300000);
    let fleet: { dir: string; remove(): void };
    beforeEach(() => (fleet = fleetWith()));
    afterEach(() => fleet.remove());
    // Real kustomize unless a test says otherwise, looked up once for the file (each lookup runs `kubectl version`,
    // as costly as a build); the test of the lookup itself passes {}.
    const real = (): Parameters<typeof checkSecrets>[1] => (haveKubectl ? { kustomize: guardKustomize() } : {});
    const errorsOf = async (options = real()) =>
        (await checkSecrets(fleet.dir, options)).errors.map((e) => `${e.file}: ${e.reason}`);

    it("malformed YAML anywhere in the repository: file, line and column", async () => {
        writeFileSync(join(fleet.dir, "apps/app/base/notes.yaml"), "key: value\nlist: [unclosed\n");
        writeFileSync(join(fleet.dir, "apps/app/base/dup.yaml"), "apiVersion: v1\nkind: Secret\nkind: ConfigMap\n");
        // One run: the report lists each error as "  <file>: <reason>" under its heading (and nothing before it).
        const report = await secretsReport(fleet.dir, "fleet", real());
        assert.equal(report.code, 2);
        assert.match(
            report.text,
            /^the secret guard could not check fleet \(exit 2: fix these, nothing was passed\):\n {2}apps\/app\/base\/dup\.yaml:3:1: /,
        );
        const errors = report.text
            .split("\n")
            .slice(1)
            .filter((line) => line !== "")
            .map((line) => line.replace(/^ {2}/, ""));
        assert.equal(errors.length, 2, errors.join("\n"));
        assert.match(errors[0], /^apps\/app\/base\/dup\.yaml:3:1: Map keys must be unique/);
        assert.match(
            errors[1],
            /^apps\/app\/base\/notes\.yaml:2:\d+: Flow sequence in block collection must be sufficiently indented/,
        );
    });

    it("an unreadable file or directory", async () => {
        const unreadable = (path: string) =>
            Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
        const io = {
            readdir: (path: string) => {
                if (path.endsWith("/clusters/prod-westeurope/apps")) {
                    throw unreadable(path);
                }
                return nodeIo.readdir(path);
            },
            open: (path: string) => {
                if (path.endsWith("/apps/app/overlays/dev/db.enc.yaml")) {
                    throw unreadable(path);
                }
                return nodeIo.open(path);
            },
        };
        const errors = await errorsOf({ io });
        assert.ok(
            errors.includes("apps/app/overlays/dev/db.enc.yaml: cannot be read (permission denied)"),
            errors.join("\n"),
        );
        assert.ok(
            errors.includes("clusters/prod-westeurope/apps/: cannot be read (permission denied)"),
            errors.join("\n"),
        );
    });

    it("a symlink leaving the repository, a symlink loop, a symlink to nothing, a FIFO", async () => {
        symlinkSync("/etc/hostname", join(fleet.dir, "apps/app/base/host.yaml"));
        symlinkSync("b", join(fleet.dir, "a"));
        symlinkSync("a", join(fleet.dir, "b"));
        symlinkSync("missing.yaml", join(fleet.dir, "gone.yaml"));
        assert.equal(spawnSync("mkfifo", [join(fleet.dir, "pipe")]).status, 0);
        const errors = await errorsOf();
        for (const expected of [
            "a: is a symlink loop",
            "b: is a symlink loop",
            "gone.yaml: is a symlink to nothing (its target does not exist)",
            "pipe: is not a regular file (a FIFO, socket or device)",
        ]) {
            assert.ok(errors.includes(expected), `${expected}\n${errors.join("\n")}`);
        }
        assert.ok(
            errors.some((e) =>
                /^apps\/app\/base\/host\.yaml: is a symlink that leaves the repository \(to \/etc\/hostname\)/.test(e),
            ),
            errors.join("\n"),
        );
    });

    it("a symlink inside the repository is read under its own name (a .yaml link to a .txt file is still checked)", async () => {
        mkdirSync(join(fleet.dir, "notes"));
        writeFileSync(
            join(fleet.dir, "notes/secret.txt"),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: linked\nstringData:\n  password: x\n",
        );
        symlinkSync("../notes/secret.txt", join(fleet.dir, "apps/linked.yaml"));
        const { findings, errors } = await checkSecrets(fleet.dir);
        assert.deepEqual(errors, []);
        assert.deepEqual(
            findings.map((f) => `${f.file}: ${f.reason}`),
            ["apps/linked.yaml: Secret linked: stringData.password is not SOPS-encrypted"],
        );
    });

    it("a kustomize build that fails: the directory and kustomize's own words", async function () {
        if (!haveKubectl) {
            this.skip();
        }
        writeFileSync(
            join(fleet.dir, "apps/app/base/kustomization.yaml"),
            "resources:\n  - configmap.yaml\n  - missing.yaml\n",
        );
        const errors = await errorsOf();
        // The base and everything built on it fail.
        assert.deepEqual(
            errors.map((e) => e.split(": ")[0]),
            [
                "apps/app/base",
                "apps/app/overlays/dev",
                "apps/app/overlays/prod",
                "clusters/dev-westeurope/apps",
                "clusters/prod-westeurope/apps",
            ],
        );
        assert.match(errors[0], /^apps\/app\/base: kustomize build failed \(.+, exit 1\): .*missing\.yaml/s);
    });

    it("a remote resource without network: exit 2 with the way out, not a pass", async function () {
        if (!haveKubectl) {
            this.skip();
        }
        writeFileSync(
            join(fleet.dir, "apps/app/base/kustomization.yaml"),
            "resources:\n  - configmap.yaml\n  - https://example.invalid/org/repo//config?ref=v1\n",
        );
        const errors = await errorsOf({ build: { timeoutMs: 60000 } });
        assert.match(
            errors[0],
            /^apps\/app\/base: kustomize build (failed .*it fetches a remote resource: the guard needs network access|did not finish)/s,
        );
    });

    it("a build that does not finish in time is killed and reported", async () => {
        const hangs = {
            command: process.execPath,
            args: () => ["-e", "setTimeout(() => {}, 60000)"],
            version: "a kustomize that hangs",
        };
        const started = Date.now();
        const errors = await errorsOf({ kustomize: hangs, build: { timeoutMs: 300 } });
        assert.ok(Date.now() - started < 30000, "killed, not waited for");
        assert.equal(errors.length, 7, "every kustomization directory of the base fleet");
        assert.equal(errors[0], "apps/app/base: kustomize build did not finish within 0.3 s");
    });

    it("no kustomize to build with", async () => {
        const saved = process.env.AKS_GITOPS_KUSTOMIZE;
        process.env.AKS_GITOPS_KUSTOMIZE = join(fleet.dir, "no-such-kustomize");
        try {
            assert.throws(() => findKustomize(), /AKS_GITOPS_KUSTOMIZE=.*no-such-kustomize does not run/);
            const errors = await errorsOf({});
            assert.deepEqual(errors, [
                `(kustomize): AKS_GITOPS_KUSTOMIZE=${join(fleet.dir, "no-such-kustomize")} does not run (\`${join(fleet.dir, "no-such-kustomize")} version\` failed)`,
            ]);
        } finally {
            if (saved === undefined) {
                delete process.env.AKS_GITOPS_KUSTOMIZE;
            } else {
                process.env.AKS_GITOPS_KUSTOMIZE = saved;
            }
        }
    });

    it("builds run at most `concurrency` at a time", async () => {
        const log = join(fleet.dir, "builds.log");
        // Each build stays until a second one has started (and at least 0.2 s), or 10 s pass: on a loaded machine a
        // fixed 0.2 s could end before the next process starts, and the test would see one at a time for a sound
        // limit of two. A limit of one still shows one at a time (each waits the 10 s out); no limit shows more.
        const script = `const fs=require("fs");const f=${JSON.stringify(log)};fs.appendFileSync(f,"+\\n");const t0=Date.now();const tick=()=>{const started=fs.readFileSync(f,"utf8").split("\\n").filter((l)=>l==="+").length;if((started>=2&&Date.now()-t0>=200)||Date.now()-t0>10000){fs.appendFileSync(f,"-\\n")}else{setTimeout(tick,20)}};tick()`;
        const tool = { command: process.execPath, args: () => ["-e", script], version: "counting" };
        const failures = await buildAll(
            tool,
            Array.from({ length: 6 }, (_, i) => ({ abs: fleet.dir, shown: `d${i}` })),
            () => undefined,
            { concurrency: 2 },
        );
        assert.deepEqual(failures, []);
        let running = 0;
        let most = 0;
        for (const mark of readFileSync(log, "utf8").trim().split("\n")) {
            running += mark === "+" ? 1 : -1;
            most = Math.max(most, running);
        }
        assert.equal(most, 2);
    });

    it("an empty directory is no fleet repository", async () => {
        for (const entry of readdirSync(fleet.dir)) {
            spawnSync("rm", ["-rf", join(fleet.dir, entry)]);
        }
        const report = await secretsReport(fleet.dir, "empty");
        assert.equal(report.code, 2);
        assert.match(report.text, /holds no kustomization and no YAML file: is this the fleet repository\?/);
    });

    it("a .sops.yaml that SOPS itself would refuse", async () => {
        writeFileSync(
            join(fleet.dir, ".sops.yaml"),
            "creation_rules:\n  - path_regex: x\n    encrypted_regex: ^data$\n    unencrypted_suffix: _plain\n    age: age1x\n",
        );
        assert.deepEqual(await errorsOf({ kustomize: { command: "true", args: () => [], version: "none" } }), [
            ".sops.yaml: creation_rules[0] sets unencrypted_suffix and encrypted_regex: SOPS allows only one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex, unencrypted_comment_regex, encrypted_comment_regex",
        ]);
    });

    it("a 60 MB document (one long line) is refused at 8 MiB without reading it all in", async () => {
        mkdirSync(join(fleet.dir, "docs"));
        const fd = openSync(join(fleet.dir, "docs/blob.json"), "w");
        const chunk = "x".repeat(1024 * 1024);
        writeSync(fd, '{"data": "');
        for (let i = 0; i < 60; i++) {
            writeSync(fd, chunk);
        }
        writeSync(fd, '"}\n');
        closeSync(fd);
        const started = Date.now();
        const errors = await errorsOf({ kustomize: { command: "true", args: () => [], version: "none" } });
        assert.deepEqual(errors, [
            "docs/blob.json:1: a YAML document starting here is larger than 8 MiB (no Kubernetes object is that large; split it or move it out of the repository)",
        ]);
        assert.ok(Date.now() - started < 60000);
    });
});
