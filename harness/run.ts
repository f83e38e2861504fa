// Runs the real program (index.ts) under Pulumi's mock runtime with one stack's configuration and captures what it
// would register. The offline plan, the fleet renderer, the benchmarks and the tests all go through here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { parse } from "yaml";
import { PROJECT, SECRET_KEYS } from "../stacks/load";
import { AzureMocks } from "./azure";
import { lazy } from "./lazy";
import { CaptureMonitor, Registration, SECRET } from "./monitor";

import { PROJECT_DIR, ROOT } from "./paths";
export { PROJECT_DIR, ROOT };

// Internal to @pulumi/pulumi and stripped from its typings: feature negotiation and draining outstanding RPCs.
// The minor version is pinned; test/harness.test.ts fails if an upgrade moves them.
const { awaitFeatureSupport, waitForRPCs } = lazy.pulumiSettings();

import { ConfigFileError, UsageError } from "./usage";
export { ConfigFileError, UsageError };

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
    /** What each component registered as its outputs (registerOutputs), by urn. */
    registeredOutputs: Map<string, Record<string, unknown>>;
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
    /** Changes the state the Azure mocks answer for a resource of `type` (an Azure that answers unexpectedly). */
    alterAzure?: (type: string, state: Record<string, unknown>) => Record<string, unknown>;
    /** ARM ids the Azure mocks' get* lookups answer "not found" (404) for: a subscription where they do not exist. */
    absent?: readonly string[];
}

/** The committed stacks: Pulumi.<stack>.yaml files next to Pulumi.yaml. */
export function stackNames(root = PROJECT_DIR): string[] {
    return readdirSync(root)
        .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The configuration `pulumi up` hands the program for a stack, read the way the Pulumi CLI does: the project's
 * `config:` block in Pulumi.yaml first (keys without a namespace belong to the project; structured values sit under
 * `value:`; a typed declaration contributes its `default:`; clear text only), then Pulumi.<stack>.yaml, whose keys
 * replace project keys of the same name wholesale (pulumi docs concepts/config.md, "Project Level Configuration").
 * Secure values become placeholders, shown as [secret].
 */
export function loadStackFile(stack: string, root = PROJECT_DIR): StackInput {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new UsageError(`invalid stack name "${stack}": use letters, digits, "-", "_" or "."`);
    }
    const file = join(root, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) {
        const known = stackNames(root);
        throw new UsageError(`unknown stack "${stack}": no ${`Pulumi.${stack}.yaml`} in ${root}. Committed stacks: ${known.join(", ") || "none"}`);
    }
    const { projectName, config } = loadProjectConfig(root);
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(configBlock(readYaml(file), file))) {
        const fullKey = namespaced(key, projectName);
        if (value !== null && typeof value === "object" && "secure" in value) {
            config[fullKey] = SECRET;
            secretKeys.push(fullKey);
            continue;
        }
        refuseClearCredential(fullKey, projectName, file);
        config[fullKey] = flatten(value);
    }
    return { stack, config, secretKeys };
}

/** Pulumi.yaml's project-level configuration as the flat map every stack inherits, and the project's name. */
export function loadProjectConfig(root = PROJECT_DIR): { projectName: string; config: Record<string, string> } {
    const project = readYaml(join(root, "Pulumi.yaml"));
    const projectName = typeof (project as { name?: unknown } | null)?.name === "string" ? (project as { name: string }).name : PROJECT;
    const config: Record<string, string> = {};
    for (const [key, entry] of Object.entries(configBlock(project, join(root, "Pulumi.yaml")))) {
        refuseClearCredential(namespaced(key, projectName), projectName, join(root, "Pulumi.yaml"));
        const value = projectValue(entry);
        if (value !== undefined) {
            config[namespaced(key, projectName)] = flatten(value);
        }
    }
    return { projectName, config };
}

// Parsed documents by file text: every stack read parses Pulumi.yaml again (a fleet-wide plan or CI's stack discovery
// reads a hundred stacks), and parsing costs about a hundred times the read. Keyed by content, so never stale.
const parsedYaml = new Map<string, unknown>();

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
    if (!parsedYaml.has(text)) {
        const keyLine = privateKeyLine(text);
        if (keyLine !== undefined) {
            throw new ConfigFileError(`${file}:${keyLine} holds a private key; a credential must never be committed: remove it (and revoke the key), then set it with \`pulumi config set --secret\``);
        }
        if (parsedYaml.size >= 500) {
            parsedYaml.clear();
        }
        try {
            parsedYaml.set(text, parse(text, { prettyErrors: true }));
        } catch (e) {
            // The yaml package's message names the line and column and shows the line with a caret.
            throw new ConfigFileError(`${file} is not valid YAML: ${(e as Error).message}`);
        }
    }
    // A copy: callers may change what they get without changing what the next reader of the same text gets.
    return structuredClone(parsedYaml.get(text));
}

function configBlock(doc: unknown, file: string): Record<string, unknown> {
    const entries = (doc as { config?: unknown } | null)?.config;
    if (entries !== undefined && (entries === null || typeof entries !== "object" || Array.isArray(entries))) {
        throw new ConfigFileError(`${file}: "config" must be a mapping of keys to values`);
    }
    return (entries ?? {}) as Record<string, unknown>;
}

/** A project-level entry: a plain scalar, `{value: ...}`, or a typed declaration with an optional `default`. */
function projectValue(entry: unknown): unknown {
    if (entry !== null && typeof entry === "object" && !Array.isArray(entry)) {
        const e = entry as Record<string, unknown>;
        if ("value" in e) {
            return e.value;
        }
        if ("default" in e) {
            return e.default;
        }
        if ("type" in e || "description" in e || "secret" in e) {
            return undefined;
        }
    }
    return entry;
}

/**
 * A credential key in clear text is refused: committed, it would give the fleet repo to anyone who reads the repo.
 * `pulumi config set --secret` stores it encrypted as `secure:` in the stack settings file, encrypted by the stack's
 * secrets provider (pulumi.com/docs/iac/concepts/projects/stack-settings-file); Pulumi.yaml's project-level config has
 * no encrypted values at all (pulumi/pulumi-yaml#369: "no support for secrets at project level").
 */
function refuseClearCredential(fullKey: string, projectName: string, file: string): void {
    const key = fullKey.startsWith(`${projectName}:`) ? fullKey.slice(projectName.length + 1) : undefined;
    if (key !== undefined && (SECRET_KEYS as readonly string[]).includes(key)) {
        throw new ConfigFileError(`${file}: ${fullKey} is in clear text; a credential must never be committed: remove it and set it with \`pulumi config set --secret ${key}\` (stored encrypted, as secure:)`);
    }
}

/** The line of a private key block in a committed file (comments included: a key pasted into a comment leaks too). */
function privateKeyLine(text: string): number | undefined {
    const at = text.search(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/);
    return at < 0 ? undefined : text.slice(0, at).split("\n").length;
}

function namespaced(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function flatten(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Adds placeholders for the secret keys the stack's fleet URL needs, so offline runs behave like a configured stack. */
export function withSecretPlaceholders(input: StackInput): StackInput {
    const config = { ...input.config };
    const secretKeys = [...input.secretKeys];
    // The fleet URL from the stack's flux.git, else from the organisation's shared values (org.fleet).
    const url = parseJson(config[`${PROJECT}:flux`])?.git?.url ?? parseJson(config[`${PROJECT}:org`])?.fleet?.url;
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

function parseJson(text: string | undefined): { git?: { url?: unknown }; fleet?: { url?: unknown } } | undefined {
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
    program ??= lazy.program();
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
    // The SDK takes and formats a stack trace (new Error().stack) for each of the four promises behind every resource
    // property, only to name leaked promises at exit: about a third of a plan's run time and most of its garbage.
    // Without stack frames that is free; PULUMI_DEBUG_PROMISE_LEAKS (the SDK's own switch) keeps them.
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
        Error.stackTraceLimit = 0;
    }
    // Each resource's constructor also takes its whole call stack (the limit lifted to Infinity, every frame formatted
    // and, under a source-map loader such as the tests', mapped) to send the engine a source position, which a capture
    // never records: a quarter of the test suite's time in the SDK. The capture skips it; `pulumi up` is untouched.
    const sdkResource = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const callsites = Object.getOwnPropertyDescriptor(sdkResource, "callsites");
    sdkResource.callsites = () => [];
    try {
        return await captureRun(input, body, options);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
        if (callsites) {
            Object.defineProperty(sdkResource, "callsites", callsites);
        }
    }
}

async function captureRun(
    input: StackInput,
    body: () => Promise<Record<string, pulumi.Input<unknown>>> | Record<string, pulumi.Input<unknown>>,
    options: CaptureOptions,
): Promise<Capture> {
    const project = options.project ?? PROJECT;
    const mocks = new AzureMocks(options.seed, options.alterAzure, options.absent);
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
        return { project, stack: input.stack, resources: monitor.registrations, outputs: {}, references: mocks.references, registeredOutputs: monitor.registeredOutputs, calls: mocks.calls, config: input.config, error };
    }
    await waitForRPCs();
    const outputs: Record<string, OutputValue> = {};
    for (const [key, value] of Object.entries(exported ?? {})) {
        const output = pulumi.output(value);
        outputs[key] = { value: await resolve(output), secret: await pulumi.isSecret(output) };
    }
    await waitForRPCs();
    return { project, stack: input.stack, resources: monitor.registrations, outputs, references: mocks.references, registeredOutputs: monitor.registeredOutputs, calls: mocks.calls, config: input.config };
}

/** The value of an output; rejects when the resource behind it failed (apply alone would wait forever). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    // Output.promise() is internal to @pulumi/pulumi (pinned minor; covered by test/harness.test.ts).
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Convenience for the committed stacks: read the file, add secret placeholders, run. */
export async function planStack(stack: string, root = PROJECT_DIR): Promise<Capture> {
    return runProgram(withSecretPlaceholders(loadStackFile(stack, root)));
}
