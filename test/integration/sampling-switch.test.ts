/**
 * Switching between scrape-driven and subscriber-driven sampling: the counters /metrics serves are always ones the
 * host gave (never re-accumulated) and never go back, and /events ids and replay stay whole across the switches.
 */
import { get } from 'node:http';
import type { Source } from '../../agent/sources/types';
import { startTestAgent, stopTestAgents } from '../helpers/agent';
import { parseExposition } from '../helpers/exposition';
import { createFakeSource } from '../helpers/fake-source';
import { closeAfterEach, isEvent, seqOf } from '../helpers/sse-stream';
import { watchTimers } from '../helpers/timers';

const { open } = closeAfterEach();
const { snapshot, noFastTimer } = watchTimers();
afterEach(stopTestAgents);

function scrapeText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${url}/metrics`, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

describe('sampling that switches between scrapes and subscribers', () => {
  it('serves counters the host gave, never going back, and ids that resume without gap or duplicate', async () => {
    const fake = createFakeSource();
    // Every user-mode counter of CPU 0 the source ever returned.
    const given = new Set<number>();
    const source: Source = {
      ...fake.source,
      cpu: async () => {
        const reading = await fake.source.cpu();
        if (reading.kind === 'counters') given.add(reading.cpus.find((c) => c.cpu === '0')!.seconds.user);
        return reading;
      },
    };
    const before = snapshot();
    const agent = await startTestAgent({ sampling: { freshness: '1ms', idleGrace: '200ms' } }, source);
    const served: number[] = [];
    const scrape = async () => {
      const family = parseExposition(await scrapeText(agent.url)).get('node_cpu_seconds_total');
      served.push(family!.samples.find((s) => s.labels.cpu === '0' && s.labels.mode === 'user')!.value);
    };

    await scrape(); // nobody watching: the scrape reads
    const first = await open(`${agent.url}/events?topics=cpu`);
    await first.waitFor(isEvent('cpu'), 3); // the latest, then live ones
    await scrape(); // while watched
    const lastSeen = first.events('cpu').at(-1)!.id!;
    first.close();
    await scrape(); // in the grace
    await noFastTimer(before); // the grace is over: live sampling has stopped
    await scrape();
    await scrape(); // nobody watching again

    expect(served.every((value) => given.has(value))).toBe(true);
    expect(served).toEqual([...served].sort((a, b) => a - b));
    expect(new Set(served).size).toBe(served.length);

    // Resuming from the last id seen: the samples the scrapes took meanwhile, in order, then live ones.
    const resumedAt = Date.now();
    const resumed = await open(`${agent.url}/events?topics=cpu`, { Accept: 'text/event-stream', 'Last-Event-ID': lastSeen });
    await resumed.waitFor(isEvent('cpu'), 5);
    const hello = resumed.events('hello')[0]!;
    expect(hello.id).toBe(lastSeen);
    expect(resumed.events('reset')).toEqual([]);
    const seqs = resumed.events('cpu').map((e) => seqOf(e.id));
    expect(seqs[0]).toBeGreaterThan(seqOf(lastSeen));
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    // The scrapes after the first stream left each published a cpu sample, which the replay carries.
    const replayed = resumed.events('cpu').filter((e) => JSON.parse(e.data).ts < resumedAt);
    expect(replayed.length).toBeGreaterThanOrEqual(3);
  });
});
