// The plan diff (plan/diff.ts) on small hand-made plans, against the literal Markdown a pull-request comment shows.
import * as assert from "node:assert/strict";
import { diffPlans, diffValues, renderDiffMarkdown } from "../../plan/diff";
import type { Plan, PlanResource } from "../../plan/model";
import { T } from "../support/tokens";

function resource(
    name: string,
    type: string,
    inputs: Record<string, unknown>,
    extra: Partial<PlanResource> = {},
): PlanResource {
    return {
        urn: `urn:pulumi:s::p::${type}::${name}`,
        type,
        name,
        custom: true,
        parent: null,
        dependsOn: [],
        propertyDependencies: {},
        inputs,
        options: { protect: false, retainOnDelete: false, ignoreChanges: [], customTimeouts: null },
        estimatedMinutes: 1,
        ...extra,
    };
}

function plan(
    stack: string,
    resources: PlanResource[],
    outputs: Record<string, unknown>,
    estimatedMinutes: number,
): Plan {
    return {
        project: "p",
        stack,
        resources,
        outputs,
        criticalPath: { urns: [], estimatedMinutes, serialMinutes: estimatedMinutes },
        policy: [],
    };
}

const RG = "urn:pulumi:s::p::azure-native:resources:ResourceGroup::rg";
const rg = resource("rg", T.ResourceGroup, { location: "westeurope" });
const component = (x: number) => resource("cluster", T.GitOpsCluster, { x }, { custom: false });

const before = plan(
    "old-name",
    [
        rg,
        resource("vault", T.Vault, {
            sku: "standard",
            tags: { env: "dev" },
            ranges: ["1.1.1.1", "2.2.2.2"],
        }),
        resource(
            "old-ns",
            T.K8sNamespace,
            {},
            { options: { protect: true, retainOnDelete: false, ignoreChanges: [], customTimeouts: null } },
        ),
        component(1),
        resource("old-prefix", T.PublicIPPrefix, {}),
    ],
    { url: "https://a", note: "x".repeat(130) },
    20,
);
const after = plan(
    "s",
    [
        rg,
        resource(
            "vault",
            T.Vault,
            { sku: "premium", tags: { env: "dev", owner: "me|you" }, ranges: ["1.1.1.1"] },
            {
                dependsOn: [RG],
                options: { protect: true, retainOnDelete: false, ignoreChanges: [], customTimeouts: null },
            },
        ),
        resource("new-key", T.Key, { keyName: "k" }),
        component(2),
    ],
    { url: "https://b", note: "a `b` c|d", added: 1 },
    25,
);

describe("plan diff (plan/diff.ts)", () => {
    it("compares values key by key and element by element, naming the path", () => {
        assert.deepEqual(diffValues(1, 2), [{ path: "(value)", before: 1, after: 2 }]);
        assert.deepEqual(diffValues([1, { b: 2 }], [1, { b: 2 }]), []);
        assert.deepEqual(diffValues({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }), [
            { path: "a[1].b", before: 2, after: 3 },
        ]);
        assert.deepEqual(diffValues({ z: 1, a: 1 }, { a: 2, z: 2 }), [
            { path: "a", before: 1, after: 2 },
            { path: "z", before: 1, after: 2 },
        ]);
        assert.deepEqual(diffValues([1], [1, 2], "list"), [{ path: "list[1]", before: undefined, after: 2 }]);
        assert.deepEqual(diffValues([1, 2], [1], "list"), [{ path: "list[1]", before: 2, after: undefined }]);
        assert.deepEqual(diffValues(null, {}), [{ path: "(value)", before: null, after: {} }]);
        assert.deepEqual(diffValues([1], { 0: 1 }, "x"), [{ path: "x", before: [1], after: { 0: 1 } }]);
    });

    it("lists custom resources added, removed and changed, outputs and the critical path; components are left out", () => {
        const d = diffPlans(before, after);
        assert.equal(d.stack, "s");
        assert.deepEqual(
            d.added.map((r) => r.name),
            ["new-key"],
        );
        assert.deepEqual(
            d.removed.map((r) => r.name),
            ["old-ns", "old-prefix"],
        );
        assert.deepEqual(
            d.changed.map((c) => [c.before.name, c.after.name]),
            [["vault", "vault"]],
        );
        assert.deepEqual(d.changed[0].before.inputs.sku, "standard");
        assert.deepEqual(
            d.changed[0].changes.map((c) => c.path),
            ["dependsOn[0]", "inputs.ranges[1]", "inputs.sku", "inputs.tags.owner", "options.protect"],
        );
        assert.deepEqual(d.criticalPath, { before: 20, after: 25 });
    });

    it("renders the literal Markdown of a pull-request comment", () => {
        assert.equal(
            renderDiffMarkdown(diffPlans(before, after)),
            [
                "### Plan diff for `s`",
                "",
                "**1 to add, 1 to change, 2 to remove**",
                "",
                "| | resource | type |",
                "|---|---|---|",
                "| + | `new-key` | keyvault:Key |",
                "| - | `old-ns` | kubernetes:core/v1:Namespace **(protected: the update will fail until unprotected)** |",
                "| - | `old-prefix` | network:PublicIPPrefix |",
                "",
                "#### ~ `vault` (keyvault:Vault)",
                "",
                "| property | before | after |",
                "|---|---|---|",
                `| \`dependsOn[0]\` | _(absent)_ | \`${RG}\` |`,
                "| `inputs.ranges[1]` | `2.2.2.2` | _(absent)_ |",
                "| `inputs.sku` | `standard` | `premium` |",
                "| `inputs.tags.owner` | _(absent)_ | `me\\|you` |",
                "| `options.protect` | `false` | `true` |",
                "",
                "#### Outputs",
                "",
                "| output | before | after |",
                "|---|---|---|",
                "| `added` | _(absent)_ | `1` |",
                `| \`note\` | \`${"x".repeat(117)}...\` | \`a 'b' c\\|d\` |`,
                "| `url` | `https://a` | `https://b` |",
                "",
                "Critical path from scratch: ~20 min → ~25 min",
                "",
                "",
            ].join("\n"),
        );
    });

    it("keeps a 120-character value whole, says when nothing changed, and leaves out an unchanged critical path", () => {
        const long = plan("s", [rg], { v: "y".repeat(120) }, 20);
        const longer = plan("s", [rg], { v: "z".repeat(120) }, 20);
        assert.equal(
            renderDiffMarkdown(diffPlans(long, longer)),
            [
                "### Plan diff for `s`",
                "",
                "**0 to add, 0 to change, 0 to remove**",
                "",
                "#### Outputs",
                "",
                "| output | before | after |",
                "|---|---|---|",
                `| \`v\` | \`${"y".repeat(120)}\` | \`${"z".repeat(120)}\` |`,
                "",
                "",
            ].join("\n"),
        );
        assert.equal(
            renderDiffMarkdown(diffPlans(before, before)),
            "### Plan diff for `old-name`\n\nNo changes to resources or outputs.\n",
        );
        // Any one kind of change is a change, whatever the others add up to.
        const key = resource("new-key", T.Key, {});
        const swapped = diffPlans(plan("s", [rg], {}, 20), plan("s", [key], {}, 20));
        assert.match(renderDiffMarkdown(swapped), /^\*\*1 to add, 0 to change, 1 to remove\*\*$/m);
        const changedAndAdded = diffPlans(
            plan("s", [rg], {}, 20),
            plan("s", [{ ...rg, inputs: { location: "northeurope" } }, key], {}, 20),
        );
        assert.match(renderDiffMarkdown(changedAndAdded), /^\*\*1 to add, 1 to change, 0 to remove\*\*$/m);
        const outputAndAdded = diffPlans(plan("s", [rg], { a: 1 }, 20), plan("s", [rg, key], { a: 2 }, 20));
        assert.match(renderDiffMarkdown(outputAndAdded), /^\*\*1 to add, 0 to change, 0 to remove\*\*$/m);
        const added = plan("s", [rg, resource("new-key", T.Key, {})], {}, 20);
        assert.equal(
            renderDiffMarkdown(diffPlans(plan("s", [rg], {}, 20), added)),
            [
                "### Plan diff for `s`",
                "",
                "**1 to add, 0 to change, 0 to remove**",
                "",
                "| | resource | type |",
                "|---|---|---|",
                "| + | `new-key` | keyvault:Key |",
                "",
                "",
            ].join("\n"),
        );
    });
});
