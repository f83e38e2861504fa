// The policy pack Pulumi runs with `pulumi preview --policy-pack policy`. The policies themselves live in policies.ts,
// which the offline plan also runs (constructing a PolicyPack starts a gRPC server, so nothing else imports this file).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("aks-gitops-security", { enforcementLevel: "mandatory", policies });
