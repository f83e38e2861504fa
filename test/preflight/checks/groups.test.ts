// The Entra groups check (preflight/checks/groups.ts) called in process on the fixture stacks' facts, through the run's
// shared group lookup (preflight/run-checks.ts sharedLookups) over a fake Microsoft Graph. Graph answers GET
// /v1.0/groups?$filter=displayName eq '<name>' and securityEnabled eq true with {value: [{id, displayName,
// securityEnabled}]} (microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/api/group-list.md); display names
// are not unique in a tenant, so two groups may answer. The program resolves each name with azuread getGroup({displayName,
// securityEnabled: true}), which fails unless exactly one group answers (hashicorp/terraform-provider-azuread
// internal/services/groups/group_data_source.go: "More than one group found", "No group found"). Without the
// Group.Read.All permission Graph answers 403 {error: {code: "Authorization_RequestDenied", message: "Insufficient
// privileges to complete the operation."}} (Graph docs permissions-reference.md; the error as Microsoft's docs quote it).
import * as assert from "node:assert/strict";
import type { Clients, GraphGroup } from "../../../preflight/azure";
import { entraGroups } from "../../../preflight/checks/groups";
import type { CheckResult } from "../../../preflight/run-checks";
import type { StackFacts } from "../../../preflight/stack";
import { stackFacts } from "../../fixtures/preflight/world";
import { checkContext } from "../../support/check-context";

const ADMINS = "3f0c8a2e-6b1d-4e57-9a3c-2d8e5f7b1a90";
const DEVELOPERS = "8b2d4f6a-1c3e-4a5b-9d7f-0e2c4a6b8d1f";
const ENCRYPTORS = "c41e9d27-5a8b-4f3c-b6e2-7d9a1c3e5f08";
const TWIN = "0a9e7c5b-3d1f-4b8a-8c6e-4f2a0b9d7e13";

/** A fake Graph answering per display name (a name not listed has no group), or with an error; `asked` records the names. */
function graph(byName: Record<string, GraphGroup[] | Error>) {
    const asked: string[] = [];
    const reader: Clients["graph"] = {
        groupsNamed: (name) => {
            asked.push(name);
            const answer = byName[name] ?? [];
            return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
        },
    };
    return { clients: { graph: reader } as unknown as Clients, asked };
}
const group = (id: string, displayName: string, securityEnabled = true): GraphGroup => ({
    id,
    displayName,
    securityEnabled,
});
/** What @microsoft/microsoft-graph-client throws for an error response (GraphError: statusCode, code, message). */
const graphError = (statusCode: number, code?: string) =>
    Object.assign(new Error("Insufficient privileges to complete the operation."), {
        name: "GraphError",
        statusCode,
        ...(code ? { code } : {}),
    });

const ok = (name: string, id: string): CheckResult => ({
    id: "entra-groups",
    status: "ok",
    resource: name,
    detail: `group "${name}" is ${id}`,
});
const none = (name: string, filterName = name): CheckResult => ({
    id: "entra-groups",
    status: "fail",
    resource: name,
    detail: `no security-enabled Entra group is named "${name}" (the program looks up security groups only)`,
    fix: `az ad group list --filter "startswith(displayName,'${filterName}')" --query "[].{name:displayName,id:id,securityEnabled:securityEnabled}" --output table`,
});
const denied = (name: string, why: string): CheckResult => ({
    id: "entra-groups",
    status: "fail",
    resource: name,
    detail: `the signed-in identity cannot look up group "${name}" in Microsoft Graph (${why}): a service principal needs the Group.Read.All application permission, or give the group's object id in the stack config`,
    fix: `az ad group show --group "${name}" --query id --output tsv`,
});

describe("preflight entra-groups check", () => {
    let prod: StackFacts;
    before(async () => {
        prod = await stackFacts("prod");
    });
    const named = (...groupNames: string[]): StackFacts => ({ ...prod, groupNames });
    async function run(facts: StackFacts, byName: Record<string, GraphGroup[] | Error>) {
        const fake = graph(byName);
        const results = await entraGroups.run(checkContext(facts, fake.clients));
        return { results, asked: fake.asked };
    }

    it("each group the prod stack names resolves to one security group: ok, with its object id, in name order", async () => {
        const { results, asked } = await run(prod, {
            "aks-prod-admins": [group(ADMINS, "aks-prod-admins")],
            "payments-developers": [group(DEVELOPERS, "payments-developers")],
            "platform-sops-encryptors": [group(ENCRYPTORS, "platform-sops-encryptors")],
        });
        assert.deepEqual(results, [
            ok("aks-prod-admins", ADMINS),
            ok("payments-developers", DEVELOPERS),
            ok("platform-sops-encryptors", ENCRYPTORS),
        ]);
        assert.deepEqual(asked, ["aks-prod-admins", "payments-developers", "platform-sops-encryptors"]);
    });

    it("a name no security group has fails, with a lookup that finds near names (quotes doubled for OData)", async () => {
        const { results } = await run(named("aks-prod-admins", "O'Brien's admins"), {
            "aks-prod-admins": [group(ADMINS, "aks-prod-admins")],
        });
        assert.deepEqual(results, [ok("aks-prod-admins", ADMINS), none("O'Brien's admins", "O''Brien''s admins")]);
    });

    it("two security groups of the same display name fail: the program's lookup needs exactly one", async () => {
        const { results } = await run(named("aks-prod-admins"), {
            "aks-prod-admins": [group(TWIN, "aks-prod-admins"), group(ADMINS, "aks-prod-admins")],
        });
        assert.deepEqual(results, [
            {
                id: "entra-groups",
                status: "fail",
                resource: "aks-prod-admins",
                detail: `2 security-enabled Entra groups are named "aks-prod-admins" (${TWIN}, ${ADMINS}): give the intended one's object id in the stack config`,
                fix: 'az ad group list --display-name "aks-prod-admins" --query "[?securityEnabled].{id:id,description:description}" --output table',
            },
        ]);
        const three = await run(named("aks-prod-admins"), {
            "aks-prod-admins": [
                group(ENCRYPTORS, "aks-prod-admins"),
                group(TWIN, "aks-prod-admins"),
                group(ADMINS, "aks-prod-admins"),
            ],
        });
        assert.equal(
            three.results[0].detail,
            `3 security-enabled Entra groups are named "aks-prod-admins" (${TWIN}, ${ADMINS}, ${ENCRYPTORS}): give the intended one's object id in the stack config`,
        );
    });

    it("a group that is not security-enabled (a mail-only group) is not one the program can find", async () => {
        const mailOnly = group(TWIN, "aks-prod-admins", false);
        const alone = await run(named("aks-prod-admins"), { "aks-prod-admins": [mailOnly] });
        assert.deepEqual(alone.results, [none("aks-prod-admins")]);
        const beside = await run(named("aks-prod-admins"), {
            "aks-prod-admins": [mailOnly, group(ADMINS, "aks-prod-admins")],
        });
        assert.deepEqual(beside.results, [ok("aks-prod-admins", ADMINS)]);
    });

    it("403 or 401 from Graph fails that name, saying what permission is missing; the other names are still looked up", async () => {
        const { results } = await run(named("aks-prod-admins", "payments-developers", "platform-sops-encryptors"), {
            "aks-prod-admins": graphError(403, "Authorization_RequestDenied"),
            "payments-developers": graphError(401),
            "platform-sops-encryptors": [group(ENCRYPTORS, "platform-sops-encryptors")],
        });
        assert.deepEqual(results, [
            denied("aks-prod-admins", "Authorization_RequestDenied"),
            denied("payments-developers", "HTTP 401"),
            ok("platform-sops-encryptors", ENCRYPTORS),
        ]);
    });

    it("any other error fails the check with it", async () => {
        const outage = Object.assign(new Error("Service unavailable"), {
            statusCode: 503,
            code: "serviceNotAvailable",
        });
        await assert.rejects(
            run(named("aks-prod-admins", "payments-developers"), {
                "aks-prod-admins": [group(ADMINS, "aks-prod-admins")],
                "payments-developers": outage,
            }),
            (e) => e === outage,
        );
    });

    it("a stack that gives every group by object id: ok without asking Graph", async () => {
        const { results, asked } = await run(named(), {});
        assert.deepEqual(results, [
            { id: "entra-groups", status: "ok", detail: "every group is given by object id; nothing to resolve" },
        ]);
        assert.deepEqual(asked, []);
    });
});
