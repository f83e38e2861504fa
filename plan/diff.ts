// Differences between two plan documents, as Markdown for a pull-request comment.
import type { Plan, PlanResource } from "./model";
import { shortType } from "./model";

export interface PropertyChange {
    path: string;
    before: unknown;
    after: unknown;
}

export interface PlanDiff {
    stack: string;
    added: PlanResource[];
    removed: PlanResource[];
    changed: { before: PlanResource; after: PlanResource; changes: PropertyChange[] }[];
    outputs: PropertyChange[];
    criticalPath: { before: number; after: number };
}

/** Property-level differences; arrays are compared element by element, objects key by key. */
export function diffValues(before: unknown, after: unknown, path = ""): PropertyChange[] {
    if (JSON.stringify(before) === JSON.stringify(after)) {
        return [];
    }
    const isObject = (v: unknown): v is Record<string, unknown> =>
        v !== null && typeof v === "object" && !Array.isArray(v);
    if (Array.isArray(before) && Array.isArray(after)) {
        const changes: PropertyChange[] = [];
        for (let i = 0; i < Math.max(before.length, after.length); i++) {
            changes.push(...diffValues(before[i], after[i], `${path}[${i}]`));
        }
        return changes;
    }
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
    }
    return [{ path: path || "(value)", before, after }];
}

/** Compares custom resources only: components are groupings, and their changes show up in the resources inside. */
export function diffPlans(before: Plan, after: Plan): PlanDiff {
    const old = new Map(before.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const now = new Map(after.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
    const comparable = (r: PlanResource) => ({
        inputs: r.inputs,
        options: r.options,
        dependsOn: r.dependsOn,
        parent: r.parent,
    });
    return {
        stack: after.stack,
        added: [...now.values()].filter((r) => !old.has(r.urn)),
        removed: [...old.values()].filter((r) => !now.has(r.urn)),
        changed: [...now.values()]
            .filter((r) => old.has(r.urn))
            .map((r) => ({
                before: old.get(r.urn)!,
                after: r,
                changes: diffValues(comparable(old.get(r.urn)!), comparable(r)),
            }))
            .filter((c) => c.changes.length > 0),
        outputs: diffValues(before.outputs, after.outputs),
        criticalPath: { before: before.criticalPath.estimatedMinutes, after: after.criticalPath.estimatedMinutes },
    };
}

const cell = (v: unknown): string => {
    if (v === undefined) {
        return "_(absent)_";
    }
    const text = typeof v === "string" ? v : JSON.stringify(v);
    const short = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    return `\`${short.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
};

export function renderDiffMarkdown(d: PlanDiff): string {
    const lines = [`### Plan diff for \`${d.stack}\``, ""];
    if (d.added.length + d.removed.length + d.changed.length + d.outputs.length === 0) {
        lines.push("No changes to resources or outputs.");
        return `${lines.join("\n")}\n`;
    }
    lines.push(`**${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove**`, "");
    if (d.added.length + d.removed.length > 0) {
        lines.push("| | resource | type |", "|---|---|---|");
        d.added.forEach((r) => lines.push(`| + | \`${r.name}\` | ${shortType(r.type)} |`));
        d.removed.forEach((r) =>
            lines.push(
                `| - | \`${r.name}\` | ${shortType(r.type)}${r.options.protect ? " **(protected: the update will fail until unprotected)**" : ""} |`,
            ),
        );
        lines.push("");
    }
    for (const c of d.changed) {
        lines.push(
            `#### ~ \`${c.after.name}\` (${shortType(c.after.type)})`,
            "",
            "| property | before | after |",
            "|---|---|---|",
        );
        c.changes.forEach((p) => lines.push(`| \`${p.path}\` | ${cell(p.before)} | ${cell(p.after)} |`));
        lines.push("");
    }
    if (d.outputs.length > 0) {
        lines.push("#### Outputs", "", "| output | before | after |", "|---|---|---|");
        d.outputs.forEach((p) => lines.push(`| \`${p.path}\` | ${cell(p.before)} | ${cell(p.after)} |`));
        lines.push("");
    }
    if (d.criticalPath.before !== d.criticalPath.after) {
        lines.push(`Critical path from scratch: ~${d.criticalPath.before} min → ~${d.criticalPath.after} min`, "");
    }
    return `${lines.join("\n")}\n`;
}
