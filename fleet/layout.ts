// The per-cluster bootstrap that belongs in the fleet repo: one Flux Kustomization per layer, with SOPS decryption,
// and the layers' objects. FleetManifests registers these objects; `npm run fleet` writes them as files
// (fleet/repo-files.ts) from the registered objects. This module is their only definition, and part of the program.
import type { Environment } from "../stacks/schema";
import { TENANT_LABEL } from "../stacks/tenants";

/** The subset of kustomize.toolkit.fluxcd.io/v1 Kustomization this program writes (fluxcd/website kustomizations spec). */
export interface FluxKustomization {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1";
    kind: "Kustomization";
    metadata: { name: string; namespace: string };
    spec: {
        interval: string;
        retryInterval: string;
        timeout: string;
        path: string;
        prune: boolean;
        wait: boolean;
        sourceRef: { kind: "GitRepository"; name: string };
        dependsOn?: { name: string }[];
        decryption: { provider: "sops" };
        postBuild: { substitute: Record<string, string> };
    };
}

export interface FleetLayoutArgs {
    clusterName: string;
    environment: Environment;
    /** Namespace of the Flux configuration; with multi-tenancy enforced, child objects must live in it. */
    namespace: string;
    /** The GitRepository the Flux configuration creates: it is named after the configuration. */
    gitRepositoryName: string;
    /** Apps deployed on this cluster: each is apps/<app>/overlays/<environment> in the fleet repo. */
    apps: string[];
    intervalSeconds: number;
    retryIntervalSeconds: number;
    timeoutSeconds: number;
    /** Variables substituted into everything a layer applies. */
    facts: Record<string, string>;
    /** Render the monitoring layer (scraping Flux for Azure Monitor managed Prometheus). */
    monitoring: boolean;
    /** Render the notifications layer (Flux Provider + Alerts) with this provider type; absent: no alerts. */
    notifications?: NotificationProviderType;
}

/** Flux notification Provider types the stack config offers (fluxcd notification-controller Provider .spec.type). */
export type NotificationProviderType = "msteams" | "generic";

/**
 * Objects a layer directory holds besides the Flux Kustomizations (which live at the cluster directory's root). A
 * cluster-scoped object (the tenant boundary's admission policy) has no namespace.
 */
export interface LayerObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels: Record<string, string> };
    spec: Record<string, unknown>;
}

/** Label naming the cluster-directory layer an object is written to. */
export const LAYER_LABEL = "fleet.aks-gitops.io/layer";

/** Go duration text Flux accepts ("10m", "90s"). */
export function goDuration(seconds: number): string {
    if (seconds % 3600 === 0) {
        return `${seconds / 3600}h`;
    }
    return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

export function clusterDir(clusterName: string): string {
    return `clusters/${clusterName}`;
}

/**
 * Layers in apply order: shared infrastructure (charts and their CRDs), then the objects of those CRDs
 * (infrastructure/configs: GatewayClass, Gateway), this cluster's apps (after both), monitoring, and notifications.
 * Notifications depend on nothing: they must report an infrastructure layer that fails.
 */
export function fluxKustomizations(a: FleetLayoutArgs): FluxKustomization[] {
    const layer = (name: string, path: string, dependsOn: string[]): FluxKustomization => ({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: a.namespace },
        spec: {
            interval: goDuration(a.intervalSeconds),
            retryInterval: goDuration(a.retryIntervalSeconds),
            timeout: goDuration(a.timeoutSeconds),
            path,
            prune: true,
            wait: true,
            // Same-namespace reference: the extension enforces multi-tenancy (no cross-namespace refs).
            sourceRef: { kind: "GitRepository", name: a.gitRepositoryName },
            ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
            // No secretRef: kustomize-controller decrypts with its workload identity (fluxcd/website
            // content/en/flux/integrations/azure.md; Azure/azure-cli issue 26147).
            decryption: { provider: "sops" },
            postBuild: { substitute: { ...a.facts } },
        },
    });
    return [
        layer("infrastructure", "./infrastructure", []),
        layer("infrastructure-configs", "./infrastructure/configs", ["infrastructure"]),
        // Apps wait for infrastructure-configs too: their HTTPRoutes attach to the Gateway created there, and Flagger's
        // canaries route through it (fluxcd/kustomize-controller docs/spec/v1/kustomizations.md, "Dependencies": a
        // Kustomization is applied only after every one it dependsOn is Ready).
        layer("apps", `./${clusterDir(a.clusterName)}/apps`, ["infrastructure", "infrastructure-configs"]),
        ...(a.monitoring ? [layer("monitoring", `./${clusterDir(a.clusterName)}/monitoring`, ["infrastructure"])] : []),
        ...(a.notifications ? [layer("notifications", `./${clusterDir(a.clusterName)}/notifications`, [])] : []),
    ];
}

// Flux controllers in flux-system, as labelled by Flux's manifests (fluxcd/kustomize-controller
// config/manager/deployment.yaml: label app: <controller>, container port http-prom 8080).
const FLUX_CONTROLLERS = [
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
];

// The Flux kinds whose state kube-state-metrics reports as gotk_resource_info (fluxcd.io/flux/monitoring/custom-metrics).
const FLUX_KINDS = [
    { group: "kustomize.toolkit.fluxcd.io", version: "v1", kind: "Kustomization" },
    { group: "helm.toolkit.fluxcd.io", version: "v2", kind: "HelmRelease" },
    { group: "source.toolkit.fluxcd.io", version: "v1", kind: "GitRepository" },
    { group: "source.toolkit.fluxcd.io", version: "v1", kind: "OCIRepository" },
    { group: "source.toolkit.fluxcd.io", version: "v1", kind: "HelmRepository" },
    { group: "source.toolkit.fluxcd.io", version: "v1", kind: "Bucket" },
];

/**
 * What managed Prometheus needs to watch Flux, as objects in the fleet (never applied through the cluster API):
 * PodMonitors (azmonitoring.coreos.com/v1, the CRDs the AKS metrics add-on installs) for the controllers and for a
 * kube-state-metrics that turns Flux objects' Ready/suspend state into gotk_resource_info. The add-on's own
 * kube-state-metrics cannot read custom resources, hence a second one.
 */
export function monitoringObjects(a: Pick<FleetLayoutArgs, "namespace">): LayerObject[] {
    const labels = { [LAYER_LABEL]: "monitoring" };
    // Limits as in Microsoft's PodMonitor template, so long Flux labels are not dropped (Azure/prometheus-collector).
    const limits = { labelLimit: 63, labelNameLengthLimit: 511, labelValueLengthLimit: 1023 };
    const stateMetrics = {
        kind: "CustomResourceStateMetrics",
        spec: {
            resources: FLUX_KINDS.map((gvk) => ({
                groupVersionKind: gvk,
                metricNamePrefix: "gotk",
                labelsFromPath: {
                    exported_namespace: ["metadata", "namespace"],
                    name: ["metadata", "name"],
                    ready: ["status", "conditions", "[type=Ready]", "status"],
                    suspended: ["spec", "suspend"],
                },
                metrics: [
                    {
                        name: "resource_info",
                        help: "The current state of a Flux resource.",
                        each: { type: "Info", info: { labelsFromPath: {} } },
                    },
                ],
            })),
        },
    };
    return [
        {
            apiVersion: "azmonitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: { name: "flux-controllers", namespace: a.namespace, labels },
            spec: {
                ...limits,
                selector: { matchExpressions: [{ key: "app", operator: "In", values: FLUX_CONTROLLERS }] },
                podMetricsEndpoints: [{ port: "http-prom" }],
            },
        },
        {
            apiVersion: "helm.toolkit.fluxcd.io/v2",
            kind: "HelmRelease",
            metadata: { name: "flux-state-metrics", namespace: a.namespace, labels },
            spec: {
                interval: "1h",
                // helm-controller reverts manual changes to the release's objects (no autoscaler here: nothing to ignore).
                driftDetection: { mode: "enabled" },
                chart: {
                    spec: {
                        chart: "kube-state-metrics",
                        version: ">=5.10.0 <7.0.0",
                        sourceRef: { kind: "HelmRepository", name: "prometheus-community" },
                    },
                },
                values: {
                    fullnameOverride: "flux-state-metrics",
                    collectors: [],
                    extraArgs: ["--custom-resource-state-only=true"],
                    rbac: {
                        extraRules: [
                            {
                                apiGroups: [...new Set(FLUX_KINDS.map((k) => k.group))],
                                resources: ["*"],
                                verbs: ["list", "watch"],
                            },
                        ],
                    },
                    customResourceState: { enabled: true, config: stateMetrics },
                },
            },
        },
        {
            apiVersion: "azmonitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: { name: "flux-state-metrics", namespace: a.namespace, labels },
            spec: {
                ...limits,
                selector: {
                    matchLabels: {
                        "app.kubernetes.io/name": "kube-state-metrics",
                        "app.kubernetes.io/instance": "flux-state-metrics",
                    },
                },
                podMetricsEndpoints: [{ port: "http" }],
            },
        },
    ];
}

/** The Secret holding the notification Provider's webhook address (key `address`), added SOPS-encrypted by the team. */
export const ALERTS_SECRET = "flux-alerts-webhook";
/** Flux sources and appliers whose events the alerts forward. */
const EVENT_KINDS = ["GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Kustomization", "HelmRelease"];

/**
 * Flux notification objects (notification.toolkit.fluxcd.io/v1beta3; fluxcd/website content/en/flux/monitoring/alerts.md):
 * one Provider whose address comes from a Secret (never from config or Git in plain text), and two Alerts:
 * - reconciliation-failures: every error event of every source and applier (build, apply, health-check, Helm
 *   install/upgrade and failed drift-correction errors);
 * - applied-changes: info events of Kustomizations and HelmReleases, narrowed with inclusionList to the ones that
 *   report a change Flux made in the cluster. kustomize-controller lists each object it created, configured or deleted
 *   (so a manual `kubectl edit` that Flux reverts shows up as "<Kind>/<ns>/<name> configured"); helm-controller's drift
 *   correction says "Cluster state of release <name> has been corrected" (fluxcd/helm-controller
 *   internal/reconcile/correct_drift.go, event reason DriftCorrected), and its releases "Helm upgrade succeeded ...".
 *   Routine "Reconciliation finished"/health-check events stay out of the channel.
 */
export function notificationObjects(
    a: Pick<FleetLayoutArgs, "namespace" | "clusterName" | "environment">,
    type: NotificationProviderType,
): LayerObject[] {
    const labels = { [LAYER_LABEL]: "notifications" };
    const sources = (kinds: string[]) => kinds.map((kind) => ({ kind, name: "*" }));
    const eventMetadata = { cluster: a.clusterName, environment: a.environment };
    return [
        {
            apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
            kind: "Provider",
            metadata: { name: "flux-alerts", namespace: a.namespace, labels },
            spec: { type, secretRef: { name: ALERTS_SECRET } },
        },
        {
            apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
            kind: "Alert",
            metadata: { name: "reconciliation-failures", namespace: a.namespace, labels },
            spec: {
                providerRef: { name: "flux-alerts" },
                summary: `Flux reconciliation failed on ${a.clusterName}`,
                eventMetadata,
                eventSeverity: "error",
                eventSources: sources(EVENT_KINDS),
            },
        },
        {
            apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
            kind: "Alert",
            metadata: { name: "applied-changes", namespace: a.namespace, labels },
            spec: {
                providerRef: { name: "flux-alerts" },
                summary: `Flux changed ${a.clusterName} (a merged change, or a manual change it reverted)`,
                eventMetadata,
                eventSeverity: "info",
                eventSources: sources(["Kustomization", "HelmRelease"]),
                inclusionList: [
                    "\\b(created|configured|deleted)\\b",
                    "has been corrected",
                    "Helm (install|upgrade|rollback|uninstall) succeeded",
                ],
            },
        },
    ];
}

/** The template of the alerts Secret: never applied (not a .yaml file), placeholders only; the header says how to use it. */
export function alertsSecretTemplate(clusterName: string, namespace: string): string {
    const dir = `${clusterDir(clusterName)}/notifications`;
    return [
        "# TEMPLATE, not applied and not encrypted: it holds a placeholder, never the real address.",
        "# The Provider in this directory reads the webhook address from this Secret. To turn the alerts on:",
        `#   cp ${dir}/${ALERTS_SECRET}.enc.yaml.example ${dir}/${ALERTS_SECRET}.enc.yaml`,
        "#   # put the address in place of the placeholder (Teams: the workflow's webhook URL; generic: your endpoint)",
        `#   sops --encrypt --in-place ${dir}/${ALERTS_SECRET}.enc.yaml`,
        "#   # then, in the aks-gitops repo: npm run fleet -- --stack <stack> --out <this repo>  (lists it in kustomization.yaml)",
        "# The .sops.yaml rule for this cluster's environment matches the .enc.yaml path, so its key encrypts it.",
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        `  name: ${ALERTS_SECRET}`,
        `  namespace: ${namespace}`,
        "type: Opaque",
        "stringData:",
        "  address: <https://webhook-address-of-the-channel>",
        "",
    ].join("\n");
}

/** Name of the tenant boundary's ValidatingAdmissionPolicy and of its binding. */
export const TENANT_BOUNDARY = "aks-gitops-tenant-boundary";
/** The cluster-directory layer holding the tenant boundary (applied by the cluster's own Flux configuration). */
export const TENANT_BOUNDARY_LAYER = "tenant-boundary";

/**
 * The secrets boundary of tenant namespaces (issue 23): an admission policy, held by the API server, that refuses in
 * every namespace carrying the tenant label (ARM sets it on the managed namespace, and a managed namespace's labels
 * cannot be changed through the Kubernetes API):
 * - a Flux Kustomization with spec.decryption: kustomize-controller has one workload identity per cluster, and a
 *   Kustomization that names no decryption service account or credentials of its own falls back to it ("When the
 *   controller fails to find credentials on the Kustomization object itself, it will fall back to these defaults",
 *   "Controller global decryption"; "If no static credentials are defined for a given cloud provider inside the
 *   secret, secret-less authentication is attempted": fluxcd/kustomize-controller docs/spec/v1/kustomizations.md).
 *   A tenant's own Kustomization could therefore decrypt any file encrypted to the environment's Key Vault key. Every
 *   spec.decryption is refused, not only one without a secretRef, because of that second fallback.
 * - a Kustomization or HelmRelease with spec.kubeConfig: remote-cluster access falls back to the controller's identity
 *   the same way (kustomize-controller CHANGELOG 1.7.0, "[RFC-0010] Add multi-tenancy lockdown for decryption and
 *   kubeconfig", a lockdown the microsoft.flux extension does not document); a tenant applies to this cluster only.
 * The Flux configuration ARM creates for a tenant sets neither (its API has no decryption field), so it passes.
 *
 * ValidatingAdmissionPolicy is admissionregistration.k8s.io/v1, GA in Kubernetes 1.30, and takes effect only with a
 * binding ("At least a ValidatingAdmissionPolicy and a corresponding ValidatingAdmissionPolicyBinding must be defined
 * for a policy to have an effect": kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).
 * failurePolicy Fail: an expression that cannot be evaluated refuses the request (fail closed). The expressions guard
 * has(object.spec) before reading below it: CEL errors on a field of an absent parent ("no such key"). Only the
 * resources themselves are matched, not their status subresource, so the controllers' status writes pass; an object
 * being deleted is skipped (matchConditions), so a controller can still remove its finalizer from an object that
 * predates the policy; such an object is only finalized, never built or decrypted again (fluxcd/kustomize-controller
 * internal/controller/kustomization_controller.go, Reconcile). Cluster-scoped, so a tenant's namespace-scoped
 * configuration cannot write or remove it. Rendered for every cluster, tenants or not: it is in place before the
 * first tenant namespace is.
 */
export function tenantBoundaryObjects(): LayerObject[] {
    const labels = { [LAYER_LABEL]: TENANT_BOUNDARY_LAYER };
    const inTenantNamespaces = `in a tenant namespace (label ${TENANT_LABEL})`;
    const rule = (group: string, resource: string) => ({
        apiGroups: [group],
        apiVersions: ["*"],
        operations: ["CREATE", "UPDATE"],
        resources: [resource],
    });
    return [
        {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: TENANT_BOUNDARY, labels },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] },
                    resourceRules: [
                        rule("kustomize.toolkit.fluxcd.io", "kustomizations"),
                        rule("helm.toolkit.fluxcd.io", "helmreleases"),
                    ],
                },
                matchConditions: [{ name: "not-being-deleted", expression: "!has(object.metadata.deletionTimestamp)" }],
                validations: [
                    {
                        expression:
                            "request.resource.group != 'kustomize.toolkit.fluxcd.io' || !has(object.spec) || !has(object.spec.decryption)",
                        message: `A Flux Kustomization ${inTenantNamespaces} must not set spec.decryption: SOPS decryption would use the platform's identity and its keys. Keep secrets out of the tenant repository.`,
                        reason: "Forbidden",
                    },
                    {
                        expression: "!has(object.spec) || !has(object.spec.kubeConfig)",
                        message: `A Flux Kustomization or HelmRelease ${inTenantNamespaces} must not set spec.kubeConfig: a tenant applies to this cluster only, and remote-cluster access would use the controller's identity.`,
                        reason: "Forbidden",
                    },
                ],
            },
        },
        {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicyBinding",
            metadata: { name: TENANT_BOUNDARY, labels },
            // No matchResources: the binding validates everything the policy matches (its namespaceSelector included).
            spec: { policyName: TENANT_BOUNDARY, validationActions: ["Deny"] },
        },
    ];
}
