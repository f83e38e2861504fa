// `kubectl kustomize` for the starter-fleet tests: every kustomization directory of examples/fleet, each built once per
// test process (a build is ~0.3 s of CPU and two test files read the same ones), two builds at a time.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";
import { runProcess } from "./process";

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
    return runProcess("kubectl", ["kustomize", dir])
        .then(
            ({ status, stdout, stderr }): Build => ({ status: status ?? -1, stdout, stderr }),
            (e: Error): Build => ({ status: -1, stdout: "", stderr: e.message }),
        )
        .finally(() => {
            running--;
            waiting.shift()?.();
        });
}
