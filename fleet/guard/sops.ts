// What SOPS encryption looks like, read from SOPS's own source (getsops/sops, commit 15e36f9): the `.sops.yaml`
// creation rules, the `sops` metadata an encrypted file carries, which values a rule encrypts and the shape of an
// encrypted value. The guard cannot decrypt (it holds no key), so "encrypted" here means "has every part SOPS writes":
// a forged `sops:` block, a value edited in clear after encryption, or metadata that names no key all fail it.
import { isRecord, parseOne } from "./documents";

export type KeyType = "azure_kv" | "age" | "pgp" | "kms" | "gcp_kms" | "hc_vault" | "hckms";

/** A master key a file is (or a rule would have it) encrypted to. */
export interface SopsKey {
    type: KeyType;
    /** Identity for comparison: the vault URL and key name (Azure), the recipient (age), the fingerprint (PGP), ... */
    id: string;
    /** Azure Key Vault only: the vault URL, lower case, without a trailing slash. */
    vault?: string;
    /** Azure Key Vault only: the key version, "" when the rule names none (SOPS >= 3.11 then records the current one). */
    version?: string;
}

/** The six settings that decide which values SOPS encrypts (at most one may be set), and mac_only_encrypted. */
export interface EncryptionSettings {
    unencrypted_suffix?: string;
    encrypted_suffix?: string;
    unencrypted_regex?: string;
    encrypted_regex?: string;
    unencrypted_comment_regex?: string;
    encrypted_comment_regex?: string;
    mac_only_encrypted?: boolean;
}

const SETTINGS = [
    "unencrypted_suffix",
    "encrypted_suffix",
    "unencrypted_regex",
    "encrypted_regex",
    "unencrypted_comment_regex",
    "encrypted_comment_regex",
] as const;

/** SOPS's default when neither a rule nor the command line sets any of the six (sops.go DefaultUnencryptedSuffix). */
export const DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";

export interface CreationRule {
    /** 1-based position in creation_rules: SOPS uses the first rule whose path_regex matches (config/config.go). */
    number: number;
    /** "" for a rule without path_regex, which matches every file. */
    pathRegex: string;
    matches(path: string): boolean;
    keys: SopsKey[];
    settings: EncryptionSettings;
}

export class SopsConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SopsConfigError";
    }
}

/**
 * A Go (RE2) regular expression as a JavaScript one. SOPS compiles path_regex and the *_regex settings with Go's
 * regexp and matches them unanchored (regexp.MatchString). The two dialects agree on what .sops.yaml files use;
 * RE2's leading flag group `(?i)` and named groups `(?P<name>...)` are translated; anything JavaScript cannot compile is
 * an error rather than a guess.
 */
export function goRegExp(source: string, what: string): RegExp {
    let flags = "";
    let body = source;
    const leading = /^\(\?([imsU]+)\)/.exec(body);
    if (leading) {
        if (leading[1].includes("U")) {
            throw new SopsConfigError(`${what}: the RE2 flag U (ungreedy) has no JavaScript equivalent`);
        }
        flags = [...new Set(leading[1])].join("");
        body = body.slice(leading[0].length);
    }
    body = body.replace(/\(\?P</g, "(?<");
    try {
        return new RegExp(body, flags);
    } catch (e) {
        throw new SopsConfigError(`${what}: ${(e as Error).message}`);
    }
}

function strings(value: unknown, what: string): string[] {
    if (value === undefined || value === null || value === "") {
        return [];
    }
    if (typeof value === "string") {
        return value
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
    }
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
        return value.map((s) => s.trim()).filter((s) => s !== "");
    }
    throw new SopsConfigError(`${what} must be a string or a list of strings`);
}

export function normalVault(url: string): string {
    return url.trim().toLowerCase().replace(/\/+$/, "");
}

function azureKey(vaultUrl: string, name: string, version: string): SopsKey {
    const vault = normalVault(vaultUrl);
    return { type: "azure_kv", id: `${vault}/keys/${name.toLowerCase()}`, vault, version };
}

/** An Azure Key Vault key URL as SOPS reads it (azkv/keysource.go NewMasterKeyFromURL). */
function azureKeyFromUrl(url: string, what: string): SopsKey {
    const parts = /^(https:\/\/[^/]+)\/keys\/([^/]+)(\/[^/]*)?$/.exec(url.trim());
    if (!parts) {
        throw new SopsConfigError(
            `${what}: ${url} is not an Azure Key Vault key URL (https://<vault>.vault.azure.net/keys/<name>[/<version>])`,
        );
    }
    return azureKey(parts[1], parts[2], parts[3] && parts[3].length > 1 ? parts[3].slice(1) : "");
}

/** An HC Vault transit URI (https://vault:8200/v1/<engine>/keys/<name>, hcvault/keysource.go NewMasterKeyFromURI). */
function vaultKeyFromUri(uri: string, what: string): SopsKey {
    const parts = /^(https?:\/\/[^/]+)\/v1\/(.+)\/keys\/([^/]+)\/?$/.exec(uri.trim());
    if (!parts) {
        throw new SopsConfigError(
            `${what}: ${uri} is not a Vault transit key URI (https://<vault>/v1/<engine>/keys/<name>)`,
        );
    }
    return { type: "hc_vault", id: `${parts[1].toLowerCase()}/v1/${parts[2]}/keys/${parts[3]}` };
}

const simpleKey = (type: KeyType, id: string): SopsKey => ({
    type,
    id: type === "pgp" ? id.replace(/\s+/g, "").toUpperCase() : id.trim(),
});

/** The keys of one creation rule: its key_groups when it has any, else its top-level key fields (config/config.go). */
function ruleKeys(rule: Record<string, unknown>, what: string): SopsKey[] {
    const groups = rule.key_groups;
    if (Array.isArray(groups) && groups.length > 0) {
        return groups.flatMap((group, i) => groupKeys(group, `${what}.key_groups[${i}]`));
    }
    return [
        ...strings(rule.azure_keyvault, `${what}.azure_keyvault`).map((u) =>
            azureKeyFromUrl(u, `${what}.azure_keyvault`),
        ),
        ...strings(rule.age, `${what}.age`).map((r) => simpleKey("age", r)),
        ...strings(rule.pgp, `${what}.pgp`).map((f) => simpleKey("pgp", f)),
        // A KMS entry may carry a role after '+' (arn:...:key/x+arn:...:role/y); the key is the part before it.
        ...strings(rule.kms, `${what}.kms`).map((a) => simpleKey("kms", a.split("+")[0])),
        ...strings(rule.gcp_kms, `${what}.gcp_kms`).map((r) => simpleKey("gcp_kms", r)),
        ...strings(rule.hc_vault_transit_uri, `${what}.hc_vault_transit_uri`).map((u) =>
            vaultKeyFromUri(u, `${what}.hc_vault_transit_uri`),
        ),
        ...strings(rule.hckms, `${what}.hckms`).map((k) => simpleKey("hckms", k)),
    ];
}

function groupKeys(group: unknown, what: string): SopsKey[] {
    if (!isRecord(group)) {
        throw new SopsConfigError(`${what} must be a mapping`);
    }
    const list = (name: string) => (Array.isArray(group[name]) ? (group[name] as unknown[]) : []);
    const field = (entry: unknown, name: string, at: string) => {
        if (!isRecord(entry) || typeof entry[name] !== "string") {
            throw new SopsConfigError(`${at} needs ${name}`);
        }
        return entry[name];
    };
    return [
        ...list("merge").flatMap((g, i) => groupKeys(g, `${what}.merge[${i}]`)),
        ...list("azure_keyvault").map((e, i) => {
            const at = `${what}.azure_keyvault[${i}]`;
            return azureKey(
                field(e, "vaultUrl", at),
                field(e, "key", at),
                isRecord(e) && typeof e.version === "string" ? e.version : "",
            );
        }),
        ...strings(group.age, `${what}.age`).map((r) => simpleKey("age", r)),
        ...strings(group.pgp, `${what}.pgp`).map((f) => simpleKey("pgp", f)),
        ...list("kms").map((e, i) => simpleKey("kms", field(e, "arn", `${what}.kms[${i}]`))),
        ...list("gcp_kms").map((e, i) => simpleKey("gcp_kms", field(e, "resource_id", `${what}.gcp_kms[${i}]`))),
        ...list("hckms").map((e, i) => simpleKey("hckms", field(e, "key_id", `${what}.hckms[${i}]`))),
        ...strings(group.hc_vault, `${what}.hc_vault`).map((u) => vaultKeyFromUri(u, `${what}.hc_vault`)),
    ];
}

/** The six settings as SOPS applies them: at most one set, none meaning unencrypted_suffix "_unencrypted". */
function settingsOf(source: Record<string, unknown>, what: string): EncryptionSettings {
    const set = SETTINGS.filter((name) => source[name] !== undefined && source[name] !== null && source[name] !== "");
    if (set.length > 1) {
        // SOPS refuses the same (config/config.go configFromRule; stores/stores.go for metadata).
        throw new SopsConfigError(`${what} sets ${set.join(" and ")}: SOPS allows only one of ${SETTINGS.join(", ")}`);
    }
    const settings: EncryptionSettings = {};
    for (const name of set) {
        const value = source[name];
        if (typeof value !== "string") {
            throw new SopsConfigError(`${what}.${name} must be a string`);
        }
        if (name.endsWith("_regex")) {
            goRegExp(value, `${what}.${name}`);
        }
        settings[name] = value;
    }
    if (set.length === 0) {
        settings.unencrypted_suffix = DEFAULT_UNENCRYPTED_SUFFIX;
    }
    if (source.mac_only_encrypted === true) {
        settings.mac_only_encrypted = true;
    }
    return settings;
}

/** The creation rules of a .sops.yaml, in order. Anything SOPS itself would refuse is a SopsConfigError. */
export function parseSopsConfig(text: string): CreationRule[] {
    let doc: unknown;
    try {
        doc = parseOne(text, 1);
    } catch (e) {
        throw new SopsConfigError(`not valid YAML: ${(e as Error).message}`);
    }
    if (doc === null || doc === undefined) {
        return [];
    }
    if (!isRecord(doc)) {
        throw new SopsConfigError("must be a mapping with creation_rules");
    }
    const rules = doc.creation_rules ?? [];
    if (!Array.isArray(rules)) {
        throw new SopsConfigError("creation_rules must be a list");
    }
    return rules.map((rule, i): CreationRule => {
        const what = `creation_rules[${i}]`;
        if (!isRecord(rule)) {
            throw new SopsConfigError(`${what} must be a mapping`);
        }
        if (rule.path_regex !== undefined && rule.path_regex !== null && typeof rule.path_regex !== "string") {
            throw new SopsConfigError(`${what}.path_regex must be a string`);
        }
        const pathRegex = typeof rule.path_regex === "string" ? rule.path_regex : "";
        const regex = pathRegex === "" ? undefined : goRegExp(pathRegex, `${what}.path_regex`);
        return {
            number: i + 1,
            pathRegex,
            matches: (path) => !regex || regex.test(path),
            keys: ruleKeys(rule, what),
            settings: settingsOf(rule, what),
        };
    });
}

/** The rule SOPS would use for a repository-relative path: the first whose path_regex matches (config/config.go). */
export function firstMatchingRule(rules: CreationRule[], path: string): CreationRule | undefined {
    return rules.find((r) => r.matches(path));
}

// ENC[AES256_GCM,data:<base64>,iv:<base64>,tag:<base64>,type:<type>] (aes/cipher.go: Encrypt writes a 32-byte IV,
// nonceSize, and a 16-byte GCM tag; Decrypt knows the types below).
const ENC =
    /^ENC\[AES256_GCM,data:([A-Za-z0-9+/]+={0,2}),iv:([A-Za-z0-9+/]+={0,2}),tag:([A-Za-z0-9+/]+={0,2}),type:(str|int|float|bytes|bool|time|comment)\]$/;

const base64Bytes = (text: string): number | undefined => {
    const bytes = Buffer.from(text, "base64");
    return bytes.toString("base64") === text ? bytes.length : undefined;
};

/** The parts of a well-formed SOPS-encrypted value, or undefined. */
function encParts(value: unknown): { data: number; type: string } | undefined {
    if (typeof value !== "string") {
        return undefined;
    }
    const m = ENC.exec(value);
    if (!m) {
        return undefined;
    }
    const data = base64Bytes(m[1]);
    if (data === undefined || data === 0 || base64Bytes(m[2]) !== 32 || base64Bytes(m[3]) !== 16) {
        return undefined;
    }
    return { data, type: m[4] };
}

/** A value SOPS encrypted: ENC[AES256_GCM,...] with a base64 payload, a 32-byte IV and a 16-byte tag. */
export const isEncrypted = (value: unknown): boolean => encParts(value) !== undefined;

/** A value that claims to be encrypted, well-formed or not. */
export const looksEncrypted = (value: unknown): boolean => typeof value === "string" && value.startsWith("ENC[");

/** The metadata's MAC: the uppercase hex of a SHA-512 (128 bytes) encrypted as a string (sops.go Tree.Encrypt). */
const isMac = (value: unknown): boolean => {
    const parts = encParts(value);
    return parts !== undefined && parts.type === "str" && parts.data === 128;
};

export interface Metadata {
    keys: SopsKey[];
    settings: EncryptionSettings;
    problems: string[];
}

/** Which fields name a key in each metadata entry (stores/stores.go: azkvkey, agekey, pgpkey, kmskey, ...). */
const KEY_FIELDS: Record<KeyType, string[]> = {
    azure_kv: ["vault_url", "name"],
    age: ["recipient"],
    pgp: ["fp"],
    kms: ["arn"],
    gcp_kms: ["resource_id"],
    hc_vault: ["vault_address", "engine_path", "key_name"],
    hckms: ["key_id"],
};

function metadataKey(type: KeyType, entry: Record<string, unknown>): SopsKey {
    switch (type) {
        case "azure_kv":
            return azureKey(
                String(entry.vault_url),
                String(entry.name),
                typeof entry.version === "string" ? entry.version : "",
            );
        case "hc_vault":
            return {
                type,
                id: `${String(entry.vault_address).toLowerCase()}/v1/${String(entry.engine_path)}/keys/${String(entry.key_name)}`,
            };
        default:
            return simpleKey(type, String(entry[KEY_FIELDS[type][0]]));
    }
}

/**
 * Reads a `sops` metadata block (stores/stores.go metadata): the MAC, the last-modified time, the version, at least
 * one key with its encrypted data key, and the encryption settings. Every missing or malformed part is a problem.
 */
export function readMetadata(sops: unknown): Metadata {
    const problems: string[] = [];
    if (!isRecord(sops)) {
        return { keys: [], settings: {}, problems: ["the sops metadata is not a mapping"] };
    }
    if (sops.mac === undefined || sops.mac === "") {
        problems.push("sops.mac is missing (SOPS writes the encrypted MAC of every value)");
    } else if (!isMac(sops.mac)) {
        problems.push("sops.mac is not a MAC SOPS wrote (ENC[AES256_GCM,...] of a SHA-512)");
    }
    const lastModified = sops.lastmodified instanceof Date ? sops.lastmodified.toISOString() : sops.lastmodified;
    if (typeof lastModified !== "string" || Number.isNaN(Date.parse(lastModified))) {
        problems.push("sops.lastmodified is missing or not a time");
    }
    if (typeof sops.version !== "string" || sops.version === "") {
        problems.push("sops.version is missing");
    }
    const keys: SopsKey[] = [];
    const groups: Record<string, unknown>[] = [sops];
    if (Array.isArray(sops.key_groups)) {
        groups.push(...sops.key_groups.filter(isRecord));
    }
    for (const group of groups) {
        for (const type of Object.keys(KEY_FIELDS) as KeyType[]) {
            const entries = group[type];
            if (entries === undefined || entries === null) {
                continue;
            }
            if (!Array.isArray(entries)) {
                problems.push(`sops.${type} is not a list`);
                continue;
            }
            entries.forEach((entry, i) => {
                const missing = isRecord(entry)
                    ? [...KEY_FIELDS[type], "enc"].filter((f) => typeof entry[f] !== "string" || entry[f] === "")
                    : ["the entry"];
                if (missing.length > 0) {
                    problems.push(
                        `sops.${type}[${i}] lacks ${missing.join(", ")} (the key and the data key encrypted to it)`,
                    );
                } else {
                    keys.push(metadataKey(type, entry as Record<string, unknown>));
                }
            });
        }
    }
    if (keys.length === 0 && !problems.some((p) => p.includes("lacks"))) {
        problems.push(
            "the sops metadata names no key (azure_kv, age, pgp, kms, gcp_kms, hc_vault or hckms): nothing could decrypt it",
        );
    }
    let settings: EncryptionSettings = {};
    try {
        settings = settingsOf(sops, "sops");
    } catch (e) {
        problems.push((e as Error).message);
    }
    return { keys, settings, problems };
}

/** The settings as one comparable line. */
export function describeSettings(settings: EncryptionSettings): string {
    const parts = SETTINGS.filter((n) => settings[n] !== undefined).map((n) => `${n}: ${settings[n]}`);
    if (settings.mac_only_encrypted) {
        parts.push("mac_only_encrypted: true");
    }
    return parts.join(", ");
}

/** Whether SOPS decides which values to encrypt from comments (which the guard does not evaluate). */
export const usesComments = (s: EncryptionSettings): boolean =>
    s.encrypted_comment_regex !== undefined || s.unencrypted_comment_regex !== undefined;

const compiled = new Map<string, RegExp>();
function cachedRegExp(source: string): RegExp {
    let re = compiled.get(source);
    if (!re) {
        re = goRegExp(source, "regex");
        compiled.set(source, re);
    }
    return re;
}

/**
 * Whether SOPS encrypts the value at `path` (the mapping keys from the document root), following Tree.shouldBeEncrypted
 * in sops.go: suffixes and regexes test every key on the path.
 */
export function mustBeEncrypted(path: string[], settings: EncryptionSettings): boolean {
    let encrypted = true;
    if (
        settings.unencrypted_suffix !== undefined &&
        path.some((k) => k.endsWith(settings.unencrypted_suffix as string))
    ) {
        encrypted = false;
    }
    if (settings.encrypted_suffix !== undefined) {
        encrypted = path.some((k) => k.endsWith(settings.encrypted_suffix as string));
    }
    if (settings.unencrypted_regex !== undefined) {
        const re = cachedRegExp(settings.unencrypted_regex);
        if (path.some((k) => re.test(k))) {
            encrypted = false;
        }
    }
    if (settings.encrypted_regex !== undefined) {
        const re = cachedRegExp(settings.encrypted_regex);
        encrypted = path.some((k) => re.test(k));
    }
    return encrypted;
}

const MAX_NODES = 1_000_000;

/**
 * The values of a document (its `sops` key aside) that SOPS would have encrypted under `settings` but that are not
 * ENC[...], as dotted paths. Empty strings and nulls stay as they are under SOPS too (aes/cipher.go, sops.go walkValue).
 * `force` names paths that must be encrypted whatever the settings say (a Secret's data and stringData).
 */
export function plainValues(
    doc: Record<string, unknown>,
    settings: EncryptionSettings | undefined,
    force: (path: string[]) => boolean = () => false,
): string[] {
    const found: string[] = [];
    let nodes = 0;
    const walk = (value: unknown, keys: string[], shown: string) => {
        if (++nodes > MAX_NODES) {
            throw new Error(`more than ${MAX_NODES} values in one document`);
        }
        if (Array.isArray(value)) {
            value.forEach((item, i) => walk(item, keys, `${shown}[${i}]`));
        } else if (isRecord(value)) {
            for (const [k, v] of Object.entries(value)) {
                if (keys.length === 0 && k === "sops") {
                    continue;
                }
                walk(v, [...keys, k], shown === "" ? k : `${shown}.${k}`);
            }
        } else if (value !== null && value !== undefined && value !== "") {
            const required =
                force(keys) || (settings !== undefined && !usesComments(settings) && mustBeEncrypted(keys, settings));
            if (required && !isEncrypted(value)) {
                found.push(looksEncrypted(value) ? `${shown} (a malformed ENC[...] value)` : shown);
            }
        }
    };
    walk(doc, [], "");
    return found;
}

// How kustomize-controller recognises a SOPS document inside a Secret's data value (secretGenerator files:):
// marker bytes per format (fluxcd/kustomize-controller internal/decryptor/decryptor.go sopsFormatToMarkerBytes).
const MARKERS: [RegExp, "json" | "dotenv" | "ini" | "yaml"][] = [
    [/"mac": "ENC\[/, "json"],
    [/sops_mac=ENC\[/, "dotenv"],
    [/\[sops\]/, "ini"],
    [/mac: ENC\[/, "yaml"],
];

export interface EmbeddedSops {
    format: "json" | "dotenv" | "ini" | "yaml";
    keys: SopsKey[];
    problems: string[];
}

/**
 * A whole SOPS-encrypted file carried as a Secret value (kustomize-controller decrypts those: DecryptResource), read
 * for the same structure as a file: metadata, and every value its settings encrypt is ENC[...]. Undefined when the
 * text carries none of SOPS's markers.
 */
export function embeddedSops(text: string): EmbeddedSops | undefined {
    const format = MARKERS.find(([marker]) => marker.test(text))?.[1];
    if (!format) {
        return undefined;
    }
    if (format === "ini") {
        return {
            format,
            keys: [],
            problems: ["a SOPS INI document, which the guard does not read: use YAML, JSON or dotenv"],
        };
    }
    if (format === "dotenv") {
        const { values, metadata } = readDotenv(text);
        const meta = readMetadata(metadata);
        const plain = Object.entries(values).filter(
            ([k, v]) => v !== "" && mustBeEncrypted([k], meta.settings) && !isEncrypted(v),
        );
        return { format, keys: meta.keys, problems: [...meta.problems, ...plain.map(([k]) => `${k} is not ENC[...]`)] };
    }
    let doc: unknown;
    try {
        doc = parseOne(text, 1);
    } catch (e) {
        return { format, keys: [], problems: [`not a readable SOPS ${format} document: ${(e as Error).message}`] };
    }
    if (!isRecord(doc)) {
        return { format, keys: [], problems: ["not a SOPS document"] };
    }
    const meta = readMetadata(doc.sops);
    return {
        format,
        keys: meta.keys,
        problems: [...meta.problems, ...plainValues(doc, meta.settings).map((p) => `${p} is not ENC[...]`)],
    };
}

/**
 * A dotenv file as SOPS writes it: KEY=VALUE lines, its metadata flattened into sops_* keys
 * (stores/flatten.go: `__map_` and `__list_<n>__` separators; stores/dotenv).
 */
export function readDotenv(text: string): {
    values: Record<string, string>;
    metadata: Record<string, unknown> | undefined;
} {
    // Without a prototype: a line `__proto__=s3cr3t` is a value to check like any other, not a no-op assignment.
    const values: Record<string, string> = Object.create(null) as Record<string, string>;
    const flat = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
        if (line.trim() === "" || line.trimStart().startsWith("#")) {
            continue;
        }
        const eq = line.indexOf("=");
        const key = (eq === -1 ? line : line.slice(0, eq)).trim();
        const value = eq === -1 ? "" : line.slice(eq + 1);
        if (key.startsWith("sops_")) {
            flat.set(key.slice("sops_".length), value);
        } else {
            values[key] = value;
        }
    }
    return { values, metadata: flat.size > 0 ? unflatten(flat) : undefined };
}

/** Sets an own property, whatever its name ("__proto__" included: no prototype is ever read or replaced). */
const define = (target: object, key: string | number, value: unknown) =>
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });

function unflatten(flat: Map<string, string>): Record<string, unknown> {
    // The sops_* names come from the file: every container is built here without a prototype and only own properties
    // are followed, so `sops___proto____map_x=...` or `sops_constructor__map_prototype__...` cannot reach
    // Object.prototype (which would change what every later check in the process sees).
    const root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [path, value] of flat) {
        // "azure_kv__list_0__map_vault_url" -> ["azure_kv", "list", "0", "map", "vault_url"]
        const parts = path.split(/__(map|list)_/);
        const tokens: (string | number)[] = [parts[0]];
        for (let i = 1; i + 1 < parts.length; i += 2) {
            tokens.push(parts[i] === "list" ? Number(parts[i + 1]) : parts[i + 1]);
        }
        let node: object = root;
        tokens.forEach((token, i) => {
            if (i === tokens.length - 1) {
                define(node, token, value);
                return;
            }
            const own = Object.getOwnPropertyDescriptor(node, token)?.value as unknown;
            // A name that is both a value and a container (sops_mac=x and sops_mac__map_y=z), which SOPS never
            // writes: the later line wins; readMetadata then reports what is malformed.
            if (typeof own === "object" && own !== null) {
                node = own;
            } else {
                const next: object = typeof tokens[i + 1] === "number" ? [] : (Object.create(null) as object);
                define(node, token, next);
                node = next;
            }
        });
    }
    return root;
}

export function describeKey(key: SopsKey): string {
    return key.type === "azure_kv" ? `Azure Key Vault key ${key.id}` : `${key.type} key ${key.id}`;
}

/** Whether a file's key is the rule's: same key; a rule's Azure key without a version accepts any version. */
export function sameKey(fileKey: SopsKey, ruleKey: SopsKey): boolean {
    if (fileKey.type !== ruleKey.type || fileKey.id !== ruleKey.id) {
        return false;
    }
    return fileKey.type !== "azure_kv" || !ruleKey.version || fileKey.version === ruleKey.version;
}
