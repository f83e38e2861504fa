// The one place that reads Pulumi config. Everything downstream receives a typed, validated StackConfig.
import * as pulumi from "@pulumi/pulumi";
import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";
import { merge, profileFor } from "./profiles";
import { type DerivedNames, derivedNames, physicalNames, type StackNames } from "./names";
import {
    allowedKeysAt,
    ConfigIssue,
    ENVIRONMENTS,
    Environment,
    crossFieldRules,
    orgDefaults,
    stackConfigSchema,
    StackSettings,
    TEAM_NAME,
} from "./schema";
import { isTenantSecretKey, type StackTenant, stackTenants, tenantSecretKeys } from "./tenants";

// The names' one home is stacks/names.ts; re-exported for the consumers that read them with the settings.
export { type DerivedNames, derivedNames, physicalNames, type StackNames };

export const PROJECT = "aks-gitops";

/** Keys that must be set with `pulumi config set --secret`; they are never part of committed stack files. */
export const SECRET_KEYS = ["gitSshPrivateKey", "gitHttpsPassword"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The fleet repo's credential keys and each tenant's (tenantGitSshPrivateKey-<team>, tenantGitHttpsPassword-<team>). */
export const isSecretKey = (key: string): boolean =>
    (SECRET_KEYS as readonly string[]).includes(key) || isTenantSecretKey(key);

export interface GitCredentials {
    sshPrivateKey?: pulumi.Output<string>;
    httpsPassword?: pulumi.Output<string>;
}

export interface StackConfig extends Omit<StackSettings, "resourceGroupName" | "tenants">, DerivedNames {
    project: string;
    stack: string;
    tags: Record<string, string>;
    git: GitCredentials;
    /** The tenants this cluster runs (stacks/tenants.ts), each with its repository credential. */
    tenants: (StackTenant & { git: GitCredentials })[];
    /** Every physical name of the stack (stacks/names.ts). */
    names: StackNames;
}

/** A config mistake. Extends RunError so `pulumi up` prints the message alone, without a stack trace. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly issues: ConfigIssue[]) {
        super(formatIssues(issues));
        this.name = "ConfigError";
    }
}

export function configKey(path: readonly (string | number)[]): string {
    if (path.length === 0) {
        return PROJECT;
    }
    const [head, ...rest] = path;
    return rest.reduce<string>(
        (key, part) => (typeof part === "number" ? `${key}[${part}]` : `${key}.${part}`),
        `${PROJECT}:${String(head)}`,
    );
}

export function formatIssues(issues: ConfigIssue[]): string {
    const lines = issues.map((i) => `  - ${i.key ?? configKey(i.path)}: ${i.message}`);
    return `invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

/** Reads `<project>:*` keys from a flat config map (as Pulumi passes it: structured values are JSON strings). */
export function rawConfigFrom(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) {
            continue;
        }
        const key = fullKey.slice(PROJECT.length + 1);
        if (isSecretKey(key)) {
            continue;
        }
        // defineProperty: a key such as "__proto__" must arrive as an (invalid, reported) key, not as a prototype.
        Object.defineProperty(raw, key, {
            value: parseValue(text),
            enumerable: true,
            writable: true,
            configurable: true,
        });
    }
    return raw;
}

function parseValue(text: string): unknown {
    // Objects and arrays arrive as JSON; scalars arrive as their plain text.
    if (/^\s*[[{]/.test(text)) {
        try {
            return JSON.parse(text);
        } catch {
            return text;
        }
    }
    return text;
}

// Namespaces other packages legitimately read from the same stack file.
const FOREIGN_NAMESPACES = ["pulumi", "azure-native", "azuread", "kubernetes", "azure"];

/**
 * Keys whose namespace is a near miss of the project's ("aks-gitop:", "aksgitops:"): Pulumi would hand them to no one,
 * so the setting would be silently ignored.
 */
export function namespaceIssues(all: Record<string, string>): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const fullKey of Object.keys(all).sort()) {
        const namespace = fullKey.split(":")[0];
        if (namespace === PROJECT || FOREIGN_NAMESPACES.includes(namespace) || !fullKey.includes(":")) {
            continue;
        }
        if (distance(namespace.toLowerCase(), PROJECT) <= 3) {
            const key = fullKey.slice(namespace.length + 1);
            issues.push({
                path: [],
                key: fullKey,
                message: `namespace "${namespace}" is not this project's: did you mean ${PROJECT}:${key}?`,
            });
        }
    }
    return issues;
}

/** "did you mean …?" for a misspelt key, from the keys allowed at that place. */
export function suggestion(unknown: string, allowed: readonly string[]): string {
    const best = closest(unknown, [...allowed]);
    return best !== undefined &&
        distance(unknown.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3))
        ? `; did you mean "${best}"?`
        : "";
}

/** Validates raw config against the environment profile and schema; throws ConfigError listing every problem. */
export function validateStackConfig(
    raw: Record<string, unknown>,
    secretsPresent: Partial<Record<string, boolean>>,
    extraIssues: ConfigIssue[] = [],
): StackSettings {
    const environment = ENVIRONMENTS.includes(raw.environment as Environment)
        ? (raw.environment as Environment)
        : undefined;
    // An unknown environment still gets the dev profile so the remaining keys are checked too. Precedence, lowest
    // first: the environment's profile, the organisation's shared values (`org`), the stack's own settings.
    const merged = merge(merge(profileFor(environment ?? "dev"), orgDefaults(raw.org)), raw) as Record<string, unknown>;
    // The cluster's own fleet directory is the Flux entry point unless the stack lists its kustomizations.
    const flux = merged.flux as Record<string, unknown> | undefined;
    if (
        typeof raw.clusterName === "string" &&
        flux !== undefined &&
        typeof flux === "object" &&
        flux.kustomizations === undefined
    ) {
        merged.flux = { ...flux, kustomizations: { cluster: { path: `./clusters/${raw.clusterName}` } } };
    }
    // jitless: zod would compile each object schema into a function on first use, which pays only when a schema parses
    // many inputs; a stack parses one (about 30 ms less per run).
    const result = stackConfigSchema.safeParse(merged, { reportInput: true, jitless: true });
    const issues: ConfigIssue[] = [
        ...extraIssues,
        ...(result.success
            ? []
            : result.error.issues.map((i) => ({ path: i.path as (string | number)[], message: describe(i) }))),
    ];
    issues.push(...crossFieldRules(merged));
    issues.push(...secretRules(merged, secretsPresent));
    if (issues.length > 0 || !result.success) {
        throw new ConfigError(dedupe(issues));
    }
    return result.data;
}

function secretRules(merged: unknown, present: Partial<Record<string, boolean>>): ConfigIssue[] {
    const url = (merged as { flux?: { git?: { url?: unknown } } }).flux?.git?.url;
    const scheme = typeof url === "string" ? url.split(":")[0] : undefined;
    const issues: ConfigIssue[] = [];
    if (scheme === "ssh" && !present.gitSshPrivateKey) {
        issues.push({
            path: ["gitSshPrivateKey"],
            message:
                "is required for an ssh:// fleet repo URL; set it with `pulumi config set --secret gitSshPrivateKey < deploy-key`",
        });
    }
    if (scheme === "ssh" && present.gitHttpsPassword) {
        issues.push({ path: ["gitHttpsPassword"], message: "only applies to https:// fleet repo URLs" });
    }
    if (scheme === "https" && present.gitSshPrivateKey) {
        issues.push({ path: ["gitSshPrivateKey"], message: "only applies to ssh:// fleet repo URLs" });
    }
    issues.push(...tenantSecretRules(merged, present));
    return issues;
}

/**
 * The tenant deploy keys a stack's config needs (tenants with an ssh:// repository that the stack runs): new-stack
 * validates a stack before they are set, as it does for the fleet's key, and names them in its next steps.
 */
export function tenantKeysNeeded(raw: unknown): string[] {
    const { all, runs } = tenantsRun(raw);
    return Object.keys(all)
        .filter((team) => {
            const url = all[team]?.repo?.url;
            return runs(team) && typeof url === "string" && url.startsWith("ssh:");
        })
        .map((team) => tenantSecretKeys(team).sshPrivateKey);
}

/** The same rules for each tenant's app repository, and no credential for a tenant this stack does not run. */
function tenantSecretRules(merged: unknown, present: Partial<Record<string, boolean>>): ConfigIssue[] {
    const { all, runs } = tenantsRun(merged);
    const issues: ConfigIssue[] = [];
    for (const team of Object.keys(all).filter(runs)) {
        const url = all[team]?.repo?.url;
        const scheme = typeof url === "string" ? url.split(":")[0] : undefined;
        const keys = tenantSecretKeys(team);
        if (scheme === "ssh" && !present[keys.sshPrivateKey]) {
            issues.push({
                path: [keys.sshPrivateKey],
                message: `is required for tenant ${team}'s ssh:// repository; set it with \`pulumi config set --secret ${keys.sshPrivateKey} < deploy-key\``,
            });
        }
        if (scheme === "ssh" && present[keys.httpsPassword]) {
            issues.push({
                path: [keys.httpsPassword],
                message: `only applies to https:// repositories (tenant ${team})`,
            });
        }
        if (scheme === "https" && present[keys.sshPrivateKey]) {
            issues.push({
                path: [keys.sshPrivateKey],
                message: `only applies to ssh:// repositories (tenant ${team})`,
            });
        }
    }
    for (const key of Object.keys(present).filter((k) => present[k] && isTenantSecretKey(k))) {
        const team = key.slice(key.indexOf("-") + 1);
        if (!(team in all) || !runs(team)) {
            issues.push({ path: [key], message: `no tenant ${team} runs on this stack (org.tenants, tenants)` });
        }
    }
    return issues;
}

/** The org's tenants as a (possibly invalid) config holds them, and which of them the stack runs. */
function tenantsRun(merged: unknown) {
    const m = (merged ?? {}) as {
        environment?: unknown;
        tenants?: unknown;
        org?: { tenants?: Record<string, { environments?: unknown; repo?: { url?: unknown } }> };
    };
    const all = m.org?.tenants !== null && typeof m.org?.tenants === "object" ? m.org.tenants : {};
    // As stacks/tenants.ts stackTenants: in the stack's selection, if it has one, and in the stack's environment.
    const runs = (team: string) => {
        const envs = all[team]?.environments;
        return (
            TEAM_NAME.test(team) &&
            (!Array.isArray(m.tenants) || m.tenants.includes(team)) &&
            (Array.isArray(envs) ? envs.includes(m.environment) : ENVIRONMENTS.includes(m.environment as Environment))
        );
    };
    return { all, runs };
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
    const seen = new Set<string>();
    return issues.filter((i) => {
        const key = `${configKey(i.path)}|${i.message}`;
        return !seen.has(key) && (seen.add(key), true);
    });
}

/** Turns a zod issue into a message that says what is allowed. */
function describe(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return issue.input === undefined
                ? `is required (${issue.expected})`
                : `must be ${expectedKind(issue.expected)}, got ${kindOf(issue.input)}`;
        case "invalid_value":
            // An enum whose schema explains its values (a custom `error`) says so; zod's own text is "Invalid option: ...".
            return issue.message.startsWith("Invalid option")
                ? `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
                : issue.message;
        case "unrecognized_keys": {
            const allowed = allowedKeysAt(issue.path as (string | number)[]);
            const hints = issue.keys.map((k) => suggestion(k, allowed)).filter((h) => h !== "");
            return `has unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}${hints.length === 1 && issue.keys.length === 1 ? hints[0] : ""} (allowed: ${allowed.join(", ")})`;
        }
        case "too_small":
            return issue.origin === "array" || issue.origin === "string"
                ? `must have at least ${countOf(Number(issue.minimum), issue.origin)}`
                : `must be >= ${issue.minimum}`;
        case "too_big":
            return issue.origin === "array" || issue.origin === "string"
                ? `must have at most ${countOf(Number(issue.maximum), issue.origin)}`
                : `must be <= ${issue.maximum}`;
        case "invalid_key":
            return `has an invalid key: ${issue.issues.map((i) => i.message).join("; ")}`;
        default:
            return issue.message;
    }
}

/** zod's expected type in words: "int" is what `.int()` expects, which users know as a whole number. */
function expectedKind(expected: string): string {
    if (expected === "int") {
        return "a whole number";
    }
    return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function countOf(n: number, origin: string): string {
    const [one, many] = origin === "array" ? ["entry", "entries"] : ["character", "characters"];
    return `${n} ${n === 1 ? one : many}`;
}

function kindOf(input: unknown): string {
    if (Array.isArray(input)) {
        return "an array";
    }
    if (input === null) {
        return "null";
    }
    if (typeof input === "number" && !Number.isInteger(input)) {
        return `the number ${input}`;
    }
    return typeof input === "object" ? "an object" : `${typeof input} ${JSON.stringify(input)?.slice(0, 40)}`;
}

/** Which secret keys a flat config map (as Pulumi passes it) sets. */
export function secretsPresent(all: Record<string, string>): Record<string, boolean> {
    const tenantKeys = Object.keys(all)
        .filter((k) => k.startsWith(`${PROJECT}:`) && isTenantSecretKey(k.slice(PROJECT.length + 1)))
        .map((k) => k.slice(PROJECT.length + 1));
    return Object.fromEntries([...SECRET_KEYS, ...tenantKeys].map((k) => [k, all[`${PROJECT}:${k}`] !== undefined]));
}

/** The validated settings of a flat config map, as the program reads them; the offline tools use it too. */
export function settingsFrom(all: Record<string, string>, extraIssues: ConfigIssue[] = []): StackSettings {
    return validateStackConfig(rawConfigFrom(all), secretsPresent(all), extraIssues);
}

/** Reads and validates the current stack's configuration. Call once, before any resource is created. */
export function loadStackConfig(): StackConfig {
    const all = pulumi.runtime.allConfig();
    const config = new pulumi.Config(PROJECT);
    const present = secretsPresent(all);
    const settings = settingsFrom(all, namespaceIssues(all));
    return {
        ...settings,
        ...derivedNames(settings),
        names: physicalNames(settings),
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        tags: {
            ...(settings.tags ?? {}),
            environment: settings.environment,
            cluster: settings.clusterName,
            "managed-by": "pulumi",
        },
        git: {
            sshPrivateKey: present.gitSshPrivateKey ? config.requireSecret("gitSshPrivateKey") : undefined,
            httpsPassword: present.gitHttpsPassword ? config.requireSecret("gitHttpsPassword") : undefined,
        },
        tenants: stackTenants(settings).map((t) => {
            const keys = tenantSecretKeys(t.team);
            return {
                ...t,
                git: {
                    sshPrivateKey: present[keys.sshPrivateKey] ? config.requireSecret(keys.sshPrivateKey) : undefined,
                    httpsPassword: present[keys.httpsPassword] ? config.requireSecret(keys.httpsPassword) : undefined,
                },
            };
        }),
    };
}
