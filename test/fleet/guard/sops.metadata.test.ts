// What the secret guard reads in a SOPS-encrypted file (fleet/guard/sops.ts), in process: the `sops` metadata block
// (getsops/sops stores/stores.go at 15e36f9: metadata, keygroup and the per-key structs with their field names), an
// encrypted value (aes/cipher.go), which values the file's settings encrypt (sops.go Tree.shouldBeEncrypted), the
// dotenv format with its metadata flattened into sops_* lines (stores/dotenv/store.go, stores/flatten.go), and a whole
// SOPS file carried as a Secret value, found by kustomize-controller's markers (fluxcd/kustomize-controller
// internal/decryptor/decryptor.go sopsFormatToMarkerBytes).
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
    describeKey,
    describeSettings,
    embeddedSops,
    isEncrypted,
    looksEncrypted,
    mustBeEncrypted,
    parseSopsConfig,
    plainValues,
    readDotenv,
    readMetadata,
    sameKey,
    SopsConfigError,
    usesComments,
} from "../../../fleet/guard/sops";
import { DEV_KEY, sopsDotenv, sopsEncrypt, sopsYaml } from "../../support/sops";

const b64 = (n: number) => randomBytes(n).toString("base64");
/** An encrypted value with SOPS's shape: `bytes` of ciphertext, a 32-byte IV, a 16-byte GCM tag. */
const enc = (bytes: number, type = "str") =>
    `ENC[AES256_GCM,data:${b64(bytes)},iv:${b64(32)},tag:${b64(16)},type:${type}]`;
/** The MAC: the 128 hex digits of a SHA-512, encrypted as a string (sops.go Tree.Encrypt). */
const MAC = enc(128);
const CREATED = "2026-07-01T09:00:00Z";
const NO_KEY =
    "the sops metadata names no key (azure_kv, age, pgp, kms, gcp_kms, hc_vault or hckms): nothing could decrypt it";
const ONLY_ONE =
    "SOPS allows only one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex, unencrypted_comment_regex, encrypted_comment_regex";

/** Metadata as SOPS writes it for one Azure Key Vault key, with `extra` over it. */
const metadata = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    azure_kv: [
        {
            vault_url: "https://kv-contoso-sops-dev.vault.azure.net",
            name: "sops-dev",
            version: "9b3e7c1d2a4f4e0f8c6b5a4d3e2f1a0b",
            created_at: CREATED,
            enc: b64(256),
        },
    ],
    lastmodified: CREATED,
    mac: MAC,
    unencrypted_suffix: "_unencrypted",
    version: "3.11.0",
    ...extra,
});

describe("fleet secret guard: SOPS-encrypted files as SOPS writes them (fleet/guard/sops.ts)", () => {
    describe("an encrypted value (aes/cipher.go)", () => {
        it("is base64 as Go's StdEncoding writes it: padded", () => {
            const value = enc(2);
            assert.ok(isEncrypted(value));
            const data = /data:([^,]+),/.exec(value)?.[1] ?? "";
            assert.match(data, /=$/);
            assert.equal(isEncrypted(value.replace(`data:${data}`, `data:${data.replace(/=+$/, "")}`)), false);
        });
        it("is the whole value, with a GCM tag of exactly 16 bytes", () => {
            const value = enc(8);
            assert.equal(isEncrypted(`password: ${value}`), false);
            assert.equal(isEncrypted(`${value}\n`), false);
            assert.equal(isEncrypted(value.replace(/tag:[^,]+,/, `tag:${b64(32)},`)), false);
        });
        it("is a string: not a number, null, or a list holding one", () => {
            assert.equal(isEncrypted(42), false);
            assert.equal(isEncrypted(null), false);
            assert.equal(isEncrypted([enc(8)]), false);
        });
        it("looksEncrypted: any string that starts as one, well-formed or not", () => {
            assert.equal(looksEncrypted("ENC[AES256_GCM,data:x]"), true);
            assert.equal(looksEncrypted(enc(8)), true);
            assert.equal(looksEncrypted("password ENC["), false);
            assert.equal(looksEncrypted("enc[x]"), false);
            assert.equal(looksEncrypted(""), false);
            assert.equal(looksEncrypted(["ENC[x]"]), false);
            assert.equal(looksEncrypted(5432), false);
        });
    });

    describe("the sops metadata block (stores/stores.go metadata)", () => {
        it("is a mapping", () => {
            for (const value of [undefined, "ENC[x]", [metadata()]]) {
                assert.deepEqual(readMetadata(value), {
                    keys: [],
                    settings: {},
                    problems: ["the sops metadata is not a mapping"],
                });
            }
        });
        it("reads every key type by SOPS's field names, in key_groups too", () => {
            const meta = readMetadata({
                kms: [
                    {
                        arn: "arn:aws:kms:us-east-1:111122223333:key/abc",
                        role: "arn:aws:iam::111122223333:role/sops",
                        created_at: CREATED,
                        enc: b64(64),
                        aws_profile: "",
                    },
                ],
                gcp_kms: [
                    {
                        resource_id: "projects/p/locations/global/keyRings/sops/cryptoKeys/k",
                        created_at: CREATED,
                        enc: b64(64),
                    },
                ],
                hckms: [{ key_id: "tr-west-1:0a1b2c3d", created_at: CREATED, enc: b64(64) }],
                azure_kv: [
                    // Without version: what SOPS < 3.11 wrote for a key URL without one is still a key.
                    {
                        vault_url: "https://KV-Prod.vault.azure.net/",
                        name: "SOPS-Prod",
                        created_at: CREATED,
                        enc: b64(64),
                    },
                ],
                hc_vault: [
                    {
                        vault_address: "https://VAULT.example.com:8200",
                        engine_path: "secret/sops",
                        key_name: "Team-Key",
                        created_at: CREATED,
                        enc: "vault:v1:abc",
                    },
                ],
                age: [
                    {
                        recipient: "age1qqqq",
                        enc: "-----BEGIN AGE ENCRYPTED FILE-----\nabc\n-----END AGE ENCRYPTED FILE-----\n",
                    },
                ],
                pgp: [
                    {
                        created_at: CREATED,
                        enc: "-----BEGIN PGP MESSAGE-----\nabc\n-----END PGP MESSAGE-----",
                        fp: "85d77543b3d624b63cea9e6dbc17301b491b3f21",
                    },
                ],
                key_groups: [
                    null,
                    { age: [{ recipient: "age1group", enc: "x" }], hc_vault: null },
                    {
                        azure_kv: [
                            { vault_url: "https://kv-dr.vault.azure.net", name: "sops-dr", version: "v2", enc: "y" },
                        ],
                    },
                ],
                lastmodified: CREATED,
                mac: MAC,
                encrypted_regex: "^(data|stringData)$",
                mac_only_encrypted: true,
                version: "3.13.2",
            });
            assert.deepEqual(meta.problems, []);
            assert.deepEqual(meta.settings, { encrypted_regex: "^(data|stringData)$", mac_only_encrypted: true });
            assert.deepEqual(meta.keys, [
                {
                    type: "azure_kv",
                    id: "https://kv-prod.vault.azure.net/keys/sops-prod",
                    vault: "https://kv-prod.vault.azure.net",
                    version: "",
                },
                { type: "age", id: "age1qqqq" },
                { type: "pgp", id: "85D77543B3D624B63CEA9E6DBC17301B491B3F21" },
                { type: "kms", id: "arn:aws:kms:us-east-1:111122223333:key/abc" },
                { type: "gcp_kms", id: "projects/p/locations/global/keyRings/sops/cryptoKeys/k" },
                { type: "hc_vault", id: "https://vault.example.com:8200/v1/secret/sops/keys/Team-Key" },
                { type: "hckms", id: "tr-west-1:0a1b2c3d" },
                { type: "age", id: "age1group" },
                {
                    type: "azure_kv",
                    id: "https://kv-dr.vault.azure.net/keys/sops-dr",
                    vault: "https://kv-dr.vault.azure.net",
                    version: "v2",
                },
            ]);
            // The same keys as the creation rule that names them.
            const [rule] = parseSopsConfig(
                "creation_rules:\n  - hc_vault_transit_uri: https://vault.example.com:8200/v1/secret/sops/keys/Team-Key\n    azure_keyvault: https://kv-prod.vault.azure.net/keys/sops-prod\n",
            );
            assert.ok(sameKey(meta.keys[5], rule.keys[1]));
            assert.ok(sameKey(meta.keys[0], rule.keys[0]));
        });
        it("key lists left null (as SOPS 3.0 to 3.5 wrote them in JSON) are no problem", () => {
            assert.deepEqual(
                readMetadata(metadata({ kms: null, gcp_kms: null, hc_vault: null, age: null, pgp: null })).problems,
                [],
            );
        });
        it("names each key entry that lacks the key or its encrypted data key", () => {
            const problems = (extra: Record<string, unknown>) => readMetadata(metadata(extra)).problems;
            assert.deepEqual(problems({ age: { recipient: "age1qqqq", enc: "x" } }), ["sops.age is not a list"]);
            assert.deepEqual(problems({ age: ["age1qqqq"] }), [
                "sops.age[0] lacks the entry (the key and the data key encrypted to it)",
            ]);
            assert.deepEqual(problems({ azure_kv: [{ name: "sops-dev", enc: "" }] }), [
                "sops.azure_kv[0] lacks vault_url, enc (the key and the data key encrypted to it)",
            ]);
            assert.deepEqual(
                problems({ hc_vault: [{ vault_address: "https://vault:8200", key_name: "k", enc: "vault:v1:x" }] }),
                ["sops.hc_vault[0] lacks engine_path (the key and the data key encrypted to it)"],
            );
        });
        it("the MAC: present, and an encrypted string of 128 hex digits", () => {
            const problems = (mac: unknown) => readMetadata(metadata({ mac })).problems;
            const missing = "sops.mac is missing (SOPS writes the encrypted MAC of every value)";
            const forged = "sops.mac is not a MAC SOPS wrote (ENC[AES256_GCM,...] of a SHA-512)";
            assert.deepEqual(problems(MAC), []);
            assert.deepEqual(problems(""), [missing]);
            assert.deepEqual(problems(undefined), [missing]);
            assert.deepEqual(problems([MAC]), [forged]);
            assert.deepEqual(problems(enc(128, "int")), [forged]);
            assert.deepEqual(problems(enc(64)), [forged]);
        });
        it("lastmodified is a time (a YAML timestamp read as a Date is one); version is a non-empty string", () => {
            const problems = (extra: Record<string, unknown>) => readMetadata(metadata(extra)).problems;
            assert.deepEqual(problems({ lastmodified: new Date(CREATED) }), []);
            assert.deepEqual(problems({ lastmodified: "yesterday" }), ["sops.lastmodified is missing or not a time"]);
            assert.deepEqual(problems({ lastmodified: 1751360400 }), ["sops.lastmodified is missing or not a time"]);
            assert.deepEqual(problems({ version: "" }), ["sops.version is missing"]);
            assert.deepEqual(problems({ version: 3.7 }), ["sops.version is missing"]);
        });
        it("no key at all is a problem of its own, next to the others", () => {
            assert.deepEqual(readMetadata({ lastmodified: CREATED, version: "3.11.0" }).problems, [
                "sops.mac is missing (SOPS writes the encrypted MAC of every value)",
                NO_KEY,
            ]);
        });
        it("settings: the default suffix when none is set, and two refused (stores.go: Cannot use more than one)", () => {
            assert.deepEqual(readMetadata(metadata({ unencrypted_suffix: undefined })).settings, {
                unencrypted_suffix: "_unencrypted",
            });
            const two = readMetadata(metadata({ encrypted_regex: "^data$" }));
            assert.deepEqual(two.problems, [`sops sets unencrypted_suffix and encrypted_regex: ${ONLY_ONE}`]);
            assert.deepEqual(two.settings, {});
        });
    });

    describe("which values must be ENC[...] (sops.go Tree.shouldBeEncrypted: every key on the path)", () => {
        it("a suffix on any key of the path: _unencrypted on a parent leaves its children, _enc on a parent encrypts them", () => {
            assert.equal(
                mustBeEncrypted(["db_unencrypted", "password"], { unencrypted_suffix: "_unencrypted" }),
                false,
            );
            assert.equal(mustBeEncrypted(["db", "password"], { unencrypted_suffix: "_unencrypted" }), true);
            assert.equal(mustBeEncrypted(["secrets_enc", "password"], { encrypted_suffix: "_enc" }), true);
            assert.equal(mustBeEncrypted(["secrets", "password"], { encrypted_suffix: "_enc" }), false);
        });
        it("a regex on any key of the path, compiled once and reused", () => {
            const settings = { unencrypted_regex: "^(public|labels)$" };
            for (let i = 0; i < 2; i++) {
                assert.equal(mustBeEncrypted(["public", "host"], settings), false);
                assert.equal(mustBeEncrypted(["private", "host"], settings), true);
            }
            assert.equal(mustBeEncrypted(["spec", "tokens", "api"], { encrypted_regex: "^tokens$" }), true);
            assert.equal(mustBeEncrypted(["spec", "api"], { encrypted_regex: "^tokens$" }), false);
        });
        it("a regex that does not compile is an error, not a guess", () => {
            assert.throws(
                () => mustBeEncrypted(["a"], { encrypted_regex: "^(tokens" }),
                (e: Error) =>
                    e instanceof SopsConfigError &&
                    e.message === "regex: Invalid regular expression: /^(tokens/: Unterminated group",
            );
        });
        it("usesComments: either comment regex (the guard does not read comments)", () => {
            assert.equal(usesComments({ encrypted_comment_regex: "sops:enc" }), true);
            assert.equal(usesComments({ unencrypted_comment_regex: "sops:plain" }), true);
            assert.equal(usesComments({ encrypted_regex: "^data$" }), false);
        });
    });

    describe("plainValues: what the settings encrypt but is not ENC[...]", () => {
        const doc = {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "db", namespace: "app" },
            stringData: {
                password: "s3cr3t",
                token: enc(16),
                empty: "",
                none: null,
                hosts: ["db-0", enc(4), { user: "app" }],
                port: 5432,
                broken: "ENC[AES256_GCM,data:aHVudGVyMg==]",
            },
            spec: { sops: "not the metadata" },
            sops: metadata(),
        };
        it("as dotted paths with list indexes; empty and null values stay as SOPS leaves them", () => {
            assert.deepEqual(plainValues(doc, { encrypted_regex: "^stringData$" }), [
                "stringData.password",
                "stringData.hosts[0]",
                "stringData.hosts[2].user",
                "stringData.port",
                "stringData.broken (a malformed ENC[...] value)",
            ]);
        });
        it("the sops key is skipped at the root only", () => {
            assert.deepEqual(
                plainValues({ kind: "Secret", spec: doc.spec, sops: doc.sops }, { unencrypted_suffix: "_unencrypted" }),
                ["kind", "spec.sops"],
            );
        });
        it("force names paths that must be ENC[...] whatever the settings (and without any)", () => {
            const secretData = (path: string[]) => path[0] === "stringData";
            assert.deepEqual(plainValues(doc, { encrypted_regex: "^nothing$" }), []);
            assert.deepEqual(plainValues(doc, { encrypted_regex: "^nothing$" }, secretData).length, 5);
            assert.deepEqual(plainValues(doc, undefined), []);
            assert.deepEqual(plainValues(doc, undefined, secretData).length, 5);
            assert.deepEqual(
                plainValues(doc, { encrypted_comment_regex: "sops:enc" }),
                [],
                "comments decide: not judged",
            );
            assert.deepEqual(plainValues(doc, { encrypted_comment_regex: "sops:enc" }, secretData).length, 5);
        });
        it("more than a million values in one document is an error, not a check that gives up (fails closed)", () => {
            // The root mapping, its list and 999999 items: 1000001 values.
            assert.throws(
                () => plainValues({ items: new Array(999_999).fill(null) }, {}),
                /^Error: more than 1000000 values in one document$/,
            );
        });
    });

    describe("describing keys and settings, and comparing a file's key with a rule's", () => {
        it("describeSettings: the one setting, then mac_only_encrypted", () => {
            assert.equal(
                describeSettings({ encrypted_regex: "^(data|stringData)$", mac_only_encrypted: true }),
                "encrypted_regex: ^(data|stringData)$, mac_only_encrypted: true",
            );
            assert.equal(describeSettings({ unencrypted_suffix: "_unencrypted" }), "unencrypted_suffix: _unencrypted");
            assert.equal(describeSettings({}), "");
        });
        it("describeKey", () => {
            assert.equal(
                describeKey({
                    type: "azure_kv",
                    id: "https://kv.vault.azure.net/keys/sops",
                    vault: "https://kv.vault.azure.net",
                    version: "",
                }),
                "Azure Key Vault key https://kv.vault.azure.net/keys/sops",
            );
            assert.equal(describeKey({ type: "age", id: "age1qqqq" }), "age key age1qqqq");
        });
        it("sameKey: same type and id; a rule's Azure key without a version takes any version, with one only that", () => {
            const azure = (version: string) => ({
                type: "azure_kv" as const,
                id: "https://kv.vault.azure.net/keys/sops",
                vault: "https://kv.vault.azure.net",
                version,
            });
            assert.equal(sameKey(azure("v2"), azure("")), true);
            assert.equal(sameKey(azure("v2"), azure("v2")), true);
            assert.equal(sameKey(azure("v2"), azure("v1")), false);
            assert.equal(sameKey({ type: "age", id: "age1a" }, { type: "age", id: "age1a" }), true);
            assert.equal(sameKey({ type: "age", id: "age1a" }, { type: "age", id: "age1b" }), false);
            assert.equal(sameKey({ type: "kms", id: "x" }, { type: "gcp_kms", id: "x" }), false);
        });
    });

    describe("a dotenv file as SOPS writes it (stores/dotenv/store.go; metadata flattened by stores/flatten.go)", () => {
        it("KEY=VALUE lines (the key trimmed), = in a value kept, comments and blank lines skipped, CRLF too; sops_* lines are the metadata", () => {
            const { values, metadata: meta } = readDotenv(
                "# database\r\nPASSWORD=ENC[x]\r\n\r\n  # indented comment\nTOKEN=abc==\nBARE\n  INDENTED=x\nsops_mac=ENC[m]\nsops_azure_kv__list_0__map_vault_url=https://kv.vault.azure.net\nsops_azure_kv__list_0__map_name=sops\nsops_key_groups__list_1__map_age__list_0__map_recipient=age1qqqq\n",
            );
            assert.deepEqual({ ...values }, { PASSWORD: "ENC[x]", TOKEN: "abc==", BARE: "", INDENTED: "x" });
            assert.deepEqual(JSON.parse(JSON.stringify(meta)), {
                mac: "ENC[m]",
                azure_kv: [{ vault_url: "https://kv.vault.azure.net", name: "sops" }],
                key_groups: [null, { age: [{ recipient: "age1qqqq" }] }],
            });
            assert.equal(readDotenv("PASSWORD=s3cr3t\n").metadata, undefined);
        });
        it("a key named __proto__ is a value like any other, and sops_ lines cannot reach Object.prototype", () => {
            const { values, metadata: meta } = readDotenv(
                "__proto__=s3cr3t\nsops___proto____map_polluted=yes\nsops_constructor__map_prototype__map_polluted=yes\nsops_x__list_0=a\nsops_x__map___proto____map_polluted=yes\nsops_mac=ENC[m]\nsops_mac__map_y=z\n",
            );
            assert.equal(({} as Record<string, unknown>).polluted, undefined);
            assert.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
            assert.deepEqual(Object.entries(values), [["__proto__", "s3cr3t"]]);
            assert.ok(meta !== undefined);
        });
        it("a SOPS dotenv file inside a Secret value: every value but the _unencrypted ones must be ENC[...]", () => {
            const file = sopsDotenv({ PASSWORD: "s3cr3t", HOST_unencrypted: "db.internal" }, DEV_KEY);
            assert.deepEqual(embeddedSops(file), {
                format: "dotenv",
                keys: [
                    {
                        type: "azure_kv",
                        id: "https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev",
                        vault: "https://kv-contoso-sops-dev.vault.azure.net",
                        version: "9b3e7c1d2a4f4e0f8c6b5a4d3e2f1a0b",
                    },
                ],
                problems: [],
            });
            assert.deepEqual(embeddedSops(`${file}EXTRA=plaintext\nEMPTY=\n__proto__=hunter2\n`)?.problems, [
                "EXTRA is not ENC[...]",
                "__proto__ is not ENC[...]",
            ]);
        });
    });

    describe("a whole SOPS file as a Secret value (kustomize-controller's markers)", () => {
        it("no marker: not SOPS", () => {
            assert.equal(embeddedSops("password: s3cr3t\nmac: none\n"), undefined);
        });
        it("YAML and JSON: the metadata and every value its settings encrypt", () => {
            const yaml = sopsYaml({ user: "app", password: "s3cr3t" }, DEV_KEY, null);
            assert.deepEqual(embeddedSops(yaml)?.problems, []);
            assert.equal(embeddedSops(yaml)?.format, "yaml");
            assert.equal(embeddedSops(yaml)?.keys[0].id, "https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev");
            assert.deepEqual(embeddedSops(`${yaml}extra: plaintext\n`)?.problems, ["extra is not ENC[...]"]);
            const json = JSON.stringify(sopsEncrypt({ user: "app" }, DEV_KEY, null), null, 2);
            assert.deepEqual(embeddedSops(json)?.problems, []);
            assert.equal(embeddedSops(json)?.format, "json");
        });
        it("INI: named, not read", () => {
            assert.deepEqual(embeddedSops(`[database]\npassword = ${enc(8)}\n\n[sops]\nmac = ${MAC}\n`), {
                format: "ini",
                keys: [],
                problems: ["a SOPS INI document, which the guard does not read: use YAML, JSON or dotenv"],
            });
        });
        it("a marker in what is not a readable mapping", () => {
            const unreadable = embeddedSops("mac: ENC[x\n  - : [\n");
            assert.equal(unreadable?.format, "yaml");
            assert.deepEqual(unreadable?.keys, []);
            assert.match(unreadable?.problems.join("\n") ?? "", /^not a readable SOPS yaml document: \S[^\n]*$/);
            assert.deepEqual(embeddedSops('[{"mac": "ENC[x"}]'), {
                format: "json",
                keys: [],
                problems: ["not a SOPS document"],
            });
        });
    });
});
