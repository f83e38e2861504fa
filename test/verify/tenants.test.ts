// How `npm run verify` names, finds and reports a tenant's Flux configuration (verify/tenants.ts), on hand-written ARM
// answers shaped like Azure/azure-rest-api-specs kubernetesconfiguration stable/2023-05-01
// examples/ListFluxConfigurations.json, against literal lines.
import * as assert from "node:assert/strict";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { readTenants, tenantReportLines, tenantTargets } from "../../verify/tenants";

const PAYMENTS = { team: "payments", namespace: "payments", configurationName: "tenant-payments" };

describe("verify: a tenant's Flux configuration (verify/tenants.ts)", () => {
    it("names each tenant namespace's configuration tenant-<namespace>, as components/Tenant.ts registers it", () => {
        assert.deepEqual(
            tenantTargets([
                { team: "payments", namespace: "payments" },
                { team: "payments", namespace: "payments-batch" },
            ]),
            [PAYMENTS, { team: "payments", namespace: "payments-batch", configurationName: "tenant-payments-batch" }],
        );
    });

    it("finds each tenant's configuration by name among the cluster's, and none for a tenant not deployed", () => {
        const configs: FluxConfiguration[] = [
            { name: "flux-system", complianceState: "Compliant" },
            { name: "tenant-payments", complianceState: "Pending", kustomizations: { apps: {} } },
        ];
        const orders = { team: "orders", namespace: "orders", configurationName: "tenant-orders" };
        const [payments, missing] = readTenants([PAYMENTS, orders], configs);
        assert.equal(payments.config, configs[1]);
        assert.equal(
            payments.assessment?.summary,
            "Pending, 0/0 kustomizations ready; waiting for Kustomization/tenant-payments-apps (not reported yet)",
        );
        assert.deepEqual(missing, { tenant: orders });
    });

    it("reports provisioning that failed with ARM's errorMessage, and a configuration with nothing reported yet", () => {
        const [failed] = readTenants(
            [PAYMENTS],
            [
                {
                    name: "tenant-payments",
                    complianceState: "Unknown",
                    provisioningState: "Failed",
                    errorMessage: "namespace payments: admission webhook denied the request",
                    sourceSyncedCommitId: "",
                    statuses: [],
                },
            ],
        );
        assert.deepEqual(tenantReportLines(failed, "FAILED", "aks-prod-westeurope"), [
            "tenant payments, namespace payments: FAILED (tenant-payments Unknown, provisioning Failed (namespace payments: admission webhook denied the request), source not synced yet)",
        ]);
        const [fresh] = readTenants([PAYMENTS], [{ name: "tenant-payments" }]);
        assert.deepEqual(tenantReportLines(fresh, "waiting", "aks-prod-westeurope"), [
            "tenant payments, namespace payments: waiting (tenant-payments Unknown, provisioning unknown, source not synced yet)",
        ]);
    });

    it("reports each object with its kind, namespace/name, complianceState and only the Ready condition's message", () => {
        const [r] = readTenants(
            [PAYMENTS],
            [
                {
                    name: "tenant-payments",
                    complianceState: "Non-Compliant",
                    provisioningState: "Succeeded",
                    sourceSyncedCommitId: "main@sha1:5c1d2e0",
                    statuses: [
                        {
                            kind: "HelmRelease",
                            name: "podinfo",
                            namespace: "payments",
                            complianceState: "Non-Compliant",
                            statusConditions: [
                                { type: "Released", status: "False", message: "not this one" },
                                { type: "Ready", status: "False", message: "install retries exhausted" },
                            ],
                        },
                        { kind: "Kustomization", name: "tenant-payments-apps", complianceState: "Pending" },
                    ],
                },
            ],
        );
        assert.deepEqual(tenantReportLines(r, "failing", "aks-prod-westeurope"), [
            "tenant payments, namespace payments: failing (tenant-payments Non-Compliant, provisioning Succeeded, source main@sha1:5c1d2e0)",
            "  HelmRelease payments/podinfo: Non-Compliant: install retries exhausted",
            "  Kustomization tenant-payments-apps: Pending",
        ]);
    });

    it("says a missing configuration is FAILED only when it counts", () => {
        const [missing] = readTenants([PAYMENTS], []);
        assert.deepEqual(tenantReportLines(missing, "FAILED", "aks-dev-westeurope"), [
            "tenant payments, namespace payments: FAILED: Flux configuration tenant-payments not found on aks-dev-westeurope: was `pulumi up` run for this stack since the tenant was added?",
        ]);
        assert.deepEqual(tenantReportLines(missing, "not found", "aks-dev-westeurope"), [
            "tenant payments, namespace payments: not found: Flux configuration tenant-payments not found on aks-dev-westeurope",
        ]);
    });
});
