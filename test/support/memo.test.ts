// The shared memo of test/support/memo.ts: once per key in a plain run; under StrykerJS on every call, so that its
// per-test coverage charges the product code to every test that reads the value (a value computed once, unmutated,
// was charged to the first test alone, and the mutation score undercounted).
import * as assert from "node:assert/strict";
import { memo } from "./memo";

type Namespace = { __stryker__?: { activeMutant?: string } };

describe("test/support/memo", () => {
    const g = globalThis as Namespace;
    const saved = g.__stryker__;
    afterEach(() => {
        g.__stryker__ = saved;
    });

    it("computes each key once", () => {
        g.__stryker__ = undefined;
        const calls: string[] = [];
        const get = memo((k) => (calls.push(k), `${k}!`));
        assert.deepEqual([get("a"), get("b"), get("a")], ["a!", "b!", "a!"]);
        assert.deepEqual(calls, ["a", "b"]);
    });

    it("computes on every call in a StrykerJS test runner, with a mutant active or not", () => {
        g.__stryker__ = { activeMutant: undefined };
        let n = 0;
        const get = memo(() => ++n);
        assert.equal(get("k"), 1);
        assert.equal(get("k"), 2);
        g.__stryker__.activeMutant = "17";
        assert.equal(get("k"), 3);
    });
});
