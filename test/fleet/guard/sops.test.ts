// What the secret guard knows about SOPS (fleet/guard/sops.ts), held to SOPS's own source (getsops/sops): which
// values a creation rule encrypts, what an encrypted value and the metadata look like, how .sops.yaml picks a rule; and
// the legitimate ways a SOPS file reaches a Secret through kustomize (secretGenerator files: and envs:), which
// kustomize-controller decrypts and the guard must let through.
import * as assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { checkSecrets } from "../../../fleet/secrets";
import { DocumentError, DocumentSplitter, parseOne } from "../../../fleet/guard/documents";
import {
    firstMatchingRule,
    isEncrypted,
    mustBeEncrypted,
    parseSopsConfig,
    readMetadata,
    SopsConfigError,
} from "../../../fleet/guard/sops";
import { fleetWith, guardKustomize, haveKubectl, kustomizeBuilt, secretsIn } from "../../support/fleet-guard";
import { DEV_KEY, sopsDotenv, sopsEncrypt } from "../../support/sops";

describe("fleet secret guard: SOPS's formats (fleet/guard/sops.ts)", () => {
    describe("a YAML stream, one document at a time (fleet/guard/documents.ts)", () => {
        const split = (text: string, chunk = text.length) => {
            const out: [number, number, unknown][] = [];
            const splitter = new DocumentSplitter((t, line, index) => out.push([index, line, parseOne(t, line)]), 64);
            for (let i = 0; i < text.length; i += chunk) {
                splitter.push(text.slice(i, i + chunk));
            }
            splitter.end();
            return out;
        };
        it("cuts at --- and ... at a line's start, with each document's first line; comments and directives go with the next document", () => {
            const text = "%YAML 1.2\n---\na: 1\n---\n---\nb: |\n  ---indented\n...\n# c\n--- c\n";
            const expected = [
                [1, 1, { a: 1 }],
                [2, 5, { b: "---indented\n" }],
                [3, 9, "c"],
            ];
            assert.deepEqual(split(text), expected);
            assert.deepEqual(split(text, 3), expected, "the same whatever the chunks");
        });
        it("CRLF line ends and a byte order mark", () => {
            assert.deepEqual(split("\uFEFFa: 1\r\n---\r\nb: 2\r\n"), [
                [1, 1, { a: 1 }],
                [2, 2, { b: 2 }],
            ]);
        });
        it("a document or a line past the limit is an error at the line the document starts, even without a newline", () => {
            assert.throws(
                () => split(`a: 1\n---\nb: ${"x".repeat(70)}\n`),
                (e: DocumentError) => e.line === 2 && /larger than/.test(e.message),
            );
            assert.throws(
                () => split("x".repeat(100), 10),
                (e: DocumentError) => e.line === 1,
            );
        });
        it("merge keys resolve as kustomize resolves them; alias bombs are refused", () => {
            assert.deepEqual(parseOne("base: &b\n  kind: Secret\n<<: *b\n", 1), {
                base: { kind: "Secret" },
                kind: "Secret",
            });
            const bomb = [
                "a: &a [x, x, x, x, x, x, x, x, x, x]",
                ..."bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`),
            ].join("\n");
            assert.throws(() => parseOne(bomb, 1), DocumentError);
        });
    });

    describe("an encrypted value is ENC[AES256_GCM,data:<b64>,iv:<32 bytes>,tag:<16 bytes>,type:<type>] (aes/cipher.go)", () => {
        it("accepts what SOPS writes", () => {
            const doc = sopsEncrypt({ stringData: { password: "s3cr3t", port: 5432 } }, DEV_KEY) as {
                stringData: Record<string, string>;
            };
            assert.ok(isEncrypted(doc.stringData.password));
            assert.match(doc.stringData.port, /,type:int\]$/);
            assert.ok(isEncrypted(doc.stringData.port));
        });
        it("refuses what only looks like it", () => {
            const iv = Buffer.alloc(32, 1).toString("base64");
            const tag = Buffer.alloc(16, 2).toString("base64");
            for (const forged of [
                "ENC[AES256_GCM,data:hunter2,iv:x,tag:y,type:str]", // not base64
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${Buffer.alloc(12).toString("base64")},tag:${tag},type:str]`, // SOPS writes a 32-byte IV
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${Buffer.alloc(8).toString("base64")},type:str]`, // and a 16-byte tag
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:secret]`, // types: str int float bytes bool time comment
                `ENC[AES256_CBC,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:str]`,
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:str] and more`,
            ]) {
                assert.equal(isEncrypted(forged), false, forged);
            }
            assert.ok(
                isEncrypted(`ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:str]`),
                "the same shape with valid parts",
            );
        });
    });

    describe("which values a rule encrypts (sops.go Tree.shouldBeEncrypted: every key on the path is tested)", () => {
        const regex = { encrypted_regex: "^(data|stringData)$" };
        it("encrypted_regex ^(data|stringData)$: a Secret's payload, not its metadata, wherever the key sits on the path", () => {
            assert.equal(mustBeEncrypted(["stringData", "password"], regex), true);
            assert.equal(mustBeEncrypted(["data", "tls.key"], regex), true);
            assert.equal(mustBeEncrypted(["metadata", "name"], regex), false);
            assert.equal(mustBeEncrypted(["metadata", "annotations", "data"], regex), true);
            assert.equal(mustBeEncrypted(["spec", "values", "password"], regex), false);
        });
        it("no setting: SOPS's default unencrypted_suffix _unencrypted (everything else encrypted)", () => {
            const rules = parseSopsConfig("creation_rules:\n  - path_regex: x\n    age: age1qqqq\n");
            assert.deepEqual(rules[0].settings, { unencrypted_suffix: "_unencrypted" });
            assert.equal(mustBeEncrypted(["password"], rules[0].settings), true);
            assert.equal(mustBeEncrypted(["host_unencrypted"], rules[0].settings), false);
            assert.equal(mustBeEncrypted(["spec", "values", "password"], rules[0].settings), true);
        });
        it("encrypted_suffix and unencrypted_regex", () => {
            assert.equal(mustBeEncrypted(["password_enc"], { encrypted_suffix: "_enc" }), true);
            assert.equal(mustBeEncrypted(["password"], { encrypted_suffix: "_enc" }), false);
            assert.equal(
                mustBeEncrypted(["metadata", "name"], { unencrypted_regex: "^(metadata|kind|apiVersion)$" }),
                false,
            );
            assert.equal(
                mustBeEncrypted(["stringData", "x"], { unencrypted_regex: "^(metadata|kind|apiVersion)$" }),
                true,
            );
        });
    });

    describe(".sops.yaml (config/config.go)", () => {
        it("the first rule whose path_regex matches wins; a rule without path_regex matches every file", () => {
            const rules = parseSopsConfig(
                "creation_rules:\n  - path_regex: ^clusters/prod-\n    azure_keyvault: https://kv-p.vault.azure.net/keys/k\n  - azure_keyvault: https://kv-d.vault.azure.net/keys/k/abc\n",
            );
            assert.equal(firstMatchingRule(rules, "clusters/prod-x/a.enc.yaml")?.number, 1);
            assert.equal(firstMatchingRule(rules, "anything/else.yaml")?.number, 2);
            assert.deepEqual(rules[1].keys, [
                {
                    type: "azure_kv",
                    id: "https://kv-d.vault.azure.net/keys/k",
                    vault: "https://kv-d.vault.azure.net",
                    version: "abc",
                },
            ]);
        });
        it("reads keys from key_groups (azure_keyvault entries with vaultUrl and key) and comma-separated lists", () => {
            const rules = parseSopsConfig(
                "creation_rules:\n  - path_regex: a\n    key_groups:\n      - azure_keyvault:\n          - vaultUrl: https://KV-A.vault.azure.net/\n            key: sops\n        age: [age1xyz]\n  - path_regex: b\n    age: age1one, age1two\n",
            );
            assert.deepEqual(
                rules[0].keys.map((k) => `${k.type} ${k.id}`),
                ["azure_kv https://kv-a.vault.azure.net/keys/sops", "age age1xyz"],
            );
            assert.deepEqual(
                rules[1].keys.map((k) => k.id),
                ["age1one", "age1two"],
            );
        });
        it("a leading (?i) is RE2's flag syntax: it becomes a JavaScript flag", () => {
            assert.ok(
                parseSopsConfig("creation_rules:\n  - path_regex: (?i)\\.ENC\\.yaml$\n    age: a\n")[0].matches(
                    "x/db.enc.yaml",
                ),
            );
        });
        it("refuses what SOPS would refuse: two encryption settings, a regex that does not compile, an Azure key that is no key URL", () => {
            const refused = (text: string) => assert.throws(() => parseSopsConfig(text), SopsConfigError);
            refused("creation_rules:\n  - path_regex: a\n    encrypted_regex: x\n    unencrypted_suffix: y\n");
            refused("creation_rules:\n  - path_regex: (unclosed\n");
            refused("creation_rules:\n  - path_regex: a\n    azure_keyvault: https://kv.vault.azure.net/secrets/x\n");
            refused("creation_rules: {}\n");
        });
    });

    describe("the sops metadata (stores/stores.go)", () => {
        it("SOPS's own output has no problem", () => {
            assert.deepEqual(readMetadata(sopsEncrypt({ stringData: { a: "b" } }, DEV_KEY).sops).problems, []);
        });
        it("names each missing part: the MAC, the time, the version, a key's encrypted data key, any key at all", () => {
            const meta = sopsEncrypt({ stringData: { a: "b" } }, DEV_KEY).sops as Record<string, unknown>;
            const without = (field: string) => readMetadata({ ...meta, [field]: undefined }).problems;
            assert.deepEqual(without("mac"), ["sops.mac is missing (SOPS writes the encrypted MAC of every value)"]);
            assert.deepEqual(without("lastmodified"), ["sops.lastmodified is missing or not a time"]);
            assert.deepEqual(without("version"), ["sops.version is missing"]);
            assert.deepEqual(
                readMetadata({ ...meta, azure_kv: [{ vault_url: "https://kv.vault.azure.net", name: "k" }] }).problems,
                ["sops.azure_kv[0] lacks enc (the key and the data key encrypted to it)"],
            );
            assert.deepEqual(without("azure_kv"), [
                "the sops metadata names no key (azure_kv, age, pgp, kms, gcp_kms, hc_vault or hckms): nothing could decrypt it",
            ]);
            // A MAC of the wrong size: SOPS encrypts the 128 hex digits of a SHA-512.
            assert.deepEqual(
                readMetadata({ ...meta, mac: (sopsEncrypt({ x: "short" }, DEV_KEY, null) as { x: string }).x })
                    .problems,
                ["sops.mac is not a MAC SOPS wrote (ENC[AES256_GCM,...] of a SHA-512)"],
            );
        });
    });

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
