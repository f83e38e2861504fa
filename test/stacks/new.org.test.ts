// npm run new-stack for a real organisation (issue 20, point 7): --save-org makes the receivers given the org's, with
// Pulumi.yaml's comments kept; a cluster joins another stack's vault only by choice; ssh fleet repos on any host get
// their host keys; regions are Azure's; stack names follow Pulumi's rules. Every refusal is exit 2 with nothing written.
// Published facts are stated literally here, from their sources:
// - GitHub's SSH key fingerprints (github/docs content/authentication/keeping-your-account-and-data-secure/
//   githubs-ssh-key-fingerprints.md): RSA uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s, ECDSA
//   p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM, Ed25519 +DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU.
// - GitLab.com's (gitlab-org/gitlab doc/user/gitlab_com/_index.md, "SSH host keys fingerprints"): ECDSA
//   HbW3g8zUjNSksFbqTiUWPWg2Bq1x8xdGUrliXFzSnUw, ED25519 eUXGGm1YGsMAS7vkcx6JOJdOGHPem5gQp4taiCfCLB8, RSA
//   ROQFvPThGrW4RuWLoL9tq9I9zJ42fK4XywyRtbOz/EQ.
// - Azure DevOps's, for ssh.dev.azure.com and vs-ssh.visualstudio.com (MicrosoftDocs/azure-devops-docs
//   docs/repos/git/use-ssh-keys-to-authenticate.md): RSA ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og.
// - Pulumi's stack names (pulumi/pulumi sdk/go/common/tokens/stack_name.go): at most 100 characters of letters,
//   digits, "-", "_" and ".".
// - The Azure regions (MicrosoftDocs/reliability-docs articles/reliability/regions-list.md, "All", Programmatic name).
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import * as newStack from "../../stacks/new";
import { main, parseKnownHosts, publishedHostKeys } from "../../stacks/new";
import { AZURE_REGIONS, PUBLISHED_SSH_HOST_KEYS } from "../../stacks/perishable";
import { runCliInProcess } from "../support/stacks";
import { newStackProject, stackConfig } from "../support/new-stack";

const project = newStackProject;

async function run(dir: string, args: string[]) {
    const out: string[] = [];
    const code = await main([...args, "--root", dir, "--no-plan"], {
        interactive: false,
        log: (l) => out.push(l.split(dir).join("<dir>")),
    });
    return { code, out };
}

/** The command as a user runs it: exit code, stdout, stderr, and the files of the project afterwards. */
async function cli(dir: string, args: string[]) {
    const before = readdirSync(dir).sort();
    const pulumiYaml = readFileSync(join(dir, "Pulumi.yaml"), "utf8");
    const r = await runCliInProcess(newStack.runCli, [...args, "--root", dir, "--no-plan"]);
    return {
        ...r,
        unchanged:
            JSON.stringify(readdirSync(dir).sort()) === JSON.stringify(before) &&
            readFileSync(join(dir, "Pulumi.yaml"), "utf8") === pulumiYaml,
    };
}

/** SHA256 fingerprints of known_hosts lines as `ssh-keygen -lf` prints them (unpadded base64 of the blob's SHA-256). */
const fingerprintsOf = (knownHosts: string) =>
    knownHosts.split("\n").map(
        (l) =>
            `${l.split(" ")[1]} ${createHash("sha256")
                .update(Buffer.from(l.split(" ")[2], "base64"))
                .digest("base64")
                .replace(/=+$/, "")}`,
    );

// A throwaway Ed25519 key, made with ssh-keygen for these tests; the hashed line is `ssh-keygen -H` of the plain one.
const ACME_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIEjxu+1nxM5xRsRr2giroyZGPVZDa3uWdek6+irIynPf";
const ACME_PLAIN = `[git.acme.example]:2222 ssh-ed25519 ${ACME_KEY}`;
const ACME_HASHED = `|1|XvxoUJiEBjM18JK0BD8bvaJeDHY=|VkqVvg3aZquYKeBzOddqutDVBYc= ssh-ed25519 ${ACME_KEY}`;

describe("npm run new-stack for a real organisation", () => {
    describe("--save-org", () => {
        it("makes the receivers given the organisation's, all of them: the example's webhook and e-mail go", async () => {
            const dir = project();
            const { code, out } = await run(dir, [
                "prod-a",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "westus3",
                "--fleet-url",
                "https://github.com/acme/fleet",
                "--api-range",
                "198.51.100.0/26",
                "--alert-email",
                "on-call=oncall@acme.example",
                "--save-org",
            ]);
            assert.equal(code, 0, out.join("\n"));
            const org = (
                parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as { config: { org: { value: unknown } } }
            ).config.org.value;
            assert.deepEqual(org, {
                fleet: { url: "https://github.com/acme/fleet", branch: "main" },
                receivers: { emails: [{ name: "on-call", address: "oncall@acme.example" }] },
                // The organisation's other values stay: its tenants (test/fixtures/project/Pulumi.yaml).
                tenants: {
                    payments: {
                        groups: ["payments-developers"],
                        namespaces: ["payments"],
                        repo: { url: "ssh://git@ssh.dev.azure.com/v3/contoso/payments/payments-api" },
                    },
                },
            });
            assert.ok(
                out.includes(
                    "stored the fleet repo and alert receivers (replacing the organisation's) in <dir>/Pulumi.yaml (config.org) for every stack",
                ),
                out.join("\n"),
            );
        });

        it("keeps Pulumi.yaml's comments, its template and its other org values", async () => {
            const dir = project();
            const original = readFileSync(join(dir, "Pulumi.yaml"), "utf8");
            writeFileSync(
                join(dir, "Pulumi.yaml"),
                original.replace(
                    "      fleet:\n",
                    "      # Our tags.\n      tags:\n        team: platform\n      fleet:\n",
                ),
            );
            await run(dir, [
                "dev-a",
                "--yes",
                "--environment",
                "dev",
                "--region",
                "westus3",
                "--fleet-url",
                "https://github.com/acme/fleet",
                "--fleet-branch",
                "release",
                "--alert-webhook",
                "pager=https://pager.acme.example/x",
                "--save-org",
            ]);
            const text = readFileSync(join(dir, "Pulumi.yaml"), "utf8");
            const comments = (t: string) => t.split("\n").filter((l) => l.trimStart().startsWith("#"));
            assert.deepEqual(
                comments(text),
                [...comments(original).slice(0, 3), "      # Our tags.", ...comments(original).slice(3)],
                text,
            );
            assert.ok(
                text.includes(
                    "      # Our tags.\n      tags:\n        team: platform\n      fleet:\n        # The fleet repo Flux pulls from (ssh:// or https://) and its branch.\n        url: https://github.com/acme/fleet\n        branch: release\n",
                ),
                text,
            );
            assert.equal(
                text.slice(text.indexOf("# `pulumi new")),
                original.slice(original.indexOf("# `pulumi new")),
                "the template part stays as it was",
            );
        });

        it("without receivers given keeps the organisation's and names them", async () => {
            const dir = project();
            const { out } = await run(dir, [
                "dev-a",
                "--yes",
                "--environment",
                "dev",
                "--region",
                "westus3",
                "--fleet-url",
                "https://github.com/acme/fleet",
                "--save-org",
            ]);
            assert.ok(
                out.includes(
                    "alert receivers: Pulumi.yaml's platform on-call <platform-oncall@contoso.com>, incident bridge <https://alerts.contoso.com/hooks/flux> (--alert-email / --alert-webhook with --save-org replace them)",
                ),
                out.join("\n"),
            );
        });
    });

    describe("another stack's vault", () => {
        it("with --yes and no choice: exit 2 saying whose vault it is and naming both choices, nothing written", async () => {
            const dir = project("prod");
            const r = await cli(dir, [
                "prod-eastus2",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "eastus2",
                "--api-range",
                "198.51.100.0/26",
                "--encryptor-group",
                "acme-sops",
                "--vault-range",
                "203.0.113.0/28",
            ]);
            assert.equal(r.status, 2);
            assert.ok(
                r.stderr.startsWith(
                    "prod already has a SOPS vault: stack prod (Pulumi.prod.yaml) owns kv-contoso-sops-prod. Choose --use-key-of prod (this cluster decrypts with that vault's key; its encryptor groups and IP ranges stay in Pulumi.prod.yaml) or --own-vault (this stack creates its own vault; an environment has one key, so delete Pulumi.prod.yaml if it is an example or another organisation's)\n",
                ),
                r.stderr,
            );
            assert.ok(r.unchanged);
        });

        it("--use-key-of joins it; what only a vault's owner sets is refused, not dropped", async () => {
            const dir = project("prod");
            const joined = await run(dir, [
                "prod-eastus2",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "eastus2",
                "--api-range",
                "198.51.100.0/26",
                "--use-key-of",
                "prod",
            ]);
            assert.deepEqual(stackConfig(dir, "prod-eastus2")["aks-gitops:sops"], {
                existingKeyId:
                    "/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod",
            });
            assert.equal(
                joined.out[0],
                "sops: using prod's existing key from stack prod (/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod)",
            );
            const dropped = await cli(project("prod"), [
                "prod-eastus2",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "eastus2",
                "--api-range",
                "198.51.100.0/26",
                "--use-key-of",
                "prod",
                "--encryptor-group",
                "acme-sops",
                "--vault-range",
                "203.0.113.0/28",
            ]);
            assert.equal(dropped.status, 2);
            assert.match(
                dropped.stderr,
                /^--encryptor-group, --vault-range set up a vault this stack owns; it uses stack prod's key: set them in Pulumi\.prod\.yaml\n/,
            );
            assert.ok(dropped.unchanged);
        });

        it("--own-vault writes this stack's own vault with its groups and ranges, and says the other owner must go", async () => {
            const dir = project("prod");
            const { code, out } = await run(dir, [
                "prod-eastus2",
                "--yes",
                "--environment",
                "prod",
                "--region",
                "eastus2",
                "--api-range",
                "198.51.100.0/26",
                "--encryptor-group",
                "acme-sops",
                "--vault-range",
                "203.0.113.0/28",
                "--vault-name",
                "kv-acme-prod-1",
                "--own-vault",
            ]);
            assert.equal(code, 0);
            assert.deepEqual(stackConfig(dir, "prod-eastus2")["aks-gitops:sops"], {
                vaultName: "kv-acme-prod-1",
                encryptorGroups: ["acme-sops"],
                allowedIpRanges: ["203.0.113.0/28"],
            });
            assert.ok(
                out.includes(
                    "sops: prod-eastus2 owns a new prod vault beside stack prod's kv-contoso-sops-prod; prod has one key (the fleet's .sops.yaml picks it by path), so delete Pulumi.prod.yaml before deploying",
                ),
                out.join("\n"),
            );
        });

        it("refuses a --use-key-of that names no owner, and two choices at once", async () => {
            const cases: [string, string[], RegExp][] = [
                [
                    "prod",
                    ["--use-key-of", "prod-northeurope"],
                    /^--use-key-of prod-northeurope: prod's vault is stack prod's \(--use-key-of prod\)\n/,
                ],
                [
                    "",
                    ["--use-key-of", "prod"],
                    /^--use-key-of prod: no committed stack owns prod's vault \(leave it out: this stack will own one\)\n/,
                ],
                ["prod", ["--use-key-of", "prod", "--own-vault"], /^--use-key-of and --own-vault exclude each other/],
            ];
            for (const [stacks, flags, message] of cases) {
                const dir = project(...(stacks ? [stacks, "prod-northeurope"] : []));
                const r = await cli(dir, [
                    "prod-eastus2",
                    "--yes",
                    "--environment",
                    "prod",
                    "--region",
                    "eastus2",
                    "--api-range",
                    "198.51.100.0/26",
                    ...flags,
                ]);
                assert.equal(r.status, 2, flags.join(" "));
                assert.match(r.stderr, message);
                assert.ok(r.unchanged);
            }
        });
    });

    describe("ssh fleet repos on any host", () => {
        it("offers the host keys GitHub, GitLab and Azure DevOps publish, whose fingerprints are the published ones", () => {
            assert.deepEqual(fingerprintsOf(PUBLISHED_SSH_HOST_KEYS["github.com"].knownHosts), [
                "ssh-ed25519 +DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU",
                "ecdsa-sha2-nistp256 p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM",
                "ssh-rsa uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
            ]);
            assert.deepEqual(fingerprintsOf(PUBLISHED_SSH_HOST_KEYS["gitlab.com"].knownHosts), [
                "ssh-ed25519 eUXGGm1YGsMAS7vkcx6JOJdOGHPem5gQp4taiCfCLB8",
                "ssh-rsa ROQFvPThGrW4RuWLoL9tq9I9zJ42fK4XywyRtbOz/EQ",
                "ecdsa-sha2-nistp256 HbW3g8zUjNSksFbqTiUWPWg2Bq1x8xdGUrliXFzSnUw",
            ]);
            const azure = publishedHostKeys("vs-ssh.visualstudio.com")!;
            assert.deepEqual(fingerprintsOf(azure.knownHosts), ["ssh-rsa ohD8VZEXGWo6Ez8GSEJQ9WpafgLFsOfLOtGGQCQo6Og"]);
            assert.ok(azure.knownHosts.startsWith("vs-ssh.visualstudio.com ssh-rsa "));
            for (const [host, keys] of Object.entries(PUBLISHED_SSH_HOST_KEYS)) {
                assert.ok(
                    keys.knownHosts.split("\n").every((l) => l.startsWith(`${host} `)),
                    host,
                );
                assert.match(keys.url, /^https:\/\/docs\.(github|gitlab)\.com\//);
                assert.match(keys.readOn, /^20\d\d-\d\d-\d\d$/);
            }
            assert.equal(publishedHostKeys("git.acme.example"), undefined);
        });

        it("writes GitHub's published keys for ssh://git@github.com with --yes, saying so and where they come from", async () => {
            const dir = project();
            const { code, out } = await run(dir, [
                "dev-gh",
                "--yes",
                "--environment",
                "dev",
                "--region",
                "westus3",
                "--fleet-url",
                "ssh://git@github.com/acme/fleet.git",
            ]);
            assert.equal(code, 0, out.join("\n"));
            assert.ok(
                out.includes(
                    "known hosts: GitHub's published keys SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU (ssh-ed25519), SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM (ecdsa-sha2-nistp256), SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (ssh-rsa), https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/githubs-ssh-key-fingerprints (--known-hosts to give others)",
                ),
                out.join("\n"),
            );
            const text = readFileSync(join(dir, "Pulumi.dev-gh.yaml"), "utf8");
            assert.match(
                text,
                /\n {6}# github\.com's SSH host keys as GitHub publishes them \(https:\/\/docs\.github\.com\/\S+, read \d{4}-\d\d-\d\d\): Flux trusts only these\.\n {6}knownHosts: \|-\n {8}github\.com ssh-ed25519 /,
            );
            const git = (stackConfig(dir, "dev-gh")["aks-gitops:flux"] as { git: Record<string, string> }).git;
            assert.deepEqual(Object.keys(git), ["url", "branch", "knownHosts"]);
            assert.deepEqual(
                fingerprintsOf(git.knownHosts).map((l) => l.split(" ")[1]),
                [
                    "+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU",
                    "p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM",
                    "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
                ],
            );
        });

        it("takes --known-hosts as a file (ssh-keyscan's comments dropped) or as lines, for a host on another port", async () => {
            const dir = project();
            const file = join(dir, "fleet_known_hosts");
            writeFileSync(file, `# git.acme.example:2222 SSH-2.0-OpenSSH_9.6\n${ACME_PLAIN}\n\n`);
            const fromFile = await run(dir, [
                "dev-acme",
                "--yes",
                "--environment",
                "dev",
                "--region",
                "westus3",
                "--fleet-url",
                "ssh://git@git.acme.example:2222/platform/fleet.git",
                "--known-hosts",
                file,
            ]);
            assert.equal(fromFile.code, 0);
            assert.equal(
                (stackConfig(dir, "dev-acme")["aks-gitops:flux"] as { git: { knownHosts: string } }).git.knownHosts,
                ACME_PLAIN,
            );
            assert.match(
                readFileSync(join(dir, "Pulumi.dev-acme.yaml"), "utf8"),
                /# \[git\.acme\.example\]:2222's SSH host keys, as given to new-stack: Flux trusts only these\./,
            );
            const other = project();
            const hashed = await run(other, [
                "dev-acme2",
                "--yes",
                "--environment",
                "dev",
                "--region",
                "westus3",
                "--fleet-url",
                "ssh://git@git.acme.example:2222/platform/fleet.git",
                "--known-hosts",
                ACME_HASHED,
            ]);
            assert.equal(hashed.code, 0);
            assert.equal(
                (stackConfig(other, "dev-acme2")["aks-gitops:flux"] as { git: { knownHosts: string } }).git.knownHosts,
                ACME_HASHED,
            );
        });

        it("refuses known_hosts that do not trust the fleet's host, are not keys, or are missing with --yes", async () => {
            const url = ["--fleet-url", "ssh://git@git.acme.example:2222/platform/fleet.git"];
            const cases: [string[], string][] = [
                [
                    ["--known-hosts", `git.acme.example ssh-ed25519 ${ACME_KEY}`],
                    "--known-hosts: no line is for [git.acme.example]:2222 (the fleet repo's SSH host)",
                ],
                [
                    ["--known-hosts", `[git.acme.example]:2222 ssh-rsa ${ACME_KEY}`],
                    "--known-hosts: the key is not a ssh-rsa key (it is ssh-ed25519)",
                ],
                [
                    ["--known-hosts", "[git.acme.example]:2222 ssh-ed25519"],
                    '--known-hosts: not a known_hosts line "<host> <key type> <base64 key>", e.g. from ssh-keyscan',
                ],
                [
                    ["--known-hosts", "/nonexistent/known_hosts"],
                    "--known-hosts: no file /nonexistent/known_hosts (give a known_hosts file, or its lines)",
                ],
                [[], "missing answers for --yes: --known-hosts ([git.acme.example]:2222's SSH host keys)"],
            ];
            cases.push([
                ["--fleet-url", "https://github.com/acme/fleet", "--known-hosts", ACME_PLAIN],
                "--known-hosts only applies to an ssh:// fleet repo URL (an https:// repo is checked by its TLS certificate)",
            ]);
            for (const [flags, message] of cases) {
                const dir = project();
                const r = await cli(dir, [
                    "dev-acme",
                    "--yes",
                    "--environment",
                    "dev",
                    "--region",
                    "westus3",
                    ...url,
                    ...flags,
                ]);
                assert.equal(r.status, 2, flags.join(" "));
                assert.ok(r.stderr.startsWith(`${message}\n`), r.stderr);
                assert.ok(r.unchanged);
            }
        });

        it("reads known_hosts as ssh does: patterns, negations, markers, hashed names", () => {
            const ok = (text: string, target: string) => "lines" in parseKnownHosts(text, target);
            assert.ok(ok(`*.acme.example,!evil.acme.example ssh-ed25519 ${ACME_KEY}`, "git.acme.example"));
            assert.ok(!ok(`*.acme.example,!git.acme.example ssh-ed25519 ${ACME_KEY}`, "git.acme.example"));
            assert.ok(
                ok(`GIT.ACME.EXAMPLE ssh-ed25519 ${ACME_KEY}`, "git.acme.example"),
                "host names compare without case",
            );
            assert.ok(ok(`@cert-authority *.acme.example ssh-ed25519 ${ACME_KEY}`, "git.acme.example"));
            assert.ok(
                !ok(`@revoked git.acme.example ssh-ed25519 ${ACME_KEY}`, "git.acme.example"),
                "a revoked key trusts nothing",
            );
            assert.deepEqual(parseKnownHosts(`@trusted git.acme.example ssh-ed25519 ${ACME_KEY}`, "git.acme.example"), {
                problem: "unknown marker @trusted (known_hosts takes @cert-authority or @revoked)",
            });
            assert.ok(ok(ACME_HASHED, "[git.acme.example]:2222"));
            assert.ok(!ok(ACME_HASHED, "git.acme.example"), "a hashed name is the name with its port");
            assert.deepEqual(parseKnownHosts("# only a comment\n", "x"), { problem: "holds no known_hosts line" });
            assert.deepEqual(parseKnownHosts(`a ssh-ed25519 ${ACME_KEY}\nb ssh-ed25519 not*base64`, "a"), {
                problem: 'line 2: not a known_hosts line "<host> <key type> <base64 key>", e.g. from ssh-keyscan',
            });
        });

        it("reads known_hosts as ssh does: whitespace, host lists, wildcards, and what a key blob says it is", () => {
            const ok = (text: string, target: string) => "lines" in parseKnownHosts(text, target);
            assert.deepEqual(parseKnownHosts(`  git.acme.example \t ssh-ed25519   ${ACME_KEY}  `, "git.acme.example"), {
                lines: [`git.acme.example \t ssh-ed25519   ${ACME_KEY}`],
            });
            assert.ok(ok(`agit.acme.example,git.acme.example ssh-ed25519 ${ACME_KEY}`, "git.acme.example"));
            assert.ok(ok(`git.acme.exampl? ssh-ed25519 ${ACME_KEY}`, "git.acme.example"), "? is one character");
            assert.ok(!ok(`git.acme.exampl? ssh-ed25519 ${ACME_KEY}`, "git.acme.exampl"));
            // A hashed name is the whole field (OpenSSH hostfile.c): anything around it is another pattern.
            assert.ok(!ok(ACME_HASHED.replace(" ssh-ed25519", "|x ssh-ed25519"), "[git.acme.example]:2222"));
            assert.ok(!ok(`x${ACME_HASHED}`, "[git.acme.example]:2222"));
            assert.deepEqual(parseKnownHosts(`@revoked git.acme.example ssh-ed25519 ${ACME_KEY}`, "git.acme.example"), {
                problem: "no line is for git.acme.example (the fleet repo's SSH host)",
            });
            // A key blob opens with its type (RFC 4253 6.6): named only when it is printable.
            const blob = (type: string) => {
                const name = Buffer.from(type, "latin1");
                const length = Buffer.alloc(4);
                length.writeUInt32BE(name.length);
                return Buffer.concat([length, name, Buffer.alloc(32)]).toString("base64");
            };
            const problem = (type: string, key: string) => parseKnownHosts(`h ${type} ${key}`, "h");
            assert.deepEqual(problem("ssh-rsa", ACME_KEY), {
                problem: "the key is not a ssh-rsa key (it is ssh-ed25519)",
            });
            assert.deepEqual(problem("ssh-rsa", blob("\x01ab")), { problem: "the key is not a ssh-rsa key" });
            assert.deepEqual(problem("ssh-rsa", blob("ab\x01")), { problem: "the key is not a ssh-rsa key" });
            assert.deepEqual(problem("ssh-rsa", "AAA="), { problem: "the key is not a ssh-rsa key" });
            assert.deepEqual(problem("ab", blob("ab")), { lines: [`h ab ${blob("ab")}`] });
        });

        it("names a host as known_hosts does: with its port when that is not 22, and reads a file named with spaces around", () => {
            assert.equal(newStack.knownHostsName(new URL("ssh://git@git.acme.example/x")), "git.acme.example");
            assert.equal(newStack.knownHostsName(new URL("ssh://git@git.acme.example:22/x")), "git.acme.example");
            assert.equal(
                newStack.knownHostsName(new URL("ssh://git@git.acme.example:2222/x")),
                "[git.acme.example]:2222",
            );
            const dir = newStackProject();
            const file = join(dir, "known_hosts");
            writeFileSync(file, `${ACME_PLAIN}\n`);
            assert.deepEqual(newStack.readKnownHosts(` ${file}\n`, "[git.acme.example]:2222"), { lines: [ACME_PLAIN] });
        });
    });

    describe("regions", () => {
        it("holds the Azure public cloud's regions as the list publishes them", () => {
            assert.deepEqual([...AZURE_REGIONS.names].sort(), [
                "australiacentral",
                "australiacentral2",
                "australiaeast",
                "australiasoutheast",
                "austriaeast",
                "belgiumcentral",
                "brazilsouth",
                "brazilsoutheast",
                "canadacentral",
                "canadaeast",
                "centralindia",
                "centralus",
                "chilecentral",
                "denmarkeast",
                "eastasia",
                "eastus",
                "eastus2",
                "francecentral",
                "francesouth",
                "germanynorth",
                "germanywestcentral",
                "indonesiacentral",
                "israelcentral",
                "italynorth",
                "japaneast",
                "japanwest",
                "koreacentral",
                "koreasouth",
                "malaysiawest",
                "mexicocentral",
                "newzealandnorth",
                "northcentralus",
                "northeurope",
                "norwayeast",
                "norwaywest",
                "polandcentral",
                "qatarcentral",
                "southafricanorth",
                "southafricawest",
                "southcentralus",
                "southeastasia",
                "southindia",
                "spaincentral",
                "swedencentral",
                "switzerlandnorth",
                "switzerlandwest",
                "uaecentral",
                "uaenorth",
                "uksouth",
                "ukwest",
                "westcentralus",
                "westeurope",
                "westindia",
                "westus",
                "westus2",
                "westus3",
            ]);
            assert.match(
                AZURE_REGIONS.source,
                /^MicrosoftDocs\/reliability-docs articles\/reliability\/regions-list\.md/,
            );
            assert.match(AZURE_REGIONS.readOn, /^20\d\d-\d\d-\d\d$/);
        });

        it("refuses a region outside Azure's, with the nearest one (exit 2, nothing written)", async () => {
            const dir = project();
            const r = await cli(dir, ["dev-x", "--yes", "--environment", "dev", "--region", "westeurop"]);
            assert.equal(r.status, 2);
            assert.match(
                r.stderr,
                /^invalid stack configuration \(1 problem\):\n {2}- aks-gitops:location: is not an Azure region; did you mean "westeurope"\? \(the regions as of \d{4}-\d\d-\d\d, stacks\/perishable\.ts: add a newer one there\)\n/,
            );
            assert.ok(r.unchanged);
            const far = await cli(dir, ["dev-x", "--yes", "--environment", "dev", "--region", "atlantis"]);
            assert.match(
                far.stderr,
                /- aks-gitops:location: is not an Azure region \(the regions as of /,
                "no suggestion when nothing is near",
            );
        });
    });

    describe("stack names", () => {
        it('refuses ".", "..", a file name and over-long names (exit 2, nothing written)', async () => {
            const cases: [string, string][] = [
                [".", 'invalid stack name ".": a name of dots only is a directory path'],
                ["..", 'invalid stack name "..": a name of dots only is a directory path'],
                [
                    "prod.yaml",
                    'invalid stack name "prod.yaml": that is a file name; the stack is "prod" (it writes Pulumi.prod.yaml)',
                ],
                [
                    "Pulumi.dev.yml",
                    'invalid stack name "Pulumi.dev.yml": that is a file name; the stack is "dev" (it writes Pulumi.dev.yaml)',
                ],
                [
                    `dev-${"a".repeat(97)}`,
                    `invalid stack name "dev-${"a".repeat(97)}": 101 characters; Pulumi allows at most 100`,
                ],
            ];
            for (const [name, message] of cases) {
                const dir = project();
                const r = await cli(dir, [name, "--yes", "--environment", "dev", "--region", "westus3"]);
                assert.equal(r.status, 2, name);
                assert.ok(r.stderr.startsWith(message), r.stderr);
                assert.ok(r.unchanged, name);
            }
        });

        it("takes a name of exactly 100 characters, and dots inside a name", async () => {
            const dir = project();
            const long = `dev-${"a".repeat(96)}`;
            assert.equal((await run(dir, [long, "--yes", "--environment", "dev", "--region", "westus3"])).code, 0);
            assert.ok(existsSync(join(dir, `Pulumi.${long}.yaml`)));
            assert.equal(
                (await run(project(), ["dev.eu", "--yes", "--environment", "dev", "--region", "westus2"])).code,
                0,
            );
        });
    });
});
