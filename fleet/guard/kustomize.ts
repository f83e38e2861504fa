// Runs real kustomize on the fleet repository's kustomization directories, a few at a time, each within a time limit,
// and reads the output document by document (bounded memory, however large the build).
//
// The build is the one kustomize-controller runs before it applies (fluxcd/pkg kustomize/kustomize_generator.go
// Build): load restrictions off (`--load-restrictor LoadRestrictionsNone`), so a kustomization may read files from
// anywhere in the repository, and no plugins. `kustomize` from PATH is preferred (the GitHub ubuntu-24.04 runner image
// ships it, actions/runner-images images/ubuntu/Ubuntu2404-Readme.md), else `kubectl kustomize`; AKS_GITOPS_KUSTOMIZE
// names another binary (a path to `kustomize` or `kubectl`).
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { DocumentError, DocumentSplitter, parseOne } from "./documents";

export interface Kustomize {
    command: string;
    /** The arguments that build `dir`. */
    args(dir: string): string[];
    /** What it is, for the report: "kustomize v5.6.0" or "kubectl kustomize (kustomize v5.5.0)". */
    version: string;
}

export class KustomizeUnavailable extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KustomizeUnavailable";
    }
}

const RESTRICTOR = "--load-restrictor=LoadRestrictionsNone";

function probe(command: string, args: string[]): string | undefined {
    const run = spawnSync(command, args, { encoding: "utf8", timeout: 20_000 });
    return run.status === 0 ? run.stdout : undefined;
}

function asKubectl(command: string): Kustomize | undefined {
    const out = probe(command, ["version", "--client", "-o", "json"]);
    if (out === undefined) {
        return undefined;
    }
    let version = "?";
    try {
        version = String((JSON.parse(out) as { kustomizeVersion?: string }).kustomizeVersion ?? "?");
    } catch {
        // an old kubectl without JSON output still builds
    }
    return {
        command,
        args: (dir) => ["kustomize", RESTRICTOR, dir],
        version: `kubectl kustomize (kustomize ${version})`,
    };
}

function asKustomize(command: string): Kustomize | undefined {
    const out = probe(command, ["version"]);
    if (out === undefined) {
        return undefined;
    }
    const version = /v\d+\.\d+\.\d+/.exec(out)?.[0] ?? out.trim().split("\n")[0];
    return { command, args: (dir) => ["build", RESTRICTOR, dir], version: `kustomize ${version}` };
}

/** The kustomize to build with; KustomizeUnavailable (the guard cannot run: exit 2) when there is none. */
export function findKustomize(env: NodeJS.ProcessEnv = process.env): Kustomize {
    const named = env.AKS_GITOPS_KUSTOMIZE;
    if (named !== undefined && named !== "") {
        const found = basename(named).startsWith("kubectl") ? asKubectl(named) : asKustomize(named);
        if (!found) {
            throw new KustomizeUnavailable(
                `AKS_GITOPS_KUSTOMIZE=${named} does not run (\`${named} ${basename(named).startsWith("kubectl") ? "version --client" : "version"}\` failed)`,
            );
        }
        return found;
    }
    const found = asKustomize("kustomize") ?? asKubectl("kubectl");
    if (!found) {
        throw new KustomizeUnavailable(
            "neither kustomize nor kubectl is on PATH: the guard builds every kustomization with real kustomize (install either, or set AKS_GITOPS_KUSTOMIZE)",
        );
    }
    return found;
}

export interface BuildOptions {
    /** Builds at once; default min(4, cores). */
    concurrency?: number;
    /** Per build; default 120 s. */
    timeoutMs?: number;
    /** Output of one build; default 512 MiB. */
    maxOutputBytes?: number;
}

export const DEFAULT_BUILD_TIMEOUT_MS = 120_000;

export interface BuildFailure {
    dir: string;
    reason: string;
}

/** Hints for failures with a known cause. */
function hint(stderr: string): string {
    if (
        /dial tcp|Could not resolve host|no such host|git fetch|git clone|timed out fetching|network is unreachable/i.test(
            stderr,
        )
    ) {
        return " — it fetches a remote resource: the guard needs network access and read access to that repository where it runs (or vendor the resource into the fleet repository)";
    }
    return "";
}

/** Builds `dir` (absolute) and hands each output object to `onObject`; resolves with a failure or undefined. */
function buildOne(
    tool: Kustomize,
    dir: string,
    shown: string,
    options: Required<BuildOptions>,
    onObject: (value: unknown) => void,
): Promise<BuildFailure | undefined> {
    return new Promise((resolve) => {
        const child = spawn(tool.command, tool.args(dir), { stdio: ["ignore", "pipe", "pipe"] });
        let failure: string | undefined;
        let stderr = "";
        let bytes = 0;
        const fail = (reason: string) => {
            if (failure === undefined) {
                failure = reason;
                child.kill("SIGKILL");
            }
        };
        const timer = setTimeout(() => fail(`did not finish within ${options.timeoutMs / 1000} s`), options.timeoutMs);
        const decoder = new StringDecoder("utf8");
        const splitter = new DocumentSplitter((text, line) => onObject(parseOne(text, line)));
        child.stdout.on("data", (chunk: Buffer) => {
            if (failure !== undefined) {
                return;
            }
            bytes += chunk.length;
            if (bytes > options.maxOutputBytes) {
                fail(`printed more than ${options.maxOutputBytes / (1024 * 1024)} MiB`);
                return;
            }
            try {
                splitter.push(decoder.write(chunk));
            } catch (e) {
                fail(
                    e instanceof DocumentError
                        ? `printed output the guard cannot read (output line ${e.line}: ${e.message})`
                        : (e as Error).message,
                );
            }
        });
        // The last 64 KiB of what it says: kustomize's error comes last, after any number of warnings.
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
            stderr = (stderr + d).slice(-64 * 1024);
        });
        child.on("error", (e) => fail(`could not start ${tool.command}: ${e.message}`));
        child.on("close", (code) => {
            clearTimeout(timer);
            if (failure === undefined && code !== 0) {
                const message = stderr.trim().split("\n").slice(-6).join("\n      ").slice(0, 1500);
                failure = `failed (${tool.version}, exit ${code ?? "killed"}): ${message}${hint(stderr)}`;
            }
            if (failure === undefined) {
                try {
                    splitter.push(decoder.end());
                    splitter.end();
                } catch (e) {
                    failure =
                        e instanceof DocumentError
                            ? `printed output the guard cannot read (output line ${e.line}: ${e.message})`
                            : (e as Error).message;
                }
            }
            resolve(failure === undefined ? undefined : { dir: shown, reason: `kustomize build ${failure}` });
        });
    });
}

/** Builds every directory, `concurrency` at a time; `onObject(dir, value)` for each output document. */
export async function buildAll(
    tool: Kustomize,
    dirs: { abs: string; shown: string }[],
    onObject: (dir: string, value: unknown) => void,
    options: BuildOptions = {},
): Promise<BuildFailure[]> {
    const settings: Required<BuildOptions> = {
        concurrency: options.concurrency ?? Math.min(4, Math.max(1, availableParallelism())),
        timeoutMs: options.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS,
        maxOutputBytes: options.maxOutputBytes ?? 512 * 1024 * 1024,
    };
    const failures: BuildFailure[] = [];
    let next = 0;
    const worker = async () => {
        while (next < dirs.length) {
            const { abs, shown } = dirs[next++];
            const failure = await buildOne(tool, abs, shown, settings, (value) => onObject(shown, value));
            if (failure) {
                failures.push(failure);
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, dirs.length) }, worker));
    return failures;
}
