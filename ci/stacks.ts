// npm run stacks -- [--json | --matrix | --github-output | --azure-output] [--ring <n>] [--role <role>] [--stack <name>]
// CI's one answer to "which stacks exist, in which ring, in which order": every Pulumi.<stack>.yaml next to
// Pulumi.yaml, read as the Pulumi CLI reads it (project config, then the stack file) and validated, with its
// environment, ring and role taken from its configuration, never from its file name. The workflows and pipelines name
// no stack: they feed these matrices to `strategy.matrix`, so a new stack file is planned, deployed and checked for
// drift with no workflow edit. Exit codes: 0 ok, 2 bad usage, an unknown stack or an invalid stack file.
import { appendFileSync } from "node:fs";
import { ConfigError, physicalNames, PROJECT, settingsFrom } from "../stacks/load";
import { ENVIRONMENTS, Environment } from "../stacks/schema";
import { loadStackFile, StackInput, stackNames, withSecretPlaceholders } from "../stacks/files";
import { PROJECT_DIR } from "../stacks/paths";
import { defineCommand, type Outcome } from "../cli/command";
import { UsageError } from "../cli/usage";

/**
 * primary: owns its environment's SOPS vault (`sops.vaultName`). secondary: another active cluster of the environment
 * (`sops.existingKeyId`). standby: a DR cluster on standby (`sops.existingKeyId` and `standby: true`): no cluster, only
 * what must exist before an incident (egress prefix, identities, grants).
 */
export const ROLES = ["primary", "secondary", "standby"] as const;
export type Role = (typeof ROLES)[number];

/**
 * The waves of a ring, in order (docs/operations.md "Rollout rings"). Stacks of one environment depend on each other
 * both ways: a DR or other cluster's decrypt grant targets the vault and the custom decrypt role its environment's owner
 * creates, and the owner's vault firewall reads the egress prefixes those clusters create (sops.admitEgressPrefixIds).
 * So the owner runs twice:
 * - vault: the vault owners (primary) create or update the environment's vault, key and decrypt role, admitting only
 *   the prefixes that exist already (the run sets `admitExistingOnly`; a prefix not created yet is left out, with a
 *   warning, and an existing one is never dropped);
 * - clusters: the stacks that use the vault (secondary, standby), now that it exists; they create their prefixes;
 * - admit: the owners that admit other clusters' prefixes again, strictly: every admitted prefix must exist now.
 * From an empty subscription this stands everything up in one rollout; where everything exists, the admit run finds
 * nothing to change.
 */
export const WAVES = ["vault", "clusters", "admit"] as const;
export type Wave = (typeof WAVES)[number];

/** The top-level config key the rollout sets for the vault wave's run only (stacks/schema.ts); never committed. */
export const ADMIT_EXISTING_ONLY = "admitExistingOnly";

export interface RolloutStack {
    stack: string;
    environment: Environment;
    /** The environment's place in the promotion order (stacks/schema.ts ENVIRONMENTS): dev 0, staging 1, prod 2. */
    ring: number;
    role: Role;
    /** The stack's first wave in its ring; in a wave's own matrix, that wave. */
    wave: Wave;
    /** Every wave of its ring the stack is deployed in, in order (a vault owner that admits prefixes: vault, admit). */
    waves: Wave[];
    location: string;
    clusterName: string;
    resourceGroup: string;
    /** The AKS cluster's name (components/GitOpsCluster.ts). */
    aksName: string;
    /** The environment's SOPS vault this stack owns (primary) or uses. */
    vault: string;
    /**
     * The egress prefix the stack creates (stacks/names.ts egressPrefixId: pip-egress-<AKS name> in the cluster's group), as
     * an ARM id without the subscription; absent when it uses an existing one (aks.network.egress.publicIpPrefixId).
     */
    egressPrefixId?: string;
    /** The prefixes its vault firewall admits (sops.admitEgressPrefixIds, without the subscription part). */
    admits: string[];
}

export interface InvalidStack {
    stack: string;
    message: string;
}

export interface Discovery {
    /** Rollout order: ring, then wave, then name. */
    stacks: RolloutStack[];
    invalid: InvalidStack[];
}

/** What one stack is, from its configuration (a StackInput as loadStackFile reads it). Throws ConfigError. */
export function describeStack(input: StackInput): RolloutStack {
    const settings = settingsFrom(withSecretPlaceholders(input).config);
    const names = physicalNames(settings);
    const role: Role = names.sopsMode === "owner" ? "primary" : settings.standby ? "standby" : "secondary";
    const admits = settings.sops.admitEgressPrefixIds.map(withoutSubscription);
    const waves: Wave[] = role === "primary" ? (admits.length > 0 ? ["vault", "admit"] : ["vault"]) : ["clusters"];
    return {
        stack: input.stack,
        environment: settings.environment,
        ring: ENVIRONMENTS.indexOf(settings.environment),
        role,
        wave: waves[0],
        waves,
        location: settings.location,
        clusterName: settings.clusterName,
        resourceGroup: names.resourceGroupName,
        aksName: names.aksCluster,
        vault: names.sopsVaultName,
        ...(names.egressPrefixId ? { egressPrefixId: names.egressPrefixId } : {}),
        admits,
    };
}

/** An ARM id without its `/subscriptions/<id>` part (the form the stack files use), for comparing ids. */
export function withoutSubscription(id: string): string {
    return id.replace(/^\/subscriptions\/[^/]+/i, "");
}

/** Whether two ARM ids name the same resource (ARM ids compare case-insensitively; the subscription part is ignored). */
export function sameResource(a: string, b: string): boolean {
    return withoutSubscription(a).toLowerCase() === withoutSubscription(b).toLowerCase();
}

/** A wave's place in the whole rollout: ring by ring, wave by wave. */
export function rolloutPosition(ring: number, wave: Wave): number {
    return ring * WAVES.length + WAVES.indexOf(wave);
}

/** The committed stack that creates the egress prefix `id`, if one does. */
export function creatorOf(stacks: RolloutStack[], id: string): RolloutStack | undefined {
    return stacks.find((s) => s.egressPrefixId !== undefined && sameResource(s.egressPrefixId, id));
}

/** Rollout order: by ring, then the stack's first wave (the vault's owner before its users), then stack name. */
export function rolloutOrder(a: RolloutStack, b: RolloutStack): number {
    return (
        a.ring - b.ring ||
        WAVES.indexOf(a.wave) - WAVES.indexOf(b.wave) ||
        (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0)
    );
}

/** Describes every input; a stack whose file is invalid is reported, not dropped silently. */
export function discoverInputs(inputs: Iterable<StackInput | { stack: string; error: unknown }>): Discovery {
    const stacks: RolloutStack[] = [];
    const invalid: InvalidStack[] = [];
    for (const input of inputs) {
        try {
            if ("error" in input) {
                throw input.error;
            }
            stacks.push(describeStack(input));
        } catch (e) {
            if (
                e instanceof ConfigError ||
                (e as Error)?.name === "ConfigError" ||
                (e as Error)?.name === "ConfigFileError" ||
                (e as Error)?.name === "UsageError"
            ) {
                invalid.push({ stack: input.stack, message: (e as Error).message });
                continue;
            }
            throw e;
        }
    }
    return { stacks: stacks.sort(rolloutOrder), invalid };
}

/** The committed stacks of `root` (Pulumi.<stack>.yaml next to Pulumi.yaml). */
export function discover(root = PROJECT_DIR): Discovery {
    return discoverInputs(
        stackNames(root).map((stack) => {
            try {
                return loadStackFile(stack, root);
            } catch (error) {
                return { stack, error };
            }
        }),
    );
}

export interface Filter {
    ring?: number;
    role?: Role;
    wave?: Wave;
    stack?: string;
}

/** The stacks that pass the filter; with a wave, as that wave's entries (their `wave` is that wave). */
export function select(stacks: RolloutStack[], f: Filter): RolloutStack[] {
    return stacks
        .filter(
            (s) =>
                (f.ring === undefined || s.ring === f.ring) &&
                (f.role === undefined || s.role === f.role) &&
                (f.wave === undefined || s.waves.includes(f.wave)) &&
                (f.stack === undefined || s.stack === f.stack),
        )
        .map((s) => (f.wave === undefined ? s : { ...s, wave: f.wave }));
}

/** A GitHub Actions matrix (`strategy.matrix: ${{ fromJSON(...) }}`): one `include` entry per stack, in rollout order. */
export function githubMatrix(stacks: RolloutStack[]): { include: RolloutStack[] } {
    return { include: [...stacks].sort(rolloutOrder) };
}

/**
 * An Azure Pipelines matrix (`strategy: matrix: $[ dependencies.<job>.outputs['<step>.<name>'] ]`): legs named after
 * the stack (letters, digits and "_" only), each with the variables STACK, ENVIRONMENT, RING, ROLE, WAVE, RESOURCE_GROUP,
 * AKS_NAME.
 */
export function azureMatrix(stacks: RolloutStack[]): Record<string, Record<string, string>> {
    const legs: Record<string, Record<string, string>> = {};
    for (const s of [...stacks].sort(rolloutOrder)) {
        let leg = s.stack.replace(/[^A-Za-z0-9_]/g, "_");
        for (let i = 2; leg in legs; i++) {
            leg = `${s.stack.replace(/[^A-Za-z0-9_]/g, "_")}_${i}`;
        }
        legs[leg] = {
            STACK: s.stack,
            ENVIRONMENT: s.environment,
            RING: String(s.ring),
            ROLE: s.role,
            WAVE: s.wave,
            RESOURCE_GROUP: s.resourceGroup,
            AKS_NAME: s.aksName,
        };
    }
    return legs;
}

/**
 * The named matrices the workflows consume: `stacks` (all, rollout order: PR previews, drift), `standby` (the DR drill),
 * and for every environment of the promotion order (so the workflows have a fixed set of ring jobs) `ring<N>` and one
 * per wave, `ring<N>_vault`, `ring<N>_clusters` and `ring<N>_admit`. The workflows skip the job of an empty one.
 */
export function namedSelections(stacks: RolloutStack[]): Record<string, RolloutStack[]> {
    const out: Record<string, RolloutStack[]> = { stacks, standby: select(stacks, { role: "standby" }) };
    ENVIRONMENTS.forEach((_, ring) => {
        out[`ring${ring}`] = select(stacks, { ring });
        for (const wave of WAVES) {
            out[`ring${ring}_${wave}`] = select(stacks, { ring, wave });
        }
    });
    return out;
}

/** Lines for $GITHUB_OUTPUT: `<name>=<matrix JSON>`, or `<name>=` when no stack is in it. */
export function githubOutputs(stacks: RolloutStack[]): string {
    return Object.entries(namedSelections(stacks))
        .map(([name, selected]) => `${name}=${selected.length > 0 ? JSON.stringify(githubMatrix(selected)) : ""}\n`)
        .join("");
}

/** Azure Pipelines logging commands setting output variables: `<name>` (a matrix, `{}` when empty) and `<name>_count`. */
export function azureOutputs(stacks: RolloutStack[]): string {
    return Object.entries(namedSelections(stacks))
        .map(
            ([name, selected]) =>
                `##vso[task.setvariable variable=${name};isOutput=true]${JSON.stringify(azureMatrix(selected))}\n` +
                `##vso[task.setvariable variable=${name}_count;isOutput=true]${selected.length}\n`,
        )
        .join("");
}

/** The rollout as a document: each ring with its environment and its waves, in order. */
export function rollout(
    stacks: RolloutStack[],
): ({ ring: number; environment: Environment } & Record<Wave, string[]>)[] {
    return ENVIRONMENTS.map((environment, ring) => ({
        ring,
        environment,
        ...(Object.fromEntries(
            WAVES.map((wave) => [wave, select(stacks, { ring, wave }).map((s) => s.stack)]),
        ) as Record<Wave, string[]>),
    })).filter((r) => WAVES.some((w) => r[w].length > 0));
}

export interface RolloutStep {
    ring: number;
    environment: Environment;
    wave: Wave;
    /** The wave's stacks, deployed in parallel: none may need what another of the same wave creates. */
    stacks: RolloutStack[];
}

/** The rollout as the deploy workflows run it: every non-empty wave, ring by ring, in order. */
export function rolloutSteps(stacks: RolloutStack[]): RolloutStep[] {
    return ENVIRONMENTS.flatMap((environment, ring) =>
        WAVES.map((wave) => ({ ring, environment, wave, stacks: select(stacks, { ring, wave }) })),
    ).filter((s) => s.stacks.length > 0);
}

/**
 * The config a wave's `pulumi up` of a stack adds to its stack file (`pulumi config set`, in the runner's copy only):
 * the vault wave admits only the prefixes that exist (`admitExistingOnly`), the other waves add nothing.
 */
export function waveConfig(wave: Wave): Record<string, string> {
    return wave === "vault" ? { [`${PROJECT}:${ADMIT_EXISTING_ONLY}`]: "true" } : {};
}

export function renderTable(stacks: RolloutStack[]): string {
    const rows = [
        ["stack", "environment", "ring", "waves", "role", "location", "vault"],
        ...stacks.map((s) => [s.stack, s.environment, String(s.ring), s.waves.join("+"), s.role, s.location, s.vault]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return (
        rows
            .map((r) =>
                r
                    .map((c, i) => c.padEnd(widths[i]))
                    .join("  ")
                    .trimEnd(),
            )
            .join("\n") + "\n"
    );
}

const USAGE = `usage:
  npm run stacks                           the committed stacks: environment, ring, waves, role (rollout order)
  npm run stacks -- --json                 the same as JSON, with the rollout (rings and waves)
  npm run stacks -- --matrix               a GitHub Actions matrix {"include": [...]}
  npm run stacks -- --github-output        writes every matrix the workflows use to $GITHUB_OUTPUT
  npm run stacks -- --azure-output         prints them as Azure Pipelines output variables (##vso)

  --ring <n>      only ring n (0 dev, 1 staging, 2 prod)
  --role <role>   only primary, secondary or standby stacks
  --stack <name>  only this stack (an unknown name is an error)`;

export interface CliResult extends Outcome {
    text: string;
}

export const command = defineCommand({
    name: "stacks",
    usage: USAGE,
    options: {
        json: { type: "boolean", default: false },
        matrix: { type: "boolean", default: false },
        "github-output": { type: "boolean", default: false },
        "azure-output": { type: "boolean", default: false },
        ring: { type: "string" },
        role: { type: "string" },
        stack: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
    },
    run: (argv) => main(argv),
});

export function main(argv: string[], root = PROJECT_DIR, env: NodeJS.ProcessEnv = process.env): CliResult {
    const values = command.parse(argv).values;
    if (values.help) {
        return { code: 0, text: `${USAGE}\n` };
    }
    const modes = [values.json, values.matrix, values["github-output"], values["azure-output"]].filter(Boolean).length;
    if (modes > 1) {
        throw new UsageError("choose one of --json, --matrix, --github-output and --azure-output");
    }
    // Number("") is 0: an empty --ring would quietly be dev's ring, so it is refused with the rest.
    const ring = values.ring === undefined ? undefined : values.ring.trim() === "" ? NaN : Number(values.ring);
    if (ring !== undefined && !(Number.isInteger(ring) && ring >= 0 && ring < ENVIRONMENTS.length)) {
        throw new UsageError(
            `--ring must be 0-${ENVIRONMENTS.length - 1} (${ENVIRONMENTS.map((e, i) => `${i} ${e}`).join(", ")})`,
        );
    }
    if (values.role !== undefined && !(ROLES as readonly string[]).includes(values.role)) {
        throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
    }
    // An empty --stack (a dispatch input left blank) means every stack.
    const stack = values.stack === "" ? undefined : values.stack;
    if (stack !== undefined && !stackNames(root).includes(stack)) {
        throw new UsageError(
            `unknown stack "${stack}": no Pulumi.${stack}.yaml. Committed stacks: ${stackNames(root).join(", ") || "none"}`,
        );
    }
    const found = discover(root);
    // The vault wave's run sets admitExistingOnly in the runner's copy of the stack file; committed, it would let the
    // admit wave leave a missing prefix out too, instead of failing.
    for (const s of found.stacks) {
        if (loadStackFile(s.stack, root).config[`${PROJECT}:${ADMIT_EXISTING_ONLY}`] !== undefined) {
            found.invalid.push({
                stack: s.stack,
                message: `${PROJECT}:${ADMIT_EXISTING_ONLY}: is set by the rollout for the vault wave's run only; remove it from the committed files (Pulumi.${s.stack}.yaml, Pulumi.yaml)`,
            });
        }
    }
    if (found.invalid.length > 0) {
        const stderr = found.invalid.map((i) => `Pulumi.${i.stack}.yaml: ${i.message}`).join("\n");
        return {
            code: 2,
            text: "",
            stderr: `${found.invalid.length} stack file(s) invalid; CI would leave them out:\n${stderr}\n`,
        };
    }
    const stacks = select(found.stacks, { ring, role: values.role as Role | undefined, stack });
    if (values["github-output"]) {
        const file = env.GITHUB_OUTPUT;
        if (!file) {
            throw new UsageError("--github-output needs GITHUB_OUTPUT (set by GitHub Actions)");
        }
        appendFileSync(file, githubOutputs(stacks));
        return { code: 0, text: renderTable(stacks) };
    }
    if (values["azure-output"]) {
        return { code: 0, text: `${azureOutputs(stacks)}${renderTable(stacks)}` };
    }
    if (values.matrix) {
        return { code: 0, text: `${JSON.stringify(githubMatrix(stacks))}\n` };
    }
    if (values.json) {
        return { code: 0, text: `${JSON.stringify({ rollout: rollout(stacks), stacks }, null, 2)}\n` };
    }
    return { code: 0, text: renderTable(stacks) };
}

/** Entry point for bin/launch.cjs. */
export const runCli = command.runCli;
