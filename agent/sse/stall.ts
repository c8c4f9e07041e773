/**
 * Whether a stream's socket has stalled: unsent bytes for stallTimeout without once draining. Checked before each
 * write, the only thing that adds bytes: a backlog seen at two checks was never drained in between, so a stuck client
 * is caught at the heartbeat or event after its timeout without a timer or a 'drain' listener of its own.
 */
export interface BacklogWatch {
  /** When the socket was first seen with unsent bytes since it last had none (Date.now()). */
  backlogSince?: number;
}

export function hasStalled(watch: BacklogWatch, unsentBytes: number, stallTimeoutMs: number): boolean {
  if (unsentBytes === 0) {
    watch.backlogSince = undefined;
    return false;
  }
  const now = Date.now();
  watch.backlogSince ??= now;
  return now - watch.backlogSince >= stallTimeoutMs;
}
