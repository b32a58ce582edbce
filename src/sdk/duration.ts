import { BatonError } from "../core/errors.ts";

/** A lifetime: whole seconds, or a string such as `"90s"`, `"15m"`, `"2h"`, `"1d"`. */
export type Ttl = number | `${number}${"s" | "m" | "h" | "d"}`;

const UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Seconds of a {@link Ttl}. Throws `invalid_argument` for anything that is not a positive whole duration. */
export function ttlSeconds(ttl: Ttl | string): number {
  if (typeof ttl === "number") {
    if (Number.isSafeInteger(ttl) && ttl > 0) return ttl;
  } else {
    const m = /^([1-9][0-9]{0,9})([smhd])$/.exec(ttl);
    if (m) return Number(m[1]) * UNIT[m[2] as keyof typeof UNIT];
  }
  throw new BatonError(
    "invalid_argument",
    `ttl ${JSON.stringify(ttl)} is not a positive duration (e.g. 300 or "15m")`,
  );
}
