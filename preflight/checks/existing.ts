// Resources the stack reads but does not create (azure-native get* lookups), such as the DR clusters' egress prefixes
// an owner's vault firewall admits (sops.admitEgressPrefixIds): `pulumi up` fails on the first missing one, and ARM's
// validation cannot tell, because the template only names them. Each is read by id (Resources_GetById; examples in
// azure-rest-api-specs specification/resources/.../examples/GetResourceById.json → 200 GenericResource, 404 when absent).
//
// The rollout's first run of a vault owner (the vault wave, ci/stacks.ts WAVES) sets admitExistingOnly: the program then
// leaves out an admitted prefix that does not exist yet. When a stack of the same rollout creates it in a later wave
// (the DR stacks of the clusters wave), that is expected: a warning, not a failure. Anything else stays a failure.
import type { FleetStack } from "../../ci/stacks";
import { ifExists } from "../azure";
import type { Check, CheckContext, CheckResult } from "../run";

/**
 * The stack of this rollout that creates `id`, one of the prefixes `stack` admits, in a wave after the vault wave `stack`
 * runs in, if any.
 */
function createdLater(stack: string, id: string, admits: string[]): FleetStack | undefined {
    // Loaded when needed: discovery reads every stack file with the SDK's config code, which preflight --help never needs.
    const { creatorOf, discover, rolloutPosition, sameResource } = require("../../ci/stacks") as typeof import("../../ci/stacks");
    if (!admits.some((a) => sameResource(a, id))) {
        return undefined;
    }
    const { stacks } = discover();
    const self = stacks.find((s) => s.stack === stack);
    const creator = creatorOf(stacks, id);
    return self && creator && rolloutPosition(creator.ring, creator.wave) > rolloutPosition(self.ring, "vault") ? creator : undefined;
}

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
            const later = !found && admitted && ctx.facts.settings.admitExistingOnly === true ? createdLater(ctx.facts.stack, id, ctx.facts.settings.sops.admitEgressPrefixIds) : undefined;
            results.push(
                found
                    ? { id: this.id, status: "ok", detail: `${what} exists (${label})` }
                    : later
                      ? {
                            id: this.id,
                            status: "warn",
                            detail: `${what} does not exist yet: ${later.stack} creates it in a later wave of this rollout (ring ${later.ring}, ${later.wave}); this run leaves it out of the vault firewall (admitExistingOnly), the rollout's admit wave admits it`,
                        }
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
