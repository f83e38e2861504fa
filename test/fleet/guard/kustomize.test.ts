// Running kustomize (fleet/guard/kustomize.ts) with stand-ins for it: small shell scripts that print what a build
// prints, fail as a build fails, or never finish. Fast, and independent of the kustomize installed here; the real
// builds are in secrets*.test.ts. The command line is the one kustomize-controller builds with: load restrictions off
// (fluxcd/pkg kustomize/kustomize_generator.go Build), which `kustomize build` and `kubectl kustomize` both take as
// `--load-restrictor=LoadRestrictionsNone`.
import * as assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { buildAll, findKustomize, KustomizeUnavailable } from "../../../fleet/guard/kustomize";
import type { BuildOptions, Kustomize } from "../../../fleet/guard/kustomize";

/** A stand-in kustomize running `body` for each directory ($1). */
const fake = (body: string, version = "fake kustomize"): Kustomize => ({
    command: "/bin/sh",
    args: (d) => ["-c", body, "sh", d],
    version,
});

/** Every build of `dirs` (under /fleet) with `tool`: the objects printed, by directory, and the failures. */
async function build(tool: Kustomize, dirs: string[], options: BuildOptions = {}) {
    const objects: [string, unknown][] = [];
    const failures = await buildAll(
        tool,
        dirs.map((d) => ({ abs: `/fleet/${d}`, shown: d })),
        (shown, value) => objects.push([shown, value]),
        options,
    );
    return { objects, failures };
}

describe("fleet secret guard: running kustomize (fleet/guard/kustomize.ts)", () => {
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), "guard-kustomize-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const script = (name: string, body: string): string => {
        const path = join(dir, name);
        writeFileSync(path, `#!/bin/sh\n${body}\n`);
        chmodSync(path, 0o755);
        return path;
    };

    describe("which kustomize: AKS_GITOPS_KUSTOMIZE names it, a kubectl by its name", () => {
        it("a kubectl: `kubectl kustomize`, its kustomize version from `kubectl version --client -o json`", () => {
            const kubectl = script(
                "kubectl-1.32",
                `[ "$*" = "version --client -o json" ] && echo '{"clientVersion": {"gitVersion": "v1.32.4"}, "kustomizeVersion": "v5.5.0"}'`,
            );
            const tool = findKustomize({ AKS_GITOPS_KUSTOMIZE: kubectl });
            assert.equal(tool.command, kubectl);
            assert.equal(tool.version, "kubectl kustomize (kustomize v5.5.0)");
            assert.deepEqual(tool.args("/fleet/apps"), [
                "kustomize",
                "--load-restrictor=LoadRestrictionsNone",
                "/fleet/apps",
            ]);
            const old = script("kubectl-old", `echo 'Client Version: v1.20.0'`);
            assert.equal(findKustomize({ AKS_GITOPS_KUSTOMIZE: old }).version, "kubectl kustomize (kustomize ?)");
        });

        it("a kustomize: `kustomize build`, its version from `kustomize version`", () => {
            const kustomize = script(
                "kustomize",
                `[ "$1" = version ] && echo '{Version:kustomize/v5.6.0 GitCommit:2a2c7a4 BuildDate:2025-01-13T09:27:35Z}'`,
            );
            const tool = findKustomize({ AKS_GITOPS_KUSTOMIZE: kustomize });
            assert.equal(tool.version, "kustomize v5.6.0");
            assert.deepEqual(tool.args("/fleet/apps"), [
                "build",
                "--load-restrictor=LoadRestrictionsNone",
                "/fleet/apps",
            ]);
            const unversioned = script("my-kustomize", `echo 'devel build'`);
            assert.equal(findKustomize({ AKS_GITOPS_KUSTOMIZE: unversioned }).version, "kustomize devel build");
        });

        it("one that does not run is KustomizeUnavailable (exit 2), naming the command it tried", () => {
            const broken = script("kubectl-broken", "exit 1");
            assert.throws(
                () => findKustomize({ AKS_GITOPS_KUSTOMIZE: broken }),
                (e: unknown) =>
                    e instanceof KustomizeUnavailable &&
                    e.message === `AKS_GITOPS_KUSTOMIZE=${broken} does not run (\`${broken} version --client\` failed)`,
            );
            const missing = join(dir, "kustomize-missing");
            assert.throws(
                () => findKustomize({ AKS_GITOPS_KUSTOMIZE: missing }),
                (e: unknown) =>
                    e instanceof KustomizeUnavailable &&
                    e.message === `AKS_GITOPS_KUSTOMIZE=${missing} does not run (\`${missing} version\` failed)`,
            );
        });
    });

    describe("a build: every object it prints, or why it could not be read", () => {
        it("each document of each build, with the directory it came from", async () => {
            const tool = fake(`printf 'kind: ConfigMap\\nmetadata:\\n  name: %s\\n---\\nkind: Secret\\n' "$1"`);
            const { objects, failures } = await build(tool, ["apps/a", "apps/b"], { concurrency: 1 });
            assert.deepEqual(failures, []);
            assert.deepEqual(objects, [
                ["apps/a", { kind: "ConfigMap", metadata: { name: "/fleet/apps/a" } }],
                ["apps/a", { kind: "Secret" }],
                ["apps/b", { kind: "ConfigMap", metadata: { name: "/fleet/apps/b" } }],
                ["apps/b", { kind: "Secret" }],
            ]);
        });

        it("a failing build: its exit code and the last six lines of what it said", async () => {
            const tool = fake(`for i in 1 2 3 4 5 6 7 8; do echo "line $i" >&2; done; exit 3`, "kustomize v5.6.0");
            assert.deepEqual((await build(tool, ["apps/a"])).failures, [
                {
                    dir: "apps/a",
                    reason: "kustomize build failed (kustomize v5.6.0, exit 3): line 3\n      line 4\n      line 5\n      line 6\n      line 7\n      line 8",
                },
            ]);
        });

        it("a build that fetches a remote resource without network says so", async () => {
            const tool = fake(
                `echo 'Error: accumulating resources: git clone: dial tcp: lookup github.com: no such host' >&2; exit 1`,
            );
            assert.deepEqual((await build(tool, ["apps/a"])).failures, [
                {
                    dir: "apps/a",
                    reason:
                        "kustomize build failed (fake kustomize, exit 1): Error: accumulating resources: git clone: dial tcp: lookup github.com: no such host" +
                        " — it fetches a remote resource: the guard needs network access and read access to that repository where it runs (or vendor the resource into the fleet repository)",
                },
            ]);
        });

        it("output the guard cannot read, however the build exits, is a failure at its output line", async () => {
            const tool = fake(`printf 'kind: ConfigMap\\n---\\nkind: Secret\\nkind: Secret\\n'`);
            assert.deepEqual((await build(tool, ["apps/a"])).failures, [
                {
                    dir: "apps/a",
                    reason: "kustomize build printed output the guard cannot read (output line 4: Map keys must be unique)",
                },
            ]);
        });

        it("too much output, no finish in time, or no start: the build is stopped and named", async () => {
            const { failures } = await build(fake(`yes 'a: 1' | head -c 2000000`), ["apps/big"], {
                maxOutputBytes: 512 * 1024,
            });
            assert.deepEqual(failures, [{ dir: "apps/big", reason: "kustomize build printed more than 0.5 MiB" }]);
            const started = Date.now();
            const slow = await build(fake("exec sleep 20"), ["apps/slow"], { timeoutMs: 200 });
            assert.deepEqual(slow.failures, [
                { dir: "apps/slow", reason: "kustomize build did not finish within 0.2 s" },
            ]);
            assert.ok(Date.now() - started < 10000, "killed, not waited for");
            const missing = join(dir, "no-such-kustomize");
            const none = await build({ command: missing, args: () => [], version: "none" }, ["apps/a"]);
            assert.deepEqual(none.failures, [
                { dir: "apps/a", reason: `kustomize build could not start ${missing}: spawn ${missing} ENOENT` },
            ]);
        });
    });

    describe("which kustomize: the edges", () => {
        it("an empty AKS_GITOPS_KUSTOMIZE is unset: kustomize, else kubectl, from PATH; neither is KustomizeUnavailable", () => {
            const bin = mkdtempSync(join(dir, "bin-"));
            writeFileSync(
                join(bin, "kubectl"),
                `#!/bin/sh\n[ "$*" = "version --client -o json" ] && echo '{"clientVersion": {"gitVersion": "v1.32.4"}, "kustomizeVersion": "v5.5.0"}'\n`,
            );
            chmodSync(join(bin, "kubectl"), 0o755);
            const path = process.env.PATH;
            try {
                process.env.PATH = bin;
                const tool = findKustomize({ AKS_GITOPS_KUSTOMIZE: "" });
                assert.equal(tool.command, "kubectl");
                assert.equal(tool.version, "kubectl kustomize (kustomize v5.5.0)");
                process.env.PATH = join(dir, "empty-bin");
                assert.throws(
                    () => findKustomize({}),
                    (e: unknown) =>
                        e instanceof KustomizeUnavailable &&
                        e.name === "KustomizeUnavailable" &&
                        e.message ===
                            "neither kustomize nor kubectl is on PATH: the guard builds every kustomization with real kustomize (install either, or set AKS_GITOPS_KUSTOMIZE)",
                );
            } finally {
                process.env.PATH = path;
            }
        });

        it("versions of any width; a kubectl whose JSON names no kustomize version is `?`", () => {
            const wide = script("kustomize-wide", `echo '{Version:kustomize/v10.11.12 GitCommit:abc}'`);
            assert.equal(findKustomize({ AKS_GITOPS_KUSTOMIZE: wide }).version, "kustomize v10.11.12");
            const kubectl = script("kubectl-json", `echo '{"clientVersion": {"gitVersion": "v1.20.0"}}'`);
            assert.equal(findKustomize({ AKS_GITOPS_KUSTOMIZE: kubectl }).version, "kubectl kustomize (kustomize ?)");
        });
    });

    describe("a build: limits and leftovers", () => {
        it("output of exactly the limit passes; a build never waits for input (stdin is closed)", async () => {
            // "kind: ConfigMap\n" is 16 bytes.
            const { objects, failures } = await build(fake(`cat; printf 'kind: ConfigMap\\n'`), ["apps/a"], {
                maxOutputBytes: 16,
                timeoutMs: 10000,
            });
            assert.deepEqual(failures, []);
            assert.deepEqual(objects, [["apps/a", { kind: "ConfigMap" }]]);
        });

        it("after output the guard cannot read, nothing more of that build is taken", async () => {
            // All of it written at once: what is still in the pipe when the build is stopped is not read as objects.
            const output = join(dir, "unreadable.yaml");
            writeFileSync(output, `kind: A\n---\nkind: A\nkind: B\n${"---\nkind: ConfigMap\n".repeat(20000)}`);
            const { objects, failures } = await build(fake(`cat "${output}"`), ["apps/a"]);
            assert.deepEqual(objects, [["apps/a", { kind: "A" }]]);
            assert.deepEqual(failures, [
                {
                    dir: "apps/a",
                    reason: "kustomize build printed output the guard cannot read (output line 4: Map keys must be unique)",
                },
            ]);
        });

        it("a failure after many warnings: kustomize's last words (the error), at most 1500 characters of them", async () => {
            const noisy = await build(
                fake(
                    `i=0; while [ $i -lt 5000 ]; do echo "Warning: 'bases' is deprecated ($i)" >&2; i=$((i+1)); done; echo 'Error: accumulating resources: missing.yaml' >&2; exit 1`,
                ),
                ["apps/a"],
            );
            assert.equal(noisy.failures.length, 1);
            assert.match(noisy.failures[0].reason, /\(4999\)\n {6}Error: accumulating resources: missing\.yaml$/);
            const long = await build(
                fake(`i=0; while [ $i -lt 6 ]; do printf '%0999d\\n' 0 >&2; i=$((i+1)); done; exit 1`),
                ["apps/a"],
            );
            const prefix = "kustomize build failed (fake kustomize, exit 1): ";
            assert.equal(
                long.failures[0].reason,
                prefix + `${"0".repeat(999)}\n      ${"0".repeat(999)}`.slice(0, 1500),
            );
        });

        it("a build killed by a signal (the kernel's out-of-memory killer): no exit code, `killed`", async () => {
            const { failures } = await build(fake(`echo 'building' >&2; kill -9 $$`), ["apps/a"]);
            assert.deepEqual(failures, [
                { dir: "apps/a", reason: "kustomize build failed (fake kustomize, exit killed): building" },
            ]);
        });

        it("output cut inside a UTF-8 character: the broken character is read as U+FFFD", async () => {
            const { objects } = await build(fake(`printf 'kind: ConfigMap\\nmetadata:\\n  name: caf\\303'`), [
                "apps/a",
            ]);
            assert.deepEqual(objects, [["apps/a", { kind: "ConfigMap", metadata: { name: "caf\uFFFD" } }]]);
        });

        it("a finished build leaves no timer behind (the guard exits when it is done, not 120 s later)", async () => {
            // Every timer a build sets is cleared when it ends (a pending one keeps node running until it fires).
            const pending = new Set<unknown>();
            const { setTimeout: set, clearTimeout: clear } = globalThis;
            globalThis.setTimeout = ((fn: () => void, ms?: number) => {
                const timer = set(fn, ms);
                pending.add(timer);
                return timer;
            }) as typeof setTimeout;
            globalThis.clearTimeout = ((timer: NodeJS.Timeout) => {
                pending.delete(timer);
                clear(timer);
            }) as typeof clearTimeout;
            try {
                await build(fake(`printf 'kind: ConfigMap\\n'`), ["apps/a", "apps/b"]);
            } finally {
                globalThis.setTimeout = set;
                globalThis.clearTimeout = clear;
            }
            assert.equal(pending.size, 0);
        });

        it("by default min(4, cores) builds at once", async () => {
            const runs = mkdtempSync(join(dir, "runs-"));
            // Each build marks itself running, prints how many are, and stays a moment.
            const tool = fake(
                `mkdir "${runs}/$$"; n=$(ls "${runs}" | wc -l); printf 'kind: ConfigMap\\nrunning: %s\\n' $n; sleep 0.15; rmdir "${runs}/$$"`,
            );
            const { objects } = await build(tool, ["a", "b", "c", "d", "e", "f"]);
            const most = Math.max(...objects.map(([, o]) => (o as { running: number }).running));
            assert.equal(most, Math.min(4, availableParallelism()));
        });
    });
});
