// preflight's Azure clients in process, the real SDK clients against nock (no request leaves this machine): each client
// asks the configured ARM endpoint on its operation's REST path (azure-rest-api-specs), signed in for ARM's scope; the
// deployments client at the API version preflight pins; paged lists followed to the end; Microsoft Graph's group
// lookup with its OData filter, its scope and its retry policy; and how an SDK error is read (asServiceError, ifExists).
import * as assert from "node:assert/strict";
import type { TokenCredential } from "@azure/identity";
import { all, asServiceError, createClients, ifExists, statusOf } from "../../preflight/azure";
import { errorResult } from "../../preflight/run-checks";
import { lazy } from "../../cli/lazy";

// Loaded in before(), not at import: nock patches Node's networking as soon as it loads (see test/verify/cli.test.ts).
let nock: typeof import("nock");

const ARM = "https://fake-arm.test";
const SUB = "0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90";
const FAST = { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 };

/** A credential that hands out one token per scope, so a request's Authorization header says which scope was asked. */
function recordingCredential(tokens: Record<string, string | null> = {}) {
    const scopes: string[] = [];
    const credential: TokenCredential = {
        getToken: (scope) => {
            const s = Array.isArray(scope) ? scope.join(" ") : scope;
            scopes.push(s);
            const token = s in tokens ? tokens[s] : `token for ${s}`;
            return Promise.resolve(token === null ? null : { token, expiresOnTimestamp: Date.now() + 3_600_000 });
        },
    };
    return { credential, scopes };
}

const ARM_TOKEN = "Bearer token for https://management.azure.com/.default";
const GRAPH_TOKEN = "Bearer token for https://graph.microsoft.com/.default";
const hasApiVersion = (q: Record<string, unknown>) => /^\d{4}-\d{2}-\d{2}(-preview)?$/.test(String(q["api-version"]));

describe("preflight's Azure clients", function () {
    this.timeout(10_000);

    before(() => {
        nock = lazy.nock();
        if (!nock.isActive()) {
            nock.activate();
        }
        nock.disableNetConnect();
    });
    afterEach(() => {
        const left = nock.pendingMocks();
        nock.cleanAll();
        assert.deepEqual(left, [], "every request the test expected was made");
    });
    after(() => {
        nock.enableNetConnect();
        nock.restore();
    });

    describe("ARM", () => {
        const clients = () => {
            const { credential, scopes } = recordingCredential();
            // A trailing slash on the endpoint does not double the path's first slash.
            return { clients: createClients(SUB, { credential, endpoint: `${ARM}/`, retry: FAST }), scopes };
        };

        it("builds each client once, on first use", () => {
            const { clients: c } = clients();
            for (const name of [
                "resources",
                "deployments",
                "features",
                "containerService",
                "keyVault",
                "compute",
                "authorization",
                "graph",
            ] as const) {
                assert.equal(c[name], c[name], name);
            }
            assert.notEqual(
                createClients(SUB, { credential: recordingCredential().credential }).resources,
                c.resources,
                "each createClients has its own",
            );
            assert.equal(c.subscriptionId, SUB);
        });

        // Paths from Azure/azure-rest-api-specs:
        // - Providers_Get, ResourceGroups_CheckExistence (HEAD; 204 exists, 404 not): specification/resources/
        //   resource-manager/Microsoft.Resources/resources/stable/2025-04-01/resources.json
        // - Deployments_ValidateAtSubscriptionScope: .../Microsoft.Resources/deployments/stable/2025-04-01/
        //   examples/PostDeploymentValidateOnSubscription.json (api-version 2025-04-01, the 200 body below)
        // - Features_Get: .../Microsoft.Features/features/stable/2021-07-01/features.json
        // - ManagedClusters_ListKubernetesVersions: specification/containerservice/resource-manager/
        //   Microsoft.ContainerService/aks/stable/2025-10-01/managedClusters.json
        // - Vaults_Get: specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01/keyvault.json
        // - ResourceSkus_List ($filter, x-ms-pageable nextLinkName "nextLink"): specification/compute/resource-manager/
        //   Microsoft.Compute/Skus/stable/2021-07-01/skus.json
        // - Permissions_ListForResourceGroup (x-ms-pageable nextLink): specification/authorization/resource-manager/
        //   Microsoft.Authorization/stable/2022-04-01/authorization-RoleDefinitionsCalls.json
        it("resources: GET /subscriptions/{id}/providers/{namespace}, HEAD .../resourcegroups/{name}", async () => {
            const { clients: c, scopes } = clients();
            nock(ARM)
                .get(`/subscriptions/${SUB}/providers/Microsoft.Resources`)
                .query(hasApiVersion)
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, { namespace: "Microsoft.Resources", registrationState: "Registered" })
                .head(`/subscriptions/${SUB}/resourcegroups/rg-sops-prod`)
                .query(hasApiVersion)
                .reply(204)
                .head(`/subscriptions/${SUB}/resourcegroups/rg-missing`)
                .query(hasApiVersion)
                .reply(404);
            const provider = await c.resources.providers.get("Microsoft.Resources");
            assert.equal(provider.registrationState, "Registered");
            assert.equal((await c.resources.resourceGroups.checkExistence("rg-sops-prod")).body, true);
            assert.equal((await c.resources.resourceGroups.checkExistence("rg-missing")).body, false);
            assert.ok(
                scopes.length > 0 && scopes.every((s) => s === "https://management.azure.com/.default"),
                String(scopes),
            );
        });

        it("deployments: POST .../providers/Microsoft.Resources/deployments/{name}/validate at api-version 2025-04-01", async () => {
            const { clients: c } = clients();
            let body: unknown;
            nock(ARM)
                .post(
                    `/subscriptions/${SUB}/providers/Microsoft.Resources/deployments/preflight-prod/validate`,
                    (b) => {
                        body = b;
                        return true;
                    },
                )
                .query({ "api-version": "2025-04-01" })
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, {
                    id: `/subscriptions/${SUB}/providers/Microsoft.Resources/deployments/preflight-prod`,
                    name: "preflight-prod",
                    type: "Microsoft.Resources/deployments",
                    properties: { mode: "Incremental", provisioningState: "Succeeded" },
                });
            const result = await c.deployments.deployments.validateAtSubscriptionScope(
                "preflight-prod",
                { location: "westeurope", properties: { mode: "Incremental", template: { resources: [] } } },
                { updateIntervalInMs: 1 },
            );
            assert.equal(result.properties?.provisioningState, "Succeeded");
            assert.deepEqual(body, {
                location: "westeurope",
                properties: { mode: "Incremental", template: { resources: [] } },
            });
        });

        it("features: GET .../providers/Microsoft.Features/providers/{namespace}/features/{name}", async () => {
            const { clients: c } = clients();
            nock(ARM)
                .get(
                    `/subscriptions/${SUB}/providers/Microsoft.Features/providers/Microsoft.Compute/features/EncryptionAtHost`,
                )
                .query(hasApiVersion)
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, { name: "Microsoft.Compute/EncryptionAtHost", properties: { state: "Registered" } });
            const feature = await c.features.features.get("Microsoft.Compute", "EncryptionAtHost");
            assert.equal(feature.properties?.state, "Registered");
        });

        it("containerService: GET .../providers/Microsoft.ContainerService/locations/{location}/kubernetesVersions", async () => {
            const { clients: c } = clients();
            nock(ARM)
                .get(
                    `/subscriptions/${SUB}/providers/Microsoft.ContainerService/locations/westeurope/kubernetesVersions`,
                )
                .query(hasApiVersion)
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, { values: [{ version: "1.33", capabilities: { supportPlan: ["KubernetesOfficial"] } }] });
            const versions = await c.containerService.managedClusters.listKubernetesVersions("westeurope");
            assert.deepEqual(
                versions.values?.map((v) => v.version),
                ["1.33"],
            );
        });

        it("keyVault: GET .../resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}", async () => {
            const { clients: c } = clients();
            const id = `/subscriptions/${SUB}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod`;
            nock(ARM)
                .get(id)
                .query(hasApiVersion)
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, {
                    id,
                    name: "kv-contoso-sops-prod",
                    location: "westeurope",
                    properties: {
                        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
                        sku: { family: "A", name: "standard" },
                    },
                });
            assert.equal((await c.keyVault.vaults.get("rg-sops-prod", "kv-contoso-sops-prod")).id, id);
        });

        it("compute: GET .../providers/Microsoft.Compute/skus with $filter, every page through nextLink, in order", async () => {
            const { clients: c } = clients();
            const path = `/subscriptions/${SUB}/providers/Microsoft.Compute/skus`;
            const sku = (name: string) => ({ resourceType: "virtualMachines", name, locations: ["westeurope"] });
            nock(ARM)
                .get(path)
                .query((q) => hasApiVersion(q) && q.$filter === "location eq 'westeurope'" && !("$skiptoken" in q))
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, {
                    value: [sku("Standard_D4ds_v5"), sku("Standard_D8ds_v5")],
                    nextLink: `${ARM}${path}?api-version=2021-07-01&$filter=location%20eq%20%27westeurope%27&$skiptoken=page2`,
                })
                .get(path)
                .query((q) => q.$skiptoken === "page2")
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, { value: [sku("Standard_E4ds_v5")] });
            const skus = await all(c.compute.resourceSkus.list({ filter: "location eq 'westeurope'" }));
            assert.deepEqual(
                skus.map((s) => s.name),
                ["Standard_D4ds_v5", "Standard_D8ds_v5", "Standard_E4ds_v5"],
            );
        });

        it("authorization: GET .../resourcegroups/{rg}/providers/Microsoft.Authorization/permissions, every page", async () => {
            const { clients: c } = clients();
            const path = `/subscriptions/${SUB}/resourcegroups/rg-sops-prod/providers/Microsoft.Authorization/permissions`;
            nock(ARM)
                .get(path)
                .query((q) => hasApiVersion(q) && !("$skiptoken" in q))
                .matchHeader("authorization", ARM_TOKEN)
                .reply(200, {
                    value: [{ actions: ["Microsoft.Authorization/*/read"], notActions: [] }],
                    nextLink: `${ARM}${path}?api-version=2022-04-01&$skiptoken=next`,
                })
                .get(path)
                .query((q) => q.$skiptoken === "next")
                .reply(200, {
                    value: [{ actions: ["Microsoft.Authorization/roleAssignments/write"], notActions: [] }],
                });
            const permissions = await all(c.authorization.permissions.listForResourceGroup("rg-sops-prod"));
            assert.deepEqual(
                permissions.map((p) => p.actions),
                [["Microsoft.Authorization/*/read"], ["Microsoft.Authorization/roleAssignments/write"]],
            );
        });

        it("reads ARM's error: status, error.code and error.message of a 403, and the result line it becomes", async () => {
            const { clients: c } = clients();
            const message =
                "The client 'ci@contoso.com' with object id '00000000-0000-0000-0000-000000000001' does not have authorization to perform action 'Microsoft.Features/providers/features/read' over scope '/subscriptions/0b7e4d1c-5a8f-4c2e-9d3b-6f1a2c8e4b90' or the scope is invalid.";
            nock(ARM)
                .get(/\/features\/EncryptionAtHost/)
                .query(true)
                .reply(403, { error: { code: "AuthorizationFailed", message } })
                .get(/\/kubernetesVersions/)
                .query(true)
                .times(3) // the first try and FAST's two retries
                .reply(500, {
                    error: { code: "InternalServerError", message: "Something went wrong.\nTry again later." },
                });
            const forbidden = await c.features.features
                .get("Microsoft.Compute", "EncryptionAtHost")
                .catch((e: unknown) => e);
            assert.deepEqual(asServiceError(forbidden), { statusCode: 403, code: "AuthorizationFailed", message });
            assert.equal(statusOf(forbidden), 403);
            const check = { id: "features", reads: "the subscription's feature registrations", needs: "Reader" };
            assert.equal(
                errorResult(check, forbidden).detail,
                "the signed-in identity cannot read the subscription's feature registrations (needs Reader): AuthorizationFailed",
            );
            const failed = await c.containerService.managedClusters
                .listKubernetesVersions("westeurope")
                .catch((e: unknown) => e);
            assert.equal(
                errorResult(check, failed).detail,
                "could not be checked: HTTP 500 InternalServerError: Something went wrong.",
            );
        });

        it("ifExists: a 404 is undefined, another error propagates, an answer passes through", async () => {
            const { clients: c } = clients();
            const vault = (name: string) =>
                `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${name}`;
            nock(ARM)
                .get(vault("kv-gone"))
                .query(true)
                .reply(404, {
                    error: {
                        code: "ResourceNotFound",
                        message:
                            "The Resource 'Microsoft.KeyVault/vaults/kv-gone' under resource group 'rg' was not found.",
                    },
                })
                .get(vault("kv-secret"))
                .query(true)
                .reply(403, { error: { code: "AuthorizationFailed", message: "no" } })
                .get(vault("kv-here"))
                .query(true)
                .reply(200, {
                    id: vault("kv-here"),
                    name: "kv-here",
                    location: "westeurope",
                    properties: { tenantId: "t", sku: { family: "A", name: "standard" } },
                });
            assert.equal(await ifExists(() => c.keyVault.vaults.get("rg", "kv-gone")), undefined);
            await assert.rejects(
                ifExists(() => c.keyVault.vaults.get("rg", "kv-secret")),
                (e: unknown) => statusOf(e) === 403,
            );
            await assert.rejects(
                ifExists(() => Promise.reject(new Error("socket hang up"))),
                /socket hang up/,
                "an error without a status is not a 404 either",
            );
            assert.equal((await ifExists(() => c.keyVault.vaults.get("rg", "kv-here")))?.name, "kv-here");
        });
    });

    describe("Microsoft Graph", () => {
        // GET /v1.0/groups with $filter, $select and $top (learn.microsoft.com/graph/api/group-list); in an OData string
        // literal a single quote is written twice (OData ABNF, SQUOTE-in-string = SQUOTE SQUOTE).
        const QUERY = {
            $filter: "displayName eq 'O''Brien''s admins' and securityEnabled eq true",
            $select: "id,displayName,securityEnabled",
            $top: "10",
        };
        const group = {
            id: "5f3b1c2a-0000-4000-8000-000000000001",
            displayName: "O'Brien's admins",
            securityEnabled: true,
        };

        it("asks graph.microsoft.com by default, signed in for Graph's scope, with the program's filter", async () => {
            const { credential, scopes } = recordingCredential();
            nock("https://graph.microsoft.com")
                .get("/v1.0/groups")
                .query(QUERY)
                .matchHeader("authorization", GRAPH_TOKEN)
                .reply(200, { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups", value: [group] });
            const found = await createClients(SUB, { credential, retry: FAST }).graph.groupsNamed("O'Brien's admins");
            assert.deepEqual(found, [group]);
            assert.deepEqual(scopes, ["https://graph.microsoft.com/.default"]);
        });

        it("fails when the credential gives no token for Graph, saying so", async () => {
            const { credential } = recordingCredential({ "https://graph.microsoft.com/.default": null });
            const graph = createClients(SUB, { credential, retry: FAST }).graph;
            await assert.rejects(graph.groupsNamed("aks-admins"), /no token for Microsoft Graph/);
        });

        for (const endpoint of ["https://fake-graph.test", "https://fake-graph.test/"]) {
            it(`asks the endpoint it is given (${endpoint}) under /v1.0/`, async () => {
                const { credential } = recordingCredential();
                nock("https://fake-graph.test")
                    .get("/v1.0/groups")
                    .query(QUERY)
                    .reply(200, { value: [group] });
                const graph = createClients(SUB, { credential, graphEndpoint: endpoint, retry: FAST }).graph;
                assert.deepEqual(await graph.groupsNamed("O'Brien's admins"), [group]);
            });
        }

        it("answers no groups when Graph's page has no value", async () => {
            const { credential } = recordingCredential();
            nock("https://graph.microsoft.com").get("/v1.0/groups").query(true).reply(200, {});
            assert.deepEqual(await createClients(SUB, { credential }).graph.groupsNamed("nobody"), []);
        });

        it("retries 503 as often as the retry policy says (Retry-After honoured), then gives Graph's error", async () => {
            const { credential } = recordingCredential();
            const graph = createClients(SUB, { credential, retry: FAST }).graph;
            const unavailable = { error: { code: "serviceNotAvailable", message: "Service unavailable" } };
            const scope = nock("https://graph.microsoft.com")
                .get("/v1.0/groups")
                .query(true)
                .times(2)
                .reply(503, unavailable, { "Retry-After": "0" })
                .get("/v1.0/groups")
                .query(true)
                .reply(200, { value: [group] });
            assert.deepEqual(await graph.groupsNamed("O'Brien's admins"), [group]);
            assert.ok(scope.isDone());

            nock("https://graph.microsoft.com")
                .get("/v1.0/groups")
                .query(true)
                .times(3) // the first try and FAST's two retries: no fourth request
                .reply(503, unavailable, { "Retry-After": "0" });
            const e = await graph.groupsNamed("aks-admins").catch((err: unknown) => err);
            assert.deepEqual(asServiceError(e), {
                statusCode: 503,
                code: "serviceNotAvailable",
                message: "Service unavailable",
            });
        });

        it("caps retries at Graph's maximum of 10 instead of refusing a larger policy", async () => {
            const { credential } = recordingCredential();
            nock("https://graph.microsoft.com").get("/v1.0/groups").query(true).reply(200, { value: [] });
            const graph = createClients(SUB, {
                credential,
                retry: { maxRetries: 12, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
            }).graph;
            assert.deepEqual(await graph.groupsNamed("aks-admins"), []);
        });

        it("reads Graph's 403 as status and code", async () => {
            const { credential } = recordingCredential();
            nock("https://graph.microsoft.com")
                .get("/v1.0/groups")
                .query(true)
                .reply(403, {
                    error: {
                        code: "Authorization_RequestDenied",
                        message: "Insufficient privileges to complete the operation.",
                    },
                });
            const e = await createClients(SUB, { credential })
                .graph.groupsNamed("aks-admins")
                .catch((err: unknown) => err);
            assert.deepEqual(asServiceError(e), {
                statusCode: 403,
                code: "Authorization_RequestDenied",
                message: "Insufficient privileges to complete the operation.",
            });
        });
    });

    describe("asServiceError", () => {
        it("prefers the status code, then the status", () => {
            assert.equal(asServiceError({ statusCode: 404, status: 500, message: "m" }).statusCode, 404);
            assert.equal(asServiceError({ status: 429, message: "m" }).statusCode, 429);
            assert.equal(asServiceError({ statusCode: "404", status: "500", message: "m" }).statusCode, undefined);
            assert.equal(asServiceError(new Error("plain")).statusCode, undefined);
        });

        it("prefers the code and message of the body's error over the error's own", () => {
            const e = {
                statusCode: 409,
                code: "Conflict",
                message: "Operation returned an invalid status code 'Conflict'",
                details: { error: { code: "VaultAlreadyExists", message: "The vault name 'kv-x' is already in use." } },
            };
            assert.deepEqual(asServiceError(e), {
                statusCode: 409,
                code: "VaultAlreadyExists",
                message: "The vault name 'kv-x' is already in use.",
            });
            const partial = { ...e, details: { error: { code: 7, message: null } } };
            assert.deepEqual(asServiceError(partial), {
                statusCode: 409,
                code: "Conflict",
                message: "Operation returned an invalid status code 'Conflict'",
            });
        });

        it("makes a message of anything thrown", () => {
            assert.deepEqual(asServiceError("just text"), {
                statusCode: undefined,
                code: undefined,
                message: "just text",
            });
            assert.deepEqual(asServiceError(undefined), {
                statusCode: undefined,
                code: undefined,
                message: "undefined",
            });
            assert.deepEqual(asServiceError(null), { statusCode: undefined, code: undefined, message: "null" });
            assert.equal(asServiceError({ message: 42, toString: () => "an odd error" }).message, "an odd error");
            assert.equal(asServiceError({ code: 5 }).code, undefined);
        });
    });

    describe("all", () => {
        it("collects every item of a paged list in order, and nothing from an empty one", async () => {
            async function* pages() {
                yield "a";
                await Promise.resolve();
                yield "b";
                yield "c";
            }
            assert.deepEqual(await all(pages()), ["a", "b", "c"]);
            assert.deepEqual(await all((async function* () {})()), []);
        });

        it("rejects with the list's error", async () => {
            async function* failing() {
                yield 1;
                await Promise.resolve();
                throw Object.assign(new Error("throttled"), { statusCode: 429 });
            }
            await assert.rejects(all(failing()), /throttled/);
        });
    });
});
