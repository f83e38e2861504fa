// The checks on one Kubernetes object, wherever it came from (a file of the fleet repo or a `kustomize build`):
// a Secret's values, SOPS metadata, credentials in a Secret's annotations, credential-looking inline HelmRelease values
// and Flux postBuild substitutions.
import { isRecord, parseOne } from "./documents";
import {
    describeSettings,
    embeddedSops,
    isEncrypted,
    looksEncrypted,
    plainValues,
    readDotenv,
    readMetadata,
} from "./sops";
import type { CreationRule, SopsKey } from "./sops";

/**
 * The annotation that marks inline values which look like credentials but are not (a key name, a duration, a
 * reference): a YAML mapping of path -> reason, each path relative to the values it guards (spec.values of a
 * HelmRelease, spec.postBuild.substitute of a Flux Kustomization). A path without a reason allows nothing.
 */
export const PLAINTEXT_ANNOTATION = "fleet.aks-gitops.io/plaintext-values";

export interface ObjectContext {
    /** File level: the .sops.yaml rule SOPS would use for the file (its settings say what must be ENC[...]). */
    rule?: CreationRule;
    /** A *.example template: a Secret there may hold <placeholders> only. */
    template?: boolean;
}

/** A value that is only a Flux variable (`${VAR}`): plain text if the Kustomization applying it sets VAR inline. */
export interface VariableRef {
    at: string;
    variable: string;
}

export interface ObjectResult {
    problems: string[];
    refs: VariableRef[];
    /** The keys the object (or a SOPS file inside it) is encrypted to, when it is encrypted. */
    keys?: SopsKey[];
}

// Any case: a `kind: secret` is refused by the API server, but its plaintext is in Git all the same.
export const isSecret = (o: Record<string, unknown>): boolean =>
    typeof o.kind === "string" && o.kind.toLowerCase() === "secret";
export const isHelmRelease = (o: Record<string, unknown>): boolean =>
    o.kind === "HelmRelease" && typeof o.apiVersion === "string" && o.apiVersion.startsWith("helm.toolkit.fluxcd.io/");
export const isFluxKustomization = (o: Record<string, unknown>): boolean =>
    o.kind === "Kustomization" &&
    typeof o.apiVersion === "string" &&
    o.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/");

export function objectName(o: Record<string, unknown>): string {
    if (typeof o.kind !== "string") {
        return "a document"; // not a Kubernetes object: a SOPS file for a generator, a values file
    }
    const meta = isRecord(o.metadata) ? o.metadata : {};
    const ns = typeof meta.namespace === "string" && meta.namespace !== "" ? `${meta.namespace}/` : "";
    return `${o.kind} ${ns}${scalarText(meta.name, "?")}`;
}

/** A scalar read from any document (a name, a namespace) as text; `otherwise` for a mapping, a list or nothing. */
export function scalarText(value: unknown, otherwise: string): string {
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : otherwise;
}

// Key names that hold credentials, compared lower case without separators (dbPassword, DB_PASSWORD, db-password).
const CREDENTIAL =
    /passw(or)?d|passphrase|^pwd$|secret|token|apikey|accesskey|privatekey|accountkey|signingkey|encryptionkey|masterkey|connectionstring|connstr|credential|^dsn$|^sas$|sastoken|webhookurl/;
// ... unless the name says it refers to one (secretName, existingSecret, secretKeyRef) or configures one (tokenTTL).
const REFERENCE =
    /^(existing|use|enable|create)|(name|names|ref|refs|path|paths|file|files|mount|enabled|create|annotations|labels|length|policy|ttl|expiry|expiration|duration|rotation|type|mode|format|source|selector|provider|class|header|field)$/;

export function isCredentialKey(key: string): boolean {
    const k = key.toLowerCase().replace(/[-_.\s]/g, "");
    return CREDENTIAL.test(k) && !REFERENCE.test(k);
}

// Flux's postBuild substitution: ${var}, and ${var:=default} / ${var:-default} with a default
// (fluxcd/pkg kustomize/kustomize_varsub.go: var names ^[_[:alpha:]][_[:alpha:][:digit:]]*$, drone/envsubst syntax).
const REFERENCE_ONLY = /^\$\{([_a-zA-Z][_a-zA-Z0-9]*)\}$/;
const REFERENCE_WITH_DEFAULT = /^\$\{([_a-zA-Z][_a-zA-Z0-9]*):?[-=]([\s\S]*)\}$/;

type Classified = { plain: false } | { plain: true; why?: string };

/**
 * Whether a value holds plain text: not empty, not ENC[...], not only a reference to a Flux variable. A reference goes
 * to `onRef`: it is plain text in Git when a Flux Kustomization applying it sets the variable inline, which the caller
 * decides once every Flux Kustomization is known (fleet/secrets.ts).
 */
function classify(value: unknown, onRef?: (variable: string) => void): Classified {
    if (typeof value !== "string") {
        // A number (a PIN, a numeric token) or a !!timestamp is a value in clear; null or a boolean (`enabled: true`,
        // `automountServiceAccountToken: false`) holds none.
        return { plain: typeof value === "number" || value instanceof Date };
    }
    if (value === "" || isEncrypted(value)) {
        return { plain: false };
    }
    if (looksEncrypted(value)) {
        return { plain: true, why: "a malformed ENC[...] value" };
    }
    const ref = REFERENCE_ONLY.exec(value);
    if (ref) {
        onRef?.(ref[1]);
        return { plain: false };
    }
    const withDefault = REFERENCE_WITH_DEFAULT.exec(value);
    if (withDefault) {
        if (withDefault[2] !== "") {
            return { plain: true, why: "the default after :=/:- is plain text in Git" };
        }
        // An empty default leaves the variable's own value (drone/envsubst: the default stands in only for an unset or
        // empty variable), which a Flux Kustomization may set in clear.
        onRef?.(withDefault[1]);
        return { plain: false };
    }
    return { plain: true };
}

/** The paths an object's annotation allows, and what is wrong with the annotation itself. */
function allowances(o: Record<string, unknown>): { allowed: (path: string) => boolean; problems: string[] } {
    const meta = isRecord(o.metadata) ? o.metadata : {};
    const raw = isRecord(meta.annotations) ? meta.annotations[PLAINTEXT_ANNOTATION] : undefined;
    if (raw === undefined) {
        return { allowed: () => false, problems: [] };
    }
    const shape = `the annotation ${PLAINTEXT_ANNOTATION} must be a YAML mapping of value path -> reason`;
    let parsed: unknown;
    try {
        parsed = typeof raw === "string" ? parseOne(raw, 1) : undefined;
    } catch {
        // broken YAML: not a mapping either
    }
    if (!isRecord(parsed)) {
        return { allowed: () => false, problems: [shape] };
    }
    const paths: string[] = [];
    const problems: string[] = [];
    for (const [path, reason] of Object.entries(parsed)) {
        if (typeof reason !== "string" || reason.trim().length < 3) {
            problems.push(`${PLAINTEXT_ANNOTATION} lists ${path} without a reason: say why it is not a secret`);
        } else if (path.trim() !== "") {
            paths.push(path.trim());
        }
    }
    const allowed = (path: string) =>
        paths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
    return { allowed, problems };
}

// Shapes of a credential inside any text: a URL with a password (the user name may be empty, as in Redis's
// redis://:password@host), a private key, and `key=value`, `key: value` or `"key": "value"` whose key is a credential's
// name by isCredentialKey, however the text writes it (DB_PASSWORD=, client_secret:, "password":). A Flux variable, a
// <placeholder> or nothing in the password's place, quoted or not, is not one.
const URL_PASSWORD = /:\/\/[^/\s:@]*:([^/\s@]+)@/;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
// A key starts a word (so each word is tried once: linear on a long base64 blob) and is not a variable's name inside
// ${...} (`${API_KEY:=}`); its value is on the same line and runs to a blank or a separator of connection strings and
// queries.
const ASSIGNMENT = /(?<![\w.$-])(?<!\$\{)([\w.-]+)["']?[ \t]*[=:][ \t]*([^\s;,&]+)/g;
const NO_SECRET = /^["']?(\$\{|<|["']?$)/;

export function hasCredentialShape(value: string): boolean {
    if (PRIVATE_KEY.test(value)) {
        return true;
    }
    const url = URL_PASSWORD.exec(value);
    if (url && !NO_SECRET.test(url[1])) {
        return true;
    }
    for (const [, key, secret] of value.matchAll(ASSIGNMENT)) {
        if (isCredentialKey(key) && !NO_SECRET.test(secret)) {
            return true;
        }
    }
    return false;
}

/**
 * A scalar as kustomize prints it: a !!binary value (which the `yaml` package reads as bytes) as the text it encodes,
 * a number as its digits (`kubectl kustomize`, kustomize v5.5.0: `password: !!binary aHVudGVyMg==` comes out as
 * `password: hunter2`, an annotation `12345678` as "12345678").
 */
const binaryAsText = (value: unknown): unknown =>
    value instanceof Uint8Array ? Buffer.from(value).toString("utf8") : value;

/**
 * Plain-text credentials in a tree of values, as paths relative to `root`: leaves under credential-looking keys, values
 * shaped like a credential, and the data of a Secret embedded in the values (a chart's extraObjects). A value that is
 * only a Flux variable goes to `onRef` with its path.
 */
function credentialLeaves(
    root: unknown,
    onRef?: (path: string, variable: string) => void,
): { path: string; why?: string }[] {
    const found: { path: string; why?: string }[] = [];
    let nodes = 0;
    // `credential`: this value sits under a credential-looking key; `all`: under an embedded Secret's data, where every
    // value is one.
    const walk = (node: unknown, shown: string, credential: boolean, all: boolean) => {
        if (++nodes > 1_000_000) {
            throw new Error("more than 1000000 values in one object");
        }
        const value = binaryAsText(node);
        if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, `${shown}[${i}]`, credential, all));
        } else if (isRecord(value)) {
            const embeddedSecret = isSecret(value);
            for (const [k, v] of Object.entries(value)) {
                const section = embeddedSecret && (k === "data" || k === "stringData");
                walk(v, shown === "" ? k : `${shown}.${k}`, all || section || isCredentialKey(k), all || section);
            }
        } else if (credential || (typeof value === "string" && hasCredentialShape(value))) {
            const c = classify(value, (variable) => onRef?.(shown, variable));
            if (c.plain) {
                found.push({ path: shown, why: c.why });
            }
        }
    };
    walk(root, "", false, false);
    return found;
}

function helmReleaseProblems(o: Record<string, unknown>, refs: VariableRef[]): string[] {
    const spec = isRecord(o.spec) ? o.spec : {};
    const { allowed, problems } = allowances(o);
    const leaves = credentialLeaves(spec.values, (path, variable) =>
        refs.push({ at: `spec.values.${path}`, variable }),
    ).filter((l) => !allowed(l.path));
    for (const leaf of leaves) {
        problems.push(
            `spec.values.${leaf.path} looks like a credential in clear${leaf.why ? ` (${leaf.why})` : ""}: put it in a SOPS-encrypted Secret in the HelmRelease's namespace and take it from spec.valuesFrom ` +
                `(kind: Secret, name: <secret>, valuesKey: <key>, targetPath: ${leaf.path}); if it is no secret, list ${leaf.path} with the reason in the annotation ${PLAINTEXT_ANNOTATION}`,
        );
    }
    return problems;
}

function fluxKustomizationProblems(o: Record<string, unknown>): string[] {
    const spec = isRecord(o.spec) ? o.spec : {};
    const postBuild = isRecord(spec.postBuild) ? spec.postBuild : {};
    const { allowed, problems } = allowances(o);
    for (const leaf of credentialLeaves(postBuild.substitute).filter((l) => !allowed(l.path))) {
        problems.push(
            `spec.postBuild.substitute.${leaf.path} looks like a credential in clear: put it in a SOPS-encrypted Secret and take it from spec.postBuild.substituteFrom (kind: Secret); ` +
                `if it is no secret, list ${leaf.path} with the reason in the annotation ${PLAINTEXT_ANNOTATION}`,
        );
    }
    return problems;
}

/** Credentials in a Secret's metadata, which SOPS leaves in clear under the usual encrypted_regex ^(data|stringData)$. */
function metadataProblems(o: Record<string, unknown>): string[] {
    const meta = isRecord(o.metadata) ? o.metadata : {};
    const problems: string[] = [];
    for (const section of ["annotations", "labels"] as const) {
        const entries = isRecord(meta[section]) ? meta[section] : {};
        for (const [key, raw] of Object.entries(entries)) {
            const value = typeof raw === "number" ? String(raw) : binaryAsText(raw);
            if (typeof value !== "string") {
                continue; // null or a boolean: no credential
            }
            const at = `metadata.${section}.${key}`;
            if (key === "kubectl.kubernetes.io/last-applied-configuration") {
                if (/"(data|stringData)"\s*:\s*\{\s*"/.test(value)) {
                    problems.push(
                        `${at} holds the Secret's values in clear (kubectl apply's copy of the object): remove the annotation`,
                    );
                }
            } else if (!classify(value).plain) {
                // empty, ciphertext, or only a Flux variable (`${API_KEY:=}` is no `api_key: <secret>`)
            } else if (isCredentialKey(key.slice(key.lastIndexOf("/") + 1))) {
                problems.push(
                    `${at} looks like a credential in clear (SOPS encrypts data and stringData, not metadata)`,
                );
            } else if (hasCredentialShape(value)) {
                problems.push(
                    `${at} holds what looks like a credential in clear (SOPS encrypts data and stringData, not metadata)`,
                );
            }
        }
    }
    return problems;
}

const PLACEHOLDER = /^<[^<>]+>$/;

function sections(o: Record<string, unknown>, problems: string[]): [string, Record<string, unknown>][] {
    const found: [string, Record<string, unknown>][] = [];
    for (const name of ["data", "stringData"]) {
        const value = o[name];
        if (isRecord(value)) {
            found.push([name, value]);
        } else if (value !== undefined && value !== null) {
            problems.push(`${name} is not a mapping`);
        }
    }
    return found;
}

/** A strict base64 decoding, or undefined. */
function base64Text(value: string): string | undefined {
    const compact = value.replace(/\s+/g, "");
    const bytes = Buffer.from(compact, "base64");
    return compact !== "" && bytes.toString("base64") === compact ? bytes.toString("utf8") : undefined;
}

/** A Secret without sops metadata: every value must be empty, a Flux variable, or a SOPS file (secretGenerator). */
function plainSecretProblems(o: Record<string, unknown>, keys: SopsKey[], refs: VariableRef[]): string[] {
    const problems: string[] = [];
    const found = sections(o, problems);
    const data = found.find(([n]) => n === "data")?.[1] ?? {};
    // secretGenerator envs: with a SOPS dotenv file gives one key per line, sops_* keys among them; kustomize-controller
    // decrypts that file before the build (DecryptSources), so its values are ENC[...] in the build here.
    const macText = typeof data.sops_mac === "string" ? base64Text(data.sops_mac) : undefined;
    const fromDotenv = isEncrypted(macText);
    if (fromDotenv) {
        const lines = Object.entries(data)
            .filter(([k]) => k.startsWith("sops_"))
            .map(([k, v]) => `${k}=${typeof v === "string" ? (base64Text(v) ?? "") : ""}`);
        const meta = readMetadata(readDotenv(lines.join("\n")).metadata);
        problems.push(...meta.problems.map((p) => `data (from a SOPS dotenv file): ${p}`));
        keys.push(...meta.keys);
    }
    let ciphertext = 0;
    for (const [section, values] of found) {
        for (const [key, value] of Object.entries(values)) {
            const at = `${section}.${key}`;
            if (value === null || value === "") {
                continue;
            }
            if (typeof value !== "string") {
                problems.push(`${at} is not SOPS-encrypted`);
                continue;
            }
            const text = section === "data" ? base64Text(value) : value;
            if (text === undefined) {
                // data that is not base64: a Flux variable (substituted after the build), or plain text.
                const c = classify(value, (variable) => refs.push({ at, variable }));
                if (c.plain) {
                    problems.push(`${at} is not SOPS-encrypted${c.why ? ` (${c.why})` : ""}`);
                }
                continue;
            }
            const embedded = embeddedSops(text);
            if (embedded) {
                // secretGenerator files: with a SOPS file: kustomize-controller decrypts the whole value (DecryptResource).
                problems.push(...embedded.problems.map((p) => `${at} (a SOPS ${embedded.format} file): ${p}`));
                keys.push(...embedded.keys);
                continue;
            }
            if (fromDotenv) {
                if (!key.startsWith("sops_") && !isEncrypted(text)) {
                    problems.push(`${at} is not ENC[...] (a value added next to a SOPS dotenv file)`);
                }
                continue;
            }
            if (isEncrypted(text)) {
                ciphertext++;
                continue;
            }
            // stringData may be a Flux variable; base64 in data is opaque to substitution, so it is the value itself.
            const c = section === "data" ? classify(text) : classify(value, (variable) => refs.push({ at, variable }));
            if (c.plain) {
                problems.push(`${at} is not SOPS-encrypted${c.why ? ` (${c.why})` : ""}`);
            }
        }
    }
    if (ciphertext > 0) {
        problems.push(
            "holds ENC[...] values but no sops metadata: kustomize-controller would apply the ciphertext as it is (was the sops block removed?)",
        );
    }
    return problems;
}

/** The checks on one object. */
export function checkObject(o: Record<string, unknown>, ctx: ObjectContext = {}): ObjectResult {
    const problems: string[] = [];
    const refs: VariableRef[] = [];
    let keys: SopsKey[] | undefined;
    const secret = isSecret(o);
    if (o.sops !== undefined) {
        const meta = readMetadata(o.sops);
        keys = meta.keys;
        problems.push(...meta.problems);
        // A Secret's values must be ciphertext whatever the settings say; `data: <text>` (no mapping) too.
        const force = (path: string[]) => secret && (path[0] === "data" || path[0] === "stringData");
        const plain = new Set(plainValues(o, meta.settings, force));
        if (ctx.rule) {
            if (describeSettings(meta.settings) !== describeSettings(ctx.rule.settings)) {
                problems.push(
                    `was encrypted with ${describeSettings(meta.settings)}, but .sops.yaml creation rule ${ctx.rule.number} says ${describeSettings(ctx.rule.settings)}`,
                );
            }
            for (const p of plainValues(o, ctx.rule.settings, force)) {
                plain.add(p);
            }
        }
        for (const p of [...plain].sort()) {
            problems.push(
                `${p} is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)`,
            );
        }
    } else if (secret && ctx.template) {
        for (const [section, values] of sections(o, problems)) {
            for (const [key, value] of Object.entries(values)) {
                if (value !== "" && value !== null && !(typeof value === "string" && PLACEHOLDER.test(value))) {
                    problems.push(
                        `${section}.${key} holds a value, not a <placeholder>: templates are committed in plain text`,
                    );
                }
            }
        }
    } else if (secret) {
        const found: SopsKey[] = [];
        problems.push(...plainSecretProblems(o, found, refs));
        if (found.length > 0) {
            keys = found;
        }
    }
    if (secret && !ctx.template) {
        problems.push(...metadataProblems(o));
    }
    if (isHelmRelease(o)) {
        problems.push(...helmReleaseProblems(o, refs));
    }
    if (isFluxKustomization(o)) {
        problems.push(...fluxKustomizationProblems(o));
    }
    return { problems, refs, keys };
}
