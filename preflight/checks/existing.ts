// Resources the stack reads but does not create (azure-native get* lookups), such as the DR clusters' egress prefixes
// an owner's vault firewall admits (sops.admitEgressPrefixIds): `pulumi up` fails on the first missing one, and ARM's
// validation cannot tell, because the template only names them. Each is read by id (Resources_GetById; examples in
// azure-rest-api-specs specification/resources/.../examples/GetResourceById.json → 200 GenericResource, 404 when absent).
//
// The rollout's first run of a vault owner (the vault wave, ci/stacks.ts WAVES) sets admitExistingOnly: the program then
// leaves out an admitted prefix that does not exist yet. When a stack of the same rollout creates it in a later wave
// (the DR stacks of the clusters wave), that is expected: a warning, not a failure. Anything else stays a failure.
//
// What this check finds is also what the stack is planned against (planAgainstSubscription, before the other checks
// run): a prefix the run leaves out because it answered 404 is planned as absent, as `pulumi up` will find it, so ARM's
// validation gets the vault firewall without it. A template that still referenced it (reference() of a prefix that does
// not exist) could fail the validation of the very run that leaves it out.
import type { RolloutStack } from "../../ci/stacks";
import { lazy } from "../../cli/lazy";
import { leavesOutIfMissing, sameArmId } from "../../stacks/schema";
import { ifExists } from "../azure";
import type { Check, CheckContext, CheckResult, Shared } from "../run-checks";
import type { ExistingResource, StackFacts } from "../stack";

const answers = new WeakMap<Shared, Map<string, Promise<boolean>>>();

/**
 * Whether the resource `read` exists in the subscription: one GET by id per preflight run (memoized on the run's shared
 * lookups), so planning and the check act on the same answer. Rejects on anything but 200 or 404.
 */
function exists(
    ctx: Pick<CheckContext, "clients" | "shared" | "subscriptionId">,
    read: ExistingResource,
): Promise<boolean> {
    const id = realReadId(read, ctx.subscriptionId);
    const cache = answers.get(ctx.shared) ?? new Map<string, Promise<boolean>>();
    answers.set(ctx.shared, cache);
    if (!cache.has(id.toLowerCase())) {
        // The API version the azure-native lookup uses (its module states it); the lookup and this read agree.
        // The client's path template is "/{resourceId}": the id goes without its leading slash.
        cache.set(
            id.toLowerCase(),
            ifExists(() =>
                ctx.clients.resources.resources.getById(id.replace(/^\//, ""), read.apiVersion ?? "2024-05-01"),
            ).then((r) => r !== undefined),
        );
    }
    return cache.get(id.toLowerCase())!;
}

const realReadId = (read: ExistingResource, subscriptionId: string) =>
    read.mockId.replace(/^\/subscriptions\/[^/]+/, `/subscriptions/${subscriptionId}`);

/**
 * An admitted egress prefix (one of sops.admitEgressPrefixIds) the program reads, not another prefix it reads (the
 * cluster's own existing one, aks.network.egress.publicIpPrefixId, is read strictly whatever admitExistingOnly says).
 */
const isAdmittedPrefix = (facts: StackFacts, read: ExistingResource, id: string) =>
    read.type === "Microsoft.Network/publicIPPrefixes" &&
    facts.settings.sops.admitEgressPrefixIds.some((a) => sameArmId(a, id));

/**
 * The stack's facts as this run of `pulumi up` will find the subscription: the admitted prefixes the run may leave out
 * (admitExistingOnly) and that answer 404 are planned as absent (stack.ts planWithout). A prefix that exists, one whose
 * read fails otherwise or gives no answer within `timeoutMs`, stays planned as read: the check reports it (a failure),
 * and the template is the one `pulumi up` would send were it there.
 */
export async function planAgainstSubscription(
    ctx: Pick<CheckContext, "facts" | "clients" | "shared" | "subscriptionId">,
    timeoutMs: number,
): Promise<StackFacts> {
    const { facts } = ctx;
    const candidates = [...facts.reads.values()].filter((read) => {
        const id = realReadId(read, ctx.subscriptionId);
        return isAdmittedPrefix(facts, read, id) && leavesOutIfMissing(facts.settings.admitExistingOnly, id);
    });
    if (candidates.length === 0) {
        return facts;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), timeoutMs);
    });
    try {
        const missing: string[] = [];
        for (const read of candidates) {
            const answer = await Promise.race([exists(ctx, read).catch(() => "error" as const), late]);
            if (answer === false) {
                missing.push(realReadId(read, ctx.subscriptionId));
            }
        }
        if (missing.length === 0) {
            return facts;
        }
        const { planWithout } = lazy.preflightStack();
        return await planWithout(facts, missing);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * The stack of this rollout that creates `id`, one of the prefixes `stack` admits, in a wave after the vault wave `stack`
 * runs in, if any.
 */
function createdLater(stack: string, id: string, admits: string[]): RolloutStack | undefined {
    // Loaded when needed: discovery reads every stack file with the SDK's config code, which preflight --help never needs.
    const { creatorOf, discover, rolloutPosition, sameResource } = lazy.ciStacks();
    if (!admits.some((a) => sameResource(a, id))) {
        return undefined;
    }
    const { stacks } = discover();
    const self = stacks.find((s) => s.stack === stack);
    const creator = creatorOf(stacks, id);
    return self && creator && rolloutPosition(creator.ring, creator.wave) > rolloutPosition(self.ring, "vault")
        ? creator
        : undefined;
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
            const id = realReadId(read, ctx.subscriptionId);
            const found = await exists(ctx, read);
            const what = `${read.type} ${read.names.join("/")}`;
            const admitted = isAdmittedPrefix(ctx.facts, read, id);
            const later =
                !found && admitted && leavesOutIfMissing(ctx.facts.settings.admitExistingOnly, id)
                    ? createdLater(ctx.facts.stack, id, ctx.facts.settings.sops.admitEgressPrefixIds)
                    : undefined;
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
                            fix: admitted
                                ? "pulumi up --stack <the DR stack> (or remove the id from sops.admitEgressPrefixIds until it exists)"
                                : `az resource show --ids ${id}`,
                        },
            );
        }
        return results;
    },
};
