// The pack `pulumi preview --policy-pack policy` runs: constructing a PolicyPack starts its gRPC
// server, so this module only serves the policies that policies.ts defines.
import { PolicyPack } from "@pulumi/policy";
import { pimguardPolicies } from "./policies";

new PolicyPack("pimguard", { policies: pimguardPolicies, enforcementLevel: "mandatory" });
