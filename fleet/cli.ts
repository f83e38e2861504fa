// npm run fleet -- --stack <name> --out <fleet repo dir> [--check]
// npm run fleet -- --check-secrets <fleet repo dir>   (fleet/secrets.ts: exit 1 when a plaintext secret would land)
// Writes clusters/<cluster>/ (the stack's Flux bootstrap) and merges the environment's rule into .sops.yaml, offline,
// from the objects the program registers. --check compares instead of writing (exit 1 when out of date).
// Exit codes: 0 written / up to date, 1 out of date (--check), 2 bad usage, unknown stack, invalid config, an --out
// that is not a directory, a missing fleet folder (--check) or shared layers the fleet lacks (without --scaffold).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import type { Capture } from "../offline/program";
import { defineCommand } from "../cli/command";
import { lazy } from "../cli/lazy";
import { ConfigFileError, UsageError, userPath } from "../cli/usage";
import { secretsReport } from "./secrets";
import type { FluxKustomization, LayerObject } from "./layout";
import { clusterFiles, mergeSopsConfig } from "./repo-files";
import type { FleetManifestsOutputs } from "../components/FleetManifests";
import { ENVIRONMENTS } from "../stacks/schema";

const USAGE = `usage: npm run fleet -- --stack <name> --out <fleet repo dir> [--check | --scaffold]
       npm run fleet -- --check-secrets <fleet repo dir>

  --stack     a committed stack (Pulumi.<name>.yaml)
  --out       the fleet repository checkout to write into (clusters/<cluster>/ and .sops.yaml); it must hold the
              shared layers the cluster refers to (infrastructure/, apps/<app>/overlays/<env>), or use --scaffold
  --scaffold  also copy the shared layers the cluster needs and the fleet lacks from examples/fleet
  --check     do not write; exit 1 if the files there differ from what the stack renders
  --check-secrets  the fleet repo's secret guard (fleet/secrets.ts): builds every kustomization with kustomize and
              reads every file; exit 1 when a plaintext secret would land or a secret goes to another environment's
              key, exit 2 when something cannot be checked (malformed YAML, a failing build, a symlink leaving the repo)`;

/**
 * The fleet files a stack renders, keyed by path relative to the fleet repo root (.sops.yaml merged with `existingSops`,
 * the text of `sopsFile`, named in a refusal).
 */
export function fleetFiles(
    capture: Capture,
    existingSops?: string,
    encryptedFiles: (dir: string) => string[] = () => [],
    sopsFile = ".sops.yaml",
): Map<string, string> {
    const component = capture.resources.find((r) => r.type === "aks-gitops:index:FleetManifests");
    // The cluster directory's facts come from the component's registered outputs, never its inputs (the SDK leaves
    // those out under PULUMI_NODEJS_SKIP_COMPONENT_INPUTS); the objects are its children, exactly as the render
    // provider writes them, in the order they were registered (the order the committed fleet files list them in).
    const layout =
        component && (capture.registeredOutputs.get(component.urn) as FleetManifestsOutputs | undefined)?.layout;
    if (!component || !layout) {
        throw new Error("the program registered no FleetManifests component with its outputs");
    }
    const children = capture.resources.filter(
        (r) => r.parent === component.urn && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"),
    );
    const pick = (inputs: Record<string, unknown>) => ({
        apiVersion: inputs.apiVersion,
        kind: inputs.kind,
        metadata: inputs.metadata,
        spec: inputs.spec,
    });
    const objects = children
        .filter((r) => r.type === "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization")
        .map((r) => pick(r.inputs) as FluxKustomization);
    const layerObjects = children
        .filter((r) => r.type !== "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization")
        .map((r) => pick(r.inputs) as LayerObject);
    const files = clusterFiles(objects, layout, layerObjects, encryptedFiles);
    const ruleText = capture.outputs.sopsCreationRule?.value;
    const rule = parse(typeof ruleText === "string" ? ruleText : "") as Record<string, unknown>[] | null;
    if (!Array.isArray(rule) || rule.length !== 1) {
        throw new Error("the stack output sopsCreationRule is not a single .sops.yaml creation rule");
    }
    // Every environment's rule goes first (mergeSopsConfig); the program (and so SopsKeyVault) is loaded by now.
    const { sopsPathRegex } = lazy.sopsKeyVault();
    files.set(
        ".sops.yaml",
        mergeSopsConfig(existingSops, rule[0] as { path_regex: string }, ENVIRONMENTS.map(sopsPathRegex), sopsFile),
    );
    return files;
}

export const command = defineCommand({
    name: "fleet",
    usage: USAGE,
    options: {
        stack: { type: "string", short: "s" },
        out: { type: "string" },
        check: { type: "boolean", default: false },
        scaffold: { type: "boolean", default: false },
        "check-secrets": { type: "string" },
        help: { type: "boolean", short: "h" },
    },
    run: (argv) => main(argv),
});

export async function main(argv: string[]): Promise<{ code: number; text: string }> {
    const { values } = command.parse(argv);
    if (values.help) {
        return { code: 0, text: `${USAGE}\n` };
    }
    const secretsDir = values["check-secrets"];
    if (secretsDir !== undefined) {
        // --scaffold too: accepted and ignored, it would let the user believe the layers were copied.
        if (values.stack || values.out || values.check || values.scaffold) {
            throw new UsageError("--check-secrets takes only the fleet repo directory");
        }
        // An empty argument would resolve to the working directory and check the wrong tree: refused, like a missing one.
        if (secretsDir.trim() === "") {
            throw new UsageError(
                "--check-secrets: the fleet repo directory is empty (give the path of the fleet repository checkout)",
            );
        }
        const dir = userPath(secretsDir);
        if (!existsSync(dir) || !statSync(dir).isDirectory()) {
            throw new UsageError(`--check-secrets: ${secretsDir} is not a directory`);
        }
        const report = await secretsReport(dir, secretsDir);
        if (report.code === 2) {
            throw new ConfigFileError(report.text.trimEnd()); // stderr, exit 2: the guard could not check everything
        }
        return report;
    }
    if (!values.stack || !values.out) {
        throw new UsageError("--stack and --out are required");
    }
    if (values.check && values.scaffold) {
        throw new UsageError("choose one of --check and --scaffold");
    }
    const out = userPath(values.out);
    // --out is the fleet repo's checkout, a directory: a file there (or on the way there) is a mistake in every mode,
    // said before anything is planned or written (--check would call every file out of date, --scaffold would fail
    // half-way copying into it, a plain run would ask for shared layers).
    const blocker = firstNonDirectory(out);
    if (blocker !== undefined) {
        throw new UsageError(
            `--out: ${blocker === out ? out : `${blocker} (on the way to ${out})`} is not a directory; give the fleet repo checkout to write into`,
        );
    }
    if (values.check && !existsSync(out)) {
        throw new UsageError(
            `--check: the fleet repo folder ${out} does not exist (nothing to compare; write it with npm run fleet -- --stack ${values.stack} --out ${values.out})`,
        );
    }
    const { planStack } = lazy.offlineProgram();
    const capture = await planStack(values.stack);
    const sopsPath = join(out, ".sops.yaml");
    // SOPS-encrypted files the team added to a rendered layer directory (the alerts Secret) are listed in its kustomization.
    const encrypted = (dir: string) => (existsSync(join(out, dir)) ? readdirSync(join(out, dir)) : []);
    const files = fleetFiles(
        capture,
        existsSync(sopsPath) ? readFileSync(sopsPath, "utf8") : undefined,
        encrypted,
        join(values.out, ".sops.yaml"),
    );

    // The cluster's directory points at shared layers; writing it into a fleet without them would leave Flux with
    // paths that do not exist. Refuse, or (--scaffold) copy the missing layers from the starter fleet.
    const missing = sharedLayers(files).filter((dir) => !existsSync(join(out, dir)));
    const copied: string[] = [];
    if (missing.length > 0 && !values.check) {
        if (!values.scaffold) {
            throw new UsageError(
                `${out} lacks the shared layers ${values.stack}'s cluster directory refers to: ${missing.join(", ")}. Add them to the fleet repo, or pass --scaffold to copy them from examples/fleet`,
            );
        }
        const starter = join(__dirname, "..", "examples", "fleet");
        const unavailable = missing.filter((dir) => !existsSync(join(starter, dir)));
        if (unavailable.length > 0) {
            throw new UsageError(
                `--scaffold: examples/fleet has no ${unavailable.join(", ")} to copy; create them in the fleet repo`,
            );
        }
        for (const dir of copyRoots(missing, (d) => existsSync(join(out, d)))) {
            cpSync(join(starter, dir), join(out, dir), { recursive: true });
            copied.push(dir);
        }
    }

    const stale: string[] = [];
    for (const [path, content] of files) {
        const target = join(out, path);
        const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
        if (current === content) {
            continue;
        }
        stale.push(path);
        if (!values.check) {
            mkdirSync(dirname(target), { recursive: true });
            writeFileSync(target, content);
        }
    }
    if (values.check) {
        return stale.length === 0
            ? { code: 0, text: `${values.out} is up to date with stack ${values.stack}\n` }
            : {
                  code: 1,
                  text: `out of date with stack ${values.stack} (run npm run fleet -- --stack ${values.stack} --out ${values.out}):\n${stale.map((p) => `  ${p}`).join("\n")}\n`,
              };
    }
    const scaffolded =
        copied.length > 0 ? `copied from examples/fleet:\n${copied.map((d) => `  ${d}/`).join("\n")}\n` : "";
    return {
        code: 0,
        text: `${scaffolded}${stale.length === 0 ? "nothing to change\n" : `wrote:\n${stale.map((p) => `  ${p}`).join("\n")}\n`}`,
    };
}

/** The path itself or its nearest existing ancestor, when that is not a directory (a file); undefined when all is well. */
export function firstNonDirectory(path: string): string | undefined {
    for (let p = path; ; p = dirname(p)) {
        if (existsSync(p)) {
            return statSync(p).isDirectory() ? undefined : p;
        }
        if (dirname(p) === p) {
            return undefined;
        }
    }
}

/**
 * What to copy for the missing layers: an app overlay brings its whole app (the overlay builds on ../../base) unless
 * the app exists; a directory inside another one copied anyway is not copied twice.
 */
export function copyRoots(missing: string[], exists: (dir: string) => boolean): string[] {
    const roots = missing.map((dir) => {
        const app = /^(apps\/[^/]+)\/overlays\//.exec(dir)?.[1];
        return app && !exists(app) ? app : dir;
    });
    return [...new Set(roots)]
        .filter((dir, _i, all) => !all.some((other) => other !== dir && dir.startsWith(`${other}/`)))
        .sort();
}

/**
 * The directories outside clusters/ that the rendered files refer to: the Flux Kustomizations' spec.path and the
 * relative resources of the cluster's kustomization.yaml files, as fleet-root-relative paths.
 */
export function sharedLayers(files: Map<string, string>): string[] {
    const found = new Set<string>();
    for (const [path, content] of files) {
        if (!path.endsWith(".yaml") || path === ".sops.yaml") {
            continue;
        }
        for (const doc of parseAllDocuments(content)) {
            const value = doc.toJS() as { kind?: string; spec?: { path?: string }; resources?: unknown[] } | null;
            if (value?.kind === "Kustomization" && typeof value.spec?.path === "string") {
                found.add(posix.normalize(value.spec.path.replace(/^\.\//, "")));
            }
            for (const resource of Array.isArray(value?.resources) ? value.resources : []) {
                if (typeof resource === "string" && resource.startsWith("..")) {
                    found.add(posix.normalize(posix.join(posix.dirname(path), resource)));
                }
            }
        }
    }
    return [...found].filter((dir) => !dir.startsWith("clusters/") && dir !== "." && !dir.startsWith("..")).sort();
}

export const runCli = command.runCli;
