// The signed-in identity may write the role assignments (and role definitions) the plan creates, at their scopes.
// Permissions_ListForResourceGroup / _ListForResource (azure-rest-api-specs specification/authorization/...
// authorization-RoleDefinitionsCalls.json, PermissionGetResult) return the caller's effective permissions there:
// value[] of {actions, notActions, dataActions, notDataActions}, one per role. An action is allowed when some entry's
// actions match it (wildcards, case-insensitive) and that same entry's notActions do not (RBAC docs
// role-definitions.md "NotActions": they subtract from the role's own Actions, not from other roles).
// Built-in roles (RBAC docs built-in-roles.md): Role Based Access Control Administrator has roleAssignments/write but not
// roleDefinitions/write; User Access Administrator (Microsoft.Authorization/*) has both.
//
// Conditions are not evaluated: a condition on the identity's own role assignment (e.g. the README's limit on which
// roles a Role Based Access Control Administrator may assign; RBAC docs delegate-role-assignments-examples.md) is not in
// the permissions answer, whose entries carry actions, notActions, dataActions and notDataActions only (Permission in
// the 2022-04-01 and 2022-05-01-preview specs; @azure/arm-authorization's Permission model). ARM applies the condition
// when `pulumi up` writes the assignment, so "allowed" here means allowed by actions, and every line says so.
import type { Permission } from "@azure/arm-authorization";
import { all, ifExists } from "../azure";
import type { Check, CheckContext, CheckResult } from "../run-checks";

const ASSIGN = "Microsoft.Authorization/roleAssignments/write";
export const CONDITIONS_NOT_EVALUATED =
    "conditions on the identity's role assignments (such as a limit on the roles it may assign) are not evaluated";
const DEFINE = "Microsoft.Authorization/roleDefinitions/write";

export function matches(pattern: string, action: string): boolean {
    const re = new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
        "i",
    );
    return re.test(action);
}

export function allowed(permissions: Permission[], action: string): boolean {
    return permissions.some(
        (p) =>
            (p.actions ?? []).some((a) => matches(a, action)) && !(p.notActions ?? []).some((n) => matches(n, action)),
    );
}

interface Requirement {
    resourceGroup: string;
    /** The existing resource (not created by the plan) the assignments attach to, relative: Microsoft.KeyVault/vaults/kv. */
    existingResource?: string;
    actions: Set<string>;
    resources: string[];
}

function requirements(ctx: CheckContext): {
    needs: Requirement[];
    subscriptionLevel: string[];
    elsewhere: Map<string, string[]>;
} {
    const byKey = new Map<string, Requirement>();
    const subscriptionLevel: string[] = [];
    // Assignments on a resource in another subscription (sops.existingKeyId may name one): their ids keep that
    // subscription, where the plan's own resources carry the mocks' (labelled azure.subscriptionId) or, when the config
    // spells it out, the one checked. The clients read the checked subscription only.
    const elsewhere = new Map<string, string[]>();
    const mocks = [...ctx.facts.capture.references].find(([, label]) => label === "azure.subscriptionId")?.[0];
    const here = new Set([mocks, ctx.subscriptionId].map((s) => s?.toLowerCase()));
    const planned = new Set(ctx.facts.resources.map((r) => r.mockId.toLowerCase()));
    for (const r of ctx.facts.resources) {
        const action =
            r.type === "Microsoft.Authorization/roleAssignments"
                ? ASSIGN
                : r.type === "Microsoft.Authorization/roleDefinitions"
                  ? DEFINE
                  : undefined;
        if (!action) {
            continue;
        }
        if (r.placement.kind === "subscription") {
            subscriptionLevel.push(r.name);
            continue;
        }
        const subscription = r.mockId.split("/")[2] ?? "";
        if (mocks !== undefined && !here.has(subscription.toLowerCase())) {
            elsewhere.set(subscription, [...(elsewhere.get(subscription) ?? []), r.name]);
            continue;
        }
        const scopeId = r.mockId.slice(0, r.mockId.toLowerCase().lastIndexOf("/providers/microsoft.authorization/"));
        const existingResource =
            r.placement.scope && !planned.has(scopeId.toLowerCase()) ? r.placement.scope : undefined;
        const key = `${r.placement.resourceGroup}|${existingResource ?? ""}`;
        const req = byKey.get(key) ?? {
            resourceGroup: r.placement.resourceGroup,
            existingResource,
            actions: new Set<string>(),
            resources: [],
        };
        req.actions.add(action);
        req.resources.push(r.name);
        byKey.set(key, req);
    }
    return { needs: [...byKey.values()], subscriptionLevel, elsewhere };
}

export const callerPermissions: Check = {
    id: "permissions",
    reads: "the signed-in identity's permissions",
    needs: "Reader at the scopes",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const { needs, subscriptionLevel, elsewhere } = requirements(ctx);
        const results: CheckResult[] = [];
        if (needs.length === 0 && subscriptionLevel.length === 0 && elsewhere.size === 0) {
            return [{ id: this.id, status: "ok", detail: "the plan writes no role assignments or definitions" }];
        }
        for (const req of needs) {
            const scopeText = req.existingResource ? `${req.resourceGroup}/${req.existingResource}` : req.resourceGroup;
            const scopeId = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${req.resourceGroup}${req.existingResource ? `/providers/${req.existingResource}` : ""}`;
            const actions = [...req.actions].sort();
            let permissions: Permission[] | undefined;
            if (!(await ctx.shared.resourceGroupExists(req.resourceGroup))) {
                results.push({
                    id: this.id,
                    status: "warn",
                    resource: req.resourceGroup,
                    detail: `resource group ${req.resourceGroup} does not exist yet, so ${actions.join(" and ")} there cannot be checked (the permissions API lists per resource group or resource); the deploying identity needs it at the subscription or on the group once created`,
                });
                continue;
            }
            if (req.existingResource) {
                const [ns, ...rest] = req.existingResource.split("/");
                const type = rest.slice(0, -1).filter((_, i) => i % 2 === 0);
                const names = rest.filter((_, i) => i % 2 === 1);
                const parent = type
                    .slice(0, -1)
                    .map((t, i) => `${t}/${names[i]}`)
                    .join("/");
                // GET .../resourceGroups/{rg}/providers/{ns}/{parent}/{type}/{name}/providers/Microsoft.Authorization/permissions
                permissions = await ifExists(() =>
                    all(
                        ctx.clients.authorization.permissions.listForResource(
                            req.resourceGroup,
                            ns,
                            parent,
                            type[type.length - 1],
                            names[names.length - 1],
                            { abortSignal: ctx.signal },
                        ),
                    ),
                );
                if (!permissions) {
                    results.push({
                        id: this.id,
                        status: "fail",
                        resource: scopeText,
                        detail: `${req.existingResource} does not exist in ${req.resourceGroup}, but the stack assigns roles on it (${req.resources.join(", ")})`,
                    });
                    continue;
                }
            } else {
                permissions = await all(
                    ctx.clients.authorization.permissions.listForResourceGroup(req.resourceGroup, {
                        abortSignal: ctx.signal,
                    }),
                );
            }
            const missing = actions.filter((a) => !allowed(permissions, a));
            if (missing.length === 0) {
                results.push({
                    id: this.id,
                    status: "ok",
                    resource: scopeText,
                    detail: `${actions.join(" and ")} allowed at ${scopeText} by actions${actions.includes(ASSIGN) ? `; ${CONDITIONS_NOT_EVALUATED}` : ""}`,
                });
                continue;
            }
            const role = missing.includes(DEFINE)
                ? "User Access Administrator"
                : "Role Based Access Control Administrator";
            results.push({
                id: this.id,
                status: "fail",
                resource: scopeText,
                detail: `the signed-in identity lacks ${missing.join(" and ")} at ${scopeText} (for ${req.resources.join(", ")}): grant ${role}${missing.includes(DEFINE) ? "" : " (ideally with a condition on the assignable roles) or User Access Administrator"}`,
                fix: `az role assignment create --assignee <deploying identity's object id> --role "${role}" --scope ${scopeId}`,
            });
        }
        for (const [subscription, names] of elsewhere) {
            results.push({
                id: this.id,
                status: "warn",
                resource: `subscription ${subscription}`,
                detail: `${names.join(", ")} write in subscription ${subscription}; preflight reads ${ctx.subscriptionId} only, so the deploying identity's permission there is not checked`,
            });
        }
        if (subscriptionLevel.length > 0) {
            results.push({
                id: this.id,
                status: "warn",
                resource: "subscription",
                detail: `${subscriptionLevel.join(", ")} write at the subscription; @azure/arm-authorization lists permissions only per resource group or resource, so that is not checked`,
            });
        }
        return results;
    },
};
