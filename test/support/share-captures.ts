// Shared captures for test files that only read them. The suite plans the same fixture stacks in dozens of files (the
// plan, fleet, preflight and policy CLIs in process, the components' tests); a file that calls sharedCaptures() at
// the top of its describe() runs each distinct program input once per test process (mocha worker) and reuses it.
//
// What makes two runs the same: the stack input, the capture options and the environment (the SDK reads some of its
// switches from it, e.g. PULUMI_NODEJS_SKIP_COMPONENT_INPUTS). A run's other effects are not shared, so files whose
// runs depend on more (a simulated subscription, the engine's error hooks, a mocked clock) must not opt in. What the
// program logged (the SDK logs to the console under mocks, log/index.js) is recorded and logged again on every reuse.
// Shared captures are frozen, so a test or product code that changed one in place throws instead of changing what the
// next test sees.
//
// Under StrykerJS nothing is shared: its per-test coverage charges a mutant only to the tests that ran the code, and a
// test reading a capture another test made would never be chosen to run against it.
import { shareCaptures, type Capture, type CaptureStore } from "../../offline/program";

type Method = "log" | "info" | "warn" | "error";
const METHODS: readonly Method[] = ["log", "info", "warn", "error"];

interface Shared {
    capture: Promise<Capture>;
    logged: [Method, unknown[]][];
}

const runs = new Map<string, Shared>();

function freeze(value: unknown): void {
    if (value === null || typeof value !== "object" || Object.isFrozen(value)) {
        return;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (Array.isArray(value) || proto === Object.prototype || proto === null) {
        Object.freeze(value);
        for (const child of Object.values(value)) {
            freeze(child);
        }
    } else if (value instanceof Map) {
        for (const child of value.values()) {
            freeze(child);
        }
    }
}

/** Runs `run`, recording what it logs to the console (as well as logging it). */
async function recorded(run: () => Promise<Capture>, logged: Shared["logged"]): Promise<Capture> {
    // Put back exactly what was there (a test's own stand-in, say), not a bound copy of it.
    const originals = METHODS.map((m) => [m, Object.getOwnPropertyDescriptor(console, m)!] as const);
    for (const m of METHODS) {
        const log = console[m].bind(console);
        console[m] = (...args: unknown[]) => {
            logged.push([m, args]);
            log(...args);
        };
    }
    try {
        const c = await run();
        freeze(c);
        return c;
    } finally {
        for (const [m, original] of originals) {
            Object.defineProperty(console, m, original);
        }
    }
}

export const store: CaptureStore = {
    async get(key, run) {
        const fullKey = JSON.stringify([key, process.env]);
        const shared = runs.get(fullKey);
        if (shared) {
            for (const [m, args] of shared.logged) {
                console[m](...args);
            }
            return shared.capture;
        }
        const logged: Shared["logged"] = [];
        const capture = recorded(run, logged);
        runs.set(fullKey, { capture, logged });
        return capture;
    },
};

/** Call at the top of a describe(): its tests' program runs share captures (not under StrykerJS). */
export function sharedCaptures(): void {
    // @stryker-mutator/core starts each test-runner process with STRYKER_MUTATOR_WORKER set
    // (dist/src/child-proxy/child-process-proxy.js).
    if (process.env.STRYKER_MUTATOR_WORKER) {
        return;
    }
    before(() => shareCaptures(store));
    after(() => shareCaptures(undefined));
}
