/**
 * Kusto's aggregation functions over one group of rows. The engine evaluates each argument on
 * every row of the group and hands the columns of values here. `arg_max`/`arg_min`, which return
 * whole rows, are evaluated by the engine itself.
 *
 * Where Kusto leaves the choice open ("take_any picks an arbitrary value", the order of make_set),
 * the engine picks deterministically (the first non-empty value, first-seen order), which is one
 * of the answers Kusto may give; tests must not depend on which.
 */
import { ReplayError } from "./errors";
import { distinctValues } from "./functions";
import { KustoBag, KustoTimespan, KustoValue, compareValues, isBag } from "./values";

export interface AggregateInput {
    /** `args[i][r]`: argument i evaluated on row r of the group. */
    readonly args: readonly (readonly KustoValue[])[];
    readonly rowCount: number;
}

export type AggregateFunction = (input: AggregateInput) => KustoValue;

function present(values: readonly KustoValue[]): KustoValue[] {
    return values.filter((v) => v !== null);
}

/** Rows where the predicate argument at `predicateIndex` is true. */
function where(input: AggregateInput, predicateIndex: number): AggregateInput {
    const keep = input.args[predicateIndex].map((v) => v === true);
    return {
        args: input.args.map((column) => column.filter((_, r) => keep[r])),
        rowCount: keep.filter(Boolean).length,
    };
}

function limitOf(input: AggregateInput, index: number): number {
    const limit = input.args[index]?.[0];
    return typeof limit === "number" ? limit : Number.POSITIVE_INFINITY;
}

function count(input: AggregateInput): KustoValue {
    if (input.args.length > 0) {
        throw new ReplayError("count() with an argument is not supported; use countif()");
    }
    return input.rowCount;
}

function dcount(input: AggregateInput): KustoValue {
    return distinctValues(present(input.args[0])).length;
}

/** make_set: distinct non-null values; a dynamic array contributes its elements. */
function makeSet(input: AggregateInput, limitIndex = 1): KustoValue {
    const values = present(input.args[0]).flatMap((v) => (Array.isArray(v) ? v : [v]));
    return distinctValues(values).slice(0, limitOf(input, limitIndex));
}

function makeList(input: AggregateInput, limitIndex = 1): KustoValue {
    const values = present(input.args[0]);
    if (values.some(Array.isArray)) {
        throw new ReplayError("make_list() of dynamic arrays is not supported");
    }
    return values.slice(0, limitOf(input, limitIndex));
}

function takeAny(input: AggregateInput): KustoValue {
    if (input.args.length !== 1) {
        throw new ReplayError("take_any() of several expressions or * is not supported");
    }
    const column = input.args[0];
    return column.find((v) => v !== null && v !== "") ?? column[0] ?? null;
}

function extreme(sign: 1 | -1): AggregateFunction {
    return (input) => {
        let best: KustoValue = null;
        for (const value of present(input.args[0])) {
            const comparison = best === null ? sign : compareValues(value, best);
            if (comparison === undefined) {
                throw new ReplayError("min()/max() over values of different types");
            }
            if (comparison * sign > 0) {
                best = value;
            }
        }
        return best;
    };
}

function sum(input: AggregateInput): KustoValue {
    const values = present(input.args[0]);
    if (values.length === 0) {
        return null;
    }
    if (values.every((v) => v instanceof KustoTimespan)) {
        return new KustoTimespan(values.reduce((total, v) => total + (v as KustoTimespan).ticks, 0n));
    }
    if (!values.every((v) => typeof v === "number")) {
        throw new ReplayError("sum() of values that are not numbers or timespans");
    }
    return (values as number[]).reduce((total, v) => total + v, 0);
}

function avg(input: AggregateInput): KustoValue {
    const values = present(input.args[0]);
    if (!values.every((v) => typeof v === "number")) {
        throw new ReplayError("avg() of values that are not numbers");
    }
    return values.length === 0 ? null : (values as number[]).reduce((t, v) => t + v, 0) / values.length;
}

function makeBag(input: AggregateInput): KustoValue {
    const bag: KustoBag = {};
    for (const value of input.args[0]) {
        if (isBag(value)) {
            for (const [key, item] of Object.entries(value)) {
                if (!(key in bag)) {
                    bag[key] = item;
                }
            }
        }
    }
    return bag;
}

const min = extreme(-1);
const max = extreme(1);

export const aggregateFunctions: ReadonlyMap<string, AggregateFunction> = new Map<string, AggregateFunction>([
    ["count", count],
    ["countif", (input) => input.args[0].filter((v) => v === true).length],
    ["dcount", dcount],
    ["dcountif", (input) => dcount(where(input, 1))],
    ["make_set", (input) => makeSet(input)],
    ["make_set_if", (input) => makeSet(where(input, 1), 2)],
    ["make_list", (input) => makeList(input)],
    ["make_list_if", (input) => makeList(where(input, 1), 2)],
    ["make_bag", makeBag],
    ["take_any", takeAny],
    ["any", takeAny],
    ["min", min],
    ["max", max],
    ["minif", (input) => min(where(input, 1))],
    ["maxif", (input) => max(where(input, 1))],
    ["sum", sum],
    ["sumif", (input) => sum(where(input, 1))],
    ["avg", avg],
]);
