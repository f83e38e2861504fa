// npm run verify with tenants (issue 23): each tenant namespace's namespace-scoped Flux configuration `tenant-<ns>`
// is read from the cluster's list of configurations (FluxConfigurations_List, one request a round) through the real
// Azure SDK client against nock fixtures shaped from Azure/azure-rest-api-specs kubernetesconfiguration
// stable/2023-05-01 examples/ListFluxConfigurations.json (test/fixtures/flux-configurations-list.json), on a clock
// that only sleeping moves, so each expected line and exit code is literal.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { TokenCredential } from "@azure/identity";
import { fluxConfigurationReaders, main, Target, waitForReconciliation } from "../../verify/cli";
import { lazy } from "../../cli/lazy";

// Exit codes as the README documents them (stated literally): "0 reconciled, 1 failed, 2 bad usage, 3 timed out".
const EXIT = { reconciled: 0, failed: 1, usage: 2, timedOut: 3 } as const;

const ARM = "https://fake-arm.test";
const SUBSCRIPTION = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
const CLUSTER = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-prod-westeurope/providers/Microsoft.ContainerService/managedClusters/aks-prod-westeurope/providers/Microsoft.KubernetesConfiguration/fluxConfigurations`;
const GET = `${CLUSTER}/flux-system`;
const LIST = CLUSTER;
const API = { "api-version": "2023-05-01" };
const COMMIT = "main@sha1:5c1d2e0f4a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d";

type Json = Record<string, unknown>;
const fixture = (name: string) => readFileSync(join(__dirname, "..", "fixtures", name), "utf8");
const platform = () => JSON.parse(fixture("flux-configuration.json")) as Json;
const listed = () => JSON.parse(fixture("flux-configurations-list.json")) as { value: Json[]; nextLink: null };

interface Ready {
    status: "True" | "False" | "Unknown";
    reason: string;
    message: string;
}
/**
 * Team <ns>'s configuration as the list reports it: the fixture's tenant-payments renamed, with its complianceState
 * and its Kustomization's (and, when given, its GitRepository's) Ready condition.
 */
function tenant(ns: string, compliance = "Compliant", kustomization?: Ready, source?: Ready): Json {
    const t = JSON.parse(JSON.stringify(listed().value[1]).replaceAll("payments", ns)) as {
        properties: {
            complianceState: string;
            sourceSyncedCommitId: string;
            statuses: { complianceState: string; statusConditions: Json[] }[];
        };
    };
    t.properties.complianceState = compliance;
    const [gitRepository, ks] = t.properties.statuses;
    if (source) {
        gitRepository.complianceState = source.status === "True" ? "Compliant" : compliance;
        gitRepository.statusConditions[0] = { ...gitRepository.statusConditions[0], ...source };
        t.properties.sourceSyncedCommitId = "";
    }
    if (kustomization) {
        ks.complianceState = compliance;
        ks.statusConditions[0] = { ...ks.statusConditions[0], ...kustomization };
    }
    return t;
}
/** A list body as ARM answers FluxConfigurations_List: the platform's configuration, then the given tenants'. */
const list = (...tenants: Json[]) => ({ value: [listed().value[0], ...tenants], nextLink: null });

const PROGRESSING: Ready = { status: "Unknown", reason: "Progressing", message: "reconciliation in progress" };
const BUILD_FAILED: Ready = {
    status: "False",
    reason: "BuildFailed",
    message: "kustomize build failed: accumulating resources from 'podinfo': no such file or directory",
};
const UNKNOWN_HOST: Ready = {
    status: "False",
    reason: "GitOperationFailed",
    message:
        "failed to checkout and determine revision: unable to clone: ssh: handshake failed: knownhosts: key is unknown",
};

const credential: TokenCredential = {
    getToken: () => Promise.resolve({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};
const teams = (...names: string[]) => names.map((n) => ({ team: n, namespace: n, configurationName: `tenant-${n}` }));
const targetWith = (tenants: Target["tenants"]): Target => ({
    standby: false,
    subscriptionId: SUBSCRIPTION,
    resourceGroupName: "rg-aks-prod-westeurope",
    clusterName: "aks-prod-westeurope",
    fluxConfigurationName: "flux-system",
    tenants,
});

/** Runs the loop with the real ARM client against nock, on a clock that only sleeping moves (15 s a round). */
async function verify(
    target: Target,
    options: { timeoutMs?: number; failureGraceMs?: number; platformOnly?: boolean } = {},
) {
    let now = 1_764_000_000_000;
    const lines: string[] = [];
    const readers = fluxConfigurationReaders(target, {
        credential,
        endpoint: ARM,
        retry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 10 },
    });
    const code = await waitForReconciliation(
        target,
        {
            timeoutMs: options.timeoutMs ?? 1_800_000,
            intervalMs: 15_000,
            failureGraceMs: options.failureGraceMs ?? 600_000,
            platformOnly: options.platformOnly,
        },
        {
            get: readers.get,
            list: readers.list,
            log: (l) => lines.push(l),
            now: () => now,
            sleep: (ms) => {
                now += ms;
                return Promise.resolve();
            },
        },
    );
    return { code, lines };
}

const PLATFORM_LINES = [
    "[00:00] aks-prod-westeurope/flux-system: Compliant, 3/3 kustomizations ready",
    "reconciled: Kustomization/flux-system-cluster, Kustomization/infrastructure, Kustomization/apps",
];
const paymentsReconciled = (ns = "payments") => [
    `tenant ${ns}, namespace ${ns}: reconciled (tenant-${ns} Compliant, provisioning Succeeded, source ${COMMIT})`,
    `  GitRepository ${ns}/tenant-${ns}: Compliant: stored artifact for revision '${COMMIT}'`,
    `  Kustomization ${ns}/tenant-${ns}-apps: Compliant: Applied revision: ${COMMIT}`,
];

let nock: typeof import("nock");

describe("npm run verify: each tenant's reconciliation", () => {
    before(() => {
        nock = lazy.nock();
        if (!nock.isActive()) {
            nock.activate();
        }
        nock.disableNetConnect();
    });
    afterEach(() => nock.cleanAll());
    after(() => {
        nock.enableNetConnect();
        nock.restore();
    });

    it("exits 0 when the platform and every tenant are reconciled, reading all tenants with one list request", async () => {
        const scope = nock(ARM, { reqheaders: { authorization: "Bearer test-token" } })
            .get(GET)
            .query(API)
            .reply(200, platform())
            .get(LIST)
            .query(API)
            .reply(200, list(tenant("payments"), tenant("billing")));
        const { code, lines } = await verify(targetWith(teams("payments", "billing")));
        assert.equal(code, EXIT.reconciled);
        assert.deepEqual(lines, [
            PLATFORM_LINES[0],
            "[00:00] aks-prod-westeurope/tenant-payments (tenant payments): Compliant, 1/1 kustomizations ready",
            "[00:00] aks-prod-westeurope/tenant-billing (tenant billing): Compliant, 1/1 kustomizations ready",
            PLATFORM_LINES[1],
            ...paymentsReconciled("payments"),
            ...paymentsReconciled("billing"),
        ]);
        assert.ok(scope.isDone(), "one GET of the platform's and one list for both tenants, nothing more");
    });

    it("exits 1 naming a Non-Compliant tenant with Flux's message once its grace period is over", async () => {
        const scope = nock(ARM)
            .get(GET)
            .query(API)
            .times(3)
            .reply(200, platform())
            .get(LIST)
            .query(API)
            .times(3)
            .reply(200, list(tenant("payments"), tenant("billing", "Non-Compliant", BUILD_FAILED)));
        const { code, lines } = await verify(targetWith(teams("payments", "billing")), { failureGraceMs: 30_000 });
        assert.equal(code, EXIT.failed);
        assert.ok(scope.isDone(), "failing at 0 s, 15 s and 30 s: the third round is the grace period's end");
        assert.deepEqual(lines, [
            PLATFORM_LINES[0],
            "[00:00] aks-prod-westeurope/tenant-payments (tenant payments): Compliant, 1/1 kustomizations ready",
            "[00:00] aks-prod-westeurope/tenant-billing (tenant billing): Non-Compliant, 0/1 kustomizations ready; failing: Kustomization/tenant-billing-apps (BuildFailed)",
            PLATFORM_LINES[1],
            ...paymentsReconciled(),
            `tenant billing, namespace billing: FAILED (tenant-billing Non-Compliant, provisioning Succeeded, source ${COMMIT})`,
            `  GitRepository billing/tenant-billing: Compliant: stored artifact for revision '${COMMIT}'`,
            "  Kustomization billing/tenant-billing-apps: Non-Compliant: kustomize build failed: accumulating resources from 'podinfo': no such file or directory",
        ]);
    });

    it("exits 1 at once when a tenant's configuration does not exist: the stack declares it, waiting cannot make it", async () => {
        nock(ARM)
            .get(GET)
            .query(API)
            .reply(200, platform())
            .get(LIST)
            .query(API)
            .reply(200, list(tenant("payments")));
        const { code, lines } = await verify(targetWith(teams("payments", "orders")));
        assert.equal(code, EXIT.failed);
        assert.deepEqual(lines, [
            PLATFORM_LINES[0],
            "[00:00] aks-prod-westeurope/tenant-payments (tenant payments): Compliant, 1/1 kustomizations ready",
            "[00:00] aks-prod-westeurope/tenant-orders (tenant orders): not found",
            PLATFORM_LINES[1],
            ...paymentsReconciled(),
            "tenant orders, namespace orders: FAILED: Flux configuration tenant-orders not found on aks-prod-westeurope: was `pulumi up` run for this stack since the tenant was added?",
        ]);
    });

    it("waits for a Pending tenant and one failing within the grace period, then exits 0 when it reconciles", async () => {
        const scope = nock(ARM)
            .get(GET)
            .query(API)
            .times(3)
            .reply(200, platform())
            .get(LIST)
            .query(API)
            .reply(200, list(tenant("payments", "Pending", PROGRESSING)))
            .get(LIST)
            .query(API)
            .reply(200, list(tenant("payments", "Non-Compliant", PROGRESSING, UNKNOWN_HOST)))
            .get(LIST)
            .query(API)
            .reply(200, list(tenant("payments")));
        const { code, lines } = await verify(targetWith(teams("payments")), { failureGraceMs: 600_000 });
        assert.equal(code, EXIT.reconciled);
        assert.ok(scope.isDone());
        assert.deepEqual(lines, [
            PLATFORM_LINES[0],
            "[00:00] aks-prod-westeurope/tenant-payments (tenant payments): Pending, 0/1 kustomizations ready; waiting for Kustomization/tenant-payments-apps (Progressing)",
            "[00:15] aks-prod-westeurope/tenant-payments (tenant payments): Non-Compliant, 0/1 kustomizations ready; failing: GitRepository/tenant-payments (GitOperationFailed)",
            "[00:30] aks-prod-westeurope/tenant-payments (tenant payments): Compliant, 1/1 kustomizations ready",
            PLATFORM_LINES[1],
            ...paymentsReconciled(),
        ]);
    });

    it("exits 3 at the timeout with a tenant still Pending, naming it and what it reports", async () => {
        nock(ARM)
            .get(GET)
            .query(API)
            .times(3)
            .reply(200, platform())
            .get(LIST)
            .query(API)
            .times(3)
            .reply(200, list(tenant("payments"), tenant("web", "Pending", PROGRESSING, PROGRESSING)));
        const { code, lines } = await verify(targetWith(teams("payments", "web")), { timeoutMs: 30_000 });
        assert.equal(code, EXIT.timedOut);
        assert.deepEqual(lines.slice(3), [
            "TIMED OUT after 00:30: waiting for tenant web, namespace web",
            ...paymentsReconciled(),
            "tenant web, namespace web: waiting (tenant-web Pending, provisioning Succeeded, source not synced yet)",
            "  GitRepository web/tenant-web: Pending: reconciliation in progress",
            "  Kustomization web/tenant-web-apps: Pending: reconciliation in progress",
        ]);
    });

    it("--platform-only: reports a failing and a missing tenant but exits on the platform alone", async () => {
        const answers = () =>
            nock(ARM)
                .get(GET)
                .query(API)
                .reply(200, platform())
                .get(LIST)
                .query(API)
                .reply(200, list(tenant("billing", "Non-Compliant", BUILD_FAILED)));
        const scope = answers();
        const only = await verify(targetWith(teams("billing", "orders")), { platformOnly: true, failureGraceMs: 0 });
        assert.equal(only.code, EXIT.reconciled);
        assert.ok(scope.isDone(), "the tenants are still read, in the same one list request");
        assert.deepEqual(only.lines, [
            PLATFORM_LINES[0],
            "[00:00] aks-prod-westeurope/tenant-billing (tenant billing): Non-Compliant, 0/1 kustomizations ready; failing: Kustomization/tenant-billing-apps (BuildFailed)",
            "[00:00] aks-prod-westeurope/tenant-orders (tenant orders): not found",
            PLATFORM_LINES[1],
            "tenants (--platform-only: reported, not counted):",
            `tenant billing, namespace billing: failing (tenant-billing Non-Compliant, provisioning Succeeded, source ${COMMIT})`,
            `  GitRepository billing/tenant-billing: Compliant: stored artifact for revision '${COMMIT}'`,
            "  Kustomization billing/tenant-billing-apps: Non-Compliant: kustomize build failed: accumulating resources from 'podinfo': no such file or directory",
            "tenant orders, namespace orders: not found: Flux configuration tenant-orders not found on aks-prod-westeurope",
        ]);
        // The same answers without --platform-only: the stack declares both tenants, so they count.
        answers();
        const all = await verify(targetWith(teams("billing", "orders")), { failureGraceMs: 0 });
        assert.equal(all.code, EXIT.failed);
    });

    it("--platform-only still exits 1 on a failing platform, reporting the tenants", async () => {
        const failing = platform() as { properties: { statuses: { name: string; statusConditions: Json[] }[] } };
        const apps = failing.properties.statuses.find((s) => s.name === "apps")!;
        apps.statusConditions[0] = { ...apps.statusConditions[0], ...BUILD_FAILED };
        nock(ARM)
            .get(GET)
            .query(API)
            .reply(200, failing)
            .get(LIST)
            .query(API)
            .reply(200, list(tenant("payments")));
        const { code, lines } = await verify(targetWith(teams("payments")), { platformOnly: true, failureGraceMs: 0 });
        assert.equal(code, EXIT.failed);
        assert.deepEqual(lines.slice(2), [
            "FAILED Kustomization/apps: BuildFailed: kustomize build failed: accumulating resources from 'podinfo': no such file or directory",
            "tenants (--platform-only: reported, not counted):",
            ...paymentsReconciled(),
        ]);
    });

    it("follows the list's nextLink, and keeps polling through a list request that fails after the SDK's retries", async () => {
        const next = `${ARM}${LIST}?api-version=2023-05-01&%24skipToken=page2`;
        const scope = nock(ARM)
            .get(GET)
            .query(API)
            .times(2)
            .reply(200, platform())
            .get(LIST)
            .query(API)
            .times(2)
            .reply(500, { error: { code: "InternalServerError", message: "boom" } })
            .get(LIST)
            .query(API)
            .reply(200, { value: [listed().value[0]], nextLink: next })
            .get(LIST)
            .query({ ...API, $skipToken: "page2" })
            .reply(200, { value: [tenant("payments")], nextLink: null });
        const { code, lines } = await verify(targetWith(teams("payments")));
        assert.equal(code, EXIT.reconciled);
        assert.ok(scope.isDone(), "both pages were read");
        assert.deepEqual(lines.slice(0, 3), [
            PLATFORM_LINES[0],
            "[00:00] aks-prod-westeurope/fluxConfigurations: HTTP 500 (InternalServerError); retrying",
            "[00:15] aks-prod-westeurope/flux-system: Compliant, 3/3 kustomizations ready",
        ]);
        assert.equal(
            lines[3],
            "[00:15] aks-prod-westeurope/tenant-payments (tenant payments): Compliant, 1/1 kustomizations ready",
        );
    });

    it("verifies the tenants the stack runs (the fixture project's team payments) unless --platform-only", async () => {
        const run = async (...flags: string[]) => {
            nock(ARM).get(GET).query(API).reply(200, platform()).get(LIST).query(API).reply(200, list());
            const lines: string[] = [];
            const argv = ["--stack", "prod", "--subscription", SUBSCRIPTION, "--timeout", "1m", ...flags];
            const code = await main(argv, { credential, endpoint: ARM }, (l) => lines.push(l));
            return { code, lines };
        };
        const counted = await run();
        assert.equal(counted.code, EXIT.failed, "pulumi up has not created the tenant's configuration yet");
        assert.deepEqual(counted.lines.slice(-1), [
            "tenant payments, namespace payments: FAILED: Flux configuration tenant-payments not found on aks-prod-westeurope: was `pulumi up` run for this stack since the tenant was added?",
        ]);
        const only = await run("--platform-only");
        assert.equal(only.code, EXIT.reconciled);
        assert.deepEqual(only.lines, [
            `verifying aks-prod-westeurope/flux-system (tenants tenant-payments reported, not counted: --platform-only) in rg-aks-prod-westeurope (timeout 1m), subscription ${SUBSCRIPTION} (from --subscription)`,
            PLATFORM_LINES[0],
            "[00:00] aks-prod-westeurope/tenant-payments (tenant payments): not found",
            PLATFORM_LINES[1],
            "tenants (--platform-only: reported, not counted):",
            "tenant payments, namespace payments: not found: Flux configuration tenant-payments not found on aks-prod-westeurope",
        ]);
    });

    it("stops at once when listing the cluster's configurations is not allowed", async () => {
        nock(ARM)
            .get(GET)
            .query(API)
            .reply(200, platform())
            .get(LIST)
            .query(API)
            .reply(403, { error: { code: "AuthorizationFailed", message: "no list permission" } });
        const { code, lines } = await verify(targetWith(teams("payments")));
        assert.equal(code, EXIT.failed);
        assert.equal(
            lines.at(-1),
            "FAILED: not allowed to read aks-prod-westeurope/fluxConfigurations: no list permission",
        );
    });
});
