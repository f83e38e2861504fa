// npm run new-stack -- <name> [flags] [--yes] [--force]
// Writes Pulumi.<name>.yaml for the user's own cluster: asks (on a terminal) only what has no good default, validates
// with the stack schema (every mistake at once), writes a commented file, never a secret, then runs the offline plan
// and prints the next commands. Exit codes: 0 written (and plans without a mandatory finding), 1 written but the plan
// has a mandatory policy finding, 2 bad usage, invalid answers or an existing file without --force, 3 a file could not
// be written. On a terminal each answer is checked at its question, by the same rules, so a mistake is asked again at
// once rather than reported after the last question.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash, createHmac } from "node:crypto";
import { Document, isMap, parseDocument, YAMLMap } from "yaml";
import { lazy } from "../cli/lazy";
import { PROJECT_DIR, stackNameProblem } from "./paths";
import { defineCommand } from "../cli/command";
import { UsageError, userPath, writeOutput } from "../cli/usage";
import {
    type ConfigError,
    configKey,
    derivedNames,
    PROJECT,
    physicalNames,
    settingsFrom,
    suggestion,
    tenantKeysNeeded,
    validateStackConfig,
} from "./load";
import { AZURE_REGIONS, PUBLISHED_SSH_HOST_KEYS } from "./perishable";
import { ENVIRONMENTS, type Environment, KNOWN_HOSTS } from "./schema";

const USAGE = `usage: npm run new-stack -- <name> [options] [--yes] [--force]

  <name>                 the stack, e.g. prod-eastus2 (writes Pulumi.<name>.yaml)
  --environment <env>    ${ENVIRONMENTS.join(" | ")}
  --region <region>      Azure region name, e.g. westeurope
  --cluster <name>       default <environment>-<region> (also the fleet directory clusters/<name>)
  --fleet-url <url>      the fleet repo (ssh:// or https://); default: Pulumi.yaml's org.fleet.url
  --fleet-branch <name>  default: Pulumi.yaml's org.fleet.branch, else main
  --known-hosts <file|line>  the fleet's SSH host keys (known_hosts lines, e.g. from ssh-keyscan) for an ssh:// URL
                         on a host without built-in keys; default for github.com, gitlab.com and
                         vs-ssh.visualstudio.com: the keys their owners publish
  --admin-group <g>      Entra group (object id or name) that administers the cluster; repeat for more
  --encryptor-group <g>  Entra group allowed to run sops with the environment's key; repeat for more
  --api-range <cidr>     who reaches the API server (required in prod); repeat for more
  --vault-range <cidr>   public ranges that run sops against the vault (prod firewall); repeat for more
  --alert-email <name=address>   Flux alert receiver (prod); repeat for more
  --alert-webhook <name=https-url>
  --use-key-of <stack>   when another stack owns the environment's vault: use its SOPS key (environments have one key)
  --own-vault            when another stack owns the environment's vault: create this stack's own anyway (the other
                         is an example or another organisation's, to be deleted)
  --existing-key-id <id> use this SOPS key (no vault is created)
  --standby              a DR cluster on standby (everything but the cluster); needs the existing key
  --vault-name <name>    the environment's vault; proposed when absent (globally unique)
  --save-org             store the fleet repo in Pulumi.yaml for every stack; receivers given replace the org's
  --yes                  no questions: flags and defaults only (CI); missing answers are errors
  --force                overwrite an existing Pulumi.<name>.yaml
  --no-plan              skip the offline plan at the end
  --root <dir>           the project directory (default: this one)`;

/** The prompt functions used; @inquirer/prompts' own, or a test's. */
export interface Prompter {
    input(config: {
        message: string;
        default?: string;
        validate?: (value: string) => boolean | string;
    }): Promise<string>;
    select<T extends string>(config: {
        message: string;
        choices: { name: string; value: T }[];
        default?: T;
    }): Promise<T>;
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

type Receiver = { name: string; address?: string; url?: string };

interface Org {
    fleet?: { url?: string; branch?: string };
    receivers?: { emails?: Receiver[]; webhooks?: Receiver[] };
}

/** A comma-separated answer as its entries, blanks dropped. */
export const list = (value: string): string[] =>
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

/**
 * Why a region name is not one of Azure's (stacks/perishable.ts AZURE_REGIONS), with the nearest name, or undefined.
 * Only new-stack asks this table: the schema takes any well-formed name, so a region newer than the table deploys.
 */
export function regionProblem(region: string): string | undefined {
    if (AZURE_REGIONS.names.includes(region)) {
        return undefined;
    }
    const squeezed = region.toLowerCase().replace(/[\s_-]/g, "");
    const hint = AZURE_REGIONS.names.includes(squeezed)
        ? `; did you mean "${squeezed}"?`
        : suggestion(squeezed, AZURE_REGIONS.names);
    return `is not an Azure region${hint} (the regions as of ${AZURE_REGIONS.readOn}, stacks/perishable.ts: add a newer one there)`;
}

/** The SHA-256 fingerprint `ssh-keygen -l` prints for a base64 key: the unpadded base64 of the key blob's digest. */
export function fingerprint(base64Key: string): string {
    return `SHA256:${createHash("sha256").update(Buffer.from(base64Key, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** An ssh:// URL's host as known_hosts names it: `host`, or `[host]:port` on another port than 22 (sshd(8)). */
export function knownHostsName(url: URL): string {
    return url.port !== "" && url.port !== "22" ? `[${url.hostname}]:${url.port}` : url.hostname;
}

/** Whether a known_hosts host field (comma-separated patterns, or one hashed name) names `target` (sshd(8)). */
function namesHost(field: string, target: string): boolean {
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(field);
    if (hashed) {
        // HMAC-SHA1 of the name, keyed with the salt, both base64 (OpenSSH hostfile.c, HASH_MAGIC "|1|").
        return createHmac("sha1", Buffer.from(hashed[1], "base64")).update(target).digest("base64") === hashed[2];
    }
    const matches = (pattern: string) =>
        new RegExp(
            `^${pattern
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, ".*")
                .replace(/\?/g, ".")}$`,
            "i",
        ).test(target);
    const patterns = field.split(",");
    return (
        patterns.some((p) => !p.startsWith("!") && matches(p)) &&
        !patterns.some((p) => p.startsWith("!") && matches(p.slice(1)))
    );
}

/**
 * known_hosts text for the fleet's SSH server, checked the way ssh reads it (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"):
 * each line `[marker] hosts key-type base64-key [comment]`, the key a blob of that type, and at least one line that
 * trusts `target`. Comments and blank lines (ssh-keyscan writes "# host:22 SSH-2.0-…") are dropped.
 */
export function parseKnownHosts(
    text: string,
    target: string,
    what = "the fleet repo's SSH host",
): { lines: string[] } | { problem: string } {
    const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
    let trusted = false;
    for (const [i, line] of lines.entries()) {
        const fields = line.split(/\s+/);
        const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
        const [hosts, type, key] = fields;
        const where = lines.length > 1 ? `line ${i + 1}: ` : "";
        if (marker !== undefined && marker !== "@cert-authority" && marker !== "@revoked") {
            return { problem: `${where}unknown marker ${marker} (known_hosts takes @cert-authority or @revoked)` };
        }
        if (key === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
            return {
                problem: `${where}not a known_hosts line "<host> <key type> <base64 key>", e.g. from ssh-keyscan`,
            };
        }
        // A public key blob starts with its type as an SSH string: a 4-byte length, then the name (RFC 4253 6.6).
        const blob = Buffer.from(key, "base64");
        const named = blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString("latin1") : "";
        if (named !== type) {
            return {
                problem: `${where}the key is not a ${type} key${named !== "" && /^[\x21-\x7e]+$/.test(named) ? ` (it is ${named})` : ""}`,
            };
        }
        trusted ||= marker !== "@revoked" && namesHost(hosts, target);
    }
    if (lines.length === 0) {
        return { problem: "holds no known_hosts line" };
    }
    if (!trusted) {
        return { problem: `no line is for ${target} (${what})` };
    }
    return { lines };
}

/** known_hosts lines as given: the lines themselves (they hold whitespace), or a file's path; checked (parseKnownHosts). */
export function readKnownHosts(
    given: string,
    target: string,
    what?: string,
): { lines: string[] } | { problem: string } {
    if (/\s/.test(given.trim())) {
        return parseKnownHosts(given, target, what);
    }
    const path = userPath(given.trim());
    return existsSync(path)
        ? parseKnownHosts(readFileSync(path, "utf8"), target, what)
        : { problem: `no file ${path} (give a known_hosts file, or its lines)` };
}

/**
 * The host keys offered for a fleet host: the ones GitHub and GitLab publish (stacks/perishable.ts), and Azure DevOps's
 * for its older host name. ssh.dev.azure.com needs no offer: the schema builds its key in.
 */
export function publishedHostKeys(
    host: string,
): { provider: string; url: string; readOn?: string; knownHosts: string } | undefined {
    if (host === "vs-ssh.visualstudio.com") {
        // "clone URLs contain either ssh.dev.azure.com or vs-ssh.visualstudio.com, the fingerprint should match
        // SHA256:ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og (RSA)" (MicrosoftDocs/azure-devops-docs
        // docs/repos/git/use-ssh-keys-to-authenticate.md): one key, the built-in one, under this name.
        return {
            provider: "Azure DevOps",
            url: "https://learn.microsoft.com/azure/devops/repos/git/use-ssh-keys-to-authenticate",
            knownHosts: KNOWN_HOSTS["ssh.dev.azure.com"].replace(/^ssh\.dev\.azure\.com /, `${host} `),
        };
    }
    return PUBLISHED_SSH_HOST_KEYS[host];
}

/** `SHA256:… (ssh-ed25519), …` for known_hosts lines, to compare with what a host publishes. */
export function fingerprints(lines: string): string {
    return lines
        .split("\n")
        .map((l) => l.split(/\s+/))
        .map(([, type, key]) => `${fingerprint(key)} (${type})`)
        .join(", ");
}

/** The org values Pulumi.yaml shares with every stack, read as every stack inherits them. */
function readOrg(root: string): Org {
    // Loaded here: the harness brings the Pulumi SDK, which --help and usage errors do without.
    const { loadProjectConfig } = lazy.stackFiles();
    const text = loadProjectConfig(root).config[`${PROJECT}:org`];
    // Structured values arrive as JSON; anything else is not an org the schema accepts, and validation says so later.
    return (text !== undefined && /^\s*\{/.test(text) ? JSON.parse(text) : {}) as Org;
}

/** The other committed stacks whose config validates, read through the same loader and profiles as the program. */
function committedStacks(root: string, except: string): { stack: string; settings: ReturnType<typeof settingsFrom> }[] {
    const { loadStackFile, stackNames, withSecretPlaceholders } = lazy.stackFiles();
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

interface KeyOwner {
    stack: string;
    vault: string;
    keyId: string;
    firewall: boolean;
}

/**
 * The committed stack that owns an environment's vault, and its key's id (subscription-relative); its firewall as its
 * profile sets it (staging's denies by default too).
 */
function keyOwner(stacks: ReturnType<typeof committedStacks>, environment: string): KeyOwner | undefined {
    for (const { stack, settings } of stacks) {
        const names = derivedNames(settings);
        if (settings.environment === environment && names.sopsMode === "owner") {
            return {
                stack,
                vault: names.sopsVaultName,
                keyId: `/resourceGroups/${names.sopsResourceGroupName}/providers/Microsoft.KeyVault/vaults/${names.sopsVaultName}/keys/${names.sopsKeyName}`,
                firewall: settings.sops.firewall,
            };
        }
    }
    return undefined;
}

/** What joining or not joining another stack's vault means, for the question and for --yes without a choice. */
function vaultChoice(environment: string, owner: KeyOwner): { situation: string; join: string; own: string } {
    const file = `Pulumi.${owner.stack}.yaml`;
    return {
        situation: `${environment} already has a SOPS vault: stack ${owner.stack} (${file}) owns ${owner.vault}`,
        join: `this cluster decrypts with that vault's key; its encryptor groups and IP ranges stay in ${file}`,
        own: `this stack creates its own vault; an environment has one key, so delete ${file} if it is an example or another organisation's`,
    };
}

/**
 * A vault name likely to be free: Key Vault names are global DNS names (<name>.vault.azure.net), and a deleted vault
 * keeps its name for its soft-delete retention (up to 90 days), so a plain "kv-sops-prod" is almost certainly taken.
 * A short hash of the fleet repo and environment makes it the organisation's own, and the same on every run.
 */
export function proposeVaultName(fleetUrl: string, environment: string): string {
    const owner = (
        fleetUrl
            .replace(/\.git$/, "")
            .split(/[/:@]/)
            .filter(Boolean)
            .slice(-3, -1)
            .join("")
            .toLowerCase()
            .replace(/[^a-z0-9]/g, "") || "org"
    ).slice(0, 6);
    const hash = createHash("sha256").update(`${fleetUrl}\u0000${environment}`).digest("hex").slice(0, 5);
    return `kv-${owner}-${environment.slice(0, 4)}-${hash}`;
}

const describeReceivers = (r: Org["receivers"]): string =>
    [
        ...(r?.emails ?? []).map((e) => `${e.name} <${e.address}>`),
        ...(r?.webhooks ?? []).map((w) => `${w.name} <${w.url}>`),
    ].join(", ");

export const command = defineCommand({
    name: "new-stack",
    usage: USAGE,
    allowPositionals: true,
    options: {
        environment: { type: "string" },
        region: { type: "string" },
        cluster: { type: "string" },
        "fleet-url": { type: "string" },
        "fleet-branch": { type: "string" },
        "known-hosts": { type: "string" },
        "admin-group": { type: "string", multiple: true },
        "encryptor-group": { type: "string", multiple: true },
        "api-range": { type: "string", multiple: true },
        "vault-range": { type: "string", multiple: true },
        "alert-email": { type: "string", multiple: true },
        "alert-webhook": { type: "string", multiple: true },
        "use-key-of": { type: "string" },
        "own-vault": { type: "boolean", default: false },
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
    run: (argv) => main(argv),
});

type Flags = ReturnType<typeof command.parse>["values"];

export async function main(argv: string[], options: NewStackOptions = {}): Promise<number> {
    const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
    const { values: f, positionals } = command.parse(argv);
    if (f.help) {
        log(USAGE);
        return 0;
    }
    const name = stackNameFrom(positionals, f);
    const root = f.root ?? PROJECT_DIR;
    const file = join(root, `Pulumi.${name}.yaml`);
    if (existsSync(file) && !f.force) {
        throw new UsageError(`${file} exists; pass --force to overwrite it`);
    }
    const interactive = !f.yes && (options.interactive ?? Boolean(process.stdin.isTTY));
    const ask: Prompter | undefined = interactive ? (options.prompter ?? lazy.inquirerPrompts()) : undefined;
    const s = new Session(f, ask, log, readOrg(root), committedStacks(root, name));
    const where = await askWhere(s);
    const fleet = await askFleet(s);
    const hosts = await askKnownHosts(s, fleet.fleetUrl);
    const key = await chooseKey(s, where.environment);
    const access = await askAccess(s, where.environment === "prod", key.existingKeyId);
    const vaultName = await askVaultName(s, fleet.fleetUrl, where.environment, key.existingKeyId);
    if (s.missing.length > 0) {
        throw new UsageError(`missing answers for --yes: ${s.missing.join(", ")}`);
    }
    const stack = await composeStack(s, {
        ...where,
        ...fleet,
        ...hosts,
        ...access,
        existingKeyId: key.existingKeyId,
        vaultName,
    });
    writeStack(s, {
        name,
        root,
        file,
        stack,
        ...where,
        ...key,
        knownHostsNote: hosts.knownHostsNote,
        ssh: fleet.ssh,
        orgHasReceivers: access.orgHasReceivers,
    });
    const code = f["no-plan"] ? 0 : await planWritten(log, name, root, options.plan ?? offlinePlan);
    logNext(log, name, fleet.ssh, tenantKeysNeeded(stack.valid));
    return code;
}

/** The one stack name given, checked, and the flags that exclude each other; usage errors otherwise. */
function stackNameFrom(positionals: string[], f: Flags): string {
    const name = positionals[0];
    if (!name || positionals.length > 1) {
        throw new UsageError(
            positionals.length > 1
                ? `one stack name, got ${positionals.join(" ")}`
                : "the stack name is required, e.g. npm run new-stack -- prod-eastus2",
        );
    }
    const badName = stackNameProblem(name);
    if (badName) {
        throw new UsageError(`invalid stack name "${name}": ${badName}`);
    }
    const chosen = [
        f["use-key-of"] !== undefined && "--use-key-of",
        f["own-vault"] && "--own-vault",
        f["existing-key-id"] !== undefined && "--existing-key-id",
    ].filter(Boolean);
    if (chosen.length > 1) {
        throw new UsageError(
            `${chosen.join(" and ")} exclude each other: a stack either uses an existing SOPS key or owns its vault`,
        );
    }
    return name;
}

/**
 * One run's answers: the flags, the prompts (none with --yes or off a terminal), what --yes left missing, and what has
 * been answered so far, as a stack config: an answer is checked at its question against the rules the final
 * validation applies (the schema's, with the org values beneath), reading only the problems under its key.
 */
class Session {
    readonly missing: string[] = [];
    readonly answered: Record<string, unknown>;

    constructor(
        readonly f: Flags,
        readonly ask: Prompter | undefined,
        readonly log: (line: string) => void,
        readonly org: Org,
        readonly others: ReturnType<typeof committedStacks>,
    ) {
        this.answered = { org };
    }

    problemsAt(candidate: Record<string, unknown>, ...prefix: (string | number)[]): string[] {
        try {
            const config = { ...this.answered, ...candidate };
            validateStackConfig(config, { gitSshPrivateKey: true, ...tenantKeysPending(config) });
            return [];
        } catch (e) {
            if ((e as Error).name !== "ConfigError") {
                throw e;
            }
            return (e as ConfigError).issues
                .filter((i) => prefix.every((p, n) => i.path[n] === p))
                .map((i) => `${configKey(i.path)}: ${i.message}`);
        }
    }

    /** A prompt's validate answer: true, or the problems in one line. */
    verdict(problems: (string | undefined)[]): true | string {
        return problems.filter((p) => p !== undefined).join("; ") || true;
    }

    /** The flag, else the question's answer, else the fallback; with neither, `key` is missing (reported at once later). */
    async value(
        flag: string | undefined,
        key: string,
        question: () => Promise<string> | undefined,
        fallback?: string,
    ): Promise<string> {
        if (flag !== undefined) {
            return flag;
        }
        const asked = this.ask ? question() : undefined;
        if (asked) {
            return asked;
        }
        if (fallback === undefined) {
            this.missing.push(key);
            return "";
        }
        return fallback;
    }

    /** A repeatable flag, else (when `wanted`) a comma-separated answer, else none. */
    async many(
        flag: string[] | undefined,
        question: string,
        wanted: boolean,
        check?: (values: string[]) => true | string,
    ): Promise<string[]> {
        if (flag !== undefined) {
            return flag;
        }
        return this.ask && wanted
            ? list(
                  await this.ask.input({
                      message: `${question} (comma-separated, empty for none)`,
                      default: "",
                      validate: check && ((v) => check(list(v))),
                  }),
              )
            : [];
    }
}

/** Environment, region and cluster name; a cluster another stack has is refused. */
async function askWhere(s: Session): Promise<{ environment: Environment; region: string; cluster: string }> {
    const { f, ask } = s;
    const environment = (await s.value(f.environment, "--environment", () =>
        ask!.select<Environment>({ message: "Environment", choices: ENVIRONMENTS.map((e) => ({ name: e, value: e })) }),
    )) as Environment;
    s.answered.environment = environment;
    const regionCheck = (v: string) => {
        const format = s.problemsAt({ location: v }, "location");
        return format.length > 0 ? format : [regionProblem(v) && `${configKey(["location"])}: ${regionProblem(v)}`];
    };
    const region = await s.value(f.region, "--region", () =>
        ask!.input({
            message: "Azure region (programmatic name)",
            default: "westeurope",
            validate: (v) => s.verdict(regionCheck(v)),
        }),
    );
    s.answered.location = region;
    const defaultCluster = environment && region ? `${environment}-${region}` : undefined;
    // Two stacks of one cluster would fight over the same resource group, cluster and fleet directory.
    const twinOf = (cluster: string) => {
        const twin = s.others.find((o) => o.settings.clusterName === cluster);
        return twin
            ? `cluster ${cluster} is already stack ${twin.stack}'s (Pulumi.${twin.stack}.yaml): choose another --cluster or region, or delete that file first if it is an example this stack replaces`
            : undefined;
    };
    // Derived defaults: when what they derive from is missing, only that is reported.
    const cluster = await s.value(
        f.cluster,
        "--cluster",
        () =>
            ask!.input({
                message: "Cluster name (also its fleet directory)",
                default: defaultCluster,
                validate: (v) => s.verdict([...s.problemsAt({ clusterName: v }, "clusterName"), twinOf(v)]),
            }),
        defaultCluster ?? (s.missing.length > 0 ? "" : undefined),
    );
    s.answered.clusterName = cluster;
    const twin = cluster ? twinOf(cluster) : undefined;
    if (twin) {
        throw new UsageError(twin);
    }
    return { environment, region, cluster };
}

/** The fleet repo's URL and branch, defaulting to the organisation's (Pulumi.yaml). */
async function askFleet(
    s: Session,
): Promise<{ fleetUrl: string; fleetBranch: string; orgUrl?: string; orgBranch: string; ssh: boolean }> {
    const { f, ask, org } = s;
    const orgUrl = org.fleet?.url;
    const fleetUrl = await s.value(
        f["fleet-url"],
        "--fleet-url",
        () =>
            ask!.input({
                message: "Fleet repo URL (ssh:// or https://)",
                default: orgUrl,
                validate: (v) => s.verdict(s.problemsAt({ flux: { git: { url: v } } }, "flux", "git", "url")),
            }),
        orgUrl,
    );
    const orgBranch = org.fleet?.branch ?? "main";
    const fleetBranch = await s.value(
        f["fleet-branch"],
        "--fleet-branch",
        () =>
            ask!.input({
                message: "Fleet repo branch",
                default: orgBranch,
                validate: (v) => s.verdict(s.problemsAt({ flux: { git: { branch: v } } }, "flux", "git", "branch")),
            }),
        orgBranch,
    );
    s.answered.flux = { git: { url: fleetUrl, branch: fleetBranch } };
    return { fleetUrl, fleetBranch, orgUrl, orgBranch, ssh: fleetUrl.startsWith("ssh:") };
}

/**
 * An ssh:// fleet repo on a host whose keys the schema does not build in needs its host keys (flux.git.knownHosts):
 * given, asked (offering the keys the host's owner publishes), or with --yes the published ones, said so.
 */
async function askKnownHosts(s: Session, fleetUrl: string): Promise<{ knownHosts?: string; knownHostsNote?: string }> {
    const given = s.f["known-hosts"];
    if (given !== undefined && fleetUrl.startsWith("https:")) {
        throw new UsageError(
            "--known-hosts only applies to an ssh:// fleet repo URL (an https:// repo is checked by its TLS certificate)",
        );
    }
    const url = fleetUrl.startsWith("ssh:") && URL.canParse(fleetUrl) ? new URL(fleetUrl) : undefined;
    if (!url || url.hostname === "") {
        return {};
    }
    const target = knownHostsName(url);
    const read = (v: string) => readKnownHosts(v, target);
    if (given !== undefined) {
        const parsedHosts = read(given);
        if ("problem" in parsedHosts) {
            throw new UsageError(`--known-hosts: ${parsedHosts.problem}`);
        }
        return {
            knownHosts: parsedHosts.lines.join("\n"),
            knownHostsNote: `${target}'s SSH host keys, as given to new-stack: Flux trusts only these.`,
        };
    }
    if (KNOWN_HOSTS[url.hostname] && target === url.hostname) {
        return {};
    }
    return offeredHostKeys(s, url, target, read);
}

/** Host keys for a host the schema does not know: asked (the published ones as default), or with --yes the published ones. */
async function offeredHostKeys(
    s: Session,
    url: URL,
    target: string,
    read: (v: string) => { lines: string[] } | { problem: string },
): Promise<{ knownHosts?: string; knownHostsNote?: string }> {
    const offer = target === url.hostname ? publishedHostKeys(url.hostname) : undefined;
    const published = offer
        ? `${offer.provider}'s published keys ${fingerprints(offer.knownHosts)}, ${offer.url}`
        : undefined;
    let knownHosts: string | undefined;
    if (s.ask) {
        const answer = await s.ask.input({
            message: offer
                ? `SSH host keys of ${target}: a known_hosts file or line (empty: ${published})`
                : `SSH host keys of ${target}: a known_hosts file or line (ssh-keyscan ${url.port ? `-p ${url.port} ` : ""}${url.hostname}, then compare the fingerprints with the server's)`,
            default: "",
            validate: (v) => {
                const checked = v.trim() === "" ? undefined : read(v);
                return checked === undefined
                    ? offer
                        ? true
                        : "required: Flux connects only to a host whose key it knows"
                    : "problem" in checked
                      ? checked.problem
                      : true;
            },
        });
        const parsedHosts = answer.trim() === "" ? undefined : read(answer);
        knownHosts = parsedHosts && "lines" in parsedHosts ? parsedHosts.lines.join("\n") : offer?.knownHosts;
    } else if (offer) {
        knownHosts = offer.knownHosts;
        s.log(`known hosts: ${published} (--known-hosts to give others)`);
    } else {
        s.missing.push(`--known-hosts (${target}'s SSH host keys)`);
    }
    if (knownHosts !== undefined && knownHosts === offer?.knownHosts) {
        return {
            knownHosts,
            knownHostsNote: `${target}'s SSH host keys as ${offer.provider} publishes them (${offer.url}${offer.readOn ? `, read ${offer.readOn}` : ""}): Flux trusts only these.`,
        };
    }
    return knownHosts !== undefined
        ? { knownHosts, knownHostsNote: `${target}'s SSH host keys, as given to new-stack: Flux trusts only these.` }
        : {};
}

/**
 * An environment has one SOPS key: when another stack owns its vault, this cluster joins it only by choice (a
 * question, or --use-key-of / --own-vault with --yes), never silently. What only a vault's owner sets is an error next
 * to an existing key, not dropped.
 */
async function chooseKey(
    s: Session,
    environment: Environment,
): Promise<{ owner?: KeyOwner; existingKeyId?: string; ownAnyway: boolean }> {
    const { f, ask } = s;
    const owner = environment ? keyOwner(s.others, environment) : undefined;
    let existingKeyId = f["existing-key-id"];
    let ownAnyway = f["own-vault"];
    const useKeyOf = f["use-key-of"];
    if (useKeyOf !== undefined && environment) {
        if (owner?.stack !== useKeyOf) {
            throw new UsageError(
                `--use-key-of ${useKeyOf}: ${owner ? `${environment}'s vault is stack ${owner.stack}'s (--use-key-of ${owner.stack})` : `no committed stack owns ${environment}'s vault (leave it out: this stack will own one)`}`,
            );
        }
        existingKeyId = owner.keyId;
    } else if (owner && existingKeyId === undefined && !ownAnyway) {
        const choice = vaultChoice(environment, owner);
        if (!ask) {
            throw new UsageError(
                `${choice.situation}. Choose --use-key-of ${owner.stack} (${choice.join}) or --own-vault (${choice.own})`,
            );
        }
        const join = await ask.select<"join" | "own">({
            message: `${choice.situation}. This cluster:`,
            choices: [
                { name: `uses stack ${owner.stack}'s key: ${choice.join}`, value: "join" },
                { name: `owns a new vault: ${choice.own}`, value: "own" },
            ],
        });
        existingKeyId = join === "join" ? owner.keyId : undefined;
        ownAnyway = join === "own";
    }
    if (existingKeyId && !ask && owner?.keyId === existingKeyId) {
        s.log(`sops: using ${environment}'s existing key from stack ${owner.stack} (${owner.keyId})`);
    }
    const ownerOnly = [
        f["encryptor-group"] !== undefined && "--encryptor-group",
        f["vault-range"] !== undefined && "--vault-range",
        f["vault-name"] !== undefined && "--vault-name",
    ].filter(Boolean);
    if (existingKeyId && ownerOnly.length > 0) {
        throw new UsageError(
            `${ownerOnly.join(", ")} set up a vault this stack owns; it uses ${owner?.keyId === existingKeyId ? `stack ${owner.stack}'s key: set them in Pulumi.${owner.stack}.yaml` : "the key --existing-key-id names"}`,
        );
    }
    return { owner, existingKeyId, ownAnyway };
}

interface Access {
    standby: boolean;
    adminGroups: string[];
    encryptorGroups: string[];
    apiRanges: string[];
    vaultRanges: string[];
    emails: { name: string; [k: string]: string }[];
    webhooks: { name: string; [k: string]: string }[];
    orgHasReceivers: boolean;
}

/** Standby, the groups and ranges that reach the cluster and the vault, and the alert receivers. */
async function askAccess(s: Session, prod: boolean, existingKeyId: string | undefined): Promise<Access> {
    const { f, ask, org } = s;
    const standby =
        Boolean(existingKeyId) &&
        (f.standby ||
            (ask && !f.standby
                ? await ask.confirm({
                      message: "Is this a DR cluster to keep on standby (everything but the cluster)?",
                      default: false,
                  })
                : false));
    if (f.standby && !existingKeyId) {
        throw new UsageError(
            "--standby needs the environment's existing key (--use-key-of <stack>, or --existing-key-id)",
        );
    }
    const adminGroups = await s.many(
        f["admin-group"],
        "Entra groups that administer the cluster (object ids or names)",
        true,
        (v) => s.verdict(s.problemsAt({ aks: { adminGroups: v } }, "aks", "adminGroups")),
    );
    const encryptorGroups = existingKeyId
        ? []
        : await s.many(f["encryptor-group"], "Entra groups that run sops with the environment's key", true, (v) =>
              s.verdict(s.problemsAt({ sops: { encryptorGroups: v } }, "sops", "encryptorGroups")),
          );
    const apiRanges = await s.many(
        f["api-range"],
        "CIDRs that reach the API server (operators' VPN, CI runners)",
        prod,
        (v) => s.verdict(s.problemsAt({ aks: { apiServer: { authorizedIpRanges: v } } }, "aks", "apiServer")),
    );
    const vaultRanges = existingKeyId
        ? []
        : await s.many(f["vault-range"], "Public CIDRs that run sops against the vault", prod, (v) =>
              s.verdict(s.problemsAt({ sops: { allowedIpRanges: v } }, "sops", "allowedIpRanges")),
          );
    const orgHasReceivers = (org.receivers?.emails?.length ?? 0) + (org.receivers?.webhooks?.length ?? 0) > 0;
    const emailCheck = (v: string[]) => {
        try {
            return s.verdict(
                s.problemsAt(
                    { monitoring: { receivers: { emails: pairs(v, "--alert-email", "address"), webhooks: [] } } },
                    "monitoring",
                    "receivers",
                ),
            );
        } catch (e) {
            return (e as Error).message;
        }
    };
    const emails = pairs(
        await s.many(f["alert-email"], "Alert e-mail receivers as name=address", prod && !orgHasReceivers, emailCheck),
        "--alert-email",
        "address",
    );
    const webhooks = pairs(f["alert-webhook"] ?? [], "--alert-webhook", "url");
    return { standby, adminGroups, encryptorGroups, apiRanges, vaultRanges, emails, webhooks, orgHasReceivers };
}

/** The vault's name when this stack owns one: given, asked, or proposed (a global DNS name: proposeVaultName). */
async function askVaultName(
    s: Session,
    fleetUrl: string,
    environment: Environment,
    existingKeyId: string | undefined,
): Promise<string | undefined> {
    if (existingKeyId) {
        return undefined;
    }
    const proposal = fleetUrl && environment ? proposeVaultName(fleetUrl, environment) : undefined;
    if (proposal && s.f["vault-name"] === undefined) {
        s.log(
            `vault name: ${proposal} (Key Vault names are global DNS names, and a deleted vault keeps its name for up to 90 days; a suffix of your own makes a clash unlikely, and npm run preflight confirms the name is free)`,
        );
    }
    return s.value(
        s.f["vault-name"],
        "--vault-name",
        () =>
            s.ask!.input({
                message: "The environment's Key Vault name (globally unique)",
                default: proposal,
                validate: (v) => s.verdict(s.problemsAt({ sops: { vaultName: v } }, "sops", "vaultName")),
            }),
        proposal ?? (s.missing.length > 0 ? "" : undefined),
    );
}

interface Answers extends Omit<Access, "orgHasReceivers"> {
    environment: Environment;
    region: string;
    cluster: string;
    fleetUrl: string;
    fleetBranch: string;
    orgUrl?: string;
    orgBranch: string;
    ssh: boolean;
    knownHosts?: string;
    existingKeyId?: string;
    vaultName?: string;
}

interface ComposedStack {
    settings: Record<string, unknown>;
    sharedOrg: Org;
    saveOrg: boolean;
    receiversGiven: boolean;
    valid: ReturnType<typeof validateStackConfig>;
}

/**
 * The stack file's settings (what differs from the organisation's shared values) and Pulumi.yaml's org, validated as
 * `pulumi up` will see them (the org values beneath), every mistake at once; nothing is written before this.
 */
async function composeStack(s: Session, a: Answers): Promise<ComposedStack> {
    const { f, ask, org } = s;
    const saveOrg =
        f["save-org"] ||
        (ask
            ? a.fleetUrl !== a.orgUrl &&
              (await ask.confirm({
                  message: "Store the fleet repo (and receivers) in Pulumi.yaml for every stack?",
                  default: !a.orgUrl,
              }))
            : false);
    const fleetDiffers = a.fleetUrl !== a.orgUrl || a.fleetBranch !== a.orgBranch;
    const git = {
        ...(fleetDiffers && !saveOrg ? { url: a.fleetUrl, branch: a.fleetBranch } : {}),
        ...(a.knownHosts !== undefined ? { knownHosts: a.knownHosts } : {}),
    };
    const receiversGiven = a.emails.length + a.webhooks.length > 0;
    const settings: Record<string, unknown> = {
        environment: a.environment,
        location: a.region,
        clusterName: a.cluster,
        ...(a.standby ? { standby: true } : {}),
        // Left out when empty: the profile's values apply.
        ...(a.adminGroups.length > 0 || a.apiRanges.length > 0
            ? {
                  aks: {
                      ...(a.adminGroups.length > 0 ? { adminGroups: a.adminGroups } : {}),
                      ...(a.apiRanges.length > 0 ? { apiServer: { authorizedIpRanges: a.apiRanges } } : {}),
                  },
              }
            : {}),
        sops: a.existingKeyId
            ? { existingKeyId: a.existingKeyId }
            : {
                  vaultName: a.vaultName,
                  ...(a.encryptorGroups.length > 0 ? { encryptorGroups: a.encryptorGroups } : {}),
                  ...(a.vaultRanges.length > 0 ? { allowedIpRanges: a.vaultRanges } : {}),
              },
        ...(Object.keys(git).length > 0 ? { flux: { git } } : {}),
        ...(receiversGiven && !saveOrg
            ? { monitoring: { receivers: { emails: a.emails, webhooks: a.webhooks } } }
            : {}),
    };
    // With --save-org the receivers given are the organisation's, all of them: the org's earlier ones (an example's
    // webhook) would otherwise keep receiving every cluster's alerts. None given: the org's stay, and the log says so.
    const receivers = {
        ...(a.emails.length > 0 ? { emails: a.emails } : {}),
        ...(a.webhooks.length > 0 ? { webhooks: a.webhooks } : {}),
    };
    const sharedOrg: Org = saveOrg
        ? { ...org, fleet: { url: a.fleetUrl, branch: a.fleetBranch }, ...(receiversGiven ? { receivers } : {}) }
        : org;
    // The region against Azure's list where the schema finds its shape fine (its own message covers the rest).
    const regionIssue =
        a.region && s.problemsAt({ location: a.region }, "location").length === 0 ? regionProblem(a.region) : undefined;
    const valid = validateStackConfig(
        { ...settings, org: sharedOrg },
        { gitSshPrivateKey: a.ssh, ...tenantKeysPending({ ...settings, org: sharedOrg }) },
        regionIssue ? [{ path: ["location"], message: regionIssue }] : [],
    );
    return { settings, sharedOrg, saveOrg, receiversGiven, valid };
}

/** Writes the stack file (and with --save-org Pulumi.yaml) and says what else the new stack needs. */
function writeStack(
    s: Session,
    w: {
        name: string;
        root: string;
        file: string;
        stack: ComposedStack;
        environment: string;
        cluster: string;
        owner?: KeyOwner;
        existingKeyId?: string;
        ownAnyway: boolean;
        knownHostsNote?: string;
        ssh: boolean;
        orgHasReceivers: boolean;
    },
): void {
    const { log, org } = s;
    const { name, root, owner, stack } = w;
    writeOutput(
        w.file,
        stackFile(name, stack.settings, {
            ssh: w.ssh,
            standby: stack.settings.standby === true,
            existingKey: Boolean(w.existingKeyId),
            knownHostsNote: w.knownHostsNote,
        }),
    );
    log(`wrote ${w.file}`);
    if (owner?.firewall && w.existingKeyId === owner.keyId) {
        // The owner's vault firewall denies by default: it must admit this cluster's egress prefix.
        log(`${owner.stack}'s vault firewall must admit this cluster: add to its sops.admitEgressPrefixIds`);
        log(`  ${physicalNames(stack.valid).egressPrefixId!}`);
        // The rollout (ci/stacks.ts WAVES) runs the owner's vault wave, this cluster, then the owner's admit wave.
        log(
            `  in the same pull request: the rollout deploys ${owner.stack} (vault wave), ${name}, then ${owner.stack} again to admit the prefix (by hand: ${name} before ${owner.stack})`,
        );
    }
    if (owner && w.ownAnyway) {
        log(
            `sops: ${name} owns a new ${w.environment} vault beside stack ${owner.stack}'s ${owner.vault}; ${w.environment} has one key (the fleet's .sops.yaml picks it by path), so delete Pulumi.${owner.stack}.yaml before deploying`,
        );
    }
    if (stack.saveOrg) {
        writeOutput(
            join(root, "Pulumi.yaml"),
            withOrg(readFileSync(join(root, "Pulumi.yaml"), "utf8"), stack.sharedOrg),
        );
        log(
            `stored the fleet repo${stack.receiversGiven ? " and alert receivers (replacing the organisation's)" : ""} in ${join(root, "Pulumi.yaml")} (config.org) for every stack`,
        );
    }
    if (!stack.receiversGiven && w.orgHasReceivers && (stack.saveOrg || stack.valid.monitoring.enabled)) {
        log(
            `alert receivers: Pulumi.yaml's ${describeReceivers(org.receivers)} (--alert-email / --alert-webhook${stack.saveOrg ? " with --save-org replace them" : " give this stack its own"})`,
        );
    }
}

/** The offline plan of the written stack: exit 1 when it has a mandatory finding. */
async function planWritten(
    log: (line: string) => void,
    name: string,
    root: string,
    plan: NonNullable<NewStackOptions["plan"]>,
): Promise<number> {
    const result = await plan(name, root);
    log(result.summary);
    result.findings.forEach((l) => log(`  ${l}`));
    return result.mandatory > 0 ? 1 : 0;
}

/** The tenants' deploy keys, taken as set while the stack is written: they are set after it, as the fleet's is. */
function tenantKeysPending(config: unknown): Record<string, boolean> {
    return Object.fromEntries(tenantKeysNeeded(config).map((k) => [k, true]));
}

function logNext(log: (line: string) => void, name: string, ssh: boolean, tenantKeys: string[]): void {
    log("");
    log("next:");
    if (ssh) {
        log(
            `  pulumi config set --secret gitSshPrivateKey --stack ${name} < ~/.ssh/fleet-deploy-key   # the fleet repo's read-only deploy key; never committed`,
        );
    } else {
        log(
            `  pulumi config set --secret gitHttpsPassword --stack ${name}   # only for a private https:// fleet repo (a PAT)`,
        );
    }
    for (const key of tenantKeys) {
        const team = key.slice(key.indexOf("-") + 1);
        log(
            `  pulumi config set --secret ${key} --stack ${name} < ${team}-deploy-key   # tenant ${team}'s read-only deploy key (README, "Onboard a team")`,
        );
    }
    log(
        `  npm run preflight -- --stack ${name}          # asks your subscription: versions, sizes, quota, names, permissions`,
    );
    log(`  npm run fleet -- --stack ${name} --out ../fleet   # the cluster's directory in your fleet repo`);
    log(`  pulumi stack init ${name} && pulumi up --stack ${name}`);
}

/** The stack file, with a comment on each part. */
export function stackFile(
    name: string,
    settings: Record<string, unknown>,
    facts: { ssh: boolean; standby: boolean; existingKey: boolean; knownHostsNote?: string },
): string {
    const doc = new Document({
        config: Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    });
    doc.commentBefore = [
        ` ${name}: written by npm run new-stack. What every cluster shares (fleet repo, alert receivers) comes from Pulumi.yaml.`,
        ` Secrets never live here: ${facts.ssh ? "pulumi config set --secret gitSshPrivateKey < deploy-key" : "pulumi config set --secret gitHttpsPassword (private https repos)"}.`,
        facts.standby
            ? " A DR cluster on standby: set standby to false (and deploy) to create its cluster (docs/disaster-recovery.md)."
            : " Config reference: README, Configuration (nested keys: pulumi config set --path 'aks-gitops:aks.skuTier' Standard).",
    ].join("\n");
    const config = doc.get("config") as YAMLMap;
    const note = (key: string, text: string) => {
        const pair = config.items.find(
            (p) => String((p.key as { value?: unknown }).value ?? p.key) === `${PROJECT}:${key}`,
        );
        if (pair && isMap(pair.value)) {
            pair.value.commentBefore = ` ${text}`;
        } else if (pair) {
            (pair.key as { commentBefore?: string }).commentBefore = ` ${text}`;
        }
    };
    note(
        "aks",
        "Pin a Kubernetes minor with kubernetesVersion (az aks get-versions -l <region>); absent: the region's default.",
    );
    note(
        "sops",
        facts.existingKey
            ? "The environment's existing key: every cluster of an environment decrypts the same secrets."
            : "The environment's vault and SOPS key (environments never share keys).",
    );
    note("standby", "Everything but the cluster exists in peacetime; false activates.");
    const git = doc.getIn(["config", `${PROJECT}:flux`, "git"]) as YAMLMap | undefined;
    const hosts = git?.items.find((p) => String((p.key as { value?: unknown }).value) === "knownHosts");
    if (hosts && facts.knownHostsNote) {
        (hosts.key as { commentBefore?: string }).commentBefore = ` ${facts.knownHostsNote}`;
    }
    return doc.toString({ lineWidth: 0 });
}

/**
 * Pulumi.yaml with config.org.value set to `org`, changing only the parts that differ, key by key, so that the comments
 * on the keys (and everything else in the file) stay. A part that differs is replaced whole: `receivers` is the
 * organisation's list of receivers, not an addition to the previous one.
 */
export function withOrg(pulumiYaml: string, org: Org): string {
    const doc = parseDocument(pulumiYaml);
    const config = doc.get("config");
    // Pulumi takes project keys with or without the project's namespace (pulumi docs concepts/config.md).
    const key = isMap(config) && config.has(`${PROJECT}:org`) ? `${PROJECT}:org` : "org";
    const at = ["config", key, "value"];
    const current = doc.getIn(at, true);
    if (!isMap(current) || current.items.length === 0) {
        doc.setIn(at, doc.createNode(org));
        return doc.toString({ lineWidth: 0 });
    }
    const same = (node: unknown, value: unknown) =>
        JSON.stringify((node as { toJSON?: () => unknown })?.toJSON?.() ?? node) === JSON.stringify(value);
    for (const [part, value] of Object.entries(org)) {
        const node = doc.getIn([...at, part], true);
        if (value === undefined || same(node, value)) {
            continue;
        }
        if (part === "fleet" && isMap(node)) {
            for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
                if (!same(doc.getIn([...at, part, k], true), v)) {
                    doc.setIn([...at, part, k], v);
                }
            }
        } else {
            doc.setIn([...at, part], doc.createNode(value));
        }
    }
    for (const part of current.items.map((p) => String((p.key as { value?: unknown }).value ?? p.key))) {
        if (!Object.hasOwn(org, part)) {
            doc.deleteIn([...at, part]);
        }
    }
    return doc.toString({ lineWidth: 0 });
}

async function offlinePlan(
    stack: string,
    root: string,
): Promise<{ summary: string; mandatory: number; findings: string[] }> {
    const { planWithActivation } = lazy.planCli();
    const plan = await planWithActivation(stack, root);
    const mandatory = plan.policy.filter((p) => p.enforcementLevel === "mandatory");
    return {
        summary: `offline plan: ${plan.resources.filter((r) => r.custom).length} Azure resources, ~${plan.criticalPath.estimatedMinutes} min from scratch; policy: ${mandatory.length} mandatory, ${plan.policy.length - mandatory.length} advisory (npm run plan -- --stack ${stack})`,
        mandatory: mandatory.length,
        findings: mandatory.map((p) => `[mandatory] ${p.policy}: ${p.message}`),
    };
}

// A prompt closed with Ctrl+C (ExitPromptError) exits 130 with nothing printed and nothing written (cli/usage.ts failure).
export const runCli = command.runCli;
