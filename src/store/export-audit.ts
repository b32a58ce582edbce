import { auditJsonLine } from "../core/audit/chain.ts";
import type { AuditEvent, AuditFilter, AuditQuery } from "./types.ts";

/** Pages through `listAudit` and yields JSON Lines, so an export of any size runs in bounded memory. */
export async function* exportAuditLines(
  listAudit: (query: AuditQuery) => Promise<AuditEvent[]>,
  filter: AuditFilter = {},
  pageSize = 1000,
): AsyncIterable<string> {
  let afterId = 0;
  for (;;) {
    const page = await listAudit({ ...filter, afterId, limit: pageSize });
    for (const event of page) yield auditJsonLine(event);
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    afterId = last.id;
  }
}
