/**
 * Two kinds of failure, kept apart on purpose:
 * - a {@link TemplateError} is what Logic Apps itself would report (an expression that cannot be
 *   evaluated, a bad input): the action fails and the workflow's own failure branches run;
 * - an {@link UnsupportedFeatureError} or {@link DefinitionError} means the replay cannot say
 *   what Logic Apps would do: the whole replay stops, so a definition can never drift past the
 *   engine by having a function or action type silently ignored.
 */

/** An expression or input Logic Apps would reject at run time (the action fails, code `InvalidTemplate`). */
export class TemplateError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TemplateError";
    }
}

/** Something the definition uses that the replay engine does not implement. */
export class UnsupportedFeatureError extends Error {
    constructor(what: string) {
        super(`replay engine does not implement ${what}`);
        this.name = "UnsupportedFeatureError";
    }
}

/** A definition Logic Apps would refuse to save (a runAfter naming a missing action, a missing parameter...). */
export class DefinitionError extends Error {
    constructor(message: string) {
        super(`invalid workflow definition: ${message}`);
        this.name = "DefinitionError";
    }
}
