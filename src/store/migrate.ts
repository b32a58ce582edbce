/**
 * Versioned schema migrations, shared by the SQL backends. Each backend lists its migrations in
 * `migrations/<backend>.ts`, applies the missing ones at start inside one transaction and records
 * each in `baton_schema`. A database newer than this code is refused: running old code against it
 * could silently damage data the newer code relies on.
 */
import { BatonError } from "../core/errors.ts";

export interface Migration {
  /** 1, 2, 3… without gaps. */
  version: number;
  name: string;
  /** Run in order, in the migration transaction. */
  statements: readonly string[];
}

/** The migrations still to apply on a database at `current` (0 = empty). */
export function pendingMigrations(
  current: number,
  migrations: readonly Migration[],
  where: string,
): readonly Migration[] {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration list is not 1..n at ${migration.name}`);
  });
  const latest = migrations.length;
  if (current > latest) {
    throw new BatonError(
      "invalid_config",
      `${where} has schema version ${current}, but this Baton knows versions up to ${latest}. ` +
        "Upgrade Baton, or point it at another database; it will not run against a newer schema.",
    );
  }
  return migrations.slice(current);
}

/** The latest version a backend's migration list defines. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.length;
}
