// A CheckContext made by hand, for calling one preflight check's run(ctx) in process (test/preflight/checks/): the
// stack's facts, fake clients that answer as ARM and Microsoft Graph do, the run's shared lookups over those clients,
// and one AbortSignal, which a test compares with what the check handed on to each request.
import type { Clients } from "../../preflight/azure";
import { sharedLookups, type CheckContext, type Shared } from "../../preflight/run-checks";
import type { StackFacts } from "../../preflight/stack";
import type { StackState } from "../../preflight/state";
import { SUBSCRIPTION } from "../fixtures/preflight/world";

export { SUBSCRIPTION };

export function checkContext(
    facts: StackFacts,
    clients: Clients,
    more: { state?: StackState; shared?: Shared; signal?: AbortSignal } = {},
): CheckContext {
    return {
        facts,
        clients,
        subscriptionId: SUBSCRIPTION,
        signal: more.signal ?? new AbortController().signal,
        shared: more.shared ?? sharedLookups(clients),
        ...(more.state ? { state: more.state } : {}),
    };
}

/** What the Azure SDK throws for an error response: a RestError carries statusCode, code and message. */
export function armError(statusCode: number, code: string, message: string): Error {
    return Object.assign(new Error(message), { name: "RestError", statusCode, code });
}

/** A paged SDK list (PagedAsyncIterableIterator) holding `items` in one page, or failing with an error as it is read. */
export function paged<T>(items: T[] | Error) {
    const each = (async function* () {
        await Promise.resolve();
        if (items instanceof Error) {
            throw items;
        }
        yield* items;
    })();
    return {
        next: () => each.next(),
        [Symbol.asyncIterator]() {
            return this;
        },
        byPage: () =>
            (async function* () {
                await Promise.resolve();
                if (items instanceof Error) {
                    throw items;
                }
                yield items;
            })(),
    };
}

/** The facts with the resource named `name` changed by `change` (a field of the planned resource, say its inputs). */
export function withResource(
    facts: StackFacts,
    name: string,
    change: (r: StackFacts["resources"][number]) => StackFacts["resources"][number],
): StackFacts {
    if (!facts.resources.some((r) => r.name === name)) {
        throw new Error(`${facts.stack} plans no resource ${name}`);
    }
    return { ...facts, resources: facts.resources.map((r) => (r.name === name ? change(r) : r)) };
}
