/**
 * The CLI's HTTP client for `--server URL`: JSON in, JSON out, and every transport or protocol
 * problem turned into a one-line usage error naming the server.
 */
import { type JsonValue, parseStrictJson } from "../core/index.ts";
import { UsageError } from "./errors.ts";

export interface RemoteResponse {
  status: number;
  body: JsonValue;
}

/** Joins the server's base URL and a path (`/v1/verify`), refusing URLs that are not http(s). */
export function endpoint(server: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(server.endsWith("/") ? server : `${server}/`);
  } catch {
    throw new UsageError(`--server must be an http(s) URL, got "${server}"`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new UsageError(`--server must be an http(s) URL, got "${server}"`);
  }
  return new URL(path.replace(/^\//, ""), base);
}

/** Sends a request and parses the JSON answer (problem+json included). Network failures are usage errors. */
export async function request(
  server: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<RemoteResponse> {
  const url = endpoint(server, path);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        accept: "application/json",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new UsageError(`cannot reach ${url.origin}: ${cause}`);
  }
  const text = await res.text();
  if (text.trim() === "") return { status: res.status, body: null };
  const parsed = parseStrictJson(text);
  if (!parsed.ok) throw new UsageError(`${url.origin} answered ${res.status} with a body that is not JSON`);
  return { status: res.status, body: parsed.value };
}

/** The `code` of a problem+json answer, if it has one. */
export function problemCode(r: RemoteResponse): string | null {
  const b = r.body;
  return b !== null && typeof b === "object" && !Array.isArray(b) && typeof b.code === "string"
    ? b.code
    : null;
}

/** The message of a problem+json answer (`detail`, else `title`), for one-line errors. */
export function problemMessage(r: RemoteResponse): string {
  const b = r.body;
  if (b !== null && typeof b === "object" && !Array.isArray(b)) {
    for (const k of ["detail", "title", "message"]) {
      const v = b[k];
      if (typeof v === "string" && v !== "") return v;
    }
  }
  return `HTTP ${r.status}`;
}

/** A usage error for an unexpected answer: `SERVER answered 400 (invalid_request): …`. */
export function unexpectedAnswer(server: string, r: RemoteResponse): UsageError {
  const code = problemCode(r);
  return new UsageError(`${server} answered ${r.status}${code ? ` (${code})` : ""}: ${problemMessage(r)}`);
}
