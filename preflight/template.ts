// The stack's Azure resources from the offline plan, rendered as one ARM template for ARM's own preflight validation
// (POST .../deployments/{name}/validate), what `az deployment sub validate` or Bicep's preflight would submit.
//
// Why one subscription-scoped deployment with nested resource-group deployments:
//  - the stack creates its resource groups; a subscription-scoped template can hold them, so validation does not need
//    them to exist (a resource-group deployment would fail with ResourceGroupNotFound before looking at anything);
//  - ARM expands nested deployments during validation and validates their resources, but skips ("short-circuits") a
//    nested deployment whose *parameters* are not fully evaluated, e.g. contain reference(); up to 50 nested deployments
//    are expanded (diagnostics NestedDeploymentShortCircuited / NestedDeploymentExpansionLimitReached in
//    azure-rest-api-specs specification/resources/.../deployments/examples/2025-04-01/PostDeploymentValidateOnSubscription.json).
//    So nested templates take no parameters: they use inner-scope expressions (resourceId, reference) directly, and
//    resources are packed into as few nested deployments as the dependency graph allows (one per resource group, split
//    only where a chain leaves the group and comes back, e.g. cluster group -> vault group -> cluster group).
//
// Values only Azure knows become template expressions: `${x.id}` -> resourceId()/extensionResourceId(),
// `${x.principalId}` -> reference(id, apiVersion).principalId, `${x.identity.principalId}` -> reference(..., 'Full'),
// `${azure.subscriptionId}` -> subscription().subscriptionId. Group object ids come from the groups check's Graph
// lookup. What cannot be expressed (an unresolved group in a scalar, an unknown output) drops the resource; secrets
// (the fleet deploy key) are left out of the properties. Both are reported in the check's detail.
//
// Each resource's body is what `pulumi up` sends: the SDK inputs mapped to the REST API's wire names, flattened
// containers and envelope by the distilled spec table in specs.ts (x-ms-client-name, x-ms-client-flatten, the PUT's
// path parameters), never by copying input names. An input the table does not know is left out and reported.
//
// Values of resources this template creates (reference() to them) do not exist before `pulumi up`; ARM's preflight of a
// resource that uses them is incomplete ("its validation may be incomplete when resources depend on values that are not
// yet available", azure-docs articles/azure-resource-manager/bicep/deploy-preflight.md, Limitations). Such resources are
// listed in `partial` with the values they wait for.
import type { ArmResource, ExistingResource, StackFacts } from "./stack";
import { apiVersionOf } from "./stack";
import { pathParameters, ResourceSpec, specFor, toWire } from "./specs";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TemplateOptions {
    /** Entra group display name -> object id, from Graph. Names missing here cannot be expressed. */
    groupIds?: ReadonlyMap<string, string>;
}

export interface Omission {
    resource: string;
    reason: string;
}

export interface NestedDeployment {
    name: string;
    resourceGroup: string;
    /** Pulumi names of the resources in it. */
    resources: string[];
}

export interface RenderedTemplate {
    template: JsonObject;
    /** Pulumi name -> ARM name and type, for mapping validation errors back. */
    rendered: { name: string; type: string; armName: string; deployment?: string }[];
    deployments: NestedDeployment[];
    omitted: Omission[];
    /** Properties left out (secrets, unresolvable array entries, inputs the spec table lacks), as "resource: property (why)". */
    notes: string[];
    /** Resources ARM can validate only partly: the values (of resources this template creates) they use, as `resource.path`. */
    partial: { resource: string; values: string[] }[];
}

const DEPLOYMENT_TOKEN = "azure-native:resources:Deployment";
const SUBSCRIPTION_SCHEMA =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
const GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const SECRET = "[secret]";

class Unexpressible extends Error {}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

type TemplateFacts = Pick<StackFacts, "resources" | "labels" | "stack"> & Partial<Pick<StackFacts, "reads">>;

export function renderTemplate(facts: TemplateFacts, options: TemplateOptions = {}): RenderedTemplate {
    const byUrn = new Map(facts.resources.map((r) => [r.urn, r]));
    const ex = new Expressions(facts, options);
    const { bodies, omitted } = renderBodies(facts.resources, byUrn, ex);
    const kept = facts.resources.filter((r) => bodies.has(r.name));
    const { deployments, deploymentOf } = planDeployments(facts.stack, kept, byUrn);
    const { topLevel, inner, outerDeps } = placeResources(kept, bodies, byUrn, deploymentOf, deployments, ex);
    deployments.sort((a, b) => a.name.localeCompare(b.name));
    topLevel.push(...deploymentResources(deployments, inner, outerDeps));
    return {
        template: { $schema: SUBSCRIPTION_SCHEMA, contentVersion: "1.0.0.0", resources: topLevel },
        rendered: kept.map((r) => ({
            name: r.name,
            type: r.type,
            armName: r.names.join("/"),
            deployment: deploymentOf(r),
        })),
        deployments,
        omitted,
        notes: ex.notes,
        partial: kept
            .filter((r) => ex.waitsFor.has(r.name))
            .map((r) => ({ resource: r.name, values: [...ex.waitsFor.get(r.name)!].sort() })),
    };
}

/**
 * Turns the plan's values into template values: `${label}` references become expressions (resourceId, reference,
 * subscription()), group names become object ids from Graph, secrets are left out. Records what it leaves out (notes),
 * the resources it could not express (dropped) and the planned values each resource waits for (waitsFor).
 */
class Expressions {
    readonly notes: string[] = [];
    readonly dropped = new Set<string>();
    /** The values of planned resources each resource uses (ARM cannot know them yet). */
    readonly waitsFor = new Map<string, Set<string>>();
    /** The resource being rendered. */
    current = "";
    private readonly byName: Map<string, ArmResource>;
    private readonly names: string[];

    constructor(
        private readonly facts: TemplateFacts,
        private readonly options: TemplateOptions,
    ) {
        this.byName = new Map(facts.resources.map((r) => [r.name, r]));
        this.names = [...this.byName.keys()].sort((a, b) => b.length - a.length);
    }

    private uses(label: string): void {
        if (this.current) {
            this.waitsFor.set(this.current, (this.waitsFor.get(this.current) ?? new Set<string>()).add(label));
        }
    }

    idExpr(r: ExistingResource): string {
        const segments = [quote(r.type), ...r.names.map(quote)].join(", ");
        if (r.type === "Microsoft.Resources/resourceGroups") {
            return `subscriptionResourceId('Microsoft.Resources/resourceGroups', ${quote(r.names[0])})`;
        }
        if (r.placement.kind === "subscription") {
            return `subscriptionResourceId(${segments})`;
        }
        if (r.placement.scope) {
            return `extensionResourceId(${this.scopeIdExpr(r, r.placement.resourceGroup, r.placement.scope)}, ${segments})`;
        }
        return `resourceId(subscription().subscriptionId, ${quote(r.placement.resourceGroup)}, ${segments})`;
    }

    /** The resource an extension resource attaches to: the id before the last /providers/ (a plan resource, or an existing one). */
    private scopeIdExpr(r: ExistingResource, resourceGroup: string, scope: string): string {
        const scopePrefix = r.mockId.slice(0, r.mockId.toLowerCase().lastIndexOf("/providers/"));
        const scopeOwner = this.facts.resources.find((o) => o.mockId === scopePrefix);
        return scopeOwner
            ? this.idExpr(scopeOwner)
            : `concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/', ${quote(resourceGroup)}, '/providers/', ${quote(scope)})`;
    }

    /** A template expression, or (for group ids from Graph) a plain literal. */
    private labelExpr(label: string): { expr: string } | { literal: string } {
        const group = /^getGroup\((.*)\)\.objectId$/.exec(label);
        if (group) {
            const id = this.options.groupIds?.get(group[1]);
            if (!id) {
                throw new Unexpressible(`the object id of Entra group "${group[1]}" is not known`);
            }
            return { literal: id };
        }
        return { expr: this.labelExprText(label) };
    }

    private labelExprText(label: string): string {
        if (label === "azure.subscriptionId") {
            return "subscription().subscriptionId";
        }
        if (label === "azure.tenantId") {
            return "subscription().tenantId";
        }
        // An existing resource the program reads (get* invoke): reference it by id.
        const read = /^(get\w+\(.*\))\.(.+)$/.exec(label);
        const existing = read ? this.facts.reads?.get(read[1]) : undefined;
        if (read && existing?.apiVersion) {
            return `reference(${this.idExpr(existing)}, ${quote(existing.apiVersion)}).${read[2].replace(/^properties\./, "")}`;
        }
        return this.plannedValueExpr(label);
    }

    /** `${name.path}` of a resource this template creates: its id, or reference() to its properties. */
    private plannedValueExpr(label: string): string {
        const owner = this.names.find((n) => label.startsWith(`${n}.`));
        const target = owner ? this.byName.get(owner) : undefined;
        if (!target || this.dropped.has(target.name)) {
            throw new Unexpressible(`\${${label}} cannot be expressed in a template`);
        }
        const path = label.slice(owner!.length + 1);
        if (path === "id") {
            return this.idExpr(target);
        }
        if (!target.apiVersion) {
            throw new Unexpressible(`no API version known for ${target.token}`);
        }
        // reference(id, apiVersion) returns the resource's properties; 'Full' adds the envelope (identity, sku...).
        // Template functions reference: learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-resource#reference
        this.uses(label);
        if (path.startsWith("identity.")) {
            return `reference(${this.idExpr(target)}, ${quote(target.apiVersion)}, 'Full').${path}`;
        }
        return `reference(${this.idExpr(target)}, ${quote(target.apiVersion)}).${path.replace(/^properties\./, "")}`;
    }

    /** A string with `${label}` references: a literal, or one expression (concat() of the parts). */
    stringValue(s: string): string {
        const parts: ({ expr: string } | { literal: string })[] = [];
        let last = 0;
        for (const m of s.matchAll(/\$\{([^}]+)\}/g)) {
            if (!this.facts.labels.has(m[1])) {
                continue; // literal text such as Flux's ${CLUSTER_NAME} substitution variables
            }
            if (m.index > last) {
                parts.push({ literal: s.slice(last, m.index) });
            }
            parts.push(this.labelExpr(m[1]));
            last = m.index + m[0].length;
        }
        if (last < s.length) {
            parts.push({ literal: s.slice(last) });
        }
        if (parts.every((p) => "literal" in p)) {
            const text = parts.map((p) => p.literal).join("");
            // A literal starting with "[" would be read as an expression; "[[" escapes it.
            return text.startsWith("[") ? `[${text}` : text;
        }
        const args = parts.map((p) => ("expr" in p ? p.expr : quote(p.literal)));
        return args.length === 1 ? `[${args[0]}]` : `[concat(${args.join(", ")})]`;
    }

    /** Any input value, `where` its path in `resource`; undefined when left out (a secret). */
    value(v: unknown, where: string, resource: string): Json | undefined {
        if (v === SECRET) {
            this.notes.push(`${resource}: ${where} left out (secret)`);
            return undefined;
        }
        if (typeof v === "string") {
            return this.stringValue(v);
        }
        if (Array.isArray(v)) {
            return this.arrayValue(v, where, resource);
        }
        if (v !== null && typeof v === "object") {
            return this.objectValue(v as Record<string, unknown>, where, resource);
        }
        return v as Json;
    }

    /** An array without the entries that cannot be expressed (each noted). */
    private arrayValue(v: unknown[], where: string, resource: string): Json[] {
        const out: Json[] = [];
        v.forEach((item, i) => {
            try {
                const converted = this.value(item, `${where}[${i}]`, resource);
                if (converted !== undefined) {
                    out.push(converted);
                }
            } catch (e) {
                if (!(e instanceof Unexpressible)) {
                    throw e;
                }
                this.notes.push(`${resource}: ${where}[${i}] left out (${e.message})`);
            }
        });
        return out;
    }

    private objectValue(v: Record<string, unknown>, where: string, resource: string): JsonObject {
        const out: JsonObject = {};
        for (const [k, item] of Object.entries(v)) {
            const converted = this.value(item, where ? `${where}.${k}` : k, resource);
            if (converted !== undefined) {
                // Keys can carry references too (user-assigned identity ids); ARM evaluates expressions in keys.
                out[k.includes("${") ? this.stringValue(k) : k] = converted;
            }
        }
        return out;
    }
}

/** Each resource's template body, in dependency order so a dropped resource is known before its dependents. */
function renderBodies(
    resources: ArmResource[],
    byUrn: Map<string, ArmResource>,
    ex: Expressions,
): { bodies: Map<string, JsonObject>; omitted: Omission[] } {
    const bodies = new Map<string, JsonObject>();
    const omitted: Omission[] = [];
    for (const r of topological(resources, byUrn)) {
        ex.current = r.name;
        try {
            bodies.set(r.name, renderBody(r, ex));
        } catch (e) {
            if (!(e instanceof Unexpressible)) {
                throw e;
            }
            ex.dropped.add(r.name);
            ex.waitsFor.delete(r.name);
            omitted.push({ resource: r.name, reason: e.message });
        }
    }
    ex.current = "";
    return { bodies, omitted };
}

/** One resource's body through its spec-table entry; Unexpressible when it has none. */
function renderBody(r: ArmResource, ex: Expressions): JsonObject {
    if (!r.apiVersion) {
        throw new Unexpressible(`no API version known for ${r.token}`);
    }
    const spec = specFor(r.token, r.apiVersion);
    if (!spec) {
        throw new Unexpressible(
            `preflight/specs.ts has no REST spec entry for ${r.token} at API version ${r.apiVersion}`,
        );
    }
    const { body, unknown } = resourceBody(r, spec, (v, where, resource) => ex.value(v, where, resource));
    for (const path of unknown) {
        ex.notes.push(`${r.name}: ${path} left out (not in preflight/specs.ts for ${r.type} ${r.apiVersion})`);
    }
    return body;
}

/** The nested deployments (one per resource group and wave, assignGroups) and which one each resource goes into. */
function planDeployments(
    stack: string,
    kept: ArmResource[],
    byUrn: Map<string, ArmResource>,
): { deployments: NestedDeployment[]; deploymentOf: (r: ArmResource) => string | undefined } {
    const groupOf = assignGroups(kept, byUrn);
    const deploymentNames = new Map<string, string>();
    const deployments: NestedDeployment[] = [];
    for (const r of kept) {
        const key = groupOf.get(r.urn)!;
        if (r.placement.kind === "resourceGroup" && !deploymentNames.has(key)) {
            const name = deploymentName(stack, r.placement.resourceGroup, key);
            deploymentNames.set(key, name);
            deployments.push({ name, resourceGroup: r.placement.resourceGroup, resources: [] });
        }
    }
    return {
        deployments,
        deploymentOf: (r) =>
            r.placement.kind === "resourceGroup" ? deploymentNames.get(groupOf.get(r.urn)!) : undefined,
    };
}

/**
 * Puts each body at the top level or in its nested deployment, with its dependsOn: within a deployment on the
 * resources, across deployments between the deployments (outerDeps).
 */
function placeResources(
    kept: ArmResource[],
    bodies: Map<string, JsonObject>,
    byUrn: Map<string, ArmResource>,
    deploymentOf: (r: ArmResource) => string | undefined,
    deployments: NestedDeployment[],
    ex: Expressions,
): { topLevel: JsonObject[]; inner: Map<string, JsonObject[]>; outerDeps: Map<string, Set<string>> } {
    const topLevel: JsonObject[] = [];
    const inner = new Map<string, JsonObject[]>();
    const outerDeps = new Map<string, Set<string>>();
    for (const r of kept) {
        const body = bodies.get(r.name)!;
        const mine = deploymentOf(r);
        const deps = new Set<string>();
        for (const dep of r.dependsOn
            .map((urn) => byUrn.get(urn))
            .filter((d) => d !== undefined && bodies.has(d.name)) as ArmResource[]) {
            const theirs = deploymentOf(dep);
            if (mine && theirs === mine) {
                deps.add(`[${ex.idExpr(dep)}]`);
            } else if (mine) {
                // Across nested deployments the wait is between the deployments.
                outerDeps.set(mine, (outerDeps.get(mine) ?? new Set<string>()).add(theirs ?? `[${ex.idExpr(dep)}]`));
            } else {
                deps.add(theirs ?? `[${ex.idExpr(dep)}]`);
            }
        }
        if (deps.size > 0) {
            body.dependsOn = [...deps].sort();
        }
        if (mine) {
            inner.set(mine, [...(inner.get(mine) ?? []), body]);
            deployments.find((d) => d.name === mine)!.resources.push(r.name);
        } else {
            topLevel.push(body);
        }
    }
    return { topLevel, inner, outerDeps };
}

/** The Microsoft.Resources/deployments resources that hold the nested templates. */
function deploymentResources(
    deployments: NestedDeployment[],
    inner: Map<string, JsonObject[]>,
    outerDeps: Map<string, Set<string>>,
): JsonObject[] {
    const deploymentApi = apiVersionOf(DEPLOYMENT_TOKEN) ?? "2025-04-01";
    return deployments.map((d) => {
        const deps = [...(outerDeps.get(d.name) ?? [])].filter((x) => x !== d.name).sort();
        return {
            type: "Microsoft.Resources/deployments",
            apiVersion: deploymentApi,
            name: d.name,
            resourceGroup: d.resourceGroup,
            ...(deps.length > 0 ? { dependsOn: deps } : {}),
            properties: {
                mode: "Incremental",
                // Inner scope: expressions are evaluated inside the nested template, and no parameters are passed,
                // so nothing makes ARM skip the nested resources during validation.
                expressionEvaluationOptions: { scope: "inner" },
                template: { $schema: GROUP_SCHEMA, contentVersion: "1.0.0.0", resources: inner.get(d.name) ?? [] },
            },
        };
    });
}

/**
 * One ARM resource: the SDK inputs other than path parameters, values first (expressions; secrets and unexpressible array
 * entries left out, noted under the program's input names), then mapped to the wire by the spec table.
 */
function resourceBody(
    r: ArmResource,
    spec: ResourceSpec,
    value: (v: unknown, where: string, resource: string) => Json | undefined,
): { body: JsonObject; unknown: string[] } {
    const body: JsonObject = { type: r.type, apiVersion: r.apiVersion!, name: r.names.join("/") };
    if (r.placement.kind === "resourceGroup" && r.placement.scope) {
        // Extension resources name what they attach to with `scope`, relative to the deployment's resource group
        // (learn.microsoft.com/azure/azure-resource-manager/templates/scope-extension-resources).
        body.scope = r.placement.scope;
    }
    const path = new Set(pathParameters(spec));
    const inputs: JsonObject = {};
    for (const [key, raw] of Object.entries(r.inputs).sort(([a], [b]) => a.localeCompare(b))) {
        if (path.has(key)) {
            continue;
        }
        const converted = value(raw, key, r.name);
        if (converted !== undefined) {
            inputs[key] = converted;
        }
    }
    const wire = toWire(spec, inputs);
    return { body: { ...body, ...(wire.body as JsonObject) }, unknown: wire.unknown };
}

function topological(resources: ArmResource[], byUrn: Map<string, ArmResource>): ArmResource[] {
    const out: ArmResource[] = [];
    const seen = new Set<string>();
    const visit = (r: ArmResource) => {
        if (seen.has(r.urn)) {
            return;
        }
        seen.add(r.urn);
        for (const d of r.dependsOn) {
            const dep = byUrn.get(d);
            if (dep) {
                visit(dep);
            }
        }
        out.push(r);
    };
    resources.forEach(visit);
    return out;
}

/**
 * Nested deployment key per resource: its resource group plus a wave number that rises each time a dependency chain
 * enters the group from elsewhere. Any edge between two groups goes to an equal or higher wave, strictly higher across
 * groups, so the deployments' dependsOn can never form a cycle even when the resources' groups depend on each other.
 */
function assignGroups(resources: ArmResource[], byUrn: Map<string, ArmResource>): Map<string, string> {
    const keep = new Set(resources.map((r) => r.urn));
    const home = (r: ArmResource) =>
        r.placement.kind === "resourceGroup" ? `rg:${r.placement.resourceGroup}` : `sub:${r.urn}`;
    const wave = new Map<string, number>();
    const waveOf = (r: ArmResource): number => {
        const known = wave.get(r.urn);
        if (known !== undefined) {
            return known;
        }
        wave.set(r.urn, 0); // the plan is acyclic; this only guards recursion
        let w = 0;
        for (const d of r.dependsOn.filter((u) => keep.has(u))) {
            const dep = byUrn.get(d)!;
            w = Math.max(w, waveOf(dep) + (home(dep) === home(r) ? 0 : 1));
        }
        wave.set(r.urn, w);
        return w;
    };
    const result = new Map<string, string>();
    // Renumber each group's waves 1..n so names stay short and stable.
    const perGroup = new Map<string, number[]>();
    for (const r of resources) {
        const w = waveOf(r);
        perGroup.set(
            home(r),
            [...new Set([...(perGroup.get(home(r)) ?? []), w])].sort((a, b) => a - b),
        );
    }
    for (const r of resources) {
        result.set(r.urn, `${home(r)}#${perGroup.get(home(r))!.indexOf(wave.get(r.urn)!) + 1}`);
    }
    return result;
}

/** Deployment names: 1-64 characters of letters, digits, -, _, ., ( and ). */
function deploymentName(stack: string, resourceGroup: string, key: string): string {
    const wave = key.split("#")[1];
    const name = `preflight-${stack}-${resourceGroup}-${wave}`.replace(/[^-\w.()]/g, "-");
    return name.length <= 64 ? name : `${name.slice(0, 58)}-${wave.padStart(5, "0")}`.slice(0, 64);
}
