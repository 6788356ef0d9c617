/**
 * The resource ids a deployed tamper query guards, as Kusto rebuilds them from the grouped
 * `guardedResourcesByScope` it is deployed with: the query's lets up to `guardedResourceIds`,
 * evaluated by the KQL replay engine.
 */
import { compileKql } from "../../replay/kql/replay";

export function tamperGuardedIds(deployedQuery: string): string[] {
    const lines = deployedQuery.split("\n");
    const start = lines.findIndex((line) => line.startsWith("let guardedResourceIds = "));
    const end = lines.findIndex((line, index) => index >= start && line.endsWith(";"));
    if (start < 0 || end < 0) {
        throw new Error("the tamper query has no `let guardedResourceIds = ...;` statement");
    }
    const lets = lines.slice(0, end + 1).join("\n");
    const [row] = compileKql(`${lets}\nprint Ids = guardedResourceIds`).run({});
    return row.Ids as string[];
}
