// The secret guard against the attacks that got plaintext past the file-by-file check (issue 21): each fixture is
// built with `kubectl kustomize` first, to show kustomize really turns it into a Secret with the plaintext in it, then
// the guard must report it. And on the base fixture fleet (two environments, an encrypted Secret each): a forged sops
// block, values edited in clear after encryption, credentials in annotations, an inline patch, Flux substitutions in
// clear, a Secret encrypted to another environment's key, a catch-all rule ahead of an environment's, a cluster
// applying another environment's Secret, and chart passwords in HelmRelease values.
// Speed: a guard run on the base fleet is 7 `kubectl kustomize` processes (~0.1 s of CPU each, mostly kubectl starting),
// so each test runs the guard once per input, with the kustomize it finds looked up once per file (guardKustomize),
// and the test's own `kubectl kustomize` of the same fixture alongside it.
import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { checkSecrets, secretsReport } from "../../fleet/secrets";
import {
    decode,
    FIXTURES,
    fleetWith,
    guardKustomize,
    haveKubectl,
    kustomizeBuilt,
    secretsIn,
} from "../support/fleet-guard";

/** attack -> the Secret value kustomize puts in the output, as the fixture holds it. */
const ATTACKS: Record<string, { key: string; plaintext: string }> = {
    "generator-files": { key: "data.password", plaintext: "s3cr3t-from-file" },
    "generator-envs": { key: "data.PASSWORD", plaintext: "s3cr3t-from-env" },
    "generator-literals-without-kind": { key: "data.password", plaintext: "s3cr3t-literal" },
    json: { key: "stringData.password", plaintext: "s3cr3t-json" },
    list: { key: "stringData.password", plaintext: "s3cr3t-in-list" },
    "merge-key": { key: "stringData.password", plaintext: "s3cr3t-merge" },
    "no-yaml-extension": { key: "stringData.password", plaintext: "s3cr3t-txt" },
    "skipped-folder": { key: "stringData.password", plaintext: "s3cr3t-node-modules" },
};

const valueAt = (o: Record<string, unknown>, key: string): string => {
    const [section, name] = key.split(".");
    const value = (o[section] as Record<string, unknown> | undefined)?.[name];
    return section === "data" ? decode(value) : String(value);
};

describe("fleet secret guard: attacks kustomize turns into Secrets (test/fixtures/fleet-guard)", function () {
    this.timeout(120000);
    before(function () {
        if (!haveKubectl) {
            this.skip(); // pending, not passed: these need real kustomize
        }
    });

    for (const [name, { key, plaintext }] of Object.entries(ATTACKS)) {
        it(`${name}: kustomize builds a Secret holding the plaintext, and the guard reports it (exit 1)`, async () => {
            // A copy: the guard runs on what a repository would hold (see fleetWith), kustomize on the fixture itself.
            const copy = fleetWith(undefined, join(FIXTURES, "attacks", name));
            const [built, report] = await Promise.all([
                kustomizeBuilt(join(FIXTURES, "attacks", name)),
                secretsReport(copy.dir, name, { kustomize: guardKustomize() }),
            ]).finally(() => copy.remove());
            const secrets = secretsIn(built);
            assert.equal(secrets.length, 1, "kustomize turns the fixture into exactly one Secret");
            assert.equal(valueAt(secrets[0], key), plaintext, `kustomize puts the plaintext at ${key}`);
            // Exit 1, not 2: findings, and nothing the guard could not check (any error is exit 2).
            assert.equal(report.code, 1, report.text);
            // Each finding is a line "  <file>: <reason>"; the build of the fixture's directory is "kustomize build of .".
            assert.ok(
                report.text
                    .split("\n")
                    .some(
                        (line) =>
                            line.startsWith("  kustomize build of .: Secret db") &&
                            line.includes(`${key} is not SOPS-encrypted`),
                    ),
                `the build of the fixture is reported:\n${report.text}`,
            );
            assert.ok(!report.text.includes(plaintext), "the report names the key, never the value");
        });
    }

    describe("on the base fleet (test/fixtures/fleet-guard/base + cases/<case>)", () => {
        const made: { remove(): void }[] = [];
        afterEach(() => made.splice(0).forEach((f) => f.remove()));
        /** A temporary fleet (base + case), removed after the test. */
        const fleetOf = (caseName?: string): string => {
            const fleet = fleetWith(caseName);
            made.push(fleet);
            return fleet.dir;
        };
        const findingsIn = async (dir: string) => {
            const check = await checkSecrets(dir, { kustomize: guardKustomize() });
            assert.deepEqual(check.errors, [], "nothing keeps the guard from checking");
            return check.findings.map((f) => `${f.file}: ${f.reason}`);
        };
        const findingsOf = (caseName?: string) => findingsIn(fleetOf(caseName));

        it("the base fleet passes: two environments, each Secret encrypted to its own environment's key", async () => {
            const report = await secretsReport(fleetOf(), "base", { kustomize: guardKustomize() });
            assert.equal(report.code, 0, report.text);
            assert.match(
                report.text,
                /^base: no plaintext secrets \(12 files read, 7 kustomizations built with .+, 2 \.sops\.yaml creation rules, 2 encrypted files, 0 templates with placeholders only, 0 HelmReleases, 2 clusters checked for their environment's key\)\n$/,
            );
        });

        it("a forged sops block (values in clear, a MAC that is none, a key without its encrypted data key)", async () => {
            const dir = fleetOf("forged-sops");
            const [built, found] = await Promise.all([
                kustomizeBuilt(join(dir, "apps/app/overlays/prod")).then(secretsIn),
                findingsIn(dir),
            ]);
            assert.equal(
                (built[0].stringData as Record<string, string>).password,
                "prod-s3cr3t",
                "kustomize applies the plaintext",
            );
            const file = "apps/app/overlays/prod/db.enc.yaml: Secret app/db: ";
            for (const reason of [
                "sops.mac is not a MAC SOPS wrote (ENC[AES256_GCM,...] of a SHA-512)",
                "sops.azure_kv[0] lacks enc (the key and the data key encrypted to it)",
                "stringData.password is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
            ]) {
                assert.ok(found.includes(`${file}${reason}`), `${reason}\n${found.join("\n")}`);
            }
            assert.ok(
                found.includes(
                    "kustomize build of apps/app/overlays/prod, clusters/prod-westeurope/apps: Secret app/db: sops.mac is not a MAC SOPS wrote (ENC[AES256_GCM,...] of a SHA-512)",
                ),
            );
        });

        it("values edited in clear after encryption: exactly those are named", async () => {
            const found = await findingsOf("edited-after-encryption");
            const named = found
                .filter((f) => f.startsWith("apps/app/overlays/prod/db.enc.yaml"))
                .map((f) => /(stringData\.\w+) is not ENC/.exec(f)?.[1]);
            assert.deepEqual(named.sort(), ["stringData.host", "stringData.password"]);
        });

        it("credentials in an encrypted Secret's annotations (SOPS leaves metadata in clear)", async () => {
            const found = await findingsOf("annotation-credential");
            assert.ok(
                found.includes(
                    "apps/app/overlays/prod/db.enc.yaml: Secret app/db: metadata.annotations.kubectl.kubernetes.io/last-applied-configuration holds the Secret's values in clear (kubectl apply's copy of the object): remove the annotation",
                ),
            );
            assert.ok(
                found.includes(
                    "apps/app/overlays/prod/db.enc.yaml: Secret app/db: metadata.annotations.example.com/api-token looks like a credential in clear (SOPS encrypts data and stringData, not metadata)",
                ),
            );
        });

        it("plaintext injected into an encrypted Secret by an inline patch", async () => {
            const dir = fleetOf("inline-patch");
            const [built, found] = await Promise.all([
                kustomizeBuilt(join(dir, "apps/app/overlays/prod")),
                findingsIn(dir),
            ]);
            const db = secretsIn(built)[0];
            assert.equal(
                (db.stringData as Record<string, string>)["admin-password"],
                "hunter2",
                "kustomize adds the plaintext to the encrypted Secret",
            );
            assert.deepEqual(found, [
                "kustomize build of apps/app/overlays/prod, clusters/prod-westeurope/apps: Secret app/db: stringData.admin-password is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
            ]);
        });

        it("plaintext injected by a Flux Kustomization's own spec.patches (kustomize-controller adds them to the build)", async () => {
            const dir = fleetOf("flux-spec-patches");
            // The build kustomize-controller makes: the path, with the Kustomization's patches on top.
            const flux = parse(readFileSync(join(dir, "clusters/prod-westeurope/apps.yaml"), "utf8")) as {
                spec: { patches: unknown[] };
            };
            const overlay = join(dir, "..", "overlay");
            mkdirSync(overlay);
            writeFileSync(
                join(overlay, "kustomization.yaml"),
                stringify({ resources: ["../fleet/clusters/prod-westeurope/apps"], patches: flux.spec.patches }),
            );
            const [built, found] = await Promise.all([kustomizeBuilt(overlay), findingsIn(dir)]);
            const db = secretsIn(built)[0];
            assert.equal(
                (db.stringData as Record<string, string>)["replica-password"],
                "hunter2",
                "kustomize adds the plaintext",
            );
            assert.deepEqual(found, [
                "kustomize build of Flux Kustomization flux-system/apps of clusters/prod-westeurope (spec.path ./clusters/prod-westeurope/apps with its spec.patches): Secret app/db: stringData.replica-password is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
            ]);
        });

        it("a Secret value that is a Flux variable set in clear by the Kustomization applying it", async () => {
            const found = await findingsOf("substitute-in-clear");
            assert.ok(
                found.includes(
                    "kustomize build of clusters/dev-westeurope/apps: Secret app/smtp: stringData.password is ${SMTP_PASSWORD}, which Flux Kustomization flux-system/apps sets in postBuild.substitute (found in clusters/dev-westeurope/apps.yaml): plain text in Git; take it from postBuild.substituteFrom a SOPS-encrypted Secret instead",
                ),
                found.join("\n"),
            );
            assert.ok(
                found.some((f) =>
                    f.startsWith(
                        "clusters/dev-westeurope/apps.yaml: Kustomization flux-system/apps: spec.postBuild.substitute.SMTP_PASSWORD looks like a credential in clear",
                    ),
                ),
            );
        });

        it("a prod Secret encrypted to the dev key: the file, and the prod cluster that applies it", async () => {
            const found = await findingsOf("wrong-environment-key");
            assert.deepEqual(found, [
                "apps/app/overlays/prod/db.enc.yaml: Secret app/db is encrypted to Azure Key Vault key https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev, which is not prod's vault https://kv-contoso-sops-prod.vault.azure.net (SOPS_KEY_VAULT_URI of its clusters): re-encrypt it with prod's rule (sops updatekeys)",
                "clusters/prod-westeurope/: Flux Kustomization flux-system/apps (path ./clusters/prod-westeurope/apps) applies Secret app/db encrypted to Azure Key Vault key https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev, not to prod's vault https://kv-contoso-sops-prod.vault.azure.net (SOPS_KEY_VAULT_URI of its clusters): a prod cluster must not hold another environment's key, and cannot decrypt it without",
            ]);
        });

        it("a catch-all rule before prod's: SOPS would encrypt prod's files to the dev key", async () => {
            const found = await findingsOf("catch-all-rule-first");
            assert.deepEqual(
                found.map((f) => f.split(": ")[0]),
                ["apps/app/overlays/prod/", "clusters/prod-westeurope/"],
                "prod's directories, not dev's (the catch-all sends dev's files to dev's key)",
            );
            assert.match(
                found[1],
                /the first \.sops\.yaml creation rule matching clusters\/prod-westeurope\/secret\.enc\.yaml is rule 1 \(path_regex \\\.enc\\\.ya\?ml\$\), which encrypts to Azure Key Vault key https:\/\/kv-contoso-sops-dev\.vault\.azure\.net\/keys\/sops-dev, not to prod's vault/,
            );
        });

        it("a dev cluster applying another app's prod overlay: a real misroute of a prod-encrypted Secret", async () => {
            const dir = fleetOf("cluster-applies-other-environment");
            const [built, found] = await Promise.all([
                kustomizeBuilt(join(dir, "clusters/dev-westeurope/apps")),
                findingsIn(dir),
            ]);
            const api = secretsIn(built).find((s) => s.metadata?.name === "api");
            assert.equal(
                (api?.sops as { azure_kv: { vault_url: string }[] }).azure_kv[0].vault_url,
                "https://kv-contoso-sops-prod.vault.azure.net",
                "the dev cluster's build carries the prod-encrypted Secret",
            );
            assert.deepEqual(found, [
                "clusters/dev-westeurope/: Flux Kustomization flux-system/apps (path ./clusters/dev-westeurope/apps) applies Secret other/api encrypted to Azure Key Vault key https://kv-contoso-sops-prod.vault.azure.net/keys/sops-prod, not to dev's vault https://kv-contoso-sops-dev.vault.azure.net (SOPS_KEY_VAULT_URI of its clusters): a dev cluster must not hold another environment's key, and cannot decrypt it without",
            ]);
        });

        it("a chart password inline in HelmRelease values points to valuesFrom; references and durations are not credentials", async () => {
            const found = await findingsOf("helmrelease-password");
            assert.equal(found.length, 2, found.join("\n"));
            assert.equal(
                found[0],
                "apps/app/base/helmrelease.yaml: HelmRelease flux-system/cache: spec.values.auth.password looks like a credential in clear: put it in a SOPS-encrypted Secret in the HelmRelease's namespace and take it from spec.valuesFrom (kind: Secret, name: <secret>, valuesKey: <key>, targetPath: auth.password); if it is no secret, list auth.password with the reason in the annotation fleet.aks-gitops.io/plaintext-values",
            );
            assert.match(
                found[1],
                /^kustomize build of apps\/app\/base, .*HelmRelease app\/cache: spec\.values\.auth\.password looks like a credential in clear/,
            );
        });

        it("a value marked with fleet.aks-gitops.io/plaintext-values and a reason passes; without a reason it does not", async () => {
            // Two fleets, checked at once: the case as it is, and the case with the reason emptied.
            const marked = fleetOf("helmrelease-marked");
            const unexplained = fleetOf("helmrelease-marked");
            const path = join(unexplained, "apps/app/base/helmrelease.yaml");
            writeFileSync(
                path,
                readFileSync(path, "utf8").replace(
                    "auth.password: a throwaway password of the in-cluster test cache, used nowhere else",
                    'auth.password: ""',
                ),
            );
            const [passing, unexplainedCheck] = await Promise.all([
                findingsIn(marked),
                checkSecrets(unexplained, { kustomize: guardKustomize() }),
            ]);
            assert.deepEqual(passing, []);
            const found = unexplainedCheck.findings.map((f) => f.reason);
            assert.ok(
                found.includes(
                    "HelmRelease flux-system/cache: fleet.aks-gitops.io/plaintext-values lists auth.password without a reason: say why it is not a secret",
                ),
                found.join("\n"),
            );
            assert.ok(found.some((r) => r.includes("spec.values.auth.password looks like a credential in clear")));
        });
    });
});
