// chai 6 ships no type declarations and @types/chai is not a dependency; tests type-check
// against this untyped module (assertions are checked when mocha runs them).
declare module "chai";
