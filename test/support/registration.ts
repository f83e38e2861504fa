// A hand-made registration as the offline plan captures it (offline/monitor.ts Registration): a custom resource with
// no parent, provider, dependencies or inputs and the engine's default options, unless `fields` says otherwise. One
// place for the shape, so a field added to Registration is added here once.
import type { Registration } from "../../offline/monitor";

export function registrationOf(
    fields: Pick<Registration, "urn" | "type" | "name"> & Partial<Registration>,
): Registration {
    return {
        custom: true,
        parent: null,
        provider: null,
        dependencies: [],
        propertyDependencies: {},
        inputs: {},
        options: {
            protect: false,
            retainOnDelete: false,
            ignoreChanges: [],
            customTimeouts: null,
            deleteBeforeReplace: false,
            importId: null,
            additionalSecretOutputs: [],
        },
        ...fields,
    };
}
