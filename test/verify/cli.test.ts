// npm run verify against HTTP fixtures shaped from the REST API spec's GetFluxConfiguration example, served by nock
// (no live calls): success, a failing kustomization, recovery within the grace period, a timeout, throttling and
// transient server errors, as the real Azure SDK client sees them.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TokenCredential } from "@azure/identity";
import { assess } from "../../verify/assess";
import {
    fluxConfigurationReader,
    main,
    parseDuration,
    Target,
    targetFor,
    waitForReconciliation,
} from "../../verify/cli";
import { failure, UsageError } from "../../cli/usage";
import { lazy } from "../../cli/lazy";

// Exit codes as the README documents them (stated literally, not imported): "0 reconciled, 1 failed, 2 bad usage, 3 timed out".
const EXIT = { reconciled: 0, failed: 1, usage: 2, timedOut: 3 } as const;

const ARM = "https://fake-arm.test";
const SUBSCRIPTION = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
const PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.ContainerService/managedClusters/aks-prod-westeurope/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/flux-system`;
const API = { "api-version": "2023-05-01" };

type Fixture = {
    properties: {
        complianceState: string;
        statuses: {
            name: string;
            kind: string;
            complianceState: string;
            statusConditions: { reason: string; status: string; message: string }[];
        }[];
    };
};
const compliant = (): Fixture =>
    JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "flux-configuration.json"), "utf8")) as Fixture;

/** The compliant fixture with one object's Ready condition changed. */
function withObject(
    name: string,
    status: "True" | "False" | "Unknown",
    reason: string,
    message: string,
    compliance = "Non-Compliant",
): Fixture {
    const f = compliant();
    f.properties.complianceState = compliance;
    const o = f.properties.statuses.find((s) => s.name === name)!;
    o.complianceState = compliance;
    o.statusConditions[0] = { ...o.statusConditions[0], status, reason, message };
    return f;
}

const credential: TokenCredential = {
    getToken: () => Promise.resolve({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const target: Target = {
    standby: false,
    subscriptionId: SUBSCRIPTION,
    resourceGroupName: "rg-aks-prod-westeurope",
    clusterName: "aks-prod-westeurope",
    fluxConfigurationName: "flux-system",
    tenants: [],
};

function verify(options: { timeoutMs?: number; intervalMs?: number; failureGraceMs?: number } = {}) {
    const lines: string[] = [];
    const run = waitForReconciliation(
        target,
        {
            timeoutMs: options.timeoutMs ?? 5000,
            intervalMs: options.intervalMs ?? 20,
            failureGraceMs: options.failureGraceMs ?? 0,
        },
        {
            get: fluxConfigurationReader(target, {
                credential,
                endpoint: ARM,
                retry: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 40 },
            }),
            log: (l) => lines.push(l),
            now: () => Date.now(),
            sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        },
    );
    return run.then((code) => ({ code, log: lines.join("\n") }));
}

// Loaded here, not at import: nock patches Node's networking as soon as it loads, which would get in the way of suites
// that talk to real local servers (the policy pack's gRPC) when mocha loads every file first.
let nock: typeof import("nock");

describe("npm run verify", () => {
    before(() => {
        nock = lazy.nock();
        if (!nock.isActive()) {
            nock.activate();
        }
        nock.disableNetConnect();
    });
    afterEach(() => nock.cleanAll());
    after(() => {
        // Take nock's interceptors out again: other suites talk to real local servers (the policy pack's gRPC).
        nock.enableNetConnect();
        nock.restore();
    });

    it("exits 0 when the configuration is Compliant and every Kustomization is Ready, signing in with a bearer token", async () => {
        const scope = nock(ARM, { reqheaders: { authorization: "Bearer test-token" } })
            .get(PATH)
            .query(API)
            .reply(200, compliant());
        const { code, log } = await verify();
        assert.equal(code, EXIT.reconciled);
        assert.match(log, /Compliant, 3\/3 kustomizations ready/);
        assert.match(
            log,
            /reconciled: Kustomization\/flux-system-cluster, Kustomization\/infrastructure, Kustomization\/apps/,
        );
        assert.ok(scope.isDone());
    });

    it("waits while Flux is still progressing, showing progress, then exits 0", async () => {
        nock(ARM)
            .get(PATH)
            .query(API)
            .reply(
                200,
                withObject(
                    "apps",
                    "False",
                    "DependencyNotReady",
                    "dependency 'flux-system/infrastructure' is not ready",
                    "Pending",
                ),
            )
            .get(PATH)
            .query(API)
            .reply(200, compliant());
        const { code, log } = await verify();
        assert.equal(code, EXIT.reconciled);
        assert.match(log, /Pending, 2\/3 kustomizations ready; waiting for Kustomization\/apps \(DependencyNotReady\)/);
    });

    it("exits 1 naming the failing kustomization and its message once the grace period is over", async () => {
        const message =
            "kustomize build failed: accumulating resources from 'envoy-gateway': no such file or directory";
        nock(ARM)
            .get(PATH)
            .query(API)
            .reply(200, withObject("infrastructure", "False", "BuildFailed", message))
            .persist();
        const { code, log } = await verify({ failureGraceMs: 60 });
        assert.equal(code, EXIT.failed);
        assert.match(
            log,
            new RegExp(`FAILED Kustomization/infrastructure: BuildFailed: ${message.replace(/[()]/g, ".")}`),
        );
    });

    it("does not fail a kustomization that recovers within the grace period (e.g. a new federated credential)", async () => {
        nock(ARM)
            .get(PATH)
            .query(API)
            .reply(
                200,
                withObject(
                    "apps",
                    "False",
                    "DecryptionFailed",
                    "failed to decrypt: AADSTS70021: No matching federated identity record found",
                ),
            )
            .get(PATH)
            .query(API)
            .reply(200, compliant());
        const { code } = await verify({ failureGraceMs: 10_000 });
        assert.equal(code, EXIT.reconciled);
    });

    it("exits 3 when the timeout passes first, with what it was waiting for", async () => {
        nock(ARM)
            .get(PATH)
            .query(API)
            .reply(
                200,
                withObject("flux-system-cluster", "Unknown", "Progressing", "reconciliation in progress", "Pending"),
            )
            .persist();
        const started = Date.now();
        const { code, log } = await verify({ timeoutMs: 300, intervalMs: 50 });
        assert.equal(code, EXIT.timedOut);
        assert.ok(Date.now() - started < 3000, "the timeout bounds the wait");
        // Real time: a loaded machine may take past a second (the exact elapsed times are verify/cli.loop's, on a fake clock).
        assert.match(
            log,
            /TIMED OUT after 00:0[0-2]: Pending, 2\/3 kustomizations ready; waiting for Kustomization\/flux-system-cluster \(Progressing\)/,
        );
    });

    it("honours 429 Retry-After through the SDK's retry policy", async () => {
        const scope = nock(ARM)
            .get(PATH)
            .query(API)
            .reply(429, { error: { code: "TooManyRequests", message: "throttled" } }, { "Retry-After": "0" })
            .get(PATH)
            .query(API)
            .reply(200, compliant());
        const { code, log } = await verify();
        assert.equal(code, EXIT.reconciled);
        assert.ok(scope.isDone(), "the throttled request was retried");
        assert.doesNotMatch(log, /HTTP 429/, "the SDK retried it before verify saw it");
    });

    it("backs off on transient 5xx and keeps polling through throttling the SDK gives up on", async () => {
        const scope = nock(ARM)
            .get(PATH)
            .query(API)
            .reply(500, { error: { code: "InternalServerError", message: "boom" } })
            .get(PATH)
            .query(API)
            .reply(503, { error: { code: "ServiceUnavailable", message: "busy" } })
            .get(PATH)
            .query(API)
            .reply(429, { error: { code: "TooManyRequests", message: "no Retry-After: the SDK does not retry this" } })
            .get(PATH)
            .query(API)
            .reply(200, compliant());
        const { code, log } = await verify();
        assert.equal(code, EXIT.reconciled);
        assert.ok(scope.isDone());
        assert.match(log, /HTTP 429 \(TooManyRequests\); retrying/);
    });

    it("exits 1 when the configuration does not exist", async () => {
        nock(ARM)
            .get(PATH)
            .query(API)
            .reply(404, { error: { code: "ResourceNotFound", message: "not found" } });
        const { code, log } = await verify();
        assert.equal(code, EXIT.failed);
        assert.match(log, /not found in resource group rg-aks-prod-westeurope/);
    });

    it("exits 1 when ARM refuses access", async () => {
        nock(ARM)
            .get(PATH)
            .query(API)
            .reply(403, { error: { code: "AuthorizationFailed", message: "no read permission" } });
        assert.equal((await verify()).code, EXIT.failed);
    });

    it("treats a suspended or failed-to-provision configuration as failing", () => {
        const suspended = { ...compliant(), name: "flux-system" } as unknown as Parameters<typeof assess>[0];
        assert.equal(assess({ ...suspended, suspend: true }).state, "failing");
        assert.equal(
            assess({ ...suspended, provisioningState: "Failed", errorMessage: "extension not installed" }).failing[0]
                .message,
            "extension not installed",
        );
    });

    it("derives the ARM names from each committed stack's config", () => {
        // The fixture project's org runs team payments (namespace payments) in every environment (issue 23).
        assert.deepEqual(targetFor("prod", SUBSCRIPTION), {
            ...target,
            tenants: [{ team: "payments", namespace: "payments", configurationName: "tenant-payments" }],
        });
        const standby = targetFor("prod-northeurope", SUBSCRIPTION);
        assert.equal(standby.clusterName, "aks-prod-northeurope");
        assert.deepEqual(standby.tenants, [], "a stack on standby creates no tenant resources");
    });

    it("asks for ARM's token scope whatever the endpoint, and says what it verifies before polling", async () => {
        const scopes: string[] = [];
        const recording: TokenCredential = {
            getToken: (scope) => {
                scopes.push(...[scope].flat());
                return Promise.resolve({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 });
            },
        };
        nock(ARM, { reqheaders: { authorization: "Bearer test-token" } })
            .get(PATH)
            .query(API)
            .reply(200, compliant())
            // The fixture stack's tenant (its lines are cli.tenants.test.ts's subject): the same token, one list.
            .get(PATH.replace(/\/flux-system$/, ""))
            .query(API)
            .reply(200, readFileSync(join(__dirname, "..", "fixtures", "flux-configurations-list.json"), "utf8"));
        const lines: string[] = [];
        const code = await main(
            ["--stack", "prod", "--subscription", SUBSCRIPTION, "--timeout", "1m", "--interval", "1s"],
            { credential: recording, endpoint: ARM },
            (l) => lines.push(l),
        );
        assert.equal(code, EXIT.reconciled);
        assert.deepEqual(lines, [
            `verifying aks-prod-westeurope/flux-system and its tenants' tenant-payments in rg-aks-prod-westeurope (timeout 1m), subscription ${SUBSCRIPTION} (from --subscription)`,
            "[00:00] aks-prod-westeurope/flux-system: Compliant, 3/3 kustomizations ready",
            "[00:00] aks-prod-westeurope/tenant-payments (tenant payments): Compliant, 1/1 kustomizations ready",
            "reconciled: Kustomization/flux-system-cluster, Kustomization/infrastructure, Kustomization/apps",
            "tenant payments, namespace payments: reconciled (tenant-payments Compliant, provisioning Succeeded, source main@sha1:5c1d2e0f4a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d)",
            "  GitRepository payments/tenant-payments: Compliant: stored artifact for revision 'main@sha1:5c1d2e0f4a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d'",
            "  Kustomization payments/tenant-payments-apps: Compliant: Applied revision: main@sha1:5c1d2e0f4a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d",
        ]);
        assert.ok(scopes.length >= 2, "the sign-in check and the request");
        assert.deepEqual([...new Set(scopes)], ["https://management.azure.com/.default"]);
    });

    it("exits 0 without asking ARM for a stack on standby: it has no cluster to reconcile yet", async () => {
        const lines: string[] = [];
        const code = await main(
            ["--stack", "prod-northeurope", "--subscription", SUBSCRIPTION],
            { credential, endpoint: ARM },
            (l) => lines.push(l),
        );
        assert.equal(code, 0);
        assert.deepEqual(lines, ["prod-northeurope is on standby (no cluster yet): nothing to reconcile"]);
    });

    it("answers bad usage with a UsageError (exit 2)", async () => {
        await assert.rejects(main([]), UsageError);
        await assert.rejects(main(["--stack", "prod", "--subscription", "not-a-guid"]), UsageError);
        await assert.rejects(
            main(["--stack", "prod", "--subscription", SUBSCRIPTION, "--timeout", "ten minutes"]),
            UsageError,
        );
        const unknown = await main(["--stack", "nope", "--subscription", SUBSCRIPTION]).catch((e: unknown) => e);
        assert.ok(unknown instanceof UsageError);
        assert.equal(failure(unknown, "usage", "verify").code, EXIT.usage);
        assert.equal(parseDuration("90s", "--x"), 90_000);
        assert.equal(parseDuration("2h", "--x"), 7_200_000);
    });
});
