// Runs the real program (index.ts) under Pulumi's mock runtime with one stack's configuration and captures what it
// would register. The offline plan, the fleet renderer, the benchmarks and the tests all go through here. Stack files
// are read by stacks/files.ts, as the Pulumi CLI reads them.
import * as pulumi from "@pulumi/pulumi";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { AzureMocks } from "./azure-answers";
import { lazy } from "../cli/lazy";
import { CaptureMonitor, Registration } from "./monitor";
import { loadStackFile, PROJECT_DIR, type StackInput, withSecretPlaceholders } from "../stacks/files";
import { PROJECT } from "../stacks/load";

// Internal to @pulumi/pulumi and stripped from its typings: feature negotiation and draining outstanding RPCs.
// The minor version is pinned; test/offline/program.test.ts fails if an upgrade moves them.
const { awaitFeatureSupport, waitForRPCs } = lazy.pulumiSettings();

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

type Program = () => Promise<Record<string, pulumi.Input<unknown>>>;

let program: Program | undefined;
function loadProgram(): Program {
    // Loaded once: the module only exports the program function, which is run afresh for every capture.
    program ??= lazy.program();
    return program;
}

/**
 * Where runs of the program with the same input may share one capture. Only the tests install one
 * (test/support/share-captures.ts): the suite plans the same fixture stack in dozens of files, and a capture is a pure
 * function of its input (the program reads only its config). The product plans each stack once and never does.
 */
export interface CaptureStore {
    get(key: string, run: () => Promise<Capture>): Promise<Capture>;
}
let store: CaptureStore | undefined;
export function shareCaptures(shared: CaptureStore | undefined): void {
    store = shared;
}

/** Runs index.ts for one stack under mocks. Throws what the program throws (e.g. ConfigError) after RPCs drain. */
export function runProgram(input: StackInput, options: CaptureOptions = {}): Promise<Capture> {
    const run = () => capture(input, () => loadProgram()(), options);
    // A run with altered Azure answers is keyed by a function: never shared.
    if (!store || options.alterAzure) {
        return run();
    }
    const { project, seed, absent, allowFailure } = options;
    return store.get(JSON.stringify([input, project, seed, absent, allowFailure === true]), run);
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
        return {
            project,
            stack: input.stack,
            resources: monitor.registrations,
            outputs: {},
            references: mocks.references,
            registeredOutputs: monitor.registeredOutputs,
            calls: mocks.calls,
            config: input.config,
            error,
        };
    }
    await waitForRPCs();
    if (monitor.refused) {
        // Before the outputs are read: one that hangs on a refused resource would never resolve.
        throw monitor.refused;
    }
    const outputs: Record<string, OutputValue> = {};
    for (const [key, value] of Object.entries(exported ?? {})) {
        const output = pulumi.output(value);
        outputs[key] = { value: await resolve(output), secret: await pulumi.isSecret(output) };
    }
    await waitForRPCs();
    return {
        project,
        stack: input.stack,
        resources: monitor.registrations,
        outputs,
        references: mocks.references,
        registeredOutputs: monitor.registeredOutputs,
        calls: mocks.calls,
        config: input.config,
    };
}

/** The value of an output; rejects when the resource behind it failed (apply alone would wait forever). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    // Output.promise() is internal to @pulumi/pulumi (pinned minor; covered by test/offline/program.test.ts).
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Convenience for the committed stacks: read the file, add secret placeholders, run. */
export async function planStack(stack: string, root = PROJECT_DIR): Promise<Capture> {
    return runProgram(withSecretPlaceholders(loadStackFile(stack, root)));
}
