// The secret guard's orchestration (fleet/secrets.ts), in process, with a stand-in for kustomize
// (test/support/guard-stand-in.ts): which directories it builds, how the findings of the builds and files are
// gathered and reported, its exit codes (0 nothing found, 1 findings, 2 something could not be checked), and its
// refusals of a fleet directory it cannot check. What real kustomize makes of the fixtures is in secrets.e2e.test.ts,
// secrets.attacks.e2e.test.ts and secrets.fail-closed.e2e.test.ts.
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { devNull } from "node:os";
import { join } from "node:path";
import { runCli } from "../../fleet/cli";
import { checkSecrets, secretsReport } from "../../fleet/secrets";
import { runCliInProcess } from "../support/cli-run";
import { fails, repos, standIn } from "../support/guard-stand-in";

const SECRET = (name: string, namespace = "app") =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nstringData:\n  password: hunter2\n`;
const CONFIGMAP = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;
const EMPTY_KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n";

describe("fleet secret guard: orchestration (fleet/secrets.ts, in process)", () => {
    const r = repos("guard-orchestration-");
    afterEach(() => r.removeAll());

    describe("which directories it builds", () => {
        it("every directory holding a kustomization file by any of kustomize's three names, the root included, once each", async () => {
            const dir = r.repo({
                "kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/a/kustomization.yml": EMPTY_KUSTOMIZATION,
                "apps/b/Kustomization": EMPTY_KUSTOMIZATION,
                "apps/b/nested/kustomization.yaml": EMPTY_KUSTOMIZATION,
                // Not names kustomize recognises (kubernetes-sigs/kustomize api/konfig/general.go).
                "apps/c/kustomization.yaml.bak": EMPTY_KUSTOMIZATION,
                "apps/d/kustomization.json": "{}",
                "apps/e/KUSTOMIZATION.yaml": EMPTY_KUSTOMIZATION,
                "apps/c/cm.yaml": CONFIGMAP("c"),
            });
            const kustomize = standIn(dir);
            const report = await secretsReport(dir, "fleet", { kustomize: kustomize.tool, build: { concurrency: 1 } });
            assert.deepEqual(kustomize.built, [".", "apps/a", "apps/b", "apps/b/nested"], "sorted, one at a time");
            assert.deepEqual(kustomize.overlays, []);
            assert.deepEqual(report, {
                code: 0,
                text: "fleet: no plaintext secrets (7 files read, 4 kustomizations built with stand-in kustomize v0.0.1, 0 .sops.yaml creation rules, 0 encrypted files, 0 templates with placeholders only, 0 HelmReleases, 0 clusters checked for their environment's key)\n",
            });
        });

        it("nothing to build: no kustomize is looked for (the report says none was needed), so none need be installed", async () => {
            const dir = r.repo({ "apps/cm.yaml": CONFIGMAP("a"), "apps/db.yaml": SECRET("db") });
            const saved = process.env.AKS_GITOPS_KUSTOMIZE;
            process.env.AKS_GITOPS_KUSTOMIZE = join(dir, "no-such-kustomize");
            try {
                const clean = r.repo({ "apps/cm.yaml": CONFIGMAP("a") });
                assert.deepEqual(await secretsReport(clean, "fleet"), {
                    code: 0,
                    text: "fleet: no plaintext secrets (1 files read, 0 kustomizations built with no kustomize (none to build), 0 .sops.yaml creation rules, 0 encrypted files, 0 templates with placeholders only, 0 HelmReleases, 0 clusters checked for their environment's key)\n",
                });
                assert.deepEqual(await secretsReport(dir, "fleet"), {
                    code: 1,
                    text:
                        "plaintext secrets would land, or secrets would go to the wrong key, in fleet:\n" +
                        "  apps/db.yaml: Secret app/db: stringData.password is not SOPS-encrypted\n",
                });
                // With a kustomization to build, the kustomize that does not run is exit 2, nothing passed.
                writeFileSync(join(clean, "apps/kustomization.yaml"), EMPTY_KUSTOMIZATION);
                const missing = join(dir, "no-such-kustomize");
                assert.deepEqual(await secretsReport(clean, "fleet"), {
                    code: 2,
                    text:
                        "the secret guard could not check fleet (exit 2: fix these, nothing was passed):\n" +
                        `  (kustomize): AKS_GITOPS_KUSTOMIZE=${missing} does not run (\`${missing} version\` failed)\n`,
                });
            } finally {
                if (saved === undefined) {
                    delete process.env.AKS_GITOPS_KUSTOMIZE;
                } else {
                    process.env.AKS_GITOPS_KUSTOMIZE = saved;
                }
            }
        });
    });

    describe("what the builds print", () => {
        it("a Secret in several builds is one finding naming them all, sorted; past four, the first four and how many more", async () => {
            const dirs = ["apps/e", "apps/a", "apps/d", "apps/b"];
            const files = Object.fromEntries(dirs.map((d) => [`${d}/kustomization.yaml`, EMPTY_KUSTOMIZATION]));
            const four = r.repo(files);
            const five = r.repo({ ...files, "apps/c/kustomization.yaml": EMPTY_KUSTOMIZATION });
            const outputs = Object.fromEntries(
                [...dirs, "apps/c"].map((d) => [d, `${CONFIGMAP("x")}---\n${SECRET("db")}`]),
            );
            const [fourCheck, fiveCheck] = await Promise.all([
                checkSecrets(four, { kustomize: standIn(four, outputs).tool }),
                checkSecrets(five, { kustomize: standIn(five, outputs).tool }),
            ]);
            assert.deepEqual(fourCheck.findings, [
                {
                    file: "kustomize build of apps/a, apps/b, apps/d, apps/e",
                    reason: "Secret app/db: stringData.password is not SOPS-encrypted",
                },
            ]);
            assert.deepEqual(fiveCheck.findings, [
                {
                    file: "kustomize build of apps/a, apps/b, apps/c, apps/d and 1 more",
                    reason: "Secret app/db: stringData.password is not SOPS-encrypted",
                },
            ]);
            assert.equal(fiveCheck.counts.builds, 5);
            assert.equal(
                fiveCheck.counts.documents,
                5,
                "the files' documents; the builds' are not counted as read files",
            );
        });

        it("different objects or problems in one build are separate findings, sorted by where, then by what", async () => {
            const dir = r.repo({
                "apps/a/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/b/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/b/zz-db.yaml": SECRET("zz"),
            });
            const { findings, errors } = await checkSecrets(dir, {
                kustomize: standIn(dir, {
                    "apps/a": `${SECRET("db", "other")}---\n${SECRET("web")}---\n${SECRET("db")}`,
                    "apps/b": SECRET("db"),
                }).tool,
            });
            assert.deepEqual(errors, []);
            assert.deepEqual(
                findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    "apps/b/zz-db.yaml: Secret app/zz: stringData.password is not SOPS-encrypted",
                    "kustomize build of apps/a: Secret app/web: stringData.password is not SOPS-encrypted",
                    "kustomize build of apps/a: Secret other/db: stringData.password is not SOPS-encrypted",
                    "kustomize build of apps/a, apps/b: Secret app/db: stringData.password is not SOPS-encrypted",
                ],
            );
        });

        it("a build that fails is exit 2 beside the findings of the others, and is not counted as built", async () => {
            const dir = r.repo({
                "apps/a/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/b/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/c/kustomization.yaml": EMPTY_KUSTOMIZATION,
            });
            const kustomize = standIn(dir, {
                "apps/a": SECRET("db"),
                "apps/b": fails("Error: accumulating resources: missing.yaml: no such file or directory", 1),
            });
            const check = await checkSecrets(dir, { kustomize: kustomize.tool });
            assert.equal(check.counts.builds, 2);
            const report = await secretsReport(dir, "fleet", { kustomize: kustomize.tool });
            assert.deepEqual(report, {
                code: 2,
                text:
                    "plaintext secrets would land, or secrets would go to the wrong key, in fleet:\n" +
                    "  kustomize build of apps/a: Secret app/db: stringData.password is not SOPS-encrypted\n" +
                    "the secret guard could not check fleet (exit 2: fix these, nothing was passed):\n" +
                    "  apps/b: kustomize build failed (stand-in kustomize v0.0.1, exit 1): Error: accumulating resources: missing.yaml: no such file or directory\n",
            });
        });

        it("the build limits reach the builds: one that does not finish in time is stopped and named", async () => {
            const dir = r.repo({ "apps/a/kustomization.yaml": EMPTY_KUSTOMIZATION });
            const hangs = { command: "/bin/sh", args: () => ["-c", "exec sleep 30"], version: "hangs" };
            const started = Date.now();
            const { errors } = await checkSecrets(dir, { kustomize: hangs, build: { timeoutMs: 200 } });
            assert.deepEqual(errors, [{ file: "apps/a", reason: "kustomize build did not finish within 0.2 s" }]);
            assert.ok(Date.now() - started < 10000, "stopped, not waited for");
        });
    });

    describe("the report", () => {
        it("counts each HelmRelease once, however many files and builds hold it", async () => {
            const release =
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cache\n  namespace: flux-system\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: redis\n";
            const dir = r.repo({
                "apps/cache/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/cache/release.yaml": release,
                "apps/other/release.yaml": release.replace("name: cache", "name: other"),
            });
            const report = await secretsReport(dir, "fleet", {
                kustomize: standIn(dir, { "apps/cache": release }).tool,
            });
            assert.equal(
                report.text,
                "fleet: no plaintext secrets (3 files read, 1 kustomizations built with stand-in kustomize v0.0.1, 0 .sops.yaml creation rules, 0 encrypted files, 0 templates with placeholders only, 2 HelmReleases, 0 clusters checked for their environment's key)\n",
            );
        });

        it("the same finding twice is reported once; control characters in names are escaped, so no line can be forged", async () => {
            const evil = "apps/db\n  apps-ok.yaml: fine.yaml";
            const dir = r.repo({ "apps/twice.yaml": `${SECRET("db")}---\n${SECRET("db")}` });
            writeFileSync(join(dir, evil), SECRET("db"));
            const report = await secretsReport(dir, "fleet\u001b[2J", { kustomize: standIn(dir).tool });
            assert.deepEqual(report, {
                code: 1,
                text:
                    "plaintext secrets would land, or secrets would go to the wrong key, in fleet\\u001b[2J:\n" +
                    "  apps/db\\u000a  apps-ok.yaml: fine.yaml: Secret app/db: stringData.password is not SOPS-encrypted\n" +
                    "  apps/twice.yaml: Secret app/db: stringData.password is not SOPS-encrypted\n",
            });
        });

        it("names the directory as given when no other name is given", async () => {
            const dir = r.repo({ "apps/db.yaml": SECRET("db") });
            const report = await secretsReport(dir);
            assert.equal(report.code, 1);
            assert.equal(
                report.text.split("\n")[0],
                `plaintext secrets would land, or secrets would go to the wrong key, in ${dir}:`,
            );
        });
    });

    describe("the command: npm run fleet -- --check-secrets DIR", () => {
        it("exit 0 with the summary and 1 with the findings on stdout; 2 with what could not be checked on stderr", async () => {
            // Fleets without a kustomization: the command finds no kustomize, and needs none.
            const clean = r.repo({ "apps/cm.yaml": CONFIGMAP("a") });
            const leaky = r.repo({ "apps/db.yaml": SECRET("db") });
            const broken = r.repo({ "apps/db.yaml": SECRET("db"), "apps/bad.yaml": "a: [unclosed\n" });
            const run = (dir: string) => runCliInProcess(runCli, ["--check-secrets", dir]);
            const passing = await run(clean);
            assert.deepEqual([passing.status, passing.stderr], [0, ""]);
            assert.match(
                passing.stdout,
                new RegExp(`^${clean}: no plaintext secrets \\(1 files read, 0 kustomizations`),
            );
            const failing = await run(leaky);
            assert.deepEqual(failing, {
                status: 1,
                stdout: `plaintext secrets would land, or secrets would go to the wrong key, in ${leaky}:\n  apps/db.yaml: Secret app/db: stringData.password is not SOPS-encrypted\n`,
                stderr: "",
            });
            const refused = await run(broken);
            assert.equal(refused.status, 2);
            assert.equal(refused.stdout, "");
            assert.match(
                refused.stderr,
                /the secret guard could not check .* \(exit 2: fix these, nothing was passed\):\n {2}apps\/bad\.yaml:1:\d+: /,
            );
            assert.match(refused.stderr, /apps\/db\.yaml: Secret app\/db: stringData\.password is not SOPS-encrypted/);
        });
    });

    describe("a fleet directory it cannot check is exit 2", () => {
        it("none given, not a directory, or not there", async () => {
            const dir = r.repo({ "notes.yaml": "a: 1\n" });
            for (const root of ["", "   "]) {
                const check = await checkSecrets(root);
                assert.deepEqual(
                    [check.findings, check.errors],
                    [[], [{ file: "(the fleet directory)", reason: "no directory given" }]],
                );
            }
            assert.deepEqual((await checkSecrets(join(dir, "notes.yaml"))).errors, [
                { file: join(dir, "notes.yaml"), reason: "is not a directory" },
            ]);
            assert.deepEqual((await checkSecrets(join(dir, "gone"))).errors, [
                { file: join(dir, "gone"), reason: "cannot be read (ENOENT)" },
            ]);
            assert.deepEqual(await secretsReport(join(dir, "gone"), "fleet"), {
                code: 2,
                text:
                    "the secret guard could not check fleet (exit 2: fix these, nothing was passed):\n" +
                    `  ${join(dir, "gone")}: cannot be read (ENOENT)\n`,
            });
        });

        it("a fleet directory given through a symlink is checked where it is: the links inside it stay inside", async () => {
            const dir = r.repo({ "apps/app/kustomization.yaml": EMPTY_KUSTOMIZATION, "notes/db.txt": SECRET("db") });
            symlinkSync("../../notes/db.txt", join(dir, "apps/app/db.yaml"));
            const link = `${dir}-link`;
            symlinkSync(dir, link);
            try {
                const kustomize = standIn(dir);
                const check = await checkSecrets(link, { kustomize: kustomize.tool });
                assert.deepEqual(check.errors, []);
                assert.deepEqual(check.findings, [
                    { file: "apps/app/db.yaml", reason: "Secret app/db: stringData.password is not SOPS-encrypted" },
                ]);
                assert.deepEqual(kustomize.built, ["apps/app"], "built at its real path");
            } finally {
                rmSync(link);
            }
        });

        it("no kustomization and no YAML file: not a fleet repository; unless something else already kept it from checking", async () => {
            const dir = r.repo({
                "README.md": "# fleet\n",
                "notes.txt": "password: hunter2\n",
                ".sops.yaml": "creation_rules: []\n",
            });
            assert.deepEqual(await secretsReport(dir, "fleet"), {
                code: 2,
                text:
                    "the secret guard could not check fleet (exit 2: fix these, nothing was passed):\n" +
                    `  ${dir}: holds no kustomization and no YAML file: is this the fleet repository?\n`,
            });
            const unreadable = r.repo({ "README.md": "# fleet\n" });
            mkdirSync(join(unreadable, "apps"));
            const check = await checkSecrets(unreadable, {
                io: {
                    readdir: (path) => {
                        if (path.endsWith("/apps")) {
                            throw Object.assign(new Error("EACCES"), { code: "EACCES" });
                        }
                        return ["README.md", "apps"];
                    },
                    // A real descriptor: the walk closes what open returns, and closing 0 closed the test
                    // worker's stdin (a later pipe then took fd 0, and libuv aborted the worker closing it).
                    open: () => openSync(devNull, "r"),
                },
            });
            assert.deepEqual(check.errors, [{ file: "apps/", reason: "cannot be read (permission denied)" }]);
            assert.ok(existsSync(unreadable));
        });
    });

    describe(".sops.yaml", () => {
        it("only the repository's own .sops.yaml is read: a .sops.yml, or a second .sops.yaml deeper down, is a finding", async () => {
            const rules =
                "creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev\n";
            const dir = r.repo({
                ".sops.yaml": rules,
                ".sops.yml": rules,
                "apps/.sops.yaml": rules,
                "apps/team/.sops.yml": rules,
                "apps/cm.yaml": CONFIGMAP("a"),
            });
            const check = await checkSecrets(dir, { kustomize: standIn(dir).tool });
            assert.deepEqual(check.errors, []);
            assert.equal(check.counts.rules, 1);
            assert.equal(check.counts.files, 1, "the SOPS configurations are not read as manifests");
            assert.deepEqual(
                check.findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    ".sops.yml: SOPS ignores .sops.yml (it reads .sops.yaml): rename it, or the rules in it are not the ones used",
                    "apps/.sops.yaml: a second SOPS configuration: `sops` run in this directory uses it instead of the repository's .sops.yaml, which is the one the guard checks; remove it",
                    "apps/team/.sops.yml: a second SOPS configuration: `sops` run in this directory uses it instead of the repository's .sops.yaml, which is the one the guard checks; remove it",
                ],
            );
        });

        it("a .sops.yaml that is not YAML is exit 2 naming it, and its rules are not half-used", async () => {
            const dir = r.repo({
                ".sops.yaml": "creation_rules:\n  - path_regex: [unclosed\n",
                "apps/db.enc.yaml": SECRET("db"),
            });
            const check = await checkSecrets(dir, { kustomize: standIn(dir).tool });
            assert.equal(check.counts.rules, 0);
            assert.equal(check.errors.length, 1, JSON.stringify(check.errors));
            assert.equal(check.errors[0].file, ".sops.yaml");
            assert.match(check.errors[0].reason, /\S/);
            assert.deepEqual(
                check.findings.map((f) => `${f.file}: ${f.reason}`),
                ["apps/db.enc.yaml: Secret app/db: stringData.password is not SOPS-encrypted"],
            );
        });
    });
});
