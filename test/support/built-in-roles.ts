// Azure's built-in roles the program assigns, exist in every subscription; their GUIDs as published, stated literally
// (MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles.md and built-in-roles/security.md,
// networking.md, monitor.md, Containers; Monitoring Data Reader: azure-docs articles/azure-monitor/containers/
// container-insights-prometheus-multiple-workspaces.md). Never imported from the code under test.
export const BUILT_IN_ROLE_GUIDS = [
    "12338af0-0e69-4776-bea7-57ae8d297424", // Key Vault Crypto User
    "4d97b98b-1d4f-4787-a291-c67834d212e7", // Network Contributor
    "b0d8363b-8ddd-447d-831f-62ca05bff136", // Monitoring Data Reader
    "22926164-76b3-42b3-bc55-97df8dab3e41", // Grafana Admin
    "c9f76ca8-b262-4b10-8ed2-09cf0948aa35", // Azure Kubernetes Service Namespace User
    "7f6c6a51-bcf8-42ba-9220-52d62157d7db", // Azure Kubernetes Service RBAC Reader
    "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb", // Azure Kubernetes Service RBAC Writer
    "3498e952-d568-435e-9b2c-8d77e338d7f7", // Azure Kubernetes Service RBAC Admin
];
