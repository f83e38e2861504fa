// The fleet repository's layout per cluster (fleet/layout.ts), called directly: the cluster directory's path, the Flux
// Kustomizations of its layers with their paths, order, dependencies and durations, the monitoring and notification
// objects, and the alerts Secret template. Literal objects: what FleetManifests registers and `npm run fleet` writes.
// Formats checked against Flux's own API types:
// - kustomize.toolkit.fluxcd.io/v1 (fluxcd/kustomize-controller api/v1/kustomization_types.go): interval,
//   retryInterval and timeout are durations matching ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$; dependsOn entries name a
//   Kustomization; decryption.provider is the enum "sops"; postBuild.substitute is a map of strings.
// - notification.toolkit.fluxcd.io/v1beta3 Alert (fluxcd/notification-controller api/v1beta3/alert_types.go):
//   providerRef, eventSeverity info|error, eventSources, inclusionList (Go regular expressions), eventMetadata,
//   summary (at most 255 characters).
import * as assert from "node:assert/strict";
import {
    ALERTS_SECRET,
    alertsSecretTemplate,
    clusterDir,
    type FleetLayoutArgs,
    fluxKustomizations,
    goDuration,
    LAYER_LABEL,
    monitoringObjects,
    notificationObjects,
} from "../../fleet/layout";

const FLUX_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

const ARGS: FleetLayoutArgs = {
    clusterName: "prod-northeurope",
    environment: "prod",
    namespace: "flux-config",
    gitRepositoryName: "fleet-source",
    apps: ["my-service"],
    intervalSeconds: 300,
    retryIntervalSeconds: 90,
    timeoutSeconds: 7200,
    facts: { CLUSTER_NAME: "prod-northeurope", ENVIRONMENT: "prod" },
    monitoring: true,
    notifications: "generic",
};

/** One layer's Flux Kustomization as the program writes it for ARGS. */
function layer(name: string, path: string, dependsOn?: string[]) {
    return {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: "flux-config" },
        spec: {
            interval: "5m",
            retryInterval: "90s",
            timeout: "2h",
            path,
            prune: true,
            wait: true,
            sourceRef: { kind: "GitRepository", name: "fleet-source" },
            ...(dependsOn ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
            decryption: { provider: "sops" },
            postBuild: { substitute: { CLUSTER_NAME: "prod-northeurope", ENVIRONMENT: "prod" } },
        },
    };
}

describe("fleet layout (fleet/layout.ts)", function () {
    it("writes durations as Flux reads them: whole hours as h, whole minutes as m, else seconds", () => {
        const cases: [number, string][] = [
            [3600, "1h"],
            [7200, "2h"],
            [86400, "24h"],
            [60, "1m"],
            [600, "10m"],
            [5400, "90m"],
            [3660, "61m"],
            [90, "90s"],
            [1, "1s"],
            [3601, "3601s"],
            [0, "0h"],
        ];
        for (const [seconds, text] of cases) {
            assert.equal(goDuration(seconds), text, String(seconds));
            assert.match(text, FLUX_DURATION);
        }
    });

    it("puts a cluster's directory under clusters/<cluster name>", () => {
        assert.equal(clusterDir("prod-northeurope"), "clusters/prod-northeurope");
        assert.equal(clusterDir("dev-westeurope"), "clusters/dev-westeurope");
    });

    it("renders every layer in apply order, the apps, monitoring and notifications paths inside the cluster's directory", () => {
        assert.deepEqual(fluxKustomizations(ARGS), [
            layer("infrastructure", "./infrastructure"),
            layer("infrastructure-configs", "./infrastructure/configs", ["infrastructure"]),
            layer("apps", "./clusters/prod-northeurope/apps", ["infrastructure", "infrastructure-configs"]),
            layer("monitoring", "./clusters/prod-northeurope/monitoring", ["infrastructure"]),
            // Notifications depend on nothing: they must report an infrastructure layer that fails.
            layer("notifications", "./clusters/prod-northeurope/notifications"),
        ]);
    });

    it("leaves out the monitoring and notifications layers when they are off, and dependsOn when a layer has none", () => {
        const plain = fluxKustomizations({ ...ARGS, monitoring: false, notifications: undefined });
        assert.deepEqual(
            plain.map((k) => k.metadata.name),
            ["infrastructure", "infrastructure-configs", "apps"],
        );
        assert.ok(!("dependsOn" in plain[0].spec), "no empty dependsOn list");
        assert.deepEqual(
            fluxKustomizations({ ...ARGS, monitoring: false }).map((k) => k.metadata.name),
            ["infrastructure", "infrastructure-configs", "apps", "notifications"],
        );
        assert.deepEqual(
            fluxKustomizations({ ...ARGS, notifications: undefined }).map((k) => k.metadata.name),
            ["infrastructure", "infrastructure-configs", "apps", "monitoring"],
        );
    });

    it("gives each layer its own copy of the substituted facts", () => {
        const facts = { CLUSTER_NAME: "c" };
        const layers = fluxKustomizations({ ...ARGS, facts });
        facts.CLUSTER_NAME = "changed later";
        layers[0].spec.postBuild.substitute.CLUSTER_NAME = "edited";
        assert.deepEqual(layers[1].spec.postBuild.substitute, { CLUSTER_NAME: "c" });
    });

    it("watches Flux from managed Prometheus: the controllers' PodMonitor, a kube-state-metrics release and its PodMonitor", () => {
        const labels = { [LAYER_LABEL]: "monitoring" };
        assert.equal(LAYER_LABEL, "fleet.aks-gitops.io/layer");
        const limits = { labelLimit: 63, labelNameLengthLimit: 511, labelValueLengthLimit: 1023 };
        const kinds = [
            ["kustomize.toolkit.fluxcd.io", "v1", "Kustomization"],
            ["helm.toolkit.fluxcd.io", "v2", "HelmRelease"],
            ["source.toolkit.fluxcd.io", "v1", "GitRepository"],
            ["source.toolkit.fluxcd.io", "v1", "OCIRepository"],
            ["source.toolkit.fluxcd.io", "v1", "HelmRepository"],
            ["source.toolkit.fluxcd.io", "v1", "Bucket"],
        ];
        assert.deepEqual(monitoringObjects({ namespace: "flux-config" }), [
            {
                apiVersion: "azmonitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: "flux-controllers", namespace: "flux-config", labels },
                spec: {
                    ...limits,
                    selector: {
                        matchExpressions: [
                            {
                                key: "app",
                                operator: "In",
                                values: [
                                    "source-controller",
                                    "kustomize-controller",
                                    "helm-controller",
                                    "notification-controller",
                                    "image-reflector-controller",
                                    "image-automation-controller",
                                ],
                            },
                        ],
                    },
                    podMetricsEndpoints: [{ port: "http-prom" }],
                },
            },
            {
                apiVersion: "helm.toolkit.fluxcd.io/v2",
                kind: "HelmRelease",
                metadata: { name: "flux-state-metrics", namespace: "flux-config", labels },
                spec: {
                    interval: "1h",
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
                                    apiGroups: [
                                        "kustomize.toolkit.fluxcd.io",
                                        "helm.toolkit.fluxcd.io",
                                        "source.toolkit.fluxcd.io",
                                    ],
                                    resources: ["*"],
                                    verbs: ["list", "watch"],
                                },
                            ],
                        },
                        customResourceState: {
                            enabled: true,
                            config: {
                                kind: "CustomResourceStateMetrics",
                                spec: {
                                    resources: kinds.map(([group, version, kind]) => ({
                                        groupVersionKind: { group, version, kind },
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
                            },
                        },
                    },
                },
            },
            {
                apiVersion: "azmonitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: "flux-state-metrics", namespace: "flux-config", labels },
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
        ]);
    });

    it("sends Flux's events through one Provider reading its address from a Secret, with two Alerts naming the cluster", () => {
        assert.equal(ALERTS_SECRET, "flux-alerts-webhook");
        const labels = { [LAYER_LABEL]: "notifications" };
        const eventMetadata = { cluster: "prod-northeurope", environment: "prod" };
        const objects = notificationObjects(ARGS, "msteams");
        assert.deepEqual(objects, [
            {
                apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                kind: "Provider",
                metadata: { name: "flux-alerts", namespace: "flux-config", labels },
                spec: { type: "msteams", secretRef: { name: "flux-alerts-webhook" } },
            },
            {
                apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                kind: "Alert",
                metadata: { name: "reconciliation-failures", namespace: "flux-config", labels },
                spec: {
                    providerRef: { name: "flux-alerts" },
                    summary: "Flux reconciliation failed on prod-northeurope",
                    eventMetadata,
                    eventSeverity: "error",
                    eventSources: [
                        { kind: "GitRepository", name: "*" },
                        { kind: "OCIRepository", name: "*" },
                        { kind: "HelmRepository", name: "*" },
                        { kind: "HelmChart", name: "*" },
                        { kind: "Kustomization", name: "*" },
                        { kind: "HelmRelease", name: "*" },
                    ],
                },
            },
            {
                apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
                kind: "Alert",
                metadata: { name: "applied-changes", namespace: "flux-config", labels },
                spec: {
                    providerRef: { name: "flux-alerts" },
                    summary: "Flux changed prod-northeurope (a merged change, or a manual change it reverted)",
                    eventMetadata,
                    eventSeverity: "info",
                    eventSources: [
                        { kind: "Kustomization", name: "*" },
                        { kind: "HelmRelease", name: "*" },
                    ],
                    inclusionList: [
                        "\\b(created|configured|deleted)\\b",
                        "has been corrected",
                        "Helm (install|upgrade|rollback|uninstall) succeeded",
                    ],
                },
            },
        ]);
        assert.equal((notificationObjects(ARGS, "generic")[0].spec as { type: string }).type, "generic");
        // A summary stays within the Alert's 255 characters for the longest cluster name the config takes (40:
        // stacks/schema.ts clusterName).
        for (const o of notificationObjects({ ...ARGS, clusterName: "c".repeat(40) }, "msteams").slice(1)) {
            assert.ok((o.spec.summary as string).length <= 255);
        }
    });

    it("writes the alerts Secret template with the cluster's paths and namespace and a placeholder address only", () => {
        assert.equal(
            alertsSecretTemplate("prod-northeurope", "flux-config"),
            [
                "# TEMPLATE, not applied and not encrypted: it holds a placeholder, never the real address.",
                "# The Provider in this directory reads the webhook address from this Secret. To turn the alerts on:",
                "#   cp clusters/prod-northeurope/notifications/flux-alerts-webhook.enc.yaml.example clusters/prod-northeurope/notifications/flux-alerts-webhook.enc.yaml",
                "#   # put the address in place of the placeholder (Teams: the workflow's webhook URL; generic: your endpoint)",
                "#   sops --encrypt --in-place clusters/prod-northeurope/notifications/flux-alerts-webhook.enc.yaml",
                "#   # then, in the aks-gitops repo: npm run fleet -- --stack <stack> --out <this repo>  (lists it in kustomization.yaml)",
                "# The .sops.yaml rule for this cluster's environment matches the .enc.yaml path, so its key encrypts it.",
                "apiVersion: v1",
                "kind: Secret",
                "metadata:",
                "  name: flux-alerts-webhook",
                "  namespace: flux-config",
                "type: Opaque",
                "stringData:",
                "  address: <https://webhook-address-of-the-channel>",
                "",
            ].join("\n"),
        );
    });
});
