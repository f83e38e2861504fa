import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import { Provider } from "@pulumi/kubernetes/provider";
import {
    FleetLayoutArgs,
    FluxKustomization,
    fluxKustomizations,
    LayerObject,
    monitoringObjects,
    notificationObjects,
    tenantBoundaryObjects,
} from "../fleet/layout";

/** What FleetManifests takes (the layout's arguments are documented on FleetLayoutArgs; none has a default). */
export interface FleetManifestsArgs extends FleetLayoutArgs {
    /** Where `pulumi up` writes the rendered YAML; nothing is ever sent to a cluster. */
    renderDirectory: string;
}

/**
 * What the component registers as its outputs, and all `npm run fleet` reads (fleet/cli.ts fleetFiles): a component's
 * inputs are not always recorded (the SDK leaves them out under PULUMI_NODEJS_SKIP_COMPONENT_INPUTS; pulumi/pulumi
 * sdk/nodejs resource.ts ComponentResource), its registered outputs are.
 */
export interface FleetManifestsOutputs {
    objects: FluxKustomization[];
    layerObjects: LayerObject[];
    /** The cluster directory's own facts: clusters/<clusterName>/, apps/<app>/overlays/<environment>. */
    layout: Pick<FleetLayoutArgs, "clusterName" | "environment" | "apps">;
}

/**
 * The cluster's bootstrap objects for the fleet repo (clusters/<cluster>/): Flux Kustomizations per layer with SOPS
 * decryption, plus the monitoring and notifications layers' objects and the tenant boundary's admission policy. They
 * go through a render-only Kubernetes provider, so `pulumi up` writes files and never needs a line to the API server.
 * `npm run fleet` writes the same objects into a fleet repo checkout.
 */
export class FleetManifests extends pulumi.ComponentResource {
    readonly objects: FluxKustomization[];
    readonly layerObjects: LayerObject[];

    constructor(name: string, args: FleetManifestsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("aks-gitops:index:FleetManifests", name, args, opts);
        const render = new Provider(
            `${name}-render`,
            { renderYamlToDirectory: args.renderDirectory },
            { parent: this },
        );
        this.objects = fluxKustomizations(args);
        this.layerObjects = [
            ...(args.monitoring ? monitoringObjects(args) : []),
            ...(args.notifications ? notificationObjects(args, args.notifications) : []),
            // Every cluster: the boundary of tenant namespaces is in place before any tenant (fleet/layout.ts).
            ...tenantBoundaryObjects(),
        ];
        for (const object of this.objects) {
            new CustomResource(`${name}-${object.metadata.name}`, { ...object }, { parent: this, provider: render });
        }
        for (const object of this.layerObjects) {
            new CustomResource(
                `${name}-${object.kind.toLowerCase()}-${object.metadata.name}`,
                { ...object },
                { parent: this, provider: render },
            );
        }
        const outputs: FleetManifestsOutputs = {
            objects: this.objects,
            layerObjects: this.layerObjects,
            layout: { clusterName: args.clusterName, environment: args.environment, apps: args.apps },
        };
        this.registerOutputs(outputs);
    }
}
