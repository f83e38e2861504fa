// ARM's own preflight (preflight/checks/deployment.ts, check arm-validation) in process: run(ctx) with a hand-made
// CheckContext whose plan is a small part of the dev fixture stack's, so every detail is stated literally. The
// deployments client is the real one (@azure/arm-resourcesdeployments): the check relies on its long-running-operation
// poller (202 + Location, and what it does with a 400), so faking the client would test the fake. ARM behind it is nock,
// answering as the REST spec says; the Entra group lookups (`shared`) are a fake.
//
// What ARM answers, from azure-rest-api-specs specification/resources/resource-manager/Microsoft.Resources/deployments/
// examples/2025-04-01/PostDeploymentValidateOnSubscription.json (Deployments_ValidateAtSubscriptionScope):
//  - 200 DeploymentValidateResult, properties.diagnostics[] {level, code, message, target?}; level is Warning, Info or
//    Error (same folder's stable/2025-04-01/deployments.json, DeploymentDiagnosticsDefinition.level -> Level);
//  - 202 with a Location header and no body;
//  - 400 {error: {code: InvalidTemplateDeployment, details: [{code: PreflightValidationCheckFailed, details: [{code,
//    message, target}]}]}}: the per-resource problems two levels down.
// A 202's Location, once the operation is done, returns "the exact same response that would have been returned had the
// operation been executed synchronously" (Azure/azure-resource-manager-rpc v1.0/async-api-reference.md, "202 Accepted
// and Location Headers", step 5): a validation that fails after a 202 is a 400 with that same body, from the Location.
// The deployment name is 1 to 64 characters (deployments.json, parameter deploymentName: maxLength 64).
import * as assert from "node:assert/strict";
import { lazy } from "../../../cli/lazy";
import { Clients, createClients } from "../../../preflight/azure";
import {
    armValidation,
    deploymentName,
    validateAtSubscription,
    VALIDATION_TIMEOUT_MS,
} from "../../../preflight/checks/deployment";
import type { CheckContext, GroupAnswer, Shared } from "../../../preflight/run-checks";
import type { StackFacts } from "../../../preflight/stack";
import { ARM, credential, FAST_RETRY, stackFacts, SUBSCRIPTION } from "../../fixtures/preflight/world";
import { sharedCaptures } from "../../support/share-captures";

type Body = Record<string, unknown>;

const VALIDATE = `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Resources/deployments/preflight-dev/validate`;
const OPERATION = `/subscriptions/${SUBSCRIPTION}/operationResults/op-1`;
const accepted = { location: `${ARM}${OPERATION}?api-version=2025-04-01`, "retry-after": "0" };

/** The spec example's 200, as ARM answers a template it accepts (diagnostics as given). */
const validated = (diagnostics: Body[] = []): Body => ({
    id: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Resources/deployments/preflight-dev`,
    name: "preflight-dev",
    type: "Microsoft.Resources/deployments",
    properties: {
        correlationId: "00000000-0000-0000-0000-000000000000",
        diagnostics,
        duration: "PT22.8356799S",
        mode: "Incremental",
        provisioningState: "Succeeded",
        validatedResources: [{ id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-dev-westeurope` }],
    },
});

/** The spec example's 400: InvalidTemplateDeployment > PreflightValidationCheckFailed > what each resource provider said. */
const invalid = (leaves: Body[]): Body => ({
    error: {
        code: "InvalidTemplateDeployment",
        message:
            "The template deployment 'preflight-dev' is not valid according to the validation procedure. The tracking id is 'dccf336d-c3ee-4057-a902-9efc0e023cd0'. See inner errors for details.",
        details: [
            {
                code: "PreflightValidationCheckFailed",
                message: "Preflight validation failed. Please refer to the details for the specific errors.",
                details: leaves,
            },
        ],
    },
});

// The spec example's own leaf: its target names no resource of the plan.
const ACCOUNT_NAME_INVALID = {
    code: "AccountNameInvalid",
    message:
        "a is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.",
    target: "a",
};

/** Entra group lookups as the groups check's Graph answers leave them: ids per name, or the error Graph gave. */
function groups(answers: Record<string, string[] | Error> = {}): Shared {
    return {
        groups: (name): Promise<GroupAnswer> => {
            const a = answers[name] ?? ["0a1b2c3d-0000-4000-8000-000000000001"];
            return Promise.resolve(a instanceof Error ? { name, error: a } : { name, ids: a });
        },
        resourceGroupExists: () => Promise.reject(new Error("arm-validation asks about no resource group")),
    };
}

describe("arm-validation: ARM's own validation of the plan (preflight/checks/deployment.ts)", function () {
    sharedCaptures();
    let nock: typeof import("nock");
    let dev: StackFacts;
    let clients: Clients;
    /** dev's plan narrowed to the named resources (their Pulumi names without "dev-westeurope-"). */
    let plan: (...names: string[]) => StackFacts;

    const ctx = (
        facts: StackFacts,
        shared: Shared = groups(),
        signal = new AbortController().signal,
    ): CheckContext => ({
        facts,
        clients,
        subscriptionId: SUBSCRIPTION,
        signal,
        shared,
    });

    before(async () => {
        dev = await stackFacts("dev");
        plan = (...names) => ({
            ...dev,
            resources: dev.resources.filter((r) => names.some((n) => r.name === `dev-westeurope-${n}`)),
        });
        nock = lazy.nock();
        if (!nock.isActive()) {
            nock.activate();
        }
        nock.disableNetConnect();
        clients = createClients(SUBSCRIPTION, { credential, endpoint: ARM, retry: FAST_RETRY });
        // The SDK's module loads on the client's first use: here, not in the first test's time.
        assert.ok(clients.deployments.pipeline);
    });
    afterEach(() => {
        const pending = nock.pendingMocks();
        nock.cleanAll();
        assert.deepEqual(pending, [], "every answer the test set up was asked for");
    });
    after(() => {
        nock.enableNetConnect();
        nock.restore();
    });

    describe("deploymentName", () => {
        it("is preflight-<stack>, cut to the 64 characters ARM allows a deployment name", () => {
            assert.equal(deploymentName("prod-northeurope"), "preflight-prod-northeurope");
            const long = deploymentName("x".repeat(60));
            assert.equal(long, `preflight-${"x".repeat(54)}`);
            assert.equal(long.length, 64);
        });
    });

    describe("validateAtSubscription: the SDK's long-running operation, as ARM answers it", () => {
        const validate = (signal = new AbortController().signal) =>
            validateAtSubscription(clients, "preflight-dev", "westeurope", { resources: [] }, signal);

        it("POSTs the template as an Incremental deployment in the stack's location, and returns ARM's 200", async () => {
            let posted: unknown;
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`, (body: unknown) => {
                    posted = body;
                    return true;
                })
                .reply(200, validated());
            const r = await validate();
            assert.deepEqual(posted, {
                location: "westeurope",
                properties: { mode: "Incremental", template: { resources: [] } },
            });
            assert.equal(r.status, 200);
            assert.equal((r.body as { name?: string }).name, "preflight-dev");
        });

        it("returns ARM's 400 with its whole body, which the poller alone would reduce to 'the operation has failed'", async () => {
            const body = invalid([ACCOUNT_NAME_INVALID]);
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(400, body);
            assert.deepEqual(await validate(), { status: 400, headers: {}, body });
        });

        it("a 400 whose body is not JSON is still ARM's answer, as text", async () => {
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(400, "Bad Request", {
                "content-type": "text/plain",
            });
            assert.deepEqual(await validate(), { status: 400, headers: {}, body: "Bad Request" });
        });

        it("follows 202 + Location until ARM has the answer", async () => {
            // (One poll: the poller waits its own interval, 1 s, between polls; test/preflight/cli.test.ts polls twice.)
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(202, "", accepted)
                .get(`${OPERATION}?api-version=2025-04-01`)
                .reply(200, validated());
            const r = await validate();
            assert.equal(r.status, 200);
            assert.equal((r.body as { properties?: { duration?: string } }).properties?.duration, "PT22.8356799S");
        });

        it("returns the 400 the Location answers once a validation that took long has failed", async () => {
            const body = invalid([ACCOUNT_NAME_INVALID]);
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(202, "", accepted)
                .get(`${OPERATION}?api-version=2025-04-01`)
                .reply(400, body);
            assert.deepEqual(await validate(), { status: 400, headers: {}, body });
        });

        it("a validation result carrying an error is a failed validation, whatever the status", async () => {
            const body = invalid([ACCOUNT_NAME_INVALID]);
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(200, body);
            const r = await validate();
            assert.equal(r.status, 400);
            // The SDK's model of it (fields it knows, undefined where ARM sent none).
            assert.deepEqual(JSON.parse(JSON.stringify((r.body as { error?: unknown }).error)), body.error);
        });

        it("lets an answer that is no validation result (403) through as the SDK's error", async () => {
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(403, {
                    error: {
                        code: "AuthorizationFailed",
                        message: `The client 'ci' does not have authorization to perform action 'Microsoft.Resources/deployments/validate/action' over scope '/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Resources/deployments/preflight-dev'.`,
                    },
                });
            await assert.rejects(validate(), { statusCode: 403, code: "AuthorizationFailed" });
        });

        it("stops polling when the run gives up (its signal aborts)", async () => {
            const controller = new AbortController();
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(202, "", accepted)
                .get(`${OPERATION}?api-version=2025-04-01`)
                .reply(() => {
                    controller.abort();
                    return [202, "", accepted];
                });
            await assert.rejects(validate(controller.signal), { name: "AbortError" });
        });
    });

    describe("run(ctx)", () => {
        it("asks for five minutes of its own (ARM's validation takes tens of seconds), and says how to give it longer", () => {
            assert.equal(VALIDATION_TIMEOUT_MS, 300_000);
            assert.equal(armValidation.timeoutMs, 300_000);
            assert.equal(
                armValidation.timeoutHint,
                "ARM may still be validating: give it longer with --validation-timeout (e.g. 10m)",
            );
        });

        it("is ok when ARM accepts a plan it could validate fully, in the stack's location under preflight-<stack>", async () => {
            let posted: { location?: string } = {};
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`, (body: { location?: string }) => {
                    posted = body;
                    return true;
                })
                .reply(200, validated());
            assert.deepEqual(await armValidation.run(ctx(plan("rg", "logs"))), [
                {
                    id: "arm-validation",
                    status: "ok",
                    detail: "ARM accepted 2 resources in 1 resource-group deployments: all 2 validated fully",
                },
            ]);
            assert.equal(posted.location, "westeurope");
        });

        it("says which resources ARM could validate only partly, and what it left out or could not send", async () => {
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(200, validated());
            const facts = plan(
                "rg",
                "aks-cluster",
                "aks-control-plane",
                "aks-egress",
                "logs",
                "flux-identity-identity",
                "flux-extension",
                // Its vault is not in this plan: the configuration cannot be expressed, so it is not sent.
                "flux-configuration",
            );
            assert.deepEqual(await armValidation.run(ctx(facts)), [
                {
                    id: "arm-validation",
                    // A resource not sent was not validated: not a plain ok.
                    status: "warn",
                    detail: "ARM accepted 7 resources in 1 resource-group deployments: 6 validated fully, 1 only partly, using values of resources not created yet that ARM cannot know before `pulumi up`: dev-westeurope-flux-extension (dev-westeurope-flux-identity-identity.clientId); not validated: dev-westeurope-flux-configuration (${dev-westeurope-sops-vault.properties.vaultUri} cannot be expressed in a template); left out: dev-westeurope-flux-configuration: configurationProtectedSettings left out (secret)",
                },
            ]);
        });

        it("is ok when all it left out is a secret (the fleet's deploy key), which it says", async () => {
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(200, validated());
            const facts = plan(
                "rg",
                "aks-cluster",
                "aks-control-plane",
                "aks-egress",
                "logs",
                "flux-identity-identity",
                "flux-extension",
                "flux-configuration",
                "sops-rg",
                "sops-vault",
            );
            assert.deepEqual(await armValidation.run(ctx(facts)), [
                {
                    id: "arm-validation",
                    status: "ok",
                    detail: "ARM accepted 10 resources in 2 resource-group deployments: 8 validated fully, 2 only partly, using values of resources not created yet that ARM cannot know before `pulumi up`: dev-westeurope-flux-extension (dev-westeurope-flux-identity-identity.clientId); dev-westeurope-flux-configuration (dev-westeurope-flux-identity-identity.clientId, dev-westeurope-sops-vault.properties.vaultUri); left out: dev-westeurope-flux-configuration: configurationProtectedSettings left out (secret)",
                },
            ]);
        });

        it("warns when an input of the plan is not in the spec table, so ARM never saw it", async () => {
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(200, validated());
            const facts = plan("rg", "logs");
            const logs = structuredClone(facts.resources.find((r) => r.name === "dev-westeurope-logs")!);
            logs.inputs.bogusSetting = true;
            const changed = { ...facts, resources: facts.resources.map((r) => (r.name === logs.name ? logs : r)) };
            assert.deepEqual(await armValidation.run(ctx(changed)), [
                {
                    id: "arm-validation",
                    status: "warn",
                    detail: "ARM accepted 2 resources in 1 resource-group deployments: all 2 validated fully; left out: dev-westeurope-logs: bogusSetting left out (not in preflight/specs.ts for Microsoft.OperationalInsights/workspaces 2023-09-01)",
                },
            ]);
        });

        it("says the plan is the run's own when it was planned without a prefix that does not exist", async () => {
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(200, validated());
            const facts = {
                ...plan("rg", "logs"),
                plannedAbsent: [
                    `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-prod-northeurope/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-prod-northeurope`,
                ],
            };
            assert.deepEqual(await armValidation.run(ctx(facts)), [
                {
                    id: "arm-validation",
                    status: "ok",
                    detail: "ARM accepted 2 resources in 1 resource-group deployments: all 2 validated fully; planned as this run deploys it, without pip-egress-aks-prod-northeurope (does not exist; admitExistingOnly leaves it out)",
                },
            ]);
        });

        describe("Entra groups named in the plan", () => {
            const facts = () =>
                plan(
                    "rg",
                    "aks-cluster",
                    "aks-control-plane",
                    "aks-egress",
                    "logs",
                    "tenant-payments-ns-payments",
                    "tenant-payments-payments-group0-rbac-reader",
                );

            it("get the object id Graph found for exactly one group", async () => {
                let template = "";
                nock(ARM)
                    .post(`${VALIDATE}?api-version=2025-04-01`, (body: { properties?: { template?: unknown } }) => {
                        template = JSON.stringify(body.properties?.template);
                        return true;
                    })
                    .reply(200, validated());
                const shared = groups({ "payments-developers": ["9d4a0bc2-5f6e-4071-9c23-4e5f60718293"] });
                assert.deepEqual(await armValidation.run(ctx(facts(), shared)), [
                    {
                        id: "arm-validation",
                        status: "ok",
                        detail: "ARM accepted 7 resources in 1 resource-group deployments: all 7 validated fully",
                    },
                ]);
                assert.ok(template.includes('"principalId":"9d4a0bc2-5f6e-4071-9c23-4e5f60718293"'), template);
            });

            for (const [what, answer] of [
                [
                    "two groups of that name",
                    ["9d4a0bc2-5f6e-4071-9c23-4e5f60718293", "11111111-1111-4111-a111-111111111111"],
                ],
                ["none", []],
                ["Graph's error", Object.assign(new Error("Insufficient privileges"), { statusCode: 403 })],
            ] as const) {
                it(`leave the resource that needs it out, and say so, when Graph answers ${what}`, async () => {
                    nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(200, validated());
                    const shared = groups({ "payments-developers": answer instanceof Error ? answer : [...answer] });
                    assert.deepEqual(await armValidation.run(ctx(facts(), shared)), [
                        {
                            id: "arm-validation",
                            status: "warn",
                            detail: 'ARM accepted 6 resources in 1 resource-group deployments: all 6 validated fully; not validated: dev-westeurope-tenant-payments-payments-group0-rbac-reader (the object id of Entra group "payments-developers" is not known)',
                        },
                    ]);
                });
            }
        });

        it("warns with each of ARM's Warning and Error diagnostics, on the resource it names; Info is not a warning", async () => {
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(
                    200,
                    validated([
                        // The spec example's diagnostics: no target.
                        {
                            code: "NestedDeploymentShortCircuited",
                            level: "Warning",
                            message:
                                "A nested deployment got short-circuited and all its resources got skipped from validation. This is due to a nested template having a parameter that was not fully evaluated (e.g. contains a reference() function).",
                        },
                        {
                            code: "NestedDeploymentExpansionLimitReached",
                            level: "Info",
                            message:
                                "Nested deployments are expanded up to: '50' in total. Nested deployments exceeding this count are skipped from expansion.",
                        },
                        {
                            code: "WorkspaceSkuDeprecated",
                            level: "Error",
                            message: "The pricing tier is retired.\nSee the Log Analytics pricing page.",
                            // ARM ids compare case-insensitively.
                            target: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-dev-westeurope/providers/Microsoft.OperationalInsights/workspaces/LOG-DEV-WESTEUROPE`,
                        },
                        {
                            code: "NestedDeploymentShortCircuited",
                            level: "Warning",
                            message: "A nested deployment got short-circuited.",
                            target: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-dev-westeurope/providers/Microsoft.Resources/deployments/preflight-dev-rg-aks-dev-westeurope-1`,
                        },
                    ]),
                );
            assert.deepEqual(await armValidation.run(ctx(plan("rg", "logs"))), [
                {
                    id: "arm-validation",
                    status: "ok",
                    detail: "ARM accepted 2 resources in 1 resource-group deployments: all 2 validated fully",
                },
                {
                    id: "arm-validation",
                    status: "warn",
                    detail: "ARM validated 2 resources with a warning: NestedDeploymentShortCircuited: A nested deployment got short-circuited and all its resources got skipped from validation. This is due to a nested template having a parameter that was not fully evaluated (e.g. contains a reference() function).",
                    resource: undefined,
                },
                {
                    id: "arm-validation",
                    status: "warn",
                    detail: "ARM validated 2 resources with a warning: WorkspaceSkuDeprecated: The pricing tier is retired.",
                    resource: "dev-westeurope-logs",
                },
                {
                    id: "arm-validation",
                    status: "warn",
                    detail: "ARM validated 2 resources with a warning: NestedDeploymentShortCircuited: A nested deployment got short-circuited.",
                    resource: "preflight-dev-rg-aks-dev-westeurope-1",
                },
            ]);
        });

        it("fails once per problem ARM found, however deep ARM nests it, on the plan resource its target names", async () => {
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(
                    400,
                    invalid([
                        // By ARM name, by full id (in another case), by nested deployment id, by Pulumi name.
                        {
                            code: "InvalidParameter",
                            message: "The retention of 7 days is below the minimum of 30.\nSee aka.ms/retention.",
                            target: "log-dev-westeurope",
                        },
                        {
                            code: "ResourceGroupBeingDeleted",
                            message: "The resource group 'rg-aks-dev-westeurope' is in deprovisioning state.",
                            target: `/subscriptions/${SUBSCRIPTION}/resourceGroups/RG-AKS-DEV-WESTEUROPE`,
                        },
                        {
                            code: "DeploymentQuotaExceeded",
                            message: "Creating the deployment would exceed the quota of '800'.",
                            target: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-aks-dev-westeurope/providers/Microsoft.Resources/deployments/PREFLIGHT-DEV-RG-AKS-DEV-WESTEUROPE-1`,
                        },
                        { code: "InvalidName", message: "The name is reserved.", target: "dev-westeurope-logs" },
                        // A target that names nothing of the plan, and a problem with neither code nor target.
                        ACCOUNT_NAME_INVALID,
                        { message: "Something is wrong." },
                    ]),
                );
            assert.deepEqual(await armValidation.run(ctx(plan("rg", "logs"))), [
                {
                    id: "arm-validation",
                    status: "fail",
                    detail: "InvalidParameter: The retention of 7 days is below the minimum of 30.",
                    resource: "dev-westeurope-logs",
                },
                {
                    id: "arm-validation",
                    status: "fail",
                    detail: "ResourceGroupBeingDeleted: The resource group 'rg-aks-dev-westeurope' is in deprovisioning state.",
                    resource: "dev-westeurope-rg",
                },
                {
                    id: "arm-validation",
                    status: "fail",
                    detail: "DeploymentQuotaExceeded: Creating the deployment would exceed the quota of '800'.",
                    resource: "preflight-dev-rg-aks-dev-westeurope-1",
                },
                {
                    id: "arm-validation",
                    status: "fail",
                    detail: "InvalidName: The name is reserved.",
                    resource: "dev-westeurope-logs",
                },
                {
                    id: "arm-validation",
                    status: "fail",
                    detail: "a: AccountNameInvalid: a is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.",
                },
                { id: "arm-validation", status: "fail", detail: "Invalid: Something is wrong." },
            ]);
        });

        it("fails with ARM's error itself when it has no details", async () => {
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(400, {
                    error: {
                        code: "InvalidTemplate",
                        message:
                            "Deployment template validation failed: 'The template resource 'x' at line '1' is not valid.'.",
                    },
                });
            assert.deepEqual(await armValidation.run(ctx(plan("rg", "logs"))), [
                {
                    id: "arm-validation",
                    status: "fail",
                    detail: "InvalidTemplate: Deployment template validation failed: 'The template resource 'x' at line '1' is not valid.'.",
                },
            ]);
        });

        it("fails per resource when ARM took long and the Location answers the failed validation", async () => {
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(202, "", accepted)
                .get(`${OPERATION}?api-version=2025-04-01`)
                .reply(
                    400,
                    invalid([{ code: "InvalidName", message: "The name is reserved.", target: "log-dev-westeurope" }]),
                );
            assert.deepEqual(await armValidation.run(ctx(plan("rg", "logs"))), [
                {
                    id: "arm-validation",
                    status: "fail",
                    detail: "InvalidName: The name is reserved.",
                    resource: "dev-westeurope-logs",
                },
            ]);
        });

        it("leaves an answer that is no validation result to the runner, with its status and ARM's code", async () => {
            nock(ARM).post(`${VALIDATE}?api-version=2025-04-01`).reply(400, "Bad Request", {
                "content-type": "text/plain",
            });
            await assert.rejects(armValidation.run(ctx(plan("rg", "logs"))), {
                message: "HTTP 400",
                statusCode: 400,
                code: undefined,
            });
            nock(ARM)
                .post(`${VALIDATE}?api-version=2025-04-01`)
                .reply(403, { error: { code: "AuthorizationFailed", message: "The client 'ci' may not validate." } });
            await assert.rejects(armValidation.run(ctx(plan("rg", "logs"))), {
                statusCode: 403,
                code: "AuthorizationFailed",
            });
        });
    });
});
