import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import type { Capture } from "../../offline/program";
import { ROOT } from "../../stacks/paths";
import { fluxAlertRules } from "../../components/FluxMonitoring";
import { LAYER_LABEL } from "../../fleet/layout";
import { validateStackConfig } from "../../stacks/load";
import { all, at, azureValue, baseConfig, idOf, one, run, runCommitted, withConfig } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const RULES = T.PrometheusRuleGroup;
const ACTIONS = T.ActionGroup;
const AMW = T.AzureMonitorWorkspace;
const CLUSTER = T.ManagedCluster;
// Published facts, stated literally: Grafana Admin's GUID (MicrosoftDocs/azure-docs articles/role-based-access-control/
// built-in-roles/monitor.md); Monitoring Data Reader's GUID (azure-docs articles/azure-monitor/containers/
// container-insights-prometheus-multiple-workspaces.md, "Assign Monitoring Data Reader role"; Azure/prometheus-collector
// AddonBicepTemplate/nested_grafana_amw_role_assignment.bicep).
const MONITORING_DATA_READER = "b0d8363b-8ddd-447d-831f-62ca05bff136";
const GRAFANA_ADMIN = "22926164-76b3-42b3-bc55-97df8dab3e41";
const MONITORING_TYPES = [
    AMW,
    T.DataCollectionEndpoint,
    T.DataCollectionRule,
    T.DataCollectionRuleAssociation,
    ACTIONS,
    RULES,
];

/** Syntax errors lezer-promql finds in an expression (0 means it parses). */
function promqlErrors(expression: string): number {
    let errors = 0;
    parser.parse(expression).iterate({ enter: (n) => void (n.type.isError && errors++) });
    return errors;
}

interface Rule {
    alert: string;
    expression: string;
    for: string;
    severity: number;
    actions: { actionGroupId: string }[];
    annotations: Record<string, string>;
}

describe("watching reconciliation (managed Prometheus, alerts, Grafana)", () => {
    sharedCaptures();
    let prod: Capture;
    let dev: Capture;
    before(async () => {
        prod = await runCommitted("prod");
        dev = await runCommitted("dev");
    });
    const rules = (c: Capture) => one(c, RULES).inputs.rules as Rule[];

    it("enables managed Prometheus on prod's cluster with its data collection wiring", () => {
        assert.deepEqual(at(one(prod, CLUSTER).inputs, "azureMonitorProfile"), { metrics: { enabled: true } });
        const workspace = idOf(prod, one(prod, AMW));
        const dcr = one(prod, T.DataCollectionRule, "-monitoring-dcr").inputs;
        assert.deepEqual(dcr.dataSources, {
            prometheusForwarder: [
                { name: "PrometheusDataSource", streams: ["Microsoft-PrometheusMetrics"], labelIncludeFilter: {} },
            ],
        });
        assert.deepEqual(dcr.destinations, {
            monitoringAccounts: [{ accountResourceId: workspace, name: "MonitoringAccount1" }],
        });
        assert.deepEqual(dcr.dataFlows, [
            { streams: ["Microsoft-PrometheusMetrics"], destinations: ["MonitoringAccount1"] },
        ]);
        assert.equal(dcr.dataCollectionEndpointId, idOf(prod, one(prod, T.DataCollectionEndpoint)));
        const dcra = one(prod, T.DataCollectionRuleAssociation, "-monitoring-dcra").inputs;
        assert.equal(dcra.resourceUri, idOf(prod, one(prod, CLUSTER)));
        assert.equal(dcra.dataCollectionRuleId, idOf(prod, one(prod, T.DataCollectionRule, "-monitoring-dcr")));
    });

    it("is on by default in prod and off in dev", () => {
        // Container Insights' own rule and association (AksCluster) are counted apart.
        const monitoring = (c: Capture, type: string) => all(c, type).filter((r) => r.parent?.endsWith("-monitoring"));
        for (const type of MONITORING_TYPES) {
            assert.equal(monitoring(prod, type).length, 1, `prod has one ${type}`);
            assert.equal(monitoring(dev, type).length, 0, `dev has no ${type}`);
        }
        assert.equal(at(one(dev, CLUSTER).inputs, "azureMonitorProfile"), undefined);
    });

    it("evaluates the rules in the workspace for this cluster", () => {
        const group = one(prod, RULES).inputs;
        assert.deepEqual(group.scopes, [idOf(prod, one(prod, AMW)), idOf(prod, one(prod, CLUSTER))]);
        assert.equal(group.clusterName, "aks-prod-westeurope", "must match the cluster label on the series");
        assert.equal(group.interval, "PT1M");
    });

    it("alerts on not-Ready reconcilers and sources for 10 minutes, suspended objects for an hour, slow reconciliation and missing metrics", () => {
        const byName = new Map(rules(prod).map((r) => [r.alert, r]));
        assert.deepEqual([...byName.keys()].sort(), [
            "FluxMetricsMissing",
            "FluxObjectSuspended",
            "FluxReconcilerNotReady",
            "FluxReconciliationSlow",
            "FluxSourceNotReady",
        ]);
        assert.match(
            byName.get("FluxReconcilerNotReady")!.expression,
            /gotk_resource_info\{customresource_kind=~"Kustomization\|HelmRelease", ready="False"\}/,
        );
        assert.equal(byName.get("FluxReconcilerNotReady")!.for, "PT10M");
        assert.equal(byName.get("FluxSourceNotReady")!.for, "PT10M");
        assert.match(byName.get("FluxObjectSuspended")!.expression, /suspended="true"/);
        assert.equal(byName.get("FluxObjectSuspended")!.for, "PT1H");
        assert.match(byName.get("FluxReconciliationSlow")!.expression, /> 3 \* \(sum by .*\[1d\]\)\).*> 60$/);
        assert.equal(
            byName.get("FluxMetricsMissing")!.expression,
            'absent(gotk_resource_info{cluster="aks-prod-westeurope"})',
        );
        assert.ok(
            byName.get("FluxReconcilerNotReady")!.severity < byName.get("FluxObjectSuspended")!.severity,
            "failures page before suspensions",
        );
    });

    it("uses only metrics current Flux exports (no gotk_reconcile_condition, removed in Flux 2.5)", () => {
        for (const r of rules(prod)) {
            assert.doesNotMatch(r.expression, /gotk_reconcile_condition|gotk_suspend_status/);
            for (const metric of r.expression.match(/\b(gotk_[a-z_]+|[a-z_]+_total)\b/g) ?? []) {
                assert.ok(
                    [
                        "gotk_resource_info",
                        "gotk_reconcile_duration_seconds_sum",
                        "gotk_reconcile_duration_seconds_count",
                    ].includes(metric),
                    `${r.alert}: ${metric}`,
                );
            }
        }
    });

    it("writes every alert expression in valid PromQL (lezer-promql)", () => {
        for (const r of rules(prod)) {
            assert.equal(promqlErrors(r.expression), 0, `${r.alert}: ${r.expression}`);
        }
        assert.ok(promqlErrors("sum(rate(x[5m])) by (a") > 0, "the parser rejects broken PromQL");
    });

    it("takes thresholds from config", async () => {
        const c = await run(
            withConfig(baseConfig("prod"), {
                monitoring: { notReadyFor: "PT20M", slowFactor: 5, minSlowSeconds: 120 },
            }),
        );
        const byName = new Map(rules(c).map((r) => [r.alert, r]));
        assert.equal(byName.get("FluxReconcilerNotReady")!.for, "PT20M");
        assert.match(byName.get("FluxReconciliationSlow")!.expression, /> 5 \* .* > 120$/);
    });

    it("routes every alert to the action group built from the configured receivers", () => {
        const group = one(prod, ACTIONS).inputs;
        for (const r of rules(prod)) {
            assert.deepEqual(r.actions, [{ actionGroupId: idOf(prod, one(prod, ACTIONS)) }], r.alert);
        }
        assert.deepEqual(group.emailReceivers, [
            { name: "platform on-call", emailAddress: "platform-oncall@contoso.com", useCommonAlertSchema: true },
        ]);
        assert.deepEqual(group.webhookReceivers, [
            {
                name: "incident bridge",
                serviceUri: "https://alerts.contoso.com/hooks/flux",
                useCommonAlertSchema: true,
            },
        ]);
        assert.ok(String(group.groupShortName).length <= 12, "groupShortName max 12 (actionGroups_API.json)");
        assert.equal(group.location, "global");
    });

    it("wires optional Managed Grafana to the workspace, reading with Monitoring Data Reader", () => {
        const grafana = one(prod, T.Grafana);
        assert.deepEqual(at(grafana.inputs, "properties.grafanaIntegrations"), {
            azureMonitorWorkspaceIntegrations: [{ azureMonitorWorkspaceResourceId: idOf(prod, one(prod, AMW)) }],
        });
        const reader = one(prod, T.RoleAssignment, "-grafana-reader").inputs;
        assert.equal(reader.scope, idOf(prod, one(prod, AMW)));
        assert.equal(reader.principalId, azureValue(prod, `${grafana.name}.identity.principalId`));
        assert.match(String(reader.roleDefinitionId), new RegExp(`/roleDefinitions/${MONITORING_DATA_READER}$`));
        const admin = one(prod, T.RoleAssignment, "-grafana-admin-0").inputs;
        assert.equal(admin.scope, idOf(prod, grafana));
        assert.match(String(admin.roleDefinitionId), new RegExp(`/roleDefinitions/${GRAFANA_ADMIN}$`));
        assert.equal(all(dev, T.Grafana).length, 0);
    });

    it("keeps a Flux dashboard in the repo whose queries parse", () => {
        const board = JSON.parse(readFileSync(join(ROOT, "dashboards", "flux-reconciliation.json"), "utf8")) as {
            panels: { title: string; targets: { expr: string }[] }[];
        };
        const exprs = board.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr] as const));
        assert.ok(exprs.length >= 8);
        for (const [title, expr] of exprs) {
            assert.equal(promqlErrors(expr), 0, `${title}: ${expr}`);
            assert.doesNotMatch(expr, /gotk_reconcile_condition/);
        }
    });

    describe("scraping Flux is part of the fleet bootstrap", () => {
        const fleetObjects = (c: Capture) =>
            c.resources.filter(
                (r) =>
                    r.type.startsWith("kubernetes:") &&
                    (r.inputs.metadata as { labels?: Record<string, string> })?.labels?.[LAYER_LABEL] === "monitoring",
            );

        it("renders a monitoring layer after infrastructure, decrypting like the others", () => {
            const layer = prod.resources.find(
                (r) => r.type === T.FluxKustomization && (r.inputs.metadata as { name: string }).name === "monitoring",
            )!;
            assert.equal(at(layer.inputs, "spec.path"), "./clusters/prod-westeurope/monitoring");
            assert.deepEqual(at(layer.inputs, "spec.dependsOn"), [{ name: "infrastructure" }]);
            assert.deepEqual(at(layer.inputs, "spec.decryption"), { provider: "sops" });
            assert.equal(fleetObjects(dev).length, 0, "no PodMonitor where the CRD (managed Prometheus) is absent");
        });

        it("scrapes the Flux controllers and a kube-state-metrics for Flux objects with managed Prometheus PodMonitors", () => {
            const objects = fleetObjects(prod);
            const monitors = objects.filter((o) => o.inputs.kind === "PodMonitor");
            assert.ok(
                monitors.every((m) => m.inputs.apiVersion === "azmonitoring.coreos.com/v1"),
                "managed Prometheus ignores monitoring.coreos.com",
            );
            const controllers = monitors.find(
                (m) => (m.inputs.metadata as { name: string }).name === "flux-controllers",
            )!;
            assert.deepEqual(at(controllers.inputs, "spec.podMetricsEndpoints"), [{ port: "http-prom" }]);
            assert.ok(
                (at(controllers.inputs, "spec.selector.matchExpressions.0.values") as string[]).includes(
                    "kustomize-controller",
                ),
            );
            const ksm = objects.find((o) => o.inputs.kind === "HelmRelease")!;
            assert.equal(at(ksm.inputs, "spec.chart.spec.sourceRef.name"), "prometheus-community");
            const resources = at(ksm.inputs, "spec.values.customResourceState.config.spec.resources") as {
                groupVersionKind: { kind: string };
                metricNamePrefix: string;
                metrics: { name: string }[];
            }[];
            assert.ok(resources.some((r) => r.groupVersionKind.kind === "Kustomization"));
            assert.ok(
                resources.every((r) => r.metricNamePrefix === "gotk" && r.metrics[0].name === "resource_info"),
                "yields gotk_resource_info, which the alerts query",
            );
            const sources = readFileSync(
                join(ROOT, "examples/fleet/infrastructure/sources/helm-repositories.yaml"),
                "utf8",
            );
            assert.match(sources, /name: prometheus-community/, "the chart's source exists in the starter fleet");
        });
    });

    it("rejects bad receivers and thresholds naming the key", () => {
        const problems = (monitoring: object) => {
            try {
                validateStackConfig(withConfig(baseConfig("prod"), { monitoring }), { gitSshPrivateKey: true });
                return "";
            } catch (e) {
                return (e as Error).message;
            }
        };
        assert.match(
            problems({ receivers: { emails: [{ name: "x", address: "not-an-email" }] } }),
            /aks-gitops:monitoring\.receivers\.emails\[0\]\.address: must be an email address/,
        );
        assert.match(
            problems({ receivers: { webhooks: [{ name: "x", url: "http://insecure" }] } }),
            /aks-gitops:monitoring\.receivers\.webhooks\[0\]\.url: must be an https:\/\/ URL/,
        );
        assert.match(problems({ notReadyFor: "10 minutes" }), /aks-gitops:monitoring\.notReadyFor/);
        assert.equal(
            fluxAlertRules(
                {
                    enabled: true,
                    notReadyFor: "PT5M",
                    suspendedFor: "PT2H",
                    slowFactor: 2,
                    minSlowSeconds: 30,
                    receivers: { emails: [], webhooks: [] },
                    grafana: { enabled: false, admins: [] },
                },
                "c",
            ).length,
            5,
        );
    });
});
