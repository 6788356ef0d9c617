/**
 * Resolves a Graph v1.0 request (method + path) against facts copied from Graph's CSDL metadata
 * (test/fixtures/graph-v1.0-facts.json), following OData addressing: a container child, then
 * navigation properties, key segments on collections, and a bound action as the last segment.
 */
import * as fs from "fs";
import * as path from "path";

interface NavigationFact {
    readonly type: string;
    readonly collection: boolean;
    readonly containsTarget: boolean;
}

interface EntityTypeFact {
    readonly key?: string;
    readonly properties?: readonly string[];
    /** For a schedule request: the values its `action` may take. */
    readonly actions?: readonly string[];
    readonly navigationProperties: Readonly<Record<string, NavigationFact>>;
}

export interface GraphFacts {
    readonly containerChildren: Readonly<Record<string, { readonly kind: "singleton" | "entitySet"; readonly type: string }>>;
    readonly entityTypes: Readonly<Record<string, EntityTypeFact>>;
    readonly boundActions: readonly { readonly name: string; readonly bindingType: string; readonly bindingIsCollection: boolean }[];
}

/** What a path addresses. */
export type GraphTarget =
    | { readonly kind: "collection"; readonly type: string }
    | { readonly kind: "entity"; readonly type: string; readonly addressedByKey: boolean }
    | { readonly kind: "action"; readonly name: string };

export function loadGraphFacts(): GraphFacts {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "graph-v1.0-facts.json"), "utf8"));
}

/** Resolves `/a/b/{key}/c`; throws naming the first segment Graph v1.0 does not have. */
export function resolveGraphPath(facts: GraphFacts, requestPath: string): GraphTarget {
    const segments = requestPath.replace(/^\//, "").split("/");
    const [first, ...rest] = segments;
    const root = facts.containerChildren[first ?? ""];
    if (root === undefined) {
        throw new Error(`${requestPath}: Graph v1.0 has no entity set or singleton "${first}"`);
    }
    let target: GraphTarget = root.kind === "entitySet" ? { kind: "collection", type: root.type } : { kind: "entity", type: root.type, addressedByKey: false };
    for (const segment of rest) {
        target = step(facts, requestPath, target, segment);
    }
    return target;
}

/** The HTTP methods OData allows on a target (what Graph v1.0 can answer at all). */
export function methodsAllowedOn(target: GraphTarget): readonly string[] {
    switch (target.kind) {
        case "collection":
            return ["GET", "POST"];
        case "entity":
            return target.addressedByKey ? ["GET", "PATCH", "DELETE"] : ["GET", "PATCH"];
        case "action":
            return ["POST"];
    }
}

/** Properties a `$filter` compares (`name eq ...`). */
export function filteredProperties(filter: string): string[] {
    return [...filter.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s+(?:eq|ne|gt|ge|lt|le)\s/g)].map((match) => match[1]!);
}

export function propertiesOf(facts: GraphFacts, type: string): readonly string[] {
    return facts.entityTypes[type]?.properties ?? [];
}

function step(facts: GraphFacts, requestPath: string, current: GraphTarget, segment: string): GraphTarget {
    switch (current.kind) {
        case "action":
            throw new Error(`${requestPath}: nothing can follow the action ${current.name} (found "${segment}")`);
        case "collection":
            // Any segment after a collection is a key (OData key-as-segment).
            return { kind: "entity", type: current.type, addressedByKey: true };
        case "entity": {
            const navigation = facts.entityTypes[current.type]?.navigationProperties[segment];
            if (navigation !== undefined) {
                return navigation.collection ? { kind: "collection", type: navigation.type } : { kind: "entity", type: navigation.type, addressedByKey: false };
            }
            const action = facts.boundActions.find((bound) => bound.name === segment && bound.bindingType === current.type);
            if (action !== undefined && !action.bindingIsCollection) {
                return { kind: "action", name: action.name };
            }
            throw new Error(`${requestPath}: ${current.type} has no navigation property or bound action "${segment}" in Graph v1.0`);
        }
    }
}
