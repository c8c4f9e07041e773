/** docs/events.md describes the contract as agent/events.ts and agent/config.ts have it: a field added there fails here. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { parseConfig } from '../../agent/config';
import { eventSchemas } from '../../agent/events';

const doc = readFileSync(join(__dirname, '../../docs/events.md'), 'utf8');

/** Every property name in a schema, nested objects and arrays included. */
function fieldNames(schema: z.core.$ZodType): string[] {
  const def = schema._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; innerType?: z.core.$ZodType };
  if (def.type === 'object') return Object.entries(def.shape!).flatMap(([name, field]) => [name, ...fieldNames(field)]);
  if (def.type === 'array') return fieldNames(def.element!);
  if (def.type === 'optional') return fieldNames(def.innerType!);
  return [];
}

function rowOf(type: string): string {
  const row = doc.split('\n').find((line) => line.startsWith(`| \`${type}\` |`));
  if (!row) throw new Error(`docs/events.md has no row for the event ${type}`);
  return row;
}

describe('docs/events.md', () => {
  it.each(Object.keys(eventSchemas))('lists the event %s with every field of its data', (type) => {
    const row = rowOf(type);
    const missing = fieldNames(eventSchemas[type as keyof typeof eventSchemas]).filter((name) => !row.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('lists no event the contract does not have', () => {
    const table = doc.slice(doc.indexOf('## Events'), doc.indexOf('## Examples'));
    const documented = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(eventSchemas).sort());
  });

  it('documents every sse setting with its default', () => {
    const defaults = parseConfig({}, 'defaults').sse;
    for (const key of Object.keys(defaults)) expect(doc).toMatch(new RegExp(`^\\| \`sse\\.${key}\` \\|`, 'm'));
    expect(doc).toContain(`| \`sse.replay\` | \`${defaults.replay}\` |`);
    expect(doc).toContain(`| \`sse.maxClients\` | \`${defaults.maxClients}\` |`);
    expect(doc).toContain(`| \`sse.maxBufferedBytes\` | \`${defaults.maxBufferedBytes}\` |`);
  });
});
