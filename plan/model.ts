// The plan document: what a stack would build, in what order, from a harness capture. Deterministic by construction:
// resources sorted by urn, object keys sorted, fake Azure values replaced by references to the outputs they stand for.
import type { Capture } from "../offline/program";
import { lazy } from "../cli/lazy";
import { SECRET } from "../stacks/files";
import { estimateFor } from "./estimates";
import { PROJECT } from "../stacks/load";
import type { PolicyFinding } from "../policy/finding";

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string | null;
    /** Every urn this resource waits for: explicit dependsOn and the resources whose outputs flow into its inputs. */
    dependsOn: string[];
    /** Input name -> urns whose outputs it takes (the implicit part of dependsOn). */
    propertyDependencies: Record<string, string[]>;
    inputs: Record<string, unknown>;
    options: {
        protect: boolean;
        retainOnDelete: boolean;
        ignoreChanges: string[];
        customTimeouts: { create?: string; update?: string; delete?: string } | null;
        importId?: string;
    };
    estimatedMinutes: number;
}

export type { PolicyFinding };

export interface Plan {
    project: string;
    stack: string;
    resources: PlanResource[];
    outputs: Record<string, unknown>;
    criticalPath: { urns: string[]; estimatedMinutes: number; serialMinutes: number };
    /**
     * For a stack on standby: what activating it (standby false) adds, and the critical path of that `pulumi up`
     * (what standby already created counts as done).
     */
    activation?: {
        creates: string[];
        path: { urn: string; type: string; name: string; estimatedMinutes: number }[];
        estimatedMinutes: number;
        serialMinutes: number;
    };
    policy: PolicyFinding[];
    /** Secret keys the stack has not set (planned with placeholders) that the real `pulumi up` needs. */
    missingSecrets?: string[];
}

/** Replaces fake values the mocks produced with `${resource.output}` references and secrets with "[secret]". */
export function makeDisplay(references: Map<string, string>): (value: unknown) => unknown {
    const fakes = [...references.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
    const pattern = fakes.length > 0 ? new RegExp(fakes.map(escapeRegExp).join("|"), "g") : undefined;
    const display = (value: unknown): unknown => {
        if (typeof value === "string") {
            return pattern ? value.replace(pattern, (m) => `\${${references.get(m)}}`) : value;
        }
        if (Array.isArray(value)) {
            return value.map(display);
        }
        if (value !== null && typeof value === "object") {
            if (SECRET in value) {
                return SECRET;
            }
            return Object.fromEntries(
                Object.entries(value as Record<string, unknown>)
                    .filter(([, v]) => v !== undefined)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([k, v]) => [k, display(v)]),
            );
        }
        return value;
    };
    return display;
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The plan with the policy pack's findings (policy/offline.ts), as `npm run plan` reports it. */
export async function buildCheckedPlan(capture: Capture): Promise<Plan> {
    const { evaluatePolicies } = lazy.policyOffline();
    const plan = buildPlan(capture);
    plan.policy = await evaluatePolicies(capture, capture.config[`${PROJECT}:environment`]);
    return plan;
}

export function buildPlan(capture: Capture): Plan {
    const display = makeDisplay(capture.references);
    const sorted = [...capture.resources].sort((a, b) => a.urn.localeCompare(b.urn));
    const children = new Map<string, string[]>();
    for (const r of sorted) {
        if (r.parent) {
            children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
        }
    }
    const customUrns = new Set(sorted.filter((r) => r.custom).map((r) => r.urn));
    // Depending on a component means depending on everything inside it (that is how the SDK expands it, too).
    const expand = (urn: string): string[] => (customUrns.has(urn) ? [urn] : (children.get(urn) ?? []).flatMap(expand));

    const resources: PlanResource[] = sorted.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        custom: r.custom,
        parent: r.parent,
        dependsOn: [...new Set(r.dependencies.flatMap((d) => (r.custom ? expand(d) : [d])))].sort(),
        propertyDependencies: Object.fromEntries(
            Object.entries(r.propertyDependencies)
                .filter(([, urns]) => urns.length > 0)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, urns]) => [k, [...new Set(urns)].sort()]),
        ),
        inputs: display(r.inputs) as Record<string, unknown>,
        options: {
            protect: r.options.protect,
            retainOnDelete: r.options.retainOnDelete,
            ignoreChanges: r.options.ignoreChanges,
            customTimeouts: r.options.customTimeouts
                ? (display(r.options.customTimeouts) as PlanResource["options"]["customTimeouts"])
                : null,
            ...(r.options.importId ? { importId: display(r.options.importId) as string } : {}),
        },
        estimatedMinutes: estimateFor(r.type, r.custom),
    }));

    const outputs = Object.fromEntries(
        Object.entries(capture.outputs)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, o]) => [k, o.secret ? SECRET : display(o.value)]),
    );
    return {
        project: capture.project,
        stack: capture.stack,
        resources,
        outputs,
        criticalPath: criticalPath(resources),
        policy: [],
    };
}

/** What the active plan adds to the standby one, and the critical path of creating just that. */
export function activationPath(standby: Plan, active: Plan): NonNullable<Plan["activation"]> {
    const existing = new Set(standby.resources.map((r) => r.urn));
    const resources = active.resources.map((r) => (existing.has(r.urn) ? { ...r, estimatedMinutes: 0 } : r));
    const path = criticalPath(resources);
    const byUrn = new Map(active.resources.map((r) => [r.urn, r]));
    return {
        creates: active.resources.filter((r) => r.custom && !existing.has(r.urn)).map((r) => r.urn),
        path: path.urns
            .filter((u) => !existing.has(u))
            .map((u) => byUrn.get(u)!)
            .map((r) => ({ urn: r.urn, type: r.type, name: r.name, estimatedMinutes: r.estimatedMinutes })),
        estimatedMinutes: path.estimatedMinutes,
        serialMinutes: path.serialMinutes,
    };
}

/** Longest path through custom resources, weighted by estimated provisioning minutes. */
export function criticalPath(resources: PlanResource[]): Plan["criticalPath"] {
    const nodes = resources.filter((r) => r.custom);
    const byUrn = new Map(nodes.map((r) => [r.urn, r]));
    const finish = new Map<string, { minutes: number; via: string | null }>();
    const visiting = new Set<string>();
    const finishOf = (urn: string): number => {
        const known = finish.get(urn);
        if (known) {
            return known.minutes;
        }
        if (visiting.has(urn)) {
            throw new Error(`dependency cycle through ${urn}`);
        }
        visiting.add(urn);
        const r = byUrn.get(urn)!;
        let best: { minutes: number; via: string | null } = { minutes: 0, via: null };
        for (const dep of r.dependsOn.filter((d) => byUrn.has(d)).sort()) {
            const m = finishOf(dep);
            if (m > best.minutes) {
                best = { minutes: m, via: dep };
            }
        }
        visiting.delete(urn);
        const result = { minutes: round(best.minutes + r.estimatedMinutes), via: best.via };
        finish.set(urn, result);
        return result.minutes;
    };
    let end: string | null = null;
    for (const r of nodes) {
        // Evaluated for every node, the first included: a plan with a single custom resource has a path too.
        const minutes = finishOf(r.urn);
        if (end === null || minutes > finishOf(end)) {
            end = r.urn;
        }
    }
    const urns: string[] = [];
    for (let at = end; at !== null; at = finish.get(at)!.via) {
        urns.unshift(at);
    }
    return {
        urns,
        estimatedMinutes: end ? finishOf(end) : 0,
        serialMinutes: round(nodes.reduce((sum, r) => sum + r.estimatedMinutes, 0)),
    };
}

function round(n: number): number {
    return Math.round(n * 100) / 100;
}

export function shortType(type: string): string {
    const [pkg, mod, name] = type.split(":");
    if (pkg === "azure-native") {
        return `${mod}:${name}`;
    }
    if (pkg === "aks-gitops") {
        return name;
    }
    return type;
}
