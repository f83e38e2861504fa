// The secret guard's rules for a Secret (fleet/guard/objects.ts checkObject), on Secrets as a careless commit holds
// them and as `kubectl kustomize` outputs them: every finding's text literally, the ones that must pass (empty values,
// Flux variables, <placeholders> in templates, what SOPS writes, SOPS files from secretGenerator files:/envs:) and the
// ones that must be found (base64 of a password in data, a password pasted into data in clear, stringData, ciphertext
// without its sops block, values added after encryption, credentials in metadata).
import * as assert from "node:assert/strict";
import { parseOne } from "../../../fleet/guard/documents";
import { checkObject } from "../../../fleet/guard/objects";
import { parseSopsConfig } from "../../../fleet/guard/sops";
import { DEV_KEY, sopsDotenv, sopsEncrypt, sopsYaml } from "../../support/sops";

const secret = (fields: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "apps", ...metadata },
    type: "Opaque",
    ...fields,
});

/** A data value as `kubectl kustomize` prints it: base64, wrapped at 70 characters in a block scalar (kustomize v5.5). */
const kustomizeBase64 = (text: string): string => {
    const b64 = Buffer.from(text).toString("base64");
    return b64.length <= 70 ? b64 : `${b64.replace(/.{70}/g, "$&\n")}\n`.replace(/\n\n$/, "\n");
};

/** The Secret kustomize builds from `secretGenerator: envs: [file]` (one data key per line of the file, sops_* included). */
const fromEnvs = (dotenv: string, extra: Record<string, string> = {}) => {
    const data: Record<string, string> = {};
    for (const line of dotenv.split("\n").filter((l) => l !== "")) {
        const eq = line.indexOf("=");
        data[line.slice(0, eq)] = kustomizeBase64(line.slice(eq + 1));
    }
    for (const [k, v] of Object.entries(extra)) {
        data[k] = kustomizeBase64(v);
    }
    return secret({ data });
};

const DEV_KEY_AS_READ = {
    type: "azure_kv",
    id: "https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev",
    vault: "https://kv-contoso-sops-dev.vault.azure.net",
    version: "9b3e7c1d2a4f4e0f8c6b5a4d3e2f1a0b",
};

describe("fleet secret guard: a Secret (fleet/guard/objects.ts)", () => {
    describe("without sops metadata: every value must be empty, a Flux variable or a SOPS file", () => {
        it("data holding base64 of a password (as kustomize prints it, wrapped) or the password pasted in clear is found", () => {
            const long = "correct-horse-battery-staple-correct-horse-battery-staple-correct-horse";
            const result = checkObject(
                secret({
                    data: {
                        password: kustomizeBase64("hunter2"),
                        long: kustomizeBase64(long),
                        pasted: "hunter2",
                    },
                }),
            );
            assert.ok(kustomizeBase64(long).includes("\n"), "the long value is wrapped as kustomize wraps it");
            assert.deepEqual(result.problems, [
                "data.password is not SOPS-encrypted",
                "data.long is not SOPS-encrypted",
                "data.pasted is not SOPS-encrypted",
            ]);
            assert.deepEqual(result.refs, []);
            assert.equal(result.keys, undefined, "a plaintext Secret is encrypted to no key");
        });

        it("stringData in clear, a number, a boolean, and a malformed ENC[...] in either section are found", () => {
            assert.deepEqual(
                checkObject(
                    secret({
                        stringData: {
                            password: "hunter2",
                            pin: 1234,
                            enabled: true,
                            token: "ENC[AES256_GCM,data:abc]",
                        },
                        data: { key: "ENC[AES256_GCM,data:abc]" },
                    }),
                ).problems,
                [
                    "data.key is not SOPS-encrypted (a malformed ENC[...] value)",
                    "stringData.password is not SOPS-encrypted",
                    "stringData.pin is not SOPS-encrypted",
                    "stringData.enabled is not SOPS-encrypted",
                    "stringData.token is not SOPS-encrypted (a malformed ENC[...] value)",
                ],
            );
        });

        it("empty values pass: an empty string, a key with nothing after it (null), empty or absent sections", () => {
            for (const fields of [
                { stringData: { password: "", token: null }, data: { key: "", other: null } },
                { data: null, stringData: null },
                { data: {} },
                {},
            ]) {
                assert.deepEqual(
                    checkObject(secret(fields)),
                    { problems: [], refs: [], keys: undefined },
                    JSON.stringify(fields),
                );
            }
        });

        it("data or stringData that is not a mapping is found", () => {
            assert.deepEqual(checkObject(secret({ data: "hunter2", stringData: ["hunter2"] })).problems, [
                "data is not a mapping",
                "stringData is not a mapping",
            ]);
        });

        it("a Flux variable is kept for later (in stringData, and in data, where Flux substitutes before the apply); base64 of one is only that text", () => {
            const result = checkObject(
                secret({
                    stringData: { password: "${DB_PASSWORD}" },
                    data: { token: "${API_TOKEN}", literal: kustomizeBase64("${DB_PASSWORD}") },
                }),
            );
            assert.deepEqual(result.problems, []);
            assert.deepEqual(result.refs, [
                { at: "data.token", variable: "API_TOKEN" },
                { at: "stringData.password", variable: "DB_PASSWORD" },
            ]);
            // A default after := is in Git whatever the variable holds; in data too (base64 hides it from substitution,
            // so the value is that text, default included).
            assert.deepEqual(
                checkObject(secret({ data: { a: "${A:-hunter2}", b: kustomizeBase64("${B:=hunter2}") } })).problems,
                [
                    "data.a is not SOPS-encrypted (the default after :=/:- is plain text in Git)",
                    "data.b is not SOPS-encrypted (the default after :=/:- is plain text in Git)",
                ],
            );
            // Only a value that is nothing but the variable is one: text around it is in Git; `${VAR-default}` and
            // `${VAR=default}` (no colon) take a default too, and a default may hold blanks (drone/envsubst).
            assert.deepEqual(
                checkObject(
                    secret({
                        stringData: {
                            a: "hunter2-${ENVIRONMENT}",
                            b: "${ENVIRONMENT}-hunter2",
                            c: "${DB_PASSWORD-hunter2}",
                            d: "${GREETING:=correct horse}",
                            e: "hunter2${SUFFIX:=}",
                            f: "${PREFIX:=}hunter2",
                        },
                    }),
                ).problems,
                [
                    "stringData.a is not SOPS-encrypted",
                    "stringData.b is not SOPS-encrypted",
                    "stringData.c is not SOPS-encrypted (the default after :=/:- is plain text in Git)",
                    "stringData.d is not SOPS-encrypted (the default after :=/:- is plain text in Git)",
                    "stringData.e is not SOPS-encrypted",
                    "stringData.f is not SOPS-encrypted",
                ],
            );
            // An empty default leaves the variable's own value, which a Flux Kustomization may set in clear.
            const emptyDefault = checkObject(
                secret({ stringData: { password: "${DB_PASSWORD:=}", user: "${DB_USER:-}" } }),
            );
            assert.deepEqual(
                [emptyDefault.problems, emptyDefault.refs],
                [
                    [],
                    [
                        { at: "stringData.password", variable: "DB_PASSWORD" },
                        { at: "stringData.user", variable: "DB_USER" },
                    ],
                ],
            );
        });
    });

    describe("a *.example template: <placeholders> only", () => {
        it("passes empty values and <placeholders>; a value is found, whatever its type", () => {
            const template = secret({
                stringData: {
                    password: "<db-password>",
                    user: "",
                    host: null,
                    token: "hunter2",
                    nested: "<a<b>",
                    url: "<user>:hunter2",
                },
                data: { pin: 1234 },
            });
            assert.deepEqual(checkObject(template, { template: true }).problems, [
                "data.pin holds a value, not a <placeholder>: templates are committed in plain text",
                "stringData.token holds a value, not a <placeholder>: templates are committed in plain text",
                "stringData.nested holds a value, not a <placeholder>: templates are committed in plain text",
                "stringData.url holds a value, not a <placeholder>: templates are committed in plain text",
            ]);
            assert.deepEqual(
                checkObject(secret({ stringData: { password: "<db-password>", user: "", host: null } }), {
                    template: true,
                }).problems,
                [],
            );
        });
    });

    describe("its metadata, which SOPS leaves in clear under encrypted_regex ^(data|stringData)$", () => {
        const noteOf = (annotations: Record<string, unknown>, labels: Record<string, unknown> = {}) =>
            checkObject(secret({ stringData: { password: "" } }, { annotations, labels })).problems;

        it("a credential-named annotation or label in clear is found, prefix or not; a credential-shaped value under any name too", () => {
            assert.deepEqual(
                noteOf(
                    {
                        "example.com/api-token": "hunter2",
                        "example.com/upstream": "https://app:hunter2@db.example.com:5432/app",
                    },
                    { password: "hunter2" },
                ),
                [
                    "metadata.annotations.example.com/api-token looks like a credential in clear (SOPS encrypts data and stringData, not metadata)",
                    "metadata.annotations.example.com/upstream holds what looks like a credential in clear (SOPS encrypts data and stringData, not metadata)",
                    "metadata.labels.password looks like a credential in clear (SOPS encrypts data and stringData, not metadata)",
                ],
            );
        });

        it("a number or a !!binary value in a file is the text kustomize prints for it (`12345678`, the decoded bytes)", () => {
            // `kubectl kustomize` (kustomize v5.5.0) prints `example.com/api-token: 12345678` as "12345678"; a label keeps
            // the number, which the API server refuses, but it is in Git all the same.
            const parsed = parseOne(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    example.com/api-token: 12345678\n    example.com/note: !!binary cGFzc3dvcmQ9aHVudGVyMg==\n  labels:\n    pin: 1234\n    replicas: 3\n",
                1,
            ) as Record<string, unknown>;
            assert.deepEqual(checkObject(parsed).problems, [
                "metadata.annotations.example.com/api-token looks like a credential in clear (SOPS encrypts data and stringData, not metadata)",
                "metadata.annotations.example.com/note holds what looks like a credential in clear (SOPS encrypts data and stringData, not metadata)",
            ]);
        });

        it("passes what is no credential: a name only the prefix makes look like one, empty values, Flux variables, ciphertext, non-strings", () => {
            const encrypted = sopsEncrypt(secret({ stringData: { token: "hunter2" } }), DEV_KEY) as {
                stringData: { token: string };
            };
            assert.deepEqual(
                noteOf(
                    {
                        // Bitnami's sealed-secrets controller marks the Secrets it manages so.
                        "sealedsecrets.bitnami.com/managed": "true",
                        "example.com/api-token": "",
                        "example.com/webhook-url": "${WEBHOOK_URL}",
                        "example.com/api-key": "${API_KEY:=}",
                        "example.com/signing-key": null,
                        "example.com/token": encrypted.stringData.token,
                        "example.com/rotate": true,
                    },
                    { "secrets-store.csi.k8s.io/managed": "true", app: "db" },
                ),
                [],
            );
        });

        it("is read on Secrets only: a ConfigMap exported from a cluster, last-applied-configuration and all, passes", () => {
            const configMap = {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: {
                    name: "settings",
                    annotations: {
                        "kubectl.kubernetes.io/last-applied-configuration":
                            '{"apiVersion":"v1","data":{"LOG_LEVEL":"info"},"kind":"ConfigMap","metadata":{"name":"settings"}}\n',
                    },
                },
                data: { LOG_LEVEL: "info" },
            };
            assert.deepEqual(checkObject(configMap).problems, []);
        });

        it("kubectl apply's last-applied-configuration holding data or stringData is found; one without values passes", () => {
            const at = "kubectl.kubernetes.io/last-applied-configuration";
            const finding = `metadata.annotations.${at} holds the Secret's values in clear (kubectl apply's copy of the object): remove the annotation`;
            // kubectl writes the object as compact JSON (json.Marshal); a hand-formatted copy has blanks.
            assert.deepEqual(
                noteOf({
                    [at]: '{"apiVersion":"v1","data":{"password":"aHVudGVyMg=="},"kind":"Secret","metadata":{"name":"db"}}\n',
                }),
                [finding],
            );
            assert.deepEqual(noteOf({ [at]: '{ "stringData" : { "password": "hunter2" } }' }), [finding]);
            assert.deepEqual(noteOf({ [at]: '{"stringData":\n  {\n    "password": "hunter2"}}' }), [finding]);
            assert.deepEqual(
                noteOf({
                    [at]: '{"apiVersion":"v1","data":{},"kind":"Secret","metadata":{"name":"db"},"type":"Opaque"}\n',
                }),
                [],
            );
        });
    });

    describe("with sops metadata: what SOPS writes passes, values in clear next to ciphertext are found", () => {
        it("a value added in clear after encryption is found, in stringData even when the file's encrypted_regex covers only data", () => {
            const encrypted = sopsEncrypt(
                secret({ data: { password: kustomizeBase64("hunter2") } }),
                DEV_KEY,
                "^data$",
            );
            assert.deepEqual(checkObject(encrypted).problems, [], "what SOPS writes passes");
            assert.deepEqual(checkObject({ ...encrypted, stringData: { extra: "added-later" } }).problems, [
                "stringData.extra is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
            ]);
            assert.deepEqual(checkObject(encrypted).keys, [DEV_KEY_AS_READ]);
            // Its metadata is read as SOPS wrote it: a version removed is a finding.
            const sops = { ...(encrypted.sops as Record<string, unknown>) };
            delete sops.version;
            assert.deepEqual(checkObject({ ...encrypted, sops }).problems, ["sops.version is missing"]);
            // data that is no mapping at all, in clear next to the ciphertext.
            const stringOnly = sopsEncrypt(secret({ stringData: { password: "hunter2" } }), DEV_KEY, "^stringData$");
            assert.deepEqual(checkObject({ ...stringOnly, data: "aHVudGVyMg==" }).problems, [
                "data is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
            ]);
        });

        it("any other object SOPS encrypted passes with its metadata in clear (kustomize-controller decrypts any object with sops metadata)", () => {
            // fluxcd/kustomize-controller internal/decryptor/decryptor.go DecryptResource: isSOPSEncryptedResource (a
            // `sops` field with a `mac`) is decrypted whatever its kind.
            const configMap = {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "settings", namespace: "apps" },
                data: { connectionString: "Server=db;Password=hunter2" },
            };
            assert.deepEqual(checkObject(sopsEncrypt(configMap, DEV_KEY)).problems, []);
            const release = {
                apiVersion: "helm.toolkit.fluxcd.io/v2",
                kind: "HelmRelease",
                metadata: { name: "redis", namespace: "apps" },
                spec: { chart: { spec: { chart: "redis" } }, values: { auth: { password: "hunter2" } } },
            };
            assert.deepEqual(checkObject(sopsEncrypt(release, DEV_KEY, "^(values)$")).problems, []);
        });

        it("encrypted with other settings than the .sops.yaml rule says: the difference, and every value the rule encrypts that is in clear, sorted", () => {
            const [rule] = parseSopsConfig(
                "creation_rules:\n  - path_regex: .*\\.yaml$\n    azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev\n",
            );
            const encrypted = sopsEncrypt(secret({ stringData: { password: "hunter2" } }), DEV_KEY);
            const [same] = parseSopsConfig(
                "creation_rules:\n  - azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev\n    encrypted_regex: ^(data|stringData)$\n",
            );
            assert.deepEqual(checkObject(encrypted, { rule: same }).problems, [], "encrypted as its rule says");
            const patched = { ...encrypted, stringData: { ...(encrypted.stringData as object), zz: "added" } };
            assert.deepEqual(checkObject(patched, { rule }).problems, [
                "was encrypted with encrypted_regex: ^(data|stringData)$, but .sops.yaml creation rule 1 says unencrypted_suffix: _unencrypted",
                "apiVersion is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
                "kind is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
                "metadata.name is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
                "metadata.namespace is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
                "stringData.zz is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
                "type is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
            ]);
        });
    });

    describe("SOPS files kustomize's secretGenerator puts in a Secret, which kustomize-controller decrypts", () => {
        it("files: a SOPS YAML file as a data value passes with its key; one edited in clear is found", () => {
            const file = sopsYaml({ password: "hunter2", user: "app" }, DEV_KEY, null);
            const result = checkObject(secret({ data: { "config.yaml": kustomizeBase64(file) } }));
            assert.deepEqual(result, { problems: [], refs: [], keys: [DEV_KEY_AS_READ] });
            const edited = file.replace(/^user: .*$/m, "user: root");
            assert.deepEqual(checkObject(secret({ data: { "config.yaml": kustomizeBase64(edited) } })).problems, [
                "data.config.yaml (a SOPS yaml file): user is not ENC[...]",
            ]);
        });

        it("envs: a SOPS dotenv file's lines (sops_* among them) pass with its key; a literal added next to them, or a broken sops_* line, is found", () => {
            const dotenv = sopsDotenv({ PASSWORD: "s3cr3t", USER: "app" }, DEV_KEY);
            assert.deepEqual(checkObject(fromEnvs(dotenv)), { problems: [], refs: [], keys: [DEV_KEY_AS_READ] });
            // secretGenerator literals next to envs land in the same Secret, in clear; an emptied value is no secret.
            assert.deepEqual(checkObject(fromEnvs(dotenv, { HOST: "db.internal", PORT: "" })).problems, [
                "data.HOST is not ENC[...] (a value added next to a SOPS dotenv file)",
            ]);
            // A sops_mac that is no ciphertext: not a SOPS file at all, so every line is a value in clear.
            const forged = checkObject(fromEnvs(dotenv.replace(/^sops_mac=.*$/m, "sops_mac=forged")));
            assert.ok(forged.problems.includes("data.sops_mac is not SOPS-encrypted"), forged.problems.join("\n"));
            assert.ok(
                forged.problems.includes(
                    "holds ENC[...] values but no sops metadata: kustomize-controller would apply the ciphertext as it is (was the sops block removed?)",
                ),
            );
            assert.equal(forged.keys, undefined);
            assert.deepEqual(checkObject(fromEnvs(dotenv.replace(/^sops_version=.*$/m, "sops_version="))).problems, [
                "data (from a SOPS dotenv file): sops.version is missing",
            ]);
        });
    });
});
