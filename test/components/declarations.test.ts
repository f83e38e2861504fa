// What the components declare beyond their headline settings, stated literally so that a changed value fails here:
// the resource tree (design.md: every resource is a child of the component that declares it), what each component
// registers as its outputs, the role assignments as the Azure portal lists them, and the settings mutation testing
// found no other test holding (docs/testing.md). Values Azure or its tools publish say where they come from.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { Capture } from "../../offline/program";
import { capture } from "../../offline/program";
import { stackNames } from "../../stacks/files";
import { makeDisplay } from "../../plan/model";
import { FluxIdentity } from "../../components/FluxIdentity";
import { roleAssignmentName } from "../../components/roles";
import { all, at, baseConfig, idOf, one, run, runCommitted, stackInput, withConfig } from "../support/stacks";
import { lazy } from "../../cli/lazy";
import { T } from "../support/tokens";
import { sharedCaptures } from "../support/share-captures";

const ROLE = T.RoleAssignment;
const CLUSTER = T.ManagedCluster;
const DCR = T.DataCollectionRule;
const DCRA = T.DataCollectionRuleAssociation;

/** A capture's values as the plan shows them: fake Azure values as `${resource.output}` references. */
const shown = (c: Capture, value: unknown) => makeDisplay(c.references)(value);

describe("the components, as ARM receives them", () => {
    sharedCaptures();
    const active = new Map<string, Capture>();
    let prod: Capture;
    let dev: Capture;
    let standby: Capture;
    before(async () => {
        for (const stack of stackNames()) {
            active.set(stack, await runCommitted(stack, { active: true }));
        }
        prod = active.get("prod")!;
        dev = active.get("dev")!;
        standby = await runCommitted("prod-northeurope");
    });

    it("files every resource under the component that declares it", () => {
        for (const [stack, c] of [...active, ["prod-northeurope (standby)", standby] as const]) {
            const components = c.resources.filter((r) => !r.custom && r.type.startsWith("aks-gitops:index:"));
            const root = components.filter((r) => r.type === T.GitOpsCluster);
            assert.equal(root.length, 1, stack);
            // Top-level in the program (under `pulumi up` the engine files it under the stack resource).
            assert.equal(root[0].parent, null, `${stack}: the cluster component is top-level`);
            for (const r of c.resources.filter((x) => x !== root[0])) {
                // GitOpsCluster declares the other components; every other resource belongs to the component whose name,
                // plus "-", starts its own (the longest such: x-flux-identity-identity is FluxIdentity's, not FluxGitOps').
                const owner = components.includes(r)
                    ? root[0]
                    : components
                          .filter((k) => r.name.startsWith(`${k.name}-`))
                          .sort((a, b) => b.name.length - a.name.length)[0];
                assert.ok(owner, `${stack}: ${r.name} is named after no component`);
                assert.equal(r.parent, owner.urn, `${stack}: ${r.name} (${r.type}) must be a child of ${owner.name}`);
            }
        }
    });

    it("registers each component's outputs", () => {
        const registered = (c: Capture, type: string) => shown(c, c.registeredOutputs.get(one(c, type).urn));
        assert.deepEqual(registered(prod, T.AksCluster), {
            egressIpPrefix: "${prod-westeurope-aks-egress.ipPrefix}",
            id: "${prod-westeurope-aks-cluster.id}",
            name: "aks-prod-westeurope",
            oidcIssuerUrl: "${prod-westeurope-aks-cluster.oidcIssuerProfile.issuerURL}",
        });
        assert.deepEqual(
            registered(standby, T.AksCluster),
            { egressIpPrefix: "${prod-northeurope-aks-egress.ipPrefix}" },
            "no cluster on standby",
        );
        assert.deepEqual(registered(prod, T.FluxIdentity), {
            clientId: "${prod-westeurope-flux-identity-identity.clientId}",
            principalId: "${prod-westeurope-flux-identity-identity.principalId}",
        });
        assert.deepEqual(registered(prod, T.FluxGitOps), {
            configurationId: "${prod-westeurope-flux-configuration.id}",
            extensionId: "${prod-westeurope-flux-extension.id}",
        });
        assert.deepEqual(registered(prod, T.FluxMonitoring), {
            actionGroupId: "${prod-westeurope-monitoring-actions.id}",
            ruleGroupId: "${prod-westeurope-monitoring-rules.id}",
            workspaceId: "${prod-westeurope-monitoring-workspace.id}",
        });
        const sops = registered(prod, T.SopsKeyVault) as Record<string, unknown>;
        assert.deepEqual(Object.keys(sops).sort(), ["admittedEgress", "creationRule", "keyUriWithVersion", "vaultId"]);
        assert.equal(sops.vaultId, "${prod-westeurope-sops-vault.id}");
        assert.equal(sops.keyUriWithVersion, "${prod-westeurope-sops-key.keyUriWithVersion}");
        assert.deepEqual(sops.admittedEgress, ["${getPublicIPPrefix(pip-egress-aks-prod-northeurope).ipPrefix}"]);
        const fleet = registered(prod, T.FleetManifests) as {
            objects: { metadata: { name: string } }[];
            layerObjects: { kind: string }[];
        };
        assert.deepEqual(fleet.objects.map((o) => o.metadata.name).sort(), [
            "apps",
            "infrastructure",
            "infrastructure-configs",
            "monitoring",
            "notifications",
        ]);
        assert.deepEqual(fleet.layerObjects.map((o) => o.kind).sort(), [
            "Alert",
            "Alert",
            "HelmRelease",
            "PodMonitor",
            "PodMonitor",
            "Provider",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
        ]);
        // The cluster component registers what the stack exports.
        for (const [stack, c] of active) {
            assert.deepEqual(
                Object.keys(c.registeredOutputs.get(one(c, T.GitOpsCluster).urn)!).sort(),
                Object.keys(c.outputs).sort(),
                stack,
            );
        }
    });

    it("exports what each kind of stack has: the vault owner its key, a monitored stack its alerts, an active one its cluster", () => {
        const common = [
            "clusterResourceGroup",
            "egressIpPrefix",
            "fleetPaths",
            "fluxIdentityClientId",
            "sopsCreationRule",
            "sopsKeyUrl",
            "sopsVaultId",
            "sopsVaultUri",
            "standby",
        ];
        // An active stack of the fixture project also runs its tenant (Pulumi.yaml org.tenants.payments).
        const cluster = ["clusterId", "clusterName", "fluxConfigurationName", "oidcIssuerUrl", "tenants"];
        const owner = ["sopsAdmittedEgress", "sopsKeyId"];
        const monitoring = ["alertRuleGroupId", "monitoringWorkspaceId"];
        assert.deepEqual(
            Object.keys(prod.outputs).sort(),
            [...common, ...cluster, ...owner, ...monitoring, "grafanaEndpoint"].sort(),
        );
        assert.deepEqual(
            Object.keys(dev.outputs).sort(),
            [...common, ...cluster, ...owner].sort(),
            "dev: no monitoring",
        );
        assert.deepEqual(
            Object.keys(standby.outputs).sort(),
            [...common, "monitoringWorkspaceId"].sort(),
            "standby: no cluster, no rules, prod's key",
        );
        assert.equal(
            shown(prod, prod.outputs.grafanaEndpoint.value),
            "${prod-westeurope-monitoring-grafana.properties.endpoint}",
        );
        assert.equal(shown(prod, prod.outputs.alertRuleGroupId.value), "${prod-westeurope-monitoring-rules.id}");
    });

    it("grants exactly these roles in prod, each described as the Azure portal lists it", () => {
        // Built-in role GUIDs as published (MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/
        // networking.md, security.md, monitor.md); the SOPS decrypt role's GUID is the program's own (components/roles.ts).
        const grants = all(prod, ROLE).map((r) => {
            const i = shown(prod, r.inputs) as Record<string, string>;
            return [
                r.name.replace("prod-westeurope-", ""),
                i.scope,
                i.roleDefinitionId.split("/").pop(),
                i.principalType,
                i.principalId,
                i.description,
            ];
        });
        assert.deepEqual(grants.sort(), [
            [
                "aks-egress-join",
                "${prod-westeurope-aks-egress.id}",
                "4d97b98b-1d4f-4787-a291-c67834d212e7",
                "ServicePrincipal",
                "${prod-westeurope-aks-control-plane.principalId}",
                "AKS aks-prod-westeurope attaches its outbound IP prefix",
            ],
            [
                "flux-identity-decrypt",
                "${prod-westeurope-sops-vault.id}",
                "973794c2-4f0c-5b96-b89c-46a047cbef66",
                "ServicePrincipal",
                "${prod-westeurope-flux-identity-identity.principalId}",
                "Flux kustomize-controller decrypts SOPS secrets (id-flux-prod-westeurope)",
            ],
            [
                "monitoring-grafana-admin-0",
                "${prod-westeurope-monitoring-grafana.id}",
                "22926164-76b3-42b3-bc55-97df8dab3e41",
                "Group",
                "${getGroup(aks-prod-admins).objectId}",
                "Grafana admins (aks-prod-admins)",
            ],
            [
                "monitoring-grafana-reader",
                "${prod-westeurope-monitoring-workspace.id}",
                "b0d8363b-8ddd-447d-831f-62ca05bff136",
                "ServicePrincipal",
                "${prod-westeurope-monitoring-grafana.identity.principalId}",
                "Grafana graf-aks-prod-westeurope reads managed Prometheus",
            ],
            [
                "sops-encryptor-0",
                "${prod-westeurope-sops-vault.id}",
                "12338af0-0e69-4776-bea7-57ae8d297424",
                "Group",
                "${getGroup(platform-sops-encryptors).objectId}",
                "SOPS encryptors for prod (platform-sops-encryptors)",
            ],
            [
                "tenant-payments-payments-group0-namespace-user",
                "${prod-westeurope-tenant-payments-ns-payments.id}",
                "c9f76ca8-b262-4b10-8ed2-09cf0948aa35",
                "Group",
                "${getGroup(payments-developers).objectId}",
                "tenant payments: payments-developers sees the namespace payments",
            ],
            [
                "tenant-payments-payments-group0-rbac-reader",
                "${prod-westeurope-tenant-payments-ns-payments.id}",
                "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
                "Group",
                "${getGroup(payments-developers).objectId}",
                "tenant payments: payments-developers reader in the namespace payments",
            ],
        ]);
        // Each named after what it means (scope, principal, role): the scope as these stable keys.
        const scopeKeys: Record<string, string> = {
            "aks-egress-join": "prefix/pip-egress-aks-prod-westeurope",
            "flux-identity-decrypt": "vault/kv-contoso-sops-prod",
            "monitoring-grafana-admin-0": "grafana/graf-aks-prod-westeurope",
            "monitoring-grafana-reader": "amw/amw-aks-prod-westeurope",
            "sops-encryptor-0": "vault/kv-contoso-sops-prod",
            "tenant-payments-payments-group0-namespace-user": "managed-namespace/aks-prod-westeurope/payments",
            "tenant-payments-payments-group0-rbac-reader": "managed-namespace/aks-prod-westeurope/payments",
        };
        for (const r of all(prod, ROLE)) {
            const role = String(r.inputs.roleDefinitionId).split("/").pop()!;
            const expected = roleAssignmentName(
                { scopeKey: scopeKeys[r.name.replace("prod-westeurope-", "")], roleKey: role },
                String(r.inputs.principalId),
            );
            assert.equal(r.inputs.roleAssignmentName, expected, r.name);
        }
        const role = one(prod, T.RoleDefinition).inputs;
        assert.equal(role.roleName, "SOPS decrypt (kv-contoso-sops-prod)");
        assert.equal(role.description, "Read keys and decrypt with them; no encrypt, sign, update, backup or delete.");
    });

    it("keeps audit and Container Insights logs in a pay-per-GB Log Analytics workspace", () => {
        const logs = one(prod, T.Workspace).inputs;
        assert.equal(logs.workspaceName, "log-prod-westeurope");
        assert.deepEqual(logs.sku, { name: "PerGB2018" });
    });

    it("looks Entra ID groups up by display name among security groups only", () => {
        const lookups = prod.calls.filter((x) => x.token === T.AdGroupLookup).map((x) => x.inputs);
        assert.ok(lookups.length > 0);
        for (const l of lookups) {
            assert.deepEqual(Object.keys(l).sort(), ["displayName", "securityEnabled"]);
            assert.equal(
                l.securityEnabled,
                true,
                `${String(l.displayName)}: a mail-only group of the same name must not match`,
            );
        }
    });

    describe("AksCluster", () => {
        it("sends outbound traffic through a Standard IPv4 prefix of its own, zone-redundant where the system pool is", () => {
            const prefix = (c: Capture) => one(c, T.PublicIPPrefix).inputs;
            assert.deepEqual(
                { ...prefix(prod), tags: undefined },
                {
                    location: "westeurope",
                    prefixLength: 31,
                    publicIPAddressVersion: "IPv4",
                    publicIpPrefixName: "pip-egress-aks-prod-westeurope",
                    resourceGroupName: "rg-aks-prod-westeurope",
                    sku: { name: "Standard", tier: "Regional" },
                    tags: undefined,
                    zones: ["1", "2", "3"],
                },
            );
            assert.equal(prefix(dev).zones, undefined, "dev's system pool has no zones");
            assert.equal(
                one(prod, T.UserAssignedIdentity, "-aks-control-plane").inputs.resourceName,
                "id-aks-prod-westeurope",
            );
        });

        it("reads a reserved egress prefix instead of creating one", async () => {
            const id = "/resourceGroups/rg-net-prod/providers/Microsoft.Network/publicIPPrefixes/pip-reserved";
            const c = await run(
                withConfig(baseConfig("prod"), {
                    aks: { network: { egress: { publicIpPrefixId: id, publicIpPrefixLength: undefined } } },
                }),
            );
            assert.equal(all(c, T.PublicIPPrefix).length, 0);
            const reads = c.calls.filter((x) => x.token === T.GetPublicIPPrefix).map((x) => x.inputs);
            assert.deepEqual(reads, [{ resourceGroupName: "rg-net-prod", publicIpPrefixName: "pip-reserved" }]);
            assert.equal(shown(c, c.outputs.egressIpPrefix.value), "${getPublicIPPrefix(pip-reserved).ipPrefix}");
            const join = shown(c, one(c, ROLE, "-aks-egress-join").inputs) as Record<string, string>;
            assert.equal(
                join.scope,
                `/subscriptions/\${azure.subscriptionId}${id}`,
                "the join grant is on the reserved prefix",
            );
        });

        it("names the node resource group, uses a Standard load balancer with the prefix for outbound, and surges a third of a pool", () => {
            const c = one(prod, CLUSTER).inputs;
            assert.equal(c.nodeResourceGroup, "aks-prod-westeurope-nodes");
            // The API server's DNS name starts with it (<dnsPrefix>-<hash>.hcp.<region>.azmk8s.io); immutable.
            assert.equal(c.dnsPrefix, "aks-prod-westeurope");
            assert.deepEqual(
                shown(prod, {
                    lb: at(c, "networkProfile.loadBalancerSku"),
                    out: at(c, "networkProfile.outboundType"),
                    prefixes: at(c, "networkProfile.loadBalancerProfile.outboundIPPrefixes"),
                }),
                {
                    lb: "standard",
                    out: "loadBalancer",
                    prefixes: { publicIPPrefixes: [{ id: "${prod-westeurope-aks-egress.id}" }] },
                },
            );
            for (const p of c.agentPoolProfiles as Record<string, unknown>[]) {
                assert.equal(p.osType, "Linux", String(p.name));
                assert.deepEqual(p.upgradeSettings, { maxSurge: "33%" }, String(p.name));
            }
            assert.deepEqual(shown(prod, c.identity), {
                type: "UserAssigned",
                userAssignedIdentities: ["${prod-westeurope-aks-control-plane.id}"],
            });
        });

        it("declares its two maintenance windows and sends audit logs to resource-specific tables", () => {
            assert.deepEqual(
                all(prod, T.MaintenanceConfiguration)
                    .map((r) => [r.name, r.inputs.configName])
                    .sort(),
                [
                    ["prod-westeurope-aks-maintenance-node-os", "aksManagedNodeOSUpgradeSchedule"],
                    ["prod-westeurope-aks-maintenance-upgrade", "aksManagedAutoUpgradeSchedule"],
                ],
            );
            const audit = one(prod, T.DiagnosticSetting, "-aks-audit").inputs;
            assert.equal(audit.name, "audit-to-log-analytics");
            assert.equal(audit.logAnalyticsDestinationType, "Dedicated");
        });

        it("collects Container Insights the way Microsoft's onboarding does: its streams, namespace filter and association", () => {
            // Streams: azure-monitor-docs containers/includes/data-collection-rule-streams.md, as in mspnp/aks-baseline
            // cluster-stamp.bicep; association name and description as the Azure CLI writes them (azure-cli acs
            // addonconfiguration.py).
            const streams = [
                "Microsoft-ContainerLogV2",
                "Microsoft-KubeEvents",
                "Microsoft-KubePodInventory",
                "Microsoft-KubeNodeInventory",
                "Microsoft-KubePVInventory",
                "Microsoft-KubeServices",
                "Microsoft-KubeMonAgentEvents",
                "Microsoft-InsightsMetrics",
                "Microsoft-ContainerInventory",
                "Microsoft-ContainerNodeInventory",
                "Microsoft-Perf",
            ];
            const rule = shown(prod, one(prod, DCR, "-aks-insights-dcr").inputs) as Record<string, unknown>;
            assert.deepEqual(
                { ...rule, tags: undefined },
                {
                    dataCollectionRuleName: "MSCI-westeurope-aks-prod-westeurope",
                    resourceGroupName: "rg-aks-prod-westeurope",
                    location: "westeurope",
                    kind: "Linux",
                    description:
                        "Container Insights: container logs and inventory of the cluster to its Log Analytics workspace",
                    dataSources: {
                        extensions: [
                            {
                                name: "ContainerInsightsExtension",
                                extensionName: "ContainerInsights",
                                streams,
                                extensionSettings: {
                                    dataCollectionSettings: {
                                        interval: "1m",
                                        namespaceFilteringMode: "Exclude",
                                        namespaces: ["kube-system", "gatekeeper-system"],
                                        enableContainerLogV2: true,
                                    },
                                },
                            },
                        ],
                    },
                    destinations: {
                        logAnalytics: [{ name: "ciworkspace", workspaceResourceId: "${prod-westeurope-logs.id}" }],
                    },
                    dataFlows: [{ streams, destinations: ["ciworkspace"] }],
                    tags: undefined,
                },
            );
            assert.deepEqual(shown(prod, one(prod, DCRA, "-aks-insights-dcra").inputs), {
                associationName: "ContainerInsightsExtension",
                resourceUri: "${prod-westeurope-aks-cluster.id}",
                dataCollectionRuleId: "${prod-westeurope-aks-insights-dcr.id}",
                description:
                    "Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster.",
            });
        });

        it("refuses a cluster that Azure returns without an OIDC issuer URL", async () => {
            const program = lazy.program();
            await assert.rejects(
                capture(stackInput(baseConfig("prod")), program, {
                    alterAzure: (type, state) =>
                        type === CLUSTER ? { ...state, oidcIssuerProfile: { enabled: true } } : state,
                }),
                /AKS cluster aks-prod-westeurope returned no OIDC issuer URL/,
            );
        });
    });

    describe("FluxMonitoring", () => {
        it("alerts through an enabled action group with the common alert schema, and resolves alerts by itself", () => {
            const actions = one(prod, T.ActionGroup).inputs;
            assert.equal(actions.groupShortName, "flux-alerts");
            assert.equal(actions.enabled, true);
            const rules = one(prod, T.PrometheusRuleGroup).inputs;
            assert.equal(rules.enabled, true);
            assert.equal(
                rules.description,
                "Flux reconciliation health (kube-state-metrics gotk_resource_info and controller durations)",
            );
            for (const r of rules.rules as Record<string, unknown>[]) {
                assert.equal(r.enabled, true, String(r.alert));
                assert.deepEqual(r.labels, { team: "platform", source: "flux" }, String(r.alert));
                assert.deepEqual(
                    r.resolveConfiguration,
                    { autoResolved: true, timeToResolve: "PT10M" },
                    String(r.alert),
                );
            }
        });

        it("names the managed-Prometheus endpoint and rule as Microsoft's template does, cut to Azure's lengths", async () => {
            const dce = (c: Capture) => one(c, T.DataCollectionEndpoint).inputs;
            const dcr = (c: Capture) => one(c, DCR, "-monitoring-dcr").inputs;
            assert.equal(dce(prod).dataCollectionEndpointName, "MSProm-westeurope-aks-prod-westeurope");
            assert.equal(dce(prod).kind, "Linux");
            assert.equal(dcr(prod).kind, "Linux");
            assert.equal(
                dcr(prod).description,
                "Managed Prometheus metrics of the cluster to its Azure Monitor workspace",
            );
            assert.equal(
                one(prod, DCRA, "-monitoring-dcra").inputs.description,
                "Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster.",
            );
            // The longest names config allows: a 40-character cluster in an 18-character region.
            const name = `prod-${"x".repeat(35)}`;
            const long = await run(
                withConfig(baseConfig("prod"), {
                    clusterName: name,
                    location: "australiasoutheast",
                    flux: { kustomizations: { cluster: { path: `./clusters/${name}` } } },
                }),
            );
            const full = `MSProm-australiasoutheast-aks-${name}`;
            assert.equal(dce(long).dataCollectionEndpointName, full.slice(0, 44));
            assert.equal(
                String(dce(long).dataCollectionEndpointName).length,
                44,
                "data collection endpoint names: at most 44 characters",
            );
            assert.equal(dcr(long).dataCollectionRuleName, full.slice(0, 64));
            assert.equal(
                String(dcr(long).dataCollectionRuleName).length,
                64,
                "data collection rule names: at most 64 characters",
            );
        });

        it("creates Managed Grafana (Standard, zone-redundant, its own identity) on the workspace when asked", () => {
            const grafana = shown(prod, one(prod, T.Grafana).inputs) as Record<string, unknown>;
            assert.deepEqual(
                { ...grafana, tags: undefined },
                {
                    // graf-<cluster name>: it fits Grafana's 23 characters whole (it was graf-<AKS name> cut mid-word).
                    workspaceName: "graf-prod-westeurope",
                    resourceGroupName: "rg-aks-prod-westeurope",
                    location: "westeurope",
                    sku: { name: "Standard" },
                    identity: { type: "SystemAssigned" },
                    properties: {
                        grafanaIntegrations: {
                            azureMonitorWorkspaceIntegrations: [
                                { azureMonitorWorkspaceResourceId: "${prod-westeurope-monitoring-workspace.id}" },
                            ],
                        },
                        zoneRedundancy: "Enabled",
                    },
                    tags: undefined,
                },
            );
        });

        it("cuts a Grafana name that is too long at a hyphen, never inside a word", async () => {
            // Microsoft.Dashboard 2024-10-01 grafana.json, workspaceName: ^[a-zA-Z][a-z0-9A-Z-]{0,28}[a-z0-9A-Z]$; 23
            // characters before that API version. "graf-prod-westeurope-blue-green" is 31: its last whole words go.
            const cluster = "prod-westeurope-blue-green";
            const c = await run(
                withConfig(baseConfig("prod"), {
                    clusterName: cluster,
                    monitoring: { grafana: { enabled: true, admins: [] } },
                    flux: { kustomizations: { cluster: { path: `./clusters/${cluster}` } } },
                }),
            );
            const name = String(one(c, T.Grafana).inputs.workspaceName);
            assert.equal(name, "graf-prod-westeurope");
            assert.match(name, /^[a-zA-Z][a-z0-9A-Z-]{0,21}[a-z0-9A-Z]$/);
            assert.equal(
                all(c, ROLE).filter((r) => r.name.includes("-grafana-admin-")).length,
                0,
                "no admins configured, no admin grants",
            );
            // A cut before a double hyphen leaves no hyphen at the end.
            const twice = await run(
                withConfig(baseConfig("prod"), {
                    clusterName: "prod-westeurope--abcdef",
                    monitoring: { grafana: { enabled: true, admins: [] } },
                    flux: { kustomizations: { cluster: { path: "./clusters/prod-westeurope--abcdef" } } },
                }),
            );
            assert.equal(one(twice, T.Grafana).inputs.workspaceName, "graf-prod-westeurope");
        });
    });

    describe("inputs the SDK records", () => {
        it("records no git credential among any component's inputs (FluxGitOps, which uses them, takes them unrecorded)", async () => {
            // An ssh fleet repo: gitSshPrivateKey is set, so the stack has a secret to leak.
            const c = await run(withConfig(baseConfig("prod"), {}));
            for (const component of c.resources.filter((r) => !r.custom)) {
                const text = JSON.stringify(component.inputs);
                assert.ok(
                    !/sshPrivateKey|httpsPassword|"git":\{"(ssh|https)/.test(text),
                    `${component.type} records a git credential: ${text.slice(0, 200)}`,
                );
            }
            const root = one(c, T.GitOpsCluster).inputs;
            assert.deepEqual(Object.keys(root).sort(), ["azure", "names", "settings", "tags"]);
            assert.equal((root.names as Record<string, unknown>).aksCluster, "aks-prod-westeurope");
            // The credential still reaches the one resource that needs it: the Flux configuration's protected settings.
            assert.ok(
                JSON.stringify(one(c, T.FluxConfiguration, "-flux-configuration").inputs).includes("sshPrivateKey"),
            );
        });
    });

    describe("FluxGitOps", () => {
        it("runs the controllers the fleet needs, under the extension's multi-tenancy lockdown", () => {
            // Keys: azure-management-docs tutorial-use-gitops-flux2.md (extension configuration settings).
            const settings = one(prod, T.Extension).inputs.configurationSettings as Record<string, string>;
            assert.equal(settings["multiTenancy.enforce"], "true");
            assert.equal(settings["source-controller.enabled"], "true");
            assert.equal(settings["kustomize-controller.enabled"], "true");
        });

        it("starts the configuration unsuspended, its credentials kept secret in the engine's state too", () => {
            const configuration = one(prod, T.FluxConfiguration, "-flux-configuration");
            assert.equal(configuration.inputs.suspend, false);
            assert.deepEqual(configuration.options.additionalSecretOutputs, ["configurationProtectedSettings"]);
        });

        it("sends no protected settings and no known hosts for a public https:// repo", async () => {
            const c = await run(
                withConfig(baseConfig("dev"), {
                    flux: { git: { url: "https://github.com/contoso/fleet", branch: "main" } },
                }),
                {},
            );
            const configuration = one(c, T.FluxConfiguration, "-flux-configuration").inputs;
            assert.equal(configuration.configurationProtectedSettings, undefined);
            assert.equal(at(configuration, "gitRepository.sshKnownHosts"), undefined);
        });
    });

    describe("SopsKeyVault", () => {
        it("serves no VM, disk-encryption or template deployment, keeps trusted services' bypass, and admits nothing when its firewall is off", () => {
            const properties = (c: Capture) => one(c, T.Vault).inputs.properties as Record<string, unknown>;
            const p = properties(prod);
            assert.deepEqual(p.sku, { family: "A", name: "premium" }, "prod: an HSM-backed key needs premium");
            assert.deepEqual(properties(dev).sku, { family: "A", name: "standard" });
            assert.equal(p.enabledForDeployment, false);
            assert.equal(p.enabledForDiskEncryption, false);
            assert.equal(p.enabledForTemplateDeployment, false);
            assert.equal(at(p, "networkAcls.bypass"), "AzureServices");
            assert.deepEqual(at(properties(dev), "networkAcls"), {
                defaultAction: "Allow",
                bypass: "AzureServices",
                ipRules: [],
            });
        });

        it("reads the admitted egress prefixes by resource group and name", () => {
            const reads = prod.calls.filter((x) => x.token === T.GetPublicIPPrefix).map((x) => x.inputs);
            assert.deepEqual(reads, [
                { resourceGroupName: "rg-aks-prod-northeurope", publicIpPrefixName: "pip-egress-aks-prod-northeurope" },
            ]);
        });

        it("keeps the audit setting and the encryptor grants unprotected in prod: they can be re-created, the key cannot", () => {
            for (const r of [one(prod, T.DiagnosticSetting, "-sops-audit"), one(prod, ROLE, "-sops-encryptor-0")]) {
                assert.deepEqual([r.options.protect, r.options.retainOnDelete], [false, true], r.name);
            }
        });

        it("adopts an encryptor grant by the id it would have, which only a group given by object id has in advance", async () => {
            const id = "0b6a3c1e-7f24-4d6a-9c35-2f1e8b7d9a40";
            const c = await run(withConfig(baseConfig("prod"), { sops: { adopt: true, encryptorGroups: [id] } }));
            const grant = one(c, ROLE, "-sops-encryptor-0");
            assert.equal(
                grant.options.importId,
                `${idOf(c, one(c, T.Vault))}/providers/Microsoft.Authorization/roleAssignments/${String(grant.inputs.roleAssignmentName)}`,
            );
            assert.equal(grant.inputs.description, `SOPS encryptors for prod (${id})`);
        });
    });

    describe("FleetManifests", () => {
        it("renders through a provider that only writes files, one object per Kustomization and layer object", () => {
            const provider = one(prod, "pulumi:providers:kubernetes");
            assert.deepEqual(provider.inputs.renderYamlToDirectory, "rendered/prod-westeurope");
            const objects = prod.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom);
            for (const r of objects) {
                assert.ok(
                    r.provider?.startsWith(`${provider.urn}::`),
                    `${r.name} must go through the render-only provider`,
                );
            }
            assert.ok(
                objects.some((r) => r.name === "prod-westeurope-fleet-podmonitor-flux-controllers"),
                "layer objects are named by kind (lower case) and name",
            );
        });
    });

    describe("FluxIdentity", () => {
        it("names the controller it has no credential for", async () => {
            await capture(stackInput({}, {}), () => {
                const identity = new FluxIdentity("x", {
                    resourceGroupName: "rg",
                    location: "westeurope",
                    identityName: "id-x",
                    oidcIssuerUrl: "https://issuer.example/",
                    controllers: ["kustomize-controller"],
                    decryptScope: "/subscriptions/s/resourceGroups/rg",
                    decryptScopeKey: "rg",
                    decryptRoleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/r",
                    decryptRoleKey: "r",
                    tags: {},
                });
                assert.equal(identity.credentialFor("kustomize-controller"), identity.credentials[0]);
                assert.throws(
                    () => identity.credentialFor("helm-controller"),
                    /^Error: no federated credential for helm-controller$/,
                );
                return { id: pulumi.output(identity.clientId) };
            });
        });
    });
});
