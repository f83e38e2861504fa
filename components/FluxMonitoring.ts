import * as pulumi from "@pulumi/pulumi";
import * as alertsmanagement from "@pulumi/azure-native/alertsmanagement";
import * as dashboard from "@pulumi/azure-native/dashboard";
import * as monitor from "@pulumi/azure-native/monitor";
import type { StackNames } from "../stacks/names";
import type { MonitoringSettings } from "../stacks/schema";
import { BUILT_IN_ROLES, grantRole, roleDefinitionId } from "./roles";

/** The physical names of the monitoring resources (stacks/names.ts computes them for the stack). */
export type MonitoringNames = Pick<
    StackNames,
    | "aksCluster"
    | "monitorWorkspace"
    | "prometheusDataCollectionEndpoint"
    | "prometheusDataCollectionRule"
    | "prometheusDataCollectionRuleAssociation"
    | "actionGroup"
    | "prometheusRuleGroup"
    | "grafana"
    | "grafanaGrantKey"
>;

/** What FluxMonitoring takes; the settings' defaults live in the stack's profile (stacks/profiles.ts). */
export interface FluxMonitoringArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    /** names.aksCluster is also the `cluster` label managed Prometheus puts on every series. */
    names: MonitoringNames;
    /**
     * The cluster's id. Default (absent): standby, when only what does not hang on the cluster is created (no
     * association, no rule group).
     */
    clusterId?: pulumi.Input<string>;
    settings: MonitoringSettings;
    /** Entra ID groups that administer the Grafana instance (object ids). */
    grafanaAdmins: { key: string; objectId: pulumi.Input<string> }[];
    subscriptionId: string;
    tags: Record<string, string>;
}

export interface AlertRule {
    alert: string;
    expression: string;
    for: string;
    severity: number;
    summary: string;
    description: string;
}

// Flux object readiness and suspension come from kube-state-metrics custom resource state metrics (gotk_resource_info,
// labels customresource_kind, exported_namespace, name, ready, suspended): Flux removed gotk_reconcile_condition and
// gotk_suspend_status from its controllers (deprecated in v2.1, removed by v2.5). Source: fluxcd.io/flux/monitoring/metrics
// ("Resource metrics") and fluxcd/kustomize-controller CHANGELOG 1.5.0. Durations come from the controllers' own
// gotk_reconcile_duration_seconds histogram (labels kind, name, namespace -> exported_namespace once scraped).
const BY_OBJECT = "cluster, exported_namespace, name, customresource_kind";
const BY_RECONCILER = "cluster, kind, exported_namespace, name";
const RECONCILERS = "Kustomization|HelmRelease";
const SOURCES = "GitRepository|OCIRepository|HelmRepository|Bucket";

function averageDuration(window: string): string {
    const select = `{kind=~"${RECONCILERS}"}`;
    return (
        `(sum by (${BY_RECONCILER}) (rate(gotk_reconcile_duration_seconds_sum${select}[${window}]))` +
        ` / sum by (${BY_RECONCILER}) (rate(gotk_reconcile_duration_seconds_count${select}[${window}])))`
    );
}

/** The alert rules, in one Prometheus rule group per cluster. */
export function fluxAlertRules(s: MonitoringSettings, clusterName: string): AlertRule[] {
    return [
        {
            alert: "FluxReconcilerNotReady",
            expression: `max by (${BY_OBJECT}) (gotk_resource_info{customresource_kind=~"${RECONCILERS}", ready="False"}) > 0`,
            for: s.notReadyFor,
            severity: 2,
            summary:
                "{{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} is not Ready",
            description: `Reconciliation has been failing on cluster {{ $labels.cluster }} for over ${s.notReadyFor}: a broken manifest in git or a cluster-side problem. Check: flux get kustomizations -A, or npm run verify.`,
        },
        {
            alert: "FluxSourceNotReady",
            expression: `max by (${BY_OBJECT}) (gotk_resource_info{customresource_kind=~"${SOURCES}", ready="False"}) > 0`,
            for: s.notReadyFor,
            severity: 2,
            summary:
                "{{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} cannot be fetched",
            description: `Flux on {{ $labels.cluster }} has not been able to fetch this source for over ${s.notReadyFor} (credentials, known hosts, or the repository).`,
        },
        {
            alert: "FluxObjectSuspended",
            expression: `max by (${BY_OBJECT}) (gotk_resource_info{suspended="true"}) > 0`,
            for: s.suspendedFor,
            severity: 3,
            summary:
                "{{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} is suspended",
            description: `Suspended for over ${s.suspendedFor}: drift on cluster {{ $labels.cluster }} is no longer corrected. Resume it, or remove it from git.`,
        },
        {
            alert: "FluxReconciliationSlow",
            expression: `${averageDuration("10m")} > ${s.slowFactor} * ${averageDuration("1d")} and ${averageDuration("10m")} > ${s.minSlowSeconds}`,
            for: "PT15M",
            severity: 3,
            summary:
                "{{ $labels.kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} reconciles far slower than usual",
            description: `Average reconciliation over 10 minutes is more than ${s.slowFactor}x its one-day average (and over ${s.minSlowSeconds}s) on {{ $labels.cluster }}: health checks timing out, throttled sources, or an overloaded controller.`,
        },
        {
            alert: "FluxMetricsMissing",
            expression: `absent(gotk_resource_info{cluster="${clusterName}"})`,
            for: "PT30M",
            severity: 3,
            summary: "No Flux object metrics from {{ $labels.cluster }}",
            description:
                "kube-state-metrics for Flux is not being scraped: the alerts above cannot fire. Check the cluster's monitoring Kustomization (fleet repo) and the ama-metrics pods.",
        },
    ];
}

/**
 * The `rules` of the cluster's PrometheusRuleGroup, exactly as registered (pure, so test/components/FluxMonitoring.alerts.e2e.test.ts can run the very
 * same rules through `promtool test rules`).
 */
export function prometheusRuleGroupRules<T>(s: MonitoringSettings, clusterName: string, actionGroupId: T) {
    return fluxAlertRules(s, clusterName).map((r) => ({
        alert: r.alert,
        expression: r.expression,
        for: r.for,
        severity: r.severity,
        enabled: true,
        labels: { team: "platform", source: "flux" },
        annotations: { summary: r.summary, description: r.description },
        resolveConfiguration: { autoResolved: true, timeToResolve: "PT10M" },
        actions: [{ actionGroupId }],
    }));
}

/** Managed Prometheus for the cluster, Flux alert rules routed to an action group, and optionally Managed Grafana. */
export class FluxMonitoring extends pulumi.ComponentResource {
    readonly workspace: monitor.AzureMonitorWorkspace;
    /** Scoped to the cluster, so absent in standby. */
    readonly ruleGroup?: alertsmanagement.PrometheusRuleGroup;
    readonly actionGroup: monitor.ActionGroup;
    readonly grafana?: dashboard.Grafana;

    constructor(name: string, args: FluxMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:FluxMonitoring", name, args, opts);
        const s = args.settings;
        // Names as in Microsoft's onboarding template (Azure/prometheus-collector AddonBicepTemplate): MSProm-<region>-<cluster>.
        const n = args.names;

        this.workspace = new monitor.AzureMonitorWorkspace(
            `${name}-workspace`,
            {
                azureMonitorWorkspaceName: n.monitorWorkspace,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                tags: args.tags,
            },
            { parent: this },
        );
        const endpoint = new monitor.DataCollectionEndpoint(
            `${name}-dce`,
            {
                dataCollectionEndpointName: n.prometheusDataCollectionEndpoint,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                kind: "Linux",
                tags: args.tags,
            },
            { parent: this },
        );
        const rule = new monitor.DataCollectionRule(
            `${name}-dcr`,
            {
                dataCollectionRuleName: n.prometheusDataCollectionRule,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                kind: "Linux",
                dataCollectionEndpointId: endpoint.id,
                description: "Managed Prometheus metrics of the cluster to its Azure Monitor workspace",
                dataSources: {
                    prometheusForwarder: [
                        {
                            name: "PrometheusDataSource",
                            streams: ["Microsoft-PrometheusMetrics"],
                            labelIncludeFilter: {},
                        },
                    ],
                },
                destinations: {
                    monitoringAccounts: [{ accountResourceId: this.workspace.id, name: "MonitoringAccount1" }],
                },
                dataFlows: [{ streams: ["Microsoft-PrometheusMetrics"], destinations: ["MonitoringAccount1"] }],
                tags: args.tags,
            },
            { parent: this },
        );
        const clusterId = args.clusterId;
        // The association and the alert rules hang on the cluster: not created in standby.
        if (clusterId !== undefined) {
            new monitor.DataCollectionRuleAssociation(
                `${name}-dcra`,
                {
                    associationName: n.prometheusDataCollectionRuleAssociation,
                    resourceUri: clusterId,
                    dataCollectionRuleId: rule.id,
                    description:
                        "Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster.",
                },
                { parent: this },
            );
        }

        this.actionGroup = new monitor.ActionGroup(
            `${name}-actions`,
            {
                actionGroupName: n.actionGroup,
                resourceGroupName: args.resourceGroupName,
                // Action groups are global resources; the short name (max 12 characters) appears in emails and SMS.
                location: "global",
                groupShortName: "flux-alerts",
                enabled: true,
                emailReceivers: s.receivers.emails.map((e) => ({
                    name: e.name,
                    emailAddress: e.address,
                    useCommonAlertSchema: true,
                })),
                webhookReceivers: s.receivers.webhooks.map((w) => ({
                    name: w.name,
                    serviceUri: w.url,
                    useCommonAlertSchema: true,
                })),
                tags: args.tags,
            },
            { parent: this },
        );

        if (clusterId !== undefined) {
            this.ruleGroup = new alertsmanagement.PrometheusRuleGroup(
                `${name}-rules`,
                {
                    ruleGroupName: n.prometheusRuleGroup,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    description:
                        "Flux reconciliation health (kube-state-metrics gotk_resource_info and controller durations)",
                    // The workspace to evaluate in, and the cluster the series come from (prometheus-rule-groups docs).
                    scopes: [this.workspace.id, clusterId],
                    clusterName: n.aksCluster,
                    interval: "PT1M",
                    enabled: true,
                    rules: prometheusRuleGroupRules(s, n.aksCluster, this.actionGroup.id),
                    tags: args.tags,
                },
                { parent: this },
            );
        }

        if (s.grafana.enabled) {
            this.grafana = new dashboard.Grafana(
                `${name}-grafana`,
                {
                    workspaceName: n.grafana,
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    sku: { name: "Standard" },
                    identity: { type: "SystemAssigned" },
                    properties: {
                        grafanaIntegrations: {
                            azureMonitorWorkspaceIntegrations: [{ azureMonitorWorkspaceResourceId: this.workspace.id }],
                        },
                        zoneRedundancy: "Enabled",
                    },
                    tags: args.tags,
                },
                { parent: this },
            );
            // Grafana reads the workspace with its managed identity: Monitoring Data Reader on the workspace
            // (Azure/prometheus-collector nested_grafana_amw_role_assignment.bicep; Azure Monitor prometheus-grafana docs).
            grantRole(
                `${name}-grafana-reader`,
                {
                    scope: this.workspace.id,
                    scopeKey: `amw/${n.monitorWorkspace}`,
                    principalId: this.grafana.identity.apply((i) => i?.principalId ?? ""),
                    principalType: "ServicePrincipal",
                    roleDefinitionId: roleDefinitionId(args.subscriptionId, BUILT_IN_ROLES.monitoringDataReader),
                    roleKey: BUILT_IN_ROLES.monitoringDataReader,
                    description: `Grafana ${n.grafanaGrantKey} reads managed Prometheus`,
                },
                { parent: this },
            );
            args.grafanaAdmins.forEach((admin, i) =>
                grantRole(
                    `${name}-grafana-admin-${i}`,
                    {
                        scope: this.grafana!.id,
                        scopeKey: `grafana/${n.grafanaGrantKey}`,
                        principalId: admin.objectId,
                        principalType: "Group",
                        roleDefinitionId: roleDefinitionId(args.subscriptionId, BUILT_IN_ROLES.grafanaAdmin),
                        roleKey: BUILT_IN_ROLES.grafanaAdmin,
                        description: `Grafana admins (${admin.key})`,
                    },
                    { parent: this },
                ),
            );
        }

        this.registerOutputs({
            workspaceId: this.workspace.id,
            ruleGroupId: this.ruleGroup?.id,
            actionGroupId: this.actionGroup.id,
        });
    }
}
