/**
 * zod schemas of every JSON input the CLI reads. Objects are strict: an unknown member is an error,
 * so a typo in a key file or anchors file is reported instead of silently ignored.
 */
import { z } from "zod";
import type { JsonValue, ToolsMap } from "../core/index.ts";

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be base64url without padding");

/** A public Ed25519 JWK as anchors and tokens carry it. */
export const publicJwkSchema = z.strictObject({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: b64url,
});

const name = z.string().min(1).optional();

/** A private key file, as `baton keygen` writes it. */
export const privateKeyFileSchema = z.strictObject({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: b64url,
  d: b64url,
  name,
});

/** A public JWK file (optionally with a display name). */
export const publicKeyFileSchema = z.strictObject({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: b64url,
  name,
});

/** `baton id --json` / `baton keygen --json` output, usable as a public key file. */
export const idFileSchema = z.strictObject({ id: z.string().min(1), jwk: publicJwkSchema, name });

/** One trust anchor. */
export const anchorSchema = z.strictObject({ issuer: z.string().min(1), jwk: publicJwkSchema });
/** One trust anchor in the AAT vectors' spelling (`iss`). */
export const vectorAnchorSchema = z.strictObject({ iss: z.string().min(1), jwk: publicJwkSchema });

/** A chain file: compact tokens, root first. */
export const chainFileSchema = z.array(z.string().min(1)).min(1, "a chain has at least one token");

/** A presentation file (`baton prove` output). */
export const presentationFileSchema = z.strictObject({
  aat_chain: chainFileSchema,
  aat_pop: z.string().min(1),
});

const jsonObject = z.custom<Record<string, JsonValue>>(
  (v) => v !== null && typeof v === "object" && !Array.isArray(v),
  "must be a JSON object",
);

/** The AAT `tools` map: tool id → constraint map (constraints are checked by the core). */
export const toolsSchema: z.ZodType<ToolsMap> = z.record(z.string(), jsonObject);

/** Tool-call arguments: a JSON object. */
export const argsSchema = jsonObject;
