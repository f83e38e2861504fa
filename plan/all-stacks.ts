// npm run plan -- --all [--json] and npm run plan -- comment --all: every committed stack planned in one process (the
// program, the SDK and the policies load once, so each further stack costs only its own run), in rollout order
// (npm run stacks). A stack that cannot be planned is reported in its place; the others are still planned.
import { readFileSync } from "node:fs";
import { discover } from "../ci/stacks";
import { lazy } from "../cli/lazy";
import { PROJECT_DIR } from "../stacks/paths";
import { UsageError, userPath, writeOutput } from "../cli/usage";
import type { FleetEntry } from "./comment";
import type { Plan } from "./model";

export interface FleetPlanEntry {
    stack: string;
    environment?: string;
    ring?: number;
    role?: string;
    wave?: string;
    plan?: Plan;
    /** Why the stack could not be planned. */
    error?: string;
}

/** `npm run plan -- --all --json`: one document with every stack's plan. */
export interface FleetPlanDocument {
    fleet: FleetPlanEntry[];
}

/** Plans every committed stack of `root`, one after the other (runs must not overlap: the runtime is process-wide). */
export async function planFleet(
    planOne: (stack: string) => Promise<Plan>,
    root = PROJECT_DIR,
): Promise<FleetPlanDocument> {
    const { stacks, invalid } = discover(root);
    const fleet: FleetPlanEntry[] = [];
    for (const s of stacks) {
        const entry: FleetPlanEntry = {
            stack: s.stack,
            environment: s.environment,
            ring: s.ring,
            role: s.role,
            wave: s.wave,
        };
        try {
            entry.plan = await planOne(s.stack);
        } catch (e) {
            entry.error = (e as Error)?.message ?? String(e);
        }
        fleet.push(entry);
    }
    fleet.push(...invalid.map((i) => ({ stack: i.stack, error: i.message })));
    return { fleet };
}

export function readFleetPlan(file: string): FleetPlanDocument {
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(userPath(file), "utf8"));
    } catch (e) {
        throw new UsageError(`cannot read fleet plan ${file}: ${(e as Error).message}`);
    }
    const fleet = (doc as Partial<FleetPlanDocument> | null)?.fleet;
    if (!Array.isArray(fleet) || !fleet.every((e) => typeof e?.stack === "string")) {
        throw new UsageError(`${file} is not a fleet plan document (make one with npm run plan -- --all --json)`);
    }
    return { fleet };
}

/** The comment's entries: each stack of this branch with its plan on the base branch, if the base had one. */
export function fleetEntries(
    head: FleetPlanDocument,
    base: FleetPlanDocument | undefined,
): { entries: FleetEntry[]; removed: string[] } {
    const baseOf = new Map((base?.fleet ?? []).map((e) => [e.stack, e.plan]));
    const here = new Set(head.fleet.map((e) => e.stack));
    return {
        entries: head.fleet.map((e) => ({
            stack: e.stack,
            environment: e.environment,
            ring: e.ring,
            role: e.role,
            head: e.plan,
            base: baseOf.get(e.stack),
            error: e.error,
        })),
        removed: (base?.fleet ?? []).map((e) => e.stack).filter((s) => !here.has(s)),
    };
}

export interface FleetCliOptions {
    comment: boolean;
    json: boolean;
    base?: string;
    jsonOut?: string;
    artifactsUrl?: string;
    maxChars?: string;
}

/** Exit codes: 0 ok, 1 a mandatory policy violation in some stack, 2 some stack could not be planned. */
export async function planFleetCli(
    options: FleetCliOptions,
    planOne: (stack: string) => Promise<Plan>,
    root = PROJECT_DIR,
): Promise<{ code: number; text: string; stderr?: string }> {
    const maxChars = options.maxChars === undefined ? undefined : Number(options.maxChars);
    if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars >= 1000)) {
        throw new UsageError("--max-chars must be a whole number >= 1000");
    }
    const doc = await planFleet(planOne, root);
    const failed = doc.fleet.filter((e) => e.error !== undefined);
    const mandatory = doc.fleet.filter((e) => e.plan?.policy.some((f) => f.enforcementLevel === "mandatory"));
    let text: string;
    if (options.comment) {
        const { renderFleetComment } = lazy.planComment();
        // A --base file that does not exist is an error (readFleetPlan, exit 2), not "every stack is new".
        const base = options.base !== undefined ? readFleetPlan(options.base) : undefined;
        if (options.jsonOut) {
            writeOutput(options.jsonOut, `${JSON.stringify(doc)}\n`);
        }
        const { entries, removed } = fleetEntries(doc, base);
        text = renderFleetComment(entries, { artifactsUrl: options.artifactsUrl, maxChars, removed });
    } else if (options.json) {
        text = `${JSON.stringify(doc, null, 2)}\n`;
    } else {
        const { renderTree } = lazy.planRender();
        text = doc.fleet
            .map((e) => (e.plan ? renderTree(e.plan) : `${e.stack}: cannot be planned\n${e.error}\n`))
            .join("\n");
    }
    const stderr = [
        ...failed.map((e) => `${e.stack}: cannot be planned: ${e.error?.split("\n")[0]}`),
        ...mandatory.map((e) => `${e.stack}: mandatory policy violation(s); see the policy findings`),
    ];
    return {
        code: failed.length > 0 ? 2 : mandatory.length > 0 ? 1 : 0,
        text,
        stderr: stderr.length > 0 ? `${stderr.join("\n")}\n` : undefined,
    };
}
