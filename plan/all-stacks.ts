// npm run plan -- --all [--json] and npm run plan -- comment --all: every committed stack planned in one process (the
// program, the SDK and the policies load once, so each further stack costs only its own run), in rollout order
// (npm run stacks). A stack that cannot be planned is reported in its place; the others are still planned.
import { readFileSync } from "node:fs";
import { discover } from "../ci/stacks";
import { lazy } from "../cli/lazy";
import { PROJECT_DIR } from "../stacks/paths";
import { UsageError, userPath, writeOutput } from "../cli/usage";
import type { StackEntry } from "./comment";
import type { Plan } from "./model";

export interface StackPlanEntry {
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
export interface AllStacksPlan {
    stacks: StackPlanEntry[];
}

/** Plans every committed stack of `root`, one after the other (runs must not overlap: the runtime is process-wide). */
export async function planAllStacks(
    planOne: (stack: string) => Promise<Plan>,
    root = PROJECT_DIR,
): Promise<AllStacksPlan> {
    const { stacks, invalid } = discover(root);
    const all: StackPlanEntry[] = [];
    for (const s of stacks) {
        const entry: StackPlanEntry = {
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
        all.push(entry);
    }
    all.push(...invalid.map((i) => ({ stack: i.stack, error: i.message })));
    return { stacks: all };
}

export function readAllStacksPlan(file: string): AllStacksPlan {
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(userPath(file), "utf8"));
    } catch (e) {
        throw new UsageError(`cannot read the plan of all stacks ${file}: ${(e as Error).message}`);
    }
    // Documents written before the key was renamed call it "fleet"; a pull request's base branch may still write those.
    const read = doc as { stacks?: unknown; fleet?: unknown } | null;
    const stacks = (read?.stacks ?? read?.fleet) as StackPlanEntry[] | undefined;
    if (!Array.isArray(stacks) || !stacks.every((e) => typeof e?.stack === "string")) {
        throw new UsageError(`${file} is not a plan of all stacks (make one with npm run plan -- --all --json)`);
    }
    return { stacks };
}

/** The comment's entries: each stack of this branch with its plan on the base branch, if the base had one. */
export function commentEntries(
    head: AllStacksPlan,
    base: AllStacksPlan | undefined,
): { entries: StackEntry[]; removed: string[] } {
    const baseOf = new Map((base?.stacks ?? []).map((e) => [e.stack, e.plan]));
    const here = new Set(head.stacks.map((e) => e.stack));
    return {
        entries: head.stacks.map((e) => ({
            stack: e.stack,
            environment: e.environment,
            ring: e.ring,
            role: e.role,
            head: e.plan,
            base: baseOf.get(e.stack),
            error: e.error,
        })),
        removed: (base?.stacks ?? []).map((e) => e.stack).filter((s) => !here.has(s)),
    };
}

export interface AllStacksCliOptions {
    comment: boolean;
    json: boolean;
    base?: string;
    jsonOut?: string;
    artifactsUrl?: string;
    maxChars?: string;
}

/** Exit codes: 0 ok, 1 a mandatory policy violation in some stack, 2 some stack could not be planned. */
export async function planAllStacksCli(
    options: AllStacksCliOptions,
    planOne: (stack: string) => Promise<Plan>,
    root = PROJECT_DIR,
): Promise<{ code: number; text: string; stderr?: string }> {
    const maxChars = options.maxChars === undefined ? undefined : Number(options.maxChars);
    if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars >= 1000)) {
        throw new UsageError("--max-chars must be a whole number >= 1000");
    }
    const doc = await planAllStacks(planOne, root);
    const failed = doc.stacks.filter((e) => e.error !== undefined);
    const mandatory = doc.stacks.filter((e) => e.plan?.policy.some((f) => f.enforcementLevel === "mandatory"));
    let text: string;
    if (options.comment) {
        const { renderAllStacksComment } = lazy.planComment();
        // A --base file that does not exist is an error (readAllStacksPlan, exit 2), not "every stack is new".
        const base = options.base !== undefined ? readAllStacksPlan(options.base) : undefined;
        if (options.jsonOut) {
            writeOutput(options.jsonOut, `${JSON.stringify(doc)}\n`);
        }
        const { entries, removed } = commentEntries(doc, base);
        text = renderAllStacksComment(entries, { artifactsUrl: options.artifactsUrl, maxChars, removed });
    } else if (options.json) {
        text = `${JSON.stringify(doc, null, 2)}\n`;
    } else {
        const { renderTree } = lazy.planRender();
        text = doc.stacks
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
