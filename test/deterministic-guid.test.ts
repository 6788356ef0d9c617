import { expect } from "chai";
import { deterministicGuid, nameBasedGuid } from "../components/deterministic-guid";

describe("deterministic GUIDs for Azure resource names", () => {
    it("are RFC 4122 version 5 UUIDs (checked against Python's uuid5)", () => {
        expect(nameBasedGuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org")).to.equal("886313e1-3b8a-5372-9b90-0c9aee199e5d");
        expect(nameBasedGuid("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "https://example.com/pimguard")).to.equal("83ee854e-bf00-587a-a4e6-0eebb85d0f4f");
    });

    it("give the same GUID for the same parts and a different one when any part differs", () => {
        expect(deterministicGuid("scope", "role", "principal")).to.equal(deterministicGuid("scope", "role", "principal"));
        expect(deterministicGuid("scope", "role", "principal")).not.to.equal(deterministicGuid("scope", "role", "other"));
        expect(deterministicGuid("a", "bc")).not.to.equal(deterministicGuid("ab", "c"));
    });
});
