// The secret guard's checks on one object (fleet/guard/objects.ts), without kustomize: which names and values count as
// credentials in clear, the false-positive annotation, a Secret's values and metadata.
import * as assert from "node:assert/strict";
import {
    checkObject,
    isCredentialKey,
    objectName,
    PLAINTEXT_ANNOTATION,
    scalarText,
} from "../../../fleet/guard/objects";
import { DEV_KEY, sopsEncrypt } from "../../support/sops";

const helmRelease = (values: unknown, annotations?: Record<string, string>) => ({
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: "chart", namespace: "flux-system", ...(annotations ? { annotations } : {}) },
    spec: { values },
});
const flagged = (o: Record<string, unknown>) => checkObject(o).problems.map((p) => /^(\S+) /.exec(p)?.[1]);

describe("fleet secret guard: one object (fleet/guard/objects.ts)", () => {
    it("credential-looking names, and names that only refer to or configure one", () => {
        for (const name of [
            "password",
            "dbPassword",
            "DB_PASSWORD",
            "admin-passwd",
            "passphrase",
            "pwd",
            "clientSecret",
            "secretKey",
            "apiKey",
            "api_key",
            "accessKey",
            "privateKey",
            "token",
            "authToken",
            "connectionString",
            "CONNECTION_STRING",
            "connStr",
            "credentials",
            "dsn",
            "sasToken",
            "webhookUrl",
            "accountKey",
        ]) {
            assert.equal(isCredentialKey(name), true, name);
        }
        for (const name of [
            "existingSecret",
            "existingSecretPasswordKey",
            "secretName",
            "secretRef",
            "secretKeyRef",
            "tokenTTL",
            "passwordLength",
            "passwordPolicy",
            "useSecret",
            "createSecret",
            "tokenPath",
            "secretAnnotations",
            "username",
            "host",
            "FLUX_IDENTITY_CLIENT_ID",
            "SOPS_KEY_VAULT_URI",
            "enabled",
        ]) {
            assert.equal(isCredentialKey(name), false, name);
        }
    });

    it("HelmRelease values: credentials by name, by shape (a URL with a password, a private key), in an embedded Secret; not Flux variables, placeholders, booleans or empty values", () => {
        const problems = flagged(
            helmRelease({
                auth: { password: "hunter2", enabled: true, existingSecret: "redis", token: "", apiKey: "${API_KEY}" },
                db: {
                    url: "postgres://app:hunter2@db:5432/app",
                    template: "postgres://app:${DB_PASSWORD}@db/app",
                    docs: "https://user@example.com/",
                },
                tls: { key: "-----BEGIN EC PRIVATE KEY-----\nMHcC..." },
                tokens: ["a1", "b2"],
                extraObjects: [
                    { apiVersion: "v1", kind: "Secret", metadata: { name: "x" }, stringData: { host: "db" } },
                ],
                secrets: { name: "my-secret" },
                port: 5432,
            }),
        );
        assert.deepEqual(problems, [
            "spec.values.auth.password",
            "spec.values.db.url",
            "spec.values.tls.key",
            "spec.values.tokens[0]",
            "spec.values.tokens[1]",
            "spec.values.extraObjects[0].stringData.host",
        ]);
    });

    it(`the ${PLAINTEXT_ANNOTATION} annotation: path -> reason allows that path (and below); no reason, no allowance; not a mapping, a finding`, () => {
        const values = { auth: { password: "not-secret-at-all", extra: { token: "t" } }, api: { token: "abc" } };
        assert.deepEqual(
            flagged(
                helmRelease(values, {
                    [PLAINTEXT_ANNOTATION]:
                        "auth: the chart's demo defaults, replaced in every real environment\napi.token: a public sandbox token\n",
                }),
            ),
            [],
        );
        assert.deepEqual(
            flagged(
                helmRelease(values, { [PLAINTEXT_ANNOTATION]: "auth.password: ok, a local test value\napi.token: \n" }),
            ),
            ["fleet.aks-gitops.io/plaintext-values", "spec.values.auth.extra.token", "spec.values.api.token"],
        );
        assert.deepEqual(
            checkObject(helmRelease(values, { [PLAINTEXT_ANNOTATION]: "- auth.password" })).problems[0],
            `the annotation ${PLAINTEXT_ANNOTATION} must be a YAML mapping of value path -> reason`,
        );
    });

    it("Flux Kustomization substitutions: a credential-named variable in clear points to substituteFrom", () => {
        const k = {
            apiVersion: "kustomize.toolkit.fluxcd.io/v1",
            kind: "Kustomization",
            metadata: { name: "apps", namespace: "flux-system" },
            spec: {
                postBuild: {
                    substitute: {
                        ENVIRONMENT: "dev",
                        DB_PASSWORD: "hunter2",
                        FLUX_IDENTITY_CLIENT_ID: "${FLUX_IDENTITY_CLIENT_ID}",
                    },
                },
            },
        };
        const problems = checkObject(k).problems;
        assert.equal(problems.length, 1);
        assert.match(
            problems[0],
            /^spec\.postBuild\.substitute\.DB_PASSWORD looks like a credential in clear: put it in a SOPS-encrypted Secret and take it from spec\.postBuild\.substituteFrom \(kind: Secret\)/,
        );
    });

    it("a Secret: plain values, a Flux variable (kept for later), a default after :=, ciphertext without metadata, any casing of the kind", () => {
        const secret = (stringData: Record<string, string>, data?: Record<string, string>) => ({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s" },
            stringData,
            ...(data ? { data } : {}),
        });
        assert.deepEqual(checkObject(secret({ a: "plain" })).problems, ["stringData.a is not SOPS-encrypted"]);
        const ref = checkObject(secret({ a: "${DB_PASSWORD}" }));
        assert.deepEqual([ref.problems, ref.refs], [[], [{ at: "stringData.a", variable: "DB_PASSWORD" }]]);
        assert.deepEqual(checkObject(secret({ a: "${DB_PASSWORD:=hunter2}" })).problems, [
            "stringData.a is not SOPS-encrypted (the default after :=/:- is plain text in Git)",
        ]);
        assert.deepEqual(checkObject(secret({}, { b: Buffer.from("plain").toString("base64"), empty: "" })).problems, [
            "data.b is not SOPS-encrypted",
        ]);
        const encrypted = sopsEncrypt(secret({ a: "x" }), DEV_KEY) as { stringData: Record<string, string> };
        assert.deepEqual(checkObject(secret(encrypted.stringData)).problems, [
            "holds ENC[...] values but no sops metadata: kustomize-controller would apply the ciphertext as it is (was the sops block removed?)",
        ]);
        assert.deepEqual(checkObject({ ...secret({ a: "plain" }), kind: "secret" }).problems, [
            "stringData.a is not SOPS-encrypted",
        ]);
        assert.deepEqual(checkObject(sopsEncrypt(secret({ a: "x" }), DEV_KEY)).problems, [], "what SOPS writes passes");
    });

    it("names an object in a report by its kind, namespace and name; a name that is not a scalar prints as ?", () => {
        assert.equal(objectName({ kind: "Secret", metadata: { namespace: "apps", name: "db" } }), "Secret apps/db");
        assert.equal(objectName({ kind: "ConfigMap", metadata: { name: 42 } }), "ConfigMap 42");
        assert.equal(
            objectName({ kind: "Secret", metadata: { name: { nested: "x" } } }),
            "Secret ?",
            "never [object Object]",
        );
        assert.equal(objectName({ kind: "Secret" }), "Secret ?");
        assert.equal(objectName({ data: {} }), "a document");
        assert.equal(
            objectName({ kind: "Secret", metadata: { namespace: "", name: "db" } }),
            "Secret db",
            "no namespace",
        );
        assert.equal(objectName({ kind: "Secret", metadata: { namespace: null, name: "db" } }), "Secret db");
    });

    it("reads a name or namespace YAML typed as a number or a boolean (`name: 42`, `name: true`) as its text", () => {
        assert.equal(scalarText(true, "?"), "true");
        assert.equal(scalarText(false, "?"), "false");
        assert.equal(scalarText(0, "?"), "0");
        assert.equal(scalarText("", "?"), "");
        assert.equal(scalarText(null, "?"), "?");
        assert.equal(scalarText(["a"], "?"), "?");
    });
});
