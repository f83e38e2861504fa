// The resources a stack reads but does not create (preflight/checks/existing.ts, check existing-resources) in process:
// run(ctx) and planAgainstSubscription with a hand-made CheckContext, the prod fixture stack's facts (it reads the DR
// stack prod-northeurope's egress prefix, which its vault firewall admits) or hand-made reads, and a fake ARM that
// answers the read by id as ARM does:
//  - Resources_GetById, GET /{resourceId}: 200 with the resource (a GenericResource), any other status an ErrorResponse
//    (azure-rest-api-specs specification/resources/resource-manager/Microsoft.Resources/resources/2025-04-01/
//    resources.json); the prefix's 200 body is the PublicIpPrefixGet example's (test/fixtures/preflight/
//    public-ip-prefix.json);
//  - a resource that does not exist: 404, code ResourceNotFound, "The Resource '<type>/<name>' under resource group
//    '<group>' was not found." (MicrosoftDocs/azure-docs articles/azure-resource-manager/troubleshooting/
//    error-not-found.md); the SDK throws it as a RestError with statusCode 404 and the body as details
//    (@azure/arm-resources, _getByIdDeserialize), modelled by armError below;
//  - 403 AuthorizationFailed when the identity may not read it: not an answer about existence.
// ARM ids compare case-insensitively (stacks/schema.ts sameArmId; learn.microsoft.com/azure/azure-resource-manager/
// management/frequently-asked-questions, "Are resource group names case-sensitive?").
//
// The rollout's waves and rings are the fixture project's (test/fixtures/project, read by ci/stacks.ts discover): prod
// is ring 2 (dev 0, staging 1, prod 2), its first wave the vault wave; prod-northeurope, the DR stack that creates
// pip-egress-aks-prod-northeurope, is ring 2, clusters wave. The planning of a run without a prefix that answered 404
// (planWithout, the program run again) is test/preflight/stack.planned.test.ts's.
import * as assert from "node:assert/strict";
import { createHook } from "node:async_hooks";
import type { GenericResource } from "@azure/arm-resources";
import type { Clients } from "../../../preflight/azure";
import { existingResources, planAgainstSubscription } from "../../../preflight/checks/existing";
import type { CheckContext, Shared } from "../../../preflight/run-checks";
import type { ExistingResource, StackFacts } from "../../../preflight/stack";
import { fixture, stackFacts, SUBSCRIPTION } from "../../fixtures/preflight/world";

/** The subscription the offline plan's mocks put in every id (the run's replaces it). */
const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const prefixPath = (rg: string, name: string) =>
    `/resourceGroups/${rg}/providers/Microsoft.Network/publicIPPrefixes/${name}`;
const DR = prefixPath("rg-aks-prod-northeurope", "pip-egress-aks-prod-northeurope");
const DR_ID = `/subscriptions/${SUBSCRIPTION}${DR}`;
const DR_LABEL = "getPublicIPPrefix(pip-egress-aks-prod-northeurope)";

const armError = (statusCode: number, code: string, message: string): Error =>
    Object.assign(new Error(message), { name: "RestError", statusCode, code, details: { error: { code, message } } });
const notFound = (type: string, name: string, rg: string) =>
    armError(404, "ResourceNotFound", `The Resource '${type}/${name}' under resource group '${rg}' was not found.`);
const forbidden = armError(
    403,
    "AuthorizationFailed",
    `The client 'ci' does not have authorization to perform action 'Microsoft.Network/publicIPPrefixes/read' over scope '${DR_ID}' or the scope is invalid.`,
);

type Answer = "exists" | "no answer" | Error;

/** ARM's Resources_GetById, answering per resource id (compared case-insensitively, as ARM does). */
class FakeArm {
    readonly gets: { resourceId: string; apiVersion: string }[] = [];
    private readonly answers: Map<string, Answer>;

    constructor(answers: Record<string, Answer>) {
        this.answers = new Map(Object.entries(answers).map(([id, a]) => [id.toLowerCase(), a]));
    }

    get clients(): Clients {
        const getById: Clients["resources"]["resources"]["getById"] = (resourceId, apiVersion) => {
            this.gets.push({ resourceId, apiVersion });
            const answer = this.answers.get(`/${resourceId}`.toLowerCase()) ?? new Error(`no answer for ${resourceId}`);
            if (answer === "no answer") {
                return new Promise<GenericResource>(() => {});
            }
            return answer === "exists"
                ? Promise.resolve(fixture<GenericResource>("public-ip-prefix", { path: `/${resourceId}` }))
                : Promise.reject(answer);
        };
        return { subscriptionId: SUBSCRIPTION, resources: { resources: { getById } } } as unknown as Clients;
    }
}

/** The run's shared lookups: this check uses none of them, only their identity (its answers are memoized per run). */
const run = (): Shared => ({
    groups: () => Promise.reject(new Error("existing-resources asks Graph nothing")),
    resourceGroupExists: () => Promise.reject(new Error("existing-resources asks about no resource group")),
});

/** A public IP prefix the program reads by id (azure-native network getPublicIPPrefix), as the offline plan records it. */
function prefixRead(rg: string, name: string, apiVersion: string | undefined = "2024-05-01"): ExistingResource {
    return {
        type: "Microsoft.Network/publicIPPrefixes",
        names: [name],
        placement: { kind: "resourceGroup", resourceGroup: rg },
        apiVersion,
        mockId: `/subscriptions/${MOCK_SUBSCRIPTION}${prefixPath(rg, name)}`,
        token: "azure-native:network:PublicIPPrefix",
    };
}

describe("existing-resources: what the stack reads must exist (preflight/checks/existing.ts)", () => {
    let prod: StackFacts;

    /** prod with its settings changed: the run's admitExistingOnly, its admitted prefixes, and the reads. */
    const prodWith = (
        change: {
            admitExistingOnly?: boolean | string[];
            admit?: string[];
            reads?: [string, ExistingResource][];
        } = {},
    ): StackFacts => ({
        ...prod,
        settings: {
            ...prod.settings,
            admitExistingOnly: change.admitExistingOnly,
            sops: {
                ...prod.settings.sops,
                admitEgressPrefixIds: change.admit ?? prod.settings.sops.admitEgressPrefixIds,
            },
        },
        reads: change.reads ? new Map(change.reads) : prod.reads,
    });

    const ctx = (facts: StackFacts, arm: FakeArm, shared = run()): CheckContext => ({
        facts,
        clients: arm.clients,
        subscriptionId: SUBSCRIPTION,
        signal: new AbortController().signal,
        shared,
    });

    before(async () => {
        prod = await stackFacts("prod");
    });

    it("prod reads the DR stack's egress prefix and admits it (the fixture these tests rely on)", () => {
        assert.deepEqual([...prod.reads.keys()], [DR_LABEL]);
        assert.deepEqual(prod.reads.get(DR_LABEL), {
            ...prefixRead("rg-aks-prod-northeurope", "pip-egress-aks-prod-northeurope"),
            // Planned under the mocks, with the mocks' subscription.
            mockId: `/subscriptions/${MOCK_SUBSCRIPTION}${DR}`,
        });
        assert.deepEqual(prod.settings.sops.admitEgressPrefixIds, [DR]);
        assert.equal(prod.settings.admitExistingOnly, undefined);
    });

    describe("run(ctx)", () => {
        it("is ok, asking nothing, when the stack reads no existing resource", async () => {
            const arm = new FakeArm({});
            assert.deepEqual(await existingResources.run(ctx({ ...prod, reads: new Map() }, arm)), [
                { id: "existing-resources", status: "ok", detail: "the stack reads no existing resource" },
            ]);
            assert.deepEqual(arm.gets, []);
        });

        it("is ok when the admitted DR prefix exists, read by id in the run's subscription with the lookup's API version", async () => {
            const arm = new FakeArm({ [DR_ID]: "exists" });
            assert.deepEqual(await existingResources.run(ctx(prod, arm)), [
                {
                    id: "existing-resources",
                    status: "ok",
                    detail: `Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope exists (${DR_LABEL})`,
                },
            ]);
            // The client's path template is "/{resourceId}": the id goes without its leading slash.
            assert.deepEqual(arm.gets, [{ resourceId: DR_ID.slice(1), apiVersion: "2024-05-01" }]);
        });

        it("fails, saying to deploy the DR stack first, when the admitted prefix answers 404", async () => {
            const arm = new FakeArm({
                [DR_ID]: notFound(
                    "Microsoft.Network/publicIPPrefixes",
                    "pip-egress-aks-prod-northeurope",
                    "rg-aks-prod-northeurope",
                ),
            });
            assert.deepEqual(await existingResources.run(ctx(prod, arm)), [
                {
                    id: "existing-resources",
                    status: "fail",
                    detail: "Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope does not exist: the stack reads it for sops.admitEgressPrefixIds; deploy the stack that owns it (the DR stack, on standby) first",
                    fix: "pulumi up --stack <the DR stack> (or remove the id from sops.admitEgressPrefixIds until it exists)",
                },
            ]);
        });

        it("knows an admitted prefix whatever the case of its id and with no subscription in it", async () => {
            const arm = new FakeArm({ [DR_ID]: notFound("Microsoft.Network/publicIPPrefixes", "x", "y") });
            const facts = prodWith({ admit: [DR.toLowerCase()] });
            const [result] = await existingResources.run(ctx(facts, arm));
            assert.equal(
                result.detail,
                "Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope does not exist: the stack reads it for sops.admitEgressPrefixIds; deploy the stack that owns it (the DR stack, on standby) first",
            );
        });

        it("lets a 403 through to the runner: not being allowed to read it says nothing about whether it exists", async () => {
            const arm = new FakeArm({ [DR_ID]: forbidden });
            await assert.rejects(existingResources.run(ctx(prod, arm)), {
                statusCode: 403,
                code: "AuthorizationFailed",
            });
        });

        it("reports each read in the order of its label, the id it shows in the run's subscription", async () => {
            // The resource group as the config spells it (ARM ids compare case-insensitively; the fix keeps it).
            const shared = prefixRead("RG-Network", "pip-shared-egress", "2023-09-01");
            const arm = new FakeArm({
                [`/subscriptions/${SUBSCRIPTION}${prefixPath("rg-network", "pip-shared-egress")}`]: notFound(
                    "Microsoft.Network/publicIPPrefixes",
                    "pip-shared-egress",
                    "rg-network",
                ),
                [`/subscriptions/${SUBSCRIPTION}${prefixPath("rg-network", "pip-ops")}`]: "exists",
            });
            const facts = prodWith({
                // In the map's order, not the labels'.
                reads: [
                    ["getPublicIPPrefix(pip-shared-egress)", shared],
                    ["getPublicIPPrefix(pip-ops)", prefixRead("rg-network", "pip-ops", undefined)],
                ],
            });
            assert.deepEqual(await existingResources.run(ctx(facts, arm)), [
                {
                    id: "existing-resources",
                    status: "ok",
                    detail: "Microsoft.Network/publicIPPrefixes pip-ops exists (getPublicIPPrefix(pip-ops))",
                },
                {
                    id: "existing-resources",
                    status: "fail",
                    // Not one of sops.admitEgressPrefixIds: read strictly, a plain failure.
                    detail: "Microsoft.Network/publicIPPrefixes pip-shared-egress does not exist: the stack reads it",
                    fix: `az resource show --ids /subscriptions/${SUBSCRIPTION}/resourceGroups/RG-Network/providers/Microsoft.Network/publicIPPrefixes/pip-shared-egress`,
                },
            ]);
            // Each with its lookup's API version; one the plan does not know is asked with 2024-05-01.
            assert.deepEqual(arm.gets, [
                {
                    resourceId: `subscriptions/${SUBSCRIPTION}${prefixPath("rg-network", "pip-ops")}`,
                    apiVersion: "2024-05-01",
                },
                {
                    resourceId: `subscriptions/${SUBSCRIPTION}${prefixPath("RG-Network", "pip-shared-egress")}`,
                    apiVersion: "2023-09-01",
                },
            ]);
        });

        describe("in the rollout's vault wave (admitExistingOnly), a prefix not created yet", () => {
            const later =
                "Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope does not exist yet: prod-northeurope creates it in a later wave of this rollout (ring 2, clusters); this run leaves it out of the vault firewall (admitExistingOnly), the rollout's admit wave admits it";
            const missing = () =>
                new FakeArm({
                    [DR_ID]: notFound(
                        "Microsoft.Network/publicIPPrefixes",
                        "pip-egress-aks-prod-northeurope",
                        "rg-aks-prod-northeurope",
                    ),
                });

            it("is a warning when the DR stack creates it in a later wave of the rollout", async () => {
                assert.deepEqual(await existingResources.run(ctx(prodWith({ admitExistingOnly: true }), missing())), [
                    { id: "existing-resources", status: "warn", detail: later },
                ]);
            });

            it("the same for a pull request's preview that leaves out that prefix by id (in any case)", async () => {
                const facts = prodWith({ admitExistingOnly: [DR.toUpperCase()] });
                assert.deepEqual(await existingResources.run(ctx(facts, missing())), [
                    { id: "existing-resources", status: "warn", detail: later },
                ]);
            });

            it("the same when it is one of several admitted prefixes", async () => {
                const staging = prefixPath("rg-aks-staging-westeurope", "pip-egress-aks-staging-westeurope");
                const facts = prodWith({ admitExistingOnly: true, admit: [staging, DR] });
                assert.deepEqual(await existingResources.run(ctx(facts, missing())), [
                    { id: "existing-resources", status: "warn", detail: later },
                ]);
            });

            it("fails when the preview leaves out other prefixes only", async () => {
                const facts = prodWith({
                    admitExistingOnly: [prefixPath("rg-aks-prod-swedencentral", "pip-egress-aks-prod-swedencentral")],
                });
                const [result] = await existingResources.run(ctx(facts, missing()));
                assert.equal(result.status, "fail");
            });

            for (const [who, rg, name] of [
                ["no stack of the rollout", "rg-aks-prod-eastus", "pip-egress-aks-prod-eastus"],
                // An earlier ring's stack should have created it already; the stack's own prefix is created in its
                // own (vault) wave, not a later one.
                ["staging (an earlier ring)", "rg-aks-staging-westeurope", "pip-egress-aks-staging-westeurope"],
                ["prod itself (in its own wave)", "rg-aks-prod-westeurope", "pip-egress-aks-prod-westeurope"],
            ] as const) {
                it(`fails when ${who} creates it`, async () => {
                    const id = prefixPath(rg, name);
                    const arm = new FakeArm({
                        [`/subscriptions/${SUBSCRIPTION}${id}`]: notFound(
                            "Microsoft.Network/publicIPPrefixes",
                            name,
                            rg,
                        ),
                    });
                    const facts = prodWith({
                        admitExistingOnly: true,
                        admit: [id],
                        reads: [[`getPublicIPPrefix(${name})`, prefixRead(rg, name)]],
                    });
                    assert.deepEqual(await existingResources.run(ctx(facts, arm)), [
                        {
                            id: "existing-resources",
                            status: "fail",
                            detail: `Microsoft.Network/publicIPPrefixes ${name} does not exist: the stack reads it for sops.admitEgressPrefixIds; deploy the stack that owns it (the DR stack, on standby) first`,
                            fix: "pulumi up --stack <the DR stack> (or remove the id from sops.admitEgressPrefixIds until it exists)",
                        },
                    ]);
                });
            }

            it("fails for a stack that is not in the rollout (no wave to be later than)", async () => {
                const facts = { ...prodWith({ admitExistingOnly: true }), stack: "prod-canary" };
                const [result] = await existingResources.run(ctx(facts, missing()));
                assert.equal(result.status, "fail");
            });
        });
    });

    describe("planAgainstSubscription: the facts this run of `pulumi up` will find", () => {
        it("are the stack's own, asking nothing, when the run leaves nothing out (no admitExistingOnly)", async () => {
            const arm = new FakeArm({});
            const facts = prodWith();
            assert.equal(await planAgainstSubscription(ctx(facts, arm), 1000), facts);
            assert.deepEqual(arm.gets, []);
        });

        it("are the stack's own when the prefix the run may leave out exists; the check answers from the same GET", async () => {
            const arm = new FakeArm({ [DR_ID]: "exists" });
            const facts = prodWith({ admitExistingOnly: true });
            const shared = run();
            assert.equal(await planAgainstSubscription(ctx(facts, arm, shared), 1000), facts);
            assert.deepEqual(await existingResources.run(ctx(facts, arm, shared)), [
                {
                    id: "existing-resources",
                    status: "ok",
                    detail: `Microsoft.Network/publicIPPrefixes pip-egress-aks-prod-northeurope exists (${DR_LABEL})`,
                },
            ]);
            assert.equal(arm.gets.length, 1);
            // Another run (its own shared lookups) asks again.
            await existingResources.run(ctx(facts, arm, run()));
            assert.equal(arm.gets.length, 2);
        });

        it("keep a prefix ARM would not say anything about (403) planned as read: the check reports it", async () => {
            const facts = prodWith({ admitExistingOnly: true });
            assert.equal(await planAgainstSubscription(ctx(facts, new FakeArm({ [DR_ID]: forbidden })), 1000), facts);
        });

        it("keep a prefix that gives no answer in time planned as read, without waiting longer", async () => {
            const facts = prodWith({ admitExistingOnly: true });
            const started = Date.now();
            assert.equal(await planAgainstSubscription(ctx(facts, new FakeArm({ [DR_ID]: "no answer" })), 30), facts);
            assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
        });

        it("leave no timer behind (a pending time limit would hold the process open for its length)", async () => {
            // Node's timers as async resources: init when set, destroy once cleared or fired. Node's Timeout keeps its
            // delay in _idleTimeout; this call's limit is told from any other timer by its length.
            const pending = new Map<number, { _idleTimeout?: number }>();
            const hook = createHook({
                init: (id, type, _trigger, resource: { _idleTimeout?: number }) => {
                    if (type === "Timeout") {
                        pending.set(id, resource);
                    }
                },
                destroy: (id) => pending.delete(id),
            }).enable();
            try {
                const facts = prodWith({ admitExistingOnly: true });
                await planAgainstSubscription(ctx(facts, new FakeArm({ [DR_ID]: "exists" })), 61_234);
                await new Promise((resolve) => setImmediate(resolve));
            } finally {
                hook.disable();
            }
            assert.deepEqual(
                [...pending.values()].filter((t) => t._idleTimeout === 61_234),
                [],
                "the time limit's timer is cleared",
            );
        });
    });
});
