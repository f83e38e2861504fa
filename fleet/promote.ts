// npm run promote -- <app> --from <env> --to <env> [--fleet DIR] [--skip-ring] [--dry-run]
// npm run promote -- [<name>] --from <env> --to <env> --app-repo DIR [--skip-ring] [--dry-run]
// npm run promote -- ... --repo DIR   (either kind of checkout, told apart by its layout)
// Promotion by pull request (the practice: never merge branches; change the next overlay). Copies the image references
// (the kustomize `images:` entries) of one ring's overlay into the next one's kustomization.yaml: in a fleet repository
// apps/<app>/overlays/<ring>, in an application repository (the team's own, examples/app-repo, issue 23)
// deploy/overlays/<ring>. Changes nothing else in that file (comments and layout kept: yaml Document API), prints the
// unified diff and a PR title and body. The rings are ENVIRONMENTS in order (dev -> staging -> prod); skipping one needs
// --skip-ring. It accepts only what it can promote safely: image references that follow the OCI reference grammar,
// written as the strings kustomize reads; overlays inside the repository (no symlink out of it); PR text that quotes
// safely. The same rules for both kinds of repository.
// Exit codes: 0 promoted (or nothing to change), 2 bad usage, unknown app/overlay, or a refused promotion.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { isMap, isScalar, isSeq, parse, parseDocument, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { defineCommand } from "../cli/command";
import { UsageError, userPath } from "../cli/usage";
import { ENVIRONMENTS } from "../stacks/schema";

const USAGE = `usage: npm run promote -- <app> --from <ring> --to <ring> [--fleet DIR] [--skip-ring] [--dry-run]
       npm run promote -- [<name>] --from <ring> --to <ring> --app-repo DIR [--skip-ring] [--dry-run]
       npm run promote -- [<app>] --from <ring> --to <ring> --repo DIR [--skip-ring] [--dry-run]

  <app>        in a fleet repository: a directory under DIR/apps with overlays/<ring>/kustomization.yaml
  <name>       in an application repository: the name the PR text gives it (default: DIR's directory name)
  --from/--to  rings, in promotion order: ${ENVIRONMENTS.join(" -> ")}
  --fleet      a fleet repository checkout: apps/<app>/overlays/<ring> (default: examples/fleet)
  --app-repo   an application repository checkout: deploy/overlays/<ring> (examples/app-repo's layout)
  --repo       either: a fleet repository if DIR has apps/, an application repository if it has deploy/overlays/
  --skip-ring  allow a promotion that skips a ring (e.g. dev -> prod)
  --dry-run    print the diff and PR text without writing`;

// ---- The ring rules: the one place that says which promotions are allowed, whatever overlays they move between
// (the fleet's apps/<app>/overlays/<ring>, an application repository's deploy/overlays/<ring>).

/** The promotion rings, in order: the environments. */
export const RINGS: readonly string[] = ENVIRONMENTS;

/**
 * Checks a promotion from one ring to another: both are rings, it goes forward, and it skips no ring unless `skipRing`.
 * Returns the rings it skips (empty for the next ring). A refusal is a UsageError (exit 2) that says what to do.
 */
export function ringStep(from: string, to: string, skipRing: boolean): { skipped: string[] } {
    for (const [flag, ring] of [
        ["--from", from],
        ["--to", to],
    ] as const) {
        if (!RINGS.includes(ring)) {
            throw new UsageError(`${flag} ${shown(ring)} is not a ring; the rings are ${RINGS.join(", ")}`);
        }
    }
    const a = RINGS.indexOf(from);
    const b = RINGS.indexOf(to);
    if (b <= a) {
        throw new UsageError(
            `promotion goes forward (${RINGS.join(" -> ")}): ${from} -> ${to} is not a promotion; to roll back, revert the promotion's commit`,
        );
    }
    const skipped = RINGS.slice(a + 1, b);
    if (skipped.length > 0 && !skipRing) {
        throw new UsageError(
            `${from} -> ${to} skips ${skipped.join(", ")}: promote to ${RINGS[a + 1]} first, or pass --skip-ring if this release must bypass ${skipped.join(", ")}`,
        );
    }
    return { skipped };
}

// ---- Image references: the OCI reference grammar of distribution/reference (reference.go's grammar comment and
// regexp.go: name := [domain '/'] path-component ['/' path-component]*, domain := host [':' port], a path component is
// lower-case alphanumerics joined by one '.', one or two '_' or any number of '-'; tag := [\w][\w.-]{0,127};
// digest := algorithm ':' at least 32 hex digits; a name is at most 255 characters). Anchored whole-string matches:
// JavaScript's `$` without the m flag matches only at the end, so a trailing newline is refused too.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const IMAGE_NAME = new RegExp(`^(?:${HOST}(?::[0-9]+)?/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const IMAGE_TAG = /^[\w][\w.-]{0,127}$/;
const IMAGE_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
// tagSuffix is appended to the image's tag (kustomize's api/types/image.go Image.TagSuffix: "the value used to suffix
// the original tag", ignored when newTag or digest is present): tag characters, at most 127 so that a tag of one
// character and its suffix stay within a tag's 128.
const IMAGE_TAG_SUFFIX = /^[\w.-]{1,127}$/;
const NAME_MAX = 255;

// Every field of kustomize's images: entry besides name (kubernetes-sigs/kustomize api/types/image.go: newName,
// tagSuffix, newTag, digest; kubectl v1.32's kustomize v5.5.0 applies tagSuffix): a field left out would leave the
// promoted ring running another image than the ring it came from.
const IMAGE_FIELDS = ["newName", "newTag", "tagSuffix", "digest"] as const;
type Field = "name" | (typeof IMAGE_FIELDS)[number];

const GRAMMAR: Record<Field, { test: (v: string) => boolean; what: string }> = {
    name: {
        test: (v) => v.length <= NAME_MAX && IMAGE_NAME.test(v),
        what: "an image name ([registry-host[:port]/]path, lower-case path components, at most 255 characters)",
    },
    newName: {
        test: (v) => v.length <= NAME_MAX && IMAGE_NAME.test(v),
        what: "an image name ([registry-host[:port]/]path, lower-case path components, at most 255 characters)",
    },
    newTag: {
        test: (v) => IMAGE_TAG.test(v),
        what: "an image tag (1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-')",
    },
    tagSuffix: {
        test: (v) => IMAGE_TAG_SUFFIX.test(v),
        what: "an image tag suffix (1 to 127 letters, digits, '_', '.' or '-', appended to the image's tag)",
    },
    digest: {
        test: (v) => IMAGE_DIGEST.test(v),
        what: "an image digest (algorithm:hex, at least 32 hex digits, e.g. sha256:<64 hex digits>)",
    },
};

export interface ImageRef {
    name: string;
    newName?: string;
    newTag?: string;
    tagSuffix?: string;
    digest?: string;
}

// ---- The two kinds of repository: where each keeps a ring's overlay.

/** A repository checkout promote works in. */
interface Checkout {
    kind: "fleet repository" | "application repository";
    /** The checkout's directory (resolved) and as the user gave it (for messages). */
    dir: string;
    given: string;
}

const overlayFile = (overlays: string, ring: string) => `${overlays}/${ring}/kustomization.yaml`;
const FLEET_APPS = "apps";
const APP_OVERLAYS = "deploy/overlays";
/** The directory holding one directory per ring, relative to the checkout. */
const overlaysOf = (repo: Checkout, app: string) =>
    repo.kind === "fleet repository" ? `${FLEET_APPS}/${app}/overlays` : APP_OVERLAYS;

/**
 * The checkout from the options: --fleet or --app-repo say which kind it is, --repo tells them apart by their layout
 * (apps/ or deploy/overlays/; both is ambiguous and refused), none is examples/fleet. At most one may be given.
 */
function checkoutOf(values: { fleet?: string; "app-repo"?: string; repo?: string }): Checkout {
    const given = (["fleet", "app-repo", "repo"] as const).filter((k) => values[k] !== undefined);
    if (given.length > 1) {
        throw new UsageError(
            `give one of --fleet, --app-repo and --repo, not ${given.map((k) => `--${k}`).join(" and ")}`,
        );
    }
    const fleet = (dir: string): Checkout => ({ kind: "fleet repository", dir: userPath(dir), given: dir });
    const app = (dir: string): Checkout => ({ kind: "application repository", dir: userPath(dir), given: dir });
    const isDir = (dir: string, sub: string) =>
        existsSync(join(userPath(dir), sub)) && statSync(join(userPath(dir), sub)).isDirectory();
    if (values["app-repo"] !== undefined) {
        const dir = values["app-repo"];
        if (!isDir(dir, APP_OVERLAYS)) {
            throw new UsageError(
                `${dir} is not an application repository checkout (it has no ${APP_OVERLAYS}/ directory)`,
            );
        }
        return app(dir);
    }
    if (values.repo !== undefined) {
        const dir = values.repo;
        const [isFleet, isApp] = [isDir(dir, FLEET_APPS), isDir(dir, APP_OVERLAYS)];
        if (isFleet && isApp) {
            throw new UsageError(
                `${dir} has both ${FLEET_APPS}/ (a fleet repository) and ${APP_OVERLAYS}/ (an application repository): say which with --fleet ${dir} or --app-repo ${dir}`,
            );
        }
        if (!isFleet && !isApp) {
            throw new UsageError(
                `${dir} is neither a fleet repository checkout (${FLEET_APPS}/<app>/overlays/<ring>) nor an application repository checkout (${APP_OVERLAYS}/<ring>)`,
            );
        }
        return isFleet ? fleet(dir) : app(dir);
    }
    const dir = values.fleet ?? "examples/fleet";
    if (!isDir(dir, FLEET_APPS)) {
        throw new UsageError(`${dir} is not a fleet repository checkout (it has no ${FLEET_APPS}/ directory)`);
    }
    return fleet(dir);
}

/** A name for a message: as is when it is plain, else JSON-quoted (so a newline or an escape sequence shows as such). */
const shown = (text: string) => (/^[\w./@:+-]+$/.test(text) ? text : JSON.stringify(text));

/**
 * Whether kustomize reads this scalar as the string it shows. kustomize decodes kustomization.yaml by converting the
 * YAML to JSON and decoding that into its Go types, where every images[] field is a string
 * (kubernetes-sigs/kustomize api/types/kustomization.go Unmarshal, api/types/image.go): an unquoted number or boolean is
 * refused ("json: cannot unmarshal number into Go struct field Image.images.newTag of type string", kubectl v1.32's
 * kustomize v5.5.0 with `newTag: 1.10`, `1`, `0o17`, `1_000`, `yes`, `on`). Its YAML reader takes YAML 1.1's booleans
 * (yes/no/on/off) too, so a plain scalar must be a string in YAML 1.1 as well as in 1.2.
 */
function readsAsString(node: Scalar): boolean {
    if (typeof node.value !== "string") {
        return false;
    }
    return node.type !== "PLAIN" || plainIsString(node.value);
}

/** A plain (unquoted) `value` reads back as that string under both YAML 1.1 and 1.2. */
function plainIsString(value: string): boolean {
    return (["1.1", "1.2"] as const).every((version) => {
        try {
            return (parse(`v: ${value}\n`, { version }) as { v?: unknown } | null)?.v === value;
        } catch {
            return false;
        }
    });
}

function yaml11Type(plain: string): string {
    const value = (parse(`v: ${plain}\n`, { version: "1.1" }) as { v?: unknown }).v;
    return value === null ? "null" : typeof value;
}

function imagesOf(seq: unknown, file: string): YAMLSeq {
    if (!isSeq(seq)) {
        throw new UsageError(`${file} has no images: list to promote (kustomize images: entries)`);
    }
    return seq;
}

/** An images: entry of the overlay promoted from: every field a string kustomize reads as such, in the OCI grammar. */
function sourceRefOf(item: unknown, index: number, file: string): ImageRef {
    if (!isMap(item)) {
        throw new UsageError(`${file}: images[${index}] is not a mapping; every images: entry needs a name`);
    }
    const ref: Partial<ImageRef> = {};
    for (const field of ["name", ...IMAGE_FIELDS] as const) {
        const node = item.get(field, true);
        if (node === undefined) {
            continue;
        }
        const where = `${file}: images[${index}].${field}`;
        if (!isScalar(node) || node.value === null) {
            throw new UsageError(`${where} is not a string; it must be ${GRAMMAR[field].what}`);
        }
        if (!readsAsString(node)) {
            const text = node.source ?? scalarString(node.value);
            // A plain scalar YAML 1.2 takes as a string but YAML 1.1 does not (yes, on, 1_000): name YAML 1.1's type.
            const kind =
                typeof node.value === "string" ? `${yaml11Type(text)} (YAML 1.1)` : `YAML ${typeof node.value}`;
            throw new UsageError(
                `${where} is ${text}, which kustomize reads as a ${kind}, not a string, and refuses; quote it: ${field}: "${text}"`,
            );
        }
        const value = node.value as string;
        if (!GRAMMAR[field].test(value)) {
            throw new UsageError(
                `${where} ${JSON.stringify(value)} is not ${GRAMMAR[field].what}: the OCI reference grammar (distribution/reference)`,
            );
        }
        ref[field] = value;
    }
    if (ref.name === undefined) {
        throw new UsageError(`${file}: images[${index}] has no name; every images: entry needs a name`);
    }
    return ref as ImageRef;
}

/** A YAML scalar's value as text (a string, number, boolean or null, as String() gives it). */
function scalarString(value: unknown): string {
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null
        ? String(value)
        : JSON.stringify(value);
}

/** An entry of the overlay promoted to, as it stands (quoted in the PR text, never trusted). */
function targetRefOf(item: YAMLMap): ImageRef {
    const text = (field: Field) => {
        const node = item.get(field, true);
        return node === undefined
            ? undefined
            : isScalar(node)
              ? (node.source ?? scalarString(node.value))
              : String((item.toJSON() as Record<string, unknown>)[field]);
    };
    const ref: ImageRef = { name: text("name") ?? "" };
    for (const field of IMAGE_FIELDS) {
        const value = text(field);
        if (value !== undefined) {
            ref[field] = value;
        }
    }
    return ref;
}

const describe = (r: ImageRef | undefined) =>
    r === undefined
        ? "(none)"
        : `${r.newName ?? r.name}${r.newTag !== undefined ? `:${r.newTag}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}${r.tagSuffix !== undefined ? ` (tagSuffix ${r.tagSuffix})` : ""}`;

/** The scalar written for `value`: quoted as before, else plain when every YAML reader takes it as that string. */
function stringNode(value: string, previous: unknown): Scalar {
    const node = new Scalar(value);
    const wasQuoted = isScalar(previous) && (previous.type === "QUOTE_DOUBLE" || previous.type === "QUOTE_SINGLE");
    if (wasQuoted) {
        node.type = previous.type;
    } else if (!plainIsString(value)) {
        node.type = "QUOTE_DOUBLE";
    }
    return node;
}

/**
 * Target text with the source's image entries copied in (matched by name; entries only the target has stay). Refuses
 * (UsageError, exit 2, naming the file and value) a source entry that is not an OCI image reference or that kustomize
 * would not read as a string. Writes every field as a string kustomize reads as one.
 */
export function promoteImages(
    sourceText: string,
    targetText: string,
    sourceFile: string,
    targetFile: string,
): { text: string; changes: { before?: ImageRef; after: ImageRef }[] } {
    const source = parseDocument(sourceText);
    const target = parseDocument(targetText);
    for (const [doc, file] of [
        [source, sourceFile],
        [target, targetFile],
    ] as const) {
        if (doc.errors.length > 0) {
            throw new UsageError(`${file} is not valid YAML: ${doc.errors[0].message}`);
        }
    }
    const from = imagesOf(source.get("images"), sourceFile).items.map((item, i) => sourceRefOf(item, i, sourceFile));
    if (from.length === 0) {
        throw new UsageError(`${sourceFile} has an empty images: list; nothing to promote`);
    }
    const names = from.map((r) => r.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
        throw new UsageError(
            `${sourceFile}: two images: entries are named ${twice}; kustomize applies one, so which to promote is unclear`,
        );
    }
    if (!target.has("images")) {
        target.set("images", target.createNode([]));
    }
    const seq = imagesOf(target.get("images"), targetFile);
    const changes: { before?: ImageRef; after: ImageRef }[] = [];
    for (const ref of from) {
        let entry = seq.items.find((i) => isMap(i) && i.get("name") === ref.name) as YAMLMap | undefined;
        const before = entry ? targetRefOf(entry) : undefined;
        let changed = entry === undefined;
        if (!entry) {
            entry = target.createNode({ name: ref.name });
            seq.items.push(entry);
        }
        for (const field of IMAGE_FIELDS) {
            const current = entry.get(field, true);
            const value = ref[field];
            if (value === undefined) {
                changed = entry.delete(field) || changed;
            } else if (!(isScalar(current) && current.value === value && readsAsString(current))) {
                // A different value, or the same one as a number kustomize refuses (`newTag: 2` where dev has "2").
                entry.set(field, stringNode(value, current));
                changed = true;
            }
        }
        if (changed) {
            changes.push({ before, after: ref });
        }
    }
    return { text: changes.length > 0 ? target.toString() : targetText, changes };
}

/** A unified diff (3 lines of context) of two texts, as `diff -u` / git print it. */
export function unifiedDiff(path: string, before: string, after: string): string {
    const a = before.split("\n");
    const b = after.split("\n");
    if (a[a.length - 1] === "" && b[b.length - 1] === "") {
        a.pop();
        b.pop();
    }
    // Longest common subsequence table (files are small).
    const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) {
        for (let j = b.length - 1; j >= 0; j--) {
            lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    type Op = { kind: " " | "-" | "+"; line: string; ai: number; bi: number };
    const ops: Op[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i] === b[j]) {
            ops.push({ kind: " ", line: a[i], ai: i++, bi: j++ });
        } else if (i < a.length && (j >= b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
            ops.push({ kind: "-", line: a[i], ai: i++, bi: j });
        } else {
            ops.push({ kind: "+", line: b[j], ai: i, bi: j++ });
        }
    }
    const changed = ops.map((o, k) => (o.kind !== " " ? k : -1)).filter((k) => k >= 0);
    if (changed.length === 0) {
        return "";
    }
    const hunks: [number, number][] = [];
    for (const k of changed) {
        const start = Math.max(0, k - 3);
        const end = Math.min(ops.length - 1, k + 3);
        const last = hunks[hunks.length - 1];
        if (last && start <= last[1] + 1) {
            last[1] = Math.max(last[1], end);
        } else {
            hunks.push([start, end]);
        }
    }
    const out = [`--- a/${path}`, `+++ b/${path}`];
    for (const [start, end] of hunks) {
        const slice = ops.slice(start, end + 1);
        const aCount = slice.filter((o) => o.kind !== "+").length;
        const bCount = slice.filter((o) => o.kind !== "-").length;
        const aStart = aCount === 0 ? slice[0].ai : slice[0].ai + 1;
        const bStart = bCount === 0 ? slice[0].bi : slice[0].bi + 1;
        // A range of one line is its line number alone, as diff -u and git write it ("@@ -1 +1 @@"; GNU diffutils
        // manual, "Detailed Unified Format": "If a hunk contains just one line, only its start line number appears").
        const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
        out.push(`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@`);
        out.push(...slice.map((o) => `${o.kind}${o.line}`));
    }
    return `${out.join("\n")}\n`;
}

/** The directories in `dir` (following symlinks; an entry that cannot be read is not one). */
function listDirs(dir: string): string[] {
    // A file where a directory belongs (apps/<app>/overlays as a file) holds no directories: the caller's usage error
    // names what is missing, instead of readdirSync's ENOTDIR (exit 1, no hint).
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        return [];
    }
    return readdirSync(dir)
        .filter((e) => {
            try {
                return statSync(join(dir, e)).isDirectory();
            } catch {
                return false;
            }
        })
        .sort();
}

/**
 * The real path of `file` (relative to `root`), refused unless it is a regular file inside the real `root`: promote
 * reads and writes only inside the repository it was pointed at, whatever symlink an overlay is reached through.
 */
function confined(root: string, file: string, kind: Checkout["kind"]): string {
    const realRoot = realpathSync(root);
    const real = realpathSync(join(root, file));
    const rel = relative(realRoot, real);
    if (rel === ".." || rel.startsWith(`..${sep}`) || rel === real) {
        throw new UsageError(
            `${file} resolves to ${shown(real)}, outside the ${kind} ${shown(realRoot)} (through a symlink): promote reads and writes only inside it`,
        );
    }
    if (!statSync(real).isFile()) {
        throw new UsageError(`${file} is not a regular file`);
    }
    return real;
}

// ---- PR text. Everything it quotes goes in a Markdown code span, so that backticks, HTML, `*`, `[` and the like in a
// name or a value are shown, not rendered.

/** A single line: control characters (a newline would start a new line of the title or a new table row) as spaces. */
// eslint-disable-next-line no-control-regex -- the control characters are what this replaces
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const oneLine = (text: string) => text.replace(LINE_BREAKING, " ");

/**
 * `text` as a Markdown code span (CommonMark "Code spans": the fence is a run of backticks longer than any inside, and
 * one space pads a text that starts or ends with a backtick); in a table cell `|` is escaped as `\|`, which GFM
 * tables take as a pipe inside the cell, code spans included (GitHub Flavored Markdown spec, "Tables").
 */
export function mdCode(text: string, inTable = false): string {
    let t = oneLine(text);
    if (inTable) {
        t = t.replace(/\|/g, "\\|");
    }
    if (t.trim() === "") {
        return "(empty)";
    }
    const fence = "`".repeat(Math.max(0, ...(t.match(/`+/g) ?? []).map((run) => run.length)) + 1);
    const pad = t.startsWith("`") || t.endsWith("`") || (t.startsWith(" ") && t.endsWith(" ")) ? " " : "";
    return `${fence}${pad}${t}${pad}${fence}`;
}

/**
 * `-n <namespace>` of an application repository's overlay (its kustomization's namespace:, where the team's Flux
 * configuration and its objects live), when it is a Kubernetes name; undefined otherwise.
 */
function namespaceOf(overlayText: string): string | undefined {
    const value: unknown = parseDocument(overlayText).get("namespace");
    return typeof value === "string" && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value) ? `-n ${value}` : undefined;
}

export const command = defineCommand({
    name: "promote",
    usage: USAGE,
    allowPositionals: true,
    options: {
        from: { type: "string" },
        to: { type: "string" },
        fleet: { type: "string" },
        "app-repo": { type: "string" },
        repo: { type: "string" },
        "skip-ring": { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
    },
    run: main,
});

export function main(argv: string[]): { code: number; text: string } {
    const { values, positionals } = command.parse(argv);
    if (values.help) {
        return { code: 0, text: `${USAGE}\n` };
    }
    const repo = checkoutOf(values);
    const inFleet = repo.kind === "fleet repository";
    if (inFleet ? positionals.length !== 1 : positionals.length > 1) {
        throw new UsageError(
            inFleet
                ? "give one app and both --from and --to"
                : "an application repository holds one deploy/: give at most one name (for the PR text), and both --from and --to",
        );
    }
    if (!values.from || !values.to) {
        throw new UsageError(inFleet ? "give one app and both --from and --to" : "give both --from and --to");
    }
    const { skipped } = ringStep(values.from, values.to, values["skip-ring"]);
    const app = positionals[0] ?? basename(realpathSync(repo.dir));
    if (inFleet) {
        const apps = listDirs(join(repo.dir, FLEET_APPS));
        if (!apps.includes(app)) {
            throw new UsageError(
                `unknown app ${JSON.stringify(app)} in ${repo.given}; apps there: ${apps.map(shown).join(", ") || "(none)"}`,
            );
        }
    }
    const overlaysDir = overlaysOf(repo, app);
    const owner = inFleet ? shown(app) : `${repo.given} (${repo.kind})`;
    const overlays = listDirs(join(repo.dir, overlaysDir)).filter((o) =>
        existsSync(join(repo.dir, overlayFile(overlaysDir, o))),
    );
    for (const ring of [values.from, values.to]) {
        if (!overlays.includes(ring)) {
            throw new UsageError(
                `${owner} has no ${ring} overlay (${shown(overlayFile(overlaysDir, ring))}); its overlays: ${overlays.map(shown).join(", ") || "(none)"}`,
            );
        }
    }
    const sourceFile = overlayFile(overlaysDir, values.from);
    const targetFile = overlayFile(overlaysDir, values.to);
    const sourcePath = confined(repo.dir, sourceFile, repo.kind);
    const targetPath = confined(repo.dir, targetFile, repo.kind);
    const before = readFileSync(targetPath, "utf8");
    const { text, changes } = promoteImages(
        readFileSync(sourcePath, "utf8"),
        before,
        shown(sourceFile),
        shown(targetFile),
    );
    if (changes.length === 0) {
        return { code: 0, text: `${shown(targetFile)} already has ${values.from}'s images; nothing to promote\n` };
    }
    if (!values["dry-run"]) {
        writeFileSync(targetPath, text);
    }
    const to = values.to;
    const title = oneLine(`Promote ${app} to ${to}: ${changes.map((c) => describe(c.after)).join(", ")}`);
    const body = [
        `Promotes ${mdCode(app)} from ${values.from} to ${to} by copying ${values.from}'s image references (kustomize \`images:\`) into ${mdCode(targetFile)}. Nothing else changes.`,
        "",
        `| image | ${to} before | ${to} after (as in ${values.from}) |`,
        "| --- | --- | --- |",
        ...changes.map(
            (c) =>
                `| ${mdCode(c.after.name, true)} | ${c.before ? mdCode(describe(c.before), true) : "(none)"} | ${mdCode(describe(c.after), true)} |`,
        ),
        "",
        ...(skipped.length > 0 ? [`Skips ${skipped.join(", ")} (--skip-ring): say why here.`, ""] : []),
        `- [ ] ${values.from} reconciled this version and is healthy (\`npm run verify -- --stack <${values.from} stack>\`)`,
        inFleet
            ? `- [ ] after merge: ${to} reconciled (\`flux get kustomizations\`; the Flagger canary promoted: ${mdCode(`kubectl -n ${app} get canary`)})`
            : `- [ ] after merge: ${to} reconciled (${mdCode(`flux get kustomizations ${namespaceOf(before) ?? "--all-namespaces"}`)})`,
    ].join("\n");
    const header = values["dry-run"] ? "dry run, nothing written:\n" : "";
    return {
        code: 0,
        text: `${header}${unifiedDiff(shown(targetFile), before, text)}\nPR title: ${title}\n\nPR body:\n${body}\n`,
    };
}

export const runCli = command.runCli;
