// What preflight knows about a stack before asking Azure: its validated settings and the Azure resources `pulumi up`
// would create, from the offline plan (the real program under mocks). Everything checked is derived from here, never
// from a hand-kept list of resources, so new resources and config keys are picked up as the program changes.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { lazy } from "../cli/lazy";
import type { Capture } from "../offline/program";
import type { StackSettings } from "../stacks/schema";
import type { DerivedNames } from "../stacks/load";
import type { PlanResource } from "../plan/model";

/** Where an ARM resource is deployed: the subscription, or a resource group (optionally as an extension of a resource there). */
export type Placement =
    | { kind: "subscription" }
    | {
          kind: "resourceGroup";
          resourceGroup: string;
          /** Extension resources (role assignments, diagnostic settings...): the resource they attach to, relative to the group (`Microsoft.KeyVault/vaults/kv`). */
          scope?: string;
      };

export interface ArmResource {
    urn: string;
    /** The Pulumi resource name (what the plan shows). */
    name: string;
    /** Pulumi type token, e.g. azure-native:containerservice:ManagedCluster. */
    token: string;
    /** ARM type, e.g. Microsoft.ContainerService/managedClusters or Microsoft.KeyVault/vaults/keys. */
    type: string;
    /** ARM name segments, outermost first (vault, key). */
    names: string[];
    /** The REST API version the azure-native resource uses; undefined when unknown. */
    apiVersion?: string;
    placement: Placement;
    /** The id the mocks gave it (fake subscription); scope prefixes are read from it. */
    mockId: string;
    /** Inputs with mock values replaced by `${resource.output}` references and secrets by "[secret]" (plan form). */
    inputs: Record<string, unknown>;
    /** Inputs exactly as registered (mock values in place), to tell path parameters from properties. */
    rawInputs: Record<string, unknown>;
    /** urns of the resources it waits for (plan dependsOn). */
    dependsOn: string[];
}

export interface StackFacts {
    stack: string;
    settings: StackSettings;
    names: DerivedNames;
    location: string;
    capture: Capture;
    resources: ArmResource[];
    /** `${label}` labels of values only Azure knows (resource outputs, azure.subscriptionId, getGroup(...).objectId). */
    labels: Set<string>;
    /** Entra group display names the program resolves (its azuread getGroup calls). */
    groupNames: string[];
    /** Existing resources the program reads (azure-native get* invokes), by the label prefix of their outputs, e.g. "getKey(kv/k)". */
    reads: Map<string, ExistingResource>;
    /** The stack is on standby and was checked as it runs once activated (standby false). */
    checkedAsActive?: boolean;
    /**
     * ARM ids of resources the stack reads that the subscription does not have and the run leaves out
     * (admitExistingOnly): the plan was made where they answer 404, as `pulumi up` will find them (planWithout).
     */
    plannedAbsent?: string[];
}

/** A resource the stack reads but does not create: enough to name it in a template expression. */
export type ExistingResource = Pick<ArmResource, "type" | "names" | "placement" | "apiVersion" | "mockId" | "token">;

/** Reads, validates and plans a committed stack. Throws UsageError (unknown stack) or ConfigError (invalid config). */
export async function loadStack(stack: string): Promise<StackFacts> {
    const { runProgram } = lazy.offlineProgram();
    const { loadStackFile, withSecretPlaceholders } = lazy.stackFiles();
    const { derivedNames, PROJECT, settingsFrom } = lazy.stacksLoad();
    let input = withSecretPlaceholders(loadStackFile(stack));
    let settings = settingsFrom(input.config);
    // A standby (DR) stack is checked as its activation would deploy it: that is the `pulumi up` that must not fail in
    // an incident (the Kubernetes version, sizes and quota of a cluster standby does not create yet).
    const checkedAsActive = settings.standby;
    if (checkedAsActive) {
        input = { ...input, config: { ...input.config, [`${PROJECT}:standby`]: "false" } };
        settings = settingsFrom(input.config);
    }
    const capture = await runProgram(input);
    return { ...factsFrom(stack, settings, derivedNames(settings), capture), checkedAsActive };
}

/**
 * The stack planned again where the resources `absent` (ARM ids it reads) do not exist: the same program and config
 * under mocks whose get* lookups of them answer 404 as ARM does, so what the program does without them (admitExistingOnly
 * leaves a missing admitted prefix out of the vault firewall, with a warning) is what preflight validates, not a plan
 * that still references them. The reads stay those of the first plan: the program asks for the same resources, only
 * the answer differs, and the existing-resources check reports on each of them.
 */
export async function planWithout(facts: StackFacts, absent: string[]): Promise<StackFacts> {
    const { runProgram } = lazy.offlineProgram();
    const { SECRET } = lazy.stackFiles();
    const { derivedNames } = lazy.stacksLoad();
    const config = facts.capture.config;
    // The program's own warning for each prefix it leaves out says what the existing-resources check reports already.
    const warn = console.warn;
    // Compared without the subscription (the mocks have their own) and case: ARM ids compare case-insensitively.
    const left = absent.map((id) => id.replace(/^\/subscriptions\/[^/]+/i, "").toLowerCase());
    console.warn = (...args: unknown[]) => {
        const text = args.join(" ");
        if (!left.some((id) => text.toLowerCase().includes(`${id} does not exist yet`))) {
            warn(...args);
        }
    };
    let capture: Capture;
    try {
        capture = await runProgram(
            { stack: facts.stack, config, secretKeys: Object.keys(config).filter((k) => config[k] === SECRET) },
            { project: facts.capture.project, absent },
        );
    } catch (e) {
        // Cannot happen while the program and the check agree on what a run may leave out (stacks/schema.ts
        // leavesOutIfMissing); if they ever disagree, say so rather than validate a template `pulumi up` would not send.
        throw new Error(
            `preflight could not plan ${facts.stack} without ${absent.join(", ")}, which do not exist: ${(e as Error)?.message ?? String(e)}`,
            { cause: e },
        );
    } finally {
        console.warn = warn;
    }
    return {
        ...factsFrom(facts.stack, facts.settings, derivedNames(facts.settings), capture),
        reads: facts.reads,
        checkedAsActive: facts.checkedAsActive,
        plannedAbsent: [...absent],
    };
}

export function factsFrom(stack: string, settings: StackSettings, names: DerivedNames, capture: Capture): StackFacts {
    const { buildPlan } = lazy.planModel();
    const plan = buildPlan(capture);
    const raw = new Map(capture.resources.map((r) => [r.urn, r]));
    const idByName = new Map<string, string>();
    for (const [value, label] of capture.references) {
        if (label.endsWith(".id")) {
            idByName.set(label.slice(0, -3), value);
        }
    }
    const resources = plan.resources
        .filter((r) => r.custom && r.type.startsWith("azure-native:"))
        .flatMap((r) => {
            const mockId = idByName.get(r.name);
            return mockId ? [armResource(r, mockId, raw.get(r.urn)?.inputs ?? {})] : [];
        });
    const azureUrns = new Set(resources.map((r) => r.urn));
    for (const r of resources) {
        r.dependsOn = r.dependsOn.filter((d) => azureUrns.has(d));
    }
    const groupNames = [
        ...new Set(
            capture.calls
                .filter(
                    (c) => c.token === "azuread:index/getGroup:getGroup" && typeof c.inputs.displayName === "string",
                )
                .map((c) => c.inputs.displayName as string),
        ),
    ].sort();
    const labels = new Set(capture.references.values());
    return {
        stack,
        settings,
        names,
        location: settings.location,
        capture,
        resources,
        labels,
        groupNames,
        reads: existingReads(capture, labels),
    };
}

/**
 * azure-native get<Type> invokes read existing resources; the mocks label their outputs `get<Type>(<name>[/<name>]).<output>`.
 * The resource's id comes from the same model the mocks use for azure-native:<module>:<Type> (offline/azure-answers.ts MODELS).
 */
function existingReads(capture: Capture, labels: Set<string>): Map<string, ExistingResource> {
    const { MODELS } = lazy.offlineAzure();
    const reads = new Map<string, ExistingResource>();
    for (const call of capture.calls) {
        const m = /^azure-native:([^:]+):get([A-Z]\w*)$/.exec(call.token);
        const token = m ? `azure-native:${m[1]}:${m[2]}` : undefined;
        const model = token ? MODELS[token] : undefined;
        const name = model ? call.inputs[model.nameKey] : undefined;
        if (!m || !token || !model || typeof name !== "string") {
            continue;
        }
        const values = new Set(Object.values(call.inputs).filter((v): v is string => typeof v === "string"));
        const prefix = [...labels]
            .map((l) => new RegExp(`^(get${m[2]}\\(([^)]*)\\))\\.`).exec(l))
            .find((x) => x && x[2].split("/").every((part) => values.has(part)) && x[2].split("/").includes(name))?.[1];
        if (!prefix) {
            continue;
        }
        const mockId = model.id(call.inputs, name, "00000000-0000-0000-0000-000000000000");
        const parsed = parseId(mockId);
        reads.set(prefix, {
            type: parsed.type,
            names: parsed.names,
            placement: parsed.placement,
            apiVersion: apiVersionOf(token),
            mockId,
            token,
        });
    }
    return reads;
}

function armResource(r: PlanResource, mockId: string, rawInputs: Record<string, unknown>): ArmResource {
    const parsed = parseId(mockId);
    return {
        urn: r.urn,
        name: r.name,
        token: r.type,
        type: parsed.type,
        names: parsed.names,
        apiVersion: apiVersionOf(r.type),
        placement: parsed.placement,
        mockId,
        inputs: r.inputs,
        rawInputs,
        dependsOn: [...r.dependsOn],
    };
}

/**
 * Type, names and placement from an ARM id: the part after the last `/providers/` is `<namespace>/<type>/<name>[/<type>/<name>]`,
 * what precedes it is the scope (the subscription, a resource group, or a resource for extension resources).
 */
export function parseId(id: string): { type: string; names: string[]; placement: Placement } {
    const at = id.toLowerCase().lastIndexOf("/providers/");
    if (at < 0) {
        // /subscriptions/<id>/resourceGroups/<name>
        const parts = id.split("/");
        return { type: "Microsoft.Resources/resourceGroups", names: [parts[4]], placement: { kind: "subscription" } };
    }
    const prefix = id.slice(0, at);
    const [namespace, ...rest] = id.slice(at + "/providers/".length).split("/");
    const types = rest.filter((_, i) => i % 2 === 0);
    const names = rest.filter((_, i) => i % 2 === 1);
    const scopeParts = prefix.split("/");
    // ["", "subscriptions", sub] | [..., "resourceGroups", rg] | [..., rg, "providers", ns, type, name...]
    let placement: Placement;
    if (scopeParts.length <= 3) {
        placement = { kind: "subscription" };
    } else if (scopeParts.length === 5) {
        placement = { kind: "resourceGroup", resourceGroup: scopeParts[4] };
    } else {
        placement = { kind: "resourceGroup", resourceGroup: scopeParts[4], scope: scopeParts.slice(6).join("/") };
    }
    return { type: [namespace, ...types].join("/"), names, placement };
}

/**
 * The REST API version an azure-native v3 resource uses, as its SDK module documents it ("Uses Azure REST API version
 * 2025-09-01" in e.g. @pulumi/azure-native/containerservice/managedCluster.js): the version `pulumi up` will send.
 * Read each time it is asked (under 0.1 ms a call, a few dozen calls per stack): a module-level cache would, under
 * StrykerJS, answer a mutant's run with what the unmutated code had read in the same test runner.
 */
export function apiVersionOf(token: string): string | undefined {
    const [, mod, type] = token.split(":");
    const root = dirname(require.resolve("@pulumi/azure-native/package.json"));
    const file = join(root, ...mod.split("/"), `${type.charAt(0).toLowerCase()}${type.slice(1)}.js`);
    return existsSync(file)
        ? /Uses Azure REST API version ([0-9]{4}-[0-9]{2}-[0-9]{2}(?:-preview)?)/.exec(readFileSync(file, "utf8"))?.[1]
        : undefined;
}

/** The ARM resource id of a plan resource in the real subscription. */
export function realId(resource: ArmResource, subscriptionId: string): string {
    return resource.mockId.replace(/^\/subscriptions\/[^/]+/, `/subscriptions/${subscriptionId}`);
}

export const NAMESPACE = (armType: string): string => armType.split("/")[0];
