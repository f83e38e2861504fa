// The SOPS vault: in owner mode its (globally unique) name must be free, or be the stack's own vault; in existing-key
// mode the vault and key must exist and the key must decrypt.
// Vaults_CheckNameAvailability (azure-rest-api-specs specification/keyvault/.../examples/checkVaultNameAvailability.json):
// {nameAvailable, reason: AccountNameInvalid | AlreadyExists, message}. A soft-deleted vault keeps its name until it is
// purged (Vaults_GetDeleted, examples getDeletedVault.json: properties.deletionDate, scheduledPurgeDate,
// purgeProtectionEnabled); with purge protection it cannot be purged before scheduledPurgeDate, only recovered
// (Key Vault docs soft-delete-overview.md "Purge protection"). The deleted vault is kept "in the same location as the
// deleted key vault" and the subscription's deleted vaults can all be listed (soft-delete-overview.md "Key vault
// recovery", "Soft-delete retention period"; Vaults_ListDeleted, examples listDeletedVaults.json: properties.location):
// a vault of the same name deleted in another region holds the name too, and is recovered or purged there.
//
// The stack's own vault existing in its resource group is only fine when the stack's state has it (then `pulumi up`
// updates it) or sops.adopt imports it: otherwise `pulumi up` tries to create it and ARM refuses (the name is taken).
// Preflight reads no Pulumi backend; with --state (pulumi stack export) it tells, without it says it cannot: a warning
// either way, never "ok".
import { all, ifExists } from "../azure";
import { inState } from "../state";
import type { Check, CheckContext, CheckResult } from "../run-checks";
import { parseArmId } from "../../stacks/schema";

const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : "unknown");

export const vaultName: Check = {
    id: "vault-name",
    reads: "Key Vault names and vaults",
    needs: "Reader on the subscription",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const vaults = ctx.facts.resources.filter((r) => r.type === "Microsoft.KeyVault/vaults");
        if (vaults.length === 0) {
            return [{ id: this.id, status: "ok", detail: "the plan creates no Key Vault (existing-key mode)" }];
        }
        const adopt = ctx.facts.settings.sops.adopt === true;
        const results: CheckResult[] = [];
        for (const vault of vaults) {
            const name = vault.names[0];
            const rg = vault.placement.kind === "resourceGroup" ? vault.placement.resourceGroup : "";
            const location = String(vault.inputs.location);
            const resource = vault.name;
            const kv = ctx.clients.keyVault.vaults;
            // POST /subscriptions/{id}/providers/Microsoft.KeyVault/checkNameAvailability
            const availability = await kv.checkNameAvailability(
                { name, type: "Microsoft.KeyVault/vaults" },
                { abortSignal: ctx.signal },
            );
            if (availability.nameAvailable) {
                results.push(
                    adopt
                        ? {
                              id: this.id,
                              status: "fail",
                              resource,
                              detail: `sops.adopt is set but no vault ${name} exists to adopt`,
                              fix: `pulumi config set --stack ${ctx.facts.stack} --path sops.adopt false`,
                          }
                        : { id: this.id, status: "ok", resource, detail: `vault name ${name} is available` },
                );
                continue;
            }
            const own = rg ? await ifExists(() => kv.get(rg, name, { abortSignal: ctx.signal })) : undefined;
            if (own) {
                const id = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/${name}`;
                const adoptFix = `pulumi config set --stack ${ctx.facts.stack} --path sops.adopt true`;
                if (adopt) {
                    results.push({
                        id: this.id,
                        status: "ok",
                        resource,
                        detail: `vault ${name} exists in ${rg}: sops.adopt imports it into the stack`,
                    });
                } else if (ctx.state && inState(ctx.state, vault.token, own.id ?? id)) {
                    results.push({
                        id: this.id,
                        status: "ok",
                        resource,
                        detail: `vault ${name} exists in ${rg} and the stack's state (${ctx.state.file}) has it: \`pulumi up\` updates it`,
                    });
                } else if (ctx.state) {
                    results.push({
                        id: this.id,
                        status: "warn",
                        resource,
                        detail: `vault ${name} exists in ${rg} but the stack's state (${ctx.state.file}) does not have it: \`pulumi up\` would try to create it and fail; adopt it with sops.adopt (or delete it, if it is not the environment's key)`,
                        fix: adoptFix,
                    });
                } else {
                    results.push({
                        id: this.id,
                        status: "warn",
                        resource,
                        detail: `vault ${name} exists in ${rg}: \`pulumi up\` updates it if the stack's state has it, and fails to create it if not (a new or re-created stack): give --state <file> (pulumi stack export) to check, or adopt it with sops.adopt`,
                        fix: adoptFix,
                    });
                }
                continue;
            }
            // GET .../locations/{location}/deletedVaults/{name}; if not there, GET .../providers/Microsoft.KeyVault/deletedVaults
            // (a 404 from either is "none": the name is then held outside the subscription).
            const deleted =
                (await ifExists(() => kv.getDeleted(name, location, { abortSignal: ctx.signal }))) ??
                (await ifExists(() => all(kv.listDeleted({ abortSignal: ctx.signal }))))?.find((d) =>
                    [d.name, d.properties?.vaultId?.split("/").pop()].some(
                        (n) => n?.toLowerCase() === name.toLowerCase(),
                    ),
                );
            if (deleted) {
                const p = deleted.properties ?? {};
                const where = p.location ?? location;
                const elsewhere = where.toLowerCase() === location.toLowerCase() ? "" : ` in ${where}`;
                const purge = p.purgeProtectionEnabled
                    ? `purge protection is on, so it cannot be purged before ${day(p.scheduledPurgeDate)}: recover it (then adopt it with sops.adopt)`
                    : `recover it, or purge it (az keyvault purge --name ${name} --location ${where}) to free the name, which destroys its keys`;
                results.push({
                    id: this.id,
                    status: "fail",
                    resource,
                    detail: `vault name ${name} is held by a soft-deleted vault${elsewhere} (deleted ${day(p.deletionDate)}, scheduled purge ${day(p.scheduledPurgeDate)}); ${purge}`,
                    fix: `az keyvault recover --name ${name} --location ${where}`,
                });
                continue;
            }
            results.push({
                id: this.id,
                status: "fail",
                resource,
                detail: `vault name ${name} is not available (${availability.reason ?? "AlreadyExists"}: ${availability.message ?? "used elsewhere"}); vault names are global`,
                fix: `pulumi config set --stack ${ctx.facts.stack} --path sops.vaultName <another-globally-unique-name>`,
            });
        }
        return results;
    },
};

export const existingKey: Check = {
    id: "existing-key",
    reads: "the SOPS vault and key",
    needs: "Reader on the vault's resource group",
    async run(ctx: CheckContext): Promise<CheckResult[]> {
        const keyId = ctx.facts.settings.sops.existingKeyId;
        if (!keyId) {
            return [{ id: this.id, status: "ok", detail: "not used: this stack owns its vault and key" }];
        }
        const { subscriptionId, resourceGroupName: rg, names } = parseArmId(keyId);
        const [vault, key] = names;
        const resource = `${vault}/${key}`;
        // sops.existingKeyId may name another subscription (stacks/schema.ts; the program assigns the decrypt role on
        // that vault as given). Preflight's clients read the subscription it checks only, where the vault is not.
        if (subscriptionId && subscriptionId.toLowerCase() !== ctx.subscriptionId.toLowerCase()) {
            return [
                {
                    id: this.id,
                    status: "warn",
                    resource,
                    detail: `not checked: the key is in subscription ${subscriptionId} and preflight reads ${ctx.subscriptionId} only; check that it exists, is enabled, RSA or RSA-HSM and allows decrypt`,
                    fix: `az resource show --ids ${keyId} --query "{kty:properties.kty,keyOps:properties.keyOps,enabled:properties.attributes.enabled}"`,
                },
            ];
        }
        // GET .../Microsoft.KeyVault/vaults/{vault} and .../vaults/{vault}/keys/{key} (management plane: no data access needed).
        const found = await ifExists(() => ctx.clients.keyVault.vaults.get(rg, vault, { abortSignal: ctx.signal }));
        if (!found) {
            return [
                {
                    id: this.id,
                    status: "fail",
                    resource,
                    detail: `vault ${vault} not found in resource group ${rg} (sops.existingKeyId)`,
                    fix: `az keyvault show --name ${vault} --query id`,
                },
            ];
        }
        const k = await ifExists(() => ctx.clients.keyVault.keys.get(rg, vault, key, { abortSignal: ctx.signal }));
        if (!k) {
            return [
                {
                    id: this.id,
                    status: "fail",
                    resource,
                    detail: `key ${key} not found in vault ${vault}`,
                    fix: `az keyvault key list --vault-name ${vault} --query "[].name"`,
                },
            ];
        }
        // The client flattens the key's properties (kty, keyOps, attributes) onto the Key.
        const p = k;
        const problems: string[] = [];
        if (p.kty !== "RSA" && p.kty !== "RSA-HSM") {
            problems.push(`type ${p.kty ?? "unknown"} (SOPS needs RSA or RSA-HSM)`);
        }
        // Absent keyOps means every operation the key type allows (JSON Web Key key_ops, RFC 7517 4.3).
        if (p.keyOps && !p.keyOps.includes("decrypt")) {
            problems.push(`keyOps ${p.keyOps.join(", ") || "none"} without decrypt`);
        }
        if (p.attributes?.enabled === false) {
            problems.push("disabled");
        }
        if (problems.length > 0) {
            return [
                {
                    id: this.id,
                    status: "fail",
                    resource,
                    detail: `key ${key} in ${vault} cannot serve SOPS: ${problems.join("; ")}`,
                    fix: `az keyvault key show --vault-name ${vault} --name ${key}`,
                },
            ];
        }
        return [
            {
                id: this.id,
                status: "ok",
                resource,
                detail: `key ${key} in ${vault} exists: ${p.kty}, ${p.keyOps ? p.keyOps.join("/") : "all operations"}`,
            },
        ];
    },
};
