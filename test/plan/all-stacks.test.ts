// `npm run plan -- --all` and the fleet's pull-request comment: every committed stack planned in one process, in
// rollout order; one readable comment at any fleet size (a summary table of the stacks that change, details collapsed,
// unchanged stacks counted), always under GitHub's 65,536-character limit — checked with a fourth stack added to the
// committed ones and with synthetic fleets of a hundred and four hundred stacks.
import * as assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { discover } from "../../ci/stacks";
import { loadStackFile, stackNames, withSecretPlaceholders } from "../../stacks/files";
import { ROOT } from "../../stacks/paths";
import { runProgram } from "../../offline/program";
import { main, planWithActivation } from "../../plan/cli";
import { COMMENT_MARKER, StackEntry, GITHUB_COMMENT_LIMIT, renderAllStacksComment } from "../../plan/comment";
import { commentEntries, AllStacksPlan, planAllStacks, planAllStacksCli } from "../../plan/all-stacks";
import { buildCheckedPlan, Plan } from "../../plan/model";
import { otherClusterOf, projectCopy, writeStack } from "../support/fleet";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

/** A plan of another stack: the same resources under its name (what the comment needs, not a real run). */
function renamed(plan: Plan, stack: string): Plan {
    return { ...plan, stack };
}

/** The plan with one property of its cluster changed: a real diff row. */
function withChange(plan: Plan): Plan {
    const i = plan.resources.findIndex((r) => r.type === T.ManagedCluster);
    const cluster = plan.resources[i];
    const resources = [...plan.resources];
    resources[i] = {
        ...cluster,
        inputs: {
            ...cluster.inputs,
            tags: { ...(cluster.inputs.tags as Record<string, string> | undefined), change: "yes" },
        },
    };
    return { ...plan, resources };
}

describe("plan every stack (npm run plan -- --all) and the fleet comment", () => {
    sharedCaptures();
    const plans = new Map<string, Plan>();
    const memo = async (stack: string) =>
        plans.get(stack) ?? plans.set(stack, await planWithActivation(stack)).get(stack)!;
    let committed: AllStacksPlan;
    before(async () => {
        committed = await planAllStacks(memo);
    });

    it("plans every committed stack in rollout order, with its environment, ring and role", () => {
        assert.deepEqual(committed.stacks.map((e) => e.stack).sort(), stackNames());
        assert.deepEqual(
            committed.stacks.map((e) => e.stack),
            discover().stacks.map((s) => s.stack),
        );
        for (const e of committed.stacks) {
            assert.equal(e.error, undefined, e.error);
            assert.equal(e.plan?.stack, e.stack);
            assert.ok(e.environment && e.role && e.ring !== undefined);
        }
    });

    it("answers --json with one document of every stack, and text with every stack's tree", async () => {
        const json = await planAllStacksCli({ comment: false, json: true }, memo);
        assert.equal(json.code, 0);
        const doc = JSON.parse(json.text) as AllStacksPlan;
        assert.deepEqual(
            doc.stacks.map((e) => e.stack),
            committed.stacks.map((e) => e.stack),
        );
        const text = await planAllStacksCli({ comment: false, json: false }, memo);
        for (const stack of stackNames()) {
            assert.match(text.text, new RegExp(`^Plan for aks-gitops/${stack}: `, "m"));
        }
        await assert.rejects(main(["--all", "--stack", "dev"]), /choose one of --stack and --all/);
        await assert.rejects(main(["--all", "--mermaid"]), /--mermaid shows one stack/);
        await assert.rejects(planAllStacksCli({ comment: true, json: false, maxChars: "12" }, memo), /--max-chars/);
    });

    it("comments nothing but counts when no stack changes", async () => {
        const result = await planAllStacksCli({ comment: true, json: false }, memo);
        assert.equal(result.code, 0);
        const base = commentEntries(committed, committed);
        const text = renderAllStacksComment(base.entries);
        assert.ok(text.startsWith(COMMENT_MARKER));
        assert.match(
            text,
            new RegExp(`\\*\\*0 of ${stackNames().length} stacks change\\*\\* · ${stackNames().length} unchanged`),
        );
        assert.doesNotMatch(text, /<details>|\| stack \|/);
    });

    it("shows a fourth stack (Pulumi.prod-eastus2.yaml) as new, the committed ones as unchanged, with no workflow edit", async () => {
        const dir = projectCopy();
        try {
            const owner = discover().stacks.find((s) => s.environment === "prod" && s.role === "primary")!;
            writeStack(dir, "prod-eastus2", otherClusterOf(owner, "prod-eastus2", "eastus2"));
            const head = await planAllStacks(
                async (stack) =>
                    plans.get(stack) ??
                    buildCheckedPlan(await runProgram(withSecretPlaceholders(loadStackFile(stack, dir)))),
                dir,
            );
            const { entries, removed } = commentEntries(head, committed);
            const text = renderAllStacksComment(entries, {
                removed,
                artifactsUrl: "https://github.com/o/r/actions/runs/1",
            });
            assert.match(
                text,
                new RegExp(
                    `\\*\\*1 of ${stackNames().length + 1} stacks changes\\*\\* · ${stackNames().length} unchanged`,
                ),
            );
            assert.match(text, /^\| `prod-eastus2` \(new\) \| prod \| 2 \| secondary \| \d+ \| 0 \| 0 \|/m);
            assert.match(text, /<details><summary><b>prod-eastus2<\/b>/);
            for (const stack of stackNames()) {
                assert.doesNotMatch(
                    text,
                    new RegExp(`<b>${stack}</b>|\`${stack}\` \\|`),
                    `${stack} is unchanged: counted, not listed`,
                );
            }
            assert.deepEqual(removed, []);
            const gone = commentEntries({ stacks: committed.stacks.slice(1) }, committed);
            assert.match(
                renderAllStacksComment(gone.entries, { removed: gone.removed }),
                new RegExp(`No longer committed: \`${committed.stacks[0].stack}\``),
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("at fleet scale (synthetic plans)", () => {
        let prodPlan: Plan;
        before(async () => {
            prodPlan = await memo(
                discover().stacks.find((s) => s.environment === "prod" && s.role === "primary")!.stack,
            );
        });
        const fleet = (n: number, change: (i: number) => "same" | "changed" | "new" | "error"): StackEntry[] =>
            Array.from({ length: n }, (_, i) => {
                const stack = `prod-c${String(i + 1).padStart(4, "0")}`;
                const base = renamed(prodPlan, stack);
                const kind = change(i);
                const entry: StackEntry = { stack, environment: "prod", ring: 2, role: "secondary" };
                return kind === "error"
                    ? {
                          ...entry,
                          base,
                          error: "invalid stack configuration (1 problem):\n  - aks-gitops:location: must be an Azure region name",
                      }
                    : {
                          ...entry,
                          base: kind === "new" ? undefined : base,
                          head: kind === "changed" ? withChange(base) : base,
                      };
            });

        it("a hundred stacks, a few changing: a table of those, details collapsed, the rest counted", () => {
            const entries = fleet(100, (i) =>
                i === 99 ? "new" : i === 42 ? "error" : i % 10 === 3 ? "changed" : "same",
            );
            const text = renderAllStacksComment(entries, { artifactsUrl: "https://github.com/o/r/actions/runs/1" });
            assert.ok(text.length <= GITHUB_COMMENT_LIMIT, `${text.length} characters`);
            const listed = entries.filter((_, i) => i === 99 || i === 42 || i % 10 === 3).map((e) => e.stack);
            assert.match(
                text,
                /\*\*11 of 100 stacks change\*\* · \*\*1 cannot be planned\*\* · 88 unchanged \(prod 88\)/,
            );
            const rows = text.split("\n").filter((l) => /^\| `prod-c\d{4}`/.test(l));
            assert.deepEqual(
                rows.map((r) => /`(prod-c\d{4})`/.exec(r)![1]),
                listed,
                "one row per stack that changes, in rollout order",
            );
            assert.match(text, /^\| `prod-c0100` \(new\) \|/m);
            assert.match(
                text,
                /^\| `prod-c0043` \| prod \| 2 \| secondary \| \| \| \| \*\*cannot be planned\*\* \| \|$/m,
            );
            assert.match(text, /<details open><summary><b>prod-c0043<\/b>: cannot be planned<\/summary>/);
            for (const stack of listed) {
                assert.match(
                    text,
                    new RegExp(`<details( open)?><summary><b>${stack}</b>`),
                    `${stack} has its collapsed section`,
                );
            }
            assert.doesNotMatch(text, /prod-c0001|prod-c0050/, "unchanged stacks are counted, not listed");
            assert.equal(
                (text.match(/<details/g) ?? []).length,
                (text.match(/<\/details>/g) ?? []).length,
                "every section is closed",
            );
        });

        it("a hundred stacks, all new: under the limit, shortened sections pointing at the run's artifacts", () => {
            const url = "https://github.com/o/r/actions/runs/42";
            const text = renderAllStacksComment(
                fleet(100, () => "new"),
                { artifactsUrl: url },
            );
            assert.ok(text.length <= 60000, `${text.length} characters: room is left for the previews`);
            assert.equal(
                text.split("\n").filter((l) => /^\| `prod-c\d{4}` \(new\)/.test(l)).length,
                100,
                "every changing stack has its row",
            );
            assert.match(
                text,
                /stacks' details shortened or left out to stay under GitHub's 65,536-character comment limit: the full plans are in \[the run's artifacts\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/42\)/,
            );
            assert.ok(text.includes("```mermaid"), "the first sections keep their graph");
            assert.equal((text.match(/<details/g) ?? []).length, (text.match(/<\/details>/g) ?? []).length);
        });

        it("four hundred stacks, all changing, and tight budgets: still under them, the table's overflow counted", () => {
            const entries = fleet(400, () => "changed");
            const text = renderAllStacksComment(entries, { artifactsUrl: "https://x/run" });
            assert.ok(text.length <= 60000, `${text.length}`);
            assert.match(text, /…and \d+ more: see \[the run's artifacts\]\(https:\/\/x\/run\)\./);
            for (const maxChars of [2000, 10000, GITHUB_COMMENT_LIMIT, 10 ** 6]) {
                const t = renderAllStacksComment(entries.slice(0, 100), { maxChars });
                assert.ok(t.length <= Math.min(maxChars, GITHUB_COMMENT_LIMIT), `budget ${maxChars}: ${t.length}`);
            }
        });
    });

    it("is what the pull-request workflow runs (plan --all on the base, comment --all on the head)", () => {
        const text = readFileSync(join(ROOT, ".github", "workflows", "pull-request.yml"), "utf8");
        assert.match(text, /npm run --silent plan -- --all --json --out "\$RUNNER_TEMP\/base\.json"/);
        // --base only when the base branch wrote its plan (a --base naming no file is exit 2).
        assert.match(
            text,
            /base="\$RUNNER_TEMP\/base\.json"\n\s+\[ -f "\$base" \] \|\| base=""\n\s+npm run --silent plan -- comment --all \$\{base:\+--base "\$base"\} --artifacts-url "\$RUN_URL"/,
        );
    });
});
