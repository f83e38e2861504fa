// npm run new-stack -- <name> [flags] [--yes] [--force]
// Writes Pulumi.<name>.yaml for the user's own cluster: asks (on a terminal) only what has no good default, validates
// with the stack schema (every mistake at once), writes a commented file, never a secret, then runs the offline plan
// and prints the next commands. Exit codes: 0 written (and plans without a mandatory finding), 1 written but the plan
// has a mandatory policy finding, 2 bad usage, invalid answers or an existing file without --force, 3 a file could not
// be written.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import type * as Prompts from "@inquirer/prompts";
import { Document, isMap, parseDocument, YAMLMap } from "yaml";
import { PROJECT_DIR } from "../harness/paths";
import { failure, parseCli, UsageError, writeOutput } from "../harness/usage";
import { derivedNames, PROJECT, settingsFrom, validateStackConfig } from "./load";
import { ENVIRONMENTS, type Environment } from "./schema";

const USAGE = `usage: npm run new-stack -- <name> [options] [--yes] [--force]

  <name>                 the stack, e.g. prod-eastus2 (writes Pulumi.<name>.yaml)
  --environment <env>    ${ENVIRONMENTS.join(" | ")}
  --region <region>      Azure region name, e.g. westeurope
  --cluster <name>       default <environment>-<region> (also the fleet directory clusters/<name>)
  --fleet-url <url>      the fleet repo (ssh:// or https://); default: Pulumi.yaml's org.fleet.url
  --fleet-branch <name>  default: Pulumi.yaml's org.fleet.branch, else main
  --admin-group <g>      Entra group (object id or name) that administers the cluster; repeat for more
  --encryptor-group <g>  Entra group allowed to run sops with the environment's key; repeat for more
  --api-range <cidr>     who reaches the API server (required in prod); repeat for more
  --vault-range <cidr>   public ranges that run sops against the vault (prod firewall); repeat for more
  --alert-email <name=address>   Flux alert receiver (prod); repeat for more
  --alert-webhook <name=https-url>
  --existing-key-id <id> use the environment's existing SOPS key (no vault is created); default when another stack
                         of the environment owns its vault (environments have one key)
  --standby              a DR cluster on standby (everything but the cluster); needs the existing key
  --vault-name <name>    the environment's vault; proposed when absent (globally unique)
  --save-org             also store the fleet repo and alert receivers in Pulumi.yaml for every stack
  --yes                  no questions: flags and defaults only (CI); missing answers are errors
  --force                overwrite an existing Pulumi.<name>.yaml
  --no-plan              skip the offline plan at the end
  --root <dir>           the project directory (default: this one)`;

/** The prompt functions used; @inquirer/prompts' own, or a test's. */
export interface Prompter {
    input(config: { message: string; default?: string; validate?: (value: string) => boolean | string }): Promise<string>;
    select<T extends string>(config: { message: string; choices: { name: string; value: T }[]; default?: T }): Promise<T>;
    confirm(config: { message: string; default?: boolean }): Promise<boolean>;
}

export interface NewStackOptions {
    /** Ask for what is missing (default: when stdin is a terminal and --yes is absent). */
    prompter?: Prompter;
    interactive?: boolean;
    log?: (line: string) => void;
    /** Run the offline plan of the written stack (default: unless --no-plan). */
    plan?: (stack: string, root: string) => Promise<{ summary: string; mandatory: number; findings: string[] }>;
}

interface Org {
    fleet?: { url?: string; branch?: string };
    receivers?: { emails?: unknown[]; webhooks?: unknown[] };
}

const list = (value: string): string[] =>
    value
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");

function pairs(values: string[], flag: string, key: "address" | "url"): { name: string; [k: string]: string }[] {
    return values.map((v) => {
        const at = v.indexOf("=");
        if (at <= 0) {
            throw new UsageError(`${flag} takes name=${key === "address" ? "address" : "https-url"} (got "${v}")`);
        }
        return { name: v.slice(0, at).trim(), [key]: v.slice(at + 1).trim() };
    });
}

/** The org values Pulumi.yaml shares with every stack, read as every stack inherits them. */
function readOrg(root: string): Org {
    // Loaded here: the harness brings the Pulumi SDK, which --help and usage errors do without.
    const { loadProjectConfig } = require("../harness/run") as typeof import("../harness/run");
    const text = loadProjectConfig(root).config[`${PROJECT}:org`];
    // Structured values arrive as JSON; anything else is not an org the schema accepts, and validation says so later.
    return (text !== undefined && /^\s*\{/.test(text) ? JSON.parse(text) : {}) as Org;
}

/** The other committed stacks whose config validates, read through the same loader and profiles as the program. */
function committedStacks(root: string, except: string): { stack: string; settings: ReturnType<typeof settingsFrom> }[] {
    const { loadStackFile, stackNames, withSecretPlaceholders } = require("../harness/run") as typeof import("../harness/run");
    const stacks: { stack: string; settings: ReturnType<typeof settingsFrom> }[] = [];
    for (const stack of stackNames(root).filter((s) => s !== except)) {
        try {
            stacks.push({ stack, settings: settingsFrom(withSecretPlaceholders(loadStackFile(stack, root)).config) });
        } catch {
            // Stacks whose config does not validate own nothing yet.
        }
    }
    return stacks;
}

/**
 * The committed stack that owns an environment's vault, and its key's id (subscription-relative); its firewall as its
 * profile sets it (staging's denies by default too).
 */
function keyOwner(stacks: ReturnType<typeof committedStacks>, environment: string): { stack: string; keyId: string; firewall: boolean } | undefined {
    for (const { stack, settings } of stacks) {
        const names = derivedNames(settings);
        if (settings.environment === environment && names.sopsMode === "owner") {
            return {
                stack,
                keyId: `/resourceGroups/${names.sopsResourceGroupName}/providers/Microsoft.KeyVault/vaults/${names.sopsVaultName}/keys/${names.sopsKeyName}`,
                firewall: settings.sops.firewall,
            };
        }
    }
    return undefined;
}

/**
 * A vault name likely to be free: Key Vault names are global DNS names (<name>.vault.azure.net), and a deleted vault
 * keeps its name for its soft-delete retention (up to 90 days), so a plain "kv-sops-prod" is almost certainly taken.
 * A short hash of the fleet repo and environment makes it the organisation's own, and the same on every run.
 */
export function proposeVaultName(fleetUrl: string, environment: string): string {
    const owner = (fleetUrl.replace(/\.git$/, "").split(/[/:@]/).filter(Boolean).slice(-3, -1).join("").toLowerCase().replace(/[^a-z0-9]/g, "") || "org").slice(0, 6);
    const hash = createHash("sha256").update(`${fleetUrl}\u0000${environment}`).digest("hex").slice(0, 5);
    return `kv-${owner}-${environment.slice(0, 4)}-${hash}`;
}

export async function main(argv: string[], options: NewStackOptions = {}): Promise<number> {
    const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
    const parsed = parseCli({
        args: argv,
        allowPositionals: true,
        options: {
            environment: { type: "string" },
            region: { type: "string" },
            cluster: { type: "string" },
            "fleet-url": { type: "string" },
            "fleet-branch": { type: "string" },
            "admin-group": { type: "string", multiple: true },
            "encryptor-group": { type: "string", multiple: true },
            "api-range": { type: "string", multiple: true },
            "vault-range": { type: "string", multiple: true },
            "alert-email": { type: "string", multiple: true },
            "alert-webhook": { type: "string", multiple: true },
            "existing-key-id": { type: "string" },
            standby: { type: "boolean", default: false },
            "vault-name": { type: "string" },
            "save-org": { type: "boolean", default: false },
            yes: { type: "boolean", short: "y", default: false },
            force: { type: "boolean", default: false },
            "no-plan": { type: "boolean", default: false },
            root: { type: "string" },
            help: { type: "boolean", short: "h", default: false },
        },
    });
    const { values: f, positionals } = parsed;
    if (f.help) {
        log(USAGE);
        return 0;
    }
    const name = positionals[0];
    if (!name || positionals.length > 1) {
        throw new UsageError(positionals.length > 1 ? `one stack name, got ${positionals.join(" ")}` : "the stack name is required, e.g. npm run new-stack -- prod-eastus2");
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
        throw new UsageError(`invalid stack name "${name}": use letters, digits, "-", "_" or "."`);
    }
    const root = f.root ?? PROJECT_DIR;
    const file = join(root, `Pulumi.${name}.yaml`);
    if (existsSync(file) && !f.force) {
        throw new UsageError(`${file} exists; pass --force to overwrite it`);
    }
    const interactive = !f.yes && (options.interactive ?? Boolean(process.stdin.isTTY));
    const ask: Prompter | undefined = interactive ? (options.prompter ?? (require("@inquirer/prompts") as typeof Prompts)) : undefined;
    const org = readOrg(root);
    const missing: string[] = [];

    async function value(flag: string | undefined, key: string, question: () => Promise<string> | undefined, fallback?: string): Promise<string> {
        if (flag !== undefined) {
            return flag;
        }
        const asked = ask ? question() : undefined;
        if (asked) {
            return asked;
        }
        if (fallback === undefined) {
            missing.push(key);
            return "";
        }
        return fallback;
    }
    async function many(flag: string[] | undefined, question: string, wanted: boolean): Promise<string[]> {
        if (flag !== undefined) {
            return flag;
        }
        return ask && wanted ? list(await ask.input({ message: `${question} (comma-separated, empty for none)`, default: "" })) : [];
    }

    const environment = (await value(f.environment, "--environment", () =>
        ask!.select<Environment>({ message: "Environment", choices: ENVIRONMENTS.map((e) => ({ name: e, value: e })) }),
    )) as Environment;
    const region = await value(f.region, "--region", () => ask!.input({ message: "Azure region (programmatic name)", default: "westeurope" }));
    const defaultCluster = environment && region ? `${environment}-${region}` : undefined;
    // Derived defaults: when what they derive from is missing, only that is reported.
    const cluster = await value(f.cluster, "--cluster", () => ask!.input({ message: "Cluster name (also its fleet directory)", default: defaultCluster }), defaultCluster ?? (missing.length > 0 ? "" : undefined));
    const prod = environment === "prod";

    const orgUrl = org.fleet?.url;
    const fleetUrl = await value(f["fleet-url"], "--fleet-url", () => ask!.input({ message: "Fleet repo URL (ssh:// or https://)", default: orgUrl }), orgUrl);
    const orgBranch = org.fleet?.branch ?? "main";
    const fleetBranch = await value(f["fleet-branch"], "--fleet-branch", () => ask!.input({ message: "Fleet repo branch", default: orgBranch }), orgBranch);

    // Two stacks of one cluster would fight over the same resource group, cluster and fleet directory.
    const others = committedStacks(root, name);
    const twin = others.find((o) => o.settings.clusterName === cluster);
    if (cluster && twin) {
        throw new UsageError(
            `cluster ${cluster} is already stack ${twin.stack}'s (Pulumi.${twin.stack}.yaml): choose another --cluster or region, or delete that file first if it is an example this stack replaces`,
        );
    }
    // An environment has one SOPS key: when another stack owns it, this cluster uses it.
    const owner = environment ? keyOwner(others, environment) : undefined;
    let existingKeyId = f["existing-key-id"];
    if (existingKeyId === undefined && owner) {
        existingKeyId = ask ? ((await ask.confirm({ message: `${environment} already has its SOPS vault (stack ${owner.stack}): use its key?`, default: true })) ? owner.keyId : undefined) : owner.keyId;
        if (existingKeyId && !ask) {
            log(`sops: using ${environment}'s existing key from stack ${owner.stack} (${owner.keyId})`);
        }
    }
    const standby = Boolean(existingKeyId) && (f.standby || (ask && !f.standby ? await ask.confirm({ message: "Is this a DR cluster to keep on standby (everything but the cluster)?", default: false }) : false));
    if (f.standby && !existingKeyId) {
        throw new UsageError("--standby needs the environment's existing key (--existing-key-id, or a stack of the environment that owns its vault)");
    }
    const adminGroups = await many(f["admin-group"], "Entra groups that administer the cluster (object ids or names)", true);
    const encryptorGroups = existingKeyId ? [] : await many(f["encryptor-group"], "Entra groups that run sops with the environment's key", true);
    const apiRanges = await many(f["api-range"], "CIDRs that reach the API server (operators' VPN, CI runners)", prod);
    const vaultRanges = existingKeyId ? [] : await many(f["vault-range"], "Public CIDRs that run sops against the vault", prod);
    const orgHasReceivers = (org.receivers?.emails?.length ?? 0) + (org.receivers?.webhooks?.length ?? 0) > 0;
    const emails = pairs(await many(f["alert-email"], "Alert e-mail receivers as name=address", prod && !orgHasReceivers), "--alert-email", "address");
    const webhooks = pairs(f["alert-webhook"] ?? [], "--alert-webhook", "url");

    let vaultName: string | undefined;
    if (!existingKeyId) {
        const proposal = fleetUrl && environment ? proposeVaultName(fleetUrl, environment) : undefined;
        if (proposal && f["vault-name"] === undefined) {
            log(`vault name: ${proposal} (Key Vault names are global DNS names, and a deleted vault keeps its name for up to 90 days; a suffix of your own makes a clash unlikely, and npm run preflight confirms the name is free)`);
        }
        vaultName = await value(f["vault-name"], "--vault-name", () => ask!.input({ message: "The environment's Key Vault name (globally unique)", default: proposal }), proposal ?? (missing.length > 0 ? "" : undefined));
    }
    if (missing.length > 0) {
        throw new UsageError(`missing answers for --yes: ${missing.join(", ")}`);
    }

    // The stack file holds what differs from the organisation's shared values.
    const saveOrg = f["save-org"] || (ask ? fleetUrl !== orgUrl && (await ask.confirm({ message: "Store the fleet repo (and receivers) in Pulumi.yaml for every stack?", default: !orgUrl })) : false);
    const fleetDiffers = fleetUrl !== orgUrl || fleetBranch !== orgBranch;
    const settings: Record<string, unknown> = {
        environment,
        location: region,
        clusterName: cluster,
        ...(standby ? { standby: true } : {}),
        // Left out when empty: the profile's values apply.
        ...(adminGroups.length > 0 || apiRanges.length > 0
            ? {
                  aks: {
                      ...(adminGroups.length > 0 ? { adminGroups } : {}),
                      ...(apiRanges.length > 0 ? { apiServer: { authorizedIpRanges: apiRanges } } : {}),
                  },
              }
            : {}),
        sops: existingKeyId
            ? { existingKeyId }
            : { vaultName, ...(encryptorGroups.length > 0 ? { encryptorGroups } : {}), ...(vaultRanges.length > 0 ? { allowedIpRanges: vaultRanges } : {}) },
        ...(fleetDiffers && !saveOrg ? { flux: { git: { url: fleetUrl, branch: fleetBranch } } } : {}),
        ...((emails.length > 0 || webhooks.length > 0) && !saveOrg ? { monitoring: { receivers: { emails, webhooks } } } : {}),
    };
    // Receivers given on the command line replace the organisation's list of their kind; the other kind stays.
    const receivers = { ...org.receivers, ...(emails.length > 0 ? { emails } : {}), ...(webhooks.length > 0 ? { webhooks } : {}) };
    const sharedOrg = saveOrg ? { ...org, fleet: { url: fleetUrl, branch: fleetBranch }, ...(emails.length + webhooks.length > 0 ? { receivers } : {}) } : org;
    const ssh = fleetUrl.startsWith("ssh:");
    // Validated as `pulumi up` will see it (the org values beneath), every mistake at once; nothing written otherwise.
    validateStackConfig({ ...settings, org: sharedOrg }, { gitSshPrivateKey: ssh });

    writeOutput(file, stackFile(name, settings, { ssh, standby, existingKey: Boolean(existingKeyId) }));
    log(`wrote ${file}`);
    if (owner?.firewall && existingKeyId === owner.keyId) {
        // The owner's vault firewall denies by default: it must admit this cluster's egress prefix.
        log(`${owner.stack}'s vault firewall must admit this cluster: add to its sops.admitEgressPrefixIds`);
        log(`  /resourceGroups/rg-aks-${cluster}/providers/Microsoft.Network/publicIPPrefixes/pip-egress-aks-${cluster}`);
        log(`  and deploy ${name} before ${owner.stack} (the prefix must exist when the owner reads it)`);
    }
    if (saveOrg) {
        writeOutput(join(root, "Pulumi.yaml"), withOrg(readFileSync(join(root, "Pulumi.yaml"), "utf8"), sharedOrg));
        log(`stored the fleet repo${emails.length + webhooks.length > 0 ? " and alert receivers" : ""} in ${join(root, "Pulumi.yaml")} (config.org) for every stack`);
    }
    let code = 0;
    if (!f["no-plan"]) {
        const result = await (options.plan ?? offlinePlan)(name, root);
        log(result.summary);
        result.findings.forEach((l) => log(`  ${l}`));
        code = result.mandatory > 0 ? 1 : 0;
    }
    log("");
    log("next:");
    if (ssh) {
        log(`  pulumi config set --secret gitSshPrivateKey --stack ${name} < ~/.ssh/fleet-deploy-key   # the fleet repo's read-only deploy key; never committed`);
    } else {
        log(`  pulumi config set --secret gitHttpsPassword --stack ${name}   # only for a private https:// fleet repo (a PAT)`);
    }
    log(`  npm run preflight -- --stack ${name}          # asks your subscription: versions, sizes, quota, names, permissions`);
    log(`  npm run fleet -- --stack ${name} --out ../fleet   # the cluster's directory in your fleet repo`);
    log(`  pulumi stack init ${name} && pulumi up --stack ${name}`);
    return code;
}

/** The stack file, with a comment on each part. */
export function stackFile(name: string, settings: Record<string, unknown>, facts: { ssh: boolean; standby: boolean; existingKey: boolean }): string {
    const doc = new Document({ config: Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v])) });
    doc.commentBefore = [
        ` ${name}: written by npm run new-stack. What every cluster shares (fleet repo, alert receivers) comes from Pulumi.yaml.`,
        ` Secrets never live here: ${facts.ssh ? "pulumi config set --secret gitSshPrivateKey < deploy-key" : "pulumi config set --secret gitHttpsPassword (private https repos)"}.`,
        facts.standby ? " A DR cluster on standby: set standby to false (and deploy) to create its cluster (docs/disaster-recovery.md)." : " Config reference: README, Configuration (nested keys: pulumi config set --path 'aks-gitops:aks.skuTier' Standard).",
    ].join("\n");
    const config = doc.get("config") as YAMLMap;
    const note = (key: string, text: string) => {
        const pair = config.items.find((p) => String((p.key as { value?: unknown }).value ?? p.key) === `${PROJECT}:${key}`);
        if (pair && isMap(pair.value)) {
            (pair.value as YAMLMap).commentBefore = ` ${text}`;
        } else if (pair) {
            (pair.key as { commentBefore?: string }).commentBefore = ` ${text}`;
        }
    };
    note("aks", "Pin a Kubernetes minor with kubernetesVersion (az aks get-versions -l <region>); absent: the region's default.");
    note("sops", facts.existingKey ? "The environment's existing key: every cluster of an environment decrypts the same secrets." : "The environment's vault and SOPS key (environments never share keys).");
    note("standby", "Everything but the cluster exists in peacetime; false activates.");
    return doc.toString({ lineWidth: 0 });
}

/** Pulumi.yaml with config.org.value replaced, comments and the rest kept. */
export function withOrg(pulumiYaml: string, org: Org): string {
    const doc = parseDocument(pulumiYaml);
    doc.setIn(["config", "org", "value"], doc.createNode(org));
    return doc.toString({ lineWidth: 0 });
}

async function offlinePlan(stack: string, root: string): Promise<{ summary: string; mandatory: number; findings: string[] }> {
    const { planWithActivation } = require("../plan/cli") as typeof import("../plan/cli");
    const plan = await planWithActivation(stack, root);
    const mandatory = plan.policy.filter((p) => p.enforcementLevel === "mandatory");
    return {
        summary: `offline plan: ${plan.resources.filter((r) => r.custom).length} Azure resources, ~${plan.criticalPath.estimatedMinutes} min from scratch; policy: ${mandatory.length} mandatory, ${plan.policy.length - mandatory.length} advisory (npm run plan -- --stack ${stack})`,
        mandatory: mandatory.length,
        findings: mandatory.map((p) => `[mandatory] ${p.policy}: ${p.message}`),
    };
}

export function runCli(argv: string[]): Promise<void> {
    return main(argv)
        .then((code) => {
            process.exitCode = code;
        })
        .catch((e: unknown) => {
            // A prompt closed with Ctrl+C: no stack trace, nothing written.
            if ((e as Error)?.name === "ExitPromptError") {
                process.exitCode = 130;
                return;
            }
            const { code, message } = failure(e, USAGE, "new-stack");
            process.stderr.write(`${message}\n`);
            process.exitCode = code;
        });
}
