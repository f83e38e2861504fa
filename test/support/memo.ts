// A memo for what product code computes, shared by test files within one process (a stack planned once for several
// preflight spec files). Under StrykerJS nothing is memoised, as nothing is shared in share-captures.ts: its per-test
// coverage charges a mutant only to the tests that ran its code, so a value computed once for a whole process (in the
// dry run, with no mutant active) charged the product code to the first test that asked, and a mutant there ran
// against that test alone (preflight's stack.ts and template.ts "survived" mutants that other files' tests kill).
// Outside Stryker (`npm test`) the memo lasts the whole process.

/** Whether this process is a StrykerJS test runner (its instrumenter's global namespace). */
function underStryker(): boolean {
    return (globalThis as { __stryker__?: unknown }).__stryker__ !== undefined;
}

/** `compute(key)` once per key; under Stryker, on every call. */
export function memo<V>(compute: (key: string) => V): (key: string) => V {
    const values = new Map<string, V>();
    return (key) => {
        if (underStryker()) {
            return compute(key);
        }
        if (!values.has(key)) {
            values.set(key, compute(key));
        }
        return values.get(key)!;
    };
}
