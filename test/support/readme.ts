// The README's shell blocks, as the README tests read them (test/product/readme.test.ts checks what they name,
// readme.e2e.test.ts runs them).
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../stacks/paths";

export const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The ```sh blocks of the README, each as its logical lines (continuations joined). */
export function shellBlocks(): string[][] {
    return [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
        m[1]
            .replace(/\\\n\s*/g, "")
            .split("\n")
            .filter((l) => l.trim() !== ""),
    );
}

/** The one shell block with a line matching `line`. */
export function blockWith(line: RegExp): string[] {
    const found = shellBlocks().filter((b) => b.some((l) => line.test(l)));
    assert.equal(found.length, 1, `exactly one README block with ${line}`);
    return found[0];
}
