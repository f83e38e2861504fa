// The plan document (plan/model.ts) built from a small hand-made capture, against literal expectations: sorting,
// references for fake values, secrets, component expansion, estimates and the critical path. Minutes are those of
// plan/estimates.ts's table as documented there (ResourceGroup 0.1, ManagedCluster 8, Extension 4, Workspace 0.5;
// components, providers and Kubernetes objects 0; an unknown custom type 1).
import * as assert from "node:assert/strict";
import type { Capture } from "../../offline/program";
import type { Registration } from "../../offline/monitor";
import { activationPath, buildPlan, criticalPath, makeDisplay, PlanResource, shortType } from "../../plan/model";
import { registrationOf } from "../support/registration";
import { T } from "../support/tokens";

const urn = (type: string, name: string) => `urn:pulumi:s::p::${type}::${name}`;
const C = urn(T.Cluster, "c");
const MON = urn(T.Monitoring, "mon");
const RG = urn(T.ResourceGroup, "rg");
const AKS = urn(T.ManagedCluster, "aks");
const FLUX = urn(T.Extension, "flux");
const WS = urn(T.Workspace, "ws");
const NS = urn(T.K8sNamespace, "ns");
const K8S = urn("pulumi:providers:kubernetes", "k8s");
const ODD = urn("azure-native:example:Unmodelled", "odd");

function reg(
    u: string,
    custom: boolean,
    parent: string | null,
    dependencies: string[],
    inputs: Record<string, unknown> = {},
    extra: Partial<Registration> = {},
): Registration {
    const [type, name] = u.split("::").slice(2);
    return registrationOf({ urn: u, type, name, custom, parent, dependencies, inputs, ...extra });
}

const references = new Map([
    ["TENANT-GUID", "azure.tenantId"],
    ["RG-ID", "rg.id"],
    ["abc", "short.x"],
    ["abcdef", "long.y"],
    ["a.b", "dot.z"],
]);

function capture(resources: Registration[]): Capture {
    return {
        project: "p",
        stack: "s",
        resources,
        outputs: {
            zeta: { value: "TENANT-GUID", secret: false },
            alpha: { value: "pw", secret: true },
            mid: { value: { b: 1, a: undefined }, secret: false },
        },
        references,
        registeredOutputs: new Map(),
        calls: [],
        config: {},
    };
}

// Registered out of order, as the runtime may.
const all = [
    reg(FLUX, true, C, [AKS, MON]),
    reg(K8S, true, null, []),
    reg(
        AKS,
        true,
        C,
        [RG, RG],
        {
            z: 1,
            resourceGroupName: "rg-x",
            tenant: "TENANT-GUID/x",
            both: "abcdef and abc",
            dotted: "axb",
            a: { secretish: { "[secret]": "pw" } },
            undef: undefined,
            list: [{ "[secret]": 1 }, "abc"],
        },
        {
            propertyDependencies: { resourceGroupName: [RG, RG], empty: [] },
            options: {
                protect: true,
                retainOnDelete: true,
                ignoreChanges: ["tags"],
                customTimeouts: { create: "30m", update: undefined },
                deleteBeforeReplace: true,
                importId: "RG-ID",
                additionalSecretOutputs: [],
            },
        },
    ),
    reg(MON, false, null, [RG]),
    reg(WS, true, MON, []),
    reg(C, false, null, []),
    reg(RG, true, C, [], { location: "westeurope" }),
    reg(NS, true, C, [AKS]),
];

describe("plan document (plan/model.ts)", () => {
    const plan = buildPlan(capture(all));

    it("sorts resources by urn and names project and stack", () => {
        assert.equal(plan.project, "p");
        assert.equal(plan.stack, "s");
        assert.deepEqual(
            plan.resources.map((r) => r.name),
            ["c", "mon", "aks", "flux", "ws", "rg", "ns", "k8s"],
        );
        assert.deepEqual(plan.policy, []);
    });

    it("shows a resource with references for fake values, secrets masked, keys sorted, duplicates and undefined dropped", () => {
        assert.deepEqual(
            plan.resources.find((r) => r.urn === AKS),
            {
                urn: AKS,
                type: T.ManagedCluster,
                name: "aks",
                custom: true,
                parent: C,
                dependsOn: [RG],
                propertyDependencies: { resourceGroupName: [RG] },
                inputs: {
                    a: { secretish: "[secret]" },
                    both: "${long.y} and ${short.x}",
                    dotted: "axb",
                    list: ["[secret]", "${short.x}"],
                    resourceGroupName: "rg-x",
                    tenant: "${azure.tenantId}/x",
                    z: 1,
                },
                options: {
                    protect: true,
                    retainOnDelete: true,
                    ignoreChanges: ["tags"],
                    customTimeouts: { create: "30m" },
                    importId: "${rg.id}",
                },
                estimatedMinutes: 8,
            },
        );
        assert.deepEqual(Object.keys(plan.resources.find((r) => r.urn === AKS)!.inputs), [
            "a",
            "both",
            "dotted",
            "list",
            "resourceGroupName",
            "tenant",
            "z",
        ]);
        const rg = plan.resources.find((r) => r.urn === RG)!;
        assert.deepEqual(rg.options, {
            protect: false,
            retainOnDelete: false,
            ignoreChanges: [],
            customTimeouts: null,
        });
        assert.equal("importId" in rg.options, false);
    });

    it("expands a dependency on a component into its custom resources, for custom resources only", () => {
        assert.deepEqual(plan.resources.find((r) => r.urn === FLUX)!.dependsOn, [AKS, WS].sort());
        assert.deepEqual(plan.resources.find((r) => r.urn === MON)!.dependsOn, [RG]);
    });

    it("estimates minutes per type: none for components, providers and Kubernetes objects, 1 for an unknown type", () => {
        assert.deepEqual(Object.fromEntries(plan.resources.map((r) => [r.name, r.estimatedMinutes])), {
            c: 0,
            mon: 0,
            aks: 8,
            flux: 4,
            ws: 0.5,
            rg: 0.1,
            ns: 0,
            k8s: 0,
        });
        assert.equal(buildPlan(capture([reg(ODD, true, null, [])])).resources[0].estimatedMinutes, 1);
        assert.equal(buildPlan(capture([reg(ODD, false, null, [])])).resources[0].estimatedMinutes, 0);
    });

    it("sorts outputs, masks secret ones and shows references", () => {
        assert.deepEqual(plan.outputs, { alpha: "[secret]", mid: { b: 1 }, zeta: "${azure.tenantId}" });
        assert.deepEqual(Object.keys(plan.outputs), ["alpha", "mid", "zeta"]);
    });

    it("finds the longest path through custom resources and the serial sum", () => {
        assert.deepEqual(plan.criticalPath, { urns: [RG, AKS, FLUX], estimatedMinutes: 12.1, serialMinutes: 12.6 });
    });

    it("breaks ties by urn, starts from the first longest end, and rejects a cycle", () => {
        const r = (u: string, minutes: number, dependsOn: string[] = [], custom = true): PlanResource => ({
            urn: u,
            type: "t",
            name: u,
            custom,
            parent: null,
            dependsOn,
            propertyDependencies: {},
            inputs: {},
            options: { protect: false, retainOnDelete: false, ignoreChanges: [], customTimeouts: null },
            estimatedMinutes: minutes,
        });
        assert.deepEqual(criticalPath([r("b", 1), r("a", 1), r("z", 2, ["b", "a"])]), {
            urns: ["a", "z"],
            estimatedMinutes: 3,
            serialMinutes: 4,
        });
        assert.deepEqual(criticalPath([r("x", 2), r("y", 2)]), { urns: ["x"], estimatedMinutes: 2, serialMinutes: 4 });
        assert.deepEqual(criticalPath([r("x", 1), r("y", 3, ["x", "gone"]), r("comp", 9, [], false)]), {
            urns: ["x", "y"],
            estimatedMinutes: 4,
            serialMinutes: 4,
        });
        assert.deepEqual(criticalPath([]), { urns: [], estimatedMinutes: 0, serialMinutes: 0 });
        assert.deepEqual(
            criticalPath([r("x", 0.1), r("y", 0.2, ["x"])]),
            { urns: ["x", "y"], estimatedMinutes: 0.3, serialMinutes: 0.3 },
            "rounded to hundredths",
        );
        assert.throws(() => criticalPath([r("x", 1, ["y"]), r("y", 1, ["x"])]), /^Error: dependency cycle through x$/);
    });

    it("says what activating a standby stack creates, and the critical path of just that", () => {
        const standby = buildPlan(capture(all.filter((x) => ![AKS, FLUX].includes(x.urn))));
        assert.deepEqual(activationPath(standby, plan), {
            creates: [AKS, FLUX],
            path: [
                { urn: AKS, type: T.ManagedCluster, name: "aks", estimatedMinutes: 8 },
                {
                    urn: FLUX,
                    type: T.Extension,
                    name: "flux",
                    estimatedMinutes: 4,
                },
            ],
            estimatedMinutes: 12,
            serialMinutes: 12,
        });
        // A path may run through something standby already has (it then takes no time); only new resources are listed.
        const r = (u: string, minutes: number, dependsOn: string[] = []): PlanResource => ({
            urn: u,
            type: "t",
            name: u,
            custom: true,
            parent: null,
            dependsOn,
            propertyDependencies: {},
            inputs: {},
            options: { protect: false, retainOnDelete: false, ignoreChanges: [], customTimeouts: null },
            estimatedMinutes: minutes,
        });
        const wrap = (resources: PlanResource[]) => ({
            project: "p",
            stack: "s",
            resources,
            outputs: {},
            criticalPath: criticalPath(resources),
            policy: [],
        });
        const activation = activationPath(wrap([r("e", 2)]), wrap([r("e", 2, ["n"]), r("m", 1, ["e"]), r("n", 8)]));
        assert.deepEqual(activation.creates, ["m", "n"]);
        assert.deepEqual(
            activation.path.map((p) => p.urn),
            ["n", "m"],
        );
        assert.equal(activation.estimatedMinutes, 9);
    });

    it("leaves values alone without references, and shortens types for display", () => {
        assert.equal(makeDisplay(new Map())("abc"), "abc");
        assert.deepEqual(makeDisplay(new Map())({ b: [1, null], a: true }), { a: true, b: [1, null] });
        assert.equal(shortType(T.Vault), "keyvault:Vault");
        assert.equal(shortType(T.GitOpsCluster), "GitOpsCluster");
        assert.equal(shortType(T.K8sNamespace), T.K8sNamespace);
    });
});
