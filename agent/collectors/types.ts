import type { Topic } from '../events';
import type { Sample } from '../samples';

/** One kind of sample. Collectors know the source interface, never HTTP or the sinks. */
export interface Collector<T extends Topic = Topic> {
  readonly topic: T;
  /** Reads the source once and derives the event; keeps what it needs of the previous reading for rates. */
  collect(): Promise<Sample<T>>;
}
