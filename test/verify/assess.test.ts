// How `npm run verify` reads a Flux configuration (verify/assess.ts), on hand-written ARM responses shaped like
// Azure/azure-rest-api-specs kubernetesconfiguration stable/2023-05-01 examples/GetFluxConfiguration.json, against
// literal assessments. Pending reasons are Flux's own (kustomize-controller, source-controller).
import * as assert from "node:assert/strict";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { assess } from "../../verify/assess";

type Status = NonNullable<FluxConfiguration["statuses"]>[number];
const object = (
    kind: string,
    name: string | undefined,
    ready?: { status: string; reason?: string; message?: string },
    extra: { type: string; status: string }[] = [],
): Status => ({
    kind,
    name,
    namespace: "flux-system",
    statusConditions: ready ? [...extra, { type: "Ready", ...ready }] : undefined,
});
const readyKs = (name: string) =>
    object("Kustomization", name, {
        status: "True",
        reason: "ReconciliationSucceeded",
        message: "Applied revision: main@sha1:abc",
    });
const config = (fields: Partial<FluxConfiguration>): FluxConfiguration => ({
    name: "flux-system",
    provisioningState: "Succeeded",
    kustomizations: { cluster: {}, apps: {} },
    ...fields,
});
const KS_CLUSTER = {
    name: "Kustomization/flux-system-cluster",
    ready: true,
    reason: "ReconciliationSucceeded",
    message: "Applied revision: main@sha1:abc",
};
const KS_APPS = { ...KS_CLUSTER, name: "Kustomization/flux-system-apps" };

describe("verify: reading a Flux configuration (verify/assess.ts)", () => {
    it("is reconciled when Compliant with every expected Kustomization Ready", () => {
        assert.deepEqual(
            assess(
                config({
                    complianceState: "Compliant",
                    statuses: [
                        readyKs("flux-system-cluster"),
                        readyKs("flux-system-apps"),
                        object("GitRepository", "flux-system", { status: "True" }),
                    ],
                }),
            ),
            {
                state: "reconciled",
                summary: "Compliant, 2/2 kustomizations ready",
                kustomizations: [KS_CLUSTER, KS_APPS],
                failing: [],
            },
        );
    });

    it("fails on provisioning failure, with ARM's message or a default", () => {
        assert.deepEqual(
            assess(
                config({
                    provisioningState: "Failed",
                    errorMessage: "extension not installed",
                    statuses: [readyKs("flux-system-cluster")],
                }),
            ),
            {
                state: "failing",
                summary: "provisioning failed: extension not installed",
                kustomizations: [KS_CLUSTER],
                failing: [
                    {
                        name: "FluxConfiguration/flux-system",
                        ready: false,
                        reason: "ProvisioningFailed",
                        message: "extension not installed",
                    },
                ],
            },
        );
        assert.deepEqual(assess(config({ provisioningState: "Failed", errorMessage: "" })).failing, [
            {
                name: "FluxConfiguration/flux-system",
                ready: false,
                reason: "ProvisioningFailed",
                message: "provisioning failed",
            },
        ]);
    });

    it("fails when suspended, by the flag or by the compliance state", () => {
        const suspended = {
            state: "failing",
            summary: "suspended",
            kustomizations: [],
            failing: [
                {
                    name: "FluxConfiguration/flux-system",
                    ready: false,
                    reason: "Suspended",
                    message: "the configuration is suspended",
                },
            ],
        };
        assert.deepEqual(assess(config({ suspend: true, complianceState: "Compliant", statuses: [] })), suspended);
        assert.deepEqual(assess(config({ suspend: false, complianceState: "Suspended" })), suspended);
    });

    it("fails on a broken source of any kind or a broken Kustomization, sources first, naming Flux's reason", () => {
        const statuses = [
            object("Kustomization", "flux-system-apps", {
                status: "False",
                reason: "ReconciliationFailed",
                message: "kustomize build failed",
            }),
            object("GitRepository", "flux-system", {
                status: "False",
                reason: "GitOperationFailed",
                message: "auth failed",
            }),
            object("Bucket", "b", { status: "False", reason: "BucketOperationFailed" }),
            object("AzureBlob", "blob", { status: "False", reason: "AuthenticationFailed" }),
            object("HelmRelease", "ignored", { status: "False", reason: "InstallFailed" }),
            readyKs("flux-system-cluster"),
        ];
        assert.deepEqual(assess(config({ complianceState: "Non-Compliant", statuses })), {
            state: "failing",
            summary:
                "Non-Compliant, 1/2 kustomizations ready; failing: GitRepository/flux-system (GitOperationFailed), Bucket/b (BucketOperationFailed), AzureBlob/blob (AuthenticationFailed), Kustomization/flux-system-apps (ReconciliationFailed)",
            kustomizations: [
                {
                    name: "Kustomization/flux-system-apps",
                    ready: false,
                    reason: "ReconciliationFailed",
                    message: "kustomize build failed",
                },
                KS_CLUSTER,
            ],
            failing: [
                {
                    name: "GitRepository/flux-system",
                    ready: false,
                    reason: "GitOperationFailed",
                    message: "auth failed",
                },
                { name: "Bucket/b", ready: false, reason: "BucketOperationFailed", message: undefined },
                { name: "AzureBlob/blob", ready: false, reason: "AuthenticationFailed", message: undefined },
                {
                    name: "Kustomization/flux-system-apps",
                    ready: false,
                    reason: "ReconciliationFailed",
                    message: "kustomize build failed",
                },
            ],
        });
        assert.equal(
            assess(
                config({
                    statuses: [
                        object("GitRepository", "flux-system", { status: "False", reason: "GitOperationFailed" }),
                    ],
                }),
            ).summary,
            "Unknown, 0/0 kustomizations ready; failing: GitRepository/flux-system (GitOperationFailed)",
        );
    });

    it("waits, not fails, on Flux's not-yet reasons, on a Kustomization without conditions and on one not reported", () => {
        for (const reason of [
            "Progressing",
            "DependencyNotReady",
            "ProgressingWithRetry",
            "ReconciliationInProgress",
            "ArtifactInStorage",
            "",
        ]) {
            const a = assess(
                config({
                    complianceState: "Pending",
                    statuses: [
                        object("GitRepository", "flux-system", { status: "False", reason }),
                        object("Kustomization", "flux-system-cluster", { status: "False", reason }),
                    ],
                }),
            );
            assert.equal(a.state, "progressing", reason);
            assert.deepEqual(a.failing, [], reason);
        }
        assert.deepEqual(
            assess(
                config({
                    statuses: [
                        object("Kustomization", "flux-system-cluster", {
                            status: "False",
                            reason: "DependencyNotReady",
                        }),
                        object("Kustomization", undefined),
                    ],
                }),
            ),
            {
                state: "progressing",
                summary:
                    "Unknown, 0/2 kustomizations ready; waiting for Kustomization/flux-system-cluster (DependencyNotReady), Kustomization/?, Kustomization/flux-system-apps (not reported yet)",
                kustomizations: [
                    {
                        name: "Kustomization/flux-system-cluster",
                        ready: false,
                        reason: "DependencyNotReady",
                        message: undefined,
                    },
                    { name: "Kustomization/?", ready: false, reason: undefined, message: undefined },
                ],
                failing: [],
            },
        );
    });

    it("is not reconciled while Compliant but missing a Kustomization, or with none reported", () => {
        assert.deepEqual(assess(config({ complianceState: "Compliant", statuses: [readyKs("flux-system-cluster")] })), {
            state: "progressing",
            summary:
                "Compliant, 1/1 kustomizations ready; waiting for Kustomization/flux-system-apps (not reported yet)",
            kustomizations: [KS_CLUSTER],
            failing: [],
        });
        assert.deepEqual(assess(config({ complianceState: "Compliant", kustomizations: {}, statuses: [] })), {
            state: "progressing",
            summary: "Compliant, 0/0 kustomizations ready",
            kustomizations: [],
            failing: [],
        });
        assert.equal(
            assess(
                config({
                    complianceState: "Pending",
                    statuses: [readyKs("flux-system-cluster"), readyKs("flux-system-apps")],
                }),
            ).state,
            "progressing",
            "all Ready but not yet Compliant",
        );
        const oneWaiting = [
            readyKs("flux-system-cluster"),
            object("Kustomization", "flux-system-apps", { status: "False", reason: "Progressing" }),
        ];
        assert.equal(
            assess(config({ complianceState: "Compliant", statuses: oneWaiting })).summary,
            "Compliant, 1/2 kustomizations ready; waiting for Kustomization/flux-system-apps (Progressing)",
            "Compliant but one not Ready yet",
        );
    });

    it("reads the Ready condition among others, and skips null entries ARM may return", () => {
        const healthyButNotReady = object(
            "Kustomization",
            "flux-system-cluster",
            { status: "False", reason: "ReconciliationFailed" },
            [{ type: "Healthy", status: "True" }],
        );
        assert.equal(assess(config({ statuses: [healthyButNotReady] })).state, "failing");
        const withNulls = [
            null,
            readyKs("flux-system-cluster"),
            undefined,
            readyKs("flux-system-apps"),
        ] as unknown as Status[];
        assert.equal(
            assess(config({ complianceState: "Compliant", statuses: withNulls })).summary,
            "Compliant, 2/2 kustomizations ready",
        );
        assert.equal(
            assess(config({ complianceState: "Compliant", statuses: undefined, kustomizations: undefined })).summary,
            "Compliant, 0/0 kustomizations ready",
        );
    });
});
