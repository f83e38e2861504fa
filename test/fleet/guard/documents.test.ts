// The secret guard reads every YAML file as kustomize would (fleet/guard/documents.ts): each document of a stream, the
// objects of every *List, aliases and merge keys resolved. Run in process on small repositories without a
// kustomization file, so no kustomize runs: the file-level check is the only one there, and it is what guards a
// directory a Flux Kustomization applies without kustomization.yaml. What kustomize does with each input was checked
// with `kubectl kustomize` (kustomize v5.5.0) and its source, cited where it matters:
//   - kubernetes-sigs/kustomize kyaml/kio/byteio_reader.go splitDocuments: a file is cut at every line starting with
//     `---` whose rest is blank or a `#` comment (`---#` included), and each piece is decoded alone (so a byte order
//     mark opening a piece is dropped, as at the start of a file);
//   - api/resource/factory.go RNodesFromBytes: any kind ending in `List` is replaced by its items, however deep;
//   - kubernetes-sigs/yaml goyaml.v3/resolve.go: only true/True/TRUE and false/False/FALSE are booleans and only
//     ""/~/null/Null/NULL are null (YAML 1.2: yes, on, y are text), `<<` is a merge key;
//   - go-yaml refuses duplicate keys ("mapping key ... already defined") and overflows on an anchor holding itself.
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
    DocumentError,
    DocumentSplitter,
    objectsOf,
    parseOne,
    readDocuments,
    readSmallFile,
} from "../../../fleet/guard/documents";
import { checkSecrets, secretsReport } from "../../../fleet/secrets";
import { DEV_KEY, sopsYaml } from "../../support/sops";

const secret = (name: string, password: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n  password: ${password}\n`;
const plaintext = (file: string, name: string, key = "stringData.password") =>
    `${file}: Secret ${name}: ${key} is not SOPS-encrypted`;

// As npm run fleet writes it (test/fixtures/fleet-guard/base/.sops.yaml, dev's rule): apps/app/overlays/dev is dev's.
const SOPS_CONFIG = `creation_rules:
  - path_regex: (^|/)(clusters/dev-[^/]+|apps/[^/]+/overlays/dev)/.*\\.enc\\.ya?ml$
    encrypted_regex: ^(data|stringData)$
    azure_keyvault: https://kv-contoso-sops-dev.vault.azure.net/keys/sops-dev
`;

describe("fleet secret guard: YAML streams as kustomize reads them (fleet/guard/documents.ts)", () => {
    const made: string[] = [];
    after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
    const repo = (files: Record<string, string>): string => {
        const dir = mkdtempSync(join(tmpdir(), "guard-documents-"));
        made.push(dir);
        for (const [path, text] of Object.entries(files)) {
            mkdirSync(dirname(join(dir, path)), { recursive: true });
            writeFileSync(join(dir, path), text);
        }
        return dir;
    };
    const guard = async (files: Record<string, string>) => {
        const result = await checkSecrets(repo(files));
        return {
            findings: result.findings.map((f) => `${f.file}: ${f.reason}`),
            errors: result.errors.map((f) => `${f.file}: ${f.reason}`),
            documents: result.counts.documents,
        };
    };

    describe("a stream of documents", () => {
        it("reads every document: `---` with or without a comment, a comment-only document, `...` end markers, a trailing `---`", async () => {
            const stream = [
                // One line holding a %: not a directive, so the `---` after it still starts a new document.
                "{apiVersion: v1, kind: ConfigMap, metadata: {name: ratios}, data: {cpu: 50%}}",
                "--- # the second document",
                "# a document that is only a comment",
                "---",
                secret("first", "hunter2"),
                "...",
                "---",
                secret("second", "correct-horse"),
                "---",
                "",
            ].join("\n");
            assert.deepEqual(await guard({ "apps/app/stream.yaml": stream }), {
                findings: [plaintext("apps/app/stream.yaml", "first"), plaintext("apps/app/stream.yaml", "second")],
                errors: [],
                documents: 3,
            });
        });

        it("an encrypted Secret passes, the plaintext one beside it in the same stream is reported", async () => {
            const encrypted = sopsYaml(
                { apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, stringData: { password: "s3cr3t" } },
                DEV_KEY,
            );
            const result = await guard({
                ".sops.yaml": SOPS_CONFIG,
                "apps/app/overlays/dev/secrets.yaml": `${encrypted}---\n${secret("forgotten", "hunter2")}`,
            });
            assert.deepEqual(result, {
                findings: [plaintext("apps/app/overlays/dev/secrets.yaml", "forgotten")],
                errors: [],
                documents: 2,
            });
            const alone = await secretsReport(
                repo({ ".sops.yaml": SOPS_CONFIG, "apps/app/overlays/dev/db.enc.yaml": encrypted }),
                "fleet",
            );
            assert.equal(alone.code, 0, alone.text);
        });

        it("`---#`, or `---` and Unicode spaces, separate documents to kustomize: the Secret after one is a Secret", async () => {
            const json = (name: string) =>
                `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"${name}"},"stringData":{"password":"hunter2"}}`;
            // Each line is a separator to kustomize (rest trimmed of Go's spaces: empty or a comment) but not to YAML
            // 1.2 (no space or tab after ---), which would read the JSON below it as the text of a plain scalar.
            const separators: Record<string, string> = {
                hash: "---#",
                nbsp: "---\u00a0",
                ideographic: "---\u3000# note",
                vt: "---\v",
            };
            const files = Object.fromEntries(
                Object.entries(separators).map(([name, line]) => [
                    `apps/app/${name}.yaml`,
                    `# header\n${line}\n${json(name)}\n`,
                ]),
            );
            files["apps/app/yaml.yaml"] = `# header\n---#note\n${secret("after-comment", "hunter2")}`;
            assert.deepEqual(await guard(files), {
                findings: [
                    plaintext("apps/app/hash.yaml", "hash"),
                    plaintext("apps/app/ideographic.yaml", "ideographic"),
                    plaintext("apps/app/nbsp.yaml", "nbsp"),
                    plaintext("apps/app/vt.yaml", "vt"),
                    plaintext("apps/app/yaml.yaml", "after-comment"),
                ],
                errors: [],
                documents: 5,
            });
        });

        it("lines break where go-yaml breaks them (CR, NEL, LS, PS too): a Secret behind a `#` comment and one is read", async () => {
            const breaks: Record<string, string> = { cr: "\r", nel: "\u0085", ls: "\u2028", ps: "\u2029" };
            const files = Object.fromEntries(
                Object.entries(breaks).map(([name, br]) => [
                    `apps/app/${name}.yaml`,
                    `# note${br}${secret(name, "hunter2").trimEnd().split("\n").join(br)}\n`,
                ]),
            );
            assert.deepEqual(await guard(files), {
                findings: ["cr", "ls", "nel", "ps"].map((name) => plaintext(`apps/app/${name}.yaml`, name)),
                errors: [],
                documents: 4,
            });
            // A .sops.yaml too (SOPS reads it with go-yaml v3): the rule after the comment is a rule.
            assert.deepEqual(parseOne("creation_rules:\n# note\u2028  - age: age1key\n", 1), {
                creation_rules: [{ age: "age1key" }],
            });
        });

        it("a byte order mark opening the file or a document is dropped, with LF or CRLF line ends", async () => {
            const configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
            const bomFirst = "kind: Secret\napiVersion: v1\nmetadata:\n  name: bom\nstringData:\n  password: hunter2\n";
            const lf = `\uFEFF${configMap}---\n\uFEFF${bomFirst}`;
            assert.deepEqual(await guard({ "apps/app/lf.yaml": lf, "apps/app/crlf.yaml": lf.replace(/\n/g, "\r\n") }), {
                findings: [plaintext("apps/app/crlf.yaml", "bom"), plaintext("apps/app/lf.yaml", "bom")],
                errors: [],
                documents: 4,
            });
        });

        it("a mark inside a document stays, as go-yaml leaves it (the key is not `kind`: kustomize finds no kind there)", () => {
            const out: unknown[] = [];
            const splitter = new DocumentSplitter((text, line) => out.push(parseOne(text, line)));
            splitter.push("a: 1\n\uFEFFb: 2\n");
            splitter.end();
            assert.deepEqual(out, [{ a: 1, "\uFEFFb": 2 }]);
        });

        it("each document's first line and index, whatever the chunks the stream arrives in", () => {
            // CRLF and a lone CR among the LFs: a chunk may end between CR and LF.
            const text = "# about a\r\n---\r\na: 1\n---\n\n# about b\rb: 2\n...\n--- #c\nc: 3";
            const expected = [
                [1, 1, { a: 1 }],
                [2, 4, { b: 2 }],
                [3, 9, { c: 3 }],
            ];
            for (const size of [text.length, 1, 2, 7]) {
                const out: unknown[] = [];
                const splitter = new DocumentSplitter((t, line, index) => out.push([index, line, parseOne(t, line)]));
                for (let i = 0; i < text.length; i += size) {
                    splitter.push(text.slice(i, i + size));
                }
                splitter.end();
                assert.deepEqual(out, expected, `chunks of ${size}`);
            }
        });
    });

    describe("lists, aliases, merge keys and JSON", () => {
        it("a List, any *List, and lists nested however deep are read as their items", async () => {
            let deep = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"deep"},"stringData":{"password":"hunter2"}}`;
            for (let i = 0; i < 8; i++) {
                deep = `{"apiVersion":"v1","kind":"List","items":[${deep}]}`;
            }
            const list = (kind: string, name: string) =>
                `apiVersion: v1\nkind: ${kind}\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: settings\n` +
                `- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: ${name}\n  stringData:\n    password: hunter2\n`;
            assert.deepEqual(
                await guard({
                    "apps/app/list.yaml": list("List", "in-list"),
                    "apps/app/secret-list.yaml": list("SecretList", "in-secret-list"),
                    "apps/app/deep.yaml": `${deep}\n`,
                    "apps/app/empty-lists.yaml":
                        "apiVersion: v1\nkind: List\n---\napiVersion: v1\nkind: List\nitems: []\n",
                }),
                {
                    findings: [
                        plaintext("apps/app/deep.yaml", "deep"),
                        plaintext("apps/app/list.yaml", "in-list"),
                        plaintext("apps/app/secret-list.yaml", "in-secret-list"),
                    ],
                    errors: [],
                    documents: 5,
                },
            );
            assert.deepEqual(objectsOf("a string document"), []);
            assert.deepEqual(objectsOf(null), []);
            assert.deepEqual(
                objectsOf([{ kind: "Secret" }]),
                [],
                "a top-level sequence is no object (kustomize refuses it)",
            );
        });

        it("values from an alias or a `<<:` merge key are the Secret's own, and so is a kind from a merge", async () => {
            const result = await guard({
                "apps/app/merge.yaml":
                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: merged\n  labels: &plain\n    tier: hunter2\nstringData:\n  <<: *plain\n",
                "apps/app/merge-list.yaml":
                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: merged-list\n  labels: &a\n    user: admin\n  annotations: &b\n    note: hunter2\nstringData:\n  <<: [*a, *b]\n",
                "apps/app/alias.yaml":
                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: aliased\n  labels: &plain\n    tier: hunter2\nstringData: *plain\n",
                "apps/app/kind.yaml":
                    "base: &object\n  apiVersion: v1\n  kind: Secret\n<<: *object\nmetadata:\n  name: kind-by-merge\nstringData:\n  password: hunter2\n",
            });
            assert.deepEqual(result, {
                findings: [
                    plaintext("apps/app/alias.yaml", "aliased", "stringData.tier"),
                    plaintext("apps/app/kind.yaml", "kind-by-merge"),
                    plaintext("apps/app/merge-list.yaml", "merged-list", "stringData.note"),
                    plaintext("apps/app/merge-list.yaml", "merged-list", "stringData.user"),
                    plaintext("apps/app/merge.yaml", "merged", "stringData.tier"),
                ],
                errors: [],
                documents: 4,
            });
        });

        it("a merge key adding a clear value to an encrypted Secret is reported", async () => {
            const encrypted = sopsYaml(
                {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "db", labels: { tier: "hunter2" } },
                    stringData: { password: "s3cr3t" },
                },
                DEV_KEY,
            )
                .replace("labels:\n", "labels: &extra\n")
                .replace("stringData:\n", "stringData:\n  <<: *extra\n");
            const { findings, errors } = await guard({
                ".sops.yaml": SOPS_CONFIG,
                "apps/app/overlays/dev/db.enc.yaml": encrypted,
            });
            assert.deepEqual(errors, []);
            assert.deepEqual(findings, [
                "apps/app/overlays/dev/db.enc.yaml: Secret db: stringData.tier is not ENC[...] although the object is SOPS-encrypted (edited in clear after encryption, or added by a patch?)",
            ]);
        });

        it("an alias bomb and an anchor holding itself are refused (exit 2, naming the file and line)", async () => {
            const bomb = [
                "apiVersion: v1",
                "kind: ConfigMap",
                "a: &a [x, x, x, x, x, x, x, x, x, x]",
                ..."bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`),
            ].join("\n");
            const report = await secretsReport(
                repo({
                    "apps/app/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
                    "apps/app/bomb.yaml": `${bomb}\n`,
                    "apps/app/loop.yaml": "apiVersion: v1\nkind: ConfigMap\n---\n&a {kind: List, items: [*a]}\n",
                }),
                "fleet",
            );
            assert.equal(report.code, 2, report.text);
            assert.equal(
                report.text,
                "the secret guard could not check fleet (exit 2: fix these, nothing was passed):\n" +
                    "  apps/app/bomb.yaml:1: Excessive alias count indicates a resource exhaustion attack\n" +
                    "  apps/app/loop.yaml:3: a YAML anchor holds an alias to itself (kustomize cannot build that)\n",
            );
        });

        it("duplicate keys are refused with file, line and column, in YAML and JSON", async () => {
            const { findings, errors } = await guard({
                "apps/app/dup.yaml":
                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: dup\nstringData:\n  password: ENC[AES256_GCM,data:x]\n  password: hunter2\n",
                "apps/app/dup.json": '{"apiVersion": "v1", "kind": "Secret",\n "kind": "ConfigMap"}\n',
            });
            assert.deepEqual(findings, []);
            assert.deepEqual(errors, [
                "apps/app/dup.json:2:2: Map keys must be unique",
                "apps/app/dup.yaml:7:3: Map keys must be unique",
            ]);
        });

        it("JSON is YAML: a .json Secret, its kind spelled with an escape, data base64 and stringData both read", async () => {
            const json = `{"apiVersion": "v1", "kind": "Secr\\u0065t", "metadata": {"name": "api"},
  "data": {"token": "${Buffer.from("hunter2").toString("base64")}", "empty": ""},
  "stringData": {"password": "hunter2", "unset": null}}\n`;
            assert.deepEqual(await guard({ "apps/app/api.json": json }), {
                findings: [
                    plaintext("apps/app/api.json", "api", "data.token"),
                    plaintext("apps/app/api.json", "api", "stringData.password"),
                ],
                errors: [],
                documents: 1,
            });
        });
    });

    describe("YAML 1.2 scalars, as go-yaml v3 resolves them", () => {
        it("yes, on, y, 0777, 1_000 and a date are values in clear; true, false, ~, null and empty are not secrets", async () => {
            const values = ["yes", "on", "y", "0777", "1_000", "2001-12-14", "true", "FALSE", "~", "null", "''"];
            const stringData = values.map((v, i) => `  k${i}: ${v}\n`).join("");
            const helmValues = values.map((v, i) => `      password${i}: ${v}\n`).join("");
            const { findings, errors } = await guard({
                "apps/app/secret.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: scalars\nstringData:\n${stringData}`,
                "apps/app/release.yaml":
                    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: chart\n" +
                    `spec:\n  values:\n    auth:\n${helmValues}`,
            });
            assert.deepEqual(errors, []);
            // In a Secret every value must be ENC[...] (a boolean too: the API server wants strings); in HelmRelease
            // values text and numbers under a credential name are credentials, booleans and nothing are not.
            assert.deepEqual(
                findings.filter((f) => f.startsWith("apps/app/secret.yaml")),
                ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"].map((k) =>
                    plaintext("apps/app/secret.yaml", "scalars", `stringData.${k}`),
                ),
            );
            assert.deepEqual(
                findings
                    .filter((f) => f.startsWith("apps/app/release.yaml"))
                    .map((f) => /spec\.values\.(\S+) looks like a credential in clear:/.exec(f)?.[1]),
                [
                    "auth.password0",
                    "auth.password1",
                    "auth.password2",
                    "auth.password3",
                    "auth.password4",
                    "auth.password5",
                ],
            );
        });
    });

    describe("bounded memory: a document past the limit is an error, never skipped", () => {
        const LIMIT = 64 * 1024; // 0.0625 MiB
        const split = (text: string, limit = LIMIT) => {
            const out: unknown[] = [];
            const splitter = new DocumentSplitter((_text, line, index) => out.push([index, line]), limit);
            splitter.push(text);
            splitter.end();
            return out;
        };
        const tooLarge = (line: number) => (e: unknown) =>
            e instanceof DocumentError &&
            e.line === line &&
            e.message ===
                "a YAML document starting here is larger than 0.0625 MiB (no Kubernetes object is that large; split it or move it out of the repository)";

        it("a document of exactly the limit passes (newlines counted); one character more is refused at its first line", () => {
            // The second document: `---\n` (4 characters) and `k: ` (3), x's, a newline: LIMIT characters in all.
            assert.deepEqual(split(`a: 1\n---\nk: ${"x".repeat(LIMIT - 8)}\n`), [
                [1, 1],
                [2, 2],
            ]);
            assert.throws(() => split(`a: 1\n---\nk: ${"x".repeat(LIMIT - 7)}\n`), tooLarge(2));
        });

        it("a line past the limit is refused as it arrives, before its end", () => {
            const splitter = new DocumentSplitter(() => undefined, LIMIT);
            splitter.push("a: 1\n---\n");
            assert.throws(() => splitter.push(`k: ${"x".repeat(LIMIT)}`), tooLarge(2));
        });

        it("readDocuments: a file's documents with their lines; a too-large one is an error naming where it starts", () => {
            const dir = repo({
                "ok.yaml": "a: 1\n---\nb: 2\n",
                "large.yaml": `a: 1\n---\n# big\nk: ${"x".repeat(LIMIT)}\n`,
            });
            const seen: unknown[] = [];
            readDocuments(join(dir, "ok.yaml"), (d) => seen.push(d), LIMIT);
            assert.deepEqual(seen, [
                { index: 1, line: 1, value: { a: 1 } },
                { index: 2, line: 2, value: { b: 2 } },
            ]);
            assert.throws(() => readDocuments(join(dir, "large.yaml"), () => undefined, LIMIT), tooLarge(2));
            try {
                readDocuments(join(dir, "large.yaml"), () => undefined, LIMIT);
            } catch (e) {
                assert.equal((e as DocumentError).where("large.yaml"), "large.yaml:2");
            }
        });

        it("readSmallFile (a .sops.yaml, a dotenv file): its text up to the limit, an error past it", () => {
            const dir = repo({ "exact.env": "x".repeat(LIMIT), "over.env": "é".repeat(LIMIT / 2) + "x" });
            assert.equal(readSmallFile(join(dir, "exact.env"), LIMIT).length, LIMIT);
            assert.throws(
                () => readSmallFile(join(dir, "over.env"), LIMIT),
                (e: unknown) => e instanceof DocumentError && e.line === 1 && e.message === "larger than 0.0625 MiB",
            );
        });
    });

    describe("the splitter's edges", () => {
        const split = (...chunks: string[]) => {
            const out: unknown[] = [];
            const splitter = new DocumentSplitter((text, line, index) => out.push([index, line, parseOne(text, line)]));
            chunks.forEach((c) => splitter.push(c));
            splitter.end();
            return out;
        };

        it("old Mac line ends (CR only) to the very end: the last value has no CR, in one chunk or with the CR alone", () => {
            const expected = [[1, 1, { apiVersion: "v1", kind: "Secret" }]];
            assert.deepEqual(split("apiVersion: v1\rkind: Secret\r"), expected);
            assert.deepEqual(split("apiVersion: v1\rkind: Secret", "\r"), expected);
        });

        it("blank lines and indented comments before `---` belong to the document it starts (its first line)", () => {
            assert.deepEqual(split("\n  # about a\n---\na: 1\n"), [[1, 1, { a: 1 }]]);
            assert.deepEqual(split("a: 1\n...\n\n    # about b\n---\nb: 2\n"), [
                [1, 1, { a: 1 }],
                [2, 3, { b: 2 }],
            ]);
        });

        it("a comment-only piece is no document, whatever its comments look like", () => {
            assert.deepEqual(split("a: 1\n---\n#no-space-after-the-hash\n##\n---\nb: 2\n"), [
                [1, 1, { a: 1 }],
                [2, 5, { b: 2 }],
            ]);
        });

        it("a byte order mark before kustomize's `---#` opening the file: the Secret after it is read", () => {
            assert.deepEqual(split('\uFEFF---#\n{"apiVersion": "v1", "kind": "Secret"}\n'), [
                [1, 1, { apiVersion: "v1", kind: "Secret" }],
            ]);
        });

        it("a too-large document is refused even when another document follows it in the same chunk", () => {
            const LIMIT = 64 * 1024;
            const splitter = new DocumentSplitter(() => undefined, LIMIT);
            assert.throws(
                () => splitter.push(`a: 1\n---\nk: ${"x".repeat(LIMIT)}\n---\nb: 2\n`),
                (e: unknown) =>
                    e instanceof DocumentError &&
                    e.name === "DocumentError" &&
                    e.line === 2 &&
                    e.message.startsWith("a YAML document starting here is larger than 0.0625 MiB"),
            );
        });
    });

    describe("errors and files", () => {
        it("a syntax error past line 9 and column 9: the message without yaml's position, line and column in the file", () => {
            const text = `apiVersion: v1\nkind: ConfigMap\n${"# note\n".repeat(8)}metadata:\n  name: x\n  labels: {app: a, app: b}\n`;
            assert.throws(
                () => parseOne(text, 5),
                (e: unknown) =>
                    e instanceof DocumentError &&
                    e.message === "Map keys must be unique" &&
                    e.where("apps/app/config.yaml") === "apps/app/config.yaml:17:20",
            );
        });

        it("a file cut inside a UTF-8 character: the broken character is read as U+FFFD, not dropped", () => {
            const dir = repo({});
            const path = join(dir, "cut.yaml");
            writeFileSync(path, Buffer.concat([Buffer.from("name: caf"), Buffer.from("é").subarray(0, 1)]));
            const seen: unknown[] = [];
            readDocuments(path, (d) => seen.push(d.value));
            assert.deepEqual(seen, [{ name: "caf\uFFFD" }]);
        });

        it("readDocuments and readSmallFile close the file, also when they refuse it", () => {
            const LIMIT = 64 * 1024;
            const dir = repo({ "ok.yaml": "a: 1\n", "large.yaml": `k: ${"x".repeat(LIMIT)}\n` });
            const open = () => readdirSync("/proc/self/fd").length;
            const before = open();
            for (let i = 0; i < 5; i++) {
                readDocuments(join(dir, "ok.yaml"), () => undefined, LIMIT);
                readSmallFile(join(dir, "ok.yaml"), LIMIT);
                assert.throws(() => readDocuments(join(dir, "large.yaml"), () => undefined, LIMIT), DocumentError);
                assert.throws(() => readSmallFile(join(dir, "large.yaml"), LIMIT), DocumentError);
            }
            assert.equal(open(), before);
        });

        it("objectsOf: an object without a kind, or of a kind not ending in List, is itself, items or not", () => {
            const noKind = { apiVersion: "v1", items: [{ kind: "Secret" }] };
            const pipeline = { apiVersion: "tekton.dev/v1", kind: "Pipeline", items: [{ kind: "Secret" }] };
            const numbered = { kind: 42, items: [{ kind: "Secret" }] };
            assert.deepEqual(objectsOf(noKind), [noKind]);
            assert.deepEqual(objectsOf(pipeline), [pipeline]);
            assert.deepEqual(objectsOf(numbered), [numbered]);
        });
    });
});
