// The Flux alert rules tested by behaviour: the program's own rules (prometheusRuleGroupRules, the function that builds
// the PrometheusRuleGroup's `rules`), written as a Prometheus rule file and run through `promtool test rules` against
// synthetic series shaped the way the fleet's monitoring layer produces them:
// - kube-state-metrics custom resource state (fleet/layout.ts monitoringObjects): gotk_resource_info{customresource_group,
//   customresource_kind, customresource_version, exported_namespace, name, ready, suspended} (fluxcd/website
//   content/en/flux/monitoring/metrics.md, "Resource metrics"; custom-metrics.md);
// - the controllers' histogram gotk_reconcile_duration_seconds_{sum,count}{kind, name, namespace} (metrics.md), whose
//   `namespace` becomes `exported_namespace` once a PodMonitor scrapes it (the target's own namespace label wins);
// - plus the `cluster` label Azure managed Prometheus adds to every series (the AKS resource name).
// promtool comes from the Debian package `prometheus` (.ci/run installs it). In CI (CI or TF_BUILD set, as GitHub
// Actions and Azure Pipelines set them) these tests fail without it; on a developer's machine without it they are
// skipped, and the run says which package brings it, so the README's quick start passes on a fresh machine.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { prometheusRuleGroupRules } from "../../components/FluxMonitoring";
import { validateStackConfig } from "../../stacks/load";
import type { MonitoringSettings } from "../../stacks/schema";
import { baseConfig, idOf, one, run } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const PROMTOOL = process.env.PROMTOOL ?? "promtool";

/** Whether a missing promtool skips its tests: never in CI, where its absence is a failure. */
export function skipsWithoutPromtool(env: NodeJS.ProcessEnv): boolean {
    const set = (v: string | undefined) => v !== undefined && v !== "" && v.toLowerCase() !== "false" && v !== "0";
    return !set(env.CI) && !set(env.TF_BUILD);
}
const CLUSTER = "aks-prod-westeurope";

/** ISO 8601 durations as Azure takes them (PT10M, PT1H, P1D) in Prometheus' notation (10m, 1h, 1d). */
export function promDuration(iso: string): string {
    const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
    assert.ok(m && iso !== "P" && !iso.endsWith("T"), `not an ISO 8601 duration Prometheus can express: ${iso}`);
    const text = [
        ["d", m[1]],
        ["h", m[2]],
        ["m", m[3]],
        ["s", m[4]],
    ]
        .filter(([, n]) => n !== undefined && Number(n) > 0)
        .map(([u, n]) => `${Number(n)}${u}`)
        .join("");
    return text || "0s";
}

type RegisteredRule = ReturnType<typeof prometheusRuleGroupRules<string>>[number];

/**
 * A Prometheus rule file with the group's rules as Azure evaluates them: `for` converted, `severity` as a label (Azure
 * keeps it beside the labels), every registered label and annotation kept. Rules Azure would not run are left out.
 */
export function ruleFile(rules: RegisteredRule[], interval = "1m"): string {
    return stringify({
        groups: [
            {
                name: `flux-reconciliation-${CLUSTER}`,
                interval,
                rules: rules
                    .filter((r) => r.enabled)
                    .map((r) => ({
                        alert: r.alert,
                        expr: r.expression,
                        for: promDuration(r.for),
                        labels: { ...r.labels, severity: String(r.severity) },
                        annotations: r.annotations,
                    })),
            },
        ],
    });
}

function settings(overrides: Partial<MonitoringSettings> = {}): MonitoringSettings {
    return { ...validateStackConfig(baseConfig("prod"), { gitSshPrivateKey: true }).monitoring, ...overrides };
}

function promtool(args: string[], cwd: string): Promise<{ status: number; output: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(PROMTOOL, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("error", (e: NodeJS.ErrnoException) =>
            reject(
                new Error(
                    `cannot run ${PROMTOOL} (${e.code}): install the Debian package "prometheus" (.ci/run does) or set PROMTOOL`,
                ),
            ),
        );
        child.on("close", (code) => resolve({ status: code ?? -1, output }));
    });
}

// ---- synthetic series, shaped like the fleet's scrape targets
const KSM = {
    job: "flux-state-metrics",
    namespace: "flux-system",
    pod: "flux-state-metrics-7d9f8b6c5-x2x7q",
    cluster: CLUSTER,
};
const GROUPS: Record<string, string> = {
    Kustomization: "kustomize.toolkit.fluxcd.io",
    HelmRelease: "helm.toolkit.fluxcd.io",
    GitRepository: "source.toolkit.fluxcd.io",
    HelmRepository: "source.toolkit.fluxcd.io",
};
const VERSIONS: Record<string, string> = {
    Kustomization: "v1",
    HelmRelease: "v2",
    GitRepository: "v1",
    HelmRepository: "v1",
};

function labels(l: Record<string, string>): string {
    return `{${Object.entries(l)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;
}

/** One Flux object's gotk_resource_info series. `suspended` absent means spec.suspend is unset (no label). */
function resourceInfo(
    kind: string,
    ns: string,
    name: string,
    ready: string,
    values: string,
    suspended?: string,
    cluster = CLUSTER,
) {
    const l: Record<string, string> = {
        ...KSM,
        cluster,
        customresource_group: GROUPS[kind],
        customresource_kind: kind,
        customresource_version: VERSIONS[kind],
        exported_namespace: ns,
        name,
        ready,
        ...(suspended !== undefined ? { suspended } : {}),
    };
    return { series: `gotk_resource_info${labels(l)}`, values };
}

/** A reconciler's duration histogram sum and count, as kustomize-controller's /metrics is scraped. */
function durations(kind: string, ns: string, name: string, sumValues: string, countValues: string) {
    const l = {
        job: "flux-controllers",
        namespace: "flux-system",
        pod: "kustomize-controller-6b5d8c7f9-abcde",
        cluster: CLUSTER,
        kind,
        exported_namespace: ns,
        name,
    };
    return [
        { series: `gotk_reconcile_duration_seconds_sum${labels(l)}`, values: sumValues },
        { series: `gotk_reconcile_duration_seconds_count${labels(l)}`, values: countValues },
    ];
}

const RULE_LABELS = { team: "platform", source: "flux" };
const objectLabels = (kind: string, ns: string, name: string) => ({
    cluster: CLUSTER,
    customresource_kind: kind,
    exported_namespace: ns,
    name,
});

// Expected alerts state the README's alert table literally: severities 2 (not Ready) and 3 (suspended, slow, missing).
const ALERTS = [
    "FluxReconcilerNotReady",
    "FluxSourceNotReady",
    "FluxObjectSuspended",
    "FluxReconciliationSlow",
    "FluxMetricsMissing",
];
const none = (evalTime: string, names = ALERTS) =>
    names.map((alertname) => ({ eval_time: evalTime, alertname, exp_alerts: [] }));

/** Three hours of a fleet where everything is Ready, nothing is suspended and reconciliations take a steady 12 s. */
const healthyFleet = [
    resourceInfo("Kustomization", "flux-system", "infrastructure", "True", "1x180"),
    resourceInfo("Kustomization", "flux-system", "apps", "True", "1x180", "false"),
    resourceInfo("HelmRelease", "envoy-gateway", "envoy-gateway", "True", "1x180"),
    resourceInfo("GitRepository", "flux-system", "flux-system", "True", "1x180", "false"),
    ...durations("Kustomization", "flux-system", "apps", "0+12x180", "0+1x180"),
];

/** The promtool unit tests: for every alert a case where it fires, and one just short of its `for`. */
function unitTests() {
    return [
        {
            name: "a healthy fleet fires nothing",
            interval: "1m",
            input_series: healthyFleet,
            alert_rule_test: [...none("11m"), ...none("61m"), ...none("3h")],
        },
        {
            name: "a Kustomization not Ready fires after 10 minutes (severity 2)",
            interval: "1m",
            input_series: [
                resourceInfo("Kustomization", "flux-system", "apps", "False", "1x30"),
                resourceInfo("GitRepository", "flux-system", "flux-system", "True", "1x30"),
            ],
            alert_rule_test: [
                { eval_time: "9m", alertname: "FluxReconcilerNotReady", exp_alerts: [] },
                {
                    eval_time: "10m",
                    alertname: "FluxReconcilerNotReady",
                    exp_alerts: [
                        {
                            exp_labels: {
                                ...objectLabels("Kustomization", "flux-system", "apps"),
                                ...RULE_LABELS,
                                severity: "2",
                            },
                            exp_annotations: {
                                summary: "Kustomization flux-system/apps is not Ready",
                                description: `Reconciliation has been failing on cluster ${CLUSTER} for over PT10M: a broken manifest in git or a cluster-side problem. Check: flux get kustomizations -A, or npm run verify.`,
                            },
                        },
                    ],
                },
                ...none("10m", ["FluxSourceNotReady", "FluxObjectSuspended", "FluxMetricsMissing"]),
            ],
        },
        {
            name: "a HelmRelease not Ready fires too; a Ready one beside it does not",
            interval: "1m",
            input_series: [
                resourceInfo("HelmRelease", "envoy-gateway", "envoy-gateway", "False", "1x30"),
                resourceInfo("HelmRelease", "cert-manager", "cert-manager", "True", "1x30"),
            ],
            alert_rule_test: [
                { eval_time: "9m", alertname: "FluxReconcilerNotReady", exp_alerts: [] },
                {
                    eval_time: "15m",
                    alertname: "FluxReconcilerNotReady",
                    exp_alerts: [
                        {
                            exp_labels: {
                                ...objectLabels("HelmRelease", "envoy-gateway", "envoy-gateway"),
                                ...RULE_LABELS,
                                severity: "2",
                            },
                            exp_annotations: {
                                summary: "HelmRelease envoy-gateway/envoy-gateway is not Ready",
                                description: `Reconciliation has been failing on cluster ${CLUSTER} for over PT10M: a broken manifest in git or a cluster-side problem. Check: flux get kustomizations -A, or npm run verify.`,
                            },
                        },
                    ],
                },
            ],
        },
        {
            name: "a GitRepository that cannot be fetched fires after 10 minutes (severity 2), not as a reconciler",
            interval: "1m",
            input_series: [resourceInfo("GitRepository", "flux-system", "flux-system", "False", "1x30")],
            alert_rule_test: [
                { eval_time: "9m", alertname: "FluxSourceNotReady", exp_alerts: [] },
                {
                    eval_time: "10m",
                    alertname: "FluxSourceNotReady",
                    exp_alerts: [
                        {
                            exp_labels: {
                                ...objectLabels("GitRepository", "flux-system", "flux-system"),
                                ...RULE_LABELS,
                                severity: "2",
                            },
                            exp_annotations: {
                                summary: "GitRepository flux-system/flux-system cannot be fetched",
                                description: `Flux on ${CLUSTER} has not been able to fetch this source for over PT10M (credentials, known hosts, or the repository).`,
                            },
                        },
                    ],
                },
                { eval_time: "20m", alertname: "FluxReconcilerNotReady", exp_alerts: [] },
            ],
        },
        {
            name: "an object that recovers before 10 minutes never fires",
            interval: "1m",
            input_series: [
                resourceInfo("Kustomization", "flux-system", "apps", "False", "1x8 _x30"),
                resourceInfo("Kustomization", "flux-system", "apps", "True", "_x8 1x30"),
            ],
            alert_rule_test: [
                { eval_time: "9m", alertname: "FluxReconcilerNotReady", exp_alerts: [] },
                { eval_time: "20m", alertname: "FluxReconcilerNotReady", exp_alerts: [] },
            ],
        },
        {
            name: "a suspended object fires after an hour (severity 3)",
            interval: "1m",
            input_series: [resourceInfo("Kustomization", "flux-system", "apps", "True", "1x120", "true")],
            alert_rule_test: [
                { eval_time: "59m", alertname: "FluxObjectSuspended", exp_alerts: [] },
                {
                    eval_time: "60m",
                    alertname: "FluxObjectSuspended",
                    exp_alerts: [
                        {
                            exp_labels: {
                                ...objectLabels("Kustomization", "flux-system", "apps"),
                                ...RULE_LABELS,
                                severity: "3",
                            },
                            exp_annotations: {
                                summary: "Kustomization flux-system/apps is suspended",
                                description: `Suspended for over PT1H: drift on cluster ${CLUSTER} is no longer corrected. Resume it, or remove it from git.`,
                            },
                        },
                    ],
                },
                { eval_time: "60m", alertname: "FluxReconcilerNotReady", exp_alerts: [] },
            ],
        },
        {
            // One reconcile a minute at 10 s for a day, then 200 s: the 10-minute average passes 3x the one-day average
            // and 60 s at 1d3m (the third slow reconcile), so the alert fires 15 minutes later, at 1d18m.
            name: "reconciliation far slower than its one-day average fires after 15 minutes (severity 3)",
            interval: "1m",
            input_series: durations("Kustomization", "flux-system", "apps", "0+10x1440 14600+200x60", "0+1x1500"),
            alert_rule_test: [
                { eval_time: "1d17m", alertname: "FluxReconciliationSlow", exp_alerts: [] },
                {
                    eval_time: "1d18m",
                    alertname: "FluxReconciliationSlow",
                    exp_alerts: [
                        {
                            exp_labels: {
                                cluster: CLUSTER,
                                kind: "Kustomization",
                                exported_namespace: "flux-system",
                                name: "apps",
                                ...RULE_LABELS,
                                severity: "3",
                            },
                            exp_annotations: {
                                summary: "Kustomization flux-system/apps reconciles far slower than usual",
                                description: `Average reconciliation over 10 minutes is more than 3x its one-day average (and over 60s) on ${CLUSTER}: health checks timing out, throttled sources, or an overloaded controller.`,
                            },
                        },
                    ],
                },
            ],
        },
        {
            // 5 s -> 50 s is 10x the average but under the 60 s floor: not worth waking anyone. (Two hours of history
            // stand in for the day: the average is over what there is.)
            name: "a slow-down under the 60 s floor does not fire",
            interval: "1m",
            input_series: durations("Kustomization", "flux-system", "apps", "0+5x120 650+50x60", "0+1x180"),
            alert_rule_test: [{ eval_time: "2h40m", alertname: "FluxReconciliationSlow", exp_alerts: [] }],
        },
        {
            // Only reconcilers' durations count: a source whose fetches slow down the same way is FluxSourceNotReady's
            // business once it fails, not a slow reconciliation.
            name: "a source that fetches slower does not fire the slow-reconciliation alert",
            interval: "1m",
            input_series: durations("GitRepository", "flux-system", "flux-system", "0+10x120 1220+200x60", "0+1x180"),
            alert_rule_test: [{ eval_time: "2h40m", alertname: "FluxReconciliationSlow", exp_alerts: [] }],
        },
        {
            name: "no Flux object metrics from this cluster fires after 30 minutes (severity 3), even if another cluster reports",
            interval: "1m",
            input_series: [
                resourceInfo("Kustomization", "flux-system", "apps", "True", "1x60", undefined, "aks-prod-northeurope"),
                ...durations("Kustomization", "flux-system", "apps", "0+12x60", "0+1x60"),
            ],
            alert_rule_test: [
                { eval_time: "29m", alertname: "FluxMetricsMissing", exp_alerts: [] },
                {
                    eval_time: "30m",
                    alertname: "FluxMetricsMissing",
                    exp_alerts: [
                        {
                            exp_labels: { cluster: CLUSTER, ...RULE_LABELS, severity: "3" },
                            exp_annotations: {
                                summary: `No Flux object metrics from ${CLUSTER}`,
                                description:
                                    "kube-state-metrics for Flux is not being scraped: the alerts above cannot fire. Check the cluster's monitoring Kustomization (fleet repo) and the ama-metrics pods.",
                            },
                        },
                    ],
                },
            ],
        },
    ];
}

/**
 * Writes the rules and the unit tests (those whose name starts with one of `only`) to a temp dir; runs `promtool check
 * rules` on the registered rules (not on deliberately broken ones: `test rules` parses them anyway) and `promtool test
 * rules`.
 */
async function runPromtool(rules: RegisteredRule[], only?: string[]): Promise<{ status: number; output: string }> {
    const tests = unitTests().filter((t) => !only || only.some((prefix) => t.name.startsWith(prefix)));
    assert.ok(tests.length > 0, `no promtool test case starts with ${JSON.stringify(only)}`);
    const dir = mkdtempSync(join(tmpdir(), "promtool-"));
    try {
        writeFileSync(join(dir, "rules.yaml"), ruleFile(rules));
        writeFileSync(
            join(dir, "tests.yaml"),
            stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }),
        );
        if (!only) {
            const check = await promtool(["check", "rules", "rules.yaml"], dir);
            assert.equal(check.status, 0, `promtool check rules:\n${check.output}`);
        }
        return await promtool(["test", "rules", "tests.yaml"], dir);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

describe("Flux alert rules under promtool (behaviour)", function () {
    sharedCaptures();
    this.timeout(60000);
    const rules = (overrides: Partial<MonitoringSettings> = {}) =>
        prometheusRuleGroupRules(settings(overrides), CLUSTER, "action-group");

    it("tests exactly the rules the stack registers in its PrometheusRuleGroup", async () => {
        const c = await run(baseConfig("prod"));
        const group = one(c, T.PrometheusRuleGroup).inputs;
        assert.equal(group.clusterName, CLUSTER, "the cluster label the synthetic series carry");
        assert.equal(group.interval, "PT1M", "the rule file's evaluation interval");
        assert.deepEqual(group.rules, prometheusRuleGroupRules(settings(), CLUSTER, idOf(c, one(c, T.ActionGroup))));
    });

    it("converts Azure's ISO 8601 durations to Prometheus durations", () => {
        assert.deepEqual(["PT10M", "PT1H", "PT30M", "PT15M", "P1D", "PT1H30M", "PT90S"].map(promDuration), [
            "10m",
            "1h",
            "30m",
            "15m",
            "1d",
            "1h30m",
            "90s",
        ]);
    });

    it("skips for want of promtool only outside CI: GitHub Actions sets CI, Azure Pipelines TF_BUILD", () => {
        assert.equal(skipsWithoutPromtool({}), true);
        assert.equal(skipsWithoutPromtool({ CI: "true" }), false);
        assert.equal(skipsWithoutPromtool({ TF_BUILD: "True" }), false);
        assert.equal(skipsWithoutPromtool({ CI: "false" }), true);
    });

    it("without promtool: a developer's run passes with the cases skipped, a CI run fails", function () {
        this.timeout(120000);
        const mocha = (env: Record<string, string>) =>
            spawnSync(
                process.execPath,
                [require.resolve("mocha/bin/mocha.js"), "--no-parallel", "--grep", "run through promtool", __filename],
                {
                    encoding: "utf8",
                    env: { ...process.env, CI: "", TF_BUILD: "", PROMTOOL: "/nonexistent/promtool", ...env },
                },
            );
        const laptop = mocha({});
        assert.equal(laptop.status, 0, laptop.stdout + laptop.stderr);
        assert.match(laptop.stdout, /2 pending/);
        assert.match(laptop.stdout + laptop.stderr, /apt-get install prometheus/);
        const ci = mocha({ CI: "true" });
        assert.notEqual(ci.status, 0, "CI must fail when promtool is missing");
        assert.match(ci.stdout, /2 failing/);
        assert.match(ci.stdout, /cannot run \/nonexistent\/promtool \(ENOENT\)/);
    });

    describe("run through promtool", function () {
        before(function () {
            if (
                spawnSync(PROMTOOL, ["--version"], { stdio: "ignore" }).error !== undefined &&
                skipsWithoutPromtool(process.env)
            ) {
                console.warn(
                    `      (skipped: no ${PROMTOOL} on this machine; apt-get install prometheus brings it; CI fails without it)`,
                );
                this.skip();
            }
        });
        // promtool is the slow part (the one-day case alone takes seconds of CPU, so only the full run has it): every run
        // below starts at once, and the tests await their own. A run's failure surfaces in the test that awaits it.
        let full: Promise<{ status: number; output: string }>;
        let mutated: Promise<{ status: number; output: string }[]>;
        const neverFires = () =>
            rules().map((r) =>
                r.alert === "FluxReconcilerNotReady" ? { ...r, expression: r.expression.replace(/> 0$/, "> 1") } : r,
            );
        before(() => {
            full = runPromtool(rules());
            mutated = Promise.all([
                runPromtool(neverFires(), ["a Kustomization not Ready"]),
                runPromtool(rules({ suspendedFor: "PT2H" }), ["a suspended object"]),
                // A lowered floor wakes someone for the 50 s slow-down the floor exists to ignore. (A raised one that never
                // fires fails the full run: its one-day case must fire at 200 s.)
                runPromtool(rules({ minSlowSeconds: 40 }), ["a slow-down under the 60 s floor"]),
            ]);
            // Awaited by the tests; this only keeps a failed run from being reported as unhandled before then.
            full.catch(() => undefined);
            mutated.catch(() => undefined);
        });

        it("every alert fires when it should, not before its `for`, and a healthy fleet fires nothing", async () => {
            const registered = rules();
            assert.deepEqual(
                registered.map((r) => r.alert).sort(),
                [...ALERTS].sort(),
                "every alert has test cases here",
            );
            const result = await full;
            assert.equal(result.status, 0, result.output);
            assert.match(result.output, /SUCCESS/);
        });

        it("fails when a threshold is broken (a rule that never fires) or a `for` or floor is changed", async () => {
            const original = rules().find((r) => r.alert === "FluxReconcilerNotReady")!.expression;
            assert.notEqual(
                neverFires().find((r) => r.alert === "FluxReconcilerNotReady")!.expression,
                original,
                "the mutation applies",
            );
            const [broken, slower, floor] = await mutated;
            assert.notEqual(broken.status, 0, "promtool must reject a not-Ready rule that never fires");
            assert.match(broken.output, /FluxReconcilerNotReady/);
            assert.notEqual(slower.status, 0, "promtool must notice a suspended alert that waits 2 h");
            assert.match(slower.output, /FluxObjectSuspended/);
            assert.notEqual(
                floor.status,
                0,
                "promtool must notice a slow-reconciliation floor lowered under the 50 s case",
            );
            assert.match(floor.output, /FluxReconciliationSlow/);
        });
    });
});
