// `kubectl kustomize` for the starter-fleet tests: every kustomization directory of examples/fleet, each built once per
// test process (a build is ~0.3 s of CPU and two test files read the same ones), two builds at a time.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";

export const EXAMPLE = join(ROOT, "examples", "fleet");
export const haveKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

export function kustomizationDirs(dir: string): string[] {
    const found: string[] = [];
    for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) {
            found.push(...kustomizationDirs(path));
        } else if (entry === "kustomization.yaml") {
            found.push(dir);
        }
    }
    return found.sort();
}

export interface Build {
    status: number;
    stdout: string;
    stderr: string;
}

const builds = new Map<string, Promise<Build>>();
const waiting: (() => void)[] = [];
let running = 0;
const PARALLEL = 2;

/** `kubectl kustomize <dir>`, memoised: the same directory is built once however many tests read it. */
export function kustomize(dir: string): Promise<Build> {
    let build = builds.get(dir);
    if (!build) {
        // A slot is taken when granted (running counts granted slots), so builds asked for in one tick still queue.
        build = new Promise<void>((go) => {
            if (running < PARALLEL) {
                running++;
                go();
            } else {
                waiting.push(() => {
                    running++;
                    go();
                });
            }
        }).then(() => run(dir));
        builds.set(dir, build);
    }
    return build;
}

function run(dir: string): Promise<Build> {
    return new Promise<Build>((resolve) => {
        const child = spawn("kubectl", ["kustomize", dir], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", (e) => resolve({ status: -1, stdout, stderr: `${stderr}${e.message}` }));
        child.on("close", (code) => resolve({ status: code ?? -1, stdout, stderr }));
    }).finally(() => {
        running--;
        waiting.shift()?.();
    });
}
