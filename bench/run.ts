/**
 * `npm run bench`: the protocol and store benchmarks, as ratios within one run (never timed
 * assertions in tests). `npm run bench:http` runs the service under autocannon separately.
 */
import { printChainBench, runChainBench } from "./chain.ts";
import { printStoreBench, runStoreBench } from "./store-revocation.ts";
import { printWorstCaseBench, runWorstCaseBench } from "./worst-case.ts";

console.log("# Chain + PoP verification\n");
printChainBench(await runChainBench());
console.log("\n# Worst admissible chain vs a typical chain of the same byte size (cold)\n");
printWorstCaseBench(await runWorstCaseBench());
console.log("\n# Revocation state\n");
printStoreBench(await runStoreBench());
