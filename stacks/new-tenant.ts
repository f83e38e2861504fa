// npm run new-tenant -- <team> [flags] [--yes]
// Onboards a team (issue 23) in one command: asks (on a terminal) for what flags did not give, checks the tenant with
// the stack schema against every committed stack of the project (each answer at its question, everything again before
// writing), adds org.tenants.<team> to Pulumi.yaml (comments and the other tenants kept), shows what the offline plan
// of each stack that runs the team gains, and prints what the team must do. Exit codes: 0 written, 1 written but a
// plan gained a mandatory policy finding, 2 bad usage or a refused tenant (nothing written), 3 Pulumi.yaml could not be
// written. A prompt closed with Ctrl+C exits 130 with nothing written (cli/usage.ts failure).
// npm run new-tenant -- --remove <team> offboards one the same way: checks what every committed stack is left with,
// removes org.tenants.<team>, shows what each plan loses, and prints what follows (secret config, the namespaces' fate).
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Document, isMap, isScalar, isSeq, parseDocument, type YAMLMap } from "yaml";
import { defineCommand } from "../cli/command";
import { lazy } from "../cli/lazy";
import { OutputError, UsageError } from "../cli/usage";
import { diffPlans } from "../plan/diff";
import type { Plan } from "../plan/model";
import { shortType } from "../plan/model";
import { ConfigError, configKey, PROJECT, settingsFrom } from "./load";
import { fingerprints, knownHostsName, list, type Prompter, publishedHostKeys, readKnownHosts } from "./new";
import { PROJECT_DIR } from "./paths";
import { ENVIRONMENTS, KNOWN_HOSTS, stackConfigSchema, type ConfigIssue } from "./schema";
import { stackTenants, tenantPath, tenantSecretKeys } from "./tenants";
import type { TenantDefinition } from "./schema";
import type { StackInput } from "./files";

/** The schema of one org.tenants entry: its defaults and choices are the schema's own, never restated here. */
const TENANT = stackConfigSchema.shape.org.unwrap().shape.tenants.unwrap().valueType;
/** What an entry with only the required keys becomes: every default. */
const DEFAULTS = TENANT.parse({ groups: ["x"], namespaces: ["x"], repo: { url: "https://example.invalid/x" } });
const ACCESS = TENANT.shape.access.unwrap().options;
const POLICY_RULES = TENANT.shape.networkPolicy.unwrap().shape.ingress.unwrap().options;
const ORG = `${PROJECT}:org`;

// With several namespaces each needs its own directory (stacks/schema.ts tenantRules): the layout proposed then.
const SEVERAL_NAMESPACES_PATH = "./deploy/{namespace}/overlays/{environment}";

const USAGE = `usage: npm run new-tenant -- <team> [options] [--yes]
       npm run new-tenant -- --remove <team> [--no-plan] [--root <dir>]

  <team>                   the team's name: 2-30 lowercase letters, digits or hyphens (it names the team's Azure
                           resources and secret config keys)
  --group <g>              an Entra ID group of the team (object id or name); repeat for more (required)
  --namespace <ns>         a namespace of the team's; repeat for more (default: the team's name)
  --repo-url <url>         the team's app repository, ssh:// or https:// (required)
  --branch <name>          default ${DEFAULTS.repo.branch}
  --path <path>            the directory Flux applies, per environment; default ${DEFAULTS.repo.path}
                           (${SEVERAL_NAMESPACES_PATH} with several namespaces)
  --known-hosts <file|line>  the repository's SSH host keys (known_hosts lines, e.g. from ssh-keyscan) for an ssh://
                           URL on a host without built-in keys; default for github.com, gitlab.com and
                           vs-ssh.visualstudio.com: the keys their owners publish
  --https-user <user>      the user of an https:// repository's token
  --access <level>         ${ACCESS.join(" | ")}: the team's role in its namespaces (default ${DEFAULTS.access})
  --environments <list>    where the team runs, comma-separated (default ${DEFAULTS.environments.join(",")})
  --cpu-request <q>        the namespaces' default quota: cores ("2") or millicores ("500m") (default ${DEFAULTS.quota.cpuRequest})
  --cpu-limit <q>          (default ${DEFAULTS.quota.cpuLimit})
  --memory-request <q>     power-of-two units, e.g. 512Mi (default ${DEFAULTS.quota.memoryRequest})
  --memory-limit <q>       (default ${DEFAULTS.quota.memoryLimit})
  --ingress <rule>         the namespaces' default network policy: ${POLICY_RULES.join(" | ")} (default ${DEFAULTS.networkPolicy.ingress})
  --egress <rule>          (default ${DEFAULTS.networkPolicy.egress})
  --yes                    no questions: flags and defaults only (CI); missing answers are errors
  --no-plan                skip the plan's difference
  --root <dir>             the project directory (default: this one)
  --remove <team>          offboard a team: removes org.tenants.<team> from Pulumi.yaml once every committed stack
                           validates without it, shows what each stack's plan loses, and prints what follows (the
                           stacks' secret config to remove, what pulumi up does to the team's namespaces)

Exit codes: 0 written, 1 written but a stack's plan gained a mandatory policy finding, 2 bad usage or a refused
tenant (nothing written), 3 Pulumi.yaml could not be written.`;

export const command = defineCommand({
    name: "new-tenant",
    usage: USAGE,
    allowPositionals: true,
    options: {
        group: { type: "string", multiple: true },
        namespace: { type: "string", multiple: true },
        "repo-url": { type: "string" },
        branch: { type: "string" },
        path: { type: "string" },
        "known-hosts": { type: "string" },
        "https-user": { type: "string" },
        access: { type: "string" },
        environments: { type: "string" },
        "cpu-request": { type: "string" },
        "cpu-limit": { type: "string" },
        "memory-request": { type: "string" },
        "memory-limit": { type: "string" },
        ingress: { type: "string" },
        egress: { type: "string" },
        yes: { type: "boolean", short: "y", default: false },
        "no-plan": { type: "boolean", default: false },
        root: { type: "string" },
        remove: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
    },
    run: (argv) => main(argv),
});

type Flags = ReturnType<typeof command.parse>["values"];

export interface NewTenantOptions {
    /** Ask for what is missing (default: when stdin is a terminal and --yes is absent). */
    prompter?: Prompter;
    interactive?: boolean;
    log?: (line: string) => void;
}

/** An org.tenants entry as written: what was given, defaults left out (the schema supplies them). */
type Entry = Record<string, unknown> & { repo?: Record<string, unknown> };

// ---- The project: Pulumi.yaml's org and every committed stack, read as `pulumi up` will read them.

interface CommittedStack {
    stack: string;
    input: StackInput;
    environment: string;
    /** Whether it takes Pulumi.yaml's org: a stack that sets its own replaces it whole (Pulumi's precedence). */
    inherits: boolean;
    /** Its problems without the new tenant ("key: message"): a problem it already had is not the tenant's. */
    before: Set<string>;
}

interface Project {
    root: string;
    file: string;
    text: string;
    org: Record<string, unknown>;
    tenants: Record<string, unknown>;
    stacks: CommittedStack[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const describeIssue = (i: ConfigIssue) => `${i.key ?? configKey(i.path)}: ${i.message}`;

/** The schema's and the secret rules' problems with one stack's flat config (stacks/load.ts settingsFrom). */
function issuesOf(config: Record<string, string>): ConfigIssue[] {
    try {
        settingsFrom(config);
        return [];
    } catch (e) {
        if ((e as Error).name !== "ConfigError") {
            throw e;
        }
        return (e as ConfigError).issues;
    }
}

function readProject(root: string): Project {
    // Loaded here: the stack files bring the Pulumi SDK, which --help and usage errors do without.
    const { loadProjectConfig, loadStackFile, stackNames, withSecretPlaceholders } = lazy.stackFiles();
    const file = join(root, "Pulumi.yaml");
    const shared = loadProjectConfig(root).config[ORG];
    const org = shared !== undefined && /^\s*\{/.test(shared) ? (JSON.parse(shared) as Record<string, unknown>) : {};
    const stacks = stackNames(root).map((stack): CommittedStack => {
        const input = loadStackFile(stack, root);
        return {
            stack,
            input,
            environment: input.config[`${PROJECT}:environment`] ?? "",
            inherits: input.config[ORG] === shared,
            before: new Set(issuesOf(withSecretPlaceholders(input).config).map(describeIssue)),
        };
    });
    // Stack order: by ring (the environments' order), then name.
    const ring = (s: CommittedStack) => (ENVIRONMENTS as readonly string[]).indexOf(s.environment) >>> 0;
    stacks.sort((a, b) => ring(a) - ring(b) || a.stack.localeCompare(b.stack));
    return {
        root,
        file,
        text: readFileSync(file, "utf8"),
        org,
        tenants: isRecord(org.tenants) ? org.tenants : {},
        stacks,
    };
}

/** A stack's config with `entry` added to the org it takes from Pulumi.yaml, and the placeholders offline runs use. */
function configWith(project: Project, s: CommittedStack, team: string, entry: Entry): Record<string, string> {
    const { withSecretPlaceholders } = lazy.stackFiles();
    const org = { ...project.org, tenants: { ...project.tenants, [team]: entry } };
    return withSecretPlaceholders({ ...s.input, config: { ...s.input.config, [ORG]: JSON.stringify(org) } }).config;
}

/**
 * What adding `entry` as tenant `team` breaks, stack by stack: the schema's and tenantRules' own messages, each naming
 * its key, with the stacks it breaks. Only stacks that take Pulumi.yaml's org see the tenant; without any such stack
 * the org is checked as a dev stack would take it.
 */
function problemsWith(project: Project, team: string, entry: Entry): { issue: ConfigIssue; stacks: string[] }[] {
    const found = new Map<string, { issue: ConfigIssue; stacks: string[] }>();
    const takers = project.stacks.filter((s) => s.inherits);
    const stacks: CommittedStack[] =
        takers.length > 0
            ? takers
            : [
                  {
                      stack: "Pulumi.yaml",
                      input: { stack: "new-tenant", config: { [`${PROJECT}:environment`]: "dev" }, secretKeys: [] },
                      environment: "dev",
                      inherits: true,
                      before: new Set(),
                  },
              ];
    for (const s of stacks) {
        for (const issue of issuesOf(configWith(project, s, team, entry))) {
            const text = describeIssue(issue);
            const fromTenant =
                takers.length > 0 || configKey(issue.path).startsWith(configKey(["org", "tenants", team]));
            if (!s.before.has(text) && fromTenant) {
                const seen = found.get(text) ?? { issue, stacks: [] };
                seen.stacks.push(s.stack);
                found.set(text, seen);
            }
        }
    }
    return [...found.values()];
}

/** A refusal: exit 2 (a ConfigError, named so for cli/usage.ts), each problem with the stacks it is found in. */
function refusal(team: string, problems: { issue: ConfigIssue; stacks: string[] }[]): ConfigError {
    const error = new ConfigError(
        problems.map(({ issue, stacks }) => ({
            ...issue,
            message:
                stacks.length > 0
                    ? `${issue.message} (stack${stacks.length > 1 ? "s" : ""} ${stacks.join(", ")})`
                    : issue.message,
        })),
    );
    error.message = `tenant ${team} not added, Pulumi.yaml unchanged: ${error.message}`;
    return error;
}

// ---- The questions

/** One run's answers: flags, prompts (none with --yes or off a terminal), what --yes left missing, the entry so far. */
class Session {
    readonly missing: string[] = [];
    entry: Entry = {};

    constructor(
        readonly f: Flags,
        readonly ask: Prompter | undefined,
        readonly log: (line: string) => void,
        readonly project: Project,
        readonly team: string,
    ) {}

    /** The problems under org.tenants.<team>.<at> with `value` there, in every stack: a prompt's check. */
    problemsAt(at: string[], value: unknown): string[] {
        const entry = structuredClone(this.entry);
        let node: Record<string, unknown> = entry;
        at.slice(0, -1).forEach((k) => {
            node[k] = isRecord(node[k]) ? node[k] : {};
            node = node[k] as Record<string, unknown>;
        });
        node[at[at.length - 1]] = value;
        const prefix = configKey(["org", "tenants", this.team, ...at]);
        return problemsWith(this.project, this.team, entry)
            .map(({ issue }) => describeIssue(issue))
            .filter((p) => p.startsWith(`${prefix}:`) || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`));
    }

    verdict(problems: string[]): true | string {
        return problems.join("; ") || true;
    }

    /** The flag, else the question's answer, else the fallback; with none of them `flag` is missing. */
    async value(flag: string | undefined, name: string, question: () => Promise<string>, fallback?: string) {
        if (flag !== undefined) {
            return flag;
        }
        if (this.ask) {
            return question();
        }
        if (fallback === undefined) {
            this.missing.push(name);
            return "";
        }
        return fallback;
    }
}

export async function main(argv: string[], options: NewTenantOptions = {}): Promise<number> {
    const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
    const { values: f, positionals } = command.parse(argv);
    if (f.help) {
        log(USAGE);
        return 0;
    }
    if (positionals.length > 1) {
        throw new UsageError(`one team name, got ${positionals.join(" ")}`);
    }
    const root = f.root ?? PROJECT_DIR;
    if (f.remove !== undefined) {
        return removeTenant(f, positionals, root, log);
    }
    const interactive = !f.yes && (options.interactive ?? Boolean(process.stdin.isTTY));
    const ask: Prompter | undefined = interactive ? (options.prompter ?? lazy.inquirerPrompts()) : undefined;
    const project = readProject(root);
    const team = await askTeam(project, positionals[0], ask);
    const s = new Session(f, ask, log, project, team);
    const entry = await askEntry(s);
    if (s.missing.length > 0) {
        throw new UsageError(`missing answers for --yes: ${s.missing.join(", ")}`);
    }
    const problems = problemsWith(project, team, entry);
    if (problems.length > 0) {
        throw refusal(team, problems);
    }
    replaceFile(project.file, withTenant(project.text, team, entry));
    log(`added tenant ${team} to ${project.file} (org.tenants.${team})`);
    const runs = where(project, team, entry, log);
    const code = f["no-plan"] ? 0 : await planDifference(project, runs, log);
    logInstructions(log, team, entry, runs);
    return code;
}

/** The team's name: given or asked; one Pulumi.yaml already has, or one the schema refuses, is refused. */
async function askTeam(project: Project, given: string | undefined, ask: Prompter | undefined): Promise<string> {
    const problem = (team: string): ConfigIssue | undefined => {
        if (Object.hasOwn(project.tenants, team)) {
            return {
                path: ["org", "tenants", team],
                message: `is already a tenant in Pulumi.yaml: change it there (README, "Onboard a team"), or choose another team name`,
            };
        }
        // The schema's check of the name (a record key): its problem sits on the entry's own key.
        const own = configKey(["org", "tenants", team]);
        return problemsWith(project, team, {}).find(({ issue }) => configKey(issue.path) === own)?.issue;
    };
    if (given === undefined) {
        if (!ask) {
            throw new UsageError(
                "the team name is required, e.g. npm run new-tenant -- search --group search-developers",
            );
        }
        return ask.input({
            message: "Team name (it names the team's Azure resources and secret config keys)",
            validate: (v) => {
                const p = problem(v);
                return p ? describeIssue(p) : true;
            },
        });
    }
    const p = problem(given);
    if (p) {
        throw refusal(given, [{ issue: p, stacks: [] }]);
    }
    return given;
}

/** Every answer, in the order the entry is read; what equals the schema's default is left out of the entry. */
async function askEntry(s: Session): Promise<Entry> {
    const { f, ask, team } = s;
    let groups = f.group;
    if (groups === undefined && ask) {
        groups = list(await askList(s, ["groups"], "Entra ID groups of the team (object ids or names)"));
    } else if (groups === undefined) {
        s.missing.push("--group");
        groups = [];
    }
    s.entry.groups = groups;
    const namespaces =
        f.namespace ?? (ask ? list(await askList(s, ["namespaces"], "The team's namespaces", team)) : [team]);
    s.entry.namespaces = namespaces;
    const url = await s.value(f["repo-url"], "--repo-url", () =>
        ask!.input({
            message: "The team's app repository URL (ssh:// or https://)",
            validate: (v) => s.verdict(s.problemsAt(["repo", "url"], v)),
        }),
    );
    s.entry.repo = { url };
    const knownHosts = await askKnownHosts(s, url);
    if (knownHosts !== undefined) {
        s.entry.repo.knownHosts = knownHosts;
    }
    const httpsUser = await s.value(
        f["https-user"],
        "--https-user",
        () =>
            url.startsWith("https:")
                ? ask!.input({
                      message: "User of the repository's HTTPS token (empty: none, e.g. a public repository)",
                      default: "",
                      validate: (v) => (v === "" ? true : s.verdict(s.problemsAt(["repo", "httpsUser"], v))),
                  })
                : Promise.resolve(""),
        "",
    );
    if (httpsUser !== "") {
        s.entry.repo.httpsUser = httpsUser;
    }
    const branch = await s.value(
        f.branch,
        "--branch",
        () =>
            ask!.input({
                message: "Branch Flux follows",
                default: DEFAULTS.repo.branch,
                validate: (v) => s.verdict(s.problemsAt(["repo", "branch"], v)),
            }),
        DEFAULTS.repo.branch,
    );
    s.entry.repo.branch = branch;
    const proposedPath = namespaces.length > 1 ? SEVERAL_NAMESPACES_PATH : DEFAULTS.repo.path;
    const path = await s.value(
        f.path,
        "--path",
        () =>
            ask!.input({
                message: "Directory Flux applies ({environment}, {namespace} are filled in)",
                default: proposedPath,
                validate: (v) => s.verdict(s.problemsAt(["repo", "path"], v)),
            }),
        proposedPath,
    );
    s.entry.repo.path = path;
    const access = await s.value(
        f.access,
        "--access",
        () =>
            ask!.select({
                message: "The team's role in its namespaces",
                choices: ACCESS.map((a) => ({ name: a, value: a })),
                default: DEFAULTS.access,
            }),
        DEFAULTS.access,
    );
    s.entry.access = access;
    const environments = list(
        await s.value(
            f.environments,
            "--environments",
            () => askList(s, ["environments"], "Environments the team runs in", DEFAULTS.environments.join(", ")),
            DEFAULTS.environments.join(","),
        ),
    );
    s.entry.environments = environments;
    const limits = await askLimits(s);
    const repo = {
        url,
        ...(branch !== DEFAULTS.repo.branch ? { branch } : {}),
        ...(path !== DEFAULTS.repo.path ? { path } : {}),
        ...(knownHosts !== undefined ? { knownHosts } : {}),
        ...(httpsUser !== "" ? { httpsUser } : {}),
    };
    return {
        groups,
        namespaces,
        ...(access !== DEFAULTS.access ? { access } : {}),
        ...(environments.join() !== DEFAULTS.environments.join() ? { environments } : {}),
        repo,
        ...limits,
    };
}

/** A comma-separated answer, checked as the list it becomes. */
function askList(s: Session, at: string[], message: string, proposal?: string): Promise<string> {
    return s.ask!.input({
        message: `${message}, comma-separated`,
        ...(proposal !== undefined ? { default: proposal } : {}),
        validate: (v) => s.verdict(s.problemsAt(at, list(v))),
    });
}

/**
 * The namespaces' quota and default network policy: flags, else (on a terminal, when asked to change them) questions;
 * only what differs from the defaults is returned.
 */
async function askLimits(s: Session): Promise<Entry> {
    const { f, ask } = s;
    const flags = {
        quota: {
            cpuRequest: f["cpu-request"],
            cpuLimit: f["cpu-limit"],
            memoryRequest: f["memory-request"],
            memoryLimit: f["memory-limit"],
        },
        networkPolicy: { ingress: f.ingress, egress: f.egress },
    };
    const anyFlag = [...Object.values(flags.quota), ...Object.values(flags.networkPolicy)].some((v) => v !== undefined);
    const change =
        ask !== undefined &&
        !anyFlag &&
        (await ask.confirm({
            message: `Change the namespaces' default quota (CPU ${DEFAULTS.quota.cpuRequest}/${DEFAULTS.quota.cpuLimit}, memory ${DEFAULTS.quota.memoryRequest}/${DEFAULTS.quota.memoryLimit} requested/limit) or network policy (ingress ${DEFAULTS.networkPolicy.ingress}, egress ${DEFAULTS.networkPolicy.egress})?`,
            default: false,
        }));
    const quota: Record<string, string> = {};
    const quotaQuestions = {
        cpuRequest: "CPU requested in all, cores or millicores (500m)",
        cpuLimit: "CPU limit in all",
        memoryRequest: "Memory requested in all (Mi, Gi)",
        memoryLimit: "Memory limit in all",
    } as const;
    for (const [key, message] of Object.entries(quotaQuestions) as [keyof typeof quotaQuestions, string][]) {
        const value =
            flags.quota[key] ??
            (change
                ? await ask.input({
                      message,
                      default: DEFAULTS.quota[key],
                      validate: (v) => s.verdict(s.problemsAt(["quota", key], v)),
                  })
                : DEFAULTS.quota[key]);
        if (value !== DEFAULTS.quota[key]) {
            quota[key] = value;
        }
    }
    const networkPolicy: Record<string, string> = {};
    for (const key of ["ingress", "egress"] as const) {
        const value =
            flags.networkPolicy[key] ??
            (change
                ? await ask.select({
                      message: `Default network policy, ${key}`,
                      choices: POLICY_RULES.map((r) => ({ name: r, value: r })),
                      default: DEFAULTS.networkPolicy[key],
                  })
                : DEFAULTS.networkPolicy[key]);
        if (value !== DEFAULTS.networkPolicy[key]) {
            networkPolicy[key] = value;
        }
    }
    return {
        ...(Object.keys(quota).length > 0 ? { quota } : {}),
        ...(Object.keys(networkPolicy).length > 0 ? { networkPolicy } : {}),
    };
}

/**
 * An ssh:// repository on a host whose keys the schema does not build in needs its host keys (repo.knownHosts), as
 * the fleet repo does (stacks/new.ts): given, asked (offering the keys the host's owner publishes), or with --yes the
 * published ones, said so. Without any, the schema refuses the entry, naming the key.
 */
async function askKnownHosts(s: Session, url: string): Promise<string | undefined> {
    const given = s.f["known-hosts"];
    if (given !== undefined && !url.startsWith("ssh:")) {
        throw new UsageError(
            "--known-hosts only applies to an ssh:// repository URL (an https:// repository is checked by its TLS certificate)",
        );
    }
    const parsed = url.startsWith("ssh:") && URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || parsed.hostname === "") {
        return undefined;
    }
    const target = knownHostsName(parsed);
    const what = "the team repository's SSH host";
    if (given !== undefined) {
        const read = readKnownHosts(given, target, what);
        if ("problem" in read) {
            throw new UsageError(`--known-hosts: ${read.problem}`);
        }
        return read.lines.join("\n");
    }
    if (KNOWN_HOSTS[parsed.hostname] && target === parsed.hostname) {
        return undefined;
    }
    const offer = target === parsed.hostname ? publishedHostKeys(parsed.hostname) : undefined;
    const published = offer && `${offer.provider}'s published keys ${fingerprints(offer.knownHosts)}, ${offer.url}`;
    if (!s.ask) {
        if (offer) {
            s.log(`known hosts: ${published} (--known-hosts to give others)`);
        }
        return offer?.knownHosts;
    }
    const answer = await s.ask.input({
        message: offer
            ? `SSH host keys of ${target}: a known_hosts file or line (empty: ${published})`
            : `SSH host keys of ${target}: a known_hosts file or line (ssh-keyscan ${parsed.port ? `-p ${parsed.port} ` : ""}${parsed.hostname}, then compare the fingerprints with the server's)`,
        default: "",
        validate: (v) => {
            if (v.trim() === "") {
                return offer ? true : s.verdict(s.problemsAt(["repo", "knownHosts"], undefined));
            }
            const read = readKnownHosts(v, target, what);
            return "problem" in read ? read.problem : true;
        },
    });
    const read = answer.trim() === "" ? undefined : readKnownHosts(answer, target, what);
    return read && "lines" in read ? read.lines.join("\n") : offer?.knownHosts;
}

// ---- Writing

/**
 * Pulumi.yaml with `entry` added as org.tenants.<team>: one node set in the document, so every comment, the other
 * tenants and the rest of the file stay as they were. Lists and the quota and policy maps are written in flow style,
 * as the README's example is.
 */
export function withTenant(pulumiYaml: string, team: string, entry: Entry): string {
    const doc = parseDocument(pulumiYaml);
    const { key, at } = orgValueAt(doc);
    const value = doc.getIn(at, true);
    if (value === undefined || (isScalar(value) && value.value === null)) {
        doc.setIn(at, doc.createNode({}));
    } else if (!isMap(value)) {
        throw new UsageError(`Pulumi.yaml's ${key} is not a mapping; new-tenant adds org.tenants to a YAML mapping`);
    }
    const tenants = doc.getIn([...at, "tenants"], true);
    if (tenants === undefined || (isScalar(tenants) && tenants.value === null)) {
        doc.setIn([...at, "tenants"], doc.createNode({}));
    } else if (!isMap(tenants)) {
        throw new UsageError(`Pulumi.yaml's org.tenants is not a mapping of team names to tenants`);
    }
    const node = doc.createNode(entry);
    const flow = (map: YAMLMap) =>
        map.items.forEach(({ key: k, value: v }) => {
            if (isMap(v) && isScalar(k) && k.value === "repo") {
                flow(v);
            } else if (isMap(v) || isSeq(v)) {
                v.flow = true;
            }
        });
    flow(node);
    (doc.getIn([...at, "tenants"], true) as YAMLMap).set(team, node);
    return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Where Pulumi.yaml's org value sits in the document, and the key it is under. */
function orgValueAt(doc: Document): { key: string; at: string[] } {
    const config = doc.get("config");
    // Pulumi takes project keys with or without the project's namespace (pulumi docs concepts/config.md).
    const key = isMap(config) && config.has(ORG) ? ORG : "org";
    const org = doc.getIn(["config", key], true);
    // A structured project value sits under `value:`: Pulumi reads any other mapping there as a declaration
    // (stacks/files.ts projectValue), which holds nothing to add to.
    if (isMap(org) && !org.has("value") && org.items.length > 0) {
        throw new UsageError(
            `Pulumi.yaml's ${key} is a declaration, not under value:; new-tenant adds to a value (${key}: value:)`,
        );
    }
    return { key, at: ["config", key, "value"] };
}

/**
 * Pulumi.yaml without org.tenants.<team>: one node deleted, so the other tenants, every other key and the comments
 * stay; a `tenants:` left empty goes too (with the comment written above it, which the yaml library keeps with its
 * key), and nothing else.
 */
export function withoutTenant(pulumiYaml: string, team: string): string {
    const doc = parseDocument(pulumiYaml);
    const { at } = orgValueAt(doc);
    const tenants = doc.getIn([...at, "tenants"], true);
    if (!isMap(tenants) || !tenants.has(team)) {
        throw new UsageError(`Pulumi.yaml has no org.tenants.${team}`);
    }
    tenants.delete(team);
    if (tenants.items.length === 0) {
        doc.deleteIn([...at, "tenants"]);
    }
    return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Writes the whole file or nothing: a temporary file beside it, renamed over it (atomic on one file system). */
function replaceFile(file: string, text: string): void {
    const temporary = join(dirname(file), `.${basename(file)}.new-tenant-${process.pid}`);
    try {
        writeFileSync(temporary, text, { mode: statSync(file).mode });
        renameSync(temporary, file);
    } catch (e) {
        rmSync(temporary, { force: true });
        throw new OutputError(`cannot write ${file}: ${(e as Error).message}`);
    }
}

// ---- Where the team runs, and the plan's difference there

interface Running {
    stack: string;
    environment: string;
    standby: boolean;
}

/** The stacks that run the tenant (stacks/tenants.ts stackTenants), and a line for each that does not, saying why. */
function where(project: Project, team: string, entry: Entry, log: (line: string) => void): Running[] {
    const runs: Running[] = [];
    const notes: string[] = [];
    for (const s of project.stacks) {
        if (!s.inherits) {
            notes.push(
                `  ${s.stack}: not there: Pulumi.${s.stack}.yaml sets its own ${ORG}, which replaces Pulumi.yaml's (add the tenant there to run it)`,
            );
            continue;
        }
        let settings: ReturnType<typeof settingsFrom>;
        try {
            settings = settingsFrom(configWith(project, s, team, entry));
        } catch {
            notes.push(
                `  ${s.stack}: not there: its configuration does not validate (npm run plan -- --stack ${s.stack})`,
            );
            continue;
        }
        if (stackTenants(settings).some((t) => t.team === team)) {
            runs.push({ stack: s.stack, environment: settings.environment, standby: settings.standby });
        } else if (
            settings.tenants !== undefined &&
            ((entry.environments as string[] | undefined) ?? DEFAULTS.environments).includes(settings.environment)
        ) {
            notes.push(
                `  ${s.stack}: not there: it selects its tenants (${PROJECT}:tenants in Pulumi.${s.stack}.yaml: ${settings.tenants.join(", ") || "none"}); add ${team} there to run it`,
            );
        }
    }
    log(
        runs.length > 0
            ? `${team} runs on ${runs.map((r) => `${r.stack}${r.standby ? " (standby: once activated)" : ""}`).join(", ")}`
            : `${team} runs on no committed stack yet`,
    );
    notes.forEach((n) => log(n));
    return runs;
}

/**
 * Per stack that runs the tenant, the offline plan (the program under mocks, as npm run plan) without it and with it:
 * the resources it adds, changes and removes, and any mandatory policy finding that is new (exit 1, as new-stack).
 * A stack on standby creates no tenant resources, so its difference is what activating it (standby false) would add.
 */
async function planDifference(
    project: Project,
    runs: Running[],
    log: (line: string) => void,
    /** The stack as written (default: its file, Pulumi.yaml read back); removal drops the team's secret config too. */
    written?: (stack: string) => StackInput,
): Promise<number> {
    if (runs.length === 0) {
        return 0;
    }
    const { runProgram } = lazy.offlineProgram();
    const { loadStackFile, withSecretPlaceholders } = lazy.stackFiles();
    const { buildCheckedPlan } = lazy.planModel();
    const plan = async (input: StackInput, standby: boolean): Promise<Plan> =>
        buildCheckedPlan(
            await runProgram(
                withSecretPlaceholders(
                    standby ? { ...input, config: { ...input.config, [`${PROJECT}:standby`]: "false" } } : input,
                ),
            ),
        );
    log("");
    log("the plan's difference (offline, as npm run plan -- --stack <stack> plans it):");
    let mandatory = 0;
    for (const run of runs) {
        const before = await plan(project.stacks.find((s) => s.stack === run.stack)!.input, run.standby);
        // The stack as written: Pulumi.yaml read back from the file.
        const after = await plan(written?.(run.stack) ?? loadStackFile(run.stack, project.root), run.standby);
        const d = diffPlans(before, after);
        log(
            `  ${run.stack}${run.standby ? " (on standby: when activated)" : ""}: ${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove`,
        );
        d.added.forEach((r) => log(`    + ${shortType(r.type)} ${r.name}`));
        d.changed.forEach((c) =>
            log(`    ~ ${shortType(c.after.type)} ${c.after.name}: ${c.changes.map((p) => p.path).join(", ")}`),
        );
        d.removed.forEach((r) => log(`    - ${shortType(r.type)} ${r.name}`));
        const known = new Set(before.policy.map((p) => `${p.policy}|${p.urn}|${p.message}`));
        const fresh = after.policy.filter(
            (p) => p.enforcementLevel === "mandatory" && !known.has(`${p.policy}|${p.urn}|${p.message}`),
        );
        fresh.forEach((p) => log(`    [mandatory] ${p.policy}: ${p.message}`));
        mandatory += fresh.length;
    }
    return mandatory > 0 ? 1 : 0;
}

// ---- What the team must do

/** Azure DevOps hosts: user SSH keys only (no deploy keys), RSA only. */
const AZURE_DEVOPS_HOSTS = ["ssh.dev.azure.com", "vs-ssh.visualstudio.com"];

function logInstructions(log: (line: string) => void, team: string, entry: Entry, runs: Running[]): void {
    const repo = entry.repo as { url: string; branch?: string; path?: string; httpsUser?: string };
    const namespaces = entry.namespaces as string[];
    const environments = ((entry.environments as string[] | undefined) ?? DEFAULTS.environments).filter((e) =>
        (ENVIRONMENTS as readonly string[]).includes(e),
    );
    const rings = ENVIRONMENTS.filter((e) => environments.includes(e));
    const path = repo.path ?? DEFAULTS.repo.path;
    const stacks = runs.length > 0 ? runs.map((r) => r.stack) : ["<stack>"];
    const keys = tenantSecretKeys(team);
    log("");
    log(`what team ${team} must do:`);
    log(
        `  1. Lay out the repository ${repo.url} (branch ${repo.branch ?? DEFAULTS.repo.branch}) as examples/app-repo does: deploy/base, and one overlay per environment (deploy/overlays/<env> by default) that sets the namespace. Flux applies, into each namespace:`,
    );
    for (const ns of namespaces) {
        log(`       ${ns}: ${rings.map((e) => tenantPath(path, e, ns)).join(", ")}`);
    }
    log('     Namespaced objects only, no Secret and no SOPS: a tenant decrypts nothing (README, "Onboard a team").');
    if (repo.url.startsWith("ssh:")) {
        const host = URL.canParse(repo.url) ? new URL(repo.url).hostname : "";
        const devops = AZURE_DEVOPS_HOSTS.includes(host);
        const file = `${team}-deploy-key`;
        log("  2. A deploy key, made once by the platform team:");
        // Azure DevOps associates SSH public keys with a user and takes RSA keys (non-RSA keys are an open feature
        // request); its keys expire after a year (MicrosoftDocs/azure-devops-docs docs/repos/git/use-ssh-keys-to-authenticate.md).
        log(
            devops
                ? `       ssh-keygen -t rsa -b 4096 -N "" -f ${file}`
                : `       ssh-keygen -t ed25519 -N "" -f ${file}`,
        );
        // GitHub: "Deploy keys with write access can perform the same actions as an organization member with admin
        // access" (github/docs content/authentication/connecting-to-github-with-ssh/managing-deploy-keys.md): Flux only
        // reads, so the key must not write.
        log(
            devops
                ? `     Azure DevOps has no deploy keys and takes RSA keys: add ${file}.pub to the SSH public keys of a user (a service account) that can only read this repository; such keys expire after a year.`
                : `     Add ${file}.pub to the team's repository as a read-only deploy key (no write access).`,
        );
        log(
            "     Set the private half on each stack that runs the team, then delete the file (it is never committed):",
        );
        stacks.forEach((s) => log(`       pulumi config set --secret ${keys.sshPrivateKey} --stack ${s} < ${file}`));
    } else {
        log(
            "  2. HTTPS credentials: a private repository needs a token that can only read it (a public one needs none);",
        );
        // "If a value is not present on the command line, pulumi will prompt for the value"
        // (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/).
        log("     set it on each stack that runs the team (pulumi asks for the value; it is never committed):");
        stacks.forEach((s) => log(`       pulumi config set --secret ${keys.httpsPassword} --stack ${s}`));
        log(
            repo.httpsUser !== undefined
                ? `     The token's user is org.tenants.${team}.repo.httpsUser in Pulumi.yaml (${repo.httpsUser}).`
                : `     The token's user goes in org.tenants.${team}.repo.httpsUser in Pulumi.yaml (or run new-tenant with --https-user).`,
        );
    }
    log("  3. Promote by pull request in the team's repository, one ring at a time (the fleet's ring rules):");
    if (rings.length < 2) {
        log(`       nothing to promote: the team runs in ${rings.join("") || "no environment"} only`);
    }
    for (let i = 1; i < rings.length; i++) {
        // Two rings apart (a tenant not in staging) is a skip npm run promote refuses without --skip-ring.
        const skips = ENVIRONMENTS.indexOf(rings[i]) - ENVIRONMENTS.indexOf(rings[i - 1]) > 1;
        log(
            `       npm run promote -- --app-repo <dir> --from ${rings[i - 1]} --to ${rings[i]}${skips ? " --skip-ring" : ""}   # <dir>: a checkout of the team's repository`,
        );
    }
    log("");
    log(
        `next: review Pulumi.yaml in a pull request (its preview shows ${team}'s namespaces, roles and Flux configurations per stack); pulumi up on a stack needs ${repo.url.startsWith("ssh:") ? `${keys.sshPrivateKey} set there first` : "the token set there first, for a private repository"}.`,
    );
}

// ---- Offboarding: npm run new-tenant -- --remove <team>

/**
 * Removes org.tenants.<team>: refused (exit 2, nothing written) for a team Pulumi.yaml does not define, or when a
 * committed stack would not validate without it (a stack whose aks-gitops:tenants names it); then written, the plan's
 * difference per stack that ran it, and what follows.
 */
async function removeTenant(f: Flags, positionals: string[], root: string, log: (line: string) => void) {
    const team = f.remove!;
    // The onboarding flags given (booleans default to false): --remove takes none of them.
    const extra = Object.entries(f)
        .filter(([o, v]) => !["remove", "no-plan", "root", "help"].includes(o) && v !== undefined && v !== false)
        .map(([o]) => o);
    if (positionals.length > 0 || extra.length > 0) {
        throw new UsageError(
            `--remove takes only --no-plan and --root, got ${[...positionals, ...extra.map((o) => `--${o}`)].join(" ")}`,
        );
    }
    const project = readProject(root);
    const notRemoved = (issues: ConfigIssue[]) => {
        const error = new ConfigError(issues);
        error.message = `tenant ${team} not removed, Pulumi.yaml unchanged: ${error.message}`;
        return error;
    };
    if (!Object.hasOwn(project.tenants, team)) {
        const known = Object.keys(project.tenants);
        throw notRemoved([
            {
                path: ["org", "tenants", team],
                message: `is not a tenant in Pulumi.yaml (${known.length > 0 ? `defined: ${known.join(", ")}` : "none defined"})`,
            },
        ]);
    }
    const { withSecretPlaceholders, loadStackFile } = lazy.stackFiles();
    const keys = tenantSecretKeys(team);
    const secretKeys = [keys.sshPrivateKey, keys.httpsPassword].map((k) => `${PROJECT}:${k}`);
    const rest = Object.fromEntries(Object.entries(project.tenants).filter(([t]) => t !== team));
    const org = Object.fromEntries(
        Object.entries({ ...project.org, tenants: rest }).filter(
            ([k]) => k !== "tenants" || Object.keys(rest).length > 0,
        ),
    );
    // A stack as it will be: Pulumi.yaml's org without the team and, as `pulumi config rm` leaves its file, without the
    // team's credential (the schema refuses a credential for a tenant the stack does not run, stacks/load.ts).
    const without = (input: StackInput, orgValue: string): StackInput => ({
        ...input,
        config: Object.fromEntries(
            Object.entries({ ...input.config, [ORG]: orgValue }).filter(([k]) => !secretKeys.includes(k)),
        ),
        secretKeys: input.secretKeys.filter((k) => !secretKeys.includes(k)),
    });
    const takers = project.stacks.filter((s) => s.inherits);
    const found = new Map<string, { issue: ConfigIssue; stacks: string[] }>();
    for (const s of takers) {
        for (const issue of issuesOf(withSecretPlaceholders(without(s.input, JSON.stringify(org))).config)) {
            const text = describeIssue(issue);
            if (!s.before.has(text)) {
                const seen = found.get(text) ?? { issue, stacks: [] };
                seen.stacks.push(s.stack);
                found.set(text, seen);
            }
        }
    }
    if (found.size > 0) {
        throw notRemoved(
            [...found.values()].map(({ issue, stacks }) => ({
                ...issue,
                message: `${issue.message} (${stacks.map((s) => `Pulumi.${s}.yaml`).join(", ")}, once ${team} is removed)`,
            })),
        );
    }
    // What ran the team before: only stacks whose configuration validates can say (the others are named).
    const runs: Running[] = [];
    const notes: string[] = [];
    for (const s of takers) {
        try {
            const settings = settingsFrom(withSecretPlaceholders(s.input).config);
            if (stackTenants(settings).some((t) => t.team === team)) {
                runs.push({ stack: s.stack, environment: settings.environment, standby: settings.standby });
            }
        } catch {
            notes.push(`  ${s.stack}: its configuration does not validate (npm run plan -- --stack ${s.stack})`);
        }
    }
    for (const s of project.stacks.filter((x) => !x.inherits)) {
        notes.push(
            `  ${s.stack}: not affected: Pulumi.${s.stack}.yaml sets its own ${ORG}, which replaces Pulumi.yaml's (remove the tenant there too if it has it)`,
        );
    }
    const parsed = TENANT.safeParse(project.tenants[team]);
    const definition: TenantDefinition | undefined = parsed.success ? parsed.data : undefined;
    replaceFile(project.file, withoutTenant(project.text, team));
    log(`removed tenant ${team} from ${project.file} (org.tenants.${team})`);
    log(
        runs.length > 0
            ? `${team} ran on ${runs.map((r) => `${r.stack}${r.standby ? " (standby: once activated)" : ""}`).join(", ")}`
            : `${team} ran on no committed stack`,
    );
    notes.forEach((n) => log(n));
    const code = f["no-plan"]
        ? 0
        : await planDifference(project, runs, log, (stack) => {
              const input = loadStackFile(stack, project.root);
              return without(input, input.config[ORG]);
          });
    // The stack files that hold the team's credential: they are refused until it is removed.
    const holding = takers.flatMap((s) =>
        secretKeys
            .filter((k) => k in s.input.config)
            .map((k) => ({ stack: s.stack, key: k.slice(PROJECT.length + 1) })),
    );
    logFollowUp(log, team, definition, runs, holding);
    return code;
}

function logFollowUp(
    log: (line: string) => void,
    team: string,
    definition: TenantDefinition | undefined,
    runs: Running[],
    holding: { stack: string; key: string }[],
): void {
    log("");
    log(`what follows for team ${team}:`);
    if (holding.length > 0) {
        // `pulumi config rm <key> --stack <stack>` removes the value from the stack's file
        // (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_rm/).
        log(
            `  1. Remove ${team}'s credential from the stacks whose file holds it, in the same pull request: until then the schema refuses them ("no tenant ${team} runs on this stack"):`,
        );
        holding.forEach((h) => log(`       pulumi config rm ${h.key} --stack ${h.stack}`));
    } else {
        log(
            `  1. No stack file holds ${team}'s credential (tenantGitSshPrivateKey-${team}, tenantGitHttpsPassword-${team}): nothing to remove.`,
        );
    }
    const stacks = runs.filter((r) => !r.standby).map((r) => r.stack);
    const standby = runs.filter((r) => r.standby).map((r) => r.stack);
    log(
        stacks.length > 0
            ? `  2. pulumi up on ${stacks.join(", ")} deletes ${team}'s Flux configurations and role assignments, then its managed namespaces${standby.length > 0 ? ` (${standby.join(", ")}: on standby, none to delete)` : ""}.`
            : `  2. pulumi up deletes nothing: no committed stack ${standby.length > 0 ? "out of standby " : ""}ran ${team}.`,
    );
    if (stacks.length > 0) {
        // Deleting a Flux configuration whose kustomization has prune=true (components/Tenant.ts) removes the objects it
        // created in the cluster (MicrosoftDocs/azure-management-docs articles/azure-arc/kubernetes/tutorial-use-gitops-flux2.md,
        // "Delete the Flux configurations").
        log(
            "     The configurations prune: the objects Flux applied from the team's repository are deleted with them.",
        );
        // The managed namespace's delete policy (MicrosoftDocs/azure-aks-docs articles/aks/concepts-managed-namespaces.md,
        // "Delete policy"): Keep deletes only the ARM resource and removes the ManagedByARM label; Delete deletes the
        // Kubernetes namespace too, with everything in it.
        for (const ns of definition?.namespaces ?? []) {
            log(
                definition!.deletePolicy === "Delete"
                    ? `       ${ns} (deletePolicy Delete): the namespace and everything in it are deleted.`
                    : `       ${ns} (deletePolicy Keep): ARM lets go of the namespace; it stays, with what Flux did not apply, no longer held by ARM (delete it with kubectl when the team is gone).`,
            );
        }
    }
    log(
        `  3. Revoke the team's deploy key or token on its repository${definition ? ` (${definition.repo.url})` : ""}.`,
    );
    log("");
    log(
        `next: review Pulumi.yaml${holding.length > 0 ? " and the stack files" : ""} in a pull request (its preview shows what each stack deletes); merged, the rollout removes ${team} ring by ring.`,
    );
}

// A prompt closed with Ctrl+C (ExitPromptError) exits 130 with nothing printed and nothing written (cli/usage.ts failure).
export const runCli = command.runCli;
