// What the secret guard knows about SOPS (fleet/guard/sops.ts), held to SOPS's own source (getsops/sops): which
// values a creation rule encrypts, what an encrypted value and the metadata look like, how .sops.yaml picks a rule. The
// legitimate ways a SOPS file reaches a Secret through kustomize, built with real kustomize, are in
// sops.kustomize.e2e.test.ts.
import * as assert from "node:assert/strict";
import { DocumentError, DocumentSplitter, parseOne } from "../../../fleet/guard/documents";
import {
    firstMatchingRule,
    isEncrypted,
    mustBeEncrypted,
    parseSopsConfig,
    readMetadata,
    SopsConfigError,
} from "../../../fleet/guard/sops";
import { DEV_KEY, sopsEncrypt } from "../../support/sops";

describe("fleet secret guard: SOPS's formats (fleet/guard/sops.ts)", () => {
    describe("a YAML stream, one document at a time (fleet/guard/documents.ts)", () => {
        const split = (text: string, chunk = text.length) => {
            const out: [number, number, unknown][] = [];
            const splitter = new DocumentSplitter((t, line, index) => out.push([index, line, parseOne(t, line)]), 64);
            for (let i = 0; i < text.length; i += chunk) {
                splitter.push(text.slice(i, i + chunk));
            }
            splitter.end();
            return out;
        };
        it("cuts at --- and ... at a line's start, with each document's first line; comments and directives go with the next document", () => {
            const text = "%YAML 1.2\n---\na: 1\n---\n---\nb: |\n  ---indented\n...\n# c\n--- c\n";
            const expected = [
                [1, 1, { a: 1 }],
                [2, 5, { b: "---indented\n" }],
                [3, 9, "c"],
            ];
            assert.deepEqual(split(text), expected);
            assert.deepEqual(split(text, 3), expected, "the same whatever the chunks");
        });
        it("CRLF line ends and a byte order mark", () => {
            assert.deepEqual(split("\uFEFFa: 1\r\n---\r\nb: 2\r\n"), [
                [1, 1, { a: 1 }],
                [2, 2, { b: 2 }],
            ]);
        });
        it("a document or a line past the limit is an error at the line the document starts, even without a newline", () => {
            assert.throws(
                () => split(`a: 1\n---\nb: ${"x".repeat(70)}\n`),
                (e: DocumentError) => e.line === 2 && /larger than/.test(e.message),
            );
            assert.throws(
                () => split("x".repeat(100), 10),
                (e: DocumentError) => e.line === 1,
            );
        });
        it("merge keys resolve as kustomize resolves them; alias bombs are refused", () => {
            assert.deepEqual(parseOne("base: &b\n  kind: Secret\n<<: *b\n", 1), {
                base: { kind: "Secret" },
                kind: "Secret",
            });
            const bomb = [
                "a: &a [x, x, x, x, x, x, x, x, x, x]",
                ..."bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`),
            ].join("\n");
            assert.throws(() => parseOne(bomb, 1), DocumentError);
        });
    });

    describe("an encrypted value is ENC[AES256_GCM,data:<b64>,iv:<32 bytes>,tag:<16 bytes>,type:<type>] (aes/cipher.go)", () => {
        it("accepts what SOPS writes", () => {
            const doc = sopsEncrypt({ stringData: { password: "s3cr3t", port: 5432 } }, DEV_KEY) as {
                stringData: Record<string, string>;
            };
            assert.ok(isEncrypted(doc.stringData.password));
            assert.match(doc.stringData.port, /,type:int\]$/);
            assert.ok(isEncrypted(doc.stringData.port));
        });
        it("refuses what only looks like it", () => {
            const iv = Buffer.alloc(32, 1).toString("base64");
            const tag = Buffer.alloc(16, 2).toString("base64");
            for (const forged of [
                "ENC[AES256_GCM,data:hunter2,iv:x,tag:y,type:str]", // not base64
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${Buffer.alloc(12).toString("base64")},tag:${tag},type:str]`, // SOPS writes a 32-byte IV
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${Buffer.alloc(8).toString("base64")},type:str]`, // and a 16-byte tag
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:secret]`, // types: str int float bytes bool time comment
                `ENC[AES256_CBC,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:str]`,
                `ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:str] and more`,
            ]) {
                assert.equal(isEncrypted(forged), false, forged);
            }
            assert.ok(
                isEncrypted(`ENC[AES256_GCM,data:aHVudGVyMg==,iv:${iv},tag:${tag},type:str]`),
                "the same shape with valid parts",
            );
        });
    });

    describe("which values a rule encrypts (sops.go Tree.shouldBeEncrypted: every key on the path is tested)", () => {
        const regex = { encrypted_regex: "^(data|stringData)$" };
        it("encrypted_regex ^(data|stringData)$: a Secret's payload, not its metadata, wherever the key sits on the path", () => {
            assert.equal(mustBeEncrypted(["stringData", "password"], regex), true);
            assert.equal(mustBeEncrypted(["data", "tls.key"], regex), true);
            assert.equal(mustBeEncrypted(["metadata", "name"], regex), false);
            assert.equal(mustBeEncrypted(["metadata", "annotations", "data"], regex), true);
            assert.equal(mustBeEncrypted(["spec", "values", "password"], regex), false);
        });
        it("no setting: SOPS's default unencrypted_suffix _unencrypted (everything else encrypted)", () => {
            const rules = parseSopsConfig("creation_rules:\n  - path_regex: x\n    age: age1qqqq\n");
            assert.deepEqual(rules[0].settings, { unencrypted_suffix: "_unencrypted" });
            assert.equal(mustBeEncrypted(["password"], rules[0].settings), true);
            assert.equal(mustBeEncrypted(["host_unencrypted"], rules[0].settings), false);
            assert.equal(mustBeEncrypted(["spec", "values", "password"], rules[0].settings), true);
        });
        it("encrypted_suffix and unencrypted_regex", () => {
            assert.equal(mustBeEncrypted(["password_enc"], { encrypted_suffix: "_enc" }), true);
            assert.equal(mustBeEncrypted(["password"], { encrypted_suffix: "_enc" }), false);
            assert.equal(
                mustBeEncrypted(["metadata", "name"], { unencrypted_regex: "^(metadata|kind|apiVersion)$" }),
                false,
            );
            assert.equal(
                mustBeEncrypted(["stringData", "x"], { unencrypted_regex: "^(metadata|kind|apiVersion)$" }),
                true,
            );
        });
    });

    describe(".sops.yaml (config/config.go)", () => {
        it("the first rule whose path_regex matches wins; a rule without path_regex matches every file", () => {
            const rules = parseSopsConfig(
                "creation_rules:\n  - path_regex: ^clusters/prod-\n    azure_keyvault: https://kv-p.vault.azure.net/keys/k\n  - azure_keyvault: https://kv-d.vault.azure.net/keys/k/abc\n",
            );
            assert.equal(firstMatchingRule(rules, "clusters/prod-x/a.enc.yaml")?.number, 1);
            assert.equal(firstMatchingRule(rules, "anything/else.yaml")?.number, 2);
            assert.deepEqual(rules[1].keys, [
                {
                    type: "azure_kv",
                    id: "https://kv-d.vault.azure.net/keys/k",
                    vault: "https://kv-d.vault.azure.net",
                    version: "abc",
                },
            ]);
        });
        it("reads keys from key_groups (azure_keyvault entries with vaultUrl and key) and comma-separated lists", () => {
            const rules = parseSopsConfig(
                "creation_rules:\n  - path_regex: a\n    key_groups:\n      - azure_keyvault:\n          - vaultUrl: https://KV-A.vault.azure.net/\n            key: sops\n        age: [age1xyz]\n  - path_regex: b\n    age: age1one, age1two\n",
            );
            assert.deepEqual(
                rules[0].keys.map((k) => `${k.type} ${k.id}`),
                ["azure_kv https://kv-a.vault.azure.net/keys/sops", "age age1xyz"],
            );
            assert.deepEqual(
                rules[1].keys.map((k) => k.id),
                ["age1one", "age1two"],
            );
        });
        it("a leading (?i) is RE2's flag syntax: it becomes a JavaScript flag", () => {
            assert.ok(
                parseSopsConfig("creation_rules:\n  - path_regex: (?i)\\.ENC\\.yaml$\n    age: a\n")[0].matches(
                    "x/db.enc.yaml",
                ),
            );
        });
        it("refuses what SOPS would refuse: two encryption settings, a regex that does not compile, an Azure key that is no key URL", () => {
            const refused = (text: string) => assert.throws(() => parseSopsConfig(text), SopsConfigError);
            refused("creation_rules:\n  - path_regex: a\n    encrypted_regex: x\n    unencrypted_suffix: y\n");
            refused("creation_rules:\n  - path_regex: (unclosed\n");
            refused("creation_rules:\n  - path_regex: a\n    azure_keyvault: https://kv.vault.azure.net/secrets/x\n");
            refused("creation_rules: {}\n");
        });
    });

    describe("the sops metadata (stores/stores.go)", () => {
        it("SOPS's own output has no problem", () => {
            assert.deepEqual(readMetadata(sopsEncrypt({ stringData: { a: "b" } }, DEV_KEY).sops).problems, []);
        });
        it("names each missing part: the MAC, the time, the version, a key's encrypted data key, any key at all", () => {
            const meta = sopsEncrypt({ stringData: { a: "b" } }, DEV_KEY).sops as Record<string, unknown>;
            const without = (field: string) => readMetadata({ ...meta, [field]: undefined }).problems;
            assert.deepEqual(without("mac"), ["sops.mac is missing (SOPS writes the encrypted MAC of every value)"]);
            assert.deepEqual(without("lastmodified"), ["sops.lastmodified is missing or not a time"]);
            assert.deepEqual(without("version"), ["sops.version is missing"]);
            assert.deepEqual(
                readMetadata({ ...meta, azure_kv: [{ vault_url: "https://kv.vault.azure.net", name: "k" }] }).problems,
                ["sops.azure_kv[0] lacks enc (the key and the data key encrypted to it)"],
            );
            assert.deepEqual(without("azure_kv"), [
                "the sops metadata names no key (azure_kv, age, pgp, kms, gcp_kms, hc_vault or hckms): nothing could decrypt it",
            ]);
            // A MAC of the wrong size: SOPS encrypts the 128 hex digits of a SHA-512.
            assert.deepEqual(
                readMetadata({ ...meta, mac: (sopsEncrypt({ x: "short" }, DEV_KEY, null) as { x: string }).x })
                    .problems,
                ["sops.mac is not a MAC SOPS wrote (ENC[AES256_GCM,...] of a SHA-512)"],
            );
        });
    });
});
