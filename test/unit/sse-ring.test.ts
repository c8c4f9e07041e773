import type { Topic } from '../../agent/events';
import { createReplayRing, type ReplayRing } from '../../agent/sse/ring';

const ALL = new Set<Topic>(['cpu', 'memory', 'disk', 'load']);

/** Pushes events 1..count, topics in turn cpu, memory, load. */
function filled(capacity: number, count: number): ReplayRing {
  const ring = createReplayRing(capacity);
  const topics: Topic[] = ['cpu', 'memory', 'load'];
  for (let seq = 1; seq <= count; seq += 1) ring.push({ seq, topic: topics[(seq - 1) % 3], frame: Buffer.from(`e${seq}`) });
  return ring;
}

const seqs = (missed: ReturnType<ReplayRing['since']>) => (missed.kind === 'missed' ? missed.entries.map((e) => e.seq) : missed.kind);

describe('replay ring', () => {
  it('starts empty at seq 0: a client at 0 has missed nothing, one ahead of it is unknown', () => {
    const ring = createReplayRing(4);
    expect(ring.lastSeq).toBe(0);
    expect(seqs(ring.since(0, ALL))).toEqual([]);
    expect(seqs(ring.since(1, ALL))).toBe('ahead');
  });

  it('gives exactly the events after the asked seq, oldest first, the same Buffers', () => {
    const ring = filled(10, 7);
    expect(seqs(ring.since(3, ALL))).toEqual([4, 5, 6, 7]);
    expect(seqs(ring.since(7, ALL))).toEqual([]);
    expect(seqs(ring.since(0, ALL))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const missed = ring.since(6, ALL);
    expect(missed.kind === 'missed' && missed.entries[0].frame.toString()).toBe('e7');
  });

  it('filters by topic', () => {
    const ring = filled(10, 7);
    expect(seqs(ring.since(0, new Set<Topic>(['cpu'])))).toEqual([1, 4, 7]);
    expect(seqs(ring.since(2, new Set<Topic>(['memory', 'load'])))).toEqual([3, 5, 6]);
    expect(seqs(ring.since(0, new Set<Topic>(['disk'])))).toEqual([]);
  });

  it('keeps the last `capacity` events and says too-old when one after the asked seq is gone', () => {
    const ring = filled(4, 10);
    expect(seqs(ring.since(6, ALL))).toEqual([7, 8, 9, 10]);
    expect(seqs(ring.since(5, ALL))).toBe('too-old');
    expect(seqs(ring.since(0, ALL))).toBe('too-old');
    expect(seqs(ring.since(11, ALL))).toBe('ahead');
  });

  it('wraps around many times', () => {
    const ring = filled(3, 1000);
    expect(seqs(ring.since(997, ALL))).toEqual([998, 999, 1000]);
    expect(seqs(ring.since(996, ALL))).toBe('too-old');
  });

  it('takes only the next seq, and only a positive capacity', () => {
    const ring = filled(4, 2);
    expect(() => ring.push({ seq: 4, topic: 'cpu', frame: Buffer.alloc(0) })).toThrow(/expected seq 3, got 4/);
    expect(() => createReplayRing(0)).toThrow(RangeError);
    expect(() => createReplayRing(2.5)).toThrow(RangeError);
  });

  it('works with room for one event', () => {
    const ring = filled(1, 5);
    expect(seqs(ring.since(4, ALL))).toEqual([5]);
    expect(seqs(ring.since(3, ALL))).toBe('too-old');
  });
});
