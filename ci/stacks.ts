// npm run stacks -- [--json | --matrix | --github-output | --azure-output] [--ring <n>] [--role <role>] [--stack <name>]
// CI's one answer to "which stacks exist, in which ring, in which order": every Pulumi.<stack>.yaml next to
// Pulumi.yaml, read as the Pulumi CLI reads it (project config, then the stack file) and validated, with its
// environment, ring and role taken from its configuration, never from its file name. The workflows and pipelines name
// no stack: they feed these matrices to `strategy.matrix`, so a new stack file is planned, deployed and checked for
// drift with no workflow edit. Exit codes: 0 ok, 2 bad usage, an unknown stack or an invalid stack file.
import { appendFileSync } from "node:fs";
import { ConfigError, derivedNames, settingsFrom } from "../stacks/load";
import { ENVIRONMENTS, Environment } from "../stacks/schema";
import { loadStackFile, PROJECT_DIR, StackInput, stackNames, withSecretPlaceholders } from "../harness/run";
import { failure, parseCli, UsageError } from "../harness/usage";

/**
 * primary: owns its environment's SOPS vault (`sops.vaultName`). secondary: another active cluster of the environment
 * (`sops.existingKeyId`). standby: a DR cluster on standby (`sops.existingKeyId` and `standby: true`): no cluster, only
 * what must exist before an incident (egress prefix, identities, grants).
 */
export const ROLES = ["primary", "secondary", "standby"] as const;
export type Role = (typeof ROLES)[number];

/**
 * The two waves of a ring. first: the stacks that use their environment's vault (secondary, standby); they create the
 * egress prefixes that the vault owner's firewall admits (`sops.admitEgressPrefixIds`, read at deploy time). then: the
 * vault owners (primary).
 */
export const WAVES = ["first", "then"] as const;
export type Wave = (typeof WAVES)[number];

export interface FleetStack {
    stack: string;
    environment: Environment;
    /** The environment's place in the promotion order (stacks/schema.ts ENVIRONMENTS): dev 0, staging 1, prod 2. */
    ring: number;
    role: Role;
    wave: Wave;
    location: string;
    clusterName: string;
    resourceGroup: string;
    /** The AKS cluster's name (components/GitOpsCluster.ts). */
    aksName: string;
    /** The environment's SOPS vault this stack owns (primary) or uses. */
    vault: string;
}

export interface InvalidStack {
    stack: string;
    message: string;
}

export interface Discovery {
    /** Rollout order: ring, then wave, then name. */
    stacks: FleetStack[];
    invalid: InvalidStack[];
}

/** What one stack is, from its configuration (a StackInput as loadStackFile reads it). Throws ConfigError. */
export function describeStack(input: StackInput): FleetStack {
    const settings = settingsFrom(withSecretPlaceholders(input).config);
    const names = derivedNames(settings);
    const role: Role = names.sopsMode === "owner" ? "primary" : settings.standby ? "standby" : "secondary";
    return {
        stack: input.stack,
        environment: settings.environment,
        ring: ENVIRONMENTS.indexOf(settings.environment),
        role,
        wave: role === "primary" ? "then" : "first",
        location: settings.location,
        clusterName: settings.clusterName,
        resourceGroup: names.resourceGroupName,
        aksName: `aks-${settings.clusterName}`,
        vault: names.sopsVaultName,
    };
}

/** Rollout order: by ring, then wave (the vault's users before its owner), then stack name. */
export function rolloutOrder(a: FleetStack, b: FleetStack): number {
    return a.ring - b.ring || WAVES.indexOf(a.wave) - WAVES.indexOf(b.wave) || (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0);
}

/** Describes every input; a stack whose file is invalid is reported, not dropped silently. */
export function discoverInputs(inputs: Iterable<StackInput | { stack: string; error: unknown }>): Discovery {
    const stacks: FleetStack[] = [];
    const invalid: InvalidStack[] = [];
    for (const input of inputs) {
        try {
            if ("error" in input) {
                throw input.error;
            }
            stacks.push(describeStack(input));
        } catch (e) {
            if (e instanceof ConfigError || (e as Error)?.name === "ConfigError" || (e as Error)?.name === "ConfigFileError" || (e as Error)?.name === "UsageError") {
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

export function select(stacks: FleetStack[], f: Filter): FleetStack[] {
    return stacks.filter((s) => (f.ring === undefined || s.ring === f.ring) && (f.role === undefined || s.role === f.role) && (f.wave === undefined || s.wave === f.wave) && (f.stack === undefined || s.stack === f.stack));
}

/** A GitHub Actions matrix (`strategy.matrix: ${{ fromJSON(...) }}`): one `include` entry per stack, in rollout order. */
export function githubMatrix(stacks: FleetStack[]): { include: FleetStack[] } {
    return { include: [...stacks].sort(rolloutOrder) };
}

/**
 * An Azure Pipelines matrix (`strategy: matrix: $[ dependencies.<job>.outputs['<step>.<name>'] ]`): legs named after
 * the stack (letters, digits and "_" only), each with the variables STACK, ENVIRONMENT, RING, ROLE.
 */
export function azureMatrix(stacks: FleetStack[]): Record<string, Record<string, string>> {
    const legs: Record<string, Record<string, string>> = {};
    for (const s of [...stacks].sort(rolloutOrder)) {
        let leg = s.stack.replace(/[^A-Za-z0-9_]/g, "_");
        for (let i = 2; leg in legs; i++) {
            leg = `${s.stack.replace(/[^A-Za-z0-9_]/g, "_")}_${i}`;
        }
        legs[leg] = { STACK: s.stack, ENVIRONMENT: s.environment, RING: String(s.ring), ROLE: s.role, RESOURCE_GROUP: s.resourceGroup, AKS_NAME: s.aksName };
    }
    return legs;
}

/**
 * The named matrices the workflows consume: `stacks` (all, rollout order: PR previews, drift), `standby` (the DR drill),
 * and for every environment of the promotion order (so the workflows have a fixed set of ring jobs) `ring<N>` and one
 * per wave, `ring<N>_first` and `ring<N>_then`. The workflows skip the job of an empty one.
 */
export function namedSelections(stacks: FleetStack[]): Record<string, FleetStack[]> {
    const out: Record<string, FleetStack[]> = { stacks, standby: select(stacks, { role: "standby" }) };
    ENVIRONMENTS.forEach((_, ring) => {
        out[`ring${ring}`] = select(stacks, { ring });
        for (const wave of WAVES) {
            out[`ring${ring}_${wave}`] = select(stacks, { ring, wave });
        }
    });
    return out;
}

/** Lines for $GITHUB_OUTPUT: `<name>=<matrix JSON>`, or `<name>=` when no stack is in it. */
export function githubOutputs(stacks: FleetStack[]): string {
    return Object.entries(namedSelections(stacks))
        .map(([name, selected]) => `${name}=${selected.length > 0 ? JSON.stringify(githubMatrix(selected)) : ""}\n`)
        .join("");
}

/** Azure Pipelines logging commands setting output variables: `<name>` (a matrix, `{}` when empty) and `<name>_count`. */
export function azureOutputs(stacks: FleetStack[]): string {
    return Object.entries(namedSelections(stacks))
        .map(([name, selected]) => `##vso[task.setvariable variable=${name};isOutput=true]${JSON.stringify(azureMatrix(selected))}\n` + `##vso[task.setvariable variable=${name}_count;isOutput=true]${selected.length}\n`)
        .join("");
}

/** The rollout as a document: each ring with its environment and its two waves, in order. */
export function rollout(stacks: FleetStack[]): { ring: number; environment: Environment; first: string[]; then: string[] }[] {
    return ENVIRONMENTS.map((environment, ring) => ({
        ring,
        environment,
        first: select(stacks, { ring, wave: "first" }).map((s) => s.stack),
        then: select(stacks, { ring, wave: "then" }).map((s) => s.stack),
    })).filter((r) => r.first.length + r.then.length > 0);
}

export function renderTable(stacks: FleetStack[]): string {
    const rows = [["stack", "environment", "ring", "wave", "role", "location", "vault"], ...stacks.map((s) => [s.stack, s.environment, String(s.ring), s.wave, s.role, s.location, s.vault])];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n") + "\n";
}

const USAGE = `usage:
  npm run stacks                           the committed stacks: environment, ring, wave, role (rollout order)
  npm run stacks -- --json                 the same as JSON, with the rollout (rings and waves)
  npm run stacks -- --matrix               a GitHub Actions matrix {"include": [...]}
  npm run stacks -- --github-output        writes every matrix the workflows use to $GITHUB_OUTPUT
  npm run stacks -- --azure-output         prints them as Azure Pipelines output variables (##vso)

  --ring <n>      only ring n (0 dev, 1 staging, 2 prod)
  --role <role>   only primary, secondary or standby stacks
  --stack <name>  only this stack (an unknown name is an error)`;

export interface CliResult {
    code: number;
    text: string;
    stderr?: string;
}

export function main(argv: string[], root = PROJECT_DIR, env: NodeJS.ProcessEnv = process.env): CliResult {
    const values = parseCli({
        args: argv,
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
    }).values;
    if (values.help) {
        return { code: 0, text: `${USAGE}\n` };
    }
    const modes = [values.json, values.matrix, values["github-output"], values["azure-output"]].filter(Boolean).length;
    if (modes > 1) {
        throw new UsageError("choose one of --json, --matrix, --github-output and --azure-output");
    }
    const ring = values.ring === undefined ? undefined : Number(values.ring);
    if (ring !== undefined && !(Number.isInteger(ring) && ring >= 0 && ring < ENVIRONMENTS.length)) {
        throw new UsageError(`--ring must be 0-${ENVIRONMENTS.length - 1} (${ENVIRONMENTS.map((e, i) => `${i} ${e}`).join(", ")})`);
    }
    if (values.role !== undefined && !(ROLES as readonly string[]).includes(values.role)) {
        throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
    }
    // An empty --stack (a dispatch input left blank) means every stack.
    const stack = values.stack === "" ? undefined : values.stack;
    if (stack !== undefined && !stackNames(root).includes(stack)) {
        throw new UsageError(`unknown stack "${stack}": no Pulumi.${stack}.yaml. Committed stacks: ${stackNames(root).join(", ") || "none"}`);
    }
    const found = discover(root);
    if (found.invalid.length > 0) {
        const stderr = found.invalid.map((i) => `Pulumi.${i.stack}.yaml: ${i.message}`).join("\n");
        return { code: 2, text: "", stderr: `${found.invalid.length} stack file(s) invalid; CI would leave them out:\n${stderr}\n` };
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

/** Entry point for bin/run.cjs. */
export function runCli(argv: string[]): Promise<void> {
    try {
        const { code, text, stderr } = main(argv);
        process.stdout.write(text);
        if (stderr) {
            process.stderr.write(stderr);
        }
        process.exitCode = code;
    } catch (e) {
        const { code, message } = failure(e, USAGE, "stacks");
        process.stderr.write(`${message}\n`);
        process.exitCode = code;
    }
    return Promise.resolve();
}
