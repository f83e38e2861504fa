// The stack's Pulumi state, when given (`pulumi stack export --file state.json`, then `--state state.json`): which Azure
// resources the stack already manages. Preflight reads no backend itself; without a state it cannot tell a resource
// `pulumi up` will update from one it will try to create over an existing one.
//
// Format: the untyped deployment `pulumi stack export` writes, {version, deployment: {resources: [{urn, custom, id,
// type, ...}]}} (pulumi/pulumi sdk/go/common/apitype/core.go: UntypedDeployment, DeploymentV3.Resources, ResourceV3 urn,
// custom, id, type). `version` and `deployment` are both required (apitype/deployments.json "required"), so a backend's
// checkpoint file ({version, checkpoint: {latest}}, core.go VersionedCheckpoint) is refused, not read as an empty stack.
// `deployment` is null for a stack never deployed: the diy backend exports its checkpoint's `latest`, which
// SerializeCheckpoint leaves nil without a snapshot (pkg/backend/diy/backend.go ExportDeployment,
// pkg/resource/stack/checkpoint.go SerializeCheckpoint).
import { readFileSync } from "node:fs";
import { UsageError } from "../cli/usage";

export interface StackState {
    /** The file it was read from. */
    file: string;
    /** ARM ids (lower case) of the custom resources in the state, by Pulumi type token. */
    ids: Map<string, Set<string>>;
}

export function readState(file: string): StackState {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(
            `--state ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)}); write it with \`pulumi stack export --stack <stack> --file ${file}\``,
        );
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        throw new UsageError(`--state ${file}: not JSON; give the output of \`pulumi stack export --file <file>\``);
    }
    const deployment = (doc as { deployment?: unknown } | null)?.deployment;
    const resources = (deployment as { resources?: unknown } | null | undefined)?.resources;
    if (
        typeof (doc as { version?: unknown } | null)?.version !== "number" ||
        // An object, or null (typeof "object") for a stack never deployed; missing (a checkpoint file), a list or
        // text is refused.
        typeof deployment !== "object" ||
        Array.isArray(deployment) ||
        (resources !== undefined && !Array.isArray(resources))
    ) {
        throw new UsageError(
            `--state ${file}: not a Pulumi stack export ({version, deployment: {resources: [...]}}); give the output of \`pulumi stack export --file <file>\``,
        );
    }
    const ids = new Map<string, Set<string>>();
    type Entry = {
        custom?: unknown;
        id?: unknown;
        type?: unknown;
        external?: unknown;
        delete?: unknown;
        pendingReplacement?: unknown;
    };
    for (const r of (resources ?? []) as Entry[]) {
        // Only what the stack manages and `pulumi up` would update in place (core.go ResourceV3): not a resource it
        // only reads (external: "the lifecycle of this resource is not managed by Pulumi"), nor one it will delete on
        // the next update (delete), nor one already deleted for a delete-before-replace and not yet re-created
        // (pendingReplacement). Counting those would say "`pulumi up` updates it" where it would create or delete it.
        if (
            r &&
            r.custom === true &&
            r.external !== true &&
            r.delete !== true &&
            r.pendingReplacement !== true &&
            typeof r.id === "string" &&
            typeof r.type === "string"
        ) {
            ids.set(r.type, (ids.get(r.type) ?? new Set<string>()).add(r.id.toLowerCase()));
        }
    }
    return { file, ids };
}

/** Whether the state holds a resource of this Pulumi type with this ARM id (ARM ids compare case-insensitively). */
export function inState(state: StackState, token: string, id: string): boolean {
    return state.ids.get(token)?.has(id.toLowerCase()) ?? false;
}
