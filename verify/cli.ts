// npm run verify -- --stack <name> [--subscription <id>] [--timeout 30m] [--interval 15s] [--failure-grace 10m]
// After `pulumi up`: waits until the stack's Flux configuration is Compliant and every Kustomization is Ready.
// Exit codes: 0 reconciled, 1 failed (the failing kustomization and its message), 2 bad usage, 3 timed out,
// 4 not signed in (a one-line hint, never the credential chain's dump).
// Talks to ARM only (never to the cluster's API server), with the tools' one retry policy for 429 (Retry-After) and
// transient 5xx (cli/azure.ts), and keeps polling through errors that outlast it.
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { armClientOptions, azureCredential, type AzureOptions } from "../cli/azure";
import { defineCommand, EXIT as CODES, parseDuration as duration } from "../cli/command";
import { lazy } from "../cli/lazy";
import { loadStackFile, withSecretPlaceholders } from "../stacks/files";
import { azureCliDefault, canSignIn, describeSubscription, givenSubscription, SIGN_IN_HINT } from "../cli/signin";
import { UsageError } from "../cli/usage";
import { physicalNames, settingsFrom } from "../stacks/load";
import { assess, Assessment } from "./assess";

/** verify's outcomes in the tools' one exit-code table (cli/command.ts). */
export const EXIT = {
    reconciled: CODES.ok,
    failed: CODES.failed,
    usage: CODES.usage,
    timedOut: CODES.timedOut,
    notSignedIn: CODES.notSignedIn,
} as const;

const USAGE = `usage: npm run verify -- --stack <name> [--subscription <id>] [--timeout 30m] [--interval 15s] [--failure-grace 10m]

  --stack          a committed stack (Pulumi.<name>.yaml); names are derived from its config
  --subscription   defaults to $AZURE_SUBSCRIPTION_ID, $ARM_SUBSCRIPTION_ID, then the Azure CLI's default
                   subscription (az account show); a stack on standby needs none
  --timeout        give up (exit 3) after this long
  --interval       time between polls
  --failure-grace  how long a kustomization may stay failed before exit 1 (Flux retries; new federated
                   credentials and role assignments take minutes to take effect)
Signs in with DefaultAzureCredential (az login, workload identity, managed identity, AZURE_* variables).
Exit codes: 0 reconciled, 1 failed, 2 bad usage, 3 timed out, 4 not signed in.`;

/** A duration option of verify's (cli/command.ts parseDuration); --failure-grace alone may be 0 (fail at once). */
export function parseDuration(text: string, option: string): number {
    return duration(text, option, { allowZero: option === "--failure-grace" });
}

export interface Target {
    /** A stack on standby has no cluster: there is nothing to reconcile yet. */
    standby: boolean;
    subscriptionId: string;
    resourceGroupName: string;
    clusterName: string;
    fluxConfigurationName: string;
}

/** The ARM names of a stack's Flux configuration, from its committed config (the same derivation the program uses). */
export function targetFor(stack: string, subscriptionId: string): Target {
    return { ...clusterOf(stack), subscriptionId };
}

/** What the stack's config says, before any subscription: whether it is on standby, and its ARM names. */
export function clusterOf(stack: string): Omit<Target, "subscriptionId"> {
    const settings = settingsFrom(withSecretPlaceholders(loadStackFile(stack)).config);
    return {
        standby: settings.standby,
        resourceGroupName: physicalNames(settings).resourceGroupName,
        clusterName: physicalNames(settings).aksCluster,
        fluxConfigurationName: settings.flux.configurationName,
    };
}

export interface VerifyOptions {
    timeoutMs: number;
    intervalMs: number;
    failureGraceMs: number;
}

export interface Environment {
    get(): Promise<FluxConfiguration>;
    log(line: string): void;
    now(): number;
    sleep(ms: number): Promise<void>;
}

interface RestErrorLike {
    statusCode?: number;
    code?: string;
    message: string;
}

/** Polls until reconciled, failed beyond the grace period, or timed out. */
export async function waitForReconciliation(target: Target, options: VerifyOptions, env: Environment): Promise<number> {
    const start = env.now();
    const elapsed = () => {
        const s = Math.round((env.now() - start) / 1000);
        return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    };
    const label = `${target.clusterName}/${target.fluxConfigurationName}`;
    let last = "";
    let failingSince: number | undefined;
    let latest: Assessment | undefined;
    for (;;) {
        try {
            latest = assess(await env.get());
            if (latest.summary !== last) {
                env.log(`[${elapsed()}] ${label}: ${latest.summary}`);
                last = latest.summary;
            }
            if (latest.state === "reconciled") {
                env.log(`reconciled: ${latest.kustomizations.map((k) => k.name).join(", ")}`);
                return EXIT.reconciled;
            }
            if (latest.state === "failing") {
                failingSince ??= env.now();
                if (env.now() - failingSince >= options.failureGraceMs) {
                    for (const f of latest.failing) {
                        env.log(`FAILED ${f.name}: ${f.reason}: ${f.message ?? ""}`);
                    }
                    return EXIT.failed;
                }
            } else {
                failingSince = undefined;
            }
        } catch (e) {
            const err = e as RestErrorLike;
            const status = err.statusCode;
            if (status === 404) {
                env.log(
                    `FAILED: Flux configuration ${label} not found in resource group ${target.resourceGroupName} of subscription ${target.subscriptionId}: was \`pulumi up\` run for this stack there?`,
                );
                return EXIT.failed;
            }
            if (
                status === 401 ||
                status === 403 ||
                /CredentialUnavailable|AuthenticationError/.test(String((e as Error).name))
            ) {
                env.log(`FAILED: not allowed to read ${label}: ${err.message}`);
                return EXIT.failed;
            }
            // Throttling and transient failures that outlasted the SDK's own retries: try again next round.
            env.log(
                `[${elapsed()}] ${label}: ${status ? `HTTP ${status}` : "request failed"} (${err.code ?? err.message}); retrying`,
            );
            last = "";
        }
        if (env.now() - start >= options.timeoutMs) {
            env.log(`TIMED OUT after ${elapsed()}: ${latest?.summary ?? "no answer from ARM"}`);
            for (const f of latest?.failing ?? []) {
                env.log(`  failing ${f.name}: ${f.reason}: ${f.message ?? ""}`);
            }
            return EXIT.timedOut;
        }
        await env.sleep(Math.min(options.intervalMs, Math.max(0, options.timeoutMs - (env.now() - start))));
    }
}

export interface ClientOptions extends AzureOptions {
    /** Where the subscription comes from when none is given (AZURE_/ARM_SUBSCRIPTION_ID, az's PATH); process.env by default. */
    env?: Record<string, string | undefined>;
}

export function fluxConfigurationReader(target: Target, options: ClientOptions = {}): () => Promise<FluxConfiguration> {
    const { SourceControlConfigurationClient } = lazy.armKubernetesConfiguration();
    const client = new SourceControlConfigurationClient(
        azureCredential(options.credential),
        target.subscriptionId,
        armClientOptions(options).classic,
    );
    return () =>
        client.fluxConfigurations.get(
            target.resourceGroupName,
            "Microsoft.ContainerService",
            "managedClusters",
            target.clusterName,
            target.fluxConfigurationName,
        );
}

export const command = defineCommand({
    name: "verify",
    usage: USAGE,
    options: {
        stack: { type: "string", short: "s" },
        subscription: { type: "string" },
        timeout: { type: "string", default: "30m" },
        interval: { type: "string", default: "15s" },
        "failure-grace": { type: "string", default: "10m" },
        help: { type: "boolean", short: "h" },
    },
    run: (argv) => main(argv),
});

export async function main(
    argv: string[],
    clientOptions: ClientOptions = {},
    log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
    const { values } = command.parse(argv);
    if (values.help) {
        log(USAGE);
        return EXIT.reconciled;
    }
    if (!values.stack) {
        throw new UsageError("--stack is required");
    }
    const env = clientOptions.env ?? process.env;
    // A subscription given but malformed is a mistake even for a stack on standby; none given is asked of the Azure
    // CLI only when there is a cluster to look at.
    const given = givenSubscription(values.subscription, env);
    const options = {
        timeoutMs: parseDuration(values.timeout, "--timeout"),
        intervalMs: parseDuration(values.interval, "--interval"),
        failureGraceMs: parseDuration(values["failure-grace"], "--failure-grace"),
    };
    const cluster = clusterOf(values.stack);
    if (cluster.standby) {
        log(`${values.stack} is on standby (no cluster yet): nothing to reconcile`);
        return EXIT.reconciled;
    }
    const subscription = given ?? (await azureCliDefault(env));
    const target: Target = { ...cluster, subscriptionId: subscription.id };
    const credential = azureCredential(clientOptions.credential);
    if (!(await canSignIn(credential))) {
        log(SIGN_IN_HINT);
        return EXIT.notSignedIn;
    }
    log(
        `verifying ${target.clusterName}/${target.fluxConfigurationName} in ${target.resourceGroupName} (timeout ${values.timeout}), subscription ${describeSubscription(subscription)}`,
    );
    return waitForReconciliation(target, options, {
        get: fluxConfigurationReader(target, { ...clientOptions, credential }),
        log,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
}

export const runCli = command.runCli;
