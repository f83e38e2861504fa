// Every object the starter fleet applies, validated against its upstream schema: Kubernetes core kinds with
// kubernetes-models, Flux kinds with @kubernetes-models/flux-cd, Gateway API kinds with @kubernetes-models/gateway-api,
// and the kinds with no model package (Flagger's Canary, Envoy Gateway's EnvoyProxy, Azure Monitor's PodMonitor) against
// the openAPIV3Schema of their upstream CRDs (test/fixtures/crds: each file names its source, licence and any cuts).
// Objects are built the way Flux builds them: `kubectl kustomize` per directory, then the cluster's postBuild
// substitutions (${ENVIRONMENT} ...) applied to the text.
// The builds themselves are tested here too (every directory builds; the overlays' canary, routes and replicas), so
// each directory is built once (test/support/kustomize.ts).
import * as assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { ROOT } from "../../stacks/paths";
import { EXAMPLE, haveKubectl, kustomizationDirs, kustomize } from "../support/kustomize";

type Obj = {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string };
    spec?: Record<string, unknown>;
};
type Check = (o: Obj) => void;

/** Kinds with no schema here, and why: they are listed, not silently skipped. None today. */
const NOT_VALIDATED: Record<string, string> = {};

/** Kinds validated against an upstream CRD stored in test/fixtures/crds: apiVersion/kind -> fixture file. */
const CRDS: Record<string, string> = {
    "flagger.app/v1beta1/Canary": "flagger-canary.crd.yaml",
    "gateway.envoyproxy.io/v1alpha1/EnvoyProxy": "envoy-gateway-envoyproxy.crd.yaml",
    "azmonitoring.coreos.com/v1/PodMonitor": "azure-monitor-podmonitor.crd.yaml",
};

type Schema = {
    type?: string;
    properties?: Record<string, Schema>;
    items?: Schema;
    additionalProperties?: Schema | boolean;
    "x-kubernetes-preserve-unknown-fields"?: boolean;
};

/**
 * Fields a CRD's structural schema does not declare. CRD schemas leave additionalProperties open, so ajv accepts them,
 * but the API server prunes them on apply (or rejects them under kubectl's strict field validation): a misspelt field
 * would silently do nothing. metadata is the API server's ObjectMeta, not the CRD's.
 */
function unknownFields(value: unknown, schema: Schema, path: string): string[] {
    if (Array.isArray(value)) {
        return schema.items ? value.flatMap((v, i) => unknownFields(v, schema.items!, `${path}[${i}]`)) : [];
    }
    if (value === null || typeof value !== "object" || schema["x-kubernetes-preserve-unknown-fields"]) {
        return [];
    }
    const found: string[] = [];
    for (const [name, v] of Object.entries(value)) {
        if (path === "" && name === "metadata") {
            continue;
        }
        const field =
            schema.properties?.[name] ??
            (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
        if (field) {
            found.push(...unknownFields(v, field, `${path}.${name}`));
        } else if (schema.additionalProperties !== true) {
            found.push(`${path}.${name}`);
        }
    }
    return found;
}

/** postBuild.substitute of each cluster, read from its rendered apps.yaml. */
function clusterFacts(): Map<string, Record<string, string>> {
    const facts = new Map<string, Record<string, string>>();
    for (const cluster of readdirSync(join(EXAMPLE, "clusters")).sort()) {
        const apps = parse(readFileSync(join(EXAMPLE, "clusters", cluster, "apps.yaml"), "utf8")) as {
            spec: { postBuild: { substitute: Record<string, string> } };
        };
        facts.set(cluster, apps.spec.postBuild.substitute);
    }
    return facts;
}

/** The substitutions Flux would apply to a directory: its cluster's, or those of a cluster of the overlay's environment. */
function factsFor(rel: string, facts: Map<string, Record<string, string>>): Record<string, string> {
    const cluster = /^clusters\/([^/]+)/.exec(rel)?.[1];
    if (cluster) {
        return facts.get(cluster)!;
    }
    const env = /overlays\/([^/]+)/.exec(rel)?.[1];
    const match = [...facts.values()].find((f) => f.ENVIRONMENT === env);
    return match ?? [...facts.values()][0];
}

const substitute = (text: string, vars: Record<string, string>) =>
    text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole);

async function validators(): Promise<Record<string, Check>> {
    const core = await import("kubernetes-models/v1");
    const apps = await import("kubernetes-models/apps/v1");
    const autoscaling = await import("kubernetes-models/autoscaling/v2");
    const kustomize = await import("@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1");
    const helm = await import("@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2");
    const source = await import("@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1");
    const notification = await import("@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3");
    const gateway = await import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1");
    const admission = await import("kubernetes-models/admissionregistration.k8s.io/v1");
    // Each model's constructor takes the object and validate() throws with the schema path of the first problem.
    const model =
        (Cls: new (data: never) => object): Check =>
        (o) =>
            (new Cls(o as never) as { validate(): void }).validate();
    // Kubernetes' OpenAPI formats (date-time, int32, the CRD's "string") are not JSON Schema's; they do not constrain here.
    // Nor are CEL rules (x-kubernetes-validations) evaluated: ajv checks types, enums, patterns, required and ranges.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const fromCrd = (apiVersion: string, file: string): Check => {
        const crd = parse(readFileSync(join(ROOT, "test/fixtures/crds", file), "utf8")) as {
            spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
        };
        const version = apiVersion.split("/").pop()!;
        const schema = crd.spec.versions.find((v) => v.name === version)?.schema.openAPIV3Schema;
        assert.ok(schema, `${file} has no version ${version}`);
        const validate = ajv.compile(schema);
        return (o) => {
            if (!validate(o)) {
                throw new Error(ajv.errorsText(validate.errors));
            }
            const unknown = unknownFields(o, schema, "");
            if (unknown.length > 0) {
                throw new Error(
                    `fields the schema does not declare (or under a subtree ${file} cut, see its header): ${unknown.join(", ")}`,
                );
            }
        };
    };
    const crds = Object.fromEntries(
        Object.entries(CRDS).map(([k, file]) => [k, fromCrd(k.split("/").slice(0, -1).join("/"), file)]),
    );
    return {
        ...crds,
        "v1/Namespace": model(core.Namespace),
        "v1/Service": model(core.Service),
        "v1/Secret": model(core.Secret),
        "apps/v1/Deployment": model(apps.Deployment),
        "autoscaling/v2/HorizontalPodAutoscaler": model(autoscaling.HorizontalPodAutoscaler),
        "kustomize.toolkit.fluxcd.io/v1/Kustomization": model(kustomize.Kustomization),
        "helm.toolkit.fluxcd.io/v2/HelmRelease": model(helm.HelmRelease),
        "source.toolkit.fluxcd.io/v1/HelmRepository": model(source.HelmRepository),
        "notification.toolkit.fluxcd.io/v1beta3/Provider": model(notification.Provider),
        "notification.toolkit.fluxcd.io/v1beta3/Alert": model(notification.Alert),
        "gateway.networking.k8s.io/v1/Gateway": model(gateway.Gateway),
        "gateway.networking.k8s.io/v1/GatewayClass": model(gateway.GatewayClass),
        "gateway.networking.k8s.io/v1/HTTPRoute": model(gateway.HTTPRoute),
        "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": model(admission.ValidatingAdmissionPolicy),
        "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": model(
            admission.ValidatingAdmissionPolicyBinding,
        ),
    };
}

const key = (o: Obj) => `${o.apiVersion}/${o.kind}`;

describe("examples/fleet objects validate against their upstream schemas", function () {
    this.timeout(120000);
    let check: Record<string, Check>;
    const built = new Map<string, Obj[]>();

    before(async function () {
        if (!haveKubectl) {
            this.skip();
        }
        check = await validators();
        const facts = clusterFacts();
        const dirs = kustomizationDirs(EXAMPLE);
        const outs = await Promise.all(dirs.map(kustomize));
        dirs.forEach((dir, i) => {
            const rel = dir.slice(EXAMPLE.length + 1);
            assert.equal(outs[i].status, 0, `${rel}: ${outs[i].stderr}`);
            built.set(
                rel,
                parseAllDocuments(substitute(outs[i].stdout, factsFor(rel, facts))).map((d) => d.toJS() as Obj),
            );
        });
        // Secret templates are not built by any kustomization; validate what they become once filled in.
        for (const cluster of facts.keys()) {
            const dir = join("clusters", cluster, "notifications");
            const files = existsSync(join(EXAMPLE, dir)) ? readdirSync(join(EXAMPLE, dir)) : [];
            for (const file of files.filter((f) => f.endsWith(".example"))) {
                built.set(
                    join(dir, file),
                    parseAllDocuments(readFileSync(join(EXAMPLE, dir, file), "utf8")).map((d) => d.toJS() as Obj),
                );
            }
        }
    });

    it("builds every directory and knows a schema for every kind (or says why not)", () => {
        const unknown = [...built.values()]
            .flat()
            .map(key)
            .filter((k) => !check[k] && !NOT_VALIDATED[k]);
        assert.deepEqual([...new Set(unknown)], [], "kinds with neither a validator nor a reason");
    });

    it("validates every object", () => {
        const failures: string[] = [];
        let validated = 0;
        const kinds = new Set<string>();
        for (const [rel, objects] of built) {
            for (const o of objects) {
                const validate = check[key(o)];
                if (!validate) {
                    continue;
                }
                try {
                    validate(o);
                    validated++;
                    kinds.add(key(o));
                } catch (e) {
                    failures.push(`${rel}: ${o.kind} ${o.metadata?.name}: ${(e as Error).message.split("\n")[0]}`);
                }
            }
        }
        assert.deepEqual(failures, []);
        assert.ok(validated > 50, `validated only ${validated} objects`);
        // A stored CRD no object uses is stale: drop it (and its entry in CRDS) rather than keep an unexercised validator.
        assert.deepEqual(
            Object.keys(CRDS).filter((k) => !kinds.has(k)),
            [],
            "CRD fixtures with no fleet object to validate",
        );
    });

    it("has validators that reject what the controllers would reject", () => {
        // Each with the reason it must be rejected for, so a case cannot pass by failing on something else.
        const bad: [string, Obj, RegExp][] = [
            [
                "HelmRelease with an unknown drift mode",
                {
                    apiVersion: "helm.toolkit.fluxcd.io/v2",
                    kind: "HelmRelease",
                    metadata: { name: "x" },
                    spec: {
                        interval: "1m",
                        chart: { spec: { chart: "c", sourceRef: { kind: "HelmRepository", name: "r" } } },
                        driftDetection: { mode: "sometimes" },
                    },
                },
                /driftDetection\/mode/,
            ],
            [
                "Provider of an unknown type",
                {
                    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                    kind: "Provider",
                    metadata: { name: "x" },
                    spec: { type: "carrier-pigeon" },
                },
                /spec\/type must be equal to one of/,
            ],
            [
                "Alert with an unknown severity",
                {
                    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                    kind: "Alert",
                    metadata: { name: "x" },
                    spec: {
                        providerRef: { name: "p" },
                        eventSources: [{ kind: "Kustomization", name: "*" }],
                        eventSeverity: "debug",
                    },
                },
                /eventSeverity must be equal to one of/,
            ],
            [
                "HTTPRoute with a backend weight below zero",
                {
                    apiVersion: "gateway.networking.k8s.io/v1",
                    kind: "HTTPRoute",
                    metadata: { name: "x" },
                    spec: { rules: [{ backendRefs: [{ name: "s", port: 80, weight: -1 }] }] },
                },
                /weight must be >= 0/,
            ],
            [
                "Canary with a non-numeric step weight",
                {
                    apiVersion: "flagger.app/v1beta1",
                    kind: "Canary",
                    metadata: { name: "x" },
                    spec: {
                        targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
                        service: { port: 80 },
                        analysis: { interval: "1m", threshold: 5, stepWeight: "ten" },
                    },
                },
                /analysis\/stepWeight must be number/,
            ],
            [
                "Canary with a misspelt field",
                {
                    apiVersion: "flagger.app/v1beta1",
                    kind: "Canary",
                    metadata: { name: "x" },
                    spec: {
                        targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
                        service: { port: 80 },
                        analysis: { interval: "1m", threshold: 5, stepWeight: 10, maxWieght: 50 },
                    },
                },
                /\): \.spec\.analysis\.maxWieght$/,
            ],
            // An unquoted `true` in YAML: Service annotations are strings.
            [
                "EnvoyProxy with a boolean Service annotation",
                {
                    apiVersion: "gateway.envoyproxy.io/v1alpha1",
                    kind: "EnvoyProxy",
                    metadata: { name: "x" },
                    spec: {
                        provider: {
                            type: "Kubernetes",
                            kubernetes: {
                                envoyService: {
                                    annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": true },
                                },
                            },
                        },
                    },
                },
                /azure-load-balancer-internal must be string/,
            ],
            [
                "EnvoyProxy with a misspelt field",
                {
                    apiVersion: "gateway.envoyproxy.io/v1alpha1",
                    kind: "EnvoyProxy",
                    metadata: { name: "x" },
                    spec: { provider: { type: "Kubernetes", kubernetes: { envoyDeployment: { replica: 2 } } } },
                },
                /\): \.spec\.provider\.kubernetes\.envoyDeployment\.replica$/,
            ],
            [
                "PodMonitor with a scrape interval Prometheus cannot parse",
                {
                    apiVersion: "azmonitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: "x" },
                    spec: {
                        selector: { matchLabels: { app: "a" } },
                        podMetricsEndpoints: [{ port: "http", interval: "30 seconds" }],
                    },
                },
                /interval must match pattern/,
            ],
            [
                "ValidatingAdmissionPolicy with an unknown failure policy",
                {
                    apiVersion: "admissionregistration.k8s.io/v1",
                    kind: "ValidatingAdmissionPolicy",
                    metadata: { name: "x" },
                    spec: { failurePolicy: "Sometimes", validations: [{ expression: "true" }] },
                },
                /failurePolicy must be equal to one of/,
            ],
            [
                "ValidatingAdmissionPolicyBinding with an unknown validation action",
                {
                    apiVersion: "admissionregistration.k8s.io/v1",
                    kind: "ValidatingAdmissionPolicyBinding",
                    metadata: { name: "x" },
                    spec: { policyName: "p", validationActions: ["Reject"] },
                },
                /validationActions\/0 must be equal to one of/,
            ],
            [
                "PodMonitor with a misspelt field",
                {
                    apiVersion: "azmonitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: "x" },
                    spec: { selector: { matchLabels: { app: "a" } }, podMetricsEndpoint: [{ port: "http" }] },
                },
                /\): \.spec\.podMetricsEndpoint$/,
            ],
        ];
        for (const [what, o, why] of bad) {
            assert.throws(() => check[key(o)](o), why, `${what} must be rejected`);
        }
    });

    it("runs the canary on Gateway API and drift detection on every HelmRelease", () => {
        const all = [...built.values()].flat();
        for (const hr of all.filter((o) => o.kind === "HelmRelease")) {
            assert.equal(
                (hr.spec!.driftDetection as { mode: string } | undefined)?.mode,
                "enabled",
                `HelmRelease ${hr.metadata?.name}`,
            );
        }
        const envoy = all.find((o) => o.kind === "HelmRelease" && o.metadata?.name === "envoy-gateway")!;
        assert.deepEqual(
            (envoy.spec!.driftDetection as { ignore: unknown }).ignore,
            [{ paths: ["/spec/replicas"], target: { kind: "Deployment", name: "envoy-gateway" } }],
            "the HPA owns the controller's replicas",
        );
        const flagger = all.find((o) => o.kind === "HelmRelease" && o.metadata?.name === "flagger")!;
        assert.equal((flagger.spec!.values as { meshProvider: string }).meshProvider, "gatewayapi:v1");
        for (const canary of all.filter((o) => o.kind === "Canary")) {
            const analysis = canary.spec!.analysis as { metrics: { name: string }[] };
            assert.ok(analysis.metrics.some((m) => m.name === "request-success-rate"));
        }
    });

    it("installs no retired component: no ingress-nginx, no nginx provider, no Ingress", () => {
        const all = [...built.values()].flat();
        assert.deepEqual(
            all.filter((o) => o.kind === "Ingress").map((o) => o.metadata?.name),
            [],
        );
        const offenders: string[] = [];
        const scan = (dir: string) => {
            for (const entry of readdirSync(dir)) {
                const path = join(dir, entry);
                if (statSync(path).isDirectory()) {
                    scan(path);
                } else if (entry !== "README.md" && /nginx/i.test(readFileSync(path, "utf8"))) {
                    offenders.push(path.slice(ROOT.length + 1));
                }
            }
        };
        // The fleet's README explains the replacement; nothing that is applied or rendered may name nginx.
        for (const dir of ["examples/fleet", "fleet", "components"]) {
            scan(join(ROOT, dir));
        }
        assert.deepEqual(offenders, []);
    });
});

describe("every kustomization directory in examples/fleet builds with kubectl kustomize", function () {
    this.timeout(120000);
    for (const dir of kustomizationDirs(EXAMPLE)) {
        const rel = dir.slice(EXAMPLE.length + 1);
        it(rel, async function () {
            if (!haveKubectl) {
                // Not a pass: the test is reported pending, with the reason.
                this.skip();
            }
            const built = await kustomize(dir);
            assert.equal(built.status, 0, built.stderr);
            const docs = parseAllDocuments(built.stdout).map(
                (d) => d.toJS() as { kind: string; metadata: { namespace?: string } },
            );
            assert.ok(docs.length > 0, `${rel} builds to nothing`);
            if (rel.startsWith("apps/my-service/overlays/")) {
                for (const d of docs.filter((x) => x.kind !== "Namespace")) {
                    assert.equal(
                        d.metadata.namespace,
                        "my-service",
                        `${rel}: ${d.kind} must land in the app's namespace`,
                    );
                }
            }
        });
    }
    if (!haveKubectl) {
        it("kubectl is not installed: the kustomize builds above were skipped", function () {
            this.skip();
        });
    }

    it("puts a Flagger canary (Gateway API provider) in staging and prod, a plain HTTPRoute in dev, and never a replicas field the HPA owns", async function () {
        if (!haveKubectl) {
            this.skip();
        }
        const build = async (overlay: string) =>
            parseAllDocuments((await kustomize(join(EXAMPLE, "apps/my-service/overlays", overlay))).stdout).map(
                (d) => d.toJS() as { kind: string; spec?: Record<string, unknown> },
            );
        const [prod, staging, dev] = await Promise.all(["prod", "staging", "dev"].map(build));
        for (const docs of [staging, prod]) {
            const canary = docs.find((d) => d.kind === "Canary")!;
            assert.equal(canary.spec!.provider, "gatewayapi:v1");
            assert.deepEqual((canary.spec!.service as { gatewayRefs: unknown }).gatewayRefs, [
                { name: "public", namespace: "envoy-gateway-system" },
            ]);
            assert.ok(
                !docs.some((d) => d.kind === "Ingress" || d.kind === "HTTPRoute"),
                "Flagger generates the HTTPRoute from the Canary",
            );
        }
        assert.ok(!dev.some((d) => d.kind === "Canary"));
        assert.ok(dev.some((d) => d.kind === "HTTPRoute"));
        for (const docs of [prod, staging, dev]) {
            assert.equal(docs.find((d) => d.kind === "Deployment")!.spec!.replicas, undefined);
        }
        assert.equal(staging.find((d) => d.kind === "HorizontalPodAutoscaler")!.spec!.minReplicas, 2);
        assert.equal(prod.find((d) => d.kind === "HorizontalPodAutoscaler")!.spec!.minReplicas, 3);
    });
});
