// The shared memo of test/support/memo.ts: once per key in a plain run, afresh for each mutant StrykerJS activates
// (else a value computed unmutated hides the mutant and the mutation score undercounts).
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
        const calls: string[] = [];
        const get = memo((k) => (calls.push(k), `${k}!`));
        assert.deepEqual([get("a"), get("b"), get("a")], ["a!", "b!", "a!"]);
        assert.deepEqual(calls, ["a", "b"]);
    });

    it("computes again when StrykerJS activates another mutant, and keeps one mutant's values", () => {
        g.__stryker__ = { ...saved, activeMutant: undefined };
        let n = 0;
        const get = memo(() => ++n);
        assert.equal(get("k"), 1);
        g.__stryker__.activeMutant = "17";
        assert.equal(get("k"), 2);
        assert.equal(get("k"), 2);
        g.__stryker__.activeMutant = "18";
        assert.equal(get("k"), 3);
    });
});
