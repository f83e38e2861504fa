// The legitimate ways a SOPS file reaches a Secret through kustomize (secretGenerator files: and envs:), which
// kustomize-controller decrypts and the secret guard must let through, built with real `kubectl kustomize` (the
// end-to-end tier: each guard run here is seven kustomize processes). SOPS's formats themselves, in process, are in
// sops.test.ts.
import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { checkSecrets } from "../../../fleet/secrets";
import { fleetWith, guardKustomize, haveKubectl, kustomizeBuilt, secretsIn } from "../../support/fleet-guard";
import { DEV_KEY, sopsDotenv, sopsEncrypt } from "../../support/sops";

describe("fleet secret guard: SOPS's formats (fleet/guard/sops.ts)", () => {
    describe("on the base fleet: SOPS files as kustomize-controller reads them (secretGenerator sources, settings)", function () {
        // Each guard run here is 7 `kubectl kustomize` processes: a test whose two inputs are independent checks two
        // copies of the base fleet at once, with the kustomize the guard finds looked up once (guardKustomize).
        this.timeout(120000);
        const made: { remove(): void }[] = [];
        afterEach(() => made.splice(0).forEach((f) => f.remove()));
        before(function () {
            if (!haveKubectl) {
                this.skip();
            }
        });
        /** A copy of the base fleet, removed after the test. */
        const baseFleet = (): string => {
            const fleet = fleetWith();
            made.push(fleet);
            return fleet.dir;
        };
        const check = (dir: string) => checkSecrets(dir, { kustomize: guardKustomize() });
        const put = (dir: string, path: string, text: string) => {
            mkdirSync(dirname(join(dir, path)), { recursive: true });
            writeFileSync(join(dir, path), text);
        };
        const overlay = "apps/app/overlays/dev";
        const generate = (dir: string, generator: Record<string, unknown>) =>
            put(
                dir,
                `${overlay}/kustomization.yaml`,
                stringify({
                    apiVersion: "kustomize.config.k8s.io/v1beta1",
                    kind: "Kustomization",
                    namespace: "app",
                    resources: ["../../base", "db.enc.yaml"],
                    secretGenerator: [generator],
                }),
            );

        it("metadata claiming other settings than the file's rule: the rule decides what must be ENC[...]", async () => {
            const fleet = baseFleet();
            // Encrypted with encrypted_regex ^nothing$ (so nothing at all), as if SOPS had been run with other flags.
            put(
                fleet,
                `${overlay}/db.enc.yaml`,
                stringify(
                    sopsEncrypt(
                        {
                            apiVersion: "v1",
                            kind: "Secret",
                            metadata: { name: "db", namespace: "app" },
                            stringData: { password: "s3cr3t" },
                        },
                        DEV_KEY,
                        "^nothing$",
                    ),
                ),
            );
            const found = (await check(fleet)).findings
                .filter((f) => f.file === `${overlay}/db.enc.yaml`)
                .map((f) => f.reason);
            assert.deepEqual(found, [
                "Secret app/db: stringData.password is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
                "Secret app/db: was encrypted with encrypted_regex: ^nothing$, but .sops.yaml creation rule 1 says encrypted_regex: ^(data|stringData)$",
            ]);
        });

        it("a dotenv file a rule covers: plaintext is a finding, SOPS's dotenv format passes", async () => {
            // The same rule added to two copies: one with the file in plaintext, one with it as SOPS writes it.
            const [plain, encrypted] = [baseFleet(), baseFleet()];
            for (const fleet of [plain, encrypted]) {
                const sops = readFileSync(join(fleet, ".sops.yaml"), "utf8");
                put(
                    fleet,
                    ".sops.yaml",
                    `${sops}  - path_regex: (^|/)apps/[^/]+/overlays/dev/.*\\.enc\\.env$\n    azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev\n`,
                );
            }
            put(plain, `${overlay}/db.enc.env`, "PASSWORD=s3cr3t\n");
            put(encrypted, `${overlay}/db.enc.env`, sopsDotenv({ PASSWORD: "s3cr3t" }, DEV_KEY));
            const [plainCheck, encryptedCheck] = await Promise.all([check(plain), check(encrypted)]);
            assert.deepEqual(
                plainCheck.findings.map((f) => `${f.file}: ${f.reason}`),
                [
                    `${overlay}/db.enc.env: is covered by .sops.yaml creation rule 3 but is not SOPS-encrypted (run: sops --encrypt --in-place ${overlay}/db.enc.env)`,
                ],
            );
            assert.deepEqual([...encryptedCheck.findings, ...encryptedCheck.errors], []);
            assert.equal(encryptedCheck.counts.encrypted, 3);
        });

        it("a Helm chart's templates are left to helm-controller: Go templates are not manifests", async () => {
            const fleet = baseFleet();
            put(fleet, "charts/cache/Chart.yaml", "apiVersion: v2\nname: cache\nversion: 0.1.0\n");
            put(
                fleet,
                "charts/cache/templates/secret.yaml",
                'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData:\n  password: "{{ .Values.password }}"\n',
            );
            put(
                fleet,
                "charts/cache/templates/deployment.yaml",
                "{{- if .Values.enabled }}\napiVersion: apps/v1\n{{- end }}\n",
            );
            const { findings, errors } = await check(fleet);
            assert.deepEqual([...findings, ...errors], []);
        });

        it("files: a SOPS JSON file passes, and is checked for its environment's key", async () => {
            const fleet = baseFleet();
            put(
                fleet,
                `${overlay}/creds.enc.json`,
                JSON.stringify(sopsEncrypt({ user: "app", password: "s3cr3t" }, DEV_KEY, null), null, 2),
            );
            generate(fleet, { name: "creds", files: ["creds.enc.json"] });
            const [built, { findings, errors }] = await Promise.all([
                kustomizeBuilt(join(fleet, overlay)),
                check(fleet),
            ]);
            const creds = secretsIn(built).find((s) => s.metadata?.name?.startsWith("creds-"));
            assert.match(
                Buffer.from(String((creds?.data as Record<string, string>)["creds.enc.json"]), "base64").toString(),
                /"mac": "ENC\[/,
                "the Secret carries the whole SOPS file",
            );
            assert.deepEqual([...findings, ...errors], []);
        });

        it("envs: a SOPS dotenv file passes; a plaintext line next to it does not", async () => {
            // Two copies at once: the SOPS dotenv file alone, and with a plaintext line added.
            const [sops, extra] = [baseFleet(), baseFleet()];
            put(sops, `${overlay}/db.enc.env`, sopsDotenv({ PASSWORD: "s3cr3t", USER: "app" }, DEV_KEY));
            put(extra, `${overlay}/db.enc.env`, `${sopsDotenv({ PASSWORD: "s3cr3t" }, DEV_KEY)}EXTRA=plaintext\n`);
            for (const fleet of [sops, extra]) {
                generate(fleet, { name: "env", envs: ["db.enc.env"] });
            }
            const [sopsCheck, extraCheck] = await Promise.all([check(sops), check(extra)]);
            assert.deepEqual([...sopsCheck.findings], []);
            const found = extraCheck.findings.map((f) => f.reason);
            assert.ok(
                found.some((r) =>
                    /^Secret app\/env-[a-z0-9]+: data\.EXTRA is not ENC\[\.\.\.\] \(a value added next to a SOPS dotenv file\)$/.test(
                        r,
                    ),
                ),
                found.join("\n"),
            );
        });

        it("files: a file that only claims to be SOPS is reported: with Flux's marker for its structure, without as plain text", async () => {
            // kustomize-controller looks for `"mac": "ENC[` in a JSON value (decryptor.go sopsFormatToMarkerBytes).
            // Two copies at once: the JSON with that marker (indented), and the same JSON on one line (without it).
            const [marked, unmarked] = [baseFleet(), baseFleet()];
            put(
                marked,
                `${overlay}/creds.json`,
                JSON.stringify({ password: "s3cr3t", sops: { mac: "ENC[x" } }, null, 1),
            );
            put(unmarked, `${overlay}/creds.json`, JSON.stringify({ password: "s3cr3t", sops: { mac: "ENC[x" } }));
            for (const fleet of [marked, unmarked]) {
                generate(fleet, { name: "creds", files: ["creds.json"] });
            }
            const [markedCheck, unmarkedCheck] = await Promise.all([check(marked), check(unmarked)]);
            let found = markedCheck.findings.map((f) => `${f.file}: ${f.reason}`);
            assert.ok(
                found.some((r) =>
                    /Secret app\/creds-[a-z0-9]+: data\.creds\.json \(a SOPS json file\): sops\.mac is not a MAC SOPS wrote/.test(
                        r,
                    ),
                ),
                found.join("\n"),
            );
            assert.ok(
                found.some((r) =>
                    /Secret app\/creds-[a-z0-9]+: data\.creds\.json \(a SOPS json file\): password is not ENC\[\.\.\.\]$/.test(
                        r,
                    ),
                ),
                found.join("\n"),
            );
            assert.ok(found.includes(`${overlay}/creds.json: a document: sops.version is missing`), found.join("\n"));
            found = unmarkedCheck.findings.map((f) => f.reason);
            assert.ok(
                found.some((r) => /^Secret app\/creds-[a-z0-9]+: data\.creds\.json is not SOPS-encrypted$/.test(r)),
                found.join("\n"),
            );
        });
    });
});
