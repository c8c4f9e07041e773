/**
 * The annotation templates of the node-mixin, expanded as Prometheus does (Go text/template with missingkey=zero):
 * only the forms the mixin and the custom rules use, {{ $labels.name }}, {{ $value }} and {{ printf "%.Nf" $value }}.
 */
import type { Labels } from './types';

const ACTION = /\{\{\s*(?:\$labels\.([A-Za-z_][A-Za-z0-9_]*)|printf\s+"%\.(\d)f"\s+\$value|\$value)\s*\}\}/g;

export function expand(template: string, labels: Labels, value: number): string {
  return template.replace(ACTION, (_, label: string | undefined, digits: string | undefined) => {
    if (label !== undefined) return labels[label] ?? '';
    return digits !== undefined ? value.toFixed(Number(digits)) : String(value);
  });
}

/** A ratio as the mixin's `%d` prints its percent threshold: 0.9 -> "90" (rounded first: 0.29 * 100 is 28.999...). */
export function percent(ratio: number): string {
  return whole(Math.round(ratio * 100 * 1e9) / 1e9);
}

/** As jsonnet's `%d`: the whole part. */
export function whole(value: number): string {
  return String(Math.trunc(value));
}
