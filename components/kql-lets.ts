/**
 * Sets a query's deployment-specific values. The `.kql` files in kql/ stay plain KQL, runnable
 * as they are in the Sentinel portal: each setting is one `let <name> = <value>;` line, and the
 * component deploying the query replaces that value.
 */

/** Replaces the value of the one line `let <name> = ...;` in `query`; `file` names the query in errors. */
export function setLet(query: string, file: string, name: string, value: string): string {
    const line = new RegExp(`^let ${name} = .*;$`, "gm");
    const found = query.match(line)?.length ?? 0;
    if (found !== 1) {
        throw new Error(`kql/${file} must contain exactly one line "let ${name} = <value>;" (found ${found})`);
    }
    return query.replace(line, () => `let ${name} = ${value};`);
}

/** A KQL timespan of whole minutes, e.g. `5m`. */
export function kqlMinutes(minutes: number): string {
    return `${minutes}m`;
}

/** A KQL string literal. KQL's double-quoted strings take JSON's escapes. */
export function kqlString(value: string): string {
    return JSON.stringify(value);
}

/** A KQL dynamic property bag of string arrays, e.g. `dynamic({"a": ["b", "c"]})`. */
export function kqlStringArraysByKey(bag: ReadonlyMap<string, readonly string[]>): string {
    const properties = [...bag].map(([key, values]) => `${kqlString(key)}: [${values.map(kqlString).join(", ")}]`);
    return `dynamic({${properties.join(", ")}})`;
}

/**
 * The query without its whole-line comments and indentation. Sentinel counts both toward a
 * rule's 10,000 characters; KQL has no multi-line strings, so neither changes what it means.
 * The commented file stays in kql/.
 */
export function compactKql(query: string): string {
    return query
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("//"))
        .join("\n");
}
