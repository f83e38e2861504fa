// The secret guard's file-by-file pass (fleet/secrets.ts), in process: which files it reads as manifests, which a
// .sops.yaml creation rule makes it require to be SOPS-encrypted, and what it counts. A file no kustomization lists is
// still applied by Flux when a Flux Kustomization points at its directory, so this pass is what catches it. The
// kustomize builds are a stand-in here (test/support/guard-stand-in.ts); SOPS's formats are test/support/sops.ts.
import * as assert from "node:assert/strict";
import { checkSecrets } from "../../fleet/secrets";
import { repos, standIn } from "../support/guard-stand-in";
import { DEV_KEY, sopsDotenv, sopsYaml } from "../support/sops";

const SECRET_OBJECT = (name: string, stringData: Record<string, string> = { password: "hunter2" }) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "app" },
    type: "Opaque",
    stringData,
});
const SECRET = (name: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: app\ntype: Opaque\nstringData:\n  password: hunter2\n`;
const DEV_VAULT_KEY = "https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev";
/** A .sops.yaml with one rule for dev's directories (as `npm run fleet` writes it) and its settings. */
const DEV_RULE = (pathRegex: string, settings = "    encrypted_regex: ^(data|stringData)$\n") =>
    `creation_rules:\n  - path_regex: ${pathRegex}\n${settings}    azure_keyvault: ${DEV_VAULT_KEY}\n`;
const OVERLAY_RULE = DEV_RULE("(^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.(ya?ml|env|txt)$");
const ENV_RULE = DEV_RULE("(^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.(ya?ml|env)$", "");
/** dev's cluster, so that a file encrypted in dev's overlay is in an environment's directory. */
const DEV_CLUSTER = {
    "clusters/dev-westeurope/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n",
};

describe("fleet secret guard: the file-by-file pass (fleet/secrets.ts, in process)", () => {
    const r = repos("guard-files-");
    afterEach(() => r.removeAll());
    const check = async (files: Record<string, string>) => {
        const dir = r.repo(files);
        const result = await checkSecrets(dir, { kustomize: standIn(dir).tool });
        return {
            findings: result.findings.map((f) => `${f.file}: ${f.reason}`),
            errors: result.errors.map((f) => `${f.file}: ${f.reason}`),
            counts: result.counts,
        };
    };

    describe("which files are read", () => {
        it("YAML and JSON by any case of extension; other files only when a rule covers them", async () => {
            const { findings, errors, counts } = await check({
                "apps/a/db.YAML": SECRET("upper"),
                "apps/a/db.yml": SECRET("yml"),
                "apps/a/db.json": JSON.stringify(SECRET_OBJECT("json")),
                "apps/a/db.ini": SECRET("ini"),
                "apps/a/db.yaml.orig": SECRET("orig"),
                "apps/a/password": "hunter2\n",
            });
            assert.deepEqual(errors, []);
            assert.deepEqual(findings, [
                "apps/a/db.json: Secret app/json: stringData.password is not SOPS-encrypted",
                "apps/a/db.YAML: Secret app/upper: stringData.password is not SOPS-encrypted",
                "apps/a/db.yml: Secret app/yml: stringData.password is not SOPS-encrypted",
            ]);
            assert.equal(counts.files, 3);
            assert.equal(counts.documents, 3);
        });

        it("a Helm chart's templates (at any depth, the repository's root included) are Go templates, not read; the rest of the chart is", async () => {
            const chart = "apiVersion: v2\nname: cache\nversion: 0.1.0\n";
            const template =
                'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData:\n  password: "{{ .Values.password }}"\n';
            const nested = await check({
                "charts/cache/Chart.yaml": chart,
                "charts/cache/templates/secret.yaml": template,
                "charts/cache/templates/sub/secret.yaml": template,
                "charts/cache/values.yaml": SECRET("chart-values"),
                // Not a chart's templates: a directory of that name without a Chart.yaml above it.
                "apps/templates/db.yaml": SECRET("not-a-chart"),
                "charts/templates/db.yaml": SECRET("beside-the-chart"),
            });
            assert.deepEqual(nested.errors, []);
            assert.deepEqual(nested.findings, [
                "apps/templates/db.yaml: Secret app/not-a-chart: stringData.password is not SOPS-encrypted",
                "charts/cache/values.yaml: Secret app/chart-values: stringData.password is not SOPS-encrypted",
                "charts/templates/db.yaml: Secret app/beside-the-chart: stringData.password is not SOPS-encrypted",
            ]);
            const root = await check({
                "Chart.yaml": chart,
                "templates/secret.yaml": template,
                "values.yaml": SECRET("root-values"),
            });
            assert.deepEqual(root.findings, [
                "values.yaml: Secret app/root-values: stringData.password is not SOPS-encrypted",
            ]);
            assert.equal(root.counts.files, 2, "Chart.yaml and values.yaml");
        });

        it("a template (*.yaml.example) is checked for placeholders and counted, never as a file a rule covers", async () => {
            const { findings, errors, counts } = await check({
                ".sops.yaml": DEV_RULE("(^|/)apps/[^/]+/overlays/dev/.*\\.enc\\.yaml"),
                "apps/app/overlays/dev/db.enc.yaml.example": `${SECRET("db").replace("hunter2", "<password>")}`,
                "apps/app/overlays/dev/api.enc.YAML.EXAMPLE": SECRET("api"),
            });
            assert.deepEqual(errors, []);
            assert.deepEqual(findings, [
                "apps/app/overlays/dev/api.enc.YAML.EXAMPLE: Secret app/api: stringData.password holds a value, not a <placeholder>: templates are committed in plain text",
            ]);
            assert.equal(counts.templates, 2);
            assert.equal(counts.files, 2);
        });
    });

    describe("files a .sops.yaml rule covers must be SOPS-encrypted", () => {
        it("any file the rule matches, whatever its extension, with the command that fixes it", async () => {
            const { findings, errors } = await check({
                ".sops.yaml": OVERLAY_RULE,
                "apps/app/overlays/dev/token.enc.txt": "hunter2\n",
                "apps/app/overlays/dev/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
            });
            assert.deepEqual(errors, []);
            assert.deepEqual(findings, [
                "apps/app/overlays/dev/token.enc.txt: is covered by .sops.yaml creation rule 1 but is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/token.enc.txt)",
            ]);
        });

        it("every document of a covered file: the one in clear is named by its number; a null one (nothing for kustomize either) is not", async () => {
            const encrypted = sopsYaml(SECRET_OBJECT("db"), DEV_KEY);
            const { findings, errors, counts } = await check({
                ".sops.yaml": OVERLAY_RULE,
                ...DEV_CLUSTER,
                "apps/app/overlays/dev/db.enc.yaml": `${encrypted}---\n~\n---\n${SECRET("forgotten")}`,
                "apps/app/overlays/dev/list.enc.yaml": "- a\n- b\n",
                "apps/app/overlays/dev/two.enc.yaml": `${encrypted}---\n${SECRET("second")}`,
            });
            assert.deepEqual(errors, []);
            assert.deepEqual(findings, [
                "apps/app/overlays/dev/db.enc.yaml: is covered by .sops.yaml creation rule 1 but document 3 is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/db.enc.yaml)",
                "apps/app/overlays/dev/db.enc.yaml: Secret app/forgotten: stringData.password is not SOPS-encrypted",
                "apps/app/overlays/dev/list.enc.yaml: is covered by .sops.yaml creation rule 1 but is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/list.enc.yaml)",
                "apps/app/overlays/dev/two.enc.yaml: is covered by .sops.yaml creation rule 1 but document 2 is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/two.enc.yaml)",
                "apps/app/overlays/dev/two.enc.yaml: Secret app/second: stringData.password is not SOPS-encrypted",
            ]);
            assert.equal(counts.encrypted, 2, "two files hold SOPS metadata");
            assert.equal(counts.documents, 7, "the namespace, three in db.enc.yaml, the list, two in two.enc.yaml");
        });

        it("a catch-all rule (matching every path) covers only *.enc.* files; a rule for some directories covers all of theirs", async () => {
            const catchAll = await check({
                ".sops.yaml": `creation_rules:\n  - azure_keyvault: ${DEV_VAULT_KEY}\n`,
                "apps/app/overlays/dev/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
                "apps/app/overlays/dev/notes.txt": "just notes\n",
                "apps/app/overlays/dev/db.enc.yaml": SECRET("db"),
            });
            assert.deepEqual(catchAll.errors, []);
            assert.deepEqual(catchAll.findings, [
                "apps/app/overlays/dev/db.enc.yaml: is covered by .sops.yaml creation rule 1 but is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/db.enc.yaml)",
                "apps/app/overlays/dev/db.enc.yaml: Secret app/db: stringData.password is not SOPS-encrypted",
            ]);
            // \.yaml$ matches the catch-all probes too (README.yaml, docs/notes/example.yaml): a catch-all for YAML.
            const yamlCatchAll = await check({
                ".sops.yaml": DEV_RULE("\\.yaml$"),
                "apps/app/overlays/dev/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
            });
            assert.deepEqual([...yamlCatchAll.findings, ...yamlCatchAll.errors], []);
            // A rule for the dev overlays alone (matching one probe or none) covers every file there.
            const directory = await check({
                ".sops.yaml": DEV_RULE("^(docs|apps/[^/]+/overlays/dev)/"),
                "apps/app/overlays/dev/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
            });
            assert.deepEqual(directory.findings, [
                "apps/app/overlays/dev/cm.yaml: is covered by .sops.yaml creation rule 1 but is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/cm.yaml)",
            ]);
        });
    });

    describe("dotenv files a rule covers", () => {
        it("SOPS's dotenv format passes and counts as encrypted; a value in clear beside it, or missing metadata, is named", async () => {
            const good = await check({
                ".sops.yaml": ENV_RULE,
                ...DEV_CLUSTER,
                "apps/app/overlays/dev/db.enc.env": sopsDotenv({ PASSWORD: "s3cr3t", USER: "app" }, DEV_KEY),
                // Not covered and not YAML: not read at all.
                "apps/app/overlays/dev/local.env": "PASSWORD=hunter2\n",
            });
            assert.deepEqual([...good.findings, ...good.errors], []);
            assert.equal(good.counts.encrypted, 1);
            assert.equal(good.counts.files, 2, "the namespace and the encrypted dotenv file");

            const edited = sopsDotenv({ PASSWORD: "s3cr3t" }, DEV_KEY)
                .replace(/^sops_mac=.*$/m, "sops_mac=")
                .concat("EXTRA=hunter2\nEMPTY=\n# COMMENT=hunter2\n");
            const bad = await check({
                ".sops.yaml": ENV_RULE,
                "apps/app/overlays/dev/db.enc.env": edited,
                "apps/app/overlays/dev/plain.enc.env": "PASSWORD=hunter2\n",
            });
            assert.deepEqual(bad.errors, []);
            assert.deepEqual(bad.findings, [
                "apps/app/overlays/dev/db.enc.env: EXTRA is not ENC[...] (a value edited in clear after encryption?)",
                "apps/app/overlays/dev/db.enc.env: sops.mac is missing (SOPS writes the encrypted MAC of every value)",
                "apps/app/overlays/dev/plain.enc.env: is covered by .sops.yaml creation rule 1 but is not SOPS-encrypted (run: sops --encrypt --in-place apps/app/overlays/dev/plain.enc.env)",
            ]);
            assert.equal(bad.counts.encrypted, 1, "the one with SOPS metadata");
        });

        it("the rule's settings decide which values must be ENC[...]", async () => {
            const text = `${sopsDotenv({ PASSWORD: "s3cr3t" }, DEV_KEY)}HOST=db.internal\nTOKEN=hunter2\n`;
            const { findings, errors } = await check({
                ".sops.yaml": DEV_RULE(
                    "(^|/)apps/[^/]+/overlays/dev/.*\\.enc\\.env$",
                    "    encrypted_regex: ^(PASSWORD|TOKEN)$\n",
                ),
                "apps/app/overlays/dev/db.enc.env": text,
            });
            assert.deepEqual(errors, []);
            assert.ok(
                findings.includes(
                    "apps/app/overlays/dev/db.enc.env: TOKEN is not ENC[...] (a value edited in clear after encryption?)",
                ),
                findings.join("\n"),
            );
            assert.ok(!findings.some((f) => f.includes("HOST")), findings.join("\n"));
        });

        it("one too large to read is exit 2 naming it", async () => {
            const { errors } = await check({
                ".sops.yaml": ENV_RULE,
                "apps/app/overlays/dev/db.enc.env": `A=${"x".repeat(8 * 1024 * 1024)}\n`,
            });
            assert.equal(errors.length, 1, errors.join("\n"));
            assert.match(errors[0], /^apps\/app\/overlays\/dev\/db\.enc\.env: /);
        });
    });
});
