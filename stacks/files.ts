// Stack files read as the Pulumi CLI reads them (Pulumi.yaml's project config, then Pulumi.<stack>.yaml), for the
// tools around the program: the offline plan, fleet, verify, preflight, CI's stack discovery and the tests. The
// program itself reads its configuration from the Pulumi runtime (stacks/load.ts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ConfigFileError, UsageError } from "../cli/usage";
import { isSecretKey, PROJECT, rawConfigFrom, tenantKeysNeeded } from "./load";
import { PROJECT_DIR, stackNameProblem } from "./paths";

export { PROJECT_DIR };

/** What stands for a secret value the offline tools never see: in a stack's config and in what the mocks capture. */
export const SECRET = "[secret]";

export interface StackInput {
    stack: string;
    /** Flat Pulumi config map: "<namespace>:<key>" -> string (structured values JSON-encoded). */
    config: Record<string, string>;
    secretKeys: string[];
}

/** The committed stacks: Pulumi.<stack>.yaml files next to Pulumi.yaml. */
export function stackNames(root = PROJECT_DIR): string[] {
    return readdirSync(root)
        .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The configuration `pulumi up` hands the program for a stack, read the way the Pulumi CLI does: the project's
 * `config:` block in Pulumi.yaml first (keys without a namespace belong to the project; structured values sit under
 * `value:`; a typed declaration contributes its `default:`; clear text only), then Pulumi.<stack>.yaml, whose keys
 * replace project keys of the same name wholesale (pulumi docs concepts/config.md, "Project Level Configuration").
 * Secure values become placeholders, shown as [secret].
 */
export function loadStackFile(stack: string, root = PROJECT_DIR): StackInput {
    const badName = stackNameProblem(stack);
    if (badName !== undefined) {
        throw new UsageError(`invalid stack name "${stack}": ${badName}`);
    }
    const file = join(root, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) {
        const known = stackNames(root);
        throw new UsageError(
            `unknown stack "${stack}": no ${`Pulumi.${stack}.yaml`} in ${root}. Committed stacks: ${known.join(", ") || "none"}`,
        );
    }
    const { projectName, config } = loadProjectConfig(root);
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(configBlock(readYaml(file), file))) {
        const fullKey = namespaced(key, projectName);
        if (value !== null && typeof value === "object" && "secure" in value) {
            config[fullKey] = SECRET;
            secretKeys.push(fullKey);
            continue;
        }
        refuseClearCredential(fullKey, projectName, file);
        config[fullKey] = flatten(value);
    }
    return { stack, config, secretKeys };
}

/** Pulumi.yaml's project-level configuration as the flat map every stack inherits, and the project's name. */
export function loadProjectConfig(root = PROJECT_DIR): { projectName: string; config: Record<string, string> } {
    const project = readYaml(join(root, "Pulumi.yaml"));
    const projectName =
        typeof (project as { name?: unknown } | null)?.name === "string" ? (project as { name: string }).name : PROJECT;
    const config: Record<string, string> = {};
    for (const [key, entry] of Object.entries(configBlock(project, join(root, "Pulumi.yaml")))) {
        refuseClearCredential(namespaced(key, projectName), projectName, join(root, "Pulumi.yaml"));
        const value = projectValue(entry, key, join(root, "Pulumi.yaml"));
        if (value !== undefined) {
            config[namespaced(key, projectName)] = flatten(value);
        }
    }
    return { projectName, config };
}

// Parsed documents by file text: every stack read parses Pulumi.yaml again (a fleet-wide plan or CI's stack discovery
// reads a hundred stacks), and parsing costs about a hundred times the read. Keyed by content, so never stale.
const parsedYaml = new Map<string, unknown>();

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
    }
    if (!parsedYaml.has(text)) {
        const keyLine = privateKeyLine(text);
        if (keyLine !== undefined) {
            throw new ConfigFileError(
                `${file}:${keyLine} holds a private key; a credential must never be committed: remove it (and revoke the key), then set it with \`pulumi config set --secret\``,
            );
        }
        if (parsedYaml.size >= 500) {
            parsedYaml.clear();
        }
        try {
            parsedYaml.set(text, parse(text, { prettyErrors: true }));
        } catch (e) {
            // The yaml package's message names the line and column and shows the line with a caret.
            throw new ConfigFileError(`${file} is not valid YAML: ${(e as Error).message}`);
        }
    }
    // A copy: callers may change what they get without changing what the next reader of the same text gets.
    return structuredClone(parsedYaml.get(text));
}

function configBlock(doc: unknown, file: string): Record<string, unknown> {
    const entries = (doc as { config?: unknown } | null)?.config;
    if (entries !== undefined && (entries === null || typeof entries !== "object" || Array.isArray(entries))) {
        throw new ConfigFileError(`${file}: "config" must be a mapping of keys to values`);
    }
    return (entries ?? {}) as Record<string, unknown>;
}

/**
 * The attributes Pulumi allows in a project-level config entry that is a mapping: Pulumi.yaml is validated against
 * its project schema on load, where such an entry is a declaration with no other attribute, whose type is one of
 * four (an array's with `items`), and which holds a `default` or a `value`, not both; an entry is never null
 * (pulumi/pulumi sdk/go/common/workspace/project.json, configTypeDeclaration, additionalProperties false; project.go
 * ValidateProject and Project.Validate).
 */
const DECLARATION_ATTRIBUTES = ["type", "items", "description", "secret", "default", "value"];
const DECLARATION_TYPES = ["string", "integer", "boolean", "array"];

/**
 * A project-level entry's value: a plain scalar or list, `{value: ...}`, or a declaration's `default` (none without
 * one). A mapping Pulumi would refuse is refused here, naming the key, before anything reads it as a value: a
 * structured value written without `value:` would otherwise plan offline and fail at `pulumi up`.
 */
function projectValue(entry: unknown, key: string, file: string): unknown {
    if (entry === null) {
        throw new ConfigFileError(
            `${file}: config ${key} has no value (Pulumi takes a text, number, boolean, list or declaration there)`,
        );
    }
    if (typeof entry !== "object" || Array.isArray(entry)) {
        return entry;
    }
    const e = entry as Record<string, unknown>;
    const refuse = (why: string): never => {
        throw new ConfigFileError(
            `${file}: config ${key}: ${why} (Pulumi reads a mapping there as a declaration: ${DECLARATION_ATTRIBUTES.join(", ")}); a structured value goes under value:`,
        );
    };
    const other = Object.keys(e).filter((k) => !DECLARATION_ATTRIBUTES.includes(k));
    if (other.length > 0) {
        refuse(`${other.map((k) => JSON.stringify(k)).join(", ")} ${other.length > 1 ? "are" : "is"} not allowed`);
    }
    if ("type" in e && !DECLARATION_TYPES.includes(e.type as string)) {
        refuse(`type ${JSON.stringify(e.type)} is not one of ${DECLARATION_TYPES.join(", ")}`);
    }
    if (e.type === "array" && !("items" in e)) {
        refuse("type array has no items (the type of its elements)");
    }
    if ("default" in e && "value" in e) {
        refuse("has both default and value");
    }
    return "value" in e ? e.value : e.default;
}

/**
 * A credential key in clear text is refused: committed, it would give the fleet repo to anyone who reads the repo.
 * `pulumi config set --secret` stores it encrypted as `secure:` in the stack settings file, encrypted by the stack's
 * secrets provider (pulumi.com/docs/iac/concepts/projects/stack-settings-file); Pulumi.yaml's project-level config has
 * no encrypted values at all (pulumi/pulumi-yaml#369: "no support for secrets at project level").
 */
function refuseClearCredential(fullKey: string, projectName: string, file: string): void {
    const key = fullKey.startsWith(`${projectName}:`) ? fullKey.slice(projectName.length + 1) : undefined;
    if (key !== undefined && isSecretKey(key)) {
        throw new ConfigFileError(
            `${file}: ${fullKey} is in clear text; a credential must never be committed: remove it and set it with \`pulumi config set --secret ${key}\` (stored encrypted, as secure:)`,
        );
    }
}

/** The line of a private key block in a committed file (comments included: a key pasted into a comment leaks too). */
function privateKeyLine(text: string): number | undefined {
    const at = text.search(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/);
    return at < 0 ? undefined : text.slice(0, at).split("\n").length;
}

function namespaced(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function flatten(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Adds placeholders for the secret keys the stack's fleet URL needs, so offline runs behave like a configured stack. */
export function withSecretPlaceholders(input: StackInput): StackInput {
    const config = { ...input.config };
    const secretKeys = [...input.secretKeys];
    // The fleet URL from the stack's flux.git, else from the organisation's shared values (org.fleet).
    const url = parseJson(config[`${PROJECT}:flux`])?.git?.url ?? parseJson(config[`${PROJECT}:org`])?.fleet?.url;
    const needed = typeof url === "string" && url.startsWith("ssh:") ? ["gitSshPrivateKey"] : [];
    // Each tenant with an ssh:// repository that the stack runs needs its deploy key too (a placeholder for one the
    // stack does not run is refused by the secret rules, so only the stack's own are added): the secret rules' reading.
    needed.push(...tenantKeysNeeded(rawConfigFrom(config)));
    for (const key of needed) {
        const fullKey = `${PROJECT}:${key}`;
        if (!(fullKey in config)) {
            config[fullKey] = SECRET;
            secretKeys.push(fullKey);
        }
    }
    return { ...input, config, secretKeys };
}

type GitSettings = {
    git?: { url?: unknown };
    fleet?: { url?: unknown };
};

function parseJson(text: string | undefined): GitSettings | undefined {
    try {
        return text ? (JSON.parse(text) as GitSettings) : undefined;
    } catch {
        return undefined;
    }
}
