// The Kubernetes version check (preflight/checks/kubernetes.ts) called in process on the fixture stacks' facts, against
// a fake ManagedClusters_ListKubernetesVersions (GET .../providers/Microsoft.ContainerService/locations/{location}/
// kubernetesVersions) answering as azure-rest-api-specs specification/containerservice/resource-manager/
// Microsoft.ContainerService/aks/stable/2025-10-01/examples/KubernetesVersions_List.json does: values[] of {version
// (the minor), isDefault, isPreview, capabilities.supportPlan, patchVersions}. AKS facts: a version past community
// support stays listed with supportPlan AKSLongTermSupport only, and long-term support needs the Premium tier and the
// AKSLongTermSupport plan together (MicrosoftDocs/azure-aks-docs articles/aks/long-term-support.md, "Enable long-term
// support"); a preview version carries no SLA.
import * as assert from "node:assert/strict";
import type { KubernetesVersion, KubernetesVersionListResult } from "@azure/arm-containerservice";
import type { Clients } from "../../../preflight/azure";
import { kubernetesVersion } from "../../../preflight/checks/kubernetes";
import type { CheckResult } from "../../../preflight/run-checks";
import type { StackFacts } from "../../../preflight/stack";
import { stackFacts } from "../../fixtures/preflight/world";
import { checkContext, withResource } from "../../support/check-context";

type ManagedClusters = Clients["containerService"]["managedClusters"];

const BOTH = ["KubernetesOfficial", "AKSLongTermSupport"];
/** A region's list in late 2026, out of order as nothing promises an order: 1.33 past community support, 1.36 in preview. */
const REGION: KubernetesVersion[] = [
    {
        version: "1.35",
        isDefault: true,
        capabilities: { supportPlan: BOTH },
        patchVersions: { "1.35.1": { upgrades: [] }, "1.35.0": { upgrades: ["1.35.1"] } },
    },
    {
        version: "1.33",
        capabilities: { supportPlan: ["AKSLongTermSupport"] },
        patchVersions: { "1.33.5": { upgrades: ["1.34.10"] } },
    },
    {
        version: "1.34",
        capabilities: { supportPlan: BOTH },
        patchVersions: { "1.34.10": { upgrades: ["1.35.1"] }, "1.34.9": { upgrades: ["1.34.10", "1.35.1"] } },
    },
    {
        version: "1.36",
        isPreview: true,
        capabilities: { supportPlan: ["KubernetesOfficial"] },
        patchVersions: { "1.36.0": { upgrades: [] } },
    },
];

/** A fake listKubernetesVersions answering per location; `asked` records the locations, `signals` what it was given. */
function aks(byLocation: Record<string, KubernetesVersionListResult>) {
    const asked: string[] = [];
    const signals: unknown[] = [];
    const managedClusters: Pick<ManagedClusters, "listKubernetesVersions"> = {
        listKubernetesVersions: (location, options) => {
            asked.push(location);
            signals.push(options?.abortSignal);
            return Promise.resolve(byLocation[location] ?? { values: [] });
        },
    };
    return { clients: { containerService: { managedClusters } } as unknown as Clients, asked, signals };
}

const CLUSTER = "dev-westeurope-aks-cluster";
const fix = (version: string) => `pulumi config set --stack dev --path aks.kubernetesVersion ${version}`;
const result = (status: CheckResult["status"], detail: string, fixed?: string): CheckResult => ({
    id: "kubernetes-version",
    status,
    resource: CLUSTER,
    detail,
    ...(fixed ? { fix: fixed } : {}),
});

describe("preflight kubernetes-version check", () => {
    let dev: StackFacts;
    let northeurope: StackFacts;
    before(async () => {
        // One at a time: a stack is planned under process-wide Pulumi mocks.
        dev = await stackFacts("dev");
        northeurope = await stackFacts("prod-northeurope");
    });
    /** dev's cluster (westeurope, Free tier, KubernetesOfficial, 1.36) with these inputs changed (undefined removes one). */
    const devWith = (inputs: Record<string, unknown>) =>
        withResource(dev, CLUSTER, (r) => {
            const changed: Record<string, unknown> = { ...r.inputs, ...inputs };
            for (const k of Object.keys(inputs).filter((k) => inputs[k] === undefined)) {
                delete changed[k];
            }
            return { ...r, inputs: changed };
        });
    const pinned = (version: string, more: Record<string, unknown> = {}) =>
        devWith({ kubernetesVersion: version, ...more });
    const LTS = { sku: { name: "Base", tier: "Premium" }, supportPlan: "AKSLongTermSupport" };
    async function run(
        facts: StackFacts,
        byLocation: Record<string, KubernetesVersionListResult> = { westeurope: { values: REGION } },
    ) {
        const fake = aks(byLocation);
        const ctx = checkContext(facts, fake.clients);
        const results = await kubernetesVersion.run(ctx);
        assert.ok(fake.signals.every((s) => s === ctx.signal));
        return { results, asked: fake.asked };
    }

    it("the fixture's 1.36 is in preview in westeurope: warn, with the newest standard version to pin instead", async () => {
        const { results, asked } = await run(dev);
        assert.deepEqual(results, [
            result("warn", "Kubernetes 1.36 is in preview in westeurope: no SLA, not for production", fix("1.35")),
        ]);
        assert.deepEqual(asked, ["westeurope"]);
    });

    it("a minor or patch in standard support is ok", async () => {
        for (const v of ["1.35", "1.35.0", "1.35.1", "1.34", "1.34.9"]) {
            const { results } = await run(pinned(v));
            assert.deepEqual(results, [result("ok", `Kubernetes ${v} is offered in westeurope (standard support)`)]);
        }
    });

    it("a patch the region does not offer fails, listing the minor's patches in version order", async () => {
        const { results } = await run(pinned("1.35.2"));
        assert.deepEqual(results, [
            result("fail", "patch 1.35.2 is not offered in westeurope (1.35 patches: 1.35.0, 1.35.1)", fix("1.35")),
        ]);
        const older = await run(pinned("1.34.3"));
        assert.deepEqual(older.results, [
            result("fail", "patch 1.34.3 is not offered in westeurope (1.34 patches: 1.34.9, 1.34.10)", fix("1.34")),
        ]);
        const none = await run(pinned("1.34.3"), {
            westeurope: { values: [{ version: "1.34", capabilities: { supportPlan: BOTH } }] },
        });
        assert.equal(none.results[0].detail, "patch 1.34.3 is not offered in westeurope (1.34 patches: none)");
    });

    it("a minor the region no longer lists fails, naming the versions in standard support (not LTS-only, not preview)", async () => {
        for (const v of ["1.31", "1.31.4", "1.3"]) {
            const minor = v.split(".").slice(0, 2).join(".");
            const { results } = await run(pinned(v));
            assert.deepEqual(results, [
                result(
                    "fail",
                    `Kubernetes ${minor} is not offered in westeurope (standard support: 1.34, 1.35)`,
                    fix("1.35"),
                ),
            ]);
        }
    });

    it("with nothing in standard support listed, it says so and points at az aks get-versions", async () => {
        const expected = [
            result(
                "fail",
                "Kubernetes 1.31 is not offered in westeurope (standard support: none listed)",
                "az aks get-versions --location westeurope --output table",
            ),
        ];
        for (const answer of [
            {},
            { values: [] },
            { values: REGION.filter((v) => v.version === "1.33" || v.version === "1.36") },
        ]) {
            const { results } = await run(pinned("1.31"), { westeurope: answer });
            assert.deepEqual(results, expected, JSON.stringify(answer));
        }
    });

    describe("a version listed only under long-term support", () => {
        const only = (plan: string, tier: string) =>
            `Kubernetes 1.33 is offered in westeurope only with long-term support (supportPlan AKSLongTermSupport and the Premium tier); the stack has ${plan} on ${tier}`;

        it("fails on the Free or Standard tier, or on Premium without the AKSLongTermSupport plan", async () => {
            const cases: [Record<string, unknown>, string][] = [
                [{}, only("KubernetesOfficial", "Free")],
                [{ sku: { name: "Base", tier: "Standard" } }, only("KubernetesOfficial", "Standard")],
                [{ sku: { name: "Base", tier: "Premium" } }, only("KubernetesOfficial", "Premium")],
                [
                    { sku: { name: "Base", tier: "Standard" }, supportPlan: "AKSLongTermSupport" },
                    only("AKSLongTermSupport", "Standard"),
                ],
                // Inputs the program leaves out are AKS's defaults: the Free tier, KubernetesOfficial.
                [{ sku: undefined, supportPlan: undefined }, only("KubernetesOfficial", "Free")],
            ];
            for (const [inputs, detail] of cases) {
                const { results } = await run(pinned("1.33", inputs));
                assert.deepEqual(results, [result("fail", detail, fix("1.35"))], JSON.stringify(inputs));
            }
        });

        it("is ok on the Premium tier with AKSLongTermSupport, minor or patch", async () => {
            for (const v of ["1.33", "1.33.5"]) {
                const { results } = await run(pinned(v, LTS));
                assert.deepEqual(results, [
                    result(
                        "ok",
                        `Kubernetes ${v} is offered in westeurope under long-term support (Premium, AKSLongTermSupport)`,
                    ),
                ]);
            }
        });
    });

    it("a version in standard support is judged as such under long-term support too", async () => {
        const { results } = await run(pinned("1.35", LTS));
        assert.deepEqual(results, [result("ok", "Kubernetes 1.35 is offered in westeurope (standard support)")]);
    });

    it("an entry without capabilities (answers of older API versions) counts as standard support", async () => {
        const bare: KubernetesVersion[] = [{ version: "1.35", patchVersions: { "1.35.1": {} } }];
        const ok = await run(pinned("1.35.1"), { westeurope: { values: bare } });
        assert.deepEqual(ok.results, [result("ok", "Kubernetes 1.35.1 is offered in westeurope (standard support)")]);
        const gone = await run(pinned("1.31"), {
            westeurope: { values: [...bare, { capabilities: { supportPlan: BOTH } }] },
        });
        assert.equal(gone.results[0].detail, "Kubernetes 1.31 is not offered in westeurope (standard support: 1.35)");
    });

    it("no version pinned: ok, AKS takes the region's default (named when the region flags one)", async () => {
        const { results } = await run(devWith({ kubernetesVersion: undefined }));
        assert.deepEqual(results, [
            result("ok", "no version pinned: AKS uses the region's default (1.35 in westeurope)"),
        ]);
        const unflagged = await run(devWith({ kubernetesVersion: undefined }), {
            westeurope: { values: REGION.map((v) => ({ ...v, isDefault: false })) },
        });
        assert.deepEqual(unflagged.results, [result("ok", "no version pinned: AKS uses the region's default")]);
    });

    it("each cluster is asked of its own region: the standby DR stack is checked in northeurope", async () => {
        const { results, asked } = await run(northeurope, {
            northeurope: { values: REGION.filter((v) => v.version !== "1.36") },
        });
        assert.deepEqual(results, [
            {
                id: "kubernetes-version",
                status: "fail",
                resource: "prod-northeurope-aks-cluster",
                detail: "Kubernetes 1.36 is not offered in northeurope (standard support: 1.34, 1.35)",
                fix: "pulumi config set --stack prod-northeurope --path aks.kubernetesVersion 1.35",
            },
        ]);
        assert.deepEqual(asked, ["northeurope"]);
    });

    it("two clusters: one result each, in plan order", async () => {
        const cluster = dev.resources.find((r) => r.name === CLUSTER)!;
        const second = {
            ...cluster,
            name: "second-cluster",
            inputs: { ...cluster.inputs, location: "swedencentral", kubernetesVersion: "1.35" },
        };
        const { results, asked } = await run(
            { ...dev, resources: [cluster, second] },
            { westeurope: { values: REGION }, swedencentral: { values: REGION.filter((v) => v.version !== "1.35") } },
        );
        assert.deepEqual(asked, ["westeurope", "swedencentral"]);
        assert.deepEqual(
            results.map((r) => [r.resource, r.status, r.detail]),
            [
                [CLUSTER, "warn", "Kubernetes 1.36 is in preview in westeurope: no SLA, not for production"],
                ["second-cluster", "fail", "Kubernetes 1.35 is not offered in swedencentral (standard support: 1.34)"],
            ],
        );
    });

    it("a plan without an AKS cluster: ok without asking Azure", async () => {
        const { results, asked } = await run({
            ...dev,
            resources: dev.resources.filter((r) => r.type !== "Microsoft.ContainerService/managedClusters"),
        });
        assert.deepEqual(results, [
            { id: "kubernetes-version", status: "ok", detail: "the plan creates no AKS cluster" },
        ]);
        assert.deepEqual(asked, []);
    });
});
