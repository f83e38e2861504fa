// Runs the pack's policies over a harness capture, the way the Pulumi engine runs them over a preview: resource
// policies per registered resource (props = inputs as registered), stack policies over all of them with parents and
// dependencies resolved. Enforcement levels come from the same policy/config/<environment>.json files
// `pulumi preview --policy-pack-config` reads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { Capture } from "../offline/program";
import { ROOT } from "../stacks/paths";
import { SECRET } from "../stacks/files";
import type { Registration } from "../offline/monitor";
import type { PolicyFinding } from "./finding";
import { policies as defaultPolicies } from "./policies";

type Level = "advisory" | "mandatory" | "remediate" | "disabled";
type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** The pack config file for an environment: {"all": level, "<policy>": level | {enforcementLevel}}. */
export function policyConfig(environment: string, dir = join(ROOT, "policy", "config")): Record<string, unknown> {
    return JSON.parse(readFileSync(join(dir, `${environment}.json`), "utf8")) as Record<string, unknown>;
}

/** Pulumi's precedence: the policy's entry, then "all", then the policy's own level (pkg/resource/analyzer/config.go). */
export function effectiveLevel(policy: AnyPolicy, config: Record<string, unknown>): Level {
    const entry = config[policy.name];
    const fromEntry =
        typeof entry === "string" ? entry : (entry as { enforcementLevel?: string } | undefined)?.enforcementLevel;
    return (fromEntry ?? (config.all as string | undefined) ?? policy.enforcementLevel ?? "advisory") as Level;
}

/** Thrown for every resource a typed policy skips (thousands per plan): control flow, so it records no stack trace. */
class NotApplicable extends Error {
    constructor(reason?: string) {
        const stackTraceLimit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        super(reason);
        Error.stackTraceLimit = stackTraceLimit;
    }
}

function reveal(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(reveal);
    }
    if (value !== null && typeof value === "object") {
        if (SECRET in value) {
            return reveal((value as Record<string, unknown>)[SECRET]);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

function options(r: Registration): PolicyResourceOptions {
    const seconds = (d?: string) =>
        d ? Number(/^(\d+)/.exec(d)?.[1] ?? 0) * ({ s: 1, m: 60, h: 3600 }[d.slice(-1)] ?? 1) : 0;
    return {
        protect: r.options.protect,
        ignoreChanges: r.options.ignoreChanges,
        aliases: [],
        customTimeouts: {
            createSeconds: seconds(r.options.customTimeouts?.create),
            updateSeconds: seconds(r.options.customTimeouts?.update),
            deleteSeconds: seconds(r.options.customTimeouts?.delete),
        },
        additionalSecretOutputs: [],
        deleteBeforeReplace: r.options.deleteBeforeReplace,
        parent: r.parent ?? undefined,
    };
}

const isType = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;

export async function evaluatePolicies(
    capture: Capture,
    environment: string,
    policies: AnyPolicy[] = defaultPolicies,
    config = policyConfig(environment),
): Promise<PolicyFinding[]> {
    const findings: PolicyFinding[] = [];
    const stackTags: ReadonlyMap<string, string> = new Map();
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };
    const getConfig = <T extends object>(): T => ({}) as T;

    const byUrn = new Map<string, PolicyResource>();
    for (const r of capture.resources) {
        byUrn.set(r.urn, {
            type: r.type,
            props: reveal(r.inputs) as Record<string, unknown>,
            urn: r.urn,
            name: r.name,
            opts: options(r),
            dependencies: [],
            propertyDependencies: {},
            isType: isType(r.type),
            asType: ((cls: unknown) =>
                isType(r.type)(cls) ? reveal(r.inputs) : undefined) as PolicyResource["asType"],
        });
    }
    for (const r of capture.resources) {
        const resource = byUrn.get(r.urn)!;
        resource.parent = r.parent ? byUrn.get(r.parent) : undefined;
        resource.dependencies = r.dependencies
            .map((u) => byUrn.get(u))
            .filter((x): x is PolicyResource => x !== undefined);
        resource.propertyDependencies = Object.fromEntries(
            Object.entries(r.propertyDependencies).map(([k, urns]) => [
                k,
                urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined),
            ]),
        );
    }

    for (const policy of policies) {
        const level = effectiveLevel(policy, config);
        if (level === "disabled") {
            continue;
        }
        const enforcementLevel = level === "advisory" ? "advisory" : "mandatory";
        const report = (urn?: string) => (message: string, violationUrn?: string) =>
            findings.push({ policy: policy.name, enforcementLevel, urn: violationUrn ?? urn, message });
        try {
            if ("validateResource" in policy && policy.validateResource) {
                const validations = Array.isArray(policy.validateResource)
                    ? policy.validateResource
                    : [policy.validateResource];
                for (const resource of byUrn.values()) {
                    const args: ResourceValidationArgs = {
                        ...resource,
                        // eslint-disable-next-line @typescript-eslint/unbound-method -- asType is the arrow function built above, it has no `this`
                        asType: resource.asType as unknown as ResourceValidationArgs["asType"],
                        stackTags,
                        getConfig,
                        notApplicable,
                    };
                    for (const validate of validations) {
                        try {
                            await validate(args, report(resource.urn));
                        } catch (e) {
                            if (!(e instanceof NotApplicable)) {
                                throw e;
                            }
                        }
                    }
                }
            } else if ("validateStack" in policy && policy.validateStack) {
                await policy.validateStack(
                    { resources: [...byUrn.values()], stackTags, getConfig, notApplicable },
                    report(),
                );
            }
        } catch (e) {
            if (!(e instanceof NotApplicable)) {
                throw new Error(`policy ${policy.name} failed: ${(e as Error).message}`, { cause: e });
            }
        }
    }
    return findings.sort(
        (a, b) =>
            a.policy.localeCompare(b.policy) ||
            String(a.urn).localeCompare(String(b.urn)) ||
            a.message.localeCompare(b.message),
    );
}
