// The Azure clients preflight reads through: the official SDK clients, all built from the tools' one credential, ARM
// endpoint and retry policy (cli/azure.ts), so tests point the real clients at a fake endpoint (nock) and the CLI at Azure.
import type { TokenCredential } from "@azure/identity";
import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { ComputeManagementClient } from "@azure/arm-compute";
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { FeatureClient } from "@azure/arm-features";
import type { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { ResourceManagementClient } from "@azure/arm-resources";
import type { DeploymentsClient } from "@azure/arm-resourcesdeployments";
import { lazy } from "../cli/lazy";
import { ARM_SCOPE, armClientOptions, azureCredential, type AzureOptions, type RetryOptions } from "../cli/azure";

export { ARM_SCOPE, type RetryOptions };
// The Microsoft.Resources deployments API version the validation uses (its spec examples shaped the test fixtures).
export const DEPLOYMENTS_API_VERSION = "2025-04-01";
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

export interface ClientOptions extends AzureOptions {
    /** Microsoft Graph endpoint (https://graph.microsoft.com); tests point it at a fake. */
    graphEndpoint?: string;
}

/** One Entra group as Graph returns it (GET /groups, $select=id,displayName,securityEnabled). */
export interface GraphGroup {
    id: string;
    displayName?: string;
    securityEnabled?: boolean;
}

export interface GraphReader {
    /** Security-enabled groups whose displayName equals `name` exactly: the groups the program's lookup can find. */
    groupsNamed(name: string): Promise<GraphGroup[]>;
}

/** A bare-bones ARM response for the one call no installed client offers (deployment validation). */
export interface RawResponse {
    status: number;
    headers: Record<string, string | undefined>;
    body: unknown;
}

export interface Clients {
    subscriptionId: string;
    credential: TokenCredential;
    resources: ResourceManagementClient;
    /** Deployments moved out of @azure/arm-resources (7.0.0) into their own client. */
    deployments: DeploymentsClient;
    features: FeatureClient;
    containerService: ContainerServiceClient;
    keyVault: KeyVaultManagementClient;
    compute: ComputeManagementClient;
    authorization: AuthorizationManagementClient;
    graph: GraphReader;
}

/** Clients are created on first use, so a check that does not run costs nothing. */
export function createClients(subscriptionId: string, options: ClientOptions = {}): Clients {
    const credential = azureCredential(options.credential);
    const { modular, classic, retry: retryOptions } = armClientOptions(options);
    const cache = new Map<string, unknown>();
    const once = <T>(key: string, make: () => T): T => {
        if (!cache.has(key)) {
            cache.set(key, make());
        }
        return cache.get(key) as T;
    };
    const clients: Clients = {
        subscriptionId,
        credential,
        get resources() {
            return once(
                "resources",
                () => new (lazy.armResources().ResourceManagementClient)(credential, subscriptionId, modular),
            );
        },
        get deployments() {
            return once(
                "deployments",
                () =>
                    new (lazy.armDeployments().DeploymentsClient)(credential, subscriptionId, {
                        ...modular,
                        apiVersion: DEPLOYMENTS_API_VERSION,
                    }),
            );
        },
        get features() {
            return once("features", () => new (lazy.armFeatures().FeatureClient)(credential, subscriptionId, classic));
        },
        get containerService() {
            return once(
                "containerService",
                () => new (lazy.armContainerService().ContainerServiceClient)(credential, subscriptionId, modular),
            );
        },
        get keyVault() {
            return once(
                "keyVault",
                () => new (lazy.armKeyVault().KeyVaultManagementClient)(credential, subscriptionId, modular),
            );
        },
        get compute() {
            return once(
                "compute",
                () => new (lazy.armCompute().ComputeManagementClient)(credential, subscriptionId, modular),
            );
        },
        get authorization() {
            return once(
                "authorization",
                () => new (lazy.armAuthorization().AuthorizationManagementClient)(credential, subscriptionId, classic),
            );
        },
        get graph() {
            return once("graph", () =>
                graphReader(credential, options.graphEndpoint ?? "https://graph.microsoft.com", retryOptions),
            );
        },
    };
    return clients;
}

/** Microsoft Graph through its official client, signed in with the same credential (scope .default of Graph). */
function graphReader(credential: TokenCredential, baseUrl: string, retry: RetryOptions): GraphReader {
    const graph = lazy.graphClient();
    const client = graph.Client.initWithMiddleware({
        // As given, with or without a trailing slash: the client joins host, version and path itself
        // (@microsoft/microsoft-graph-client GraphRequest buildFullUrl, urlJoin).
        baseUrl,
        defaultVersion: "v1.0",
        authProvider: {
            getAccessToken: async () => {
                const token = await credential.getToken(GRAPH_SCOPE);
                if (!token) {
                    throw new Error("no token for Microsoft Graph");
                }
                return token.token;
            },
        },
    });
    return {
        async groupsNamed(name) {
            // OData string literal: a single quote is doubled. displayName supports eq without advanced query headers
            // (Graph docs, "Use the $filter query parameter": displayName eq is a default-supported filter on groups).
            // The same filter as the program's lookup: it calls azuread getGroup({displayName, securityEnabled: true})
            // (components/GitOpsCluster.ts groupObjectId), whose data source asks Graph for
            // "displayName eq '<name>' and securityEnabled eq true" and wants exactly one group
            // (hashicorp/terraform-provider-azuread internal/services/groups/group_data_source.go, which pulumi-azuread
            // bridges). A mail-only group of the same name is not a match, and not a second one.
            const filter = `displayName eq '${name.replace(/'/g, "''")}' and securityEnabled eq true`;
            const result = (await client
                .api("/groups")
                .filter(filter)
                .select("id,displayName,securityEnabled")
                .top(10)
                .middlewareOptions([
                    new graph.RetryHandlerOptions(
                        Math.max(1, Math.round(retry.retryDelayInMs / 1000)),
                        Math.min(retry.maxRetries, 10),
                    ),
                ])
                .get()) as { value?: GraphGroup[] };
            return result.value ?? [];
        },
    };
}

/** The parts of an SDK error (RestError, GraphError) preflight reacts to. */
export interface ServiceError {
    statusCode?: number;
    code?: string;
    message: string;
}

export function asServiceError(e: unknown): ServiceError {
    const err = (e ?? {}) as {
        statusCode?: unknown;
        status?: unknown;
        code?: unknown;
        message?: unknown;
        details?: { error?: { code?: unknown; message?: unknown } };
    };
    const statusCode =
        typeof err.statusCode === "number" ? err.statusCode : typeof err.status === "number" ? err.status : undefined;
    const inner = err.details?.error;
    const code = typeof inner?.code === "string" ? inner.code : typeof err.code === "string" ? err.code : undefined;
    const message =
        typeof inner?.message === "string" ? inner.message : typeof err.message === "string" ? err.message : String(e);
    return { statusCode, code, message };
}

export function statusOf(e: unknown): number | undefined {
    return asServiceError(e).statusCode;
}

/** Runs `read` and turns a 404 into undefined (the thing does not exist); anything else propagates. */
export async function ifExists<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
        return await read();
    } catch (e) {
        if (statusOf(e) === 404) {
            return undefined;
        }
        throw e;
    }
}

/** Collects a paged SDK list. */
export async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of pages) {
        items.push(item);
    }
    return items;
}
