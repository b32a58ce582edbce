/**
 * How agents are labelled in human output: a display name when one is known, else a short form of
 * the id. Raw text: the renderer escapes it when printing (`render.ts`), `--json` prints it as is.
 */
import { THUMBPRINT_URI_PREFIX } from "../core/index.ts";

/** `jkt:AbCdEfGh` for a thumbprint URI; other ids (issuer URIs) unchanged. */
export function shortIdText(id: string): string {
  return id.startsWith(THUMBPRINT_URI_PREFIX)
    ? `jkt:${id.slice(THUMBPRINT_URI_PREFIX.length, THUMBPRINT_URI_PREFIX.length + 8)}`
    : id;
}

/** A display name when known, else the short id. */
export function displayName(id: string, names?: ReadonlyMap<string, string>): string {
  return names?.get(id) ?? shortIdText(id);
}
