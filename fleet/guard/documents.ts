// Reading YAML streams (files of the fleet repo, `kustomize build` output) one document at a time, so that a file of
// any size is read in bounded memory: at most one document (MAX_DOCUMENT_BYTES) is held and parsed at once.
//
// Documents are split at the YAML document markers, `---` or `...` at the start of a line. A marker line cannot occur
// inside any node (YAML 1.2.2 §9.1.3, "c-forbidden": a line starting with a marker ends the document even inside a
// block scalar or a quoted string), so splitting on them cuts exactly where a YAML parser would. The lines and the
// markers are the ones kustomize sees, which are not quite YAML 1.2's:
//   - kustomize cuts a file itself before parsing (kubernetes-sigs/kustomize kyaml/kio/byteio_reader.go
//     splitDocuments): at every line starting with `---` whose rest, trimmed of Go's Unicode spaces
//     (strings.TrimSpace), is empty or a `#` comment, so `---#x` and `---` followed by a no-break space start a
//     document too, though YAML alone would read a plain scalar there;
//   - it decodes each piece alone, and go-yaml drops a byte order mark at the start of its input, so a mark opening a
//     piece is dropped as one opening the file;
//   - go-yaml (a libyaml port, YAML 1.1) breaks lines at CR, LF, NEL, LS and PS (kubernetes-sigs/yaml
//     goyaml.v3/yamlprivateh.go is_break), where YAML 1.2 breaks at CR and LF only: `# note<LS>kind: Secret` is a
//     comment to YAML 1.2 and a Secret to kustomize.
// (Each checked with `kubectl kustomize`, kustomize v5.5.0: a plaintext Secret behind any of them comes out as one.)
// Each piece is then parsed by the `yaml` package, with YAML 1.1 merge keys (`<<`) on, because kustomize's kyaml
// resolves them: a `kind: Secret` supplied through a merge key is a Secret to kustomize
// (test/fixtures/fleet-guard/merge-key).
import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { parseDocument } from "yaml";

/**
 * The largest document the guard parses. No Kubernetes object is near it: the API server stores objects of at most
 * ~1.5 MiB (etcd's default request limit) and a Secret holds at most 1 MiB (kubernetes.io/docs/concepts/configuration/secret/,
 * "Individual Secrets are limited to 1MiB in size"); kustomize-controller refuses to decrypt a file over 5 MiB
 * (fluxcd/kustomize-controller internal/decryptor/decryptor.go, maxEncryptedFileSize = 5 << 20). A larger document is
 * an error (exit 2), not a document skipped.
 */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/** A document that could not be read: where (1-based line in the file or stream) and why. */
export class DocumentError extends Error {
    constructor(
        message: string,
        readonly line: number,
        readonly column?: number,
    ) {
        super(message);
        this.name = "DocumentError";
    }

    /** `path:line[:column]` */
    where(path: string): string {
        return `${path}:${this.line}${this.column !== undefined ? `:${this.column}` : ""}`;
    }
}

/** One parsed document: its 1-based index in the stream, its first line, and its value (plain JS, null when empty). */
export interface ParsedDocument {
    index: number;
    line: number;
    value: unknown;
}

// Go's unicode.IsSpace (what strings.TrimSpace trims; golang/go src/bufio/scan.go isSpace lists the same runes).
const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** kustomize's separator line: `---`, then only spaces, or spaces and a comment. */
const KUSTOMIZE_SEPARATOR = new RegExp(`^---[${GO_SPACE}]*(#[^]*)?$`);
/** YAML's marker with content after it (`--- !!map`, `--- text`): kustomize refuses such a line, YAML reads it. */
const DOCUMENT_START = /^---[ \t]/;
const DOCUMENT_END = /^\.\.\.(?:[ \t\r]|$)/;
/** The line breaks go-yaml reads besides LF: CRLF, CR, NEL, LS, PS (each read as an LF here). */
const OTHER_BREAK = /\r\n?|[\u0085\u2028\u2029]/g;

/**
 * Cuts a stream of text into documents. push() chunks as they arrive; every complete document goes to `emit` with the
 * line it starts on. Throws a DocumentError when one document (or one line) grows past the limit.
 */
export class DocumentSplitter {
    private partial = "";
    private lines: string[] = [];
    private bytes = 0;
    private line = 0;
    private start = 1;
    private count = 0;

    constructor(
        private readonly emit: (text: string, line: number, index: number) => void,
        private readonly limit = MAX_DOCUMENT_BYTES,
    ) {}

    push(chunk: string): void {
        const joined = this.partial + chunk;
        // A CR ending the chunk may be the first half of a CRLF: it waits for the next chunk (or the end).
        const held = joined.endsWith("\r") ? "\r" : "";
        const text = (held ? joined.slice(0, -1) : joined).replace(OTHER_BREAK, "\n");
        let from = 0;
        for (let nl = text.indexOf("\n", from); nl !== -1; nl = text.indexOf("\n", from)) {
            this.takeLine(text.slice(from, nl));
            from = nl + 1;
        }
        this.partial = text.slice(from) + held;
        if (this.bytes + this.partial.length > this.limit) {
            throw this.tooLarge();
        }
    }

    end(): void {
        if (this.partial !== "") {
            this.takeLine(this.partial);
            this.partial = "";
        }
        this.flush();
    }

    /** Whether the piece being collected has a `---` or content yet (comments and %directives before `---` do not). */
    private started = false;
    /** Whether the previous line was a `---`: the next opens one of kustomize's pieces. */
    private afterStart = false;

    private takeLine(raw: string): void {
        let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw; // a CR ending the stream
        this.line++;
        // A UTF-8 byte order mark opening the file or a piece: kustomize decodes each piece alone, and go-yaml drops a
        // mark at the start of its input, so `---` then `\uFEFFkind: Secret` is a Secret to kustomize
        // (kubectl kustomize, kustomize v5.5.0). Elsewhere the mark stays, as go-yaml leaves it (kind missing: no build).
        if ((this.line === 1 || this.afterStart) && line.charCodeAt(0) === 0xfeff) {
            line = line.slice(1);
        }
        const separator = KUSTOMIZE_SEPARATOR.exec(line);
        this.afterStart = separator !== null || DOCUMENT_START.test(line);
        if (this.afterStart) {
            // Comments and directives (%YAML 1.2) before a `---` belong to the document it starts.
            if (this.started) {
                this.flush();
                this.start = this.line;
            }
            this.started = true;
            // kustomize's separator as the marker YAML reads (a blank after `---`), its comment kept as a comment.
            this.add(separator ? `---${separator[1] ? ` ${separator[1]}` : ""}` : line);
        } else if (DOCUMENT_END.test(line)) {
            this.flush();
        } else {
            if (!/^\s*(#|$)|^%/.test(line)) {
                this.started = true;
            }
            this.add(line);
        }
    }

    private add(line: string): void {
        this.lines.push(line);
        this.bytes += line.length + 1;
        if (this.bytes > this.limit) {
            throw this.tooLarge();
        }
    }

    private tooLarge(): DocumentError {
        return new DocumentError(
            `a YAML document starting here is larger than ${this.limit / (1024 * 1024)} MiB (no Kubernetes object is that large; split it or move it out of the repository)`,
            this.start,
        );
    }

    private flush(): void {
        this.started = false;
        if (this.lines.length > 0) {
            const text = this.lines.join("\n");
            this.lines = [];
            this.bytes = 0;
            // A piece holding only comments or blank lines is no document (a leading comment block, a trailing `---`).
            if (/^[ \t\r]*[^ \t\r#\n]/m.test(text.replace(/^---/, ""))) {
                this.emit(text, this.start, ++this.count);
            }
        }
        this.start = this.line + 1;
    }
}

/**
 * Parses one document's text. Syntax errors (duplicate keys included, which kustomize's YAML library also refuses),
 * alias bombs (more than 100 alias expansions) and an anchor holding an alias to itself are DocumentErrors with the
 * line in the whole file.
 */
export function parseOne(text: string, line: number): unknown {
    // Lines broken where go-yaml breaks them (see above): the splitter's documents already are, a .sops.yaml (which
    // SOPS reads with go-yaml v3) is here.
    const lines = text.replace(OTHER_BREAK, "\n");
    const doc = parseDocument(lines, { merge: true, uniqueKeys: true, prettyErrors: true });
    const error = doc.errors[0];
    if (error) {
        const at = line - 1 + (error.linePos?.[0].line ?? 1);
        const column = error.linePos?.[0].col;
        throw new DocumentError(error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""), at, column);
    }
    try {
        const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
        // `yaml` builds `&a {items: [*a]}` as a value that contains itself; kustomize cannot read it at all (kubectl
        // kustomize, kustomize v5.5.0: its goroutine stack overflows), and every walk of it here would run forever.
        if (containsItself(value)) {
            throw new Error("a YAML anchor holds an alias to itself (kustomize cannot build that)");
        }
        return value;
    } catch (e) {
        throw new DocumentError((e as Error).message, line);
    }
}

/**
 * Whether a value reaches itself. A depth-first walk that goes below each object once: an alias shares its object
 * (`*a` a thousand times is one object met a thousand times, which is fine); meeting an object again while still
 * below it is a cycle.
 */
function containsItself(root: unknown): boolean {
    const below = new Set<object>();
    const done = new Set<object>();
    const walk = (value: unknown): boolean => {
        if (typeof value !== "object" || value === null || done.has(value)) {
            return false;
        }
        if (below.has(value)) {
            return true;
        }
        below.add(value);
        const found = Object.values(value).some(walk);
        below.delete(value);
        done.add(value);
        return found;
    };
    return walk(root);
}

/** Reads a file chunk by chunk and hands each parsed document to `visit`; stops at the first DocumentError (thrown). */
export function readDocuments(path: string, visit: (doc: ParsedDocument) => void, limit = MAX_DOCUMENT_BYTES): void {
    const splitter = new DocumentSplitter(
        (text, line, index) => visit({ index, line, value: parseOne(text, line) }),
        limit,
    );
    const fd = openSync(path, "r");
    try {
        const buffer = Buffer.alloc(1024 * 1024);
        const decoder = new StringDecoder("utf8");
        for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
            splitter.push(decoder.write(buffer.subarray(0, n)));
        }
        splitter.push(decoder.end());
        splitter.end();
    } finally {
        closeSync(fd);
    }
}

/** Reads a whole small file (a .sops.yaml, a dotenv file) with a size limit. */
export function readSmallFile(path: string, limit = MAX_DOCUMENT_BYTES): string {
    const fd = openSync(path, "r");
    try {
        const chunks: Buffer[] = [];
        let total = 0;
        const buffer = Buffer.alloc(64 * 1024);
        for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
            total += n;
            if (total > limit) {
                throw new DocumentError(`larger than ${limit / (1024 * 1024)} MiB`, 1);
            }
            chunks.push(Buffer.from(buffer.subarray(0, n)));
        }
        return Buffer.concat(chunks).toString("utf8");
    } finally {
        closeSync(fd);
    }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * The objects a document holds: itself, or the items of a list. kustomize reads any kind ending in `List` with an
 * `items` array as its items, lists inside lists too, however deep (kubernetes-sigs/kustomize api/resource/factory.go
 * RNodesFromBytes: `strings.HasSuffix(kind, "List")`, its items queued and unwrapped again; `kubectl kustomize`,
 * kustomize v5.5: a `kind: List` and a `kind: SecretList` both come out as their Secrets, and so does a Secret eight
 * lists down; test/fixtures/fleet-guard/list), so a list cannot hide a Secret. No depth limit: parseOne refuses a
 * value that contains itself, so the nesting is what the document spells out.
 */
export function objectsOf(value: unknown): Record<string, unknown>[] {
    if (!isRecord(value)) {
        return [];
    }
    if (typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)) {
        return value.items.flatMap((item) => objectsOf(item));
    }
    return [value];
}
