// Every Entra group the stack names by display name (admin groups, SOPS encryptors, Grafana admins: whatever the
// program resolves with azuread getGroup({displayName, securityEnabled: true})) must resolve to exactly one
// security-enabled group, as `pulumi up` needs. Microsoft Graph GET /v1.0/groups?$filter=displayName eq '<name>' and
// securityEnabled eq true, the filter the azuread data source sends (azure.ts groupsNamed) ({value:[{id, displayName,
// securityEnabled}]}; Graph docs group-list.md). A service
// principal needs the Group.Read.All application permission for it (Graph docs permissions-reference.md), else 403.
import { asServiceError } from "../azure";
import type { Check, CheckContext, CheckResult } from "../run-checks";

export const entraGroups: Check = {
    id: "entra-groups",
    reads: "Entra groups through Microsoft Graph",
    needs: "Microsoft Graph Group.Read.All",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const names = ctx.facts.groupNames;
        if (names.length === 0) {
            return [{ id: this.id, status: "ok", detail: "every group is given by object id; nothing to resolve" }];
        }
        const results: CheckResult[] = [];
        for (const name of names) {
            const answer = await ctx.shared.groups(name);
            if ("error" in answer) {
                const err = asServiceError(answer.error);
                if (err.statusCode === 401 || err.statusCode === 403) {
                    results.push({
                        id: this.id,
                        status: "fail",
                        resource: name,
                        detail: `the signed-in identity cannot look up group "${name}" in Microsoft Graph (${err.code ?? `HTTP ${err.statusCode}`}): a service principal needs the Group.Read.All application permission, or give the group's object id in the stack config`,
                        fix: `az ad group show --group "${name}" --query id --output tsv`,
                    });
                    continue;
                }
                throw answer.error;
            }
            if (answer.ids.length === 1) {
                results.push({
                    id: this.id,
                    status: "ok",
                    resource: name,
                    detail: `group "${name}" is ${answer.ids[0]}`,
                });
            } else if (answer.ids.length === 0) {
                results.push({
                    id: this.id,
                    status: "fail",
                    resource: name,
                    detail: `no security-enabled Entra group is named "${name}" (the program looks up security groups only)`,
                    fix: `az ad group list --filter "startswith(displayName,'${name.replace(/'/g, "''")}')" --query "[].{name:displayName,id:id,securityEnabled:securityEnabled}" --output table`,
                });
            } else {
                results.push({
                    id: this.id,
                    status: "fail",
                    resource: name,
                    detail: `${answer.ids.length} security-enabled Entra groups are named "${name}" (${answer.ids.join(", ")}): give the intended one's object id in the stack config`,
                    fix: `az ad group list --display-name "${name}" --query "[?securityEnabled].{id:id,description:description}" --output table`,
                });
            }
        }
        return results;
    },
};
