// examples/app-repo: the starter app repository of a team (issue 23), built the way the team's namespace-scoped Flux
// configuration builds it (`kubectl kustomize ./deploy/overlays/<environment>`, through test/support/kustomize.ts),
// and held to what a tenant may apply: objects of its own namespace only, nothing cluster-scoped, no Secret and nothing
// to decrypt, every object valid against the upstream Kubernetes schemas (kubernetes-models, which
// test/examples/fleet.schemas.e2e.test.ts uses too), the fleet's container conventions, and one image tag per ring in the
// `images:` shape `npm run promote` edits.
import * as assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { promoteImages } from "../../fleet/promote";
import { ROOT } from "../../stacks/paths";
import { haveKubectl, kustomizationDirs, kustomize } from "../support/kustomize";

const APP_REPO = join(ROOT, "examples", "app-repo");
const OVERLAYS = ["dev", "staging", "prod"] as const;
type Overlay = (typeof OVERLAYS)[number];

type Container = {
    name: string;
    image?: string;
    securityContext?: Record<string, unknown>;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    readinessProbe?: unknown;
    livenessProbe?: unknown;
};
type PodSpec = {
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    securityContext?: Record<string, unknown>;
    containers: Container[];
    initContainers?: Container[];
};
type Obj = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    spec?: Record<string, unknown> & { template?: { spec: PodSpec } };
};

/** Kinds that exist only cluster-wide: a tenant's namespace-scoped reconciliation cannot create any of them. */
const CLUSTER_SCOPED = [
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "GatewayClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
    "VolumeSnapshotClass",
    "Node",
    "ClusterIssuer",
];

const key = (o: Obj) => `${o.apiVersion}/${o.kind}`;
const podSpec = (o: Obj) => o.spec!.template!.spec;
const overlayDir = (env: Overlay) => join(APP_REPO, "deploy", "overlays", env);

function yamlFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(entry) ? [path] : [];
    });
}

async function build(dir: string): Promise<Obj[]> {
    const out = await kustomize(dir);
    assert.equal(out.status, 0, `kubectl kustomize ${relative(ROOT, dir)}: ${out.stderr}`);
    return parseAllDocuments(out.stdout).map((d) => d.toJS() as Obj);
}

/** The upstream schema of each kind the app repository uses; validate() throws with the schema path of the problem. */
async function validators(): Promise<Record<string, (o: Obj) => void>> {
    const core = await import("kubernetes-models/v1");
    const apps = await import("kubernetes-models/apps/v1");
    const autoscaling = await import("kubernetes-models/autoscaling/v2");
    const model =
        (Cls: new (data: never) => object) =>
        (o: Obj): void =>
            (new Cls(o as never) as { validate(): void }).validate();
    return {
        "v1/ServiceAccount": model(core.ServiceAccount),
        "v1/Service": model(core.Service),
        "apps/v1/Deployment": model(apps.Deployment),
        "autoscaling/v2/HorizontalPodAutoscaler": model(autoscaling.HorizontalPodAutoscaler),
    };
}

describe("examples/app-repo: a team's starter app repository", function () {
    this.timeout(120000);
    const built = new Map<Overlay, Obj[]>();
    let base: Obj[];

    before(async function () {
        if (!haveKubectl) {
            this.skip();
        }
        const builds = await Promise.all(OVERLAYS.map((env) => build(overlayDir(env))));
        OVERLAYS.forEach((env, i) => built.set(env, builds[i]));
        base = await build(join(APP_REPO, "deploy", "base"));
    });

    it("has the seed's layout: deploy/base and one overlay per environment, each a kustomization", () => {
        assert.deepEqual(
            kustomizationDirs(APP_REPO).map((d) => relative(APP_REPO, d)),
            ["deploy/base", "deploy/overlays/dev", "deploy/overlays/prod", "deploy/overlays/staging"],
        );
    });

    it("builds each overlay into the service's objects, every one in namespace payments", () => {
        for (const env of OVERLAYS) {
            assert.deepEqual(
                built
                    .get(env)!
                    .map((o) => `${key(o)} ${o.metadata.namespace}/${o.metadata.name}`)
                    .sort(),
                [
                    "apps/v1/Deployment payments/payments-api",
                    "autoscaling/v2/HorizontalPodAutoscaler payments/payments-api",
                    "v1/Service payments/payments-api",
                    "v1/ServiceAccount payments/payments-api",
                ],
                env,
            );
        }
    });

    it("assumes no namespace in the base: the overlays alone place it", () => {
        assert.deepEqual(
            base.filter((o) => o.metadata.namespace !== undefined).map((o) => `${o.kind} ${o.metadata.namespace}`),
            [],
        );
        assert.equal(base.length, 4);
    });

    it("builds nothing cluster-scoped, no Secret and no Flux object in any overlay", () => {
        for (const [env, objects] of built) {
            assert.deepEqual(
                objects.filter((o) => CLUSTER_SCOPED.includes(o.kind)).map((o) => `${o.kind} ${o.metadata.name}`),
                [],
                `${env}: cluster-scoped objects`,
            );
            assert.deepEqual(
                objects.filter((o) => o.kind === "Secret").map((o) => o.metadata.name),
                [],
                `${env}: Secrets`,
            );
            // A tenant's Flux objects could ask kustomize-controller to decrypt (spec.decryption) or name other
            // sources.
            assert.deepEqual(
                objects.filter((o) => o.apiVersion.includes(".toolkit.fluxcd.io/")).map(key),
                [],
                `${env}: Flux objects`,
            );
        }
    });

    it("holds no Secret and nothing SOPS in any file, built or not", () => {
        assert.equal(existsSync(join(APP_REPO, ".sops.yaml")), false, ".sops.yaml");
        const found: string[] = [];
        for (const file of yamlFiles(APP_REPO)) {
            for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
                const o = doc.toJS() as Record<string, unknown> | null;
                if (o && (o.kind === "Secret" || "sops" in o || "secretGenerator" in o)) {
                    found.push(relative(APP_REPO, file));
                }
            }
        }
        assert.deepEqual(found, []);
    });

    it("validates every built object against its upstream schema", async () => {
        const check = await validators();
        const failures: string[] = [];
        let validated = 0;
        for (const [env, objects] of [...built, ["base", base] as const]) {
            for (const o of objects) {
                const validate = check[key(o)];
                if (!validate) {
                    failures.push(`${env}: ${key(o)} has no schema here`);
                    continue;
                }
                try {
                    validate(o);
                    validated++;
                } catch (e) {
                    failures.push(`${env}: ${o.kind} ${o.metadata.name}: ${(e as Error).message.split("\n")[0]}`);
                }
            }
        }
        assert.deepEqual(failures, []);
        assert.equal(validated, 16);
    });

    it("has validators that reject what the API server would reject", async () => {
        const check = await validators();
        const bad: [string, Obj, RegExp][] = [
            [
                "HPA with a replica floor as text",
                {
                    apiVersion: "autoscaling/v2",
                    kind: "HorizontalPodAutoscaler",
                    metadata: { name: "x" },
                    spec: { scaleTargetRef: { kind: "Deployment", name: "x" }, minReplicas: "3", maxReplicas: 10 },
                },
                /minReplicas must be integer/,
            ],
            [
                "Deployment whose container has no name",
                {
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    metadata: { name: "x" },
                    spec: { selector: {}, template: { spec: { containers: [{ image: "i" } as Container] } } },
                },
                /containers\/0 must have required property name/,
            ],
            [
                "ServiceAccount with automountServiceAccountToken as text",
                {
                    apiVersion: "v1",
                    kind: "ServiceAccount",
                    metadata: { name: "x" },
                    automountServiceAccountToken: "false",
                } as Obj,
                /automountServiceAccountToken must be boolean/,
            ],
        ];
        for (const [what, o, why] of bad) {
            assert.throws(() => check[key(o)](o), why, `${what} must be rejected`);
        }
    });

    it("runs each environment's own tag, written as the images: entry npm run promote edits", () => {
        const tags: Record<Overlay, string> = { dev: "6.14.1", staging: "6.14.0", prod: "6.13.0" };
        for (const env of OVERLAYS) {
            const kustomization = parse(readFileSync(join(overlayDir(env), "kustomization.yaml"), "utf8")) as {
                images: unknown;
            };
            assert.deepEqual(kustomization.images, [{ name: "ghcr.io/stefanprodan/podinfo", newTag: tags[env] }], env);
            const deployment = built.get(env)!.find((o) => o.kind === "Deployment")!;
            assert.deepEqual(
                podSpec(deployment).containers.map((c) => c.image),
                [`ghcr.io/stefanprodan/podinfo:${tags[env]}`],
                env,
            );
        }
        // The base pins prod's tag, so a build of the base alone never runs an unpinned image.
        const deployment = base.find((o) => o.kind === "Deployment")!;
        assert.deepEqual(
            podSpec(deployment).containers.map((c) => c.image),
            ["ghcr.io/stefanprodan/podinfo:6.13.0"],
        );
    });

    it("sizes each environment differently: the HPA's replica range and the container's resources", () => {
        const expected: Record<Overlay, [number, number, unknown]> = {
            dev: [1, 2, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } }],
            staging: [2, 4, { requests: { cpu: "250m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } }],
            prod: [3, 10, { requests: { cpu: "250m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } }],
        };
        for (const env of OVERLAYS) {
            const objects = built.get(env)!;
            const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler")!;
            const deployment = objects.find((o) => o.kind === "Deployment")!;
            assert.deepEqual(
                [hpa.spec!.minReplicas, hpa.spec!.maxReplicas, podSpec(deployment).containers[0].resources],
                expected[env],
                env,
            );
            // The HPA owns the replica count; a Deployment replicas field would make Flux reset it on every reconcile.
            assert.equal(deployment.spec!.replicas, undefined, `${env}: Deployment replicas`);
        }
    });

    it("holds every container to the fleet's conventions: non-root, read-only, unprivileged, probes, resources", () => {
        const problems: string[] = [];
        for (const [env, objects] of built) {
            for (const deployment of objects.filter((o) => o.kind === "Deployment")) {
                const pod = podSpec(deployment);
                const where = `${env}: ${deployment.metadata.name}`;
                if (pod.serviceAccountName !== "payments-api" || pod.automountServiceAccountToken !== false) {
                    problems.push(`${where}: own service account, no token mounted`);
                }
                // podinfo's USER is a name, so runAsNonRoot needs a numeric uid that is not 0.
                if (typeof pod.securityContext?.runAsUser !== "number" || pod.securityContext.runAsUser === 0) {
                    problems.push(`${where}: numeric non-root runAsUser`);
                }
                for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
                    const at = `${where}/${c.name}`;
                    const sc = c.securityContext ?? {};
                    // Container settings override the pod's: the effective value is what counts.
                    const effective = (field: string) => sc[field] ?? pod.securityContext?.[field];
                    if (effective("runAsNonRoot") !== true) {
                        problems.push(`${at}: runAsNonRoot`);
                    }
                    assert.deepEqual(effective("seccompProfile"), { type: "RuntimeDefault" }, `${at}: seccompProfile`);
                    assert.equal(sc.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
                    assert.equal(sc.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
                    assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, `${at}: capabilities`);
                    assert.notEqual(sc.privileged, true, `${at}: privileged`);
                    assert.deepEqual(
                        [
                            Object.keys(c.resources?.requests ?? {}).sort(),
                            Object.keys(c.resources?.limits ?? {}).sort(),
                        ],
                        [
                            ["cpu", "memory"],
                            ["cpu", "memory"],
                        ],
                        `${at}: requests and limits (the namespace's quota refuses pods without them)`,
                    );
                    if (c.readinessProbe === undefined || c.livenessProbe === undefined) {
                        problems.push(`${at}: readiness and liveness probes`);
                    }
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("promotes as the fleet does: promote's image copy moves dev's tag to staging, which still builds", async () => {
        const copy = mkdtempSync(join(tmpdir(), "app-repo-"));
        try {
            cpSync(APP_REPO, copy, { recursive: true });
            const dev = "deploy/overlays/dev/kustomization.yaml";
            const staging = "deploy/overlays/staging/kustomization.yaml";
            const before = readFileSync(join(copy, staging), "utf8");
            const { text, changes } = promoteImages(readFileSync(join(copy, dev), "utf8"), before, dev, staging);
            assert.deepEqual(changes, [
                {
                    before: { name: "ghcr.io/stefanprodan/podinfo", newTag: "6.14.0" },
                    after: { name: "ghcr.io/stefanprodan/podinfo", newTag: "6.14.1" },
                },
            ]);
            // One line changes, nothing else: the review of a promotion is that line.
            const changed = text.split("\n").filter((line, i) => line !== before.split("\n")[i]);
            assert.deepEqual(changed, ["    newTag: 6.14.1"]);
            writeFileSync(join(copy, staging), text);
            const objects = await build(join(copy, "deploy", "overlays", "staging"));
            const deployment = objects.find((o) => o.kind === "Deployment")!;
            assert.equal(podSpec(deployment).containers[0].image, "ghcr.io/stefanprodan/podinfo:6.14.1");
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });
});
