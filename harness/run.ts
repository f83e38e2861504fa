// Runs the real program (index.ts) under Pulumi's mock runtime with one stack's configuration and captures what it
// would register. The offline plan, the fleet renderer, the benchmarks and the tests all go through here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { parse } from "yaml";
import { PROJECT, SECRET_KEYS } from "../stacks/load";
import { AzureMocks } from "./azure";
import { CaptureMonitor, Registration, SECRET } from "./monitor";

/** The project root (where Pulumi.yaml is), found from this file's location whether run from source or bundled. */
export const ROOT = findRoot(__dirname);

function findRoot(start: string): string {
    for (let dir = start; ; dir = dirname(dir)) {
        if (existsSync(join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        if (dirname(dir) === dir) {
            throw new Error(`no Pulumi.yaml above ${start}`);
        }
    }
}

// Internal to @pulumi/pulumi and stripped from its typings: feature negotiation and draining outstanding RPCs.
// The minor version is pinned; test/harness.test.ts fails if an upgrade moves them.
const { awaitFeatureSupport, waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as {
    awaitFeatureSupport(): Promise<void>;
    waitForRPCs(): Promise<void>;
};

import { UsageError } from "./usage";
export { UsageError };

export interface StackInput {
    stack: string;
    /** Flat Pulumi config map: "<namespace>:<key>" -> string (structured values JSON-encoded). */
    config: Record<string, string>;
    secretKeys: string[];
}

export interface OutputValue {
    value: unknown;
    secret: boolean;
}

export interface Capture {
    project: string;
    stack: string;
    resources: Registration[];
    outputs: Record<string, OutputValue>;
    /** Fake values the mocks produced, mapped to "resource.output" labels. */
    references: Map<string, string>;
    calls: AzureMocks["calls"];
    /** The configuration the program ran with (flat Pulumi config map; secrets are placeholders or test values). */
    config: Record<string, string>;
    /** Set only with `allowFailure`: what the program threw. */
    error?: unknown;
}

export interface CaptureOptions {
    project?: string;
    seed?: string;
    /** Return the capture (with `error`) instead of throwing when the program fails. */
    allowFailure?: boolean;
}

/** The committed stacks: Pulumi.<stack>.yaml files next to Pulumi.yaml. */
export function stackNames(root = ROOT): string[] {
    return readdirSync(root)
        .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Reads Pulumi.<stack>.yaml into a flat config map. Secret keys that are absent get a placeholder, shown as [secret]. */
export function loadStackFile(stack: string, root = ROOT): StackInput {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new UsageError(`invalid stack name "${stack}": use letters, digits, "-", "_" or "."`);
    }
    const file = join(root, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) {
        const known = stackNames(root);
        throw new UsageError(`unknown stack "${stack}": no ${`Pulumi.${stack}.yaml`} in ${root}. Committed stacks: ${known.join(", ") || "none"}`);
    }
    let doc: unknown;
    try {
        doc = parse(readFileSync(file, "utf8"));
    } catch (e) {
        throw new UsageError(`${file} is not valid YAML: ${(e as Error).message}`);
    }
    const entries = (doc as { config?: unknown } | null)?.config;
    if (entries !== undefined && (entries === null || typeof entries !== "object" || Array.isArray(entries))) {
        throw new UsageError(`${file}: "config" must be a mapping of keys to values`);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries((entries ?? {}) as Record<string, unknown>)) {
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in value) {
            config[fullKey] = SECRET;
            secretKeys.push(fullKey);
            continue;
        }
        config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { stack, config, secretKeys };
}

/** Adds placeholders for the secret keys the stack's fleet URL needs, so offline runs behave like a configured stack. */
export function withSecretPlaceholders(input: StackInput): StackInput {
    const config = { ...input.config };
    const secretKeys = [...input.secretKeys];
    const url = parseJson(config[`${PROJECT}:flux`])?.git?.url;
    const needed = typeof url === "string" && url.startsWith("ssh:") ? ["gitSshPrivateKey"] : [];
    for (const key of SECRET_KEYS.filter((k) => needed.includes(k))) {
        const fullKey = `${PROJECT}:${key}`;
        if (!(fullKey in config)) {
            config[fullKey] = SECRET;
            secretKeys.push(fullKey);
        }
    }
    return { ...input, config, secretKeys };
}

function parseJson(text: string | undefined): { git?: { url?: unknown } } | undefined {
    try {
        return text ? JSON.parse(text) : undefined;
    } catch {
        return undefined;
    }
}

type Program = () => Promise<Record<string, pulumi.Input<unknown>>>;

let program: Program | undefined;
function loadProgram(): Program {
    // Loaded once: the module only exports the program function, which is run afresh for every capture.
    program ??= require("../index") as Program;
    return program;
}

/** Runs index.ts for one stack under mocks. Throws what the program throws (e.g. ConfigError) after RPCs drain. */
export function runProgram(input: StackInput, options: CaptureOptions = {}): Promise<Capture> {
    return capture(input, () => loadProgram()(), options);
}

/**
 * Runs `body` (the program, or a component under test) as stack `input.stack` with `input.config`, under mocks that
 * answer like Azure, and returns everything it registered and exported. Runs must not overlap: the Pulumi runtime
 * keeps its settings in process-wide state.
 */
export async function capture(
    input: StackInput,
    body: () => Promise<Record<string, pulumi.Input<unknown>>> | Record<string, pulumi.Input<unknown>>,
    options: CaptureOptions = {},
): Promise<Capture> {
    const project = options.project ?? PROJECT;
    const mocks = new AzureMocks(options.seed);
    const monitor = new CaptureMonitor(mocks);
    setMockOptions(monitor, project, input.stack, false);
    // Ask the monitor what it supports (secrets, resource references...), as the real engine connection does;
    // without this, secrets would reach the monitor unmarked.
    await awaitFeatureSupport();
    pulumi.runtime.setAllConfig(input.config, input.secretKeys);

    let exported: Record<string, pulumi.Input<unknown>>;
    try {
        exported = await body();
    } catch (error) {
        await waitForRPCs();
        if (!options.allowFailure) {
            throw error;
        }
        return { project, stack: input.stack, resources: monitor.registrations, outputs: {}, references: mocks.references, calls: mocks.calls, config: input.config, error };
    }
    await waitForRPCs();
    const outputs: Record<string, OutputValue> = {};
    for (const [key, value] of Object.entries(exported ?? {})) {
        const output = pulumi.output(value);
        outputs[key] = { value: await resolve(output), secret: await pulumi.isSecret(output) };
    }
    await waitForRPCs();
    return { project, stack: input.stack, resources: monitor.registrations, outputs, references: mocks.references, calls: mocks.calls, config: input.config };
}

/** The value of an output; rejects when the resource behind it failed (apply alone would wait forever). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    // Output.promise() is internal to @pulumi/pulumi (pinned minor; covered by test/harness.test.ts).
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Convenience for the committed stacks: read the file, add secret placeholders, run. */
export async function planStack(stack: string, root = ROOT): Promise<Capture> {
    return runProgram(withSecretPlaceholders(loadStackFile(stack, root)));
}
