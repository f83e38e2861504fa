// Role helpers (components/roles.ts) against values computed outside this code base: the expected GUIDs below are
// SHA-256 of the NUL-joined parts, laid out as a version-5-style GUID (version nibble 5, RFC 4122 variant bits 10xx),
// computed with Python's hashlib. Built-in role ids: azure-docs articles/role-based-access-control/built-in-roles/
// (security.md, networking.md, monitor.md); SOPS's decrypt actions: getsops/sops azkv/keysource.go.
import * as assert from "node:assert/strict";
import {
    BUILT_IN_ROLES,
    roleAssignmentName,
    SOPS_DECRYPT_DATA_ACTIONS,
    sopsDecryptRoleGuid,
    stableGuid,
} from "../../components/roles";

describe("role helpers (components/roles.ts)", () => {
    it("derives GUIDs from the NUL-joined parts, version 5 and RFC 4122 variant", () => {
        assert.equal(stableGuid("a"), "ca978112-ca1b-5dca-bac2-31b39a23dc4d");
        assert.equal(stableGuid("a", "b"), "59b271ae-1bbc-51d3-9d41-929817f4b16f");
        assert.equal(stableGuid("ab"), "fb8e20fc-2e4c-5f24-8c60-c39bd652f3c1", "parts are separated, not concatenated");
    });

    it("names an assignment by scope, lower-cased principal object id and role", () => {
        const grant = { scopeKey: "vault/kv-test-sops-prod", roleKey: "12338af0-0e69-4776-bea7-57ae8d297424" };
        assert.equal(
            roleAssignmentName(grant, "0b2c4d6e-aaaa-4bbb-8ccc-123456789abc"),
            "485897e7-2aad-5405-a426-a57f69bf6144",
        );
        assert.equal(
            roleAssignmentName(grant, "0B2C4D6E-AAAA-4BBB-8CCC-123456789ABC"),
            "485897e7-2aad-5405-a426-a57f69bf6144",
        );
    });

    it("derives the SOPS decrypt role id from environment and vault", () => {
        assert.equal(sopsDecryptRoleGuid("prod", "kv-contoso-sops-prod"), "973794c2-4f0c-5b96-b89c-46a047cbef66");
    });

    it("uses the published built-in role ids and exactly SOPS's two decrypt actions", () => {
        assert.deepEqual(BUILT_IN_ROLES, {
            keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
            networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
            monitoringDataReader: "b0d8363b-8ddd-447d-831f-62ca05bff136",
            grafanaAdmin: "22926164-76b3-42b3-bc55-97df8dab3e41",
            // built-in-roles.md, Containers: Azure Kubernetes Service Namespace User, RBAC Reader, Writer, Admin.
            aksNamespaceUser: "c9f76ca8-b262-4b10-8ed2-09cf0948aa35",
            aksRbacReader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
            aksRbacWriter: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
            aksRbacAdmin: "3498e952-d568-435e-9b2c-8d77e338d7f7",
        });
        assert.deepEqual(SOPS_DECRYPT_DATA_ACTIONS, [
            "Microsoft.KeyVault/vaults/keys/read",
            "Microsoft.KeyVault/vaults/keys/decrypt/action",
        ]);
    });
});
