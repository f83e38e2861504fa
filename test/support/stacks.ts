// Test helpers: build stack configs, query captured registrations. Running the program goes through offline/program.ts,
// the same path the offline plan takes.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { capture, Capture, runProgram } from "../../offline/program";
import { loadStackFile, StackInput, withSecretPlaceholders } from "../../stacks/files";
import { PROJECT_DIR } from "../../stacks/paths";
import { Registration } from "../../offline/monitor";
import { SECRET } from "../../stacks/files";
import { merge } from "../../stacks/profiles";
import { namespaceIssues, PROJECT, settingsFrom } from "../../stacks/load";

export const TEST_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\ntest-only-key\n-----END OPENSSH PRIVATE KEY-----\n";

export type ConfigObject = Record<string, unknown>;

/** A minimal valid config per environment; tests override what they examine. */
export function baseConfig(environment: "dev" | "prod"): ConfigObject {
    return {
        environment,
        location: "westeurope",
        clusterName: `${environment}-westeurope`,
        aks: {
            adminGroups: ["aks-admins"],
            ...(environment === "prod" ? { apiServer: { authorizedIpRanges: ["198.51.100.0/26"] } } : {}),
        },
        sops: { vaultName: `kv-test-sops-${environment}`, encryptorGroups: ["sops-encryptors"] },
        flux: {
            git: { url: "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet", branch: "main" },
            kustomizations: { cluster: { path: `./clusters/${environment}-westeurope` } },
        },
    };
}

/** Profile-style deep merge; an override of `undefined` removes the key (to test configs that lack it). */
export function withConfig(base: ConfigObject, overrides: ConfigObject): ConfigObject {
    const merged = merge(base, overrides) as ConfigObject;
    const prune = (target: ConfigObject, over: ConfigObject) => {
        for (const [key, value] of Object.entries(over)) {
            if (value === undefined) {
                delete target[key];
            } else if (
                value !== null &&
                typeof value === "object" &&
                !Array.isArray(value) &&
                typeof target[key] === "object"
            ) {
                prune(target[key] as ConfigObject, value as ConfigObject);
            }
        }
    };
    prune(merged, overrides);
    return merged;
}

/** Turns a config object into the flat map Pulumi hands the program, plus secrets (test-only values). */
export function stackInput(
    config: ConfigObject,
    secrets: Record<string, string> = { gitSshPrivateKey: TEST_SSH_KEY },
    stack = "test",
): StackInput {
    const flat: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        flat[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(secrets)) {
        flat[`${PROJECT}:${key}`] = value;
        secretKeys.push(`${PROJECT}:${key}`);
    }
    return { stack, config: flat, secretKeys };
}

/**
 * The problems a config is refused with, read as the program reads it (Pulumi's flat config, the namespace check):
 * the lines after the heading, without their "  - " bullets; [] when it is valid. Without `secrets`, the deploy key
 * is set only where the repo URL is ssh://, so that only the config's own mistakes are reported.
 */
export function refusals(config: ConfigObject, secrets?: Record<string, string>): string[] {
    const given = ((config.flux as ConfigObject | undefined)?.git as ConfigObject | undefined)?.url;
    const url = typeof given === "string" ? given : "";
    const input = stackInput(config, secrets ?? (url.startsWith("ssh:") ? { gitSshPrivateKey: TEST_SSH_KEY } : {}));
    try {
        settingsFrom(input.config, namespaceIssues(input.config));
        return [];
    } catch (e) {
        return (e as Error).message
            .split("\n")
            .slice(1)
            .map((l) => l.replace(/^ {2}- /, ""));
    }
}

export function run(config: ConfigObject, secrets?: Record<string, string>): Promise<Capture> {
    return runProgram(stackInput(config, secrets));
}

/**
 * A committed stack file with test secrets instead of placeholders. `active` runs a stack that is committed on
 * standby as it runs once activated (standby false), under the same stack name.
 */
export function runCommitted(stack: string, options: { active?: boolean } = {}): Promise<Capture> {
    const input = loadStackFile(stack);
    // Every deploy key the stack needs (the fleet repo's, and each of its tenants' with an ssh:// repository).
    const needed = withSecretPlaceholders(input).secretKeys.filter((k) => !input.secretKeys.includes(k));
    const keys = [...new Set([`${PROJECT}:gitSshPrivateKey`, ...needed])];
    return runProgram({
        ...input,
        config: {
            ...input.config,
            ...Object.fromEntries(keys.map((k) => [k, TEST_SSH_KEY])),
            ...(options.active ? { [`${PROJECT}:standby`]: "false" } : {}),
        },
        secretKeys: [...input.secretKeys, ...keys],
    });
}

export { capture };

export function all(c: Capture, type: string): Registration[] {
    return c.resources.filter((r) => r.type === type);
}

export function one(c: Capture, type: string, nameEndsWith = ""): Registration {
    const found = all(c, type).filter((r) => r.name.endsWith(nameEndsWith));
    assert.equal(
        found.length,
        1,
        `expected exactly one ${type} named *${nameEndsWith}, found ${found.map((r) => r.name).join(", ") || "none"}`,
    );
    return found[0];
}

/** Reads a dotted path ("properties.enableRbacAuthorization", "agentPoolProfiles.0.name") from captured inputs. */
export function at(value: unknown, path: string): unknown {
    return path
        .split(".")
        .reduce<unknown>(
            (node, key) =>
                node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined,
            value,
        );
}

export function isSecretValue(value: unknown): value is { [SECRET]: unknown } {
    return value !== null && typeof value === "object" && SECRET in value;
}

export function revealed(value: unknown): unknown {
    return isSecretValue(value) ? value[SECRET] : value;
}

/** Every urn `r` waits for, directly or through what it waits for. */
export function transitiveDependencies(c: Capture, r: Registration): Set<string> {
    const byUrn = new Map(c.resources.map((x) => [x.urn, x]));
    const seen = new Set<string>();
    const stack = [...r.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (!seen.has(urn)) {
            seen.add(urn);
            stack.push(...(byUrn.get(urn)?.dependencies ?? []));
        }
    }
    return seen;
}

/** The Azure resource id the mocks gave `r`. */
export function idOf(c: Capture, r: Registration): string {
    const id = [...c.references.entries()].find(([, label]) => label === `${r.name}.id`)?.[0];
    assert.ok(id, `no id recorded for ${r.name}`);
    return id;
}

/** The fake value the mocks produced for output `path` of the resource or invoke labelled `label`. */
export function azureValue(c: Capture, label: string): string {
    const value = [...c.references.entries()].find(([, l]) => l === label)?.[0];
    assert.ok(value, `the mocks produced no value labelled ${label}`);
    return value;
}

/** A key of a committed stack file as written there (e.g. stackSetting<string>("prod", "environment")). */
export function stackSetting<T>(stack: string, key: string): T {
    const file = parse(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
    };
    return file.config[`${PROJECT}:${key}`] as T;
}

export { type CliRun, runCliInProcess } from "./cli-run";
