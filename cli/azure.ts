// The one way the tools that read ARM (preflight, verify) sign in and build Azure SDK clients: one credential, one ARM
// endpoint, one retry policy. Tests pass their own credential, a fake endpoint and a fast retry.
import type { TokenCredential } from "@azure/identity";
import { lazy } from "./lazy";

/** The token scope of Azure Resource Manager; it stays ARM's even when the endpoint is a test's fake. */
export const ARM_SCOPE = "https://management.azure.com/.default";
export const ARM_ENDPOINT = "https://management.azure.com";

/**
 * The SDK retry policy (@azure/core-rest-pipeline's exponential retry, whose default is 3 retries: constants.ts
 * DEFAULT_RETRY_POLICY_COUNT): 429 and 503 with Retry-After wait as told; other 5xx and network errors back off
 * exponentially from retryDelayInMs up to maxRetryDelayInMs. Four retries within 30 s: a preflight check has 30 s by
 * default (--timeout), and verify polls again at its next interval anyway, so a longer wait inside one call buys nothing.
 */
export interface RetryOptions {
    maxRetries: number;
    retryDelayInMs: number;
    maxRetryDelayInMs: number;
}

export const RETRY: RetryOptions = { maxRetries: 4, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 };

/** What a tool's Azure clients are built from; every field has the production default. */
export interface AzureOptions {
    credential?: TokenCredential;
    /** ARM endpoint; tests point it at a fake. */
    endpoint?: string;
    retry?: RetryOptions;
}

/** The credential given, else DefaultAzureCredential (az login, workload identity, managed identity, AZURE_* variables). */
export function azureCredential(given?: TokenCredential): TokenCredential {
    return given ?? new (lazy.azureIdentity().DefaultAzureCredential)();
}

/**
 * Client options for ARM clients, in both shapes the SDK uses: the modular clients (resources, containerservice,
 * compute, keyvault) take `credentials.scopes`, the classic ones (features, authorization, kubernetesconfiguration)
 * `credentialScopes`.
 */
export function armClientOptions(options: AzureOptions = {}): {
    modular: { endpoint: string; credentials: { scopes: string[] }; retryOptions: RetryOptions };
    classic: { endpoint: string; credentialScopes: string[]; retryOptions: RetryOptions };
    retry: RetryOptions;
} {
    const endpoint = (options.endpoint ?? ARM_ENDPOINT).replace(/\/$/, "");
    const retryOptions = options.retry ?? RETRY;
    return {
        modular: { endpoint, credentials: { scopes: [ARM_SCOPE] }, retryOptions },
        classic: { endpoint, credentialScopes: [ARM_SCOPE], retryOptions },
        retry: retryOptions,
    };
}
