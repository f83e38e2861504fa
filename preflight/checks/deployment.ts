// ARM's own preflight: the plan rendered as a template (template.ts) and submitted to
// POST /subscriptions/{id}/providers/Microsoft.Resources/deployments/{name}/validate, so the resource providers
// themselves judge names, versions, sizes and settings. Nothing is created.
//
// Through @azure/arm-resourcesdeployments (deployments left @azure/arm-resources in 7.0.0); its poller follows 202 +
// Location, and 400 is an expected answer whose body is the validation result. Responses (Deployments_ValidateAtSubscriptionScope, azure-rest-api-specs
// specification/resources/.../deployments/examples/2025-04-01/PostDeploymentValidateOnSubscription.json):
// 200 DeploymentValidateResult (properties.diagnostics may carry warnings), 202 + Location to poll, 400 with
// error.code InvalidTemplateDeployment and the per-resource problems in error.details[] (code, message, target),
// possibly nested one level deeper (PreflightValidationCheckFailed).
//
// ARM's validation of a template this size takes tens of seconds (the spec example's duration: PT22.8S), longer when the
// resource providers are slow: the check polls the long-running operation (202 + Location, Retry-After honoured by the
// client's poller) for minutes, bounded by --validation-timeout (VALIDATION_TIMEOUT_MS), not by the per-check --timeout.
// ARM's preflight is incomplete for resources whose values come from resources not created yet (azure-docs
// articles/azure-resource-manager/bicep/deploy-preflight.md, "Limitations"): the result says how many resources were
// validated fully and which only partly, and the values they wait for.
import type { Clients, RawResponse } from "../azure";
import type { Check, CheckContext, CheckResult } from "../run-checks";
import { firstLine } from "../run-checks";
import { renderTemplate, RenderedTemplate } from "../template";

export { DEPLOYMENTS_API_VERSION as VALIDATE_API_VERSION } from "../azure";

interface ErrorDetail {
    code?: string;
    message?: string;
    target?: string;
    details?: ErrorDetail[];
}

interface ValidateBody {
    error?: ErrorDetail;
    properties?: {
        diagnostics?: { code?: string; level?: string; message?: string; target?: string }[];
        validatedResources?: { id?: string }[];
    };
}

/** How long ARM's validation may take before the check gives up (5 minutes; --validation-timeout). */
export const VALIDATION_TIMEOUT_MS = 5 * 60_000;

export function deploymentName(stack: string): string {
    return `preflight-${stack}`.slice(0, 64);
}

/** Calls so far, to name each call's pipeline policy uniquely. */
let calls = 0;

/**
 * Asks ARM to validate the deployment; the client's poller follows 202 + Location until ARM answers. ARM's 400 is the
 * validation result listing what is wrong, whether it answers the POST or, after a 202, the Location: once the
 * operation is done, the Location returns "the exact same response that would have been returned had the operation
 * been executed synchronously" (Azure/azure-resource-manager-rpc v1.0/async-api-reference.md, "202 Accepted and Location
 * Headers"). The poller turns that 400 into a bare "The long-running operation has failed" (@azure/core-lro), and its
 * polls take no onResponse callback, so the operation's responses are kept by a pipeline policy of the client for the
 * call's duration. It sits outside the retry policy (a policy without a phase runs between the Serialize and the
 * Deserialize, Retry and Sign phases: @typespec/ts-http-runtime pipeline.ts, orderedPhases, which is
 * @azure/core-rest-pipeline's pipeline), so it sees ARM's answer after the client's retries.
 */
export async function validateAtSubscription(
    clients: Clients,
    name: string,
    location: string,
    template: object,
    signal: AbortSignal,
): Promise<RawResponse> {
    const { deployments, pipeline } = clients.deployments;
    const path = (url: string, base?: string) => decodeURIComponent(new URL(url, base).pathname).toLowerCase();
    const validate = `/providers/microsoft.resources/deployments/${name.toLowerCase()}/validate`;
    let polled: string | undefined;
    let answer: { status: number; body: unknown } | undefined;
    const policy = `preflight-validate-${++calls}`;
    pipeline.addPolicy({
        name: policy,
        async sendRequest(request, next) {
            const response = await next(request);
            const at = path(request.url);
            if (at === polled || (request.method === "POST" && at.endsWith(validate))) {
                answer = { status: response.status, body: parseJson(response.bodyAsText) };
                const moved = response.headers.get("location");
                polled = response.status === 202 && moved ? path(moved, request.url) : polled;
            }
            return response;
        },
    });
    try {
        const result = await deployments.validateAtSubscriptionScope(
            name,
            { location, properties: { mode: "Incremental", template: template as Record<string, unknown> } },
            { abortSignal: signal, updateIntervalInMs: 1000 },
        );
        return { status: result.error ? 400 : 200, headers: {}, body: result };
    } catch (e) {
        if (answer?.status === 400) {
            return { status: 400, headers: {}, body: answer.body };
        }
        throw e;
    } finally {
        pipeline.removePolicy({ name: policy });
    }
}

function parseJson(text: string | null | undefined): unknown {
    try {
        return text ? JSON.parse(text) : undefined;
    } catch {
        return text;
    }
}

/** The deepest details: what ARM says about each resource. */
function leaves(error: ErrorDetail): ErrorDetail[] {
    const inner = error.details ?? [];
    return inner.length === 0 ? [error] : inner.flatMap(leaves);
}

/** Which plan resource an error target names (ARM name, id, nested deployment or resource type). */
function resourceFor(target: string | undefined, rendered: RenderedTemplate): string | undefined {
    if (!target) {
        return undefined;
    }
    const t = target.toLowerCase();
    const hit = rendered.rendered.find(
        (r) =>
            t === r.armName.toLowerCase() ||
            t.endsWith(`/${r.type.split("/").pop()!.toLowerCase()}/${r.armName.split("/").pop()!.toLowerCase()}`) ||
            t === r.name.toLowerCase(),
    );
    return (
        hit?.name ??
        rendered.deployments.find(
            (d) => t === d.name.toLowerCase() || t.endsWith(`/deployments/${d.name.toLowerCase()}`),
        )?.name
    );
}

/** "N validated fully, M only partly (...)": what ARM could judge before the resources exist. */
function coverage(rendered: RenderedTemplate): string {
    const count = rendered.rendered.length;
    if (rendered.partial.length === 0) {
        return `all ${count} validated fully`;
    }
    const partly = rendered.partial.map((p) => `${p.resource} (${p.values.join(", ")})`).join("; ");
    return `${count - rendered.partial.length} validated fully, ${rendered.partial.length} only partly, using values of resources not created yet that ARM cannot know before \`pulumi up\`: ${partly}`;
}

function leftOut(rendered: RenderedTemplate): string {
    const parts: string[] = [];
    if (rendered.omitted.length > 0) {
        parts.push(`not validated: ${rendered.omitted.map((o) => `${o.resource} (${o.reason})`).join("; ")}`);
    }
    if (rendered.notes.length > 0) {
        parts.push(`left out: ${rendered.notes.join("; ")}`);
    }
    return parts.length > 0 ? `; ${parts.join("; ")}` : "";
}

/** What the template was planned without, because this run leaves it out (checks/existing.ts planAgainstSubscription). */
function plannedAbsent(facts: CheckContext["facts"]): string {
    const ids = facts.plannedAbsent ?? [];
    return ids.length > 0
        ? `; planned as this run deploys it, without ${ids.map((id) => id.split("/").pop()).join(", ")} (does not exist; admitExistingOnly leaves it out)`
        : "";
}

export const armValidation: Check = {
    id: "arm-validation",
    timeoutMs: VALIDATION_TIMEOUT_MS,
    timeoutHint: "ARM may still be validating: give it longer with --validation-timeout (e.g. 10m)",
    reads: `deployment validation at the subscription`,
    needs: "Microsoft.Resources/deployments/validate/action on the subscription, e.g. Contributor",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const { facts } = ctx;
        // Groups given by name become object ids where Graph resolves them to exactly one group.
        const groupIds = new Map<string, string>();
        for (const name of facts.groupNames) {
            const answer = await ctx.shared.groups(name);
            if ("ids" in answer && answer.ids.length === 1) {
                groupIds.set(name, answer.ids[0]);
            }
        }
        const rendered = renderTemplate(facts, { groupIds });
        const count = rendered.rendered.length;
        const response = await validateAtSubscription(
            ctx.clients,
            deploymentName(facts.stack),
            facts.location,
            rendered.template,
            ctx.signal,
        );
        const body = (response.body ?? {}) as ValidateBody;
        if (response.status === 200 && !body.error) {
            const warnings = (body.properties?.diagnostics ?? []).filter(
                (d) => d.level === "Warning" || d.level === "Error",
            );
            const summary: CheckResult = {
                id: this.id,
                // Something of the plan not sent (a resource, or an input the spec table lacks) was not validated.
                status:
                    rendered.omitted.length > 0 || rendered.notes.some((n) => n.includes("not in preflight/specs.ts"))
                        ? "warn"
                        : "ok",
                detail: `ARM accepted ${count} resources in ${rendered.deployments.length} resource-group deployments: ${coverage(rendered)}${leftOut(rendered)}${plannedAbsent(facts)}`,
            };
            return [
                summary,
                ...warnings.map((d) => ({
                    id: this.id,
                    status: "warn" as const,
                    detail: `ARM validated ${count} resources with a warning: ${d.code}: ${firstLine(d.message ?? "")}`,
                    resource: resourceFor(d.target, rendered),
                })),
            ];
        }
        if (response.status === 400 && body.error) {
            return leaves(body.error).map((leaf) => {
                const resource = resourceFor(leaf.target, rendered);
                return {
                    id: this.id,
                    status: "fail" as const,
                    detail: `${!resource && leaf.target ? `${leaf.target}: ` : ""}${leaf.code ?? "Invalid"}: ${firstLine(leaf.message ?? "")}`,
                    ...(resource ? { resource } : {}),
                };
            });
        }
        // 401/403/5xx after the pipeline's retries: let the runner say what went wrong.
        const code = body.error?.code;
        throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), {
            statusCode: response.status,
            code,
        });
    },
};
