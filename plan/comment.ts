// One stack's section of the pull-request comment: what changes against the base branch, the graph with its
// critical path, and the policy findings. CI joins the sections of every stack into one comment.
import { diffPlans, renderDiffMarkdown } from "./diff";
import type { Plan } from "./model";
import { renderMermaid } from "./render";

export const COMMENT_MARKER = "<!-- aks-gitops:plan -->";

/** An empty plan of the stack: what a base branch that lacks the stack (or cannot plan it) is compared as. */
export function emptyPlan(project: string, stack: string): Plan {
    return { project, stack, resources: [], outputs: {}, criticalPath: { urns: [], estimatedMinutes: 0, serialMinutes: 0 }, policy: [] };
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderCommentSection(head: Plan, base: Plan | undefined): string {
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
            lines.push(`| ${f.enforcementLevel} | \`${f.policy}\` | ${f.urn ? `\`${names.get(f.urn) ?? f.urn}\`` : ""} | ${cell(f.message)} |`);
        }
        lines.push("");
    }
    lines.push("```mermaid", renderMermaid(head).trimEnd(), "```", "", "</details>", "");
    return lines.filter((l, i, all) => !(l === "" && all[i - 1] === "")).join("\n");
}
