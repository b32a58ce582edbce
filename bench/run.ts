/**
 * `npm run bench`: every benchmark, as ratios within one run (never timed assertions in tests).
 */
import { printChainBench, runChainBench } from "./chain.ts";

console.log("# Chain + PoP verification (issue 2)\n");
printChainBench(await runChainBench());
