/** Runs the crash fixture, SIGKILLs it the moment it prints ACK, and reports what it printed. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./fixtures/add-revocation.ts", import.meta.url));

export function addRevocationThenKill(config: Record<string, string>, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, JSON.stringify(config)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`fixture gave no ACK within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("ACK")) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (out.includes("ACK") && signal === "SIGKILL") resolve(out);
      else reject(new Error(`fixture exited (${code ?? signal}) without ACK: ${err}`));
    });
  });
}
