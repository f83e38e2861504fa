// npm run verify -- --stack <name> [--subscription <id>] [--timeout 30m] [--interval 15s] [--failure-grace 10m]
//                   [--platform-only]
// After `pulumi up`: waits until the stack's Flux configuration is Compliant and every Kustomization is Ready, and so
// is each tenant namespace's configuration (issue 23: `tenant-<namespace>`, namespace-scoped, verify/tenants.ts).
// Exit codes: 0 reconciled, 1 failed (the failing kustomization and its message; a tenant configuration failing or
// missing counts like the platform's, since the stack declares it, unless --platform-only), 2 bad usage, 3 timed out,
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
import { stackTenants } from "../stacks/tenants";
import { assess, Assessment } from "./assess";
import {
    readTenants,
    tenantName,
    tenantReportLines,
    tenantTargets,
    type TenantReading,
    type TenantTarget,
    type TenantVerdict,
} from "./tenants";

/** verify's outcomes in the tools' one exit-code table (cli/command.ts). */
export const EXIT = {
    reconciled: CODES.ok,
    failed: CODES.failed,
    usage: CODES.usage,
    timedOut: CODES.timedOut,
    notSignedIn: CODES.notSignedIn,
} as const;

const USAGE = `usage: npm run verify -- --stack <name> [--subscription <id>] [--timeout 30m] [--interval 15s] [--failure-grace 10m] [--platform-only]

  --stack          a committed stack (Pulumi.<name>.yaml); names are derived from its config
  --subscription   defaults to $AZURE_SUBSCRIPTION_ID, $ARM_SUBSCRIPTION_ID, then the Azure CLI's default
                   subscription (az account show); a stack on standby needs none
  --timeout        give up (exit 3) after this long
  --interval       time between polls
  --failure-grace  how long a kustomization may stay failed before exit 1 (Flux retries; new federated
                   credentials and role assignments take minutes to take effect)
  --platform-only  the exit code is the platform configuration's alone; the tenants' configurations are
                   still reported, not counted
Verifies the platform's Flux configuration and each tenant namespace's (tenant-<namespace>): 0 when all are
reconciled; a tenant configuration failing past --failure-grace, or missing, exits 1 like the platform's.
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
    /** The stack's tenant namespaces, each with its namespace-scoped Flux configuration; none: the platform's alone. */
    tenants: TenantTarget[];
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
        // A standby stack (DR in peacetime) creates no tenant resources (stacks/tenants.ts), and has no cluster anyway.
        tenants: settings.standby
            ? []
            : tenantTargets(
                  stackTenants(settings).flatMap((t) => t.namespaces.map((namespace) => ({ team: t.team, namespace }))),
              ),
    };
}

export interface VerifyOptions {
    timeoutMs: number;
    intervalMs: number;
    failureGraceMs: number;
    /** --platform-only: the tenants are read and reported but do not decide the exit code. */
    platformOnly?: boolean;
}

export interface Environment {
    /** The platform's Flux configuration (GET). */
    get(): Promise<FluxConfiguration>;
    /** Every Flux configuration of the cluster (one list request); asked only when the stack has tenants. */
    list?(): Promise<FluxConfiguration[]>;
    log(line: string): void;
    now(): number;
    sleep(ms: number): Promise<void>;
}

interface RestErrorLike {
    statusCode?: number;
    code?: string;
    message: string;
}

/**
 * Polls until reconciled, failed beyond the grace period, or timed out. Each round reads the platform's configuration
 * (GET) and, when the stack has tenants, every configuration of the cluster (one list request), then decides:
 * - reconciled (exit 0): the platform's configuration is, and each tenant's (unless --platform-only);
 * - failed (exit 1): the platform's or a tenant's (unless --platform-only) has been failing for --failure-grace, each
 *   timed on its own; or a tenant's configuration does not exist: the stack declares it, so `pulumi up` has not run
 *   since the tenant was added (or it failed), and waiting cannot fix that — like the platform's 404;
 * - timed out (exit 3) otherwise, once --timeout has passed.
 * Every tenant is reported at the end, whatever decided the run: its verdict, complianceState, provisioningState,
 * synced commit and each object's state and Ready message (verify/tenants.ts).
 */
export async function waitForReconciliation(target: Target, options: VerifyOptions, env: Environment): Promise<number> {
    const start = env.now();
    const elapsed = () => {
        const s = Math.round((env.now() - start) / 1000);
        return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    };
    const label = `${target.clusterName}/${target.fluxConfigurationName}`;
    const listLabel = `${target.clusterName}/fluxConfigurations`;
    const tenantLabel = (t: TenantTarget) => `${target.clusterName}/${t.configurationName} (tenant ${t.team})`;
    const tenants = target.tenants;
    const counted = !options.platformOnly;
    // The last summary logged per configuration: a line is logged when it changes.
    const shown = new Map<string, string>();
    const show = (key: string, summary: string) => {
        if (shown.get(key) !== summary) {
            env.log(`[${elapsed()}] ${key}: ${summary}`);
            shown.set(key, summary);
        }
    };
    // Since when each configuration has been failing without a break: the grace period is each one's own.
    const failingSince = new Map<string, number>();
    const failedForGrace = (key: string, a: Assessment): boolean => {
        if (a.state !== "failing") {
            failingSince.delete(key);
            return false;
        }
        const since = failingSince.get(key) ?? env.now();
        failingSince.set(key, since);
        return env.now() - since >= options.failureGraceMs;
    };
    const verdictOf = (r: TenantReading): TenantVerdict => {
        if (!r.assessment) {
            return counted ? "FAILED" : "not found";
        }
        const failed = failedForGrace(r.tenant.configurationName, r.assessment);
        if (r.assessment.state === "reconciled") {
            return "reconciled";
        }
        if (r.assessment.state === "progressing") {
            return "waiting";
        }
        return failed && counted ? "FAILED" : "failing";
    };
    const report = (readings: TenantReading[] | undefined, verdicts: TenantVerdict[]) => {
        if (tenants.length === 0) {
            return;
        }
        if (!counted) {
            env.log("tenants (--platform-only: reported, not counted):");
        }
        if (!readings) {
            env.log(`tenants: not read (no answer from ARM to ${listLabel})`);
            return;
        }
        readings.forEach((r, i) => tenantReportLines(r, verdicts[i], target.clusterName).forEach((l) => env.log(l)));
    };
    if (tenants.length > 0 && !env.list) {
        throw new Error("verify: a stack with tenants needs the list of the cluster's Flux configurations");
    }
    let latest: Assessment | undefined;
    let readings: TenantReading[] | undefined;
    let verdicts: TenantVerdict[] = [];
    for (;;) {
        let reading = label;
        try {
            latest = assess(await env.get());
            show(label, latest.summary);
            if (tenants.length > 0 && env.list) {
                reading = listLabel;
                readings = readTenants(tenants, await env.list());
                for (const r of readings) {
                    show(tenantLabel(r.tenant), r.assessment?.summary ?? "not found");
                }
            }
            const platformFailed = failedForGrace(label, latest);
            verdicts = (readings ?? []).map(verdictOf);
            if (latest.state === "reconciled" && verdicts.every((v) => v === "reconciled" || !counted)) {
                env.log(`reconciled: ${latest.kustomizations.map((k) => k.name).join(", ")}`);
                report(readings, verdicts);
                return EXIT.reconciled;
            }
            if (platformFailed || verdicts.includes("FAILED")) {
                if (latest.state === "reconciled") {
                    env.log(`reconciled: ${latest.kustomizations.map((k) => k.name).join(", ")}`);
                }
                for (const f of platformFailed ? latest.failing : []) {
                    env.log(`FAILED ${f.name}: ${f.reason}: ${f.message ?? ""}`);
                }
                report(readings, verdicts);
                return EXIT.failed;
            }
        } catch (e) {
            const err = e as RestErrorLike;
            const status = err.statusCode;
            if (status === 404) {
                env.log(
                    reading === label
                        ? `FAILED: Flux configuration ${label} not found in resource group ${target.resourceGroupName} of subscription ${target.subscriptionId}: was \`pulumi up\` run for this stack there?`
                        : `FAILED: cluster ${target.clusterName} not found in resource group ${target.resourceGroupName} of subscription ${target.subscriptionId} when listing its Flux configurations`,
                );
                return EXIT.failed;
            }
            if (
                status === 401 ||
                status === 403 ||
                /CredentialUnavailable|AuthenticationError/.test(String((e as Error).name))
            ) {
                env.log(`FAILED: not allowed to read ${reading}: ${err.message}`);
                return EXIT.failed;
            }
            // Throttling and transient failures that outlasted the SDK's own retries: try again next round.
            env.log(
                `[${elapsed()}] ${reading}: ${status ? `HTTP ${status}` : "request failed"} (${err.code ?? err.message}); retrying`,
            );
            shown.clear();
        }
        if (env.now() - start >= options.timeoutMs) {
            const waitingFor = (readings ?? [])
                .filter((_, i) => counted && verdicts[i] !== "reconciled")
                .map((r) => tenantName(r.tenant));
            env.log(
                `TIMED OUT after ${elapsed()}: ${
                    latest?.state === "reconciled" && counted && tenants.length > 0
                        ? `waiting for ${waitingFor.length > 0 ? waitingFor.join("; ") : "the tenants' configurations"}`
                        : (latest?.summary ?? "no answer from ARM")
                }`,
            );
            for (const f of latest?.failing ?? []) {
                env.log(`  failing ${f.name}: ${f.reason}: ${f.message ?? ""}`);
            }
            report(readings, verdicts);
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
    return fluxConfigurationReaders(target, options).get;
}

/**
 * The platform's configuration (FluxConfigurations_Get) and every configuration of the cluster
 * (FluxConfigurations_List: GET .../managedClusters/<aks>/providers/Microsoft.KubernetesConfiguration/fluxConfigurations,
 * x-ms-pageable with nextLink; Azure/azure-rest-api-specs specification/kubernetesconfiguration/resource-manager/
 * Microsoft.KubernetesConfiguration/stable/2023-05-01/fluxconfiguration.json, examples/ListFluxConfigurations.json),
 * through one client with the tools' one retry policy. One list request answers for every tenant, however many: a
 * GET per tenant would be twenty requests a round for twenty teams, against ARM's read throttling.
 */
export function fluxConfigurationReaders(
    target: Target,
    options: ClientOptions = {},
): { get: () => Promise<FluxConfiguration>; list: () => Promise<FluxConfiguration[]> } {
    const { SourceControlConfigurationClient } = lazy.armKubernetesConfiguration();
    const client = new SourceControlConfigurationClient(
        azureCredential(options.credential),
        target.subscriptionId,
        armClientOptions(options).classic,
    );
    const cluster = [
        target.resourceGroupName,
        "Microsoft.ContainerService",
        "managedClusters",
        target.clusterName,
    ] as const;
    return {
        get: () => client.fluxConfigurations.get(...cluster, target.fluxConfigurationName),
        list: async () => {
            const all: FluxConfiguration[] = [];
            // The SDK's pager follows nextLink: one request unless ARM splits the answer into pages.
            for await (const config of client.fluxConfigurations.list(...cluster)) {
                all.push(config);
            }
            return all;
        },
    };
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
        "platform-only": { type: "boolean" },
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
        platformOnly: values["platform-only"] ?? false,
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
    const names = target.tenants.map((t) => t.configurationName).join(", ");
    const tenants =
        target.tenants.length === 0
            ? ""
            : options.platformOnly
              ? ` (tenants ${names} reported, not counted: --platform-only)`
              : ` and its tenants' ${names}`;
    log(
        `verifying ${target.clusterName}/${target.fluxConfigurationName}${tenants} in ${target.resourceGroupName} (timeout ${values.timeout}), subscription ${describeSubscription(subscription)}`,
    );
    const readers = fluxConfigurationReaders(target, { ...clientOptions, credential });
    return waitForReconciliation(target, options, {
        get: readers.get,
        list: readers.list,
        log,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
}

export const runCli = command.runCli;
