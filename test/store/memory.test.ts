import { describeStoreContract } from "./contract.ts";
import { memoryHarness } from "./harness.ts";

describeStoreContract("memory", memoryHarness);
