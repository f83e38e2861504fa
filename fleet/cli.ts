// npm run fleet -- --stack <name> --out <fleet repo dir> [--check]
// npm run fleet -- --check-secrets <fleet repo dir>   (fleet/secrets.ts: exit 1 when a plaintext secret would land)
// Writes clusters/<cluster>/ (the stack's Flux bootstrap) and merges the environment's rule into .sops.yaml, offline,
// from the objects the program registers. --check compares instead of writing (exit 1 when out of date).
// Exit codes: 0 written / up to date, 1 out of date (--check), 2 bad usage, unknown stack or invalid config.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import type { Capture } from "../harness/run";
import { failure, UsageError, userPath } from "../harness/usage";
import { secretsReport } from "./secrets";
import { clusterFiles, FluxKustomization, LayerObject, mergeSopsConfig } from "./layout";
import type { FleetLayoutArgs } from "./layout";

const USAGE = `usage: npm run fleet -- --stack <name> --out <fleet repo dir> [--check]
       npm run fleet -- --check-secrets <fleet repo dir>

  --stack   a committed stack (Pulumi.<name>.yaml)
  --out     the fleet repository checkout to write into (clusters/<cluster>/ and .sops.yaml)
  --check   do not write; exit 1 if the files there differ from what the stack renders
  --check-secrets  exit 1 when a file a .sops.yaml rule covers is not encrypted, or a Secret sits outside the rules`;

/** The fleet files a stack renders, keyed by path relative to the fleet repo root (.sops.yaml merged with `existing`). */
export function fleetFiles(capture: Capture, existingSops?: string, encryptedFiles: (dir: string) => string[] = () => []): Map<string, string> {
    const component = capture.resources.find((r) => r.type === "aks-gitops:index:FleetManifests");
    if (!component) {
        throw new Error("the program registered no FleetManifests component");
    }
    const args = component.inputs as unknown as FleetLayoutArgs;
    const children = capture.resources.filter((r) => r.parent === component.urn && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"));
    const pick = (inputs: Record<string, unknown>) => ({ apiVersion: inputs.apiVersion, kind: inputs.kind, metadata: inputs.metadata, spec: inputs.spec });
    const objects = children.filter((r) => r.type === "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization").map((r) => pick(r.inputs) as FluxKustomization);
    const layerObjects = children.filter((r) => r.type !== "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization").map((r) => pick(r.inputs) as LayerObject);
    const files = clusterFiles(objects, args, layerObjects, encryptedFiles);
    const rule = parse(String(capture.outputs.sopsCreationRule?.value ?? "")) as Record<string, unknown>[] | null;
    if (!Array.isArray(rule) || rule.length !== 1) {
        throw new Error("the stack output sopsCreationRule is not a single .sops.yaml creation rule");
    }
    files.set(".sops.yaml", mergeSopsConfig(existingSops, rule[0]));
    return files;
}

export async function main(argv: string[]): Promise<{ code: number; text: string }> {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", short: "s" },
                out: { type: "string" },
                check: { type: "boolean", default: false },
                "check-secrets": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (values.help) {
        return { code: 0, text: `${USAGE}\n` };
    }
    const secretsDir = values["check-secrets"];
    if (secretsDir !== undefined) {
        if (values.stack || values.out || values.check) {
            throw new UsageError("--check-secrets takes only the fleet repo directory");
        }
        const dir = userPath(secretsDir);
        if (!existsSync(dir) || !statSync(dir).isDirectory()) {
            throw new UsageError(`--check-secrets: ${secretsDir} is not a directory`);
        }
        return secretsReport(dir, secretsDir);
    }
    if (!values.stack || !values.out) {
        throw new UsageError("--stack and --out are required");
    }
    const { planStack } = require("../harness/run") as typeof import("../harness/run");
    const capture = await planStack(values.stack);
    const sopsPath = join(values.out, ".sops.yaml");
    // SOPS-encrypted files the team added to a rendered layer directory (the alerts Secret) are listed in its kustomization.
    const encrypted = (dir: string) => (existsSync(join(values.out!, dir)) ? readdirSync(join(values.out!, dir)) : []);
    const files = fleetFiles(capture, existsSync(sopsPath) ? readFileSync(sopsPath, "utf8") : undefined, encrypted);

    const stale: string[] = [];
    for (const [path, content] of files) {
        const target = join(values.out, path);
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
            : { code: 1, text: `out of date with stack ${values.stack} (run npm run fleet -- --stack ${values.stack} --out ${values.out}):\n${stale.map((p) => `  ${p}`).join("\n")}\n` };
    }
    return { code: 0, text: stale.length === 0 ? "nothing to change\n" : `wrote:\n${stale.map((p) => `  ${p}`).join("\n")}\n` };
}

export function runCli(argv: string[]): Promise<void> {
    return main(argv)
        .then(({ code, text }) => {
            process.stdout.write(text);
            process.exitCode = code;
        })
        .catch((e: unknown) => {
            const { code, message } = failure(e, USAGE, "fleet");
            process.stderr.write(`${message}\n`);
            process.exitCode = code;
        });
}
