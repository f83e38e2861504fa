// npm run verify's polling loop on a fake clock: what it logs, when it gives up and how long it sleeps, against
// answers scripted the way the Azure SDK returns them (a FluxConfiguration, or a RestError with statusCode and code).
// The wire-level behaviour (nock, the SDK's retry policy) is in test/verify/cli.test.ts.
import * as assert from "node:assert/strict";
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import type { TokenCredential } from "@azure/identity";
import { main, parseDuration, Target, waitForReconciliation } from "../../verify/cli";
import * as cli from "../../verify/cli";
import { runCliInProcess } from "../support/stacks";
import { lazy } from "../../cli/lazy";

// Exit codes as the README documents them: "0 reconciled, 1 failed, 2 bad usage, 3 timed out, 4 not signed in".
const EXIT = { reconciled: 0, failed: 1, usage: 2, timedOut: 3, notSignedIn: 4 } as const;

const target: Target = {
    standby: false,
    subscriptionId: "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90",
    resourceGroupName: "rg-aks-prod-westeurope",
    clusterName: "aks-prod-westeurope",
    fluxConfigurationName: "flux-system",
    tenants: [],
};
const LABEL = "aks-prod-westeurope/flux-system";

function kustomization(status: "True" | "False" | "Unknown", reason: string, message?: string): ObjectStatusDefinition {
    return {
        name: "flux-system-cluster",
        kind: "Kustomization",
        statusConditions: [{ type: "Ready", status, reason, message }],
    };
}
const config = (complianceState: string, status: ObjectStatusDefinition): FluxConfiguration => ({
    name: "flux-system",
    complianceState,
    kustomizations: { cluster: { path: "./clusters/prod-westeurope" } },
    statuses: [status],
});
const RECONCILED = config(
    "Compliant",
    kustomization("True", "ReconciliationSucceeded", "Applied revision: main@sha1:0ba6f0d"),
);
const PROGRESSING = config("Pending", kustomization("Unknown", "Progressing", "reconciliation in progress"));
const FAILING = config(
    "Non-Compliant",
    kustomization("False", "BuildFailed", "kustomize build failed: accumulating resources"),
);
const PENDING_LINE = "Pending, 0/1 kustomizations ready; waiting for Kustomization/flux-system-cluster (Progressing)";

/** A RestError as @azure/core-rest-pipeline throws it. */
function restError(
    statusCode: number | undefined,
    code: string | undefined,
    message: string,
    name = "RestError",
): Error {
    return Object.assign(new Error(message), { name, statusCode, code });
}

/** Runs the loop against scripted answers (the last one repeats) on a clock that only sleeping moves. */
async function poll(
    answers: (FluxConfiguration | Error)[],
    options: { timeoutMs?: number; intervalMs?: number; failureGraceMs?: number } = {},
) {
    let now = 1_764_000_000_000;
    let calls = 0;
    const lines: string[] = [];
    const sleeps: number[] = [];
    const code = await waitForReconciliation(
        target,
        {
            timeoutMs: options.timeoutMs ?? 1_800_000,
            intervalMs: options.intervalMs ?? 15_000,
            failureGraceMs: options.failureGraceMs ?? 600_000,
        },
        {
            get: () => {
                const answer = answers[Math.min(calls++, answers.length - 1)];
                return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
            },
            log: (l) => lines.push(l),
            now: () => now,
            sleep: (ms) => {
                sleeps.push(ms);
                now += ms;
                return Promise.resolve();
            },
        },
    );
    return { code, lines, sleeps, calls };
}

describe("npm run verify: the polling loop", () => {
    it("logs a summary when it changes, with the time since the start as mm:ss, then the reconciled kustomizations", async () => {
        const r = await poll([PROGRESSING, PROGRESSING, PROGRESSING, RECONCILED], { intervalMs: 25_000 });
        assert.equal(r.code, EXIT.reconciled);
        assert.deepEqual(r.lines, [
            `[00:00] ${LABEL}: ${PENDING_LINE}`,
            `[01:15] ${LABEL}: Compliant, 1/1 kustomizations ready`,
            "reconciled: Kustomization/flux-system-cluster",
        ]);
        assert.deepEqual(r.sleeps, [25_000, 25_000, 25_000]);
    });

    it("fails a kustomization exactly when it has been failing for the grace period, with Flux's reason and message", async () => {
        const r = await poll([FAILING], { failureGraceMs: 30_000 });
        assert.equal(r.code, EXIT.failed);
        assert.equal(r.calls, 3, "failing at 0 s, 15 s and 30 s: the third answer is the grace period's end");
        assert.deepEqual(r.lines, [
            `[00:00] ${LABEL}: Non-Compliant, 0/1 kustomizations ready; failing: Kustomization/flux-system-cluster (BuildFailed)`,
            "FAILED Kustomization/flux-system-cluster: BuildFailed: kustomize build failed: accumulating resources",
        ]);
        const silent = await poll([config("Non-Compliant", kustomization("False", "BuildFailed"))], {
            failureGraceMs: 0,
        });
        assert.equal(
            silent.lines[1],
            "FAILED Kustomization/flux-system-cluster: BuildFailed: ",
            "no message: nothing after the reason",
        );
    });

    it("starts the grace period again when a failing kustomization recovers in between", async () => {
        const r = await poll([FAILING, PROGRESSING, FAILING], { failureGraceMs: 30_000 });
        assert.equal(r.code, EXIT.failed);
        assert.equal(r.calls, 5, "failing again from 30 s: the grace period ends at 60 s, not 30 s");
    });

    it("times out exactly at the timeout, sleeping only what is left of it, and says what it was waiting for", async () => {
        const r = await poll([PROGRESSING], { timeoutMs: 50_000 });
        assert.equal(r.code, EXIT.timedOut);
        assert.deepEqual(r.sleeps, [15_000, 15_000, 15_000, 5_000]);
        assert.deepEqual(r.lines, [`[00:00] ${LABEL}: ${PENDING_LINE}`, `TIMED OUT after 00:50: ${PENDING_LINE}`]);
        const atTheMark = await poll([PROGRESSING], { timeoutMs: 60_000 });
        assert.equal(atTheMark.calls, 5, "answers at 0, 15, 30, 45 and 60 s; the one at 60 s is the last");
    });

    it("lists what is failing when the timeout comes before the grace period ends", async () => {
        const r = await poll([FAILING], { timeoutMs: 30_000, failureGraceMs: 600_000 });
        assert.equal(r.code, EXIT.timedOut);
        assert.deepEqual(r.lines.slice(1), [
            `TIMED OUT after 00:30: Non-Compliant, 0/1 kustomizations ready; failing: Kustomization/flux-system-cluster (BuildFailed)`,
            "  failing Kustomization/flux-system-cluster: BuildFailed: kustomize build failed: accumulating resources",
        ]);
        const silent = await poll([config("Non-Compliant", kustomization("False", "BuildFailed"))], {
            timeoutMs: 15_000,
        });
        assert.equal(silent.lines.at(-1), "  failing Kustomization/flux-system-cluster: BuildFailed: ");
    });

    it("keeps polling through errors that outlast the SDK's retries, logging each, and reports no answer at the timeout", async () => {
        const r = await poll([
            PROGRESSING,
            restError(500, "InternalServerError", "boom"),
            restError(undefined, undefined, "socket hang up"),
            PROGRESSING,
            RECONCILED,
        ]);
        assert.equal(r.code, EXIT.reconciled);
        assert.deepEqual(r.lines, [
            `[00:00] ${LABEL}: ${PENDING_LINE}`,
            `[00:15] ${LABEL}: HTTP 500 (InternalServerError); retrying`,
            `[00:30] ${LABEL}: request failed (socket hang up); retrying`,
            `[00:45] ${LABEL}: ${PENDING_LINE}`,
            `[01:00] ${LABEL}: Compliant, 1/1 kustomizations ready`,
            "reconciled: Kustomization/flux-system-cluster",
        ]);
        const never = await poll([restError(503, "ServiceUnavailable", "busy")], { timeoutMs: 15_000 });
        assert.equal(never.code, EXIT.timedOut);
        assert.equal(never.lines.at(-1), "TIMED OUT after 00:15: no answer from ARM");
    });

    it("stops at once when the configuration is missing or reading it is not allowed", async () => {
        const missing = await poll([restError(404, "ResourceNotFound", "not found")]);
        assert.equal(missing.code, EXIT.failed);
        assert.deepEqual(missing.lines, [
            `FAILED: Flux configuration ${LABEL} not found in resource group rg-aks-prod-westeurope of subscription 0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90: was \`pulumi up\` run for this stack there?`,
        ]);
        for (const e of [
            restError(401, "InvalidAuthenticationToken", "token expired"),
            restError(403, "AuthorizationFailed", "no read permission"),
            restError(undefined, undefined, "az login first", "CredentialUnavailableError"),
            restError(undefined, undefined, "AADSTS700016", "AuthenticationError"),
        ]) {
            const r = await poll([e]);
            assert.equal(r.code, EXIT.failed, e.name);
            assert.deepEqual(r.lines, [`FAILED: not allowed to read ${LABEL}: ${e.message}`]);
            assert.equal(r.calls, 1);
        }
    });
});

describe("npm run verify: usage", () => {
    // Nothing here should reach ARM; if a regression let a request out, nock refuses it instead of the network.
    let nock: typeof import("nock");
    before(() => {
        nock = lazy.nock();
        if (!nock.isActive()) {
            nock.activate();
        }
        nock.disableNetConnect();
    });
    after(() => {
        nock.enableNetConnect();
        nock.restore();
    });

    it("reads durations in ms, s, m and h, refuses anything else naming the option, and 0 only for the grace period", () => {
        assert.equal(parseDuration("500ms", "--interval"), 500);
        assert.equal(parseDuration("15m", "--timeout"), 900_000);
        assert.equal(parseDuration("0s", "--failure-grace"), 0);
        for (const text of ["ten", " 90s", "x90s", "90s ", "90sx", "1.5h", "-5m", "90"]) {
            assert.throws(() => parseDuration(text, "--timeout"), {
                name: "UsageError",
                message: `--timeout must be a duration such as 90s, 15m or 1h (got "${text}")`,
            });
        }
        assert.throws(() => parseDuration("0s", "--timeout"), {
            message: '--timeout must be longer than 0 (got "0s")',
        });
        assert.throws(() => parseDuration("0m", "--interval"), {
            message: '--interval must be longer than 0 (got "0m")',
        });
    });

    const sub = ["--subscription", "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90"];

    it("names the option a bad value was given for", async () => {
        await assert.rejects(main(sub), { name: "UsageError", message: "--stack is required" });
        await assert.rejects(main(["--stack", "prod", ...sub, "--timeout", "0s"]), {
            message: '--timeout must be longer than 0 (got "0s")',
        });
        await assert.rejects(main(["--stack", "prod", ...sub, "--interval", "soon"]), {
            message: /^--interval must be a duration/,
        });
        await assert.rejects(main(["--stack", "prod", ...sub, "--failure-grace", "soon"]), {
            message: /^--failure-grace must be a duration/,
        });
    });

    it("answers --help on stdout with the options and exit codes, and bad usage on stderr with exit 2", async () => {
        const help = await runCliInProcess(cli.runCli, ["--help"]);
        assert.equal(help.status, EXIT.reconciled);
        assert.match(
            help.stdout,
            /^usage: npm run verify -- --stack <name> \[--subscription <id>\] \[--timeout 30m\] \[--interval 15s\] \[--failure-grace 10m\] \[--platform-only\]\n/,
        );
        // The tenants' part of the exit code, and the option that leaves them out of it (issue 23).
        assert.match(
            help.stdout,
            /\n {2}--platform-only {2}the exit code is the platform configuration's alone; the tenants' configurations are\n {19}still reported, not counted\n/,
        );
        assert.match(
            help.stdout,
            /a tenant configuration failing past --failure-grace, or missing, exits 1 like the platform's\.\n/,
        );
        assert.match(help.stdout, /Exit codes: 0 reconciled, 1 failed, 2 bad usage, 3 timed out, 4 not signed in\.\n$/);
        assert.equal(help.stderr, "");
        const bad = await runCliInProcess(cli.runCli, ["--stack", "prod", ...sub, "--interval", "soon"]);
        assert.equal(bad.status, EXIT.usage);
        assert.match(bad.stderr, /--interval must be a duration such as 90s, 15m or 1h \(got "soon"\)/);
        assert.equal(bad.stdout, "");
    });

    it("exits 4 with the sign-in hint, before asking ARM anything, when no credential yields a token", async () => {
        const lines: string[] = [];
        let asked = 0;
        const credential: TokenCredential = {
            getToken: () => {
                asked++;
                return Promise.reject(
                    Object.assign(new Error("Please run 'az login' to set up account."), {
                        name: "CredentialUnavailableError",
                    }),
                );
            },
        };
        const code = await main(["--stack", "prod", ...sub], { credential, endpoint: "https://fake-arm.test" }, (l) =>
            lines.push(l),
        );
        assert.equal(code, EXIT.notSignedIn);
        assert.equal(asked, 1);
        assert.equal(lines.length, 1);
        assert.match(lines[0], /^not signed in to Azure: run `az login`/);
    });
});
