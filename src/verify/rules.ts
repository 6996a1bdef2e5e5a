// Amanat Escrow's money rules the verifier reconciles, as data. Column names are
// those of connectors/fundsLedger.yaml, purchaseRequests.yaml, pointTransactions.yaml
// and schemas/sql/0003_core_collections.sql; a rule whose collections are not both
// being verified does not run (and the report says so).

/** The append-only escrow ledger and the purchase request whose escrow it moves. */
export const LEDGER = {
  collection: 'fundsLedger',
  table: 'funds_ledger_entries',
  legacyId: 'legacy_id',
  purchaseRequest: 'purchase_request_id',
  payment: 'payment_id',
  entryType: 'entry_type',
  refund: 'refund',
  escrowState: 'escrow_state',
  createdAt: 'created_at',
  owner: { collection: 'purchaseRequests', table: 'purchase_requests', key: 'id', legacyId: 'legacy_id', escrowState: 'escrow_state' },
} as const;

/** Per-user points balance: the sum of a user's point transactions. */
export const POINTS = {
  collection: 'pointTransactions',
  table: 'point_transactions',
  points: 'points',
  user: 'user_id',
} as const;

/** Columns a collection's mirror must keep for these rules (beyond key, legacy id and money). */
export function ruleColumns(collection: string): string[] {
  if (collection === LEDGER.collection) {
    return [LEDGER.legacyId, LEDGER.purchaseRequest, LEDGER.payment, LEDGER.entryType, LEDGER.escrowState, LEDGER.createdAt];
  }
  if (collection === LEDGER.owner.collection) return [LEDGER.owner.legacyId, LEDGER.owner.escrowState];
  if (collection === POINTS.collection) return [POINTS.points, POINTS.user];
  return [];
}
