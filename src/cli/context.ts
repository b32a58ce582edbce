/**
 * The world a command sees: output streams, stdin, environment and clock. `main` builds one from
 * the process; a test could pass its own.
 */

/** Where a command writes. */
export interface Writer {
  write(text: string): void;
}

export interface CliContext {
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Reads all of stdin; a second call is a usage error (stdin can be consumed only once). */
  readStdin(): Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Colours in human output: stdout is a TTY and NO_COLOR is unset. */
  readonly color: boolean;
  /** Unix seconds. */
  now(): number;
}

/** The context of the running process. */
export function processContext(): CliContext {
  // `baton inspect … | head -1`: a reader that goes away is not an error of ours.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
  let stdinRead = false;
  return {
    stdout: { write: (t) => void process.stdout.write(t) },
    stderr: { write: (t) => void process.stderr.write(t) },
    async readStdin() {
      if (stdinRead) throw new Error("stdin was already read");
      stdinRead = true;
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    color: process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === "",
    now: () => Math.floor(Date.now() / 1000),
  };
}
