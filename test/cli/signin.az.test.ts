// What the tools make of every answer `az account show --output json` can give (cli/signin.ts azureCliDefault), and
// of every malformed subscription id a user types, each said as the user reads it: literal messages. The CLI's own
// words are Azure/azure-cli's (_profile.py: "Please run 'az login' to setup account."; a missing az as bash and cmd.exe
// say it). A stand-in runs instead of az: nothing is started, nothing leaves the machine.
import * as assert from "node:assert/strict";
import {
    type AzRun,
    azureCliDefault,
    describeSubscription,
    givenSubscription,
    subscriptionFrom,
} from "../../cli/signin";
import { failure, OutputError, SIGN_IN_HINT, writeOutput } from "../../cli/usage";

const SUB = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const MISSING =
    "a subscription id is required: --subscription <id>, AZURE_SUBSCRIPTION_ID / ARM_SUBSCRIPTION_ID, or the Azure CLI's default subscription (az login, then az account set --subscription <id>)";
const none = (why: string) => `${MISSING}; the Azure CLI has none: ${why}`;

const answered =
    (stdout: string): (() => Promise<AzRun>) =>
    () =>
        Promise.resolve({ error: null, stdout, stderr: "" });
const failed =
    (stderr: string, error: Partial<AzRun["error"] & object> = {}): (() => Promise<AzRun>) =>
    () =>
        Promise.resolve({
            error: Object.assign(new Error("Command failed: az account show"), error),
            stdout: "",
            stderr,
        });

describe("the Azure CLI's default subscription, every answer az can give", () => {
    const refused = async (run: () => Promise<AzRun>, message: string) =>
        assert.rejects(azureCliDefault({}, run), { name: "UsageError", message });

    it("reads the id, the name and a state other than Enabled, trimming the id", async () => {
        assert.deepEqual(
            await azureCliDefault(
                {},
                answered(JSON.stringify({ id: ` ${SUB}\n`, name: "Contoso prod", state: "Warned" })),
            ),
            { id: SUB, name: "Contoso prod", state: "Warned", source: "az" },
        );
        assert.deepEqual(await azureCliDefault({}, answered(JSON.stringify({ id: SUB, name: "", state: "Enabled" }))), {
            id: SUB,
            source: "az",
        });
        assert.deepEqual(await azureCliDefault({}, answered(JSON.stringify({ id: SUB, name: 7, state: 3 }))), {
            id: SUB,
            source: "az",
        });
    });

    it("says az is missing, whether Node, bash or cmd.exe reports it", async () => {
        const missing = none("az is not installed (https://aka.ms/azure-cli)");
        await refused(failed("", { code: "ENOENT" }), missing);
        await refused(failed("/bin/sh: 1: az: not found\n", { code: 127 }), missing);
        await refused(failed("bash: az: command not found\n", { code: 127 }), missing);
        await refused(
            failed(
                "'az' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
                {
                    code: 1,
                },
            ),
            missing,
        );
    });

    it("says when az hung, when it is not signed in, and otherwise what az said, on one line", async () => {
        await refused(failed("", { killed: true, code: null }), none("az account show gave no answer within 30s"));
        await refused(
            failed("ERROR: Please run 'az login' to setup account.\n", { code: 1 }),
            none("it is not signed in (az login)"),
        );
        // The first line az printed, its ERROR: prefix and surrounding blanks gone.
        await refused(
            failed("\n   \nERROR:   The subscription of 'x' doesn't exist in cloud 'AzureCloud'.   \nmore\n", {
                code: 1,
            }),
            none("az account show failed: The subscription of 'x' doesn't exist in cloud 'AzureCloud'."),
        );
        // Nothing on stderr: Node's own message.
        await refused(failed("", { code: 2 }), none("az account show failed: Command failed: az account show"));
        // "ERROR:" only inside a line is az's text, not a prefix to drop.
        await refused(failed("WARNING ERROR: odd\n", { code: 1 }), none("az account show failed: WARNING ERROR: odd"));
    });

    it("refuses output that is no account: not JSON (quoting at most 80 characters), a tenant, no id", async () => {
        const long = `Traceback (most recent call last): ${"x".repeat(100)}`;
        await refused(
            answered(long),
            none(`az account show printed no JSON account: ${JSON.stringify(long.slice(0, 80))}`),
        );
        await refused(
            answered(JSON.stringify({ id: SUB, name: "N/A(tenant level account)" })),
            none(`its default account is a tenant (${SUB}; az login --allow-no-subscriptions), not a subscription`),
        );
        await refused(
            answered(JSON.stringify({ name: "no id" })),
            none("az account show printed an account without an id"),
        );
        await refused(answered("null"), none("az account show printed an account without an id"));
    });
});

describe("a subscription id as typed", () => {
    const bad = (value: string, why: string) =>
        assert.throws(() => subscriptionFrom(value, {}), {
            name: "UsageError",
            message: `--subscription "${value}" is not a subscription id (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): ${why}`,
        });

    it("says what is wrong with each malformed id", () => {
        bad(`{${SUB}}`, "drop the braces");
        bad(`x{${SUB}}`, "it contains characters other than hex digits and hyphens");
        bad(`{${SUB}}x`, "it contains characters other than hex digits and hyphens");
        bad(`/subscriptions/${SUB}`, "give the id alone, not a resource path");
        bad(SUB.slice(1), "it has 31 hex digits instead of 32");
        bad(`${SUB}0`, "it has 33 hex digits instead of 32");
        bad(`g${SUB.slice(1)}`, "it contains characters other than hex digits and hyphens");
        bad(`${SUB.slice(0, 7)}-${SUB.slice(7, 8)}${SUB.slice(9)}`, "the hyphens are misplaced");
        bad("", "it has 0 hex digits instead of 32");
    });

    it("takes the flag, then AZURE_SUBSCRIPTION_ID, then ARM_SUBSCRIPTION_ID; an empty variable is unset", () => {
        const OTHER = SUB.replace("6f", "7a");
        assert.deepEqual(givenSubscription(` ${SUB} `, { AZURE_SUBSCRIPTION_ID: OTHER }), {
            id: SUB,
            source: "--subscription",
        });
        assert.deepEqual(givenSubscription(undefined, { AZURE_SUBSCRIPTION_ID: OTHER, ARM_SUBSCRIPTION_ID: SUB }), {
            id: OTHER,
            source: "AZURE_SUBSCRIPTION_ID",
        });
        assert.deepEqual(givenSubscription(undefined, { AZURE_SUBSCRIPTION_ID: "", ARM_SUBSCRIPTION_ID: SUB }), {
            id: SUB,
            source: "ARM_SUBSCRIPTION_ID",
        });
        assert.equal(givenSubscription(undefined, {}), undefined);
        assert.throws(() => subscriptionFrom(undefined, {}), { name: "UsageError", message: MISSING });
        assert.equal(
            describeSubscription({ id: SUB, name: "Contoso prod", state: "PastDue", source: "az" }),
            `${SUB} "Contoso prod" (the Azure CLI's default subscription, az account show; state PastDue)`,
        );
    });
});

describe("an output file that cannot be written (cli/usage.ts writeOutput)", () => {
    it("says which folder is missing, or that permission is denied, as an OutputError", () => {
        assert.throws(() => writeOutput("/nonexistent-aks-gitops/plan.json", "{}"), {
            name: "OutputError",
            message:
                "cannot write /nonexistent-aks-gitops/plan.json: the folder /nonexistent-aks-gitops does not exist",
        });
        // /proc/version is never writable, not even for root (EIO, or EACCES for others): not a missing folder.
        assert.throws(
            () => writeOutput("/proc/version", "x"),
            (e: unknown) =>
                e instanceof OutputError &&
                e.name === "OutputError" &&
                /^cannot write \/proc\/version: /.test(e.message) &&
                !e.message.includes("does not exist"),
        );
    });
});

describe("what a failure tells the user (cli/usage.ts failure)", () => {
    const named = (name: string, message = "raw") => Object.assign(new Error(message), { name });

    it("gives a sign-in failure exit 4: our own message as it is, the credential chain's as the one-line hint", () => {
        assert.deepEqual(failure(named("NotSignedInError", "not signed in: run az login"), "usage", "verify"), {
            code: 4,
            message: "not signed in: run az login",
        });
        for (const name of [
            "CredentialUnavailableError",
            "AuthenticationError",
            "AggregateAuthenticationError",
            "AuthenticationRequiredError",
        ]) {
            assert.deepEqual(failure(named(name, "ChainedTokenCredential failed: ..."), "usage", "verify"), {
                code: 4,
                message: SIGN_IN_HINT,
            });
        }
    });

    it("never crashes on a thrown non-error, and says which tool failed", () => {
        assert.deepEqual(failure(undefined, "usage", "plan"), { code: 1, message: "plan failed: undefined" });
        assert.deepEqual(failure(null, "usage", "plan"), { code: 1, message: "plan failed: null" });
        assert.deepEqual(failure("boom", "usage", "plan"), { code: 1, message: "plan failed: boom" });
        assert.deepEqual(failure(named("ExitPromptError"), "usage", "new-stack"), { code: 130, message: "" });
        assert.deepEqual(failure(new OutputError("cannot write x"), "usage", "plan"), {
            code: 3,
            message: "plan: cannot write x",
        });
    });
});
