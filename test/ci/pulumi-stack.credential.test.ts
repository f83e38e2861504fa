// ci/pulumi-stack.ts and the fleet repo's credential: which CI secret becomes which secret config key follows from the
// stack's fleet URL (stacks/load.ts: gitSshPrivateKey only for ssh://, gitHttpsPassword only for https://), the other one
// is left out with a note, and a deploy key already held in the stack file (as `secure:` config) needs none from CI.
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Backend, checkout, cleanup, KEY, outcome, run, SSH_KEY } from "../support/pulumi-stack";

afterEach(cleanup);

const RESTORED = (stack: string) =>
    `${stack}: secrets provider ${KEY} (secretsprovider and encryptedkey restored from the state into this runner's Pulumi.${stack}.yaml)`;
const FLEET = "ssh://git@ssh.dev.azure.com/v3/contoso/platform/fleet";
// What `pulumi config set --secret` leaves in the stack file: the value encrypted by the stack's data key.
const SECURE = "v1:Vx9l0Kq3tYcAbCdE:bWFkZS11cCBjaXBoZXJ0ZXh0";

function withState(stack: string): Backend {
    const backend = new Backend();
    backend.states.set(stack, { secrets: { type: "cloud", state: { url: KEY, encryptedkey: "ZGF0YQ==" } } });
    return backend;
}

/** A checkout whose stack file has `lines` added to its config block (the fixture files end inside it). */
function checkoutWith(stack: string, lines: string): string {
    const dir = checkout();
    const file = join(dir, `Pulumi.${stack}.yaml`);
    writeFileSync(file, `${readFileSync(file, "utf8")}${lines}`);
    return dir;
}

const secretSets = (backend: Backend) => backend.calls.filter((c) => c.includes("--secret"));

describe("ci/pulumi-stack.ts: the fleet repo's credential", () => {
    it("ssh:// fleet: the deploy key is set; a password given as well is left out, with a note", () => {
        const backend = withState("prod");
        const { result } = run(backend, ["--stack", "prod", "--mode", "existing"], {
            FLUX_GIT_HTTPS_PASSWORD: "pat-123",
        });
        assert.deepEqual(result, {
            code: 0,
            stdout: [
                RESTORED("prod"),
                `prod: gitSshPrivateKey set as secret config (encrypted with ${KEY})`,
                "prod: FLUX_GIT_HTTPS_PASSWORD left out: the fleet repo is ssh://",
                "",
            ].join("\n"),
            stderr: "",
        });
        assert.deepEqual([...backend.secrets.entries()], [["prod:gitSshPrivateKey", SSH_KEY]]);
    });

    it("ssh:// fleet: no password given (unset or an unexpanded Azure Pipelines variable), no note", () => {
        for (const password of [undefined, "", "$(FLUX_GIT_HTTPS_PASSWORD)"]) {
            const { result } = run(withState("prod"), ["--stack", "prod", "--mode", "existing"], {
                FLUX_GIT_HTTPS_PASSWORD: password,
            });
            assert.equal(
                result.stdout,
                `${RESTORED("prod")}\nprod: gitSshPrivateKey set as secret config (encrypted with ${KEY})\n`,
                String(password),
            );
        }
    });

    it("https:// fleet without a password or a deploy key: nothing is set and nothing noted", () => {
        for (const sshKey of [undefined, "", "$(FLUX_GIT_SSH_KEY)"]) {
            const dir = checkoutWith(
                "dev",
                "  aks-gitops:flux:\n    git:\n      url: https://dev.azure.com/contoso/platform/_git/fleet\n",
            );
            const backend = withState("dev");
            const { result } = run(
                backend,
                ["--stack", "dev", "--mode", "existing"],
                { FLUX_GIT_SSH_KEY: sshKey },
                dir,
            );
            assert.deepEqual(result, { code: 0, stdout: `${RESTORED("dev")}\n`, stderr: "" }, String(sshKey));
            assert.deepEqual(secretSets(backend), []);
        }
    });

    it("ssh:// fleet whose stack file already holds gitSshPrivateKey as secure config: no FLUX_GIT_SSH_KEY needed, the held key kept", () => {
        const held = `  aks-gitops:gitSshPrivateKey:\n    secure: ${SECURE}\n`;
        for (const sshKey of [undefined, "", "$(FLUX_GIT_SSH_KEY)"]) {
            const dir = checkoutWith("prod", held);
            const backend = withState("prod");
            const { result } = run(
                backend,
                ["--stack", "prod", "--mode", "existing"],
                { FLUX_GIT_SSH_KEY: sshKey },
                dir,
            );
            assert.deepEqual(result, { code: 0, stdout: `${RESTORED("prod")}\n`, stderr: "" }, String(sshKey));
            assert.deepEqual(secretSets(backend), [], "the held key is never overwritten with an empty one");
        }
        // A deploy key from CI replaces the held one (the CI secret is the one rotated).
        const backend = withState("prod");
        run(backend, ["--stack", "prod", "--mode", "existing"], {}, checkoutWith("prod", held));
        assert.deepEqual([...backend.secrets.entries()], [["prod:gitSshPrivateKey", SSH_KEY]]);
    });

    it("ssh:// fleet whose stack file holds another secret only still needs FLUX_GIT_SSH_KEY (exit 2, nothing run)", () => {
        const dir = checkoutWith("prod", `  azure-native:clientSecret:\n    secure: ${SECURE}\n`);
        const backend = withState("prod");
        assert.deepEqual(
            outcome(() =>
                run(backend, ["--stack", "prod", "--mode", "existing"], { FLUX_GIT_SSH_KEY: undefined }, dir),
            ),
            {
                code: 2,
                message: `stack prod's fleet repo is ${FLEET}: set the CI secret FLUX_GIT_SSH_KEY (the repo's read-only deploy key), which becomes the secret config gitSshPrivateKey`,
            },
        );
        assert.deepEqual(backend.calls, []);
    });
});
