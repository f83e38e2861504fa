// What `npm run plan` must load before it can do anything, loaded through the same launcher and nothing run. `npm run
// bench` compares the plan's wall time with this one's (target: plan <= 1.3x load). With $BENCH_LOAD_MODULES (a list
// written by bench/modules.cjs during a plan run) it also loads the package files the plan loads lazily (Azure resource
// classes, the Kubernetes provider), so both sides load the same code. With DEFER_SDK=0 (the target's baseline)
// @pulumi/pulumi loads whole, as in any Node program; without it, with the stand-ins the plan runs with.
import { existsSync, readFileSync } from "node:fs";
import { lazy } from "../cli/lazy";

export function runCli(): void {
    lazy.offlineProgram();
    lazy.program();
    lazy.policyOffline();
    lazy.planModel();
    lazy.planRender();
    const list = process.env.BENCH_LOAD_MODULES;
    if (list && existsSync(list)) {
        for (const file of readFileSync(list, "utf8").split("\n").filter(Boolean)) {
            lazy.file(file);
        }
    }
}
