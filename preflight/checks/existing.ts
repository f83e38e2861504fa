// Resources the stack reads but does not create (azure-native get* lookups), such as the DR clusters' egress prefixes
// an owner's vault firewall admits (sops.admitEgressPrefixIds): `pulumi up` fails on the first missing one, and ARM's
// validation cannot tell, because the template only names them. Each is read by id (Resources_GetById; examples in
// azure-rest-api-specs specification/resources/.../examples/GetResourceById.json → 200 GenericResource, 404 when absent).
import { ifExists } from "../azure";
import type { Check, CheckContext, CheckResult } from "../run";

export const existingResources: Check = {
    id: "existing-resources",
    reads: "the resources the stack reads by id",
    needs: "Reader on their resource groups",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const reads = [...ctx.facts.reads.entries()].sort(([a], [b]) => a.localeCompare(b));
        if (reads.length === 0) {
            return [{ id: this.id, status: "ok", detail: "the stack reads no existing resource" }];
        }
        const results: CheckResult[] = [];
        for (const [label, read] of reads) {
            const id = read.mockId.replace(/^\/subscriptions\/[^/]+/, `/subscriptions/${ctx.subscriptionId}`);
            // The API version the azure-native lookup uses (its module states it); the lookup and this read agree.
            // The client's path template is "/{resourceId}": the id goes without its leading slash.
            const found = await ifExists(() => ctx.clients.resources.resources.getById(id.replace(/^\//, ""), read.apiVersion ?? "2024-05-01", { abortSignal: ctx.signal }));
            const what = `${read.type} ${read.names.join("/")}`;
            const admitted = read.type === "Microsoft.Network/publicIPPrefixes" && ctx.facts.settings.sops.admitEgressPrefixIds.length > 0;
            results.push(
                found
                    ? { id: this.id, status: "ok", detail: `${what} exists (${label})` }
                    : {
                          id: this.id,
                          status: "fail",
                          detail: `${what} does not exist: the stack reads it${admitted ? " for sops.admitEgressPrefixIds; deploy the stack that owns it (the DR stack, on standby) first" : ""}`,
                          fix: admitted ? "pulumi up --stack <the DR stack> (or remove the id from sops.admitEgressPrefixIds until it exists)" : `az resource show --ids ${id}`,
                      },
            );
        }
        return results;
    },
};
