// Boundaries, table-driven: every numeric limit of the config schema (stacks/schema.ts) and every numeric threshold of
// the policy pack (policy/policies.ts) is tried at the limit (accepted / passes) and one past it (rejected naming the
// key / reported). The limits are stated here literally, as the README's config table and the public rules give them.
import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import { evaluatePolicies } from "../../policy/offline";
import { policies } from "../../policy/policies";
import { validateStackConfig } from "../../stacks/load";
import { baseConfig, ConfigObject, run, withConfig } from "../support/stacks";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

/** `{a: {b: value}}` from "a.b". */
function nested(path: string, value: unknown): ConfigObject {
    return path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as ConfigObject;
}

/** The config problems for `overrides` on top of the environment's minimal config ("" when valid). */
function problems(environment: "dev" | "prod", overrides: ConfigObject): string {
    try {
        validateStackConfig(withConfig(baseConfig(environment), overrides), { gitSshPrivateKey: true });
        return "";
    } catch (e) {
        return (e as Error).message;
    }
}

interface Limit {
    key: string;
    min: number;
    max: number;
    /** Step for "one past" (1 for integers). */
    step?: number;
    environment?: "dev" | "prod";
    /** Other settings a value needs to be valid on its own (e.g. minCount needs a maxCount at least as large). */
    context?: (value: number) => ConfigObject;
}

const LIMITS: Limit[] = [
    {
        key: "aks.systemPool.minCount",
        min: 1,
        max: 1000,
        environment: "dev",
        context: () => nested("aks.systemPool.maxCount", 1000),
    },
    { key: "aks.userPool.minCount", min: 0, max: 1000, context: () => nested("aks.userPool.maxCount", 1000) },
    {
        key: "aks.systemPool.maxCount",
        min: 1,
        max: 1000,
        environment: "dev",
        context: (v) => nested("aks.systemPool.minCount", Math.min(1, v)),
    },
    {
        key: "aks.userPool.maxCount",
        min: 1,
        max: 1000,
        context: (v) => nested("aks.userPool.minCount", Math.min(1, v)),
    },
    { key: "aks.systemPool.maxPods", min: 50, max: 250 },
    { key: "aks.userPool.maxPods", min: 50, max: 250 },
    { key: "aks.systemPool.osDiskSizeGB", min: 30, max: 2048 },
    { key: "aks.maintenance.autoUpgrade.intervalWeeks", min: 1, max: 4 },
    { key: "aks.maintenance.nodeOs.durationHours", min: 4, max: 24 },
    { key: "aks.network.egress.publicIpPrefixLength", min: 28, max: 31 },
    { key: "aks.imageCleanerIntervalHours", min: 24, max: 2160 },
    { key: "sops.softDeleteRetentionDays", min: 7, max: 90, environment: "dev" },
    { key: "logs.retentionDays", min: 30, max: 730 },
    { key: "monitoring.slowFactor", min: 1.5, max: 100, step: 0.1 },
    { key: "monitoring.minSlowSeconds", min: 10, max: 3600 },
    { key: "flux.git.syncIntervalSeconds", min: 60, max: 86400 },
    { key: "flux.git.timeoutSeconds", min: 30, max: 3600 },
    { key: "flux.kustomizations.cluster.syncIntervalSeconds", min: 60, max: 86400 },
    { key: "flux.kustomizations.cluster.retryIntervalSeconds", min: 30, max: 86400 },
    { key: "flux.kustomizations.cluster.timeoutSeconds", min: 30, max: 3600 },
    { key: "fleet.intervalSeconds", min: 60, max: 86400 },
    { key: "fleet.retryIntervalSeconds", min: 30, max: 86400 },
    { key: "fleet.timeoutSeconds", min: 30, max: 3600 },
];

/** List limits: how many entries a key takes. */
const COUNTS: { key: string; max: number; item: (i: number) => unknown; environment?: "dev" | "prod" }[] = [
    { key: "aks.adminGroups", max: 20, item: (i) => `group-${i}` },
    { key: "sops.encryptorGroups", max: 20, item: (i) => `encryptors-${i}` },
    { key: "fleet.apps", max: 100, item: (i) => `app-${i}` },
    {
        key: "monitoring.receivers.emails",
        max: 20,
        item: (i) => ({ name: `r${i}`, address: `oncall-${i}@contoso.com` }),
    },
    { key: "monitoring.grafana.admins", max: 20, item: (i) => `grafana-admins-${i}` },
];

describe("boundaries: schema limits at the limit and one past it", () => {
    sharedCaptures();
    for (const l of LIMITS) {
        const env = l.environment ?? "prod";
        const step = l.step ?? 1;
        const round = (n: number) => Math.round(n * 1000) / 1000;
        it(`${l.key}: accepts ${l.min} and ${l.max}, rejects ${round(l.min - step)} and ${round(l.max + step)}`, () => {
            const at = (value: number) => problems(env, merge(l.context?.(value) ?? {}, nested(l.key, value)));
            assert.equal(at(l.min), "", `${l.key} = ${l.min}`);
            assert.equal(at(l.max), "", `${l.key} = ${l.max}`);
            const key = new RegExp(`aks-gitops:${l.key.replace(/\./g, "\\.")}\\b`);
            assert.match(
                at(round(l.min - step)),
                key,
                `${l.key} = ${round(l.min - step)} must be rejected naming the key`,
            );
            assert.match(
                at(round(l.max + step)),
                key,
                `${l.key} = ${round(l.max + step)} must be rejected naming the key`,
            );
        });
    }
    for (const c of COUNTS) {
        it(`${c.key}: takes ${c.max} entries, not ${c.max + 1}`, () => {
            const list = (n: number) =>
                nested(
                    c.key,
                    Array.from({ length: n }, (_, i) => c.item(i)),
                );
            assert.equal(problems(c.environment ?? "prod", list(c.max)), "");
            assert.match(
                problems(c.environment ?? "prod", list(c.max + 1)),
                new RegExp(`aks-gitops:${c.key.replace(/\./g, "\\.")}\\b`),
            );
        });
    }
});

function merge(a: ConfigObject, b: ConfigObject): ConfigObject {
    return withConfig(a, b);
}

// ---- policy thresholds
type Props = Record<string, unknown>;
const CLUSTER = T.ManagedCluster;
const VAULT = T.Vault;

function edited(c: Capture, type: string, change: (inputs: Props) => void): Capture {
    const copy = structuredClone(c);
    copy.resources.filter((r) => r.type === type).forEach((r) => change(r.inputs));
    return copy;
}

const retention = (days: number) => (i: Props) => ((i.properties as Props).softDeleteRetentionInDays = days);
const pools = (mode: string, change: (p: Props) => void) => (i: Props) =>
    (i.agentPoolProfiles as Props[]).filter((p) => p.mode === mode).forEach(change);

/** Threshold rules: [policy, resource type, edit at the limit (passes), edit one past it (reported)]. */
const THRESHOLDS: [string, string, (i: Props) => void, (i: Props) => void][] = [
    ["aks-pool-min-pods", CLUSTER, pools("User", (p) => (p.maxPods = 50)), pools("User", (p) => (p.maxPods = 49))],
    [
        "aks-pool-availability-zones",
        CLUSTER,
        pools("User", (p) => (p.availabilityZones = ["1", "2"])),
        pools("User", (p) => (p.availabilityZones = ["1"])),
    ],
    [
        "aks-system-pool-min-nodes",
        CLUSTER,
        pools("System", (p) => (p.minCount = 3)),
        pools("System", (p) => (p.minCount = 2)),
    ],
    ["kv-soft-delete", VAULT, retention(7), retention(6)],
    ["kv-soft-delete", VAULT, retention(90), retention(91)],
    ["kv-soft-delete-90-days", VAULT, retention(90), retention(89)],
];

describe("boundaries: policy thresholds at the threshold and one past it", () => {
    sharedCaptures();
    let prod: Capture;
    before(async () => {
        prod = await run(baseConfig("prod"));
    });
    for (const [name, type, atLimit, past] of THRESHOLDS) {
        it(`${name}: passes at the threshold, reports one past it`, async () => {
            const policy = policies.filter((p) => p.name === name);
            assert.equal(policy.length, 1, `policy ${name} exists`);
            assert.deepEqual(
                await evaluatePolicies(edited(prod, type, atLimit), "prod", policy),
                [],
                "at the threshold",
            );
            const findings = await evaluatePolicies(edited(prod, type, past), "prod", policy);
            assert.equal(findings.length, 1, "one past the threshold");
            assert.equal(findings[0].enforcementLevel, "mandatory");
        });
    }
});
