// npm run promote -- <app> --from <env> --to <env> [--fleet DIR] [--skip-ring] [--dry-run]
// Promotion by pull request (the practice: never merge branches; change the next overlay). Copies the image references
// (the kustomize `images:` entries) of apps/<app>/overlays/<from> into apps/<app>/overlays/<to>/kustomization.yaml,
// changes nothing else in that file (comments and layout kept: yaml Document API), prints the unified diff and a PR
// title and body. The rings are ENVIRONMENTS in order (dev -> staging -> prod); skipping one needs --skip-ring.
// Exit codes: 0 promoted (or nothing to change), 2 bad usage, unknown app/overlay, or a refused promotion.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq } from "yaml";
import { failure, parseCli, UsageError, userPath } from "../harness/usage";
import { ENVIRONMENTS } from "../stacks/schema";

const USAGE = `usage: npm run promote -- <app> --from <ring> --to <ring> [--fleet DIR] [--skip-ring] [--dry-run]

  <app>        a directory under DIR/apps with overlays/<ring>/kustomization.yaml
  --from/--to  rings, in promotion order: ${ENVIRONMENTS.join(" -> ")}
  --fleet      the fleet repository checkout (default: examples/fleet)
  --skip-ring  allow a promotion that skips a ring (e.g. dev -> prod)
  --dry-run    print the diff and PR text without writing`;

const IMAGE_FIELDS = ["newName", "newTag", "digest"] as const;

export interface ImageRef {
    name: string;
    newName?: string;
    newTag?: string;
    digest?: string;
}

const overlayFile = (app: string, ring: string) => `apps/${app}/overlays/${ring}/kustomization.yaml`;

function imagesOf(seq: unknown, file: string): YAMLSeq {
    if (!isSeq(seq)) {
        throw new UsageError(`${file} has no images: list to promote (kustomize images: entries)`);
    }
    return seq;
}

function refOf(item: unknown, file: string): ImageRef {
    if (!isMap(item) || typeof item.get("name") !== "string") {
        throw new UsageError(`${file}: every images: entry needs a name`);
    }
    const ref: ImageRef = { name: item.get("name") as string };
    for (const field of IMAGE_FIELDS) {
        const value = item.get(field);
        if (value !== undefined) {
            ref[field] = String(value);
        }
    }
    return ref;
}

const describe = (r: ImageRef | undefined) =>
    r === undefined ? "(none)" : `${r.newName ?? r.name}${r.newTag !== undefined ? `:${r.newTag}` : ""}${r.digest !== undefined ? `@${r.digest}` : ""}`;

/** Target text with the source's image entries copied in (matched by name; entries only the target has stay). */
export function promoteImages(sourceText: string, targetText: string, sourceFile: string, targetFile: string): { text: string; changes: { before?: ImageRef; after: ImageRef }[] } {
    const source = parseDocument(sourceText);
    const target = parseDocument(targetText);
    for (const [doc, file] of [[source, sourceFile], [target, targetFile]] as const) {
        if (doc.errors.length > 0) {
            throw new UsageError(`${file} is not valid YAML: ${doc.errors[0].message}`);
        }
    }
    const from = imagesOf(source.get("images"), sourceFile).items.map((i) => refOf(i, sourceFile));
    if (from.length === 0) {
        throw new UsageError(`${sourceFile} has an empty images: list; nothing to promote`);
    }
    if (!target.has("images")) {
        target.set("images", target.createNode([]));
    }
    const seq = imagesOf(target.get("images"), targetFile);
    const changes: { before?: ImageRef; after: ImageRef }[] = [];
    for (const ref of from) {
        let entry = seq.items.find((i) => isMap(i) && i.get("name") === ref.name) as YAMLMap | undefined;
        const before = entry ? refOf(entry, targetFile) : undefined;
        if (!entry) {
            entry = target.createNode({ name: ref.name }) as YAMLMap;
            seq.items.push(entry);
        }
        for (const field of IMAGE_FIELDS) {
            if (ref[field] === undefined) {
                entry.delete(field);
            } else if (String(entry.get(field)) !== ref[field]) {
                entry.set(field, ref[field]);
            }
        }
        if (describe(before) !== describe(ref)) {
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
        out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
        out.push(...slice.map((o) => `${o.kind}${o.line}`));
    }
    return `${out.join("\n")}\n`;
}

function listDirs(dir: string): string[] {
    return existsSync(dir) ? readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory()).sort() : [];
}

export function main(argv: string[]): { code: number; text: string } {
    const { values, positionals } = parseCli({
        args: argv,
        allowPositionals: true,
        options: {
            from: { type: "string" },
            to: { type: "string" },
            fleet: { type: "string", default: "examples/fleet" },
            "skip-ring": { type: "boolean", default: false },
            "dry-run": { type: "boolean", default: false },
            help: { type: "boolean", short: "h" },
        },
    });
    if (values.help) {
        return { code: 0, text: `${USAGE}\n` };
    }
    if (positionals.length !== 1 || !values.from || !values.to) {
        throw new UsageError("give one app and both --from and --to");
    }
    const [app] = positionals;
    const rings: readonly string[] = ENVIRONMENTS;
    for (const [flag, ring] of [["--from", values.from], ["--to", values.to]] as const) {
        if (!rings.includes(ring)) {
            throw new UsageError(`${flag} ${ring} is not a ring; the rings are ${rings.join(", ")}`);
        }
    }
    const from = rings.indexOf(values.from);
    const to = rings.indexOf(values.to);
    if (to <= from) {
        throw new UsageError(`promotion goes forward (${rings.join(" -> ")}): ${values.from} -> ${values.to} is not a promotion; to roll back, revert the promotion's commit`);
    }
    if (to > from + 1 && !values["skip-ring"]) {
        const skipped = rings.slice(from + 1, to);
        throw new UsageError(
            `${values.from} -> ${values.to} skips ${skipped.join(", ")}: promote to ${rings[from + 1]} first, or pass --skip-ring if this release must bypass ${skipped.join(", ")}`,
        );
    }
    const fleet = userPath(values.fleet);
    if (!existsSync(join(fleet, "apps"))) {
        throw new UsageError(`${values.fleet} is not a fleet repository checkout (it has no apps/ directory)`);
    }
    const apps = listDirs(join(fleet, "apps"));
    if (!apps.includes(app)) {
        throw new UsageError(`unknown app "${app}" in ${values.fleet}; apps there: ${apps.join(", ") || "(none)"}`);
    }
    const overlays = listDirs(join(fleet, "apps", app, "overlays")).filter((o) => existsSync(join(fleet, overlayFile(app, o))));
    for (const ring of [values.from, values.to]) {
        if (!overlays.includes(ring)) {
            throw new UsageError(`${app} has no ${ring} overlay (${overlayFile(app, ring)}); its overlays: ${overlays.join(", ") || "(none)"}`);
        }
    }
    const sourceFile = overlayFile(app, values.from);
    const targetFile = overlayFile(app, values.to);
    const before = readFileSync(join(fleet, targetFile), "utf8");
    const { text, changes } = promoteImages(readFileSync(join(fleet, sourceFile), "utf8"), before, sourceFile, targetFile);
    if (changes.length === 0) {
        return { code: 0, text: `${targetFile} already has ${values.from}'s images; nothing to promote\n` };
    }
    if (!values["dry-run"]) {
        writeFileSync(join(fleet, targetFile), text);
    }
    const versions = changes.map((c) => describe(c.after)).join(", ");
    const title = `Promote ${app} to ${values.to}: ${versions}`;
    const body = [
        `Promotes ${app} from ${values.from} to ${values.to} by copying ${values.from}'s image references (kustomize \`images:\`) into \`${targetFile}\`. Nothing else changes.`,
        "",
        `| image | ${values.to} before | ${values.to} after (as in ${values.from}) |`,
        "| --- | --- | --- |",
        ...changes.map((c) => `| ${c.after.name} | ${describe(c.before)} | ${describe(c.after)} |`),
        "",
        ...(to > from + 1 ? [`Skips ${rings.slice(from + 1, to).join(", ")} (--skip-ring): say why here.`, ""] : []),
        `- [ ] ${values.from} reconciled this version and is healthy (\`npm run verify -- --stack <${values.from} stack>\`)`,
        `- [ ] after merge: ${values.to} reconciled (\`flux get kustomizations\`${rings[to] === "dev" ? "" : "; the Flagger canary promoted: `kubectl -n " + app + " get canary`"})`,
    ].join("\n");
    const header = values["dry-run"] ? "dry run, nothing written:\n" : "";
    return { code: 0, text: `${header}${unifiedDiff(targetFile, before, text)}\nPR title: ${title}\n\nPR body:\n${body}\n` };
}

export function runCli(argv: string[]): Promise<void> {
    return Promise.resolve()
        .then(() => main(argv))
        .then(({ code, text }) => {
            process.stdout.write(text);
            process.exitCode = code;
        })
        .catch((e: unknown) => {
            const { code, message } = failure(e, USAGE, "promote");
            process.stderr.write(`${message}\n`);
            process.exitCode = code;
        });
}
