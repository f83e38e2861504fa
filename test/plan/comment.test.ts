// The pull-request comment (plan/comment.ts) for the hand-made plan of test/support/plan.ts, against the literal
// Markdown: one stack's section (summary line, diff, findings table with a pipe escaped, graph) and the fleet comment's
// head, table, error section, singular and plural wording. Budgets at a hundred stacks are in test/plan/all-stacks.test.ts.
import * as assert from "node:assert/strict";
import { emptyPlan, stackRow, renderCommentSection, renderAllStacksComment } from "../../plan/comment";
import { renderMermaid } from "../../plan/render";
import { plan, RG } from "../support/plan";

/** The fixture's plan, and the same plan on a base branch where the resource group was in northeurope, without findings. */
function changed() {
    const head = plan();
    const base = plan();
    base.resources.find((r) => r.urn === RG)!.inputs.location = "northeurope";
    base.policy = [];
    return { head, base };
}

const FINDINGS = [
    "| level | policy | resource | finding |",
    "|---|---|---|---|",
    "| mandatory | `aks-authorized-ip-ranges` | `aks` | apiServerAccessProfile must \\| be set |",
    "| advisory | `stack-audit-logs` |  | no diagnostic setting |",
    "| advisory | `elsewhere` | `urn:pulumi:prod::aks-gitops::x:y:Z::gone` | a resource the plan does not list |",
].join("\n");

describe("pull-request comment (plan/comment.ts)", () => {
    it("renders one stack's section: open when a mandatory finding fails, the change, the findings and the graph", () => {
        const { head, base } = changed();
        assert.equal(
            renderCommentSection(head, base),
            [
                "<details open><summary><b>prod</b>: 0 to add, 1 to change, 0 to remove · from scratch ~8.3 min · policy **1 mandatory**, 2 advisory</summary>",
                "",
                "**0 to add, 1 to change, 0 to remove**",
                "",
                "#### ~ `rg` (resources:ResourceGroup)",
                "",
                "| property | before | after |",
                "|---|---|---|",
                "| `inputs.location` | `northeurope` | `westeurope` |",
                "",
                "",
                FINDINGS,
                "",
                "```mermaid",
                renderMermaid(head).trimEnd(),
                "```",
                "",
                "</details>",
                "",
            ].join("\n"),
        );
    });

    it("closes a section with only advisory findings and no removal, and leaves out the graph and the findings when asked or empty", () => {
        const { head, base } = changed();
        head.policy = head.policy.filter((f) => f.enforcementLevel === "advisory").slice(0, 1);
        const text = renderCommentSection(head, base, { graph: false });
        assert.ok(
            text.startsWith(
                "<details><summary><b>prod</b>: 0 to add, 1 to change, 0 to remove · from scratch ~8.3 min · policy 0 mandatory, 1 advisory</summary>\n",
            ),
            text,
        );
        assert.ok(
            text.includes("| advisory | `stack-audit-logs` |  | no diagnostic setting |\n\n</details>\n"),
            "no graph: the table ends the section",
        );
        assert.ok(!text.includes("```mermaid"));
        head.policy = [];
        assert.ok(!renderCommentSection(head, base).includes("| level | policy |"));
        const removal = renderCommentSection(emptyPlan("aks-gitops", "prod"), head, {});
        assert.ok(
            removal.startsWith("<details open><summary><b>prod</b>: 0 to add, 0 to change, 6 to remove"),
            "removing resources opens the section",
        );
    });

    it("says when there is no base plan: everything shows as added", () => {
        const text = renderCommentSection(plan(), undefined, { graph: false });
        assert.ok(text.startsWith("<details open><summary><b>prod</b>: 6 to add, 0 to change, 0 to remove"));
        assert.ok(text.includes("\n_No plan of the base branch for this stack: everything shows as added._\n"));
        assert.ok(!renderCommentSection(plan(), plan()).includes("_No plan of the base branch"));
    });

    it("an empty plan is a plan of nothing", () => {
        assert.deepEqual(emptyPlan("aks-gitops", "dr"), {
            project: "aks-gitops",
            stack: "dr",
            resources: [],
            outputs: {},
            criticalPath: { urns: [], estimatedMinutes: 0, serialMinutes: 0 },
            policy: [],
        });
    });

    it("sorts each stack into changes, policy alone, unchanged or error, with its counts", () => {
        const { head, base } = changed();
        assert.deepEqual(
            { ...stackRow({ stack: "prod", head, base }), entry: undefined },
            { entry: undefined, status: "changes", added: 0, changed: 1, removed: 0, mandatory: 1, advisory: 2 },
        );
        assert.equal(stackRow({ stack: "prod", head: plan(), base: plan() }).status, "policy");
        const clean = plan();
        clean.policy = clean.policy.filter((f) => f.enforcementLevel === "advisory");
        assert.equal(stackRow({ stack: "prod", head: clean, base: clean }).status, "unchanged");
        assert.equal(stackRow({ stack: "prod", head: clean }).status, "changes", "no base: new");
        assert.deepEqual(
            { ...stackRow({ stack: "x", error: "bad" }), entry: undefined },
            { entry: undefined, status: "error", added: 0, changed: 0, removed: 0, mandatory: 0, advisory: 0 },
        );
        const outputOnly = plan();
        outputOnly.outputs = { ...outputOnly.outputs, clusterName: "aks-other" };
        assert.equal(
            stackRow({ stack: "prod", head: outputOnly, base: plan() }).status,
            "changes",
            "an output change is a change",
        );
    });

    it("renders the fleet comment: counts, removed stacks, the table of those that change, their sections, an error's message", () => {
        const { head, base } = changed();
        const quiet = plan();
        quiet.policy = [];
        const text = renderAllStacksComment(
            [
                { stack: "dev", environment: "dev", ring: 0, role: "cluster", head: quiet, base: quiet },
                { stack: "prod", environment: "prod", ring: 2, role: "vault-owner", head, base },
                {
                    stack: "broken",
                    environment: "staging",
                    ring: 1,
                    error: "config key aks-gitops:nodeCount: ```bad```",
                },
            ],
            { removed: ["old"], artifactsUrl: "https://ci.example/run/1" },
        );
        const section = renderCommentSection(head, base);
        assert.equal(
            text,
            [
                "<!-- aks-gitops:plan -->",
                "### Offline plan",
                "",
                "**1 of 3 stacks changes** · **1 cannot be planned** · 1 unchanged (dev 1)",
                "",
                "No longer committed: `old`. CI stops deploying it; its resources stay until `pulumi destroy` of the stack.",
                "",
                "| stack | environment | ring | role | add | change | remove | policy | from scratch |",
                "|---|---|---|---|---:|---:|---:|---|---:|",
                "| `prod` | prod | 2 | vault-owner | 0 | 1 | 0 | **1 mandatory**, 2 advisory | ~8.3 min |",
                "| `broken` | staging | 1 |  | | | | **cannot be planned** | |",
                "",
                section,
                "<details open><summary><b>broken</b>: cannot be planned</summary>",
                "",
                "```",
                "config key aks-gitops:nodeCount: '''bad'''",
                "```",
                "",
                "</details>",
                "",
            ].join("\n"),
        );
    });

    it("words counts for one and for many, marks new stacks, and groups unchanged stacks by environment", () => {
        const clean = plan();
        clean.policy = [];
        const failing = plan();
        const text = renderAllStacksComment(
            [
                { stack: "a", environment: "dev", head: clean, base: clean },
                { stack: "b", environment: "dev", head: clean, base: clean },
                { stack: "c", head: clean, base: clean },
                { stack: "d", environment: "prod", head: clean },
                { stack: "e", environment: "prod", head: clean },
                { stack: "f", head: failing, base: failing },
                { stack: "g", head: failing, base: failing },
            ],
            { removed: ["old", "older"] },
        );
        assert.ok(
            text.includes(
                "\n**2 of 7 stacks change** · **2 fail a mandatory policy** without changing · 3 unchanged (dev 2, other 1)\n",
            ),
            text,
        );
        assert.ok(
            text.includes(
                "\nNo longer committed: `old`, `older`. CI stops deploying them; its resources stay until `pulumi destroy` of the stack.\n",
            ),
        );
        assert.ok(
            text.includes("\n| `d` (new) | prod |  |  | 6 | 0 | 0 | 0 mandatory, 0 advisory | ~8.3 min |\n"),
            text,
        );
        assert.ok(text.includes("\n| `f` |  |  |  | 0 | 0 | 0 | **1 mandatory**, 2 advisory | ~8.3 min |\n"));
        const one = renderAllStacksComment([{ stack: "f", head: failing, base: failing }]);
        assert.ok(
            one.includes("\n**0 of 1 stack change** · **1 fails a mandatory policy** without changing · 0 unchanged\n"),
            one,
        );
        assert.ok(!one.includes("No longer committed"));
        assert.equal(
            renderAllStacksComment([{ stack: "a", environment: "dev", head: clean, base: clean }]),
            "<!-- aks-gitops:plan -->\n### Offline plan\n\n**0 of 1 stack change** · 1 unchanged (dev 1)\n",
        );
    });

    it("shortens sections to stay under the budget, saying so and where the full plans are", () => {
        const { head, base } = changed();
        const section = renderCommentSection(head, base);
        const entries = [1, 2, 3].map((i) => ({
            stack: `prod-${i}`,
            head: { ...head, stack: `prod-${i}` },
            base: { ...base, stack: `prod-${i}` },
        }));
        const text = renderAllStacksComment(entries, {
            maxChars: 1000 + 2 * section.length,
            artifactsUrl: "https://ci.example/run/1",
        });
        assert.ok(text.length <= 1000 + 2 * section.length);
        assert.ok(
            text.endsWith(
                "\n_1 stack's details shortened or left out to stay under GitHub's 65,536-character comment limit: the full plans are in [the run's artifacts](https://ci.example/run/1)._\n",
            ),
            text.slice(-400),
        );
        assert.ok(
            text.includes("<b>prod-3</b>: 0 to add, 1 to change, 0 to remove</summary>\n\nDetails left out for room"),
            "no room for the third's details",
        );
        // With 500 characters more the third section keeps its details and loses only its graph.
        const graphless = renderAllStacksComment(entries, { maxChars: 1500 + 2 * section.length });
        assert.equal(graphless.split("```mermaid").length - 1, 2);
        assert.ok(graphless.includes(renderCommentSection(entries[2].head, entries[2].base, { graph: false })));
        assert.ok(
            graphless.endsWith(
                "\n_1 stack's details shortened or left out to stay under GitHub's 65,536-character comment limit: the full plans are in the run's artifacts._\n",
            ),
        );
        const brief = renderAllStacksComment(entries, { maxChars: 1000 });
        assert.ok(
            brief.includes(
                "<details><summary><b>prod-1</b>: 0 to add, 1 to change, 0 to remove</summary>\n\nDetails left out for room: see the run's artifacts.\n\n</details>\n",
            ),
            brief,
        );
        assert.ok(
            brief.endsWith(
                "_3 stacks' details shortened or left out to stay under GitHub's 65,536-character comment limit: the full plans are in the run's artifacts._\n",
            ),
            brief,
        );
        assert.ok(brief.length <= 1000);
    });

    it("keeps each finding on one table row, leaves out an empty removed list, and counts the table's overflow", () => {
        const { head, base } = changed();
        head.policy = [{ policy: "multi", enforcementLevel: "advisory", message: "first line\nsecond | line" }];
        assert.ok(
            renderCommentSection(head, base).includes("\n| advisory | `multi` |  | first line second \\| line |\n"),
        );
        const clean = plan();
        clean.policy = [];
        assert.ok(
            !renderAllStacksComment([{ stack: "a", head: clean }], { removed: [] }).includes("No longer committed"),
        );
        const many = Array.from({ length: 40 }, (_, i) => ({
            stack: `prod-c${String(i).padStart(2, "0")}`,
            head: { ...clean, stack: `prod-c${String(i).padStart(2, "0")}` },
        }));
        const text = renderAllStacksComment(many, { maxChars: 4000 });
        const rows = text.split("\n").filter((l) => l.startsWith("| `prod-c"));
        assert.ok(rows.length > 0 && rows.length < 40, `${rows.length} rows`);
        assert.ok(text.includes(`\n\n…and ${40 - rows.length} more: see the run's artifacts.\n`), text);
        const table = text.slice(0, text.indexOf("…and"));
        assert.ok(table.length <= 2000, "the table takes at most half the budget");
        assert.ok(text.length <= 4000);
    });
});
