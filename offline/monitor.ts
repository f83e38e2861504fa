// A MockMonitor that records every register-resource request as the engine would receive it: inputs (with secret
// markers), parent, dependencies, property dependencies and resource options.
// It relies on @pulumi/pulumi internals (runtime/mocks MockMonitor, request getters); the package's minor version is
// pinned and test/offline/program.test.ts fails loudly if an upgrade moves them.
import { SECRET } from "../stacks/files";
import type { ErrorHook } from "@pulumi/pulumi";
import { MockMonitor, Mocks } from "@pulumi/pulumi/runtime/mocks";
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { lazy } from "../cli/lazy";

export interface CustomTimeouts {
    create?: string;
    update?: string;
    delete?: string;
}

export interface ResourceOptionsSeen {
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    customTimeouts: CustomTimeouts | null;
    deleteBeforeReplace: boolean;
    importId: string | null;
    /** Outputs the engine must treat as secrets although the provider does not mark them. */
    additionalSecretOutputs: string[];
    /** Names of the error hooks (hooks.onError) the engine would call when an operation on the resource fails. */
    onErrorHooks?: string[];
}

export interface Registration {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string | null;
    provider: string | null;
    /** All urns this resource waits for (explicit dependsOn and inputs). */
    dependencies: string[];
    /** Input name -> urns whose outputs flow into it. */
    propertyDependencies: Record<string, string[]>;
    /** Inputs exactly as serialized for the engine; secrets are wrapped as { [SECRET]: value }. */
    inputs: Record<string, unknown>;
    options: ResourceOptionsSeen;
}

/** Marks a secret value in captured inputs. */
export const UNKNOWN = "[unknown]";

interface PropertyDependenciesLike {
    getUrnsList(): string[];
}
interface TimeoutsLike {
    getCreate(): string;
    getUpdate(): string;
    getDelete(): string;
}
interface StructLike {
    toJavaScript(): Record<string, unknown>;
}
interface RegisterResourceRequestLike {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getObject(): StructLike | undefined;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (value: PropertyDependenciesLike, key: string) => void): void };
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getIgnorechangesList(): string[];
    getCustomtimeouts(): TimeoutsLike | undefined;
    getDeletebeforereplace(): boolean;
    getImportid(): string;
    getAdditionalsecretoutputsList(): string[];
    getHooks(): { getOnErrorList(): string[] } | undefined;
}
interface RegisterResourceResponseLike {
    getUrn(): string;
}
interface RegisterResourceOutputsRequestLike {
    getUrn(): string;
    getOutputs(): StructLike | undefined;
}
type Callback = (err: unknown, response: unknown) => void;

/** Converts the wire form (secret/unknown sentinels) into plain values with explicit markers. */
export function fromWire(value: unknown): unknown {
    if (value === unknownValue) {
        return UNKNOWN;
    }
    if (Array.isArray(value)) {
        return value.map(fromWire);
    }
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[specialSigKey] === specialSecretSig) {
            return { [SECRET]: fromWire(record.value) };
        }
        if (record[specialSigKey] === specialResourceSig) {
            return `resource ${String(record.urn)}`;
        }
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fromWire(v)]));
    }
    return value;
}

let lastErrorHooks = new Map<string, ErrorHook>();
/** The error hooks the last run registered, by name (its monitor's errorHooks). */
export function registeredErrorHooks(): Map<string, ErrorHook> {
    return lastErrorHooks;
}

export class CaptureMonitor extends MockMonitor {
    readonly registrations: Registration[] = [];
    /** What each component passed to registerOutputs, by urn (same markers as inputs). */
    readonly registeredOutputs = new Map<string, Record<string, unknown>>();
    /** The error hooks the program registered, by name: tests call their callbacks as the engine would. */
    readonly errorHooks = new Map<string, ErrorHook>();
    /**
     * The first feature the program asked for that the harness refuses (a transform, a state migration). The SDK only
     * lets such a refusal escape as an unhandled rejection, which a test runner swallows: the resource would be missing
     * from the capture, or its outputs never resolve. capture() (program.ts) fails the run with it instead.
     */
    refused: Error | undefined;

    constructor(mocks: Mocks) {
        super(mocks);
    }

    /**
     * Feature negotiation, the first call a run makes after the runtime's settings were reset: the moment to stand in for
     * the SDK's callback server. Without it a resource hook would start a gRPC server on loopback for every capture and
     * register through it with a monitor method MockMonitor lacks. The stand-in keeps the hooks (callbacks included)
     * in memory; nothing else of the program uses callbacks (transforms would fail here, loudly).
     */
    override getDeploymentInfo(req: unknown, callback: Callback): void {
        lastErrorHooks = this.errorHooks;
        const store = lazy.pulumiState().getStore();
        const refuse = (what: string) => () => {
            const error = new Error(`the offline harness does not run ${what}`);
            this.refused ??= error;
            const refusal = Promise.reject(error);
            // Stack and invoke transforms drop the promise (runtime/stack.js): marked handled so that the run fails
            // with the message above, through capture(), instead of Node's unhandled-rejection crash.
            refusal.catch(() => undefined);
            return refusal;
        };
        store.callbacks = {
            registerErrorHook: (hook: ErrorHook) => {
                this.errorHooks.set(hook.name, hook);
                return Promise.resolve();
            },
            registerResourceHook: () => Promise.resolve(),
            awaitStackRegistrations: () => Promise.resolve(),
            registerTransform: refuse("resource transforms"),
            registerStackTransform: refuse("stack transforms"),
            registerStackInvokeTransform: refuse("invoke transforms"),
            registerStateMigration: refuse("state migrations"),
            shutdown: () => undefined,
        };
        super.getDeploymentInfo(req, callback);
    }

    override async registerResource(req: RegisterResourceRequestLike, callback: Callback): Promise<void> {
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps, key) => {
            propertyDependencies[key] = [...deps.getUrnsList()].sort();
        });
        const timeouts = req.getCustomtimeouts();
        const partial: Omit<Registration, "urn"> = {
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent() || null,
            provider: req.getProvider() || null,
            dependencies: [...new Set(req.getDependenciesList())].sort(),
            propertyDependencies,
            inputs: fromWire(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
            options: {
                protect: req.getProtect() === true,
                retainOnDelete: req.getRetainondelete() === true,
                ignoreChanges: [...req.getIgnorechangesList()],
                customTimeouts:
                    timeouts && (timeouts.getCreate() || timeouts.getUpdate() || timeouts.getDelete())
                        ? {
                              create: timeouts.getCreate() || undefined,
                              update: timeouts.getUpdate() || undefined,
                              delete: timeouts.getDelete() || undefined,
                          }
                        : null,
                deleteBeforeReplace: req.getDeletebeforereplace(),
                importId: req.getImportid() || null,
                additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
                onErrorHooks: [...(req.getHooks()?.getOnErrorList() ?? [])],
            },
        };
        return super.registerResource(req, (err: unknown, response: unknown) => {
            if (!err) {
                this.registrations.push({ urn: (response as RegisterResourceResponseLike).getUrn(), ...partial });
            }
            callback(err, response);
        });
    }

    override registerResourceOutputs(req: RegisterResourceOutputsRequestLike, callback: Callback): void {
        this.registeredOutputs.set(
            req.getUrn(),
            fromWire(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>,
        );
        super.registerResourceOutputs(req, callback);
    }
}
