// npm run fleet -- --check-secrets DIR: no plaintext secret can land in a fleet repository.
// Fails (exit 1, each offending file and why) when
//   - a file that a .sops.yaml creation rule covers (its path_regex matches) is not SOPS-encrypted: no `sops` metadata,
//     or a value under `data`/`stringData` that is not `ENC[...]` (the rules encrypt exactly those keys);
//   - a Kubernetes Secret sits in a file no rule covers (it would be committed as it is);
//   - a kustomization's secretGenerator carries literals (plain text by construction);
//   - a template (*.example) holds a Secret value that is not a <placeholder>.
// Templates are not applied (kustomize lists .yaml files by name, Flux only what a kustomization.yaml names), so a
// Secret template with placeholders is allowed outside the rules; that is how examples ship without a key.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export interface SecretFinding {
    file: string;
    reason: string;
}

export interface SecretCheck {
    findings: SecretFinding[];
    /** Files read, by what they are. */
    counts: { files: number; encrypted: number; templates: number; rules: number };
}

const SKIP_DIRS = new Set([".git", "node_modules"]);
const YAML_FILE = /\.ya?ml$/;
const TEMPLATE_FILE = /\.ya?ml\.example$/;
const ENCRYPTED_VALUE = /^ENC\[[A-Za-z0-9_]+,data:.*\]$/s;
const PLACEHOLDER = /^<[^<>]+>$/;

function walk(dir: string, root: string, out: string[]): void {
    for (const entry of readdirSync(dir).sort()) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) {
            if (!SKIP_DIRS.has(entry)) {
                walk(path, root, out);
            }
        } else {
            out.push(relative(root, path).split(sep).join("/"));
        }
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The creation rules' path_regex patterns (RE2 syntax; the subset .sops.yaml files use is valid JavaScript). */
export function creationRulePatterns(sopsYaml: string | undefined): RegExp[] {
    if (sopsYaml === undefined) {
        return [];
    }
    const doc = parse(sopsYaml) as { creation_rules?: { path_regex?: unknown }[] } | null;
    return (doc?.creation_rules ?? []).filter((r) => typeof r.path_regex === "string").map((r) => new RegExp(r.path_regex as string));
}

/** Values under data/stringData of every document, with their dotted location. */
function secretValues(doc: Record<string, unknown>): { at: string; value: unknown }[] {
    const values: { at: string; value: unknown }[] = [];
    for (const key of ["data", "stringData"]) {
        const section = doc[key];
        if (isRecord(section)) {
            for (const [name, value] of Object.entries(section)) {
                values.push({ at: `${key}.${name}`, value });
            }
        }
    }
    return values;
}

function readDocs(text: string): Record<string, unknown>[] | undefined {
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) {
        return undefined;
    }
    return docs.map((d) => d.toJS() as unknown).filter(isRecord);
}

const isSecret = (doc: Record<string, unknown>) => doc.kind === "Secret" && (doc.apiVersion === "v1" || doc.apiVersion === undefined);

export function checkSecrets(root: string): SecretCheck {
    const files: string[] = [];
    walk(root, root, files);
    let sopsYaml: string | undefined;
    try {
        sopsYaml = readFileSync(join(root, ".sops.yaml"), "utf8");
    } catch {
        sopsYaml = undefined;
    }
    const rules = creationRulePatterns(sopsYaml);
    const findings: SecretFinding[] = [];
    const counts = { files: 0, encrypted: 0, templates: 0, rules: rules.length };
    const add = (file: string, reason: string) => findings.push({ file, reason });

    for (const file of files) {
        const covered = rules.some((r) => r.test(file));
        const template = TEMPLATE_FILE.test(file);
        if (!covered && !template && !YAML_FILE.test(file)) {
            continue;
        }
        counts.files++;
        const docs = readDocs(readFileSync(join(root, file), "utf8"));
        if (covered) {
            if (!docs) {
                add(file, "is covered by a .sops.yaml creation rule but is not valid YAML, so it cannot be shown to be encrypted");
                continue;
            }
            const problems: string[] = [];
            docs.forEach((doc, i) => {
                const where = docs.length > 1 ? `document ${i + 1}: ` : "";
                if (!isRecord(doc.sops)) {
                    problems.push(`${where}no sops metadata (run: sops --encrypt --in-place ${file})`);
                }
                const plain = secretValues(doc).filter((v) => typeof v.value !== "string" || !ENCRYPTED_VALUE.test(v.value));
                if (plain.length > 0) {
                    problems.push(`${where}${plain.map((v) => v.at).join(", ")} not ENC[...]`);
                }
            });
            if (problems.length > 0) {
                add(file, `is covered by a .sops.yaml creation rule but is not SOPS-encrypted: ${problems.join("; ")}`);
            } else {
                counts.encrypted++;
            }
            continue;
        }
        if (!docs) {
            continue; // not YAML (a Helm template, say): nothing Flux or kustomize would apply as a Secret
        }
        if (template) {
            counts.templates++;
            for (const doc of docs.filter(isSecret)) {
                const real = secretValues(doc).filter((v) => typeof v.value !== "string" || !PLACEHOLDER.test(v.value));
                if (real.length > 0) {
                    add(file, `is a template but ${real.map((v) => v.at).join(", ")} holds a value, not a <placeholder>: templates are committed in plain text`);
                }
            }
            continue;
        }
        const secrets = docs.filter(isSecret);
        if (secrets.length > 0) {
            const names = secrets.map((d) => (isRecord(d.metadata) ? String(d.metadata.name) : "?")).join(", ");
            add(file, `holds a Kubernetes Secret (${names}) outside every .sops.yaml creation rule: rename it to *.enc.yaml under an environment's path (clusters/<env>-*/ or apps/*/overlays/<env>/) and encrypt it`);
        }
        for (const doc of docs) {
            const generators = doc.kind === "Kustomization" && Array.isArray(doc.secretGenerator) ? doc.secretGenerator : [];
            const literal = generators.filter((g): g is Record<string, unknown> => isRecord(g) && Array.isArray(g.literals) && g.literals.length > 0);
            if (literal.length > 0) {
                add(file, `has a secretGenerator with literals (${literal.map((g) => String(g.name)).join(", ")}): plain text in Git; use a SOPS-encrypted file instead`);
            }
        }
    }
    return { findings, counts };
}

/** The command's report and exit code: 1 with every finding, 0 with a summary. */
export function secretsReport(root: string, shown = root): { code: number; text: string } {
    const { findings, counts } = checkSecrets(root);
    if (findings.length > 0) {
        return {
            code: 1,
            text: `plaintext secrets would land in ${shown}:\n${findings.map((f) => `  ${f.file}: ${f.reason}`).join("\n")}\n`,
        };
    }
    return {
        code: 0,
        text:
            `${shown}: no plaintext secrets (${counts.files} YAML files, ${counts.rules} .sops.yaml creation rules, ` +
            `${counts.encrypted} encrypted files, ${counts.templates} templates with placeholders only)\n`,
    };
}
