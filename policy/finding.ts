// One policy finding, as the offline policy run (policy/offline.ts) reports it and the plan (plan/model.ts) lists it.
// Its own module so that the plan and the policy runner do not import each other.
export interface PolicyFinding {
    policy: string;
    enforcementLevel: "advisory" | "mandatory";
    urn?: string;
    message: string;
}
