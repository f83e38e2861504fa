// Encrypts a document the way `sops --encrypt` does, for the secret guard's fixtures (no sops binary and no Key Vault
// here). Read from getsops/sops: every value the rule selects becomes ENC[AES256_GCM,data:..,iv:..,tag:..,type:..]
// with a 32-byte IV, a 16-byte tag and the value's path ("stringData:password:") as additional data (aes/cipher.go,
// sops.go Tree.Encrypt); the MAC is the uppercase hex SHA-512 of the values, encrypted with lastmodified as
// additional data; the data key is wrapped by the Azure Key Vault key (azkv: base64url of the RSA-OAEP result).
// The data key here is random and thrown away, and the "wrapped" key is random bytes: the files have SOPS's exact
// structure, which is all the guard can check, and nobody can decrypt them.
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { stringify } from "yaml";

export interface SopsFixtureKey {
    vaultUrl: string;
    name: string;
    version?: string;
}

const LAST_MODIFIED = "2026-07-01T09:00:00Z";

function encryptValue(value: string | number | boolean, key: Buffer, aad: string): string {
    const type =
        typeof value === "string"
            ? "str"
            : typeof value === "boolean"
              ? "bool"
              : Number.isInteger(value)
                ? "int"
                : "float";
    const plain = typeof value === "boolean" ? (value ? "True" : "False") : String(value);
    const iv = randomBytes(32);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(Buffer.from(aad));
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${cipher.getAuthTag().toString("base64")},type:${type}]`;
}

/**
 * `doc` with the values under keys matching `encryptedRegex` encrypted, and its sops metadata; with encryptedRegex
 * null, SOPS's default: every value except under keys ending in _unencrypted.
 */
export function sopsEncrypt(
    doc: Record<string, unknown>,
    key: SopsFixtureKey,
    encryptedRegex: string | null = "^(data|stringData)$",
): Record<string, unknown> {
    const dataKey = randomBytes(32);
    const selects = (path: string[]) =>
        encryptedRegex === null
            ? !path.some((p) => p.endsWith("_unencrypted"))
            : path.some((p) => new RegExp(encryptedRegex).test(p));
    const mac = createHash("sha512");
    const walk = (value: unknown, path: string[]): unknown => {
        if (Array.isArray(value)) {
            return value.map((v) => walk(v, path));
        }
        if (typeof value === "object" && value !== null) {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
        }
        if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
            mac.update(String(value));
            if (value !== "" && selects(path)) {
                return encryptValue(value, dataKey, `${path.join(":")}:`);
            }
        }
        return value;
    };
    const encrypted = walk(doc, []) as Record<string, unknown>;
    return {
        ...encrypted,
        sops: {
            azure_kv: [
                {
                    vault_url: key.vaultUrl,
                    name: key.name,
                    version: key.version ?? "9b3e7c1d2a4f4e0f8c6b5a4d3e2f1a0b",
                    created_at: LAST_MODIFIED,
                    enc: randomBytes(256).toString("base64url"),
                },
            ],
            lastmodified: LAST_MODIFIED,
            mac: encryptValue(mac.digest("hex").toUpperCase(), dataKey, LAST_MODIFIED),
            ...(encryptedRegex === null ? { unencrypted_suffix: "_unencrypted" } : { encrypted_regex: encryptedRegex }),
            version: "3.11.0",
        },
    };
}

/** The YAML text `sops --encrypt` would write for it. */
export const sopsYaml = (doc: Record<string, unknown>, key: SopsFixtureKey, encryptedRegex?: string | null): string =>
    stringify(sopsEncrypt(doc, key, encryptedRegex));

/** A dotenv file as `sops --encrypt` writes it: KEY=ENC[...] lines, the metadata flattened into sops_* lines (stores/flatten.go). */
export function sopsDotenv(values: Record<string, string>, key: SopsFixtureKey): string {
    const doc = sopsEncrypt(values, key, null) as Record<string, unknown> & {
        sops: Record<string, unknown> & { azure_kv: Record<string, string>[] };
    };
    const lines = Object.keys(values).map((k) => `${k}=${String(doc[k])}`);
    for (const [field, value] of Object.entries(doc.sops.azure_kv[0])) {
        lines.push(`sops_azure_kv__list_0__map_${field}=${value}`);
    }
    for (const field of ["lastmodified", "mac", "unencrypted_suffix", "version"]) {
        lines.push(`sops_${field}=${String(doc.sops[field])}`);
    }
    return `${lines.join("\n")}\n`;
}

export const DEV_KEY: SopsFixtureKey = { vaultUrl: "https://kv-contoso-sops-dev.vault.azure.net", name: "sops-dev" };
export const PROD_KEY: SopsFixtureKey = { vaultUrl: "https://kv-contoso-sops-prod.vault.azure.net", name: "sops-prod" };
