// A child process run to its end without blocking the test process, its output collected as text: for tests that
// start several at once (kustomize builds beside the guard's own, a CLI process beside an in-process run).
import { spawn, type SpawnOptions } from "node:child_process";

export interface Finished {
    /** The exit code; null when a signal ended it. */
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `command args`; rejects only when it cannot be started (e.g. ENOENT). */
export function runProcess(command: string, args: string[], options: SpawnOptions = {}): Promise<Finished> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}
