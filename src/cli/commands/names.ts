/** Agent display names known to a running service (`GET /v1/agents/:id`). */
import { request, unexpectedAnswer } from "../remote.ts";

/** id → display name for those of `ids` the service has a name for. */
export async function agentNames(server: string, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      const r = await request(server, "GET", `/v1/agents/${encodeURIComponent(id)}`);
      if (r.status === 404) return;
      if (r.status !== 200) throw unexpectedAnswer(server, r);
      const b = r.body;
      if (
        b !== null &&
        typeof b === "object" &&
        !Array.isArray(b) &&
        typeof b.name === "string" &&
        b.name !== ""
      ) {
        names.set(id, b.name);
      }
    }),
  );
  return names;
}
