// npm run verify -- --stack <name> [--subscription <id>] [--timeout 30m] [--interval 15s] [--failure-grace 10m]
// After `pulumi up`: waits until the stack's Flux configuration is Compliant and every Kustomization is Ready.
// Exit codes: 0 reconciled, 1 failed (the failing kustomization and its message), 2 bad usage, 3 timed out,
// 4 not signed in (a one-line hint, never the credential chain's dump).
// Talks to ARM only (never to the cluster's API server), with the Azure SDK's retry policy for 429 (Retry-After) and
// transient 5xx, and keeps polling through errors that outlast it.
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { TokenCredential } from "@azure/identity";
import { lazy } from "../cli/lazy";
import { loadStackFile, withSecretPlaceholders } from "../stacks/files";
import { azureCliDefault, canSignIn, describeSubscription, givenSubscription, NOT_SIGNED_IN, SIGN_IN_HINT } from "../cli/signin";
import { failure, parseCli, UsageError } from "../cli/usage";
import { derivedNames, settingsFrom } from "../stacks/load";
import { assess, Assessment } from "./assess";

export const EXIT = { reconciled: 0, failed: 1, usage: 2, timedOut: 3, notSignedIn: NOT_SIGNED_IN } as const;

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

export function parseDuration(text: string, option: string): number {
    const m = /^(\d+)(ms|s|m|h)$/.exec(text);
    if (!m) {
        throw new UsageError(`${option} must be a duration such as 90s, 15m or 1h (got "${text}")`);
    }
    if (Number(m[1]) === 0 && option !== "--failure-grace") {
        throw new UsageError(`${option} must be longer than 0 (got "${text}")`);
    }
    return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
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
        resourceGroupName: derivedNames(settings).resourceGroupName,
        clusterName: `aks-${settings.clusterName}`,
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
                env.log(`FAILED: Flux configuration ${label} not found in resource group ${target.resourceGroupName} of subscription ${target.subscriptionId}: was \`pulumi up\` run for this stack there?`);
                return EXIT.failed;
            }
            if (status === 401 || status === 403 || /CredentialUnavailable|AuthenticationError/.test(String((e as Error).name))) {
                env.log(`FAILED: not allowed to read ${label}: ${err.message}`);
                return EXIT.failed;
            }
            // Throttling and transient failures that outlasted the SDK's own retries: try again next round.
            env.log(`[${elapsed()}] ${label}: ${status ? `HTTP ${status}` : "request failed"} (${err.code ?? err.message}); retrying`);
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

export interface ClientOptions {
    credential?: TokenCredential;
    /** Where the subscription comes from when none is given (AZURE_/ARM_SUBSCRIPTION_ID, az's PATH); process.env by default. */
    env?: Record<string, string | undefined>;
    /** ARM endpoint; tests point it at a local fake. */
    endpoint?: string;
    retry?: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
}

export function fluxConfigurationReader(target: Target, options: ClientOptions = {}): () => Promise<FluxConfiguration> {
    const { SourceControlConfigurationClient } = lazy.armKubernetesConfiguration();
    const credential = options.credential ?? new (lazy.azureIdentity()).DefaultAzureCredential();
    const client = new SourceControlConfigurationClient(credential, target.subscriptionId, {
        ...(options.endpoint ? { endpoint: options.endpoint, credentialScopes: ["https://management.azure.com/.default"] } : {}),
        // 429 with Retry-After is honoured as given; 5xx and network errors back off exponentially (core-rest-pipeline).
        retryOptions: options.retry ?? { maxRetries: 5, retryDelayInMs: 2000, maxRetryDelayInMs: 60000 },
    });
    return () => client.fluxConfigurations.get(target.resourceGroupName, "Microsoft.ContainerService", "managedClusters", target.clusterName, target.fluxConfigurationName);
}

export async function main(argv: string[], clientOptions: ClientOptions = {}, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
    const { values } = parseCli({
        args: argv,
        options: {
            stack: { type: "string", short: "s" },
            subscription: { type: "string" },
            timeout: { type: "string", default: "30m" },
            interval: { type: "string", default: "15s" },
            "failure-grace": { type: "string", default: "10m" },
            help: { type: "boolean", short: "h" },
        },
    });
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
        timeoutMs: parseDuration(values.timeout!, "--timeout"),
        intervalMs: parseDuration(values.interval!, "--interval"),
        failureGraceMs: parseDuration(values["failure-grace"]!, "--failure-grace"),
    };
    const cluster = clusterOf(values.stack);
    if (cluster.standby) {
        log(`${values.stack} is on standby (no cluster yet): nothing to reconcile`);
        return EXIT.reconciled;
    }
    const subscription = given ?? (await azureCliDefault(env));
    const target: Target = { ...cluster, subscriptionId: subscription.id };
    const credential = clientOptions.credential ?? new (lazy.azureIdentity()).DefaultAzureCredential();
    if (!(await canSignIn(credential))) {
        log(SIGN_IN_HINT);
        return EXIT.notSignedIn;
    }
    log(`verifying ${target.clusterName}/${target.fluxConfigurationName} in ${target.resourceGroupName} (timeout ${values.timeout}), subscription ${describeSubscription(subscription)}`);
    return waitForReconciliation(target, options, {
        get: fluxConfigurationReader(target, { ...clientOptions, credential }),
        log,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
}

export function runCli(argv: string[]): Promise<void> {
    return main(argv)
        .then((code) => {
            process.exitCode = code;
        })
        .catch((e: unknown) => {
            const { code, message } = failure(e, USAGE, "verify");
            process.stderr.write(`${message}\n`);
            process.exitCode = code;
        });
}
