// npm run preflight -- --stack <name> [--subscription <id>] [--json] [--timeout 30s] [--validation-timeout 5m] [--state <file>]
// Before `pulumi up`: asks the signed-in subscription, read-only, whether what the stack's plan would create can be
// created there (ARM's own deployment validation, then what it does not cover: Kubernetes version, providers and
// features, VM sizes, zones and quota, the vault name or existing key, Entra groups, role-assignment permissions).
// Exit codes: 0 all ok (warnings allowed), 1 a check failed, 2 bad usage or invalid config, 4 not signed in or not
// allowed to read the subscription.
import { existingResources, planAgainstSubscription } from "./checks/existing";
import { describeSubscription, resolveSubscription, SIGN_IN_HINT, Subscription, subscriptionFrom } from "../cli/signin";
export { SIGN_IN_HINT, subscriptionFrom };
import { defineCommand, EXIT as CODES, parseDuration } from "../cli/command";
import { lazy } from "../cli/lazy";
import { UsageError } from "../cli/usage";
import { ARM_SCOPE, asServiceError, ClientOptions, createClients } from "./azure";
import { armValidation } from "./checks/deployment";
import { kubernetesVersion } from "./checks/kubernetes";
import { features, resourceProviders } from "./checks/providers";
import { vcpuQuota, vmSizes } from "./checks/compute";
import { existingKey, vaultName } from "./checks/keyvault";
import { entraGroups } from "./checks/groups";
import { callerPermissions } from "./checks/permissions";
import { Check, CheckResult, runChecks, sharedLookups } from "./run-checks";
import { VALIDATION_TIMEOUT_MS } from "./checks/deployment";
import { readState } from "./state";
import type { StackFacts } from "./stack";

/** preflight's outcomes in the tools' one exit-code table (cli/command.ts). */
export const EXIT = { ok: CODES.ok, failed: CODES.failed, usage: CODES.usage, notSignedIn: CODES.notSignedIn } as const;

export const CHECKS: Check[] = [
    armValidation,
    kubernetesVersion,
    resourceProviders,
    features,
    vmSizes,
    vcpuQuota,
    vaultName,
    existingKey,
    existingResources,
    entraGroups,
    callerPermissions,
];

const USAGE = `usage: npm run preflight -- --stack <name> [--subscription <id>] [--json] [--timeout 30s] [--validation-timeout 5m] [--state <file>]

  --stack          a committed stack (Pulumi.<name>.yaml); what is checked comes from its offline plan
  --subscription   defaults to $AZURE_SUBSCRIPTION_ID, $ARM_SUBSCRIPTION_ID, then the Azure CLI's default
                   subscription (az account show); the first line says which and where from
  --json           one JSON document {stack, subscriptionId, subscription, checks, exitCode} for CI
  --timeout        per check (default 30s); a check without an answer by then fails
  --validation-timeout
                   ARM's deployment validation, which takes tens of seconds or more (default 5m)
  --state          the stack's state (pulumi stack export --file <file>): tells whether an existing vault is the stack's
Read-only. Signs in with DefaultAzureCredential (az login, workload identity, managed identity, AZURE_* variables).
Exit codes: 0 ok (warnings allowed), 1 a check failed, 2 bad usage or config, 4 not signed in or not allowed.`;

export interface MainOptions extends ClientOptions {
    log?: (line: string) => void;
    env?: Record<string, string | undefined>;
    /** Per-check timeout; --timeout overrides it. */
    timeoutMs?: number;
    /** ARM validation's timeout; --validation-timeout overrides it. */
    validationTimeoutMs?: number;
    concurrency?: number;
    /** Stack facts to use instead of planning (tests reuse one plan). */
    facts?: (stack: string) => Promise<StackFacts>;
}

const LABEL = { ok: "ok", warn: "WARN", fail: "FAIL" } as const;

/** `subscription`: the id, or its describeSubscription line (id, name, where it came from). */
export function formatText(stack: string, subscription: string, results: CheckResult[]): string[] {
    const lines = [`preflight ${stack} in subscription ${subscription}`];
    for (const r of results) {
        const prefix = r.resource && !r.detail.includes(r.resource) ? `${r.resource}: ` : "";
        lines.push(`${LABEL[r.status]}  ${r.id}  ${prefix}${r.detail}`);
        if (r.fix && r.status !== "ok") {
            lines.push(`      fix: ${r.fix}`);
        }
    }
    const count = (s: CheckResult["status"]) => results.filter((r) => r.status === s).length;
    const failed = count("fail");
    lines.push(
        `summary: ${count("ok")} ok, ${count("warn")} warning${count("warn") === 1 ? "" : "s"}, ${failed} failed${failed > 0 ? ": fix the failures above before `pulumi up`" : ": nothing found that would stop `pulumi up`"}`,
    );
    return lines;
}

function emitJson(
    log: (line: string) => void,
    stack: string,
    subscription: Subscription,
    checks: CheckResult[],
    exitCode: number,
): void {
    log(
        JSON.stringify(
            {
                stack,
                subscriptionId: subscription.id,
                subscription,
                checks: checks.map((c) => ({
                    id: c.id,
                    status: c.status,
                    detail: c.detail,
                    ...(c.fix ? { fix: c.fix } : {}),
                    ...(c.resource ? { resource: c.resource } : {}),
                })),
                exitCode,
            },
            null,
            2,
        ),
    );
}

export const command = defineCommand({
    name: "preflight",
    usage: USAGE,
    options: {
        stack: { type: "string", short: "s" },
        subscription: { type: "string" },
        json: { type: "boolean" },
        timeout: { type: "string" },
        "validation-timeout": { type: "string" },
        state: { type: "string" },
        help: { type: "boolean", short: "h" },
    },
    run: (argv) => main(argv),
});

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
    const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
    const { values } = command.parse(argv);
    if (values.help) {
        log(USAGE);
        return EXIT.ok;
    }
    if (!values.stack) {
        throw new UsageError("--stack is required");
    }
    const subscription = await resolveSubscription(values.subscription, options.env ?? process.env);
    const subscriptionId = subscription.id;
    const timeoutMs = values.timeout ? parseDuration(values.timeout, "--timeout") : (options.timeoutMs ?? 30_000);
    const validationTimeoutMs = values["validation-timeout"]
        ? parseDuration(values["validation-timeout"], "--validation-timeout")
        : (options.validationTimeoutMs ?? VALIDATION_TIMEOUT_MS);
    // Read before anything is asked of Azure: a bad file is a usage error (exit 2).
    const state = values.state !== undefined ? readState(values.state) : undefined;
    const facts = await (options.facts ?? ((s: string) => lazy.preflightStack().loadStack(s)))(values.stack);
    const stack = values.stack;
    const clients = createClients(subscriptionId, options);

    const notAllowed = (detail: string): number => {
        if (values.json) {
            emitJson(log, stack, subscription, [{ id: "sign-in", status: "fail", detail }], EXIT.notSignedIn);
        } else {
            log(detail);
        }
        return EXIT.notSignedIn;
    };
    // Sign in first: a missing credential is one hint, not ten failed checks (and never the credential chain's dump).
    try {
        await clients.credential.getToken(ARM_SCOPE);
    } catch {
        return notAllowed(SIGN_IN_HINT);
    }
    try {
        // The first read: GET /subscriptions/{id}/providers/Microsoft.Resources, which any Reader may do.
        await clients.resources.providers.get("Microsoft.Resources");
    } catch (e) {
        const err = asServiceError(e);
        if (err.statusCode === 401) {
            return notAllowed(`${SIGN_IN_HINT}: ARM rejected the token (${err.code ?? "HTTP 401"})`);
        }
        if (err.statusCode === 403 || err.statusCode === 404) {
            return notAllowed(
                `the signed-in identity cannot read subscription ${subscriptionId} (${err.code ?? `HTTP ${err.statusCode}`}): check the subscription id, or grant it Reader on the subscription`,
            );
        }
        throw e;
    }

    const shared = sharedLookups(clients);
    // Planned as this run will find the subscription: an admitted prefix the run leaves out because it does not exist
    // (admitExistingOnly) is not in the template ARM validates (checks/existing.ts).
    const planned = await planAgainstSubscription({ facts, clients, subscriptionId, shared }, timeoutMs);
    const results = await runChecks(
        CHECKS,
        { facts: planned, clients, subscriptionId, shared, ...(state ? { state } : {}) },
        { concurrency: options.concurrency ?? 4, timeoutMs, timeouts: { [armValidation.id]: validationTimeoutMs } },
    );
    const exitCode = results.some((r) => r.status === "fail") ? EXIT.failed : EXIT.ok;
    if (values.json) {
        emitJson(log, stack, subscription, results, exitCode);
    } else {
        formatText(
            facts.checkedAsActive ? `${stack} (on standby: checked as activated, standby false)` : stack,
            describeSubscription(subscription),
            results,
        ).forEach((l) => log(l));
    }
    return exitCode;
}

export const runCli = command.runCli;
