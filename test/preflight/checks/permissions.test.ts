// The caller-permissions check (preflight/checks/permissions.ts) called in process on the fixture stacks' facts, and
// its matching of actions, against a fake Permissions_ListForResourceGroup / _ListForResource answering as ARM does:
// one {actions, notActions, dataActions, notDataActions} per role the caller holds there (PermissionGetResult in
// azure-rest-api-specs specification/authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/
// authorization-RoleDefinitionsCalls.json). The roles' permissions below are the built-in roles' as published
// (MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/privileged.md: Owner, Contributor, Role
// Based Access Control Administrator, User Access Administrator). How they combine (role-definitions.md, "NotActions"):
// a role's NotActions subtract from its own Actions only, and another role granting the action allows it; a wildcard
// matches any part of an action, and Contributor's "Microsoft.Authorization/*/Write" excluding ".../roleAssignments/write"
// shows that actions compare case-insensitively (built-in-roles: Contributor "does not allow you to assign roles").
import * as assert from "node:assert/strict";
import type { Permission } from "@azure/arm-authorization";
import type { Clients } from "../../../preflight/azure";
import { allowed, callerPermissions, matches } from "../../../preflight/checks/permissions";
import type { CheckResult } from "../../../preflight/run-checks";
import type { ArmResource, StackFacts } from "../../../preflight/stack";
import { stackFacts } from "../../fixtures/preflight/world";
import { armError, checkContext, paged, SUBSCRIPTION, withResource } from "../../support/check-context";
import { sharedCaptures } from "../../support/share-captures";

const ASSIGN = "Microsoft.Authorization/roleAssignments/write";
const DEFINE = "Microsoft.Authorization/roleDefinitions/write";

const OWNER: Permission = { actions: ["*"], notActions: [], dataActions: [], notDataActions: [] };
const CONTRIBUTOR: Permission = {
    actions: ["*"],
    notActions: [
        "Microsoft.Authorization/*/Delete",
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/elevateAccess/Action",
        "Microsoft.Blueprint/blueprintAssignments/write",
        "Microsoft.Blueprint/blueprintAssignments/delete",
        "Microsoft.Compute/galleries/share/action",
        "Microsoft.Purview/consents/write",
        "Microsoft.Purview/consents/delete",
        "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
        "Microsoft.Subscription/cancel/action",
        "Microsoft.Subscription/enable/action",
    ],
    dataActions: [],
    notDataActions: [],
};
const RBAC_ADMIN: Permission = {
    actions: [
        "Microsoft.Authorization/roleAssignments/write",
        "Microsoft.Authorization/roleAssignments/delete",
        "*/read",
        "Microsoft.Support/*",
    ],
    notActions: [],
    dataActions: [],
    notDataActions: [],
};
const USER_ACCESS_ADMIN: Permission = {
    actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
    notActions: [],
    dataActions: [],
    notDataActions: [],
};

describe("preflight permissions: matching actions", () => {
    sharedCaptures();
    it("matches: wildcards span any part, dots are literal, the whole action must match, case does not count", () => {
        const cases: [string, string, boolean][] = [
            ["*", ASSIGN, true],
            ["Microsoft.Authorization/*/Write", ASSIGN, true],
            ["Microsoft.Authorization/*/Write", DEFINE, true],
            ["Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/delete", false],
            ["Microsoft.Authorization/*/Write", "Microsoft.Blueprint/blueprintAssignments/write", false],
            ["Microsoft.Authorization/*", DEFINE, true],
            ["Microsoft.Authorization/*", "Microsoft.AuthorizationX/roleDefinitions/write", false],
            ["*/read", "Microsoft.Authorization/roleAssignments/read", true],
            ["*/read", ASSIGN, false],
            ["microsoft.authorization/ROLEASSIGNMENTS/write", ASSIGN, true],
            [ASSIGN, ASSIGN, true],
            [ASSIGN, `${ASSIGN}/extra`, false],
            ["roleAssignments/write", ASSIGN, false],
            ["Microsoft.Resources/deployments/*", "MicrosoftXResources/deployments/write", false],
            ["Microsoft.Resources/deployments/*", "Microsoft.Resources/deployments/validate/action", true],
        ];
        for (const [pattern, action, expected] of cases) {
            assert.equal(matches(pattern, action), expected, `${pattern} ~ ${action}`);
        }
    });

    it("allowed: by some role's actions, less that same role's notActions", () => {
        const cases: [string, Permission[], string, boolean][] = [
            ["Owner", [OWNER], ASSIGN, true],
            ["Owner", [OWNER], DEFINE, true],
            ["Contributor", [CONTRIBUTOR], ASSIGN, false],
            ["Contributor", [CONTRIBUTOR], DEFINE, false],
            ["Contributor", [CONTRIBUTOR], "Microsoft.KeyVault/vaults/write", true],
            ["RBAC Administrator", [RBAC_ADMIN], ASSIGN, true],
            ["RBAC Administrator", [RBAC_ADMIN], DEFINE, false],
            ["User Access Administrator", [USER_ACCESS_ADMIN], ASSIGN, true],
            ["User Access Administrator", [USER_ACCESS_ADMIN], DEFINE, true],
            // Contributor's notActions do not take away what the second role grants.
            ["Contributor + RBAC Administrator", [CONTRIBUTOR, RBAC_ADMIN], ASSIGN, true],
            ["Contributor + RBAC Administrator", [CONTRIBUTOR, RBAC_ADMIN], DEFINE, false],
            ["RBAC Administrator + Contributor", [RBAC_ADMIN, CONTRIBUTOR], ASSIGN, true],
            // A role of notActions only grants nothing, and takes nothing from another role.
            ["notActions only", [{ notActions: ["Microsoft.Authorization/*/Write"] }], ASSIGN, false],
            [
                "Owner + notActions only",
                [OWNER, { actions: [], notActions: ["Microsoft.Authorization/*/Write"] }],
                ASSIGN,
                true,
            ],
            ["actions without notActions", [{ actions: ["Microsoft.Authorization/*"] }], ASSIGN, true],
            ["no roles", [], ASSIGN, false],
        ];
        for (const [roles, permissions, action, expected] of cases) {
            assert.equal(allowed(permissions, action), expected, `${roles}: ${action}`);
        }
    });
});

type Permissions = Clients["authorization"]["permissions"];

/**
 * A fake ARM: the caller's permissions per scope ("rg" or "rg/Namespace/parent/type/name"; a resource not listed
 * answers 404 as a missing resource does), and which resource groups exist (all, unless listed in `missingGroups`).
 */
function arm(byScope: Record<string, Permission[] | Error>, missingGroups: string[] = []) {
    const asked: unknown[][] = [];
    const signals: unknown[] = [];
    const permissions: Pick<Permissions, "listForResourceGroup" | "listForResource"> = {
        listForResourceGroup: (rg, options) => {
            asked.push(["listForResourceGroup", rg]);
            signals.push(options?.abortSignal);
            return paged(byScope[rg] ?? new Error(`the test gave no permissions for ${rg}`));
        },
        listForResource: (rg, ns, parent, type, name, options) => {
            asked.push(["listForResource", rg, ns, parent, type, name]);
            signals.push(options?.abortSignal);
            const scope = [rg, ns, parent, type, name].filter((p) => p !== "").join("/");
            return paged(byScope[scope] ?? armError(404, "ResourceNotFound", `The Resource '${scope}' was not found.`));
        },
    };
    const resourceGroups = {
        checkExistence: (name: string) => {
            asked.push(["checkExistence", name]);
            return Promise.resolve({ body: !missingGroups.includes(name) });
        },
    };
    const clients = { authorization: { permissions }, resources: { resourceGroups } } as unknown as Clients;
    return { clients, asked, signals };
}

const CONDITIONS =
    "conditions on the identity's role assignments (such as a limit on the roles it may assign) are not evaluated";
const ok = (scope: string, actions: string): CheckResult => ({
    id: "permissions",
    status: "ok",
    resource: scope,
    detail: `${actions} allowed at ${scope} by actions; ${CONDITIONS}`,
});
const lacks = (scope: string, scopeId: string, missing: string, resources: string, role: string): CheckResult => ({
    id: "permissions",
    status: "fail",
    resource: scope,
    detail: `the signed-in identity lacks ${missing} at ${scope} (for ${resources}): grant ${role}${role === "User Access Administrator" ? "" : " (ideally with a condition on the assignable roles) or User Access Administrator"}`,
    fix: `az role assignment create --assignee <deploying identity's object id> --role "${role}" --scope /subscriptions/${SUBSCRIPTION}/resourceGroups/${scopeId}`,
});
const RBAC = "Role Based Access Control Administrator";
const UAA = "User Access Administrator";
const BOTH = `${ASSIGN} and ${DEFINE}`;
const SOPS_VAULT = "rg-sops-prod/Microsoft.KeyVault/vaults/kv-contoso-sops-prod";
const OTHER_SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";

describe("preflight permissions check", () => {
    sharedCaptures();
    let dev: StackFacts;
    let staging: StackFacts;
    let northeurope: StackFacts;
    before(async () => {
        // One at a time: a stack is planned under process-wide Pulumi mocks.
        dev = await stackFacts("dev");
        staging = await stackFacts("staging");
        northeurope = await stackFacts("prod-northeurope");
    });
    async function run(facts: StackFacts, byScope: Record<string, Permission[] | Error>, missingGroups: string[] = []) {
        const fake = arm(byScope, missingGroups);
        const ctx = checkContext(facts, fake.clients);
        const results = await callerPermissions.run(ctx);
        assert.ok(fake.signals.every((s) => s === ctx.signal));
        return { results, asked: fake.asked };
    }

    it("an Owner may write every role assignment, checked once per resource group the plan assigns roles in", async () => {
        const { results, asked } = await run(dev, { "rg-aks-dev-westeurope": [OWNER], "rg-sops-dev": [OWNER] });
        assert.deepEqual(results, [ok("rg-aks-dev-westeurope", ASSIGN), ok("rg-sops-dev", ASSIGN)]);
        assert.deepEqual(asked, [
            ["checkExistence", "rg-aks-dev-westeurope"],
            ["listForResourceGroup", "rg-aks-dev-westeurope"],
            ["checkExistence", "rg-sops-dev"],
            ["listForResourceGroup", "rg-sops-dev"],
        ]);
    });

    it("a Contributor may not: fail per group, naming the assignments and the role to grant at that scope", async () => {
        const { results } = await run(dev, { "rg-aks-dev-westeurope": [CONTRIBUTOR], "rg-sops-dev": [CONTRIBUTOR] });
        assert.deepEqual(results, [
            lacks(
                "rg-aks-dev-westeurope",
                "rg-aks-dev-westeurope",
                ASSIGN,
                "dev-westeurope-aks-egress-join, dev-westeurope-tenant-payments-payments-group0-namespace-user, dev-westeurope-tenant-payments-payments-group0-rbac-reader",
                RBAC,
            ),
            lacks(
                "rg-sops-dev",
                "rg-sops-dev",
                ASSIGN,
                "dev-westeurope-flux-identity-decrypt, dev-westeurope-sops-encryptor-0",
                RBAC,
            ),
        ]);
    });

    it("a custom SOPS role needs roleDefinitions/write: RBAC Administrator is not enough there, User Access Administrator is", async () => {
        const rbac = await run(staging, {
            "rg-aks-staging-westeurope": [CONTRIBUTOR, RBAC_ADMIN],
            "rg-sops-staging": [CONTRIBUTOR, RBAC_ADMIN],
        });
        assert.deepEqual(rbac.results, [
            ok("rg-aks-staging-westeurope", ASSIGN),
            lacks(
                "rg-sops-staging",
                "rg-sops-staging",
                DEFINE,
                "staging-westeurope-flux-identity-decrypt, staging-westeurope-sops-encryptor-0, staging-westeurope-sops-decrypt-role",
                UAA,
            ),
        ]);
        const contributor = await run(staging, {
            "rg-aks-staging-westeurope": [OWNER],
            "rg-sops-staging": [CONTRIBUTOR],
        });
        assert.deepEqual(contributor.results[1], {
            ...lacks(
                "rg-sops-staging",
                "rg-sops-staging",
                BOTH,
                "staging-westeurope-flux-identity-decrypt, staging-westeurope-sops-encryptor-0, staging-westeurope-sops-decrypt-role",
                UAA,
            ),
        });
        const uaa = await run(staging, {
            "rg-aks-staging-westeurope": [OWNER],
            "rg-sops-staging": [USER_ACCESS_ADMIN],
        });
        assert.deepEqual(uaa.results, [ok("rg-aks-staging-westeurope", ASSIGN), ok("rg-sops-staging", BOTH)]);
    });

    it("a role definition alone is allowed without the conditions remark (they limit assignments only)", async () => {
        const definitionOnly = {
            ...staging,
            resources: staging.resources.filter((r) => r.type !== "Microsoft.Authorization/roleAssignments"),
        };
        const { results } = await run(definitionOnly, { "rg-sops-staging": [USER_ACCESS_ADMIN] });
        assert.deepEqual(results, [
            {
                id: "permissions",
                status: "ok",
                resource: "rg-sops-staging",
                detail: `${DEFINE} allowed at rg-sops-staging by actions`,
            },
        ]);
    });

    it("a resource group that does not exist yet cannot be asked: warn for it, the others are still checked", async () => {
        const { results, asked } = await run(dev, { "rg-sops-dev": [OWNER] }, ["rg-aks-dev-westeurope"]);
        assert.deepEqual(results, [
            {
                id: "permissions",
                status: "warn",
                resource: "rg-aks-dev-westeurope",
                detail: `resource group rg-aks-dev-westeurope does not exist yet, so ${ASSIGN} there cannot be checked (the permissions API lists per resource group or resource); the deploying identity needs it at the subscription or on the group once created`,
            },
            ok("rg-sops-dev", ASSIGN),
        ]);
        assert.ok(!asked.some((a) => a[0] === "listForResourceGroup" && a[1] === "rg-aks-dev-westeurope"));
    });

    describe("assignments on a resource the stack does not create (the DR stack's decrypt grant on prod's vault)", () => {
        it("are checked at that resource", async () => {
            const { results, asked } = await run(northeurope, {
                "rg-aks-prod-northeurope": [OWNER],
                [SOPS_VAULT]: [CONTRIBUTOR, USER_ACCESS_ADMIN],
            });
            assert.deepEqual(results, [ok("rg-aks-prod-northeurope", ASSIGN), ok(SOPS_VAULT, ASSIGN)]);
            assert.deepEqual(asked.slice(2), [
                ["checkExistence", "rg-sops-prod"],
                ["listForResource", "rg-sops-prod", "Microsoft.KeyVault", "", "vaults", "kv-contoso-sops-prod"],
            ]);
        });

        it("fail with the fix scoped to that resource when the identity may not assign there", async () => {
            const { results } = await run(northeurope, {
                "rg-aks-prod-northeurope": [OWNER],
                [SOPS_VAULT]: [CONTRIBUTOR],
            });
            assert.deepEqual(results[1], {
                ...lacks(
                    SOPS_VAULT,
                    "rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod",
                    ASSIGN,
                    "prod-northeurope-flux-identity-decrypt",
                    RBAC,
                ),
            });
        });

        it("fail when the resource does not exist (404)", async () => {
            const { results } = await run(northeurope, { "rg-aks-prod-northeurope": [OWNER] });
            assert.deepEqual(results[1], {
                id: "permissions",
                status: "fail",
                resource: SOPS_VAULT,
                detail: "Microsoft.KeyVault/vaults/kv-contoso-sops-prod does not exist in rg-sops-prod, but the stack assigns roles on it (prod-northeurope-flux-identity-decrypt)",
            });
        });

        it("an error other than 404 fails the check with it", async () => {
            const denied = armError(403, "AuthorizationFailed", "The client does not have authorization");
            await assert.rejects(
                run(northeurope, { "rg-aks-prod-northeurope": [OWNER], [SOPS_VAULT]: denied }),
                (e) => e === denied,
            );
            await assert.rejects(run(dev, { "rg-aks-dev-westeurope": denied }), (e) => e === denied);
        });

        it("a child resource is asked for by its parent path (a managed namespace of a cluster the plan does not create)", async () => {
            const { results, asked } = await run(
                { ...dev, resources: dev.resources.filter((r) => !r.type.startsWith("Microsoft.ContainerService/")) },
                {
                    "rg-aks-dev-westeurope": [OWNER],
                    "rg-sops-dev": [OWNER],
                    "rg-aks-dev-westeurope/Microsoft.ContainerService/managedClusters/aks-dev-westeurope/managedNamespaces/payments":
                        [RBAC_ADMIN],
                },
            );
            assert.deepEqual(
                asked.filter((a) => a[0] === "listForResource"),
                [
                    [
                        "listForResource",
                        "rg-aks-dev-westeurope",
                        "Microsoft.ContainerService",
                        "managedClusters/aks-dev-westeurope",
                        "managedNamespaces",
                        "payments",
                    ],
                ],
            );
            assert.deepEqual(
                results.map((r) => [r.resource, r.status]),
                [
                    ["rg-aks-dev-westeurope", "ok"],
                    ["rg-sops-dev", "ok"],
                    [
                        "rg-aks-dev-westeurope/Microsoft.ContainerService/managedClusters/aks-dev-westeurope/managedNamespaces/payments",
                        "ok",
                    ],
                ],
            );
        });

        it("a scope the plan creates is recognised whatever the case of its id (ARM ids are case-insensitive)", async () => {
            const egress = "prod-northeurope-aks-egress-join";
            const lower = withResource(northeurope, egress, (r) => ({
                ...r,
                mockId: r.mockId.replace("/publicIPPrefixes/", "/PUBLICIPPREFIXES/"),
            }));
            const { asked } = await run(lower, { "rg-aks-prod-northeurope": [OWNER], [SOPS_VAULT]: [OWNER] });
            assert.deepEqual(
                asked.filter((a) => a[0] === "listForResource").map((a) => a[5]),
                ["kv-contoso-sops-prod"],
            );
        });
    });

    describe("assignments the permissions API cannot answer for", () => {
        const at = (facts: StackFacts, name: string, subscription: string): ArmResource => {
            const r = facts.resources.find((x) => x.name === name)!;
            return { ...r, mockId: r.mockId.replace(/^\/subscriptions\/[^/]+/, `/subscriptions/${subscription}`) };
        };

        it("in another subscription (sops.existingKeyId may name one): warn, not a false 'does not exist'", async () => {
            const decrypt = "prod-northeurope-flux-identity-decrypt";
            const elsewhere = withResource(northeurope, decrypt, () => at(northeurope, decrypt, OTHER_SUBSCRIPTION));
            const { results, asked } = await run(elsewhere, { "rg-aks-prod-northeurope": [OWNER] });
            assert.deepEqual(results, [
                ok("rg-aks-prod-northeurope", ASSIGN),
                {
                    id: "permissions",
                    status: "warn",
                    resource: `subscription ${OTHER_SUBSCRIPTION}`,
                    detail: `${decrypt} write in subscription ${OTHER_SUBSCRIPTION}; preflight reads ${SUBSCRIPTION} only, so the deploying identity's permission there is not checked`,
                },
            ]);
            assert.ok(!asked.some((a) => a[0] === "listForResource"));
            // The checked subscription spelled out in the id (any case) is read as usual.
            const here = withResource(northeurope, decrypt, () => at(northeurope, decrypt, SUBSCRIPTION.toUpperCase()));
            const checked = await run(here, { "rg-aks-prod-northeurope": [OWNER], [SOPS_VAULT]: [OWNER] });
            assert.deepEqual(checked.results, [ok("rg-aks-prod-northeurope", ASSIGN), ok(SOPS_VAULT, ASSIGN)]);
            // Facts that do not say which subscription the mocks gave are read as one subscription.
            const unlabelled: StackFacts = {
                ...elsewhere,
                capture: {
                    ...elsewhere.capture,
                    references: new Map(
                        [...elsewhere.capture.references].filter(([, label]) => label !== "azure.subscriptionId"),
                    ),
                },
            };
            const asOne = await run(unlabelled, { "rg-aks-prod-northeurope": [OWNER], [SOPS_VAULT]: [OWNER] });
            assert.deepEqual(asOne.results, [ok("rg-aks-prod-northeurope", ASSIGN), ok(SOPS_VAULT, ASSIGN)]);
        });

        it("at the subscription: warn, the API lists per resource group or resource only", async () => {
            const egress = northeurope.resources.find((r) => r.name === "prod-northeurope-aks-egress-join")!;
            const subscriptionWide: ArmResource = {
                ...egress,
                name: "subscription-reader",
                placement: { kind: "subscription" },
                mockId: egress.mockId.replace(
                    /\/resourceGroups\/.*\/providers\/Microsoft.Authorization\//,
                    "/providers/Microsoft.Authorization/",
                ),
            };
            const expected: CheckResult = {
                id: "permissions",
                status: "warn",
                resource: "subscription",
                detail: "subscription-reader write at the subscription; @azure/arm-authorization lists permissions only per resource group or resource, so that is not checked",
            };
            const alone = await run({ ...northeurope, resources: [subscriptionWide] }, {});
            assert.deepEqual(alone.results, [expected]);
            const withOthers = await run(
                { ...northeurope, resources: [subscriptionWide, ...northeurope.resources] },
                { "rg-aks-prod-northeurope": [OWNER], [SOPS_VAULT]: [OWNER] },
            );
            assert.deepEqual(withOthers.results, [
                ok("rg-aks-prod-northeurope", ASSIGN),
                ok(SOPS_VAULT, ASSIGN),
                expected,
            ]);
        });
    });

    it("a plan that writes no role assignments or definitions: ok without asking Azure", async () => {
        const { results, asked } = await run(
            { ...dev, resources: dev.resources.filter((r) => !r.type.startsWith("Microsoft.Authorization/")) },
            {},
        );
        assert.deepEqual(results, [
            { id: "permissions", status: "ok", detail: "the plan writes no role assignments or definitions" },
        ]);
        assert.deepEqual(asked, []);
    });
});
