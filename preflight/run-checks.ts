// Runs the checks: bounded parallelism, a timeout per check, and one mapping from what went wrong while checking to a
// result line (a check that could not ask Azure fails, saying why, rather than passing silently).
import { setMaxListeners } from "node:events";
import { asServiceError, Clients } from "./azure";
import type { StackFacts } from "./stack";
import type { StackState } from "./state";

export type Status = "ok" | "warn" | "fail";

export interface CheckResult {
    id: string;
    status: Status;
    detail: string;
    /** An exact command that fixes it (when not ok). */
    fix?: string;
    /** The plan resource (Pulumi name) or Azure object it is about. */
    resource?: string;
}

export interface CheckContext {
    facts: StackFacts;
    clients: Clients;
    subscriptionId: string;
    signal: AbortSignal;
    /** Shared, memoized lookups (several checks need the same answers). */
    shared: Shared;
    /** The stack's Pulumi state (--state), when given. */
    state?: StackState;
}

export interface Check {
    id: string;
    /** What the check reads, for the "cannot read X (needs Y)" message on 403. */
    reads: string;
    needs: string;
    /** Its own time limit, when it needs longer than the per-check --timeout (ARM's validation: minutes). */
    timeoutMs?: number;
    /** What to do when it runs out of time (said after "no answer within ..."). */
    timeoutHint?: string;
    run(ctx: CheckContext): Promise<CheckResult[]>;
}

export type GroupAnswer = { name: string; ids: string[] } | { name: string; error: unknown };

export interface Shared {
    groups(name: string): Promise<GroupAnswer>;
    resourceGroupExists(name: string): Promise<boolean>;
}

export function sharedLookups(clients: Clients): Shared {
    const groups = new Map<string, Promise<GroupAnswer>>();
    const rgs = new Map<string, Promise<boolean>>();
    return {
        groups(name) {
            if (!groups.has(name)) {
                groups.set(
                    name,
                    clients.graph.groupsNamed(name).then(
                        // Graph filters already; a group it reports as not security-enabled is not one the program can find.
                        (found) => ({
                            name,
                            ids: found
                                .filter(
                                    (g) =>
                                        (g.displayName === undefined || g.displayName === name) &&
                                        g.securityEnabled !== false,
                                )
                                .map((g) => g.id)
                                .sort(),
                        }),
                        (error: unknown) => ({ name, error }),
                    ),
                );
            }
            return groups.get(name)!;
        },
        resourceGroupExists(name) {
            if (!rgs.has(name)) {
                // HEAD .../resourcegroups/{name}: 204 exists, 404 does not (arm-resources checkExistence).
                rgs.set(
                    name,
                    clients.resources.resourceGroups.checkExistence(name).then((r) => r.body),
                );
            }
            return rgs.get(name)!;
        },
    };
}

export interface RunOptions {
    concurrency: number;
    timeoutMs: number;
    /** Per check id, a time limit that replaces the check's own (--validation-timeout). */
    timeouts?: Record<string, number>;
}

/** Runs every check; results in check order. Never throws for a check's failure. */
export async function runChecks(
    checks: Check[],
    base: Omit<CheckContext, "signal">,
    options: RunOptions,
): Promise<CheckResult[]> {
    const results = new Array<CheckResult[]>(checks.length);
    let next = 0;
    const worker = async () => {
        while (next < checks.length) {
            const i = next++;
            const check = checks[i];
            results[i] = await runOne(
                check,
                base,
                options.timeouts?.[check.id] ?? check.timeoutMs ?? options.timeoutMs,
            );
        }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, checks.length) }, worker));
    return results.flat();
}

async function runOne(check: Check, base: Omit<CheckContext, "signal">, timeoutMs: number): Promise<CheckResult[]> {
    const controller = new AbortController();
    // One signal serves every request of the check, and the Azure SDK listens on it once per request in flight (a
    // quota check pages through usages and SKUs): past Node's default of 10 it would warn of a leak that is not one.
    setMaxListeners(100, controller.signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
        const outcome = await Promise.race([check.run({ ...base, signal: controller.signal }), timedOut]);
        if (outcome === "timeout") {
            controller.abort();
            return [
                {
                    id: check.id,
                    status: "fail",
                    detail: `could not be checked: no answer within ${seconds(timeoutMs)}${check.timeoutHint ? `; ${check.timeoutHint}` : ""}`,
                },
            ];
        }
        return outcome;
    } catch (e) {
        return [errorResult(check, e)];
    } finally {
        clearTimeout(timer);
    }
}

/** How an error from Azure while checking becomes a result. */
export function errorResult(check: Pick<Check, "id" | "reads" | "needs">, e: unknown): CheckResult {
    const err = asServiceError(e);
    if (err.statusCode === 403 || err.statusCode === 401) {
        return {
            id: check.id,
            status: "fail",
            detail: `the signed-in identity cannot read ${check.reads} (needs ${check.needs}): ${err.code ?? `HTTP ${err.statusCode}`}`,
        };
    }
    const what = err.statusCode
        ? `HTTP ${err.statusCode}${err.code ? ` ${err.code}` : ""}: ${firstLine(err.message)}`
        : firstLine(err.message);
    return { id: check.id, status: "fail", detail: `could not be checked: ${what}` };
}

export function firstLine(text: string): string {
    const line = text.split("\n")[0].trim();
    return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function seconds(ms: number): string {
    if (ms >= 60_000 && ms % 60_000 === 0) {
        return `${ms / 60_000}m`;
    }
    return ms >= 1000 ? `${Math.round(ms / 100) / 10}s` : `${ms}ms`;
}
