// What the secret guard (fleet/secrets.ts) makes of Flux Kustomizations, in process with a stand-in for kustomize
// (test/support/guard-stand-in.ts):
//   - what a spec.path applies: its build when it holds a kustomization file, otherwise what kustomize-controller's
//     generated kustomization lists: every *.yaml/*.yml below it and every directory holding a kustomization file,
//     not descending into those (fluxcd/pkg kustomize/kustomize_generator.go generateKustomization, scanManifests);
//   - a Secret value that is only ${VAR}, with VAR set in clear in the postBuild.substitute of a Kustomization
//     applying it: plain text in Git;
//   - spec.patches, which kustomize-controller adds to the kustomization it builds, generated or not
//     (kustomize_generator.go WriteFile): the guard builds the path with the patches as an overlay of its own.
import * as assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { checkSecrets, secretsReport } from "../../fleet/secrets";
import { HANGS, repos, standIn } from "../support/guard-stand-in";

const EMPTY_KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n";
const secret = (name: string, stringData: Record<string, string>) =>
    stringify({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "app" }, stringData });
/** A Flux Kustomization as `npm run fleet` writes one in clusters/<cluster>/ (kustomize.toolkit.fluxcd.io/v1). */
const fluxKustomization = (path: string, spec: Record<string, unknown> = {}, name = "apps") =>
    stringify({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: "flux-system" },
        spec: {
            interval: "10m",
            path,
            prune: true,
            sourceRef: { kind: "GitRepository", name: "flux-system" },
            ...substitute({}),
            ...spec,
        },
    });
/** postBuild.substitute with the cluster's ENVIRONMENT, as `npm run fleet` renders it, and `vars`. */
const substitute = (vars: Record<string, string>) => ({
    postBuild: {
        substitute: { ENVIRONMENT: "dev", SOPS_KEY_VAULT_URI: "https://kv-contoso-sops-dev.vault.azure.net", ...vars },
    },
});
/** SOPS's encrypted form of a string (aes/cipher.go), as a substitution value encrypted in place would be. */
const ENCRYPTED =
    "ENC[AES256_GCM,data:3q2+7w==,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]";
const PATCH = {
    target: { kind: "Secret", name: "db" },
    patch: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  replica-password: hunter2\n",
};
const IN_CLEAR = (variable: string, kustomization = "flux-system/apps", where = "clusters/dev-westeurope/apps.yaml") =>
    `stringData.password is \${${variable}}, which Flux Kustomization ${kustomization} sets in postBuild.substitute (found in ${where}): plain text in Git; take it from postBuild.substituteFrom a SOPS-encrypted Secret instead`;

/** dev's rule, as `npm run fleet` writes it, so that the cluster's environment has its key. */
const SOPS_CONFIG =
    "creation_rules:\n  - path_regex: (^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n    azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev\n";

describe("fleet secret guard: Flux Kustomizations (fleet/secrets.ts, in process)", () => {
    const repositories = repos("guard-flux-");
    const r = { repo: (files: Record<string, string>) => repositories.repo({ ".sops.yaml": SOPS_CONFIG, ...files }) };
    afterEach(() => repositories.removeAll());

    describe("a Secret value set in clear by postBuild.substitute", () => {
        it("in the files a path without a kustomization applies: *.yaml and *.yml at any depth, not JSON, not what a kustomization directory holds", async () => {
            const ref = (name: string) => secret(name, { password: "${RELAY}" });
            const dir = r.repo({
                "clusters/dev-westeurope/apps.yaml": fluxKustomization(
                    "./apps/plain",
                    substitute({ RELAY: "hunter2" }),
                ),
                "apps/plain/smtp.yaml": ref("smtp"),
                "apps/plain/sub/relay.yml": ref("relay"),
                "apps/plain/sub/relay.json": JSON.stringify({
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "json", namespace: "app" },
                    stringData: { password: "${RELAY}" },
                }),
                "apps/plain/k/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/plain/k/inner.yaml": ref("inner"),
                "apps/plain/k/deeper/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/plain/k/sub/deep.yaml": ref("deep"),
                "apps/plainer/other.yaml": ref("other"),
                "apps/other.yaml": ref("outside"),
            });
            const kustomize = standIn(dir, {
                // What each build prints: the directory the path lists, and one nested in it (which that one lists).
                "apps/plain/k": ref("built"),
                "apps/plain/k/deeper": ref("deeper"),
            });
            const { findings, errors } = await checkSecrets(dir, { kustomize: kustomize.tool });
            assert.deepEqual(errors, []);
            assert.deepEqual(
                findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    `apps/plain/smtp.yaml: Secret app/smtp: ${IN_CLEAR("RELAY")}`,
                    `apps/plain/sub/relay.yml: Secret app/relay: ${IN_CLEAR("RELAY")}`,
                    `kustomize build of apps/plain/k: Secret app/built: ${IN_CLEAR("RELAY")}`,
                ],
            );
        });

        it("only a variable set to a value in clear: not one left empty, encrypted, or not set", async () => {
            const dir = r.repo({
                "clusters/dev-westeurope/apps.yaml": fluxKustomization(
                    "./apps/app",
                    substitute({ EMPTY: "", SEALED: ENCRYPTED, RELAY: "hunter2" }),
                ),
                "apps/app/empty.yaml": secret("empty", { password: "${EMPTY}" }),
                "apps/app/sealed.yaml": secret("sealed", { password: "${SEALED}" }),
                "apps/app/unset.yaml": secret("unset", { password: "${UNSET}" }),
                "apps/app/relay.yaml": secret("relay", { password: "${RELAY}" }),
            });
            const { findings, errors } = await checkSecrets(dir, { kustomize: standIn(dir).tool });
            assert.deepEqual(errors, []);
            assert.deepEqual(
                findings.map((f) => `${f.file}: ${f.reason}`),
                [`apps/app/relay.yaml: Secret app/relay: ${IN_CLEAR("RELAY")}`],
            );
        });

        it("a path with a kustomization applies its build; spec.path `.` applies the whole repository; each use is reported once", async () => {
            const dir = r.repo({
                "clusters/dev-westeurope/apps.yaml": fluxKustomization("./apps/app/", substitute({ RELAY: "hunter2" })),
                // A second Kustomization applying the same build with the same variable: one finding (the first's, in file order).
                "clusters/dev-westeurope/again.yaml": fluxKustomization(
                    "apps/app",
                    substitute({ RELAY: "hunter3" }),
                    "again",
                ),
                "clusters/dev-westeurope/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/app/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "infrastructure/root.yaml": fluxKustomization("./", substitute({ ROOT_VAR: "hunter2" }), "root"),
                "notes/relay.yaml": secret("notes", { password: "${ROOT_VAR}" }),
            });
            const { findings, errors } = await checkSecrets(dir, {
                kustomize: standIn(dir, { "apps/app": secret("relay", { password: "${RELAY}" }) }).tool,
            });
            assert.deepEqual(errors, []);
            assert.deepEqual(
                findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    `kustomize build of apps/app: Secret app/relay: ${IN_CLEAR("RELAY", "flux-system/again", "clusters/dev-westeurope/again.yaml")}`,
                    `notes/relay.yaml: Secret app/notes: ${IN_CLEAR("ROOT_VAR", "flux-system/root", "infrastructure/root.yaml")}`,
                ],
            );
        });
    });

    describe("spec.patches: the path built with the Kustomization's patches, as kustomize-controller builds it", () => {
        it("an overlay listing the path, with the patches as they are; its findings named by the Kustomization; removed afterwards", async () => {
            const dir = r.repo({
                "clusters/dev-westeurope/apps.yaml": fluxKustomization("./apps/app", { patches: [PATCH] }),
                "clusters/dev-westeurope/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/app/kustomization.yaml": EMPTY_KUSTOMIZATION,
            });
            const kustomize = standIn(dir, {
                // The cluster's build lists the same Kustomization: still one overlay for it.
                "clusters/dev-westeurope": fluxKustomization("./apps/app", { patches: [PATCH] }),
                "(overlay)": secret("db", { "replica-password": "hunter2" }),
            });
            const check = await checkSecrets(dir, { kustomize: kustomize.tool });
            assert.deepEqual(check.errors, []);
            assert.deepEqual(
                check.findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    "kustomize build of Flux Kustomization flux-system/apps of clusters/dev-westeurope (spec.path ./apps/app with its spec.patches): Secret app/db: stringData.replica-password is not SOPS-encrypted",
                ],
            );
            assert.equal(kustomize.overlays.length, 1);
            const [overlay] = kustomize.overlays;
            const { resources, ...rest } = overlay.kustomization as { resources: string[] };
            assert.deepEqual(rest, {
                apiVersion: "kustomize.config.k8s.io/v1beta1",
                kind: "Kustomization",
                patches: [PATCH],
            });
            assert.deepEqual(
                resources.map((p) => resolve(overlay.dir, p)),
                [join(dir, "apps/app")],
            );
            assert.ok(!existsSync(overlay.dir), "the overlay is removed after the run");
            assert.equal(check.counts.builds, 3, "two directories and the overlay");
        });

        it("a path without a kustomization: the overlay lists what Flux would generate; one outside clusters/ is named by its file", async () => {
            const dir = r.repo({
                "infrastructure/flux/apps.yaml": fluxKustomization("./apps/plain", { patches: [PATCH] }),
                "apps/plain/db.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n",
                "apps/plain/sub/more.yml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n",
                "apps/plain/sub/skip.json": "{}",
                "apps/plain/k/kustomization.yaml": EMPTY_KUSTOMIZATION,
                "apps/plain/k/inner.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inner\n",
            });
            const kustomize = standIn(dir, { "(overlay)": secret("db", { "replica-password": "hunter2" }) });
            const { findings, errors } = await checkSecrets(dir, { kustomize: kustomize.tool });
            assert.deepEqual(errors, []);
            assert.deepEqual(
                findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    "kustomize build of Flux Kustomization flux-system/apps of infrastructure/flux/apps.yaml (spec.path ./apps/plain with its spec.patches): Secret app/db: stringData.replica-password is not SOPS-encrypted",
                ],
            );
            const [overlay] = kustomize.overlays;
            assert.deepEqual(
                (overlay.kustomization.resources as string[]).map((p) => resolve(overlay.dir, p)),
                ["apps/plain/k", "apps/plain/db.yaml", "apps/plain/sub/more.yml"].map((p) => join(dir, p)),
            );
        });

        it("no patches or an empty list: no overlay", async () => {
            const dir = r.repo({
                "clusters/dev-westeurope/a.yaml": fluxKustomization("./apps/app", {}, "a"),
                "clusters/dev-westeurope/b.yaml": fluxKustomization("./apps/app", { patches: [] }, "b"),
                "apps/app/kustomization.yaml": EMPTY_KUSTOMIZATION,
            });
            const kustomize = standIn(dir);
            const { findings, errors } = await checkSecrets(dir, { kustomize: kustomize.tool });
            assert.deepEqual([...findings, ...errors], []);
            assert.deepEqual(kustomize.overlays, []);
        });

        // No spec.path is the source's root to kustomize-controller (api/v1/kustomization_types.go), so its patches
        // are built there: skipping it let a patch put plaintext into a Secret with exit 0.
        it("no path: the repository root is built with the patches", async () => {
            const dir = r.repo({
                "clusters/dev-westeurope/c.yaml": stringify({
                    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
                    kind: "Kustomization",
                    metadata: { name: "c", namespace: "flux-system" },
                    spec: { patches: [PATCH] },
                }),
                "kustomization.yaml": EMPTY_KUSTOMIZATION,
            });
            const kustomize = standIn(dir, { "(overlay)": secret("db", { "replica-password": "hunter2" }) });
            const { findings, errors } = await checkSecrets(dir, { kustomize: kustomize.tool });
            assert.deepEqual(errors, []);
            assert.deepEqual(
                findings.filter((f) => f.file.startsWith("kustomize build")).map((f) => `${f.file}: ${f.reason}`),
                [
                    "kustomize build of Flux Kustomization flux-system/c of clusters/dev-westeurope (spec.path ./ with its spec.patches): Secret app/db: stringData.replica-password is not SOPS-encrypted",
                ],
            );
            assert.equal(kustomize.overlays.length, 1);
            assert.deepEqual(kustomize.overlays[0].kustomization.patches, [PATCH]);
        });

        it("a substitution in clear reaches what the overlay builds too", async () => {
            const dir = r.repo({
                "clusters/dev-westeurope/apps.yaml": fluxKustomization("./apps/app", {
                    patches: [PATCH],
                    ...substitute({ RELAY: "hunter2" }),
                }),
                "apps/app/kustomization.yaml": EMPTY_KUSTOMIZATION,
            });
            const { findings } = await checkSecrets(dir, {
                kustomize: standIn(dir, { "(overlay)": secret("smtp", { password: "${RELAY}" }) }).tool,
            });
            assert.deepEqual(
                findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    `kustomize build of Flux Kustomization flux-system/apps of clusters/dev-westeurope (spec.path ./apps/app with its spec.patches): Secret app/smtp: ${IN_CLEAR("RELAY")}`,
                ],
            );
        });

        it("an overlay build that does not finish is exit 2 naming the Kustomization, under the same limits as the others", async () => {
            const dir = r.repo({
                "clusters/dev-westeurope/apps.yaml": fluxKustomization("./apps/app", { patches: [PATCH] }),
                "apps/app/kustomization.yaml": EMPTY_KUSTOMIZATION,
            });
            const check = await checkSecrets(dir, {
                kustomize: standIn(dir, { "(overlay)": HANGS }).tool,
                build: { timeoutMs: 300 },
            });
            assert.deepEqual(check.errors, [
                {
                    file: "Flux Kustomization flux-system/apps of clusters/dev-westeurope (spec.path ./apps/app with its spec.patches)",
                    reason: "kustomize build did not finish within 0.3 s",
                },
            ]);
            assert.equal(check.counts.builds, 1, "the path's own build only");
        });

        it("a repository without any kustomization file: the patches are still built, with the kustomize the guard finds", async () => {
            // Flux generates the kustomization for a path without one and adds spec.patches to it
            // (fluxcd/pkg kustomize/kustomize_generator.go WriteFile), so the patches land as they would with one.
            const tools = mkdtempSync(join(tmpdir(), "guard-flux-tools-"));
            const kustomize = join(tools, "kustomize");
            writeFileSync(
                kustomize,
                `#!/bin/sh\n[ "$1" = version ] && { echo 'v5.6.0'; exit 0; }\nprintf '%s' '${secret("db", { "replica-password": "hunter2" })}'\n`,
            );
            chmodSync(kustomize, 0o755);
            const dir = r.repo({
                "clusters/dev-westeurope/apps.yaml": fluxKustomization("./apps/plain", { patches: [PATCH] }),
                "apps/plain/db.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\n",
            });
            const saved = process.env.AKS_GITOPS_KUSTOMIZE;
            try {
                process.env.AKS_GITOPS_KUSTOMIZE = kustomize;
                assert.deepEqual(await secretsReport(dir, "fleet"), {
                    code: 1,
                    text:
                        "plaintext secrets would land, or secrets would go to the wrong key, in fleet:\n" +
                        "  kustomize build of Flux Kustomization flux-system/apps of clusters/dev-westeurope (spec.path ./apps/plain with its spec.patches): Secret app/db: stringData.replica-password is not SOPS-encrypted\n",
                });
                // And without a kustomize to build them with, it cannot say: exit 2, not a pass.
                process.env.AKS_GITOPS_KUSTOMIZE = join(tools, "missing");
                const report = await secretsReport(dir, "fleet");
                assert.equal(report.code, 2, report.text);
                assert.match(report.text, /\(kustomize\): AKS_GITOPS_KUSTOMIZE=.*missing does not run/);
            } finally {
                if (saved === undefined) {
                    delete process.env.AKS_GITOPS_KUSTOMIZE;
                } else {
                    process.env.AKS_GITOPS_KUSTOMIZE = saved;
                }
                rmSync(tools, { recursive: true, force: true });
            }
        });
    });
});
