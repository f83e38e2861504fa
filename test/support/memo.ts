// A memo for what product code computes, shared by test files within one process (a stack planned once for several
// preflight spec files). StrykerJS runs many mutants in one test process, each activated at run time: a value computed
// before the running mutant was active would hide it, so under Stryker each mutant's run computes afresh. Outside
// Stryker (`npm test`) the memo lasts the whole process.

/** The mutant StrykerJS has active in this process (its instrumenter's global namespace), or "" for none. */
function activeMutant(): string {
    const stryker = (globalThis as { __stryker__?: { activeMutant?: string | number } }).__stryker__;
    return String(stryker?.activeMutant ?? "");
}

/** `compute(key)` once per key (and, under Stryker, per active mutant). */
export function memo<V>(compute: (key: string) => V): (key: string) => V {
    const values = new Map<string, V>();
    let mutant = activeMutant();
    return (key) => {
        if (activeMutant() !== mutant) {
            values.clear();
            mutant = activeMutant();
        }
        if (!values.has(key)) {
            values.set(key, compute(key));
        }
        return values.get(key)!;
    };
}
