// The secret guard's rules for inline values (fleet/guard/objects.ts): a HelmRelease's spec.values and a Flux
// Kustomization's spec.postBuild.substitute, the fleet.aks-gitops.io/plaintext-values annotation that lets a value
// through, which objects are HelmReleases and Flux Kustomizations, and a credential's shape inside any text. Every
// finding's text is asserted literally.
import * as assert from "node:assert/strict";
import { parseOne } from "../../../fleet/guard/documents";
import {
    checkObject,
    hasCredentialShape,
    isFluxKustomization,
    isHelmRelease,
    PLAINTEXT_ANNOTATION,
} from "../../../fleet/guard/objects";

const ANNOTATION = "fleet.aks-gitops.io/plaintext-values";

const helmRelease = (values: unknown, annotations?: Record<string, unknown>) => ({
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: "redis", namespace: "apps", ...(annotations ? { annotations } : {}) },
    spec: {
        interval: "10m",
        chart: { spec: { chart: "redis", sourceRef: { kind: "HelmRepository", name: "bitnami" } } },
        values,
    },
});

const fluxKustomization = (substitute: unknown, annotations?: Record<string, unknown>) => ({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: "apps", namespace: "flux-system", ...(annotations ? { annotations } : {}) },
    spec: {
        interval: "10m",
        path: "./apps/dev",
        sourceRef: { kind: "GitRepository", name: "fleet" },
        postBuild: { substitute },
    },
});

/** The finding for one HelmRelease value, as the guard words it. */
const valueFinding = (path: string, why = "") =>
    `spec.values.${path} looks like a credential in clear${why}: put it in a SOPS-encrypted Secret in the HelmRelease's namespace and take it from spec.valuesFrom ` +
    `(kind: Secret, name: <secret>, valuesKey: <key>, targetPath: ${path}); if it is no secret, list ${path} with the reason in the annotation ${ANNOTATION}`;

const substituteFinding = (name: string) =>
    `spec.postBuild.substitute.${name} looks like a credential in clear: put it in a SOPS-encrypted Secret and take it from spec.postBuild.substituteFrom (kind: Secret); ` +
    `if it is no secret, list ${name} with the reason in the annotation ${ANNOTATION}`;

describe("fleet secret guard: inline values (fleet/guard/objects.ts)", () => {
    it(`the annotation is ${ANNOTATION}`, () => {
        assert.equal(PLAINTEXT_ANNOTATION, ANNOTATION);
    });

    describe("which objects carry inline values Flux uses", () => {
        it("a HelmRelease is helm-controller's (helm.toolkit.fluxcd.io, any version); a Flux Kustomization is kustomize-controller's, not kustomize's own", () => {
            // fluxcd/helm-controller api/v2*/groupversion_info.go: Group "helm.toolkit.fluxcd.io" (v2beta1, v2beta2, v2);
            // fluxcd/kustomize-controller api/v1/groupversion_info.go: Group "kustomize.toolkit.fluxcd.io".
            for (const apiVersion of [
                "helm.toolkit.fluxcd.io/v2",
                "helm.toolkit.fluxcd.io/v2beta2",
                "helm.toolkit.fluxcd.io/v2beta1",
            ]) {
                assert.equal(isHelmRelease({ apiVersion, kind: "HelmRelease" }), true, apiVersion);
            }
            assert.equal(isHelmRelease({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "HelmRepository" }), false);
            assert.equal(isHelmRelease({ apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmChart" }), false);
            // Flux v1's Helm Operator, which no Flux v2 controller reconciles.
            assert.equal(isHelmRelease({ apiVersion: "helm.fluxcd.io/v1", kind: "HelmRelease" }), false);
            assert.equal(isHelmRelease({ kind: "HelmRelease" }), false, "no apiVersion: not one, and no crash");

            assert.equal(
                isFluxKustomization({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization" }),
                true,
            );
            // A kustomization.yaml: kustomize's own Kustomization, no Flux object.
            assert.equal(
                isFluxKustomization({
                    apiVersion: "kustomize.config.k8s.io/v1beta1",
                    kind: "Kustomization",
                    resources: [],
                }),
                false,
            );
            assert.equal(isFluxKustomization({ kind: "Kustomization", resources: ["app.yaml"] }), false);
            assert.equal(
                isFluxKustomization({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "HelmRelease" }),
                false,
            );
        });

        it("values of other kinds are not read as HelmRelease values or substitutions", () => {
            const other = { ...helmRelease({ auth: { password: "hunter2" } }), apiVersion: "helm.fluxcd.io/v1" };
            assert.deepEqual(checkObject(other).problems, []);
            const kustomizeOwn = {
                ...fluxKustomization({ DB_PASSWORD: "hunter2" }),
                apiVersion: "kustomize.config.k8s.io/v1beta1",
            };
            assert.deepEqual(checkObject(kustomizeOwn).problems, []);
        });
    });

    describe("HelmRelease values", () => {
        it("a credential by name: a string, a number, a malformed ENC[...]; each finding says how to move it to valuesFrom", () => {
            const result = checkObject(
                helmRelease({
                    auth: { password: "hunter2", pin: 1234 },
                    metrics: { token: "ENC[AES256_GCM,data:abc]" },
                }),
            );
            assert.deepEqual(result.problems, [
                valueFinding("auth.password"),
                valueFinding("metrics.token", " (a malformed ENC[...] value)"),
            ]);
            assert.deepEqual(checkObject(helmRelease({ redis: { password: 12345678 } })).problems, [
                valueFinding("redis.password"),
            ]);
        });

        it("passes what is no credential under a credential-looking name: booleans, null, empty strings, ciphertext, references", () => {
            const result = checkObject(
                helmRelease({
                    automountServiceAccountToken: false,
                    auth: { password: null, token: "", existingSecret: "redis-auth" },
                    tokens: [true, ""],
                }),
            );
            assert.deepEqual(result, { problems: [], refs: [], keys: undefined });
        });

        it("a Flux variable is kept for later with its path; a default after :=/:- is in Git; an empty default is only the variable", () => {
            const result = checkObject(
                helmRelease({
                    auth: { password: "${REDIS_PASSWORD}", token: "${REDIS_TOKEN:-hunter2}", apiKey: "${API_KEY:=}" },
                    sentinel: { passwords: ["${SENTINEL_PASSWORD}"] },
                }),
            );
            assert.deepEqual(result.problems, [
                valueFinding("auth.token", " (the default after :=/:- is plain text in Git)"),
            ]);
            // ${API_KEY:=} is API_KEY's value when a Flux Kustomization sets it (drone/envsubst, which fluxcd/pkg
            // kustomize/kustomize_varsub.go runs: the default only stands in for an unset or empty variable).
            assert.deepEqual(result.refs, [
                { at: "spec.values.auth.password", variable: "REDIS_PASSWORD" },
                { at: "spec.values.auth.apiKey", variable: "API_KEY" },
                { at: "spec.values.sentinel.passwords[0]", variable: "SENTINEL_PASSWORD" },
            ]);
        });

        it("a value YAML tags !!binary is the text it encodes (kustomize prints it decoded): found under a credential name", () => {
            // `kubectl kustomize` (kustomize v5.5.0) prints `password: !!binary aHVudGVyMg==` as `password: hunter2`.
            const release = parseOne(
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: redis}\nspec:\n  values:\n    auth:\n      password: !!binary aHVudGVyMg==\n      token: !!binary ''\n    config: !!binary cGFzc3dvcmQ9aHVudGVyMg==\n",
                1,
            ) as Record<string, unknown>;
            assert.deepEqual(checkObject(release).problems, [valueFinding("auth.password"), valueFinding("config")]);
        });

        it("a Secret embedded in the values (a chart's extraObjects): every data and stringData value", () => {
            assert.deepEqual(
                checkObject(
                    helmRelease({
                        extraDeploy: [
                            {
                                apiVersion: "v1",
                                kind: "Secret",
                                metadata: { name: "extra" },
                                data: { host: Buffer.from("db.internal").toString("base64"), empty: "" },
                                stringData: { user: "app" },
                            },
                            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { host: "db" } },
                        ],
                    }),
                ).problems,
                [valueFinding("extraDeploy[0].data.host"), valueFinding("extraDeploy[0].stringData.user")],
            );
        });

        it("more than 1000000 values in one object is an error, not a check that gives up (fails closed)", () => {
            // The root mapping, its list and 999999 items: 1000001 values.
            assert.throws(() => checkObject(helmRelease({ items: new Array<number>(999_999).fill(0) })), {
                message: "more than 1000000 values in one object",
            });
        });
    });

    describe(`the ${ANNOTATION} annotation`, () => {
        const values = {
            auth: { password: "hunter2" },
            tokens: ["public-a", "public-b"],
            tokenAudience: "api://fleet",
        };

        it("a path (stray blanks aside) allows its value, the items of a list and everything below; a reason of three characters or more is needed", () => {
            assert.deepEqual(
                checkObject(
                    helmRelease(values, {
                        [ANNOTATION]:
                            '"auth.password ": the chart\'s demo default, overridden per environment\ntokens: public sandbox tokens\ntokenAudience: dev\n',
                    }),
                ).problems,
                [],
            );
            assert.deepEqual(
                checkObject(
                    helmRelease(values, {
                        [ANNOTATION]: 'auth.password: ok\ntokens: "   "\ntokenAudience: 42\n',
                    }),
                ).problems,
                [
                    `${ANNOTATION} lists auth.password without a reason: say why it is not a secret`,
                    `${ANNOTATION} lists tokens without a reason: say why it is not a secret`,
                    `${ANNOTATION} lists tokenAudience without a reason: say why it is not a secret`,
                    valueFinding("auth.password"),
                    valueFinding("tokens[0]"),
                    valueFinding("tokens[1]"),
                    valueFinding("tokenAudience"),
                ],
            );
        });

        it("a path is matched whole: `auth` does not allow `authToken`, `token` not `tokens`", () => {
            assert.deepEqual(
                checkObject(
                    helmRelease(
                        { auth: { password: "hunter2" }, authToken: "t0k3n", tokens: ["a"] },
                        { [ANNOTATION]: "auth: demo values\ntoken: a sandbox token\n" },
                    ),
                ).problems,
                [valueFinding("authToken"), valueFinding("tokens[0]")],
            );
        });

        it("an annotation that is not a YAML mapping (a list, broken YAML, not text) is a finding and allows nothing", () => {
            const shape = `the annotation ${ANNOTATION} must be a YAML mapping of value path -> reason`;
            for (const raw of ["- auth.password", "auth.password: [unclosed", 42, { "auth.password": "a reason" }]) {
                assert.deepEqual(
                    checkObject(helmRelease({ auth: { password: "hunter2" } }, { [ANNOTATION]: raw })).problems,
                    [shape, valueFinding("auth.password")],
                    JSON.stringify(raw),
                );
            }
        });

        it("is read on HelmReleases and Flux Kustomizations only, once each", () => {
            const shape = `the annotation ${ANNOTATION} must be a YAML mapping of value path -> reason`;
            assert.deepEqual(checkObject(fluxKustomization({}, { [ANNOTATION]: "- x" })).problems, [shape]);
            const deployment = {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "app", annotations: { [ANNOTATION]: "- x" } },
                spec: { values: { password: "hunter2" } },
            };
            assert.deepEqual(checkObject(deployment).problems, []);
        });
    });

    describe("Flux Kustomization substitutions", () => {
        it("a credential-named variable in clear is found with literal advice; the annotation lets a false positive through", () => {
            const substitute = {
                CLUSTER_NAME: "aks-dev",
                DB_PASSWORD: "hunter2",
                SECRET_STORE: "azure-keyvault",
                REDIS_TOKEN: "${REDIS_TOKEN}",
                EMPTY_TOKEN: "",
            };
            const result = checkObject(fluxKustomization(substitute));
            assert.deepEqual(result.problems, [substituteFinding("DB_PASSWORD"), substituteFinding("SECRET_STORE")]);
            assert.deepEqual(result.refs, [], "a substitution's own value is not looked up as a variable");
            assert.deepEqual(
                checkObject(
                    fluxKustomization(substitute, {
                        [ANNOTATION]: "SECRET_STORE: the name of the ClusterSecretStore, not a secret\n",
                    }),
                ).problems,
                [substituteFinding("DB_PASSWORD")],
            );
        });
    });

    describe("a credential's shape inside any text", () => {
        it("a URL with a password, key=value and key: value with a credential key, a PEM private key", () => {
            for (const text of [
                "postgres://app:hunter2@db.internal:5432/app",
                // Redis has no user names before ACLs: its URLs carry the password alone (redis://:password@host).
                "redis://:hunter2@redis:6379/0",
                "Server=db;Database=app;User Id=app;Password=hunter2;",
                "token: abc123",
                "--api-key=abc123",
                "secret = s3cr3t",
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...",
                "-----BEGIN OPENSSH PRIVATE KEY-----",
                "PWD=x",
                'password: "hunter2"',
                // The key as env files, snake_case config and JSON write it: a credential's name by isCredentialKey.
                "DB_PASSWORD=hunter2",
                "export GITHUB_TOKEN=ghp_abc123",
                "client_secret: abc123",
                'aws_secret_access_key = "wJalrXUt"',
                '{"username":"app","password":"hunter2"}',
                "https://hooks.example.com/?x=1&access_token=abc123",
            ]) {
                assert.equal(hasCredentialShape(text), true, text);
            }
        });

        it("not a URL without a password, a Flux variable or <placeholder> in the password's place, an empty value, a public key", () => {
            for (const text of [
                "https://user@example.com/",
                "https://example.com:8443/path",
                "postgres://app:${DB_PASSWORD}@db:5432/app",
                "postgres://app:<password>@db:5432/app",
                "password=${DB_PASSWORD}",
                "password: <changeme>",
                'password: "',
                // A config file inside a value quotes them.
                'password: "${DB_PASSWORD}"',
                "password = '<changeme>'",
                'password=""',
                "token: ''",
                "-----BEGIN PUBLIC KEY-----",
                "-----BEGIN CERTIFICATE-----",
                "the token endpoint",
                // names that refer to a credential, and variables in their place
                "existing_secret: redis",
                "secret_key_ref: db-password",
                "SECRET_NAME=db",
                "DB_PASSWORD=${DB_PASSWORD}",
                "DB_PASSWORD=",
                "DB_PASSWORD=\nDB_HOST=db",
                "url: https://api.example.com/?key=${API_KEY:=}",
                '{"password":"","user":"app"}',
            ]) {
                assert.equal(hasCredentialShape(text), false, text);
            }
        });

        it("reads a long text in linear time (a 2 MB CA bundle or base64 blob)", () => {
            const started = Date.now();
            assert.equal(hasCredentialShape("A".repeat(2_000_000)), false);
            assert.equal(hasCredentialShape("ab+".repeat(700_000)), false);
            assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
        });

        it("in HelmRelease values under any name, as a finding", () => {
            assert.deepEqual(
                checkObject(
                    helmRelease({
                        externalDatabase: { url: "postgres://app:hunter2@db:5432/app", host: "db" },
                        config: "log_level = info\napi_key = abc123\n",
                        extraEnv: "LOG_LEVEL=info\nDB_PASSWORD=hunter2\n",
                    }),
                ).problems,
                [valueFinding("externalDatabase.url"), valueFinding("config"), valueFinding("extraEnv")],
            );
        });
    });
});
