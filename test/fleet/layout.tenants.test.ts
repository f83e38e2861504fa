// The secrets boundary of tenant namespaces in the fleet repository (issue 23): the ValidatingAdmissionPolicy and its
// binding every cluster directory holds, where they are written, who applies them, and what their CEL expressions
// decide. The expressions are evaluated with a CEL implementation (@marcbachmann/cel-js), not Kubernetes' own: no API
// server runs here, so how the API server type-checks them against the Flux CRDs is unverified.
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCel } from "@marcbachmann/cel-js";
import { parse, parseAllDocuments } from "yaml";
import { fluxKustomizations, monitoringObjects, tenantBoundaryObjects } from "../../fleet/layout";
import { clusterFiles } from "../../fleet/repo-files";
import type { FleetLayoutArgs } from "../../fleet/layout";
import { main } from "../../fleet/cli";
import { EXAMPLE, haveKubectl, kustomize } from "../support/kustomize";
import { all, baseConfig, one, run } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const ARGS: FleetLayoutArgs = {
    clusterName: "staging-westeurope",
    environment: "staging",
    namespace: "flux-system",
    gitRepositoryName: "flux-system",
    apps: ["my-service"],
    intervalSeconds: 600,
    retryIntervalSeconds: 120,
    timeoutSeconds: 600,
    facts: {},
    monitoring: true,
};

// The label ARM puts on a tenant's managed namespace (the lead's contract, /tmp/brief/tenants-contract.md).
const LABEL = { "fleet.aks-gitops.io/layer": "tenant-boundary" };

const POLICY = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "aks-gitops-tenant-boundary", labels: LABEL },
    spec: {
        failurePolicy: "Fail",
        matchConstraints: {
            namespaceSelector: { matchExpressions: [{ key: "aks-gitops.io/tenant", operator: "Exists" }] },
            resourceRules: [
                {
                    apiGroups: ["kustomize.toolkit.fluxcd.io"],
                    apiVersions: ["*"],
                    operations: ["CREATE", "UPDATE"],
                    resources: ["kustomizations"],
                },
                {
                    apiGroups: ["helm.toolkit.fluxcd.io"],
                    apiVersions: ["*"],
                    operations: ["CREATE", "UPDATE"],
                    resources: ["helmreleases"],
                },
            ],
        },
        matchConditions: [{ name: "not-being-deleted", expression: "!has(object.metadata.deletionTimestamp)" }],
        validations: [
            {
                expression:
                    "request.resource.group != 'kustomize.toolkit.fluxcd.io' || !has(object.spec) || !has(object.spec.decryption)",
                message:
                    "A Flux Kustomization in a tenant namespace (label aks-gitops.io/tenant) must not set spec.decryption: SOPS decryption would use the platform's identity and its keys. Keep secrets out of the tenant repository.",
                reason: "Forbidden",
            },
            {
                expression: "!has(object.spec) || !has(object.spec.kubeConfig)",
                message:
                    "A Flux Kustomization or HelmRelease in a tenant namespace (label aks-gitops.io/tenant) must not set spec.kubeConfig: a tenant applies to this cluster only, and remote-cluster access would use the controller's identity.",
                reason: "Forbidden",
            },
        ],
    },
};

const BINDING = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: "aks-gitops-tenant-boundary", labels: LABEL },
    spec: { policyName: "aks-gitops-tenant-boundary", validationActions: ["Deny"] },
};

type Spec = {
    matchConditions: { expression: string }[];
    validations: { expression: string; message: string }[];
};

/**
 * What the API server decides for a request the policy's rules and namespace selector match, evaluated as the
 * ValidatingAdmissionPolicy API describes it (kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/):
 * any matchCondition false skips the policy; otherwise each validation false denies with its message, and an
 * evaluation error denies too (failurePolicy Fail). Returns the messages of the failed validations ([] = admitted).
 */
function decide(group: string, object: Record<string, unknown>): string[] {
    const spec = tenantBoundaryObjects()[0].spec as Spec;
    const context = { object, request: { resource: { group }, operation: "CREATE" } };
    if (spec.matchConditions.some((c) => parseCel(c.expression)(context) === false)) {
        return [];
    }
    return spec.validations.filter((v) => parseCel(v.expression)(context) !== true).map((v) => v.message);
}

const KUSTOMIZE = "kustomize.toolkit.fluxcd.io";
const HELM = "helm.toolkit.fluxcd.io";
const kustomization = (spec?: Record<string, unknown>) => ({
    apiVersion: `${KUSTOMIZE}/v1`,
    kind: "Kustomization",
    metadata: { name: "payments", namespace: "payments" },
    ...(spec ? { spec } : {}),
});
const helmRelease = (spec: Record<string, unknown>) => ({
    apiVersion: `${HELM}/v2`,
    kind: "HelmRelease",
    metadata: { name: "payments", namespace: "payments" },
    spec,
});
const plain = { interval: "10m", path: "./deploy", prune: true, sourceRef: { kind: "GitRepository", name: "p" } };

describe("tenant boundary (fleet/layout.ts tenantBoundaryObjects)", function () {
    sharedCaptures();
    this.timeout(120000);

    it("is a ValidatingAdmissionPolicy and its binding, admissionregistration.k8s.io/v1, failing closed in tenant namespaces", () => {
        assert.deepEqual(tenantBoundaryObjects(), [POLICY, BINDING]);
    });

    it("has CEL expressions that parse", () => {
        const spec = tenantBoundaryObjects()[0].spec as Spec;
        for (const e of [...spec.matchConditions, ...spec.validations].map((x) => x.expression)) {
            assert.doesNotThrow(() => parseCel(e), e);
        }
        // The parser is a real one: a broken expression does not pass.
        assert.throws(() => parseCel("!has(object.spec.decryption"), /Expected RPAREN/);
    });

    it("refuses a tenant Kustomization that decrypts, with or without credentials of its own", () => {
        const [decryption, kubeConfig] = (tenantBoundaryObjects()[0].spec as Spec).validations.map((v) => v.message);
        assert.deepEqual(decide(KUSTOMIZE, kustomization({ ...plain, decryption: { provider: "sops" } })), [
            decryption,
        ]);
        // A secretRef does not help: providers without static credentials in it fall back to the controller's identity.
        assert.deepEqual(
            decide(
                KUSTOMIZE,
                kustomization({ ...plain, decryption: { provider: "sops", secretRef: { name: "age" } } }),
            ),
            [decryption],
        );
        assert.deepEqual(
            decide(
                KUSTOMIZE,
                kustomization({ ...plain, decryption: { provider: "sops" }, kubeConfig: { secretRef: { name: "k" } } }),
            ),
            [decryption, kubeConfig],
        );
    });

    it("refuses spec.kubeConfig on Kustomizations and HelmReleases", () => {
        const kubeConfig = (tenantBoundaryObjects()[0].spec as Spec).validations[1].message;
        assert.deepEqual(decide(KUSTOMIZE, kustomization({ ...plain, kubeConfig: { configMapRef: { name: "c" } } })), [
            kubeConfig,
        ]);
        assert.deepEqual(decide(HELM, helmRelease({ interval: "1h", kubeConfig: { secretRef: { name: "remote" } } })), [
            kubeConfig,
        ]);
    });

    it("admits what a tenant may apply: plain Kustomizations and HelmReleases, and an object without spec", () => {
        assert.deepEqual(decide(KUSTOMIZE, kustomization(plain)), []);
        assert.deepEqual(decide(HELM, helmRelease({ interval: "1h", chart: { spec: { chart: "podinfo" } } })), []);
        // The decryption rule reads spec.decryption only for Kustomizations (a HelmRelease has no such field).
        assert.deepEqual(decide(HELM, helmRelease({ interval: "1h", decryption: { provider: "sops" } })), []);
        // has(object.spec.x) errors on an absent spec ("No such key"), which failurePolicy Fail would turn into a
        // refusal: the expressions test has(object.spec) first.
        assert.throws(() => parseCel("!has(object.spec.decryption)")({ object: {} }), /No such key: spec/);
        assert.deepEqual(decide(KUSTOMIZE, kustomization()), []);
    });

    it("lets a controller finalize an object that predates the policy (skipped once it is being deleted)", () => {
        const old = {
            ...kustomization({ ...plain, decryption: { provider: "sops" } }),
            metadata: { name: "p", namespace: "payments", deletionTimestamp: "2026-01-01T00:00:00Z" },
        };
        assert.deepEqual(decide(KUSTOMIZE, old), []);
    });

    it("writes clusters/<cluster>/tenant-boundary/, applied by the cluster's own kustomization.yaml, not a Flux Kustomization", () => {
        const objects = fluxKustomizations(ARGS);
        const files = clusterFiles(objects, ARGS, [...monitoringObjects(ARGS), ...tenantBoundaryObjects()]);
        const dir = "clusters/staging-westeurope";
        const resources = (path: string) => (parse(files.get(path)!) as { resources: string[] }).resources;
        // monitoring has its Flux Kustomization (monitoring.yaml); the boundary is listed directly, so the Flux
        // configuration (cluster scope, the platform's) applies it with the layers, waiting on none of them.
        assert.deepEqual(resources(`${dir}/kustomization.yaml`), [
            "infrastructure.yaml",
            "infrastructure-configs.yaml",
            "apps.yaml",
            "monitoring.yaml",
            "tenant-boundary",
        ]);
        assert.deepEqual(resources(`${dir}/tenant-boundary/kustomization.yaml`), [
            "validatingadmissionpolicy-aks-gitops-tenant-boundary.yaml",
            "validatingadmissionpolicybinding-aks-gitops-tenant-boundary.yaml",
        ]);
        assert.deepEqual(
            parse(files.get(`${dir}/tenant-boundary/validatingadmissionpolicy-aks-gitops-tenant-boundary.yaml`)!),
            POLICY,
        );
        assert.deepEqual(
            parse(
                files.get(`${dir}/tenant-boundary/validatingadmissionpolicybinding-aks-gitops-tenant-boundary.yaml`)!,
            ),
            BINDING,
        );
        assert.ok(!objects.some((o) => o.metadata.name === "tenant-boundary"), "no Flux Kustomization of its own");
    });

    it("is registered through the render-only provider as a child of FleetManifests, in a stack without tenants (dev)", async () => {
        const c = await run(baseConfig("dev"));
        const fleet = one(c, T.FleetManifests);
        const provider = one(c, "pulumi:providers:kubernetes");
        for (const [token, expected] of [
            [T.ValidatingAdmissionPolicy, POLICY],
            [T.ValidatingAdmissionPolicyBinding, BINDING],
        ] as const) {
            const [r] = all(c, token);
            assert.ok(r, `${token} registered`);
            assert.equal(all(c, token).length, 1);
            assert.equal(r.parent, fleet.urn);
            assert.ok(r.provider?.startsWith(`${provider.urn}::`), "never sent to a cluster");
            assert.deepEqual(
                {
                    apiVersion: r.inputs.apiVersion,
                    kind: r.inputs.kind,
                    metadata: r.inputs.metadata,
                    spec: r.inputs.spec,
                },
                expected,
            );
        }
    });

    it("npm run fleet writes it and --check holds it", async () => {
        const out = mkdtempSync(join(tmpdir(), "fleet-tenants-"));
        try {
            const written = await main(["--stack", "dev", "--out", out, "--scaffold"]);
            assert.equal(written.code, 0);
            const policy =
                "clusters/dev-westeurope/tenant-boundary/validatingadmissionpolicy-aks-gitops-tenant-boundary.yaml";
            assert.ok(existsSync(join(out, policy)));
            assert.equal((await main(["--stack", "dev", "--out", out, "--check"])).code, 0);
            rmSync(join(out, policy));
            const missing = await main(["--stack", "dev", "--out", out, "--check"]);
            assert.equal(missing.code, 1);
            assert.ok(missing.text.includes(`  ${policy}\n`), missing.text);
            await main(["--stack", "dev", "--out", out]);
            // A cluster kustomization.yaml that stops applying the boundary is out of date too.
            const root = join(out, "clusters/dev-westeurope/kustomization.yaml");
            writeFileSync(
                root,
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [infrastructure.yaml]\n",
            );
            const stale = await main(["--stack", "dev", "--out", out, "--check"]);
            assert.equal(stale.code, 1);
            assert.ok(stale.text.includes("  clusters/dev-westeurope/kustomization.yaml\n"), stale.text);
        } finally {
            rmSync(out, { recursive: true, force: true });
        }
    });

    it("is in what kubectl kustomize builds of every example cluster directory", async function () {
        if (!haveKubectl) {
            this.skip();
        }
        for (const cluster of ["dev-westeurope", "staging-westeurope", "prod-westeurope", "prod-northeurope"]) {
            const built = await kustomize(join(EXAMPLE, "clusters", cluster));
            assert.equal(built.status, 0, built.stderr);
            const docs = parseAllDocuments(built.stdout).map((d) => d.toJS() as { kind: string });
            assert.deepEqual(
                docs
                    .filter((d) => d.kind.startsWith("ValidatingAdmissionPolicy"))
                    .sort((a, b) => a.kind.localeCompare(b.kind)),
                [POLICY, BINDING],
                cluster,
            );
        }
    });
});
