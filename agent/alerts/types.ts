/** What a rule is to the engine: a typed function over its topic's samples that says which series match now. */
import type { Topic } from '../events';
import type { AnySample } from '../samples';
import type { Severity } from './config';
import { SeriesWindow } from './series';

export type Labels = Record<string, string>;

/** One series of the rule's expression that matches at this evaluation: its own labels and the expression's value. */
export interface Match {
  labels: Labels;
  value: number;
}

export interface Rule {
  /** alertname */
  name: string;
  severity: Severity;
  forMs: number;
  /** Evaluated at each sample of this topic. */
  topic: Topic;
  /** Annotation templates, as the mixin writes them ({{ $labels.x }}, {{ printf "%.2f" $value }}). */
  summary: string;
  description: string;
  /** Takes the sample into the rule's windows and returns the matching series. */
  evaluate(sample: AnySample): Match[];
}

/** What the rules know of the host besides the samples. */
export interface HostFacts {
  /** Logical CPUs: the mixin divides load by the count of node_cpu_seconds_total{mode="idle"} series. */
  cpuCount(): number;
}

/** One window per series (a mount, a device), for the series of the newest sample only: a vanished one is forgotten. */
export class SeriesWindows {
  private readonly windows = new Map<string, SeriesWindow>();

  constructor(readonly rangeMs: number) {}

  /** Records the value and returns the series' window. */
  push(key: string, ts: number, value: number): SeriesWindow {
    let window = this.windows.get(key);
    if (!window) this.windows.set(key, (window = new SeriesWindow(this.rangeMs)));
    window.push(ts, value);
    return window;
  }

  /** Forgets every series but these. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.windows.keys()) if (!keys.has(key)) this.windows.delete(key);
  }
}
