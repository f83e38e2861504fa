// node bin/launch.cjs ci/pulumi-stack.ts --stack <name> --mode deploy|preview|existing
// The one step every CI job goes through before it runs `pulumi` against a stack (GitHub Actions and Azure Pipelines
// alike): select the stack's state in the Azure Blob backend (creating it on a deploy), give the runner's copy of
// Pulumi.<stack>.yaml the stack's Azure Key Vault secrets provider, and set the fleet repo's credential as secret config.
//
// Why: a stack's secrets provider lives in two places. Pulumi.<stack>.yaml holds `secretsprovider` (the key's URL) and
// `encryptedkey` (the stack's data key, wrapped by that key) (pulumi.com/docs/iac/concepts/projects/stack-settings-file;
// pulumi/pulumi sdk/go/common/workspace ProjectStack), and the state (checkpoint) holds the same pair under
// `secrets_providers` {type: "cloud", state: {url, encryptedkey}} (pulumi/pulumi sdk/go/common/apitype DeploymentV3;
// pkg/secrets/cloud/manager.go EditProjectStack copies one into the other). `pulumi stack select --create
// --secrets-provider` writes the pair into the runner's stack file, which CI throws away; the committed file has
// neither. A later run's CLI then builds the backend's default manager, which for a DIY backend is the passphrase one,
// and `pulumi config set --secret` fails for want of PULUMI_CONFIG_PASSPHRASE (pkg/cmd/pulumi/stack/secrets.go
// GetSecretsManager: without secretsprovider/encryptionsalt in the file it calls DefaultSecretManager unless
// PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is true, CLI >= 3.134.0, pulumi/pulumi CHANGELOG #17236). Writing only
// `secretsprovider` is not enough either: without `encryptedkey` the CLI makes a new data key on every run
// (cloud.NewCloudSecretsManager). So on every run this copies the pair from the state into the runner's file (`pulumi
// stack export` reads the checkpoint as stored, decrypting nothing: pkg/cmd/pulumi/stack/stack_export.go), the jobs
// also set PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true for every other pulumi process, and anything but an Azure Key
// Vault provider fails here, before any pulumi command that could fall back to a passphrase. CI never sets
// PULUMI_CONFIG_PASSPHRASE, so a passphrase fallback can only fail, never encrypt with something else.
//
// The azurekeyvault:// keeper signs in with azidentity's DefaultAzureCredential (google/go-cloud
// secrets/azurekeyvault/akv.go DefaultClientMaker, since gocloud v0.28.0): in CI the az CLI session of azure/login or
// AzureCLI@2. AZURE_KEYVAULT_AUTH_VIA_CLI, which older guides set, is no longer read. The identity needs decrypt (and,
// to create a stack, encrypt) on the key, e.g. Key Vault Crypto User.
//
// Modes: deploy (the stack's state is created when it has none, with the Key Vault provider from the stack file's
// `secretsprovider` or the variable PULUMI_SECRETS_PROVIDER), preview (a stack with no state yet is reported as new:
// `new=true` in $GITHUB_OUTPUT, the Azure Pipelines variable STACK_NEW; nothing to preview), existing (drift, DR drill:
// a stack with no state is an error). Exit codes: 0 ok, 1 the state or the CLI refused, 2 bad usage or configuration.
//
// A preview of a vault owner whose firewall admits an egress prefix that a stack of the same rollout creates (a pull
// request adding a DR stack: its prefix does not exist until the DR stack's first deploy) would fail reading that
// prefix by id. So the preview's run gets admitExistingOnly as the list of those prefixes, in the runner's copy of the
// stack file only (`pulumi config set --path`): the program leaves each of them out while it does not exist, as the
// rollout's vault wave does, and any other admitted prefix that is missing (a typo) still fails the preview. The step
// says so in `note` ($GITHUB_OUTPUT; Azure Pipelines variable STACK_NOTE) for the pull request's comment.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { parse } from "yaml";
import { PROJECT_DIR, stackNameProblem } from "../stacks/paths";
import { loadStackFile, withSecretPlaceholders } from "../stacks/files";
import { defineCommand } from "../cli/command";
import { UsageError } from "../cli/usage";
import { PROJECT, settingsFrom } from "../stacks/load";
import { ADMIT_EXISTING_ONLY, creatorOf, discover } from "./stacks";

export const MODES = ["deploy", "preview", "existing"] as const;
export type Mode = (typeof MODES)[number];

const USAGE = `usage: node bin/launch.cjs ci/pulumi-stack.ts --stack <name> --mode deploy|preview|existing

  Selects the stack in PULUMI_BACKEND_URL (azblob://<container>), gives the runner's Pulumi.<stack>.yaml the stack's
  Azure Key Vault secrets provider from its state, and sets the fleet repo's credential as secret config: for an
  ssh:// fleet repo FLUX_GIT_SSH_KEY as gitSshPrivateKey (required, unless the stack file holds it), for an https://
  one FLUX_GIT_HTTPS_PASSWORD as gitHttpsPassword (when given).
  --mode deploy    create the stack's state when it has none (secrets provider: the stack file's secretsprovider,
                   else PULUMI_SECRETS_PROVIDER, an azurekeyvault:// key URL)
  --mode preview   a stack with no state yet is new (new=true in GITHUB_OUTPUT; Azure Pipelines variable STACK_NEW);
                   a vault owner gets admitExistingOnly for the admitted prefixes other stacks create (note=...)
  --mode existing  a stack with no state is an error (drift, DR drill)`;

/**
 * An Azure Key Vault key as a secrets provider URL: azurekeyvault://{vault}.vault.azure.net/keys/{key}[/{version}]
 * [?algorithm=...] (google/go-cloud secrets/azurekeyvault/akv.go URLOpener; the vault's DNS suffix differs in sovereign
 * clouds, e.g. vault.azure.cn). Vault names are 3-24 letters, digits and hyphens, key names 1-127 (Key Vault
 * about-keys-secrets-and-certificates "Object identifiers"); a version is 32 hex digits.
 */
export const KEY_VAULT_URL =
    /^azurekeyvault:\/\/[A-Za-z0-9-]{3,24}\.vault\.[a-z0-9.-]+\/keys\/[A-Za-z0-9-]{1,127}(\/[0-9a-fA-F]{32})?(\?algorithm=[A-Za-z0-9-]+)?$/;

/** A problem with the stack's secrets provider that a person must fix (exit 1, with what to run). */
export class SecretsProviderError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SecretsProviderError";
    }
}

/** What `pulumi stack export` says the state was last written with (`deployment.secrets_providers`), if anything. */
export interface StateSecretsProvider {
    type: string;
    url?: string;
    encryptedkey?: string;
}

/** The secrets provider recorded in a `pulumi stack export` document, or undefined when the state records none. */
export function stateSecretsProvider(exported: unknown): StateSecretsProvider | undefined {
    const deployment = (exported as { deployment?: unknown } | null)?.deployment;
    if (deployment === null || typeof deployment !== "object") {
        throw new SecretsProviderError("`pulumi stack export` printed no deployment");
    }
    const sp = (deployment as { secrets_providers?: unknown }).secrets_providers;
    if (sp === undefined || sp === null) {
        return undefined;
    }
    const { type, state } = sp as { type?: unknown; state?: unknown };
    if (typeof type !== "string") {
        throw new SecretsProviderError("the state's secrets_providers has no type");
    }
    const s = (state ?? {}) as { url?: unknown; encryptedkey?: unknown };
    return {
        type,
        url: typeof s.url === "string" ? s.url : undefined,
        encryptedkey: typeof s.encryptedkey === "string" ? s.encryptedkey : undefined,
    };
}

/** The secrets-provider fields of a stack settings file (top-level keys, as the CLI writes them). */
export interface FileSecretsProvider {
    secretsprovider?: string;
    encryptedkey?: string;
    encryptionsalt?: string;
}

export function fileSecretsProvider(text: string, file: string): FileSecretsProvider {
    let doc: unknown;
    try {
        doc = parse(text);
    } catch (e) {
        throw new UsageError(`${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (doc !== null && doc !== undefined && (typeof doc !== "object" || Array.isArray(doc))) {
        throw new UsageError(
            `${file} must be a mapping (config:, and the secrets provider's secretsprovider and encryptedkey)`,
        );
    }
    const d = (doc ?? {}) as Record<string, unknown>;
    // The CLI reads an empty value as none (pulumi/pulumi sdk/go/common/workspace ProjectStack: plain strings), but the
    // key is there: appending the state's value would repeat it, which no YAML reader takes. A value that is not a
    // non-empty string is refused here, naming the key, before anything is written.
    const str = (k: string): string | undefined => {
        if (!(k in d)) {
            return undefined;
        }
        if (typeof d[k] !== "string" || d[k] === "") {
            throw new UsageError(
                `${file}: ${k} is ${d[k] === "" ? "empty" : `not a string (${JSON.stringify(d[k])})`}: remove the line (CI restores ${k === "encryptionsalt" ? "the secrets provider" : "it"} from the stack's state) or set it`,
            );
        }
        return d[k];
    };
    return {
        secretsprovider: str("secretsprovider"),
        encryptedkey: str("encryptedkey"),
        encryptionsalt: str("encryptionsalt"),
    };
}

/**
 * The runner's stack file with the state's Key Vault secrets provider in it. A file that already names a provider keeps
 * it (the Pulumi CLI uses the file's provider first); a file that names the state's key without its encrypted data key
 * gets the state's one (without it the CLI would make a new data key on every run). Lines are appended, so the user's
 * file stays as it is, comments included. Throws SecretsProviderError for anything CI must not run with.
 */
export function withStateSecretsProvider(
    text: string,
    fromState: StateSecretsProvider | undefined,
    stack: string,
    file: string,
): { text: string; restored: string[] } {
    const have = fileSecretsProvider(text, file);
    const fix = `run once, where the stack's current secrets can be read: pulumi stack change-secrets-provider --stack ${stack} "azurekeyvault://<vault>.vault.azure.net/keys/<key>"`;
    if (have.encryptionsalt !== undefined) {
        throw new SecretsProviderError(
            `${file} names the passphrase secrets provider (encryptionsalt); CI signs in to Azure Key Vault and has no passphrase: ${fix}, and commit the file without encryptionsalt`,
        );
    }
    if (have.secretsprovider !== undefined && !KEY_VAULT_URL.test(have.secretsprovider)) {
        throw new SecretsProviderError(
            `${file}: secretsprovider "${have.secretsprovider}" is not an Azure Key Vault key (azurekeyvault://<vault>.vault.azure.net/keys/<key>); CI uses the Azure Key Vault secrets provider`,
        );
    }
    if (have.secretsprovider !== undefined && have.encryptedkey !== undefined) {
        return { text, restored: [] };
    }
    if (fromState === undefined) {
        throw new SecretsProviderError(
            `stack ${stack}: its state records no secrets provider and ${file} names none (or no encryptedkey): ${fix}`,
        );
    }
    if (fromState.type !== "cloud" || fromState.url === undefined || !KEY_VAULT_URL.test(fromState.url)) {
        const what =
            fromState.type === "cloud"
                ? `the key ${fromState.url ?? "(no url)"}`
                : `the "${fromState.type}" secrets provider`;
        throw new SecretsProviderError(
            `stack ${stack}: its state uses ${what}, not an Azure Key Vault key; CI reads and writes secrets only with Azure Key Vault: ${fix}`,
        );
    }
    if (fromState.encryptedkey === undefined) {
        throw new SecretsProviderError(
            `stack ${stack}: its state names ${fromState.url} without the stack's encrypted data key (encryptedkey): ${fix}`,
        );
    }
    if (have.secretsprovider !== undefined && have.secretsprovider !== fromState.url) {
        throw new SecretsProviderError(
            `stack ${stack}: ${file} names ${have.secretsprovider} without its encryptedkey, and the state uses ${fromState.url}: commit the file's encryptedkey, or remove its secretsprovider to use the state's`,
        );
    }
    if (have.secretsprovider === undefined && have.encryptedkey !== undefined) {
        throw new SecretsProviderError(
            `stack ${stack}: ${file} has an encryptedkey but no secretsprovider; remove the encryptedkey (the state's is used) or add the secretsprovider it belongs to`,
        );
    }
    const lines: string[] = [];
    const restored: string[] = [];
    if (have.secretsprovider === undefined) {
        lines.push(`secretsprovider: ${JSON.stringify(fromState.url)}`);
        restored.push("secretsprovider");
    }
    lines.push(`encryptedkey: ${JSON.stringify(fromState.encryptedkey)}`);
    restored.push("encryptedkey");
    const next = `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}# Restored by ci/pulumi-stack.ts from the stack's state (this runner's copy only).\n${lines.join("\n")}\n`;
    // Appending can only be wrong for a file whose top level is not a block mapping: read it back, fail closed.
    let check: FileSecretsProvider;
    try {
        check = fileSecretsProvider(next, file);
    } catch {
        throw new SecretsProviderError(
            `${file}: cannot add the secrets provider to it (its top level is not a block mapping); add secretsprovider: ${fromState.url} and its encryptedkey by hand`,
        );
    }
    if (check.secretsprovider !== fromState.url || check.encryptedkey !== fromState.encryptedkey) {
        throw new SecretsProviderError(
            `${file}: the secrets provider added to it does not read back; add secretsprovider: ${fromState.url} and its encryptedkey by hand`,
        );
    }
    return { text: next, restored };
}

/** One pulumi CLI run: its exit status and output. `input` goes to its standard input. */
export type PulumiRunner = (args: string[], input?: string) => { status: number; stdout: string; stderr: string };

export interface Options {
    dir: string;
    env: NodeJS.ProcessEnv;
    pulumi: PulumiRunner;
}

export interface Result {
    code: number;
    stdout: string;
    stderr: string;
}

function pulumiFailed(what: string, r: { status: number; stderr: string; stdout: string }): SecretsProviderError {
    return new SecretsProviderError(`${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
}

export const command = defineCommand({
    name: "pulumi-stack",
    usage: USAGE,
    options: {
        stack: { type: "string" },
        mode: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
    },
    run: (argv) => {
        const env = process.env;
        const { code, stdout, stderr } = main(argv, { dir: PROJECT_DIR, env, pulumi: realPulumi(PROJECT_DIR, env) });
        return { code, text: stdout, stderr };
    },
});

export function main(argv: string[], options: Options): Result {
    const values = command.parse(argv).values;
    if (values.help) {
        return { code: 0, stdout: `${USAGE}\n`, stderr: "" };
    }
    const stack = values.stack ?? "";
    if (stack === "") {
        throw new UsageError("--stack is required");
    }
    const badName = stackNameProblem(stack);
    if (badName !== undefined) {
        throw new UsageError(`invalid stack name "${stack}": ${badName}`);
    }
    const mode = values.mode as Mode;
    if (!(MODES as readonly string[]).includes(mode)) {
        throw new UsageError(`--mode must be one of ${MODES.join(", ")}`);
    }
    const { dir, pulumi } = options;
    // Azure Pipelines hands an undefined variable to a step as its own macro text, "$(NAME)": that is no value.
    const env: NodeJS.ProcessEnv = Object.fromEntries(
        Object.entries(options.env).filter(([, v]) => v !== undefined && !/^\$\([A-Za-z0-9_.]+\)$/.test(v)),
    );
    const backend = env.PULUMI_BACKEND_URL ?? "";
    if (!/^azblob:\/\/[a-z0-9-]{3,63}/.test(backend)) {
        throw new UsageError(
            `PULUMI_BACKEND_URL must be the Azure Blob state backend, azblob://<container> (with AZURE_STORAGE_ACCOUNT), got "${backend}"`,
        );
    }
    if (!env.AZURE_STORAGE_ACCOUNT) {
        throw new UsageError("AZURE_STORAGE_ACCOUNT must name the storage account of the azblob:// state backend");
    }
    const fileName = `Pulumi.${stack}.yaml`;
    const file = join(dir, fileName);
    if (!existsSync(file)) {
        throw new UsageError(`unknown stack "${stack}": no ${fileName} in ${dir}`);
    }
    // The fleet repo's credential, checked before anything touches the state: which key applies follows from the
    // stack's fleet URL as the program reads it (stacks/load.ts: gitSshPrivateKey only for ssh://, gitHttpsPassword only
    // for https://; the other one set would fail the program's validation). An invalid stack file fails here, exit 2.
    const credential = fleetCredential(stack, dir, env);
    const out: string[] = [];
    const setOutput = (name: string, value: string) => {
        if (env.GITHUB_OUTPUT) {
            appendFileSync(env.GITHUB_OUTPUT, `${name}=${value}\n`);
        }
        if (env.TF_BUILD) {
            // Azure Pipelines sets TF_BUILD on every agent; a later step of the job reads the variable.
            out.push(`##vso[task.setvariable variable=STACK_${name.toUpperCase()}]${value}`);
        }
    };

    // `no stack named '<name>' found` is the CLI's word for a stack without state (pkg/cmd/pulumi/stack/stack_select.go);
    // anything else (sign-in, network, a locked-out container) is a failure, never "new".
    const selected = pulumi(["stack", "select", stack, "--non-interactive"]);
    if (selected.status !== 0) {
        if (!/no stack named '[^']*' found/.test(selected.stderr)) {
            throw pulumiFailed(`pulumi stack select ${stack}`, selected);
        }
        if (mode === "preview") {
            setOutput("new", "true");
            out.push(`${stack}: a new stack, no state yet in ${backend}: its first deploy creates it`);
            return { code: 0, stdout: `${out.join("\n")}\n`, stderr: "" };
        }
        if (mode === "existing") {
            throw new SecretsProviderError(
                `stack ${stack} has no state in ${backend}: deploy it first (deploy.yml / azure-pipelines/deploy.yml)`,
            );
        }
        const provider =
            fileSecretsProvider(readFileSync(file, "utf8"), fileName).secretsprovider ??
            env.PULUMI_SECRETS_PROVIDER ??
            "";
        if (!KEY_VAULT_URL.test(provider)) {
            throw new UsageError(
                `a new stack's state needs an Azure Key Vault secrets provider: set the CI variable PULUMI_SECRETS_PROVIDER (or secretsprovider in ${fileName}) to azurekeyvault://<vault>.vault.azure.net/keys/<key>, got "${provider}". CI never creates a stack with the passphrase provider`,
            );
        }
        const created = pulumi([
            "stack",
            "select",
            "--create",
            "--secrets-provider",
            provider,
            stack,
            "--non-interactive",
        ]);
        if (created.status !== 0) {
            throw pulumiFailed(`pulumi stack select --create ${stack}`, created);
        }
        out.push(`${stack}: created its state in ${backend} with the secrets provider ${provider}`);
    }
    if (mode === "preview") {
        setOutput("new", "false");
    }

    const tmp = mkdtempSync(join(tmpdir(), "pulumi-stack-"));
    let exported: unknown;
    try {
        const exportFile = join(tmp, "state.json");
        const r = pulumi(["stack", "export", "--stack", stack, "--file", exportFile]);
        if (r.status !== 0) {
            throw pulumiFailed(`pulumi stack export --stack ${stack}`, r);
        }
        try {
            exported = JSON.parse(readFileSync(exportFile, "utf8"));
        } catch (e) {
            throw new SecretsProviderError(
                `pulumi stack export --stack ${stack} printed no JSON: ${(e as Error).message}`,
            );
        }
    } finally {
        rmSync(tmp, { recursive: true, force: true });
    }
    const before = readFileSync(file, "utf8");
    const { text, restored } = withStateSecretsProvider(before, stateSecretsProvider(exported), stack, fileName);
    if (restored.length > 0) {
        writeFileSync(file, text);
    }
    const now = fileSecretsProvider(text, fileName);
    out.push(
        `${stack}: secrets provider ${now.secretsprovider}${restored.length > 0 ? ` (${restored.join(" and ")} restored from the state into this runner's ${fileName})` : ` (from ${fileName})`}`,
    );

    // The credential goes in through standard input, never the command line (other processes can read a command line).
    // config set drops one trailing newline from standard input (pkg/cmd/pulumi/config/config_set.go), so one is added.
    if (credential.value !== undefined) {
        const r = pulumi(["config", "set", "--secret", credential.key, "--stack", stack], `${credential.value}\n`);
        if (r.status !== 0) {
            throw pulumiFailed(`pulumi config set --secret ${credential.key} --stack ${stack}`, r);
        }
        out.push(`${stack}: ${credential.key} set as secret config (encrypted with ${now.secretsprovider})`);
    }
    out.push(...credential.notes.map((n) => `${stack}: ${n}`));

    if (mode === "preview") {
        const later = createdByTheRollout(stack, dir);
        // pulumi/pulumi pkg/cmd/pulumi/config ParseConfigKey: with --path the top segment carries the namespace, so
        // `aks-gitops:admitExistingOnly[0]` is the first item of a list under aks-gitops:admitExistingOnly; the value of a
        // path is stored as a string (docs pulumi_config_set: "All other values are treated as strings").
        later.forEach(({ id }, i) => {
            const r = pulumi([
                "config",
                "set",
                "--stack",
                stack,
                "--path",
                `${PROJECT}:${ADMIT_EXISTING_ONLY}[${i}]`,
                id,
            ]);
            if (r.status !== 0) {
                throw pulumiFailed(
                    `pulumi config set --path ${PROJECT}:${ADMIT_EXISTING_ONLY}[${i}] --stack ${stack}`,
                    r,
                );
            }
        });
        const note =
            later.length === 0
                ? ""
                : `previewed with ${ADMIT_EXISTING_ONLY} for ${later.map((l) => `${l.id.split("/").pop()} (${l.creator} creates it)`).join(", ")}: while it does not exist, the preview leaves it out of the vault firewall; the rollout admits it after its first deploy (admit wave). Any other admitted prefix must exist.`;
        setOutput("note", note);
        if (note !== "") {
            out.push(`${stack}: ${note} (${PROJECT}:${ADMIT_EXISTING_ONLY} set in this runner's ${fileName} only)`);
        }
    }
    return { code: 0, stdout: `${out.join("\n")}\n`, stderr: "" };
}

/**
 * The egress prefixes `stack` admits (sops.admitEgressPrefixIds, as written in its file) that another stack of the same
 * rollout creates, with that stack: what a preview of `stack` may find missing (ci/stacks.ts creatorOf). Invalid stack
 * files are left to discovery, which fails the pull request's discover job.
 */
export function createdByTheRollout(stack: string, dir: string): { id: string; creator: string }[] {
    const { stacks } = discover(dir);
    const self = stacks.find((s) => s.stack === stack);
    if (!self || self.role !== "primary") {
        return [];
    }
    return self.admits.flatMap((id) => {
        const creator = creatorOf(stacks, id);
        return creator && creator.stack !== stack ? [{ id, creator: creator.stack }] : [];
    });
}

/** Which secret config key carries the fleet repo's credential for this stack, and its value from CI (if any). */
export function fleetCredential(
    stack: string,
    dir: string,
    env: NodeJS.ProcessEnv,
): { key: "gitSshPrivateKey" | "gitHttpsPassword"; value?: string; notes: string[] } {
    const input = loadStackFile(stack, dir);
    const url = settingsFrom(withSecretPlaceholders(input).config).flux.git.url;
    const held = (key: string) => input.secretKeys.some((k) => k.endsWith(`:${key}`));
    const sshKey = env.FLUX_GIT_SSH_KEY ?? "";
    const password = env.FLUX_GIT_HTTPS_PASSWORD ?? "";
    if (url.startsWith("ssh:")) {
        if (sshKey === "" && !held("gitSshPrivateKey")) {
            throw new UsageError(
                `stack ${stack}'s fleet repo is ${url}: set the CI secret FLUX_GIT_SSH_KEY (the repo's read-only deploy key), which becomes the secret config gitSshPrivateKey`,
            );
        }
        return {
            key: "gitSshPrivateKey",
            value: sshKey === "" ? undefined : sshKey,
            notes: password === "" ? [] : ["FLUX_GIT_HTTPS_PASSWORD left out: the fleet repo is ssh://"],
        };
    }
    return {
        key: "gitHttpsPassword",
        value: password === "" ? undefined : password,
        notes: sshKey === "" ? [] : ["FLUX_GIT_SSH_KEY left out: the fleet repo is https://"],
    };
}

function realPulumi(dir: string, env: NodeJS.ProcessEnv): PulumiRunner {
    return (args, input) => {
        const r = spawnSync("pulumi", args, { cwd: dir, env, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        if (r.error) {
            return { status: 127, stdout: "", stderr: `cannot run pulumi: ${r.error.message}` };
        }
        return { status: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    };
}

/** Entry point for bin/launch.cjs. */
export const runCli = command.runCli;
