/** The ledger check of the failover tests: every id sent against every id a `ledger` actor recorded. */

/** What a `ledger` actor (`test/support/acc.ts`) holds. */
export interface LedgerContext {
  ids: number[];
  nodes: string[];
}

/** What the ledger shows against ids `1..sent`: how many were processed, which are missing, how many came more than once. */
export interface Reconciliation {
  sent: number;
  processed: number;
  unique: number;
  missing: number[];
  duplicates: number;
}

export function reconcile(sent: number, book: LedgerContext): Reconciliation {
  const seen = new Set(book.ids);
  const missing: number[] = [];
  for (let id = 1; id <= sent; id++) if (!seen.has(id)) missing.push(id);
  return { sent, processed: book.ids.length, unique: seen.size, missing, duplicates: book.ids.length - seen.size };
}

/** One line for the test log. */
export function describeLedger(r: Reconciliation): string {
  const first = r.missing.length > 0 ? ` (first ${r.missing.slice(0, 10).join(', ')})` : '';
  return `sent ${r.sent}, processed ${r.processed}, unique ${r.unique}, missing ${r.missing.length}${first}, duplicates ${r.duplicates}`;
}

/** The ledger actor's context, from its snapshot. */
export function ledgerOf(ref: { getSnapshot(): unknown }): LedgerContext {
  return (ref.getSnapshot() as { context: LedgerContext }).context;
}
