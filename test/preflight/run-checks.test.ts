// preflight's check runner in process, with fake checks: results in check order whatever finishes first, at most
// `concurrency` checks at once, a time limit per check (--validation-timeout's per-id override, then the check's own,
// then --timeout) that aborts the check's signal, and one mapping from an error while checking to a result line (401/403:
// what the identity cannot read and what it needs; anything else: "could not be checked" with the first line of the
// message). Also the memoized lookups checks share (Entra groups, resource groups). Short real timers (tens of ms), and
// node:test's mock timers where a limit is minutes long.
import * as assert from "node:assert/strict";
import { mock } from "node:test";
import type { Clients, GraphGroup } from "../../preflight/azure";
import {
    Check,
    CheckContext,
    CheckResult,
    errorResult,
    firstLine,
    runChecks,
    sharedLookups,
} from "../../preflight/run-checks";

const base = {} as Omit<CheckContext, "signal">;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<CheckResult[]>(() => {});
const ok = (id: string, detail = "fine"): CheckResult[] => [{ id, status: "ok", detail }];

function check(id: string, run: Check["run"], extra: Partial<Check> = {}): Check {
    return { id, reads: `the ${id} answers`, needs: "Reader on the subscription", run, ...extra };
}

describe("preflight's check runner", () => {
    describe("order and parallelism", () => {
        it("reports in check order whatever finishes first, a check's several results together", async () => {
            const finished: string[] = [];
            const after = (id: string, ms: number, results: CheckResult[]) =>
                check(id, async () => {
                    await sleep(ms);
                    finished.push(id);
                    return results;
                });
            const results = await runChecks(
                [
                    after("slow", 40, ok("slow")),
                    after("fast", 0, [...ok("fast", "one"), { id: "fast", status: "warn", detail: "two" }]),
                    after("middle", 15, ok("middle")),
                ],
                base,
                { concurrency: 3, timeoutMs: 1000 },
            );
            assert.deepEqual(finished, ["fast", "middle", "slow"]);
            assert.deepEqual(
                results.map((r) => `${r.id} ${r.status} ${r.detail}`),
                ["slow ok fine", "fast ok one", "fast warn two", "middle ok fine"],
            );
        });

        it("never runs more than `concurrency` checks at once, and runs each exactly once", async () => {
            let running = 0;
            let most = 0;
            const runs = new Map<string, number>();
            const checks = ["a", "b", "c", "d", "e", "f", "g"].map((id) =>
                check(id, async () => {
                    runs.set(id, (runs.get(id) ?? 0) + 1);
                    most = Math.max(most, ++running);
                    await sleep(5);
                    running--;
                    return ok(id);
                }),
            );
            const results = await runChecks(checks, base, { concurrency: 3, timeoutMs: 1000 });
            assert.equal(most, 3);
            assert.deepEqual([...runs.values()], [1, 1, 1, 1, 1, 1, 1]);
            assert.deepEqual(
                results.map((r) => r.id),
                ["a", "b", "c", "d", "e", "f", "g"],
            );
            most = 0;
            await runChecks(checks.slice(0, 4), base, { concurrency: 1, timeoutMs: 1000 });
            assert.equal(most, 1, "one at a time with concurrency 1");
        });

        it("runs no check and reports nothing for an empty list", async () => {
            assert.deepEqual(await runChecks([], base, { concurrency: 4, timeoutMs: 1000 }), []);
        });

        it("gives every check the shared context and a signal of its own", async () => {
            const seen: CheckContext[] = [];
            const context = { subscriptionId: "sub-1" } as Omit<CheckContext, "signal">;
            const remember = (id: string) =>
                check(id, (ctx) => {
                    seen.push(ctx);
                    return Promise.resolve(ok(id));
                });
            await runChecks([remember("a"), remember("b")], context, { concurrency: 2, timeoutMs: 1000 });
            assert.deepEqual(
                seen.map((c) => c.subscriptionId),
                ["sub-1", "sub-1"],
            );
            assert.ok(seen[0].signal instanceof AbortSignal);
            assert.notEqual(seen[0].signal, seen[1].signal);
            assert.equal(seen[0].signal.aborted, false, "a check that answered in time is not aborted");
        });
    });

    describe("time limits", () => {
        it("fails a check that does not answer in time, aborts its signal, and still reports the others", async () => {
            let signal: AbortSignal | undefined;
            const started = Date.now();
            const results = await runChecks(
                [
                    check("hangs", (ctx) => {
                        signal = ctx.signal;
                        return never();
                    }),
                    check("answers", () => Promise.resolve(ok("answers"))),
                ],
                base,
                { concurrency: 2, timeoutMs: 50 },
            );
            assert.ok(Date.now() - started < 1000, "the runner does not wait for the hung check");
            assert.deepEqual(results, [
                { id: "hangs", status: "fail", detail: "could not be checked: no answer within 50ms" },
                { id: "answers", status: "ok", detail: "fine" },
            ]);
            assert.equal(signal?.aborted, true);
        });

        it("says the check's hint after the time limit", async () => {
            const [result] = await runChecks(
                [
                    check("arm-validation", never, {
                        timeoutHint: "give it longer with --validation-timeout (e.g. 10m)",
                    }),
                ],
                base,
                { concurrency: 1, timeoutMs: 20 },
            );
            assert.equal(
                result.detail,
                "could not be checked: no answer within 20ms; give it longer with --validation-timeout (e.g. 10m)",
            );
        });

        it("takes the per-id override before the check's own limit, and the check's own before the default", async () => {
            // Each check answers after 60 ms: in time under a 300 ms limit, too late under a 20 ms one.
            const answersAfter60 = (id: string, extra: Partial<Check> = {}) =>
                check(
                    id,
                    async () => {
                        await sleep(60);
                        return ok(id);
                    },
                    extra,
                );
            const results = await runChecks(
                [
                    answersAfter60("overridden", { timeoutMs: 300 }),
                    answersAfter60("own-shorter", { timeoutMs: 20 }),
                    answersAfter60("own-longer", { timeoutMs: 300 }),
                    answersAfter60("default"),
                    answersAfter60("override-only", {}),
                ],
                base,
                { concurrency: 5, timeoutMs: 20, timeouts: { overridden: 20, "override-only": 300, unrelated: 1 } },
            );
            assert.deepEqual(
                results.map((r) => `${r.id}: ${r.status} ${r.detail}`),
                [
                    "overridden: fail could not be checked: no answer within 20ms",
                    "own-shorter: fail could not be checked: no answer within 20ms",
                    "own-longer: ok fine",
                    "default: fail could not be checked: no answer within 20ms",
                    "override-only: ok fine",
                ],
            );
        });

        describe("says the limit as it was given (minutes, tenths of seconds, milliseconds)", () => {
            beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
            afterEach(() => mock.timers.reset());

            for (const [ms, said] of [
                [300_000, "5m"],
                [60_000, "1m"],
                [90_000, "90s"],
                [2_400, "2.4s"],
                [1_000, "1s"],
                [1_549, "1.5s"],
                [2_450, "2.5s"],
                [999, "999ms"],
                [900, "900ms"],
            ] as const) {
                it(`${ms} ms: "${said}"`, async () => {
                    const pending = runChecks([check("slow", never)], base, { concurrency: 1, timeoutMs: ms });
                    mock.timers.tick(ms - 1);
                    await Promise.resolve();
                    mock.timers.tick(1);
                    const [result] = await pending;
                    assert.equal(result.detail, `could not be checked: no answer within ${said}`);
                });
            }

            it("does not fail a check one millisecond before its limit", async () => {
                let answer: (r: CheckResult[]) => void = () => {};
                const pending = runChecks(
                    [check("late", () => new Promise<CheckResult[]>((resolve) => (answer = resolve)))],
                    base,
                    { concurrency: 1, timeoutMs: 300_000 },
                );
                mock.timers.tick(299_999);
                answer(ok("late"));
                assert.deepEqual(await pending, ok("late"));
            });
        });
    });

    describe("what a run leaves behind", () => {
        const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

        it("no timer: the CLI exits when the checks are done, not when the longest limit would have run out", async () => {
            await new Promise((resolve) => setImmediate(resolve)); // mocha's own test timer is started by now
            const before = timers();
            await runChecks([check("quick", () => Promise.resolve(ok("quick")))], base, {
                concurrency: 1,
                timeoutMs: 300_000,
            });
            await runChecks([check("throws", () => Promise.reject(new Error("boom")))], base, {
                concurrency: 1,
                timeoutMs: 300_000,
            });
            assert.equal(timers(), before);
        });

        it("no listener-leak warning for a check with many requests in flight on its signal", async () => {
            const warnings: string[] = [];
            const onWarning = (w: Error) => warnings.push(w.name);
            process.on("warning", onWarning);
            try {
                await runChecks(
                    [
                        check("pages", (ctx) => {
                            // The Azure SDK adds an abort listener per request in flight: a quota check pages through
                            // usages and SKUs at once.
                            for (let i = 0; i < 30; i++) {
                                ctx.signal.addEventListener("abort", () => {});
                            }
                            return Promise.resolve(ok("pages"));
                        }),
                    ],
                    base,
                    { concurrency: 1, timeoutMs: 1000 },
                );
                await new Promise((resolve) => setImmediate(resolve));
            } finally {
                process.off("warning", onWarning);
            }
            assert.deepEqual(warnings, []);
        });
    });

    describe("what went wrong while checking", () => {
        const vmSizes = {
            id: "vm-sizes",
            reads: "the VM sizes offered in the region",
            needs: "Reader on the subscription",
        };
        const throwing = (e: unknown) =>
            check(
                vmSizes.id,
                () => {
                    throw e;
                },
                vmSizes,
            );

        it("403 with a code: the identity cannot read what the check reads, needs what it needs, ARM's code", async () => {
            // ARM's answer to a read the caller has no role for: 403, error.code AuthorizationFailed (common-types
            // ErrorResponse; the message as ARM words it).
            const forbidden = Object.assign(
                new Error(
                    "The client 'ci@contoso.com' with object id '00000000-0000-0000-0000-000000000001' does not have authorization to perform action 'Microsoft.Compute/skus/read' over scope '/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90' or the scope is invalid.",
                ),
                { name: "RestError", statusCode: 403, code: "AuthorizationFailed" },
            );
            const [result] = await runChecks([throwing(forbidden)], base, { concurrency: 1, timeoutMs: 1000 });
            assert.deepEqual(result, {
                id: "vm-sizes",
                status: "fail",
                detail: "the signed-in identity cannot read the VM sizes offered in the region (needs Reader on the subscription): AuthorizationFailed",
            });
        });

        it("401, or 403 without a code: the HTTP status in place of the code", () => {
            assert.equal(
                errorResult(vmSizes, { statusCode: 401, message: "token expired" }).detail,
                "the signed-in identity cannot read the VM sizes offered in the region (needs Reader on the subscription): HTTP 401",
            );
            assert.equal(
                errorResult(vmSizes, { status: 403, message: "Forbidden" }).detail,
                "the signed-in identity cannot read the VM sizes offered in the region (needs Reader on the subscription): HTTP 403",
            );
        });

        it("another status: could not be checked, with the status, the code and the message's first line", async () => {
            const serverError = Object.assign(
                new Error("The server had an error while processing the request.\n   at line two\n   at line three"),
                { statusCode: 500, code: "InternalServerError" },
            );
            const [result] = await runChecks([throwing(serverError)], base, { concurrency: 1, timeoutMs: 1000 });
            assert.deepEqual(result, {
                id: "vm-sizes",
                status: "fail",
                detail: "could not be checked: HTTP 500 InternalServerError: The server had an error while processing the request.",
            });
            assert.equal(
                errorResult(vmSizes, { statusCode: 404, message: "gone" }).detail,
                "could not be checked: HTTP 404: gone",
            );
            assert.equal(
                errorResult(vmSizes, { statusCode: 429, code: "TooManyRequests", message: "slow down" }).detail,
                "could not be checked: HTTP 429 TooManyRequests: slow down",
            );
        });

        it("no status (a plain Error, a network failure, a thrown string): could not be checked, the first line", async () => {
            const [plain, network, text] = await runChecks(
                [
                    check("a", () => Promise.reject(new Error("cannot compute\nError: cannot compute\n    at x.ts:1"))),
                    check("b", () => {
                        throw Object.assign(new Error("getaddrinfo ENOTFOUND management.azure.com"), {
                            code: "REQUEST_SEND_ERROR",
                        });
                    }),
                    // A library may reject with a bare string; the runner still reports it.
                    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
                    check("c", () => Promise.reject("something odd")),
                ],
                base,
                { concurrency: 3, timeoutMs: 1000 },
            );
            assert.deepEqual(
                [plain, network, text].map((r) => `${r.id} ${r.status} ${r.detail}`),
                [
                    "a fail could not be checked: cannot compute",
                    "b fail could not be checked: getaddrinfo ENOTFOUND management.azure.com",
                    "c fail could not be checked: something odd",
                ],
            );
        });

        it("a failing check leaves the others' results alone", async () => {
            const results = await runChecks(
                [
                    check("first", () => Promise.resolve(ok("first"))),
                    check("broken", () => Promise.reject(new Error("boom"))),
                    check("last", () => Promise.resolve(ok("last"))),
                ],
                base,
                { concurrency: 1, timeoutMs: 1000 },
            );
            assert.deepEqual(
                results.map((r) => `${r.id} ${r.status}`),
                ["first ok", "broken fail", "last ok"],
            );
        });
    });

    describe("firstLine", () => {
        it("keeps the first line, trimmed", () => {
            assert.equal(firstLine("  the first line  \nthe second"), "the first line");
            assert.equal(firstLine("one line"), "one line");
            assert.equal(firstLine(""), "");
        });

        it("cuts a line longer than 300 characters to 297 and an ellipsis, and leaves 300 whole", () => {
            const exactly300 = "x".repeat(300);
            assert.equal(firstLine(exactly300), exactly300);
            const long = "y".repeat(301);
            assert.equal(firstLine(long), `${"y".repeat(297)}...`);
            assert.equal(firstLine(long).length, 300);
            assert.equal(firstLine(`${"z".repeat(500)}\nshort`), `${"z".repeat(297)}...`);
        });
    });

    describe("shared lookups", () => {
        function fakeClients(answers: Record<string, GraphGroup[] | Error>, rgs: Record<string, boolean> = {}) {
            const calls = { groups: [] as string[], rgs: [] as string[] };
            const clients = {
                graph: {
                    groupsNamed: (name: string) => {
                        calls.groups.push(name);
                        const answer = answers[name];
                        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? []);
                    },
                },
                resources: {
                    resourceGroups: {
                        checkExistence: (name: string) => {
                            calls.rgs.push(name);
                            return Promise.resolve({ body: rgs[name] ?? false });
                        },
                    },
                },
            } as unknown as Clients;
            return { clients, calls };
        }

        it("finds a group's ids once per name, sorted, leaving out groups the program's lookup would not find", async () => {
            const { clients, calls } = fakeClients({
                "aks-admins": [
                    { id: "b-2", displayName: "aks-admins", securityEnabled: true },
                    { id: "a-1", displayName: "aks-admins", securityEnabled: true },
                    { id: "c-3", displayName: "aks-admins", securityEnabled: false },
                    { id: "d-4", displayName: "aks-admins-old", securityEnabled: true },
                    { id: "e-5" },
                ],
            });
            const shared = sharedLookups(clients);
            const [first, second] = await Promise.all([shared.groups("aks-admins"), shared.groups("aks-admins")]);
            assert.deepEqual(first, { name: "aks-admins", ids: ["a-1", "b-2", "e-5"] });
            assert.equal(second, first);
            assert.deepEqual(await shared.groups("nobody"), { name: "nobody", ids: [] });
            assert.deepEqual(calls.groups, ["aks-admins", "nobody"]);
        });

        it("keeps Graph's error as the answer instead of rejecting", async () => {
            const denied = Object.assign(new Error("Insufficient privileges to complete the operation."), {
                statusCode: 403,
            });
            const { clients } = fakeClients({ "aks-admins": denied });
            assert.deepEqual(await sharedLookups(clients).groups("aks-admins"), { name: "aks-admins", error: denied });
        });

        it("asks whether a resource group exists once per name", async () => {
            const { clients, calls } = fakeClients({}, { "rg-sops-prod": true });
            const shared = sharedLookups(clients);
            assert.equal(await shared.resourceGroupExists("rg-sops-prod"), true);
            assert.equal(await shared.resourceGroupExists("rg-sops-prod"), true);
            assert.equal(await shared.resourceGroupExists("rg-missing"), false);
            assert.deepEqual(calls.rgs, ["rg-sops-prod", "rg-missing"]);
        });
    });
});
