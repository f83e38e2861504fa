// The SOPS vault checks (preflight/checks/keyvault.ts) called in process on the fixture stacks' facts, against a fake
// Key Vault management plane answering as ARM does. Shapes from azure-rest-api-specs
// specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2025-05-01/examples: checkVaultNameAvailability.json,
// getVault.json, getDeletedVault.json, listDeletedVaults.json (properties.location, deletionDate, scheduledPurgeDate,
// purgeProtectionEnabled), getKey.json (kty, keyOps, keySize, attributes.enabled), as @azure/arm-keyvault returns them
// (dates as Date, the key's properties flattened onto it). Key Vault behaviour from MicrosoftDocs/azure-security-docs
// articles/key-vault/general/soft-delete-overview.md: a soft-deleted vault's name cannot be reused until it is purged,
// its record stays in the location it was deleted in, and with purge protection it cannot be purged before the end of
// its retention, only recovered.
import * as assert from "node:assert/strict";
import type {
    CheckNameAvailabilityResult,
    DeletedVault,
    Key,
    Vault,
    VaultCheckNameAvailabilityParameters,
} from "@azure/arm-keyvault";
import type { Clients } from "../../../preflight/azure";
import { existingKey, vaultName } from "../../../preflight/checks/keyvault";
import type { StackFacts } from "../../../preflight/stack";
import type { StackState } from "../../../preflight/state";
import { stackFacts } from "../../fixtures/preflight/world";
import { armError, checkContext, paged, SUBSCRIPTION } from "../../support/check-context";
import { sharedCaptures } from "../../support/share-captures";

type Vaults = Clients["keyVault"]["vaults"];
type Keys = Clients["keyVault"]["keys"];

interface Answers {
    availability?: CheckNameAvailabilityResult;
    /** GET .../resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}, by "rg/name"; anything else is a 404. */
    vaults?: Record<string, Vault>;
    /** GET .../locations/{location}/deletedVaults/{name}, by "location/name"; anything else is a 404. */
    deletedAt?: Record<string, DeletedVault>;
    /** GET .../providers/Microsoft.KeyVault/deletedVaults: every deleted vault of the subscription. */
    deleted?: DeletedVault[];
    /** GET .../vaults/{vault}/keys/{key}, by "rg/vault/key"; anything else is a 404. */
    keys?: Record<string, Key>;
    /** An error a call answers with instead, by operation name. */
    errors?: Record<string, Error>;
}

const notFound = (what: string) => armError(404, "ResourceNotFound", `The Resource '${what}' was not found.`);

/** A fake Key Vault management plane; `calls` records each request as [operation, ...arguments], `signals` what it was given. */
function keyVault(answers: Answers) {
    const calls: unknown[][] = [];
    const signals: unknown[] = [];
    const answer = <T>(op: string, signal: unknown, args: unknown[], found: T | undefined): Promise<T> => {
        calls.push([op, ...args]);
        signals.push(signal);
        const error = answers.errors?.[op] ?? (found === undefined ? notFound(args.join("/")) : undefined);
        return error ? Promise.reject(error) : Promise.resolve(found as T);
    };
    const vaults: Pick<Vaults, "checkNameAvailability" | "get" | "getDeleted" | "listDeleted"> = {
        checkNameAvailability: (p: VaultCheckNameAvailabilityParameters, o) =>
            answer(
                "checkNameAvailability",
                o?.abortSignal,
                [{ ...p }],
                answers.availability ?? { nameAvailable: true },
            ),
        get: (rg, name, o) => answer("get", o?.abortSignal, [rg, name], answers.vaults?.[`${rg}/${name}`]),
        getDeleted: (name, location, o) =>
            answer("getDeleted", o?.abortSignal, [name, location], answers.deletedAt?.[`${location}/${name}`]),
        listDeleted: (o) => {
            calls.push(["listDeleted"]);
            signals.push(o?.abortSignal);
            return paged(answers.deleted ?? []);
        },
    };
    const keys: Pick<Keys, "get"> = {
        get: (rg, vault, key, o) =>
            answer("keys.get", o?.abortSignal, [rg, vault, key], answers.keys?.[`${rg}/${vault}/${key}`]),
    };
    const clients = { keyVault: { vaults, keys } } as unknown as Clients;
    return { clients, calls, signals };
}

const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod`;
/** The stack's own vault as Vaults_Get answers (getVault.json's shape). */
const ownVault: Vault = {
    id: VAULT_ID,
    name: "kv-contoso-sops-prod",
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: { tenantId: "00000000-0000-0000-0000-000000000000", sku: { family: "A", name: "premium" } },
};
const taken: CheckNameAvailabilityResult = {
    nameAvailable: false,
    reason: "AlreadyExists",
    message:
        "The vault name 'kv-contoso-sops-prod' is already in use. Vault names are globally unique so it is possible that the name is already taken.",
};
/** A soft-deleted vault as Vaults_GetDeleted / Vaults_ListDeleted answer (getDeletedVault.json's shape). */
function deletedVault(location: string, properties: NonNullable<DeletedVault["properties"]> = {}): DeletedVault {
    return {
        id: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/${location}/deletedVaults/kv-contoso-sops-prod`,
        name: "kv-contoso-sops-prod",
        type: "Microsoft.KeyVault/deletedVaults",
        properties: { vaultId: VAULT_ID, location, ...properties },
    };
}
const DELETED = new Date("2026-11-02T09:14:00Z");
const PURGE = new Date("2027-01-31T09:14:00Z");

const state = (...ids: [token: string, id: string][]): StackState => {
    const byToken = new Map<string, Set<string>>();
    for (const [token, id] of ids) {
        byToken.set(token, (byToken.get(token) ?? new Set<string>()).add(id.toLowerCase()));
    }
    return { file: "prod.state.json", ids: byToken };
};

const VAULT = "prod-westeurope-sops-vault";
const RENAME = "pulumi config set --stack prod --path sops.vaultName <another-globally-unique-name>";
const ADOPT = "pulumi config set --stack prod --path sops.adopt true";

describe("preflight vault-name check", () => {
    sharedCaptures();
    let prod: StackFacts;
    let northeurope: StackFacts;
    before(async () => {
        // One at a time: a stack is planned under process-wide Pulumi mocks.
        prod = await stackFacts("prod");
        northeurope = await stackFacts("prod-northeurope");
    });
    const adopting = (facts: StackFacts): StackFacts => ({
        ...facts,
        settings: { ...facts.settings, sops: { ...facts.settings.sops, adopt: true } },
    });
    async function run(facts: StackFacts, answers: Answers, more: { state?: StackState } = {}) {
        const azure = keyVault(answers);
        const ctx = checkContext(facts, azure.clients, more);
        const results = await vaultName.run(ctx);
        assert.ok(
            azure.signals.every((s) => s === ctx.signal),
            "every request carries the check's abort signal",
        );
        return { results, calls: azure.calls };
    }

    it("a free name is ok, after one name check and nothing else", async () => {
        const { results, calls } = await run(prod, {});
        assert.deepEqual(results, [
            { id: "vault-name", status: "ok", resource: VAULT, detail: "vault name kv-contoso-sops-prod is available" },
        ]);
        assert.deepEqual(calls, [
            ["checkNameAvailability", { name: "kv-contoso-sops-prod", type: "Microsoft.KeyVault/vaults" }],
        ]);
    });

    it("a free name with sops.adopt fails: there is no vault to adopt", async () => {
        const { results } = await run(adopting(prod), {});
        assert.deepEqual(results, [
            {
                id: "vault-name",
                status: "fail",
                resource: VAULT,
                detail: "sops.adopt is set but no vault kv-contoso-sops-prod exists to adopt",
                fix: "pulumi config set --stack prod --path sops.adopt false",
            },
        ]);
    });

    describe("the name is taken by the stack's own vault (in its resource group)", () => {
        const own: Answers = { availability: taken, vaults: { "rg-sops-prod/kv-contoso-sops-prod": ownVault } };

        it("with sops.adopt: ok, the stack imports it", async () => {
            const { results, calls } = await run(adopting(prod), own);
            assert.deepEqual(results, [
                {
                    id: "vault-name",
                    status: "ok",
                    resource: VAULT,
                    detail: "vault kv-contoso-sops-prod exists in rg-sops-prod: sops.adopt imports it into the stack",
                },
            ]);
            assert.deepEqual(calls.slice(1), [["get", "rg-sops-prod", "kv-contoso-sops-prod"]]);
        });

        it("with a state that holds it (ARM ids compare case-insensitively): ok, `pulumi up` updates it", async () => {
            const held = state(["azure-native:keyvault:Vault", VAULT_ID.toUpperCase()]);
            const { results } = await run(prod, own, { state: held });
            assert.deepEqual(results, [
                {
                    id: "vault-name",
                    status: "ok",
                    resource: VAULT,
                    detail: "vault kv-contoso-sops-prod exists in rg-sops-prod and the stack's state (prod.state.json) has it: `pulumi up` updates it",
                },
            ]);
            // ARM's answer without an id: the vault's id in the checked subscription is what the state is searched for.
            const noId: Vault = { name: ownVault.name, type: ownVault.type, properties: ownVault.properties };
            const bare = await run(
                prod,
                { ...own, vaults: { "rg-sops-prod/kv-contoso-sops-prod": noId } },
                { state: held },
            );
            assert.equal(bare.results[0].status, "ok");
        });

        it("with a state that does not hold it (another vault, or the vault under another type): warn, adopt it", async () => {
            const detail =
                "vault kv-contoso-sops-prod exists in rg-sops-prod but the stack's state (prod.state.json) does not have it: `pulumi up` would try to create it and fail; adopt it with sops.adopt (or delete it, if it is not the environment's key)";
            for (const other of [
                state(["azure-native:keyvault:Vault", VAULT_ID.replace("kv-contoso-sops-prod", "kv-contoso-sops-dev")]),
                state(["azure-native:keyvault:Key", VAULT_ID]),
            ]) {
                const { results } = await run(prod, own, { state: other });
                assert.deepEqual(results, [{ id: "vault-name", status: "warn", resource: VAULT, detail, fix: ADOPT }]);
            }
        });

        it("without a state: warn, it cannot tell an update from a create", async () => {
            const { results } = await run(prod, own);
            assert.deepEqual(results, [
                {
                    id: "vault-name",
                    status: "warn",
                    resource: VAULT,
                    detail: "vault kv-contoso-sops-prod exists in rg-sops-prod: `pulumi up` updates it if the stack's state has it, and fails to create it if not (a new or re-created stack): give --state <file> (pulumi stack export) to check, or adopt it with sops.adopt",
                    fix: ADOPT,
                },
            ]);
        });
    });

    describe("the name is held by a soft-deleted vault", () => {
        it("with purge protection, in the stack's region: fail, recover it (it cannot be purged before its date)", async () => {
            const { results, calls } = await run(prod, {
                availability: taken,
                deletedAt: {
                    "westeurope/kv-contoso-sops-prod": deletedVault("westeurope", {
                        deletionDate: DELETED,
                        scheduledPurgeDate: PURGE,
                        purgeProtectionEnabled: true,
                    }),
                },
            });
            assert.deepEqual(results, [
                {
                    id: "vault-name",
                    status: "fail",
                    resource: VAULT,
                    detail: "vault name kv-contoso-sops-prod is held by a soft-deleted vault (deleted 2026-11-02, scheduled purge 2027-01-31); purge protection is on, so it cannot be purged before 2027-01-31: recover it (then adopt it with sops.adopt)",
                    fix: "az keyvault recover --name kv-contoso-sops-prod --location westeurope",
                },
            ]);
            assert.deepEqual(calls, [
                ["checkNameAvailability", { name: "kv-contoso-sops-prod", type: "Microsoft.KeyVault/vaults" }],
                ["get", "rg-sops-prod", "kv-contoso-sops-prod"],
                ["getDeleted", "kv-contoso-sops-prod", "westeurope"],
            ]);
        });

        it("without purge protection: fail, recover or purge it; dates it does not give are said to be unknown", async () => {
            const { results } = await run(prod, {
                availability: taken,
                deletedAt: {
                    "westeurope/kv-contoso-sops-prod": deletedVault("westeurope", { purgeProtectionEnabled: false }),
                },
            });
            assert.deepEqual(results, [
                {
                    id: "vault-name",
                    status: "fail",
                    resource: VAULT,
                    detail: "vault name kv-contoso-sops-prod is held by a soft-deleted vault (deleted unknown, scheduled purge unknown); recover it, or purge it (az keyvault purge --name kv-contoso-sops-prod --location westeurope) to free the name, which destroys its keys",
                    fix: "az keyvault recover --name kv-contoso-sops-prod --location westeurope",
                },
            ]);
        });

        it("deleted in another region: found in the subscription's deleted vaults, recovered or purged where it is", async () => {
            const { results, calls } = await run(prod, {
                availability: taken,
                deleted: [
                    {
                        ...deletedVault("westeurope"),
                        name: "kv-contoso-sops-dev",
                        properties: { location: "westeurope" },
                    },
                    // listDeletedVaults.json names an entry apart from its vault: the vault id's name counts too.
                    {
                        ...deletedVault("northeurope", { deletionDate: DELETED, scheduledPurgeDate: PURGE }),
                        name: "vault-agile-drawer-6404",
                    },
                ],
            });
            assert.deepEqual(results, [
                {
                    id: "vault-name",
                    status: "fail",
                    resource: VAULT,
                    detail: "vault name kv-contoso-sops-prod is held by a soft-deleted vault in northeurope (deleted 2026-11-02, scheduled purge 2027-01-31); recover it, or purge it (az keyvault purge --name kv-contoso-sops-prod --location northeurope) to free the name, which destroys its keys",
                    fix: "az keyvault recover --name kv-contoso-sops-prod --location northeurope",
                },
            ]);
            assert.deepEqual(calls.slice(2), [["getDeleted", "kv-contoso-sops-prod", "westeurope"], ["listDeleted"]]);
        });

        it("Key Vault names are case-insensitive: KV-Contoso-SOPS-Prod deleted in northeurope holds the name", async () => {
            const { results } = await run(prod, {
                availability: taken,
                deleted: [
                    {
                        name: "KV-Contoso-SOPS-Prod",
                        properties: {
                            location: "northeurope",
                            purgeProtectionEnabled: true,
                            scheduledPurgeDate: PURGE,
                        },
                    },
                ],
            });
            assert.equal(
                results[0].detail,
                "vault name kv-contoso-sops-prod is held by a soft-deleted vault in northeurope (deleted unknown, scheduled purge 2027-01-31); purge protection is on, so it cannot be purged before 2027-01-31: recover it (then adopt it with sops.adopt)",
            );
        });
    });

    it("a name held outside the subscription (another tenant's vault): fail, choose another name", async () => {
        const { results, calls } = await run(prod, {
            availability: taken,
            deleted: [
                { ...deletedVault("westeurope"), name: "kv-contoso-sops-dev", properties: { location: "westeurope" } },
            ],
        });
        assert.deepEqual(results, [
            {
                id: "vault-name",
                status: "fail",
                resource: VAULT,
                detail: "vault name kv-contoso-sops-prod is not available (AlreadyExists: The vault name 'kv-contoso-sops-prod' is already in use. Vault names are globally unique so it is possible that the name is already taken.); vault names are global",
                fix: RENAME,
            },
        ]);
        assert.deepEqual(calls.slice(1), [
            ["get", "rg-sops-prod", "kv-contoso-sops-prod"],
            ["getDeleted", "kv-contoso-sops-prod", "westeurope"],
            ["listDeleted"],
        ]);
        // An answer without reason and message (both optional in CheckNameAvailabilityResult) still says why.
        const bare = await run(prod, { availability: { nameAvailable: false } });
        assert.equal(
            bare.results[0].detail,
            "vault name kv-contoso-sops-prod is not available (AlreadyExists: used elsewhere); vault names are global",
        );
    });

    it("an error other than 404 while looking is not taken for 'not found': the check fails with it", async () => {
        const denied = armError(403, "AuthorizationFailed", "The client does not have authorization to perform action");
        for (const op of ["get", "getDeleted", "checkNameAvailability"]) {
            await assert.rejects(run(prod, { availability: taken, errors: { [op]: denied } }), (e) => e === denied);
        }
    });

    it("each vault the plan creates is judged on its own", async () => {
        const vault = prod.resources.find((r) => r.name === VAULT)!;
        const second = { ...vault, name: "second-vault", names: ["kv-contoso-sops-second"] };
        const { results } = await run(
            { ...prod, resources: [vault, second] },
            {
                availability: taken,
                vaults: { "rg-sops-prod/kv-contoso-sops-prod": ownVault },
            },
        );
        assert.deepEqual(
            results.map((r) => [r.resource, r.status]),
            [
                [VAULT, "warn"],
                ["second-vault", "fail"],
            ],
        );
    });

    it("existing-key mode creates no vault: ok without asking Azure", async () => {
        const { results, calls } = await run(northeurope, { errors: { checkNameAvailability: new Error("asked") } });
        assert.deepEqual(results, [
            { id: "vault-name", status: "ok", detail: "the plan creates no Key Vault (existing-key mode)" },
        ]);
        assert.deepEqual(calls, []);
    });
});

describe("preflight existing-key check", () => {
    sharedCaptures();
    let prod: StackFacts;
    let northeurope: StackFacts;
    before(async () => {
        // One at a time: a stack is planned under process-wide Pulumi mocks.
        prod = await stackFacts("prod");
        northeurope = await stackFacts("prod-northeurope");
    });
    const RESOURCE = "kv-contoso-sops-prod/sops-prod";
    const IN_VAULT = { "rg-sops-prod/kv-contoso-sops-prod": ownVault };
    /** A key as Keys_Get answers (getKey.json's shape, properties flattened by the client). */
    const key = (k: Partial<Key>): Record<string, Key> => ({
        "rg-sops-prod/kv-contoso-sops-prod/sops-prod": {
            id: `${VAULT_ID}/keys/sops-prod`,
            name: "sops-prod",
            type: "Microsoft.KeyVault/vaults/keys",
            ...k,
        },
    });
    async function run(facts: StackFacts, answers: Answers) {
        const azure = keyVault(answers);
        const ctx = checkContext(facts, azure.clients);
        const results = await existingKey.run(ctx);
        assert.ok(azure.signals.every((s) => s === ctx.signal));
        return { results, calls: azure.calls };
    }
    const unfit = (problems: string) => [
        {
            id: "existing-key",
            status: "fail",
            resource: RESOURCE,
            detail: `key sops-prod in kv-contoso-sops-prod cannot serve SOPS: ${problems}`,
            fix: "az keyvault key show --vault-name kv-contoso-sops-prod --name sops-prod",
        },
    ];

    it("an enabled RSA-HSM key that decrypts is ok, read through the management plane", async () => {
        const { results, calls } = await run(northeurope, {
            vaults: IN_VAULT,
            keys: key({ kty: "RSA-HSM", keyOps: ["encrypt", "decrypt"], keySize: 4096, attributes: { enabled: true } }),
        });
        assert.deepEqual(results, [
            {
                id: "existing-key",
                status: "ok",
                resource: RESOURCE,
                detail: "key sops-prod in kv-contoso-sops-prod exists: RSA-HSM, encrypt/decrypt",
            },
        ]);
        assert.deepEqual(calls, [
            ["get", "rg-sops-prod", "kv-contoso-sops-prod"],
            ["keys.get", "rg-sops-prod", "kv-contoso-sops-prod", "sops-prod"],
        ]);
    });

    it("getKey.json's RSA 2048 key with every operation is ok: SOPS needs RSA-OAEP-256 decrypt, not a size", async () => {
        // getsops/sops azkv/keysource.go: Encrypt/Decrypt with EncryptionAlgorithmRSAOAEP256.
        const { results } = await run(northeurope, {
            vaults: IN_VAULT,
            keys: key({
                kty: "RSA",
                keySize: 2048,
                keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
                attributes: { enabled: true, recoveryLevel: "Purgeable" },
            }),
        });
        assert.deepEqual(results, [
            {
                id: "existing-key",
                status: "ok",
                resource: RESOURCE,
                detail: "key sops-prod in kv-contoso-sops-prod exists: RSA, encrypt/decrypt/sign/verify/wrapKey/unwrapKey",
            },
        ]);
    });

    it("a key without keyOps allows every operation of its type (RFC 7517 4.3): ok", async () => {
        const { results } = await run(northeurope, { vaults: IN_VAULT, keys: key({ kty: "RSA" }) });
        assert.equal(results[0].detail, "key sops-prod in kv-contoso-sops-prod exists: RSA, all operations");
        assert.equal(results[0].status, "ok");
    });

    it("fails for a key of the wrong type, without decrypt, or disabled, naming every problem", async () => {
        const cases: [Partial<Key>, string][] = [
            [
                { kty: "EC-HSM", keyOps: ["sign", "verify"] },
                "type EC-HSM (SOPS needs RSA or RSA-HSM); keyOps sign, verify without decrypt",
            ],
            [{ kty: "oct-HSM", keyOps: ["decrypt"] }, "type oct-HSM (SOPS needs RSA or RSA-HSM)"],
            [{ keyOps: ["decrypt"] }, "type unknown (SOPS needs RSA or RSA-HSM)"],
            [
                { kty: "RSA", keyOps: ["encrypt", "wrapKey", "unwrapKey"] },
                "keyOps encrypt, wrapKey, unwrapKey without decrypt",
            ],
            [{ kty: "RSA", keyOps: [] }, "keyOps none without decrypt"],
            [{ kty: "RSA-HSM", attributes: { enabled: false } }, "disabled"],
            [
                { kty: "EC", keyOps: ["encrypt"], attributes: { enabled: false } },
                "type EC (SOPS needs RSA or RSA-HSM); keyOps encrypt without decrypt; disabled",
            ],
        ];
        for (const [k, problems] of cases) {
            const { results } = await run(northeurope, { vaults: IN_VAULT, keys: key(k) });
            assert.deepEqual(results, unfit(problems), JSON.stringify(k));
        }
    });

    it("a missing vault fails without asking for the key; a missing key fails", async () => {
        const noVault = await run(northeurope, {});
        assert.deepEqual(noVault.results, [
            {
                id: "existing-key",
                status: "fail",
                resource: RESOURCE,
                detail: "vault kv-contoso-sops-prod not found in resource group rg-sops-prod (sops.existingKeyId)",
                fix: "az keyvault show --name kv-contoso-sops-prod --query id",
            },
        ]);
        assert.deepEqual(noVault.calls, [["get", "rg-sops-prod", "kv-contoso-sops-prod"]]);
        const noKey = await run(northeurope, { vaults: IN_VAULT });
        assert.deepEqual(noKey.results, [
            {
                id: "existing-key",
                status: "fail",
                resource: RESOURCE,
                detail: "key sops-prod not found in vault kv-contoso-sops-prod",
                fix: 'az keyvault key list --vault-name kv-contoso-sops-prod --query "[].name"',
            },
        ]);
    });

    it("an error other than 404 is not taken for 'not found': the check fails with it", async () => {
        const denied = armError(403, "AuthorizationFailed", "The client does not have authorization to perform action");
        for (const op of ["get", "keys.get"]) {
            await assert.rejects(run(northeurope, { vaults: IN_VAULT, errors: { [op]: denied } }), (e) => e === denied);
        }
    });

    it("a key in another subscription is not read where it is not (warn, not a false 'not found')", async () => {
        const other =
            "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-sops-prod/providers/Microsoft.KeyVault/vaults/kv-contoso-sops-prod/keys/sops-prod";
        const withKey = (existingKeyId: string): StackFacts => ({
            ...northeurope,
            settings: { ...northeurope.settings, sops: { ...northeurope.settings.sops, existingKeyId } },
        });
        const { results, calls } = await run(withKey(other), {});
        assert.deepEqual(results, [
            {
                id: "existing-key",
                status: "warn",
                resource: RESOURCE,
                detail: `not checked: the key is in subscription 11111111-2222-3333-4444-555555555555 and preflight reads ${SUBSCRIPTION} only; check that it exists, is enabled, RSA or RSA-HSM and allows decrypt`,
                fix: `az resource show --ids ${other} --query "{kty:properties.kty,keyOps:properties.keyOps,enabled:properties.attributes.enabled}"`,
            },
        ]);
        assert.deepEqual(calls, []);
        // The checked subscription spelled out (in any case) is read as usual.
        const here = await run(withKey(other.replace(/11111111-[0-9-]+/, SUBSCRIPTION.toUpperCase())), {
            vaults: IN_VAULT,
            keys: key({ kty: "RSA-HSM", keyOps: ["encrypt", "decrypt"] }),
        });
        assert.equal(here.results[0].status, "ok");
    });

    it("a stack that owns its vault uses no existing key: ok without asking Azure", async () => {
        const { results, calls } = await run(prod, {});
        assert.deepEqual(results, [
            { id: "existing-key", status: "ok", detail: "not used: this stack owns its vault and key" },
        ]);
        assert.deepEqual(calls, []);
    });
});
