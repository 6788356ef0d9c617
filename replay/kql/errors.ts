/**
 * Errors the replay reports to its user (the CLI exits 2 on them): a malformed input file, a query
 * that does not compile, or a construct the engine does not implement. Anything else escaping the
 * engine is a bug in the engine itself.
 */
export class ReplayError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ReplayError";
    }
}

/**
 * The query uses something the engine does not evaluate. Raised instead of guessing, so a replay
 * never passes or fails a test on semantics it does not have.
 */
export class UnsupportedConstructError extends ReplayError {
    constructor(construct: string, where: string) {
        super(`the KQL replay does not support ${construct} (${where})`);
        this.name = "UnsupportedConstructError";
    }
}

/**
 * The query reads a table no records were given for. Outside `union isfuzzy=true` that stops the
 * replay; inside it the operand is left out, as Kusto leaves out a union leg whose table does not
 * exist in the workspace.
 */
export class MissingTableError extends ReplayError {
    constructor(
        readonly table: string,
        where: string,
    ) {
        super(`the query reads table ${table}, but no records were given for it (${where})`);
        this.name = "MissingTableError";
    }
}
