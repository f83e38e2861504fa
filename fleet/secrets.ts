// npm run fleet -- --check-secrets DIR: the fleet repository's guard. No plaintext secret may land in it, and every
// secret goes to its own environment's key. It decides by what Flux would apply:
//   1. every kustomization directory is built with real kustomize (fleet/guard/kustomize.ts) and every object in the
//      output is checked: a Secret whose values are not SOPS-encrypted (generators, patches, lists, JSON, merge keys
//      and odd file names all come out of kustomize as what they are), a forged or incomplete `sops` block, a value
//      edited in clear after encryption, credentials in a Secret's annotations, credential-looking inline HelmRelease
//      values and Flux postBuild substitutions;
//   2. every file is read as well (the same checks), for what no kustomization builds (a directory a Flux
//      Kustomization applies without kustomization.yaml, a stray file), and against .sops.yaml: a file a creation rule
//      covers must be encrypted, with the values that rule encrypts as ENC[...];
//   3. keys (fleet/guard/environments.ts): each encrypted file is encrypted to its environment's key, the first rule
//      matching each cluster and overlay directory is that environment's, and what a cluster applies is encrypted to
//      its environment's key.
// Exit codes: 0 nothing found; 1 findings (a plaintext secret would land, or a secret would go to the wrong key);
// 2 the guard could not check everything (malformed YAML, an unreadable file, a symlink leaving the repository or
// looping, a kustomize build that fails or times out, no kustomize, an invalid .sops.yaml): never a silent pass.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, posix, relative } from "node:path";
import { stringify } from "yaml";
import {
    DocumentError,
    isRecord,
    MAX_DOCUMENT_BYTES,
    objectsOf,
    readDocuments,
    readSmallFile,
} from "./guard/documents";
import { checkEnvironments, clusterOf, normalFluxPath, shownFluxPath } from "./guard/environments";
import type { EncryptedRecord, FluxKustomizationRecord } from "./guard/environments";
import { buildAll, findKustomize, KustomizeUnavailable } from "./guard/kustomize";
import type { BuildOptions, Kustomize } from "./guard/kustomize";
import { checkObject, isFluxKustomization, isHelmRelease, objectName, scalarText } from "./guard/objects";
import type { VariableRef } from "./guard/objects";
import {
    firstMatchingRule,
    isEncrypted,
    mustBeEncrypted,
    parseSopsConfig,
    readDotenv,
    readMetadata,
    SopsConfigError,
} from "./guard/sops";
import type { CreationRule } from "./guard/sops";
import { walkRepo } from "./guard/walk";
import type { GuardProblem, WalkIo } from "./guard/walk";

export interface SecretFinding {
    /** A repository-relative file or directory, or "kustomize build of <dirs>". */
    file: string;
    reason: string;
}

export interface SecretCheck {
    findings: SecretFinding[];
    /** What kept the guard from checking something: any of these is exit 2. */
    errors: SecretFinding[];
    counts: {
        files: number;
        documents: number;
        builds: number;
        rules: number;
        encrypted: number;
        templates: number;
        helmReleases: number;
        clusters: number;
    };
    kustomize?: string;
}

export interface GuardOptions {
    io?: WalkIo;
    build?: BuildOptions;
    /** The kustomize to use; default findKustomize() (kustomize, else kubectl, or AKS_GITOPS_KUSTOMIZE). */
    kustomize?: Kustomize;
}

// kustomize's kustomization file names (kubernetes-sigs/kustomize api/konfig/general.go RecognizedKustomizationFileNames).
const KUSTOMIZATION_FILES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);
const YAML_FILE = /\.(ya?ml|json)$/i;
const TEMPLATE_FILE = /\.(ya?ml|json)\.example$/i;
const DOTENV_FILE = /\.env$/i;
// Paths no environment owns: a rule matching all of them is a catch-all, not a statement that they hold secrets.
const CATCH_ALL_PROBES = ["README.yaml", "docs/notes/example.yaml"];

/** A path as printed: control characters escaped, so a file name cannot forge a line of the report. */
// eslint-disable-next-line no-control-regex -- the control characters are what this escapes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;
const shown = (path: string): string =>
    path.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

interface Located {
    location: string;
    kind: "file" | "build";
    object: string;
    ref: VariableRef;
}

export async function checkSecrets(root: string, options: GuardOptions = {}): Promise<SecretCheck> {
    const findings: SecretFinding[] = [];
    const errors: SecretFinding[] = [];
    const counts = {
        files: 0,
        documents: 0,
        builds: 0,
        rules: 0,
        encrypted: 0,
        templates: 0,
        helmReleases: 0,
        clusters: 0,
    };
    const fail = (file: string, reason: string): SecretCheck => ({
        findings,
        errors: [...errors, { file, reason }],
        counts,
    });
    if (typeof root !== "string" || root.trim() === "") {
        return fail("(the fleet directory)", "no directory given");
    }
    let real: string;
    try {
        real = realpathSync(root);
        if (!statSync(real).isDirectory()) {
            return fail(root, "is not a directory");
        }
    } catch (e) {
        return fail(root, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }

    const tree = walkRepo(real, options.io);
    errors.push(...tree.errors.map(toFinding));

    // .sops.yaml: SOPS reads the first one found from the working directory upwards (getsops/sops config/config.go
    // LookupConfigFile), so one deeper in the repository would take over for whoever runs sops there.
    let rules: CreationRule[] = [];
    for (const file of tree.files.filter(
        (f) => basename(f.path) === ".sops.yaml" || basename(f.path) === ".sops.yml",
    )) {
        if (file.path === ".sops.yaml") {
            try {
                rules = parseSopsConfig(readSmallFile(file.abs));
                counts.rules = rules.length;
            } catch (e) {
                errors.push({
                    file: ".sops.yaml",
                    reason:
                        e instanceof SopsConfigError || e instanceof DocumentError
                            ? e.message
                            : `cannot be read (${(e as Error).message})`,
                });
            }
        } else if (file.path === ".sops.yml") {
            findings.push({
                file: file.path,
                reason: "SOPS ignores .sops.yml (it reads .sops.yaml): rename it, or the rules in it are not the ones used",
            });
        } else {
            findings.push({
                file: file.path,
                reason: "a second SOPS configuration: `sops` run in this directory uses it instead of the repository's .sops.yaml, which is the one the guard checks; remove it",
            });
        }
    }

    const kustomizationDirs = new Set(
        tree.files.filter((f) => KUSTOMIZATION_FILES.has(basename(f.path))).map((f) => posix.dirname(f.path)),
    );
    const charts = new Set(
        tree.files.filter((f) => basename(f.path) === "Chart.yaml").map((f) => posix.dirname(f.path)),
    );
    const inChartTemplates = (path: string) =>
        [...charts].some((c) => path.startsWith(`${c === "." ? "" : `${c}/`}templates/`));

    const encrypted: EncryptedRecord[] = [];
    const fluxKustomizations: FluxKustomizationRecord[] = [];
    const refs: Located[] = [];
    const helmReleases = new Set<string>();
    const buildFindings = new Map<string, { dirs: Set<string>; object: string; reason: string }>();

    /** The checks on one object, file or build; records what the key and substitution checks need later. */
    const visit = (
        o: Record<string, unknown>,
        location: string,
        kind: "file" | "build",
        rule: CreationRule | undefined,
        template: boolean,
    ): void => {
        const result = checkObject(o, { rule, template });
        const object = objectName(o);
        for (const problem of result.problems) {
            if (kind === "file") {
                findings.push({ file: location, reason: `${object}: ${problem}` });
            } else {
                const key = `${object}\n${problem}`;
                const entry = buildFindings.get(key) ?? { dirs: new Set<string>(), object, reason: problem };
                entry.dirs.add(location);
                buildFindings.set(key, entry);
            }
        }
        refs.push(...result.refs.map((ref) => ({ location, kind, object, ref })));
        if (result.keys) {
            encrypted.push({ location, kind, object, keys: result.keys });
        }
        if (isHelmRelease(o)) {
            helmReleases.add(object);
        }
        if (isFluxKustomization(o)) {
            const meta = isRecord(o.metadata) ? o.metadata : {};
            const spec = isRecord(o.spec) ? o.spec : {};
            const postBuild = isRecord(spec.postBuild) ? spec.postBuild : {};
            fluxKustomizations.push({
                location,
                name: `${scalarText(meta.namespace, "")}/${scalarText(meta.name, "?")}`,
                path: normalFluxPath(spec.path),
                vars: isRecord(postBuild.substitute) ? postBuild.substitute : {},
                patches: Array.isArray(spec.patches) && spec.patches.length > 0 ? spec.patches : undefined,
                extraBuilds: [],
            });
        }
    };

    // File level.
    for (const file of tree.files) {
        const name = basename(file.path);
        if (name === ".sops.yaml" || name === ".sops.yml") {
            continue;
        }
        const template = TEMPLATE_FILE.test(file.path);
        const rule = template ? undefined : firstMatchingRule(rules, file.path);
        // A file meant to be encrypted: the rule SOPS would use covers it, unless that rule matches any file (a
        // catch-all for ad-hoc `sops --encrypt`), in which case only the *.enc.* naming convention says so.
        const covered =
            rule !== undefined && (name.includes(".enc.") || !CATCH_ALL_PROBES.every((p) => rule.matches(p)));
        // A Helm chart's templates are Go templates that helm-controller renders, not manifests kustomize reads.
        if (
            inChartTemplates(file.path) ||
            (!covered && !template && !YAML_FILE.test(file.path) && !KUSTOMIZATION_FILES.has(name))
        ) {
            continue;
        }
        counts.files++;
        if (template) {
            counts.templates++;
        }
        if (covered && rule && DOTENV_FILE.test(file.path)) {
            if (checkDotenv(file.abs, file.path, rule, findings, errors, encrypted)) {
                counts.encrypted++;
            }
            continue;
        }
        let fileEncrypted = false;
        try {
            readDocuments(file.abs, (doc) => {
                counts.documents++;
                if (covered && rule && doc.value !== null && !(isRecord(doc.value) && isRecord(doc.value.sops))) {
                    findings.push({
                        file: file.path,
                        reason: `is covered by .sops.yaml creation rule ${rule.number} but ${doc.index > 1 ? `document ${doc.index} ` : ""}is not SOPS-encrypted (run: sops --encrypt --in-place ${shown(file.path)})`,
                    });
                }
                if (isRecord(doc.value) && doc.value.sops !== undefined) {
                    fileEncrypted = true;
                }
                for (const o of objectsOf(doc.value)) {
                    visit(o, file.path, "file", rule, template);
                }
            });
        } catch (e) {
            errors.push({
                file: e instanceof DocumentError ? e.where(file.path) : file.path,
                reason: e instanceof DocumentError ? e.message : `cannot be read (${(e as Error).message})`,
            });
        }
        if (fileEncrypted) {
            counts.encrypted++;
        }
    }

    // Build level: every kustomization directory, with real kustomize.
    const dirs = [...kustomizationDirs].sort();
    // A Flux Kustomization's spec.patches are built as well (below), even in a repository without a kustomization
    // file: kustomize-controller generates one for the path and adds the patches to it (fluxcd/pkg
    // kustomize/kustomize_generator.go WriteFile), so they need kustomize too, or the guard cannot say (exit 2).
    const patched = fluxKustomizations.some((k) => k.patches && k.path !== undefined);
    let tool: Kustomize | undefined = options.kustomize;
    if ((dirs.length > 0 || patched) && !tool) {
        try {
            tool = findKustomize();
        } catch (e) {
            if (!(e instanceof KustomizeUnavailable)) {
                throw e;
            }
            errors.push({ file: "(kustomize)", reason: e.message });
        }
    }
    if (tool && dirs.length > 0) {
        const failures = await buildAll(
            tool,
            dirs.map((d) => ({ abs: d === "." ? real : `${real}/${d}`, shown: d })),
            (dir, value) => {
                for (const o of objectsOf(value)) {
                    visit(o, dir, "build", undefined, false);
                }
            },
            options.build,
        );
        counts.builds = dirs.length - failures.length;
        errors.push(...failures.map((f) => ({ file: f.dir, reason: f.reason })));
    }
    if (counts.files === 0 && dirs.length === 0 && errors.length === 0) {
        errors.push({
            file: shown(root),
            reason: "holds no kustomization and no YAML file: is this the fleet repository?",
        });
    }

    // What each Flux Kustomization's spec.path applies: its build, or, without a kustomization file there, the files
    // and kustomization directories kustomize-controller's generated kustomization lists (fluxcd/pkg
    // kustomize/kustomize_generator.go scanManifests: *.yaml/*.yml, not descending into a directory that has one).
    const applies = (path: string) => {
        if (kustomizationDirs.has(path)) {
            return { builds: [path], files: [] as string[] };
        }
        const under = (p: string) => path === "." || p.startsWith(`${path}/`);
        const nestedIn = (p: string) => {
            for (let d = posix.dirname(p); d !== path && d !== "."; d = posix.dirname(d)) {
                if (kustomizationDirs.has(d)) {
                    return true;
                }
            }
            return false;
        };
        return {
            builds: [...kustomizationDirs].filter((d) => d !== path && under(d) && !nestedIn(d)),
            files: tree.files
                .filter(
                    (f) =>
                        under(f.path) &&
                        /\.ya?ml$/.test(f.path) &&
                        !nestedIn(f.path) &&
                        !kustomizationDirs.has(posix.dirname(f.path)),
                )
                .map((f) => f.path),
        };
    };

    // A Flux Kustomization's own spec.patches: kustomize-controller adds them to the kustomization it builds
    // (fluxcd/pkg kustomize/kustomize_generator.go), so plaintext there lands too. Built here as an overlay in a
    // temporary directory: the Kustomization's path as its resource, its patches as they are.
    if (tool) {
        const wrapped = new Map<string, { dir: string; records: FluxKustomizationRecord[] }>();
        for (const k of fluxKustomizations.filter((x) => x.patches && x.path !== undefined)) {
            // One Kustomization, found both in its file and in the build of the directory listing it.
            const cluster = clusterOf(k.location);
            const scope = cluster !== undefined ? `clusters/${cluster}` : k.location;
            const id = `${scope}|${k.name}|${k.path}`;
            const entry = wrapped.get(id) ?? { dir: "", records: [] };
            entry.records.push(k);
            wrapped.set(id, entry);
        }
        const temp = wrapped.size > 0 ? mkdtempSync(join(tmpdir(), "fleet-guard-")) : undefined;
        try {
            const targets: { abs: string; shown: string }[] = [];
            [...wrapped.values()].forEach((entry, i) => {
                const k = entry.records[0];
                const dir = join(temp as string, String(i));
                mkdirSync(dir);
                const { builds, files } = applies(k.path as string);
                const resources = [...builds, ...files].map((p) => relative(dir, p === "." ? real : join(real, p)));
                writeFileSync(
                    join(dir, "kustomization.yaml"),
                    stringify({
                        apiVersion: "kustomize.config.k8s.io/v1beta1",
                        kind: "Kustomization",
                        resources,
                        patches: k.patches,
                    }),
                );
                const cluster = clusterOf(k.location);
                entry.dir = `Flux Kustomization ${k.name} of ${cluster !== undefined ? `clusters/${cluster}` : k.location} (spec.path ${shownFluxPath(k.path as string)} with its spec.patches)`;
                for (const record of entry.records) {
                    record.extraBuilds.push(entry.dir);
                }
                targets.push({ abs: dir, shown: entry.dir });
            });
            if (targets.length > 0) {
                const failures = await buildAll(
                    tool,
                    targets,
                    (dir, value) => {
                        for (const o of objectsOf(value)) {
                            visit(o, dir, "build", undefined, false);
                        }
                    },
                    options.build,
                );
                counts.builds += targets.length - failures.length;
                errors.push(...failures.map((f) => ({ file: f.dir, reason: f.reason })));
            }
        } finally {
            if (temp) {
                rmSync(temp, { recursive: true, force: true });
            }
        }
    }

    // A value that is only ${VAR}: plain text in Git when a Flux Kustomization applying it sets VAR inline.
    const appliedBy = new Map<string, FluxKustomizationRecord[]>();
    for (const k of fluxKustomizations.filter((x) => x.path !== undefined)) {
        const { builds, files } = applies(k.path as string);
        for (const location of [...builds, ...files, ...k.extraBuilds]) {
            appliedBy.set(location, [...(appliedBy.get(location) ?? []), k]);
        }
    }
    const reportedRefs = new Set<string>();
    for (const { location, kind, object, ref } of refs) {
        const k = (appliedBy.get(location) ?? []).find(
            (x) =>
                Object.prototype.hasOwnProperty.call(x.vars, ref.variable) &&
                x.vars[ref.variable] !== "" &&
                !isEncrypted(x.vars[ref.variable]),
        );
        const key = `${location}|${object}|${ref.at}`;
        if (k && !reportedRefs.has(key)) {
            reportedRefs.add(key);
            const reason = `${ref.at} is \${${ref.variable}}, which Flux Kustomization ${k.name} sets in postBuild.substitute (found in ${k.location}): plain text in Git; take it from postBuild.substituteFrom a SOPS-encrypted Secret instead`;
            if (kind === "file") {
                findings.push({ file: location, reason: `${object}: ${reason}` });
            } else {
                const entry = buildFindings.get(`${object}\n${reason}`) ?? { dirs: new Set<string>(), object, reason };
                entry.dirs.add(location);
                buildFindings.set(`${object}\n${reason}`, entry);
            }
        }
    }

    const environments = checkEnvironments({
        rules,
        dirs: tree.dirs,
        kustomizations: fluxKustomizations,
        encrypted,
        applies,
    });
    counts.clusters = environments.clusters;
    counts.helmReleases = helmReleases.size;
    findings.push(...environments.findings.map((f) => ({ file: f.location, reason: f.reason })));

    for (const { dirs: where, object, reason } of buildFindings.values()) {
        const list = [...where].sort();
        const named = list.length > 4 ? `${list.slice(0, 4).join(", ")} and ${list.length - 4} more` : list.join(", ");
        findings.push({ file: `kustomize build of ${named}`, reason: `${object}: ${reason}` });
    }
    const order = (a: SecretFinding, b: SecretFinding) =>
        a.file.localeCompare(b.file) || a.reason.localeCompare(b.reason);
    const unique = (list: SecretFinding[]) =>
        list.filter((f, i) => list.findIndex((g) => g.file === f.file && g.reason === f.reason) === i);
    return {
        findings: unique(findings.map(clean)).sort(order),
        errors: unique(errors.map(clean)).sort(order),
        counts,
        kustomize: tool?.version,
    };
}

const toFinding = (p: GuardProblem): SecretFinding => ({ file: p.path, reason: p.reason });
const clean = (f: SecretFinding): SecretFinding => ({ file: shown(f.file), reason: shown(f.reason) });

/** A SOPS dotenv file a rule covers: metadata in sops_* lines, every value the settings encrypt as ENC[...]. */
function checkDotenv(
    abs: string,
    path: string,
    rule: CreationRule,
    findings: SecretFinding[],
    errors: SecretFinding[],
    encrypted: EncryptedRecord[],
): boolean {
    let text: string;
    try {
        text = readSmallFile(abs, MAX_DOCUMENT_BYTES);
    } catch (e) {
        errors.push({
            file: path,
            reason: e instanceof DocumentError ? e.message : `cannot be read (${(e as Error).message})`,
        });
        return false;
    }
    const { values, metadata } = readDotenv(text);
    if (!metadata) {
        findings.push({
            file: path,
            reason: `is covered by .sops.yaml creation rule ${rule.number} but is not SOPS-encrypted (run: sops --encrypt --in-place ${shown(path)})`,
        });
        return false;
    }
    const meta = readMetadata(metadata);
    const plain = Object.entries(values).filter(
        ([k, v]) => v !== "" && mustBeEncrypted([k], rule.settings) && !isEncrypted(v),
    );
    for (const problem of [
        ...meta.problems,
        ...plain.map(([k]) => `${k} is not ENC[...] (a value edited in clear after encryption?)`),
    ]) {
        findings.push({ file: path, reason: problem });
    }
    encrypted.push({ location: path, kind: "file", object: "dotenv file", keys: meta.keys });
    return true;
}

/** The command's report and exit code: 2 when something could not be checked, 1 with findings, 0 with a summary. */
export async function secretsReport(
    root: string,
    shownRoot = root,
    options: GuardOptions = {},
): Promise<{ code: number; text: string }> {
    const { findings, errors, counts, kustomize } = await checkSecrets(root, options);
    const list = (items: SecretFinding[]) => items.map((f) => `  ${f.file}: ${f.reason}`).join("\n");
    const found =
        findings.length > 0
            ? `plaintext secrets would land, or secrets would go to the wrong key, in ${shown(shownRoot)}:\n${list(findings)}\n`
            : "";
    if (errors.length > 0) {
        return {
            code: 2,
            text: `${found}the secret guard could not check ${shown(shownRoot)} (exit 2: fix these, nothing was passed):\n${list(errors)}\n`,
        };
    }
    if (findings.length > 0) {
        return { code: 1, text: found };
    }
    return {
        code: 0,
        text:
            `${shown(shownRoot)}: no plaintext secrets (${counts.files} files read, ${counts.builds} kustomizations built with ${kustomize ?? "no kustomize (none to build)"}, ` +
            `${counts.rules} .sops.yaml creation rules, ${counts.encrypted} encrypted files, ${counts.templates} templates with placeholders only, ` +
            `${counts.helmReleases} HelmReleases, ${counts.clusters} clusters checked for their environment's key)\n`,
    };
}
