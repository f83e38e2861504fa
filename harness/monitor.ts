// A MockMonitor that records every register-resource request as the engine would receive it: inputs (with secret
// markers), parent, dependencies, property dependencies and resource options.
// It relies on @pulumi/pulumi internals (runtime/mocks MockMonitor, request getters); the package's minor version is
// pinned and test/harness.test.ts fails loudly if an upgrade moves them.
import { MockMonitor, Mocks } from "@pulumi/pulumi/runtime/mocks";
import { specialResourceSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

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
export const SECRET = "[secret]";
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

export class CaptureMonitor extends MockMonitor {
    readonly registrations: Registration[] = [];
    /** What each component passed to registerOutputs, by urn (same markers as inputs). */
    readonly registeredOutputs = new Map<string, Record<string, unknown>>();

    constructor(mocks: Mocks) {
        super(mocks);
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
                        ? { create: timeouts.getCreate() || undefined, update: timeouts.getUpdate() || undefined, delete: timeouts.getDelete() || undefined }
                        : null,
                deleteBeforeReplace: req.getDeletebeforereplace(),
                importId: req.getImportid() || null,
                additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()],
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
        this.registeredOutputs.set(req.getUrn(), fromWire(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
        super.registerResourceOutputs(req, callback);
    }
}
