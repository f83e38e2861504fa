// The shared captures of test/support/share-captures.ts: one program run per input and environment, what it logged
// logged again on reuse, frozen, and a failure shared as the failure.
import * as assert from "node:assert/strict";
import { runProgram, shareCaptures, type Capture } from "../../offline/program";
import { store } from "./share-captures";
import { baseConfig, stackInput } from "./stacks";

describe("test/support/share-captures", function () {
    this.timeout(60000);
    before(() => shareCaptures(store));
    after(() => shareCaptures(undefined));

    it("runs the program once per input and hands every caller the same frozen capture", async () => {
        const input = stackInput(baseConfig("dev"), undefined, "share-once");
        const first = await runProgram(input);
        const second = await runProgram(stackInput(baseConfig("dev"), undefined, "share-once"));
        assert.equal(second, first);
        assert.ok(Object.isFrozen(first.resources) && Object.isFrozen(first.resources[0]));
        assert.throws(() => (first.resources as unknown[]).push({}), TypeError);
        const other = await runProgram(stackInput(baseConfig("prod"), undefined, "share-once"));
        assert.notEqual(other, first, "another config is another run");
        assert.notEqual(await runProgram(input, { seed: "other" }), first, "so are other capture options");
    });

    it("runs again when the environment differs (the SDK reads switches from it)", async () => {
        const input = stackInput(baseConfig("dev"), undefined, "share-env");
        const plain = await runProgram(input);
        process.env.SHARE_CAPTURES_TEST = "1";
        try {
            assert.notEqual(await runProgram(input), plain);
        } finally {
            delete process.env.SHARE_CAPTURES_TEST;
        }
        assert.equal(await runProgram(input), plain);
    });

    it("logs what the run logged on every reuse, through whatever console the caller has", async () => {
        // The program warns only on paths that need a prepared subscription (SopsKeyVault's admitExistingOnly), so
        // a stand-in run logs here, as the SDK does under mocks (console.warn("warning: [runtime] ...")).
        let runs = 0;
        const run = () => {
            runs++;
            console.warn("warning: [runtime] something to know");
            console.log("info: [runtime] and more");
            return Promise.resolve({} as Capture);
        };
        const lines: string[] = [];
        const [warn, log] = [console.warn, console.log];
        console.warn = (...args: unknown[]) => void lines.push(`warn ${args.join(" ")}`);
        console.log = (...args: unknown[]) => void lines.push(`log ${args.join(" ")}`);
        try {
            const first = await store.get("share-logs", run);
            assert.deepEqual(lines, ["warn warning: [runtime] something to know", "log info: [runtime] and more"]);
            assert.equal(await store.get("share-logs", run), first);
        } finally {
            [console.warn, console.log] = [warn, log];
        }
        assert.equal(runs, 1);
        assert.deepEqual(lines, [
            "warn warning: [runtime] something to know",
            "log info: [runtime] and more",
            "warn warning: [runtime] something to know",
            "log info: [runtime] and more",
        ]);
        assert.equal(console.warn, warn, "the console is as it was");
    });

    it("shares a refused config's failure as the failure", async () => {
        const input = stackInput({ ...baseConfig("dev"), location: "Mars" }, undefined, "share-refused");
        const first = await runProgram(input).then(
            (c: Capture) => c,
            (e: unknown) => e,
        );
        assert.ok(first instanceof Error, "the config is refused");
        await assert.rejects(runProgram(input), (e: unknown) => e === first);
    });
});
