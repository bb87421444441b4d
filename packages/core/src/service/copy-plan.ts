// Who gets a copy at a fan-out. The rule of the OpenTelemetry Collector's fanout consumer:
// consumers that do not mutate share the batch; every mutating consumer gets its own copy, except
// that the last mutating one may take the original when nobody else holds it — never share one
// batch between a mutating and a non-mutating consumer, since the non-mutating one may still be
// reading it (an exporter's queue) while the other changes it.

export interface CopyPlan {
  /** Per consumer: hand it its own deep copy (cloneBatch) instead of the batch. */
  clone: boolean[];
  /**
   * Per consumer: the batch it receives is also held by someone else (read-only for it). A
   * non-mutating processor passes such a batch on, so mutating consumers further down must copy.
   */
  shared: boolean[];
}

/**
 * @param mutates per consumer, its capabilities.mutatesData
 * @param incomingShared the batch arriving at this fan-out is already held by someone else
 */
export function planCopies(mutates: readonly boolean[], incomingShared: boolean): CopyPlan {
  const readOnly = mutates.filter((m) => !m).length;
  const lastMutating = mutates.lastIndexOf(true);
  const originalToLastMutating = lastMutating !== -1 && readOnly === 0 && !incomingShared;
  const clone = mutates.map((m, i) => m && !(i === lastMutating && originalToLastMutating));
  const readOnlyShared = incomingShared || readOnly > 1;
  const shared = mutates.map((m) => (m ? false : readOnlyShared));
  return { clone, shared };
}
