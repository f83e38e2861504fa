// The pull-request comment. One stack's section: what changes against the base branch, the graph with its critical
// path, and the policy findings. The comment of all stacks (npm run plan -- comment --all): a summary table of the stacks
// that change, their sections collapsed, unchanged stacks counted, always under GitHub's comment size limit.
import { diffPlans, renderDiffMarkdown } from "./diff";
import type { Plan } from "./model";
import { renderMermaid } from "./render";

export const COMMENT_MARKER = "<!-- aks-gitops:plan -->";

/** An empty plan of the stack: what a base branch that lacks the stack (or cannot plan it) is compared as. */
export function emptyPlan(project: string, stack: string): Plan {
    return {
        project,
        stack,
        resources: [],
        outputs: {},
        criticalPath: { urns: [], estimatedMinutes: 0, serialMinutes: 0 },
        policy: [],
    };
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export interface SectionOptions {
    /** The Mermaid graph of the stack (default true); a comment of all stacks short of room leaves it out. */
    graph?: boolean;
}

export function renderCommentSection(head: Plan, base: Plan | undefined, options: SectionOptions = {}): string {
    const diff = diffPlans(base ?? emptyPlan(head.project, head.stack), head);
    const mandatory = head.policy.filter((f) => f.enforcementLevel === "mandatory");
    const advisory = head.policy.length - mandatory.length;
    const changes = `${diff.added.length} to add, ${diff.changed.length} to change, ${diff.removed.length} to remove`;
    const names = new Map(head.resources.map((r) => [r.urn, r.name]));
    const lines = [
        `<details${mandatory.length > 0 || diff.removed.length > 0 ? " open" : ""}><summary><b>${head.stack}</b>: ${changes}` +
            ` · from scratch ~${head.criticalPath.estimatedMinutes} min` +
            ` · policy ${mandatory.length > 0 ? `**${mandatory.length} mandatory**` : "0 mandatory"}, ${advisory} advisory</summary>`,
        "",
        base ? "" : "_No plan of the base branch for this stack: everything shows as added._",
        renderDiffMarkdown(diff).replace(/^### .*\n\n/, ""),
    ];
    if (head.policy.length > 0) {
        lines.push("| level | policy | resource | finding |", "|---|---|---|---|");
        for (const f of head.policy) {
            lines.push(
                `| ${f.enforcementLevel} | \`${f.policy}\` | ${f.urn ? `\`${names.get(f.urn) ?? f.urn}\`` : ""} | ${cell(f.message)} |`,
            );
        }
        lines.push("");
    }
    if (options.graph !== false) {
        lines.push("```mermaid", renderMermaid(head).trimEnd(), "```", "");
    }
    lines.push("</details>", "");
    return lines.filter((l, i, all) => !(l === "" && all[i - 1] === "")).join("\n");
}

/** GitHub rejects a comment longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65536;

/** One stack of the comment of all stacks: its plan on this branch (absent when it cannot be planned) and on the base. */
export interface StackEntry {
    stack: string;
    environment?: string;
    ring?: number;
    role?: string;
    head?: Plan;
    /** Absent: the base branch has no plan of this stack (a new stack, or the base could not plan it). */
    base?: Plan;
    /** Why the stack could not be planned (invalid configuration, a program error). */
    error?: string;
}

export interface AllStacksCommentOptions {
    /** Budget for the whole comment; the default leaves room under GitHub's limit for the previews added after it. */
    maxChars?: number;
    /** Where the full plans are (the CI run with its artifacts), linked when details are shortened. */
    artifactsUrl?: string;
    /** Stacks the base branch plans that this branch no longer has. */
    removed?: string[];
}

export type StackStatus = "error" | "changes" | "policy" | "unchanged";

export interface StackRow {
    entry: StackEntry;
    status: StackStatus;
    added: number;
    changed: number;
    removed: number;
    mandatory: number;
    advisory: number;
}

/** What a stack's plan amounts to against the base: an error, changes, mandatory findings alone, or nothing. */
export function stackRow(entry: StackEntry): StackRow {
    if (!entry.head) {
        return { entry, status: "error", added: 0, changed: 0, removed: 0, mandatory: 0, advisory: 0 };
    }
    const d = diffPlans(entry.base ?? emptyPlan(entry.head.project, entry.head.stack), entry.head);
    const mandatory = entry.head.policy.filter((f) => f.enforcementLevel === "mandatory").length;
    const changes = !entry.base || d.added.length + d.changed.length + d.removed.length + d.outputs.length > 0;
    return {
        entry,
        status: changes ? "changes" : mandatory > 0 ? "policy" : "unchanged",
        added: d.added.length,
        changed: d.changed.length,
        removed: d.removed.length,
        mandatory,
        advisory: entry.head.policy.length - mandatory,
    };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function errorSection(entry: StackEntry): string {
    const message = (entry.error ?? "no plan").slice(0, 4000).replace(/```/g, "'''");
    return [
        `<details open><summary><b>${entry.stack}</b>: cannot be planned</summary>`,
        "",
        "```",
        message,
        "```",
        "",
        "</details>",
        "",
    ].join("\n");
}

function briefSection(row: StackRow, where: string): string {
    return `<details><summary><b>${row.entry.stack}</b>: ${row.added} to add, ${row.changed} to change, ${row.removed} to remove</summary>\n\nDetails left out for room: see ${where}.\n\n</details>\n`;
}

/**
 * The plan comment of all stacks: a summary table of the stacks that change (or cannot be planned, or fail a
 * mandatory policy), their sections collapsed below, unchanged stacks counted rather than listed. It never exceeds
 * `maxChars`: sections lose their graph, then their details, then are left out, with a note pointing at the run's
 * artifacts. Entries are expected in rollout order (npm run stacks).
 */
export function renderAllStacksComment(entries: StackEntry[], options: AllStacksCommentOptions = {}): string {
    const maxChars = Math.min(options.maxChars ?? 60000, GITHUB_COMMENT_LIMIT);
    const rows = entries.map(stackRow);
    const listed = rows.filter((r) => r.status !== "unchanged");
    const unchanged = rows.filter((r) => r.status === "unchanged");
    const count = (status: StackStatus) => rows.filter((r) => r.status === status).length;
    const where = options.artifactsUrl ? `[the run's artifacts](${options.artifactsUrl})` : "the run's artifacts";

    const head: string[] = [COMMENT_MARKER, "### Offline plan", ""];
    const facts = [
        `**${count("changes")} of ${plural(rows.length, "stack")} ${count("changes") === 1 ? "changes" : "change"}**`,
    ];
    if (count("error") > 0) {
        facts.push(`**${count("error")} cannot be planned**`);
    }
    if (count("policy") > 0) {
        facts.push(
            `**${count("policy")} fail${count("policy") === 1 ? "s" : ""} a mandatory policy** without changing`,
        );
    }
    const byEnvironment = new Map<string, number>();
    for (const r of unchanged) {
        const environment = r.entry.environment ?? "other";
        byEnvironment.set(environment, (byEnvironment.get(environment) ?? 0) + 1);
    }
    facts.push(
        `${unchanged.length} unchanged${byEnvironment.size > 0 ? ` (${[...byEnvironment].map(([e, n]) => `${e} ${n}`).join(", ")})` : ""}`,
    );
    head.push(facts.join(" · "), "");
    if (options.removed && options.removed.length > 0) {
        head.push(
            `No longer committed: ${options.removed.map((s) => `\`${s}\``).join(", ")}. CI stops deploying ${options.removed.length === 1 ? "it" : "them"}; ` +
                "its resources stay until `pulumi destroy` of the stack.",
            "",
        );
    }

    const note = (n: number) =>
        `_${plural(n, "stack's details", "stacks' details")} shortened or left out to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")}-character comment limit: the full plans are in ${where}._\n`;
    const reserve = note(rows.length).length + 2;
    const table: string[] = [];
    if (listed.length > 0) {
        table.push(
            "| stack | environment | ring | role | add | change | remove | policy | from scratch |",
            "|---|---|---|---|---:|---:|---:|---|---:|",
        );
        // The table gets at most half the budget: with thousands of changing stacks, the rest are counted.
        const tableBudget = Math.floor(maxChars / 2) - head.join("\n").length;
        let used = table.join("\n").length;
        let shown = 0;
        for (const r of listed) {
            const e = r.entry;
            const row =
                r.status === "error"
                    ? `| \`${e.stack}\` | ${e.environment ?? ""} | ${e.ring ?? ""} | ${e.role ?? ""} | | | | **cannot be planned** | |`
                    : `| \`${e.stack}\`${e.base ? "" : " (new)"} | ${e.environment ?? ""} | ${e.ring ?? ""} | ${e.role ?? ""} | ${r.added} | ${r.changed} | ${r.removed} | ` +
                      `${r.mandatory > 0 ? `**${r.mandatory} mandatory**` : "0 mandatory"}, ${r.advisory} advisory | ~${e.head!.criticalPath.estimatedMinutes} min |`;
            if (used + row.length + 1 > tableBudget) {
                break;
            }
            table.push(row);
            used += row.length + 1;
            shown += 1;
        }
        if (shown < listed.length) {
            table.push("", `…and ${listed.length - shown} more: see ${where}.`);
        }
        table.push("");
    }

    let body = [...head, ...table].join("\n");
    let shortened = 0;
    for (const r of listed) {
        const room = maxChars - reserve - body.length - 1;
        // Rendered lazily, largest first: once the budget is spent, the remaining stacks cost nothing to skip.
        const candidates: (() => string)[] =
            r.status === "error"
                ? [() => errorSection(r.entry)]
                : [
                      () => renderCommentSection(r.entry.head!, r.entry.base),
                      () => renderCommentSection(r.entry.head!, r.entry.base, { graph: false }),
                      () => briefSection(r, where),
                  ];
        let chosen: string | undefined;
        for (const [i, render] of candidates.entries()) {
            if (room < 300) {
                break;
            }
            const text = render();
            if (text.length <= room) {
                chosen = text;
                shortened += i > 0 ? 1 : 0;
                break;
            }
        }
        if (chosen === undefined) {
            shortened += 1;
        } else {
            body += `\n${chosen}`;
        }
    }
    if (shortened > 0) {
        body += `\n${note(shortened)}`;
    }
    return body;
}
