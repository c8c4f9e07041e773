import type { Topic } from '../events';
import type { Reading } from '../samples';

/** One kind of sample. Collectors know the source interface, never HTTP or the sinks. */
export interface Collector<T extends Topic = Topic> {
  readonly topic: T;
  /**
   * Reads the source once and derives the event; keeps what it needs of the previous reading for rates. Never waits
   * for anything but the source: a rate collector with no recent previous reading returns a baseline.
   */
  collect(): Promise<Reading<T>>;
}
