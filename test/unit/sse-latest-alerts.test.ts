/** The latest-on-connect burst of the alert topic: every pending and firing alert, none that resolved or went inactive. */
import type { AlertItem } from '../../agent/alerts/engine';
import type { AlertEvent } from '../../agent/events';
import { createLatestEvents } from '../../agent/sse/latest';
import type { RingEntry } from '../../agent/sse/ring';

function alert(seq: number, name: string, state: AlertEvent['state']): { entry: RingEntry; item: AlertItem } {
  const data: AlertEvent = {
    ts: seq, name, state, severity: 'warning', labels: { alertname: name, severity: 'warning' }, summary: '', description: '', value: 1, activeAt: 1, forMs: 0,
  };
  return { entry: { seq, topic: 'alert', frame: Buffer.from(`${seq}`) }, item: { topic: 'alert', data } };
}

describe('the latest alert events', () => {
  it('keep the newest event of each active alert, oldest first, and forget those that ended', () => {
    const latest = createLatestEvents();
    const changes = [alert(1, 'A', 'pending'), alert(2, 'B', 'pending'), alert(3, 'A', 'firing'), alert(4, 'C', 'pending'), alert(5, 'B', 'inactive'), alert(6, 'C', 'firing')];
    for (const { entry, item } of changes) latest.record(entry, item);
    expect(latest.entries(['alert']).map((entry) => entry.seq)).toEqual([3, 6]);
    const resolved = alert(7, 'A', 'resolved');
    latest.record(resolved.entry, resolved.item);
    expect(latest.entries(['alert']).map((entry) => entry.seq)).toEqual([6]);
    // Not a topic a client took: none of it.
    expect(latest.entries(['cpu'])).toEqual([]);
  });
});
