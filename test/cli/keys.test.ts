/**
 * Issue 9 item 17: `keygen --out F --force` never writes through a symlink at F, replaces F by
 * rename from a 0600 temporary file, and every command refuses a private key file that group or
 * others can access (as OpenSSH does), naming `chmod 600 FILE`.
 */
import {
  chmodSync,
  lstatSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { baton, expectUsageError, tempDir } from "./helpers.ts";

let dir: string;
const run = (args: string[]) => baton(args, { cwd: dir });

beforeAll(() => {
  dir = tempDir("keys");
});

describe("baton keygen --out", () => {
  it("refuses a symlink at FILE, with or without --force, and leaves its target alone", async () => {
    writeFileSync(join(dir, "victim.txt"), "precious\n", { mode: 0o644 });
    symlinkSync(join(dir, "victim.txt"), join(dir, "link.key"));
    for (const extra of [["--force"], []]) {
      const r = await run(["keygen", "--out", "link.key", ...extra]);
      expect(expectUsageError(r)).toContain("link.key is a symbolic link");
      expect(readFileSync(join(dir, "victim.txt"), "utf8")).toBe("precious\n");
      expect(lstatSync(join(dir, "link.key")).isSymbolicLink()).toBe(true);
    }
  });

  it("refuses a dangling symlink too (it would create the key at its target)", async () => {
    symlinkSync(join(dir, "planted.key"), join(dir, "dangling.key"));
    const r = await run(["keygen", "--out", "dangling.key", "--force"]);
    expect(expectUsageError(r)).toContain("symbolic link");
    expect(() => statSync(join(dir, "planted.key"))).toThrow();
  });

  it("--force replaces a readable file by a new 0600 file (rename), leaving no temporary file", async () => {
    writeFileSync(join(dir, "old.key"), "{}", { mode: 0o644 });
    const before = statSync(join(dir, "old.key")).ino;
    const r = await run(["keygen", "--out", "old.key", "--force", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const st = statSync(join(dir, "old.key"));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.ino).not.toBe(before);
    expect(JSON.parse(readFileSync(join(dir, "old.key"), "utf8")).d).toBeTypeOf("string");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("without --force, refuses an existing file", async () => {
    const r = await run(["keygen", "--out", "old.key"]);
    expect(expectUsageError(r)).toContain("already exists; pass --force");
  });
});

describe("loading a private key", () => {
  it("refuses a key file that group or others can access, naming chmod 600", async () => {
    const made = await run(["keygen", "--out", "loose.key"]);
    expect(made.code, made.stderr).toBe(0);
    for (const mode of [0o644, 0o640]) {
      chmodSync(join(dir, "loose.key"), mode);
      for (const args of [
        ["id", "loose.key"],
        ["approve", "--key", "loose.key", "--pop-hash", "x", "--tool", "t", "--args", "{}"],
      ]) {
        const line = expectUsageError(await run(args));
        expect(line).toContain("private key file loose.key is accessible by group or others");
        expect(line).toContain("chmod 600 loose.key");
      }
    }
    chmodSync(join(dir, "loose.key"), 0o600);
    expect((await run(["id", "loose.key"])).code).toBe(0);
  });

  it("still reads a public key file whatever its mode", async () => {
    const pub = await run(["id", "loose.key", "--json"]);
    writeFileSync(join(dir, "loose.pub.json"), pub.stdout, { mode: 0o644 });
    expect((await run(["id", "loose.pub.json"])).code).toBe(0);
  });
});
