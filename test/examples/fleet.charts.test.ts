// The starter fleet's HelmRelease values against the values the pinned charts really have. Helm ignores a value its
// chart does not read, so a misnamed one (Envoy Gateway's HPA once had `targetCPU`, which the chart never had) renders
// nothing and fails nowhere. The chart facts below are stated literally from the chart's source at the pinned version;
// a bump of the pin fails the first test, so whoever bumps it re-reads the chart.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { ROOT } from "../../stacks/paths";

const ENVOY = join(ROOT, "examples/fleet/infrastructure/envoy-gateway/helmrelease.yaml");

// envoyproxy/gateway v1.9.0 charts/gateway-helm/values.tmpl.yaml: the value paths the chart reads under the keys the
// fleet sets (deployment.*, hpa.*, podDisruptionBudget.*, crds.*). templates/envoy-gateway-hpa.yaml passes
// hpa.metrics and hpa.behavior through to the HorizontalPodAutoscaler as they are.
const ENVOY_CHART_VALUES_1_9 = new Set([
    "crds.enabled",
    "deployment.replicas",
    "hpa.enabled",
    "hpa.minReplicas",
    "hpa.maxReplicas",
    "hpa.metrics",
    "hpa.behavior",
    "podDisruptionBudget.minAvailable",
    "podDisruptionBudget.maxUnavailable",
    "podDisruptionBudget.unhealthyPodEvictionPolicy",
]);

/** Leaf paths of a values tree; lists are leaves (the chart takes them whole). */
function paths(value: unknown, prefix = ""): string[] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return [prefix];
    }
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
        paths(v, prefix ? `${prefix}.${k}` : k),
    );
}

describe("examples/fleet chart values are values the pinned charts have", () => {
    const doc = parseDocument(readFileSync(ENVOY, "utf8"));
    const release = doc.toJS() as {
        spec: { chart: { spec: { chart: string; version: string } }; values: Record<string, unknown> };
    };

    it("pins Envoy Gateway's chart to the 1.9 line the facts below were read from", () => {
        assert.equal(release.spec.chart.spec.chart, "gateway-helm");
        assert.equal(release.spec.chart.spec.version, "1.9.x");
    });

    it("sets only values Envoy Gateway's chart reads", () => {
        const unknown = paths(release.spec.values).filter((p) => !ENVOY_CHART_VALUES_1_9.has(p));
        assert.deepEqual(unknown, [], "Helm silently ignores a value its chart does not read");
    });

    it("configures the controller's HPA through hpa.metrics, an autoscaling/v2 CPU utilisation target", () => {
        const hpa = release.spec.values.hpa as {
            enabled: boolean;
            minReplicas: number;
            maxReplicas: number;
            metrics: unknown;
        };
        assert.equal(hpa.enabled, true);
        assert.ok(hpa.minReplicas >= 2 && hpa.maxReplicas > hpa.minReplicas, "two replicas at least, room to scale");
        // MetricSpec of autoscaling/v2 (kubernetes API reference, HorizontalPodAutoscaler v2: type Resource,
        // resource.name, target.type Utilization with averageUtilization).
        assert.deepEqual(hpa.metrics, [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
        ]);
    });

    it("names the Gateway API CRD channel the chart ships: experimental (bundle v1.6.1 in chart 1.9.0)", () => {
        // charts/gateway-helm/charts/crds/crds/gatewayapi-crds.yaml at v1.9.0 labels every Gateway API CRD
        // gateway.networking.k8s.io/channel: experimental, bundle-version: v1.6.1.
        const text = readFileSync(ENVOY, "utf8");
        assert.match(text, /EXPERIMENTAL channel \(v1\.9\.0: bundle v1\.6\.1/);
        assert.doesNotMatch(text, /standard channel\)/, "the chart does not ship the standard channel");
    });
});
