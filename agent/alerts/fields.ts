/**
 * Custom rules' fields: a dotted path into a topic's event ("usedRatio", "filesystems.usedRatio"), checked against the
 * event's schema when the config is read, and read from each sample. Through an array the path gives one value per
 * element, labelled by the element's identifying fields.
 */
import type { z } from 'zod';
import { eventSchemas, type Topic } from '../events';
import type { Labels } from './types';

/** The fields that name an element of an event's array (a filesystem, a device, a core, a process). */
const IDENTITY = ['device', 'mountpoint', 'fstype', 'cpu', 'pid', 'name'] as const;

/** zod's internal definition, the one way to walk a schema's structure. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Whether `path` leads to a number in the topic's event schema (through optionals and arrays). */
export function numericField(topic: Topic, path: string): boolean {
  let schema: z.ZodType | undefined = eventSchemas[topic];
  const segments = path.split('.');
  for (let i = 0; schema; ) {
    const def = defOf(schema);
    if (def.type === 'optional' || def.type === 'default') schema = def.innerType;
    else if (def.type === 'array') schema = def.element;
    else if (i === segments.length) return def.type === 'number';
    else if (def.type === 'object') schema = Object.hasOwn(def.shape!, segments[i]!) ? def.shape![segments[i++]!] : undefined;
    else return false;
  }
  return false;
}

export interface FieldValue {
  labels: Labels;
  value: number;
}

/** The values at `path` in an event: one, or one per element of each array on the way; absent fields give none. */
export function valuesAt(data: unknown, path: string): FieldValue[] {
  const walk = (value: unknown, segments: readonly string[], labels: Labels): FieldValue[] => {
    if (Array.isArray(value)) {
      return value.flatMap((element: unknown) => {
        const own: Labels = {};
        if (typeof element === 'object' && element !== null) {
          for (const key of IDENTITY) {
            const id = (element as Record<string, unknown>)[key];
            if (typeof id === 'string' || typeof id === 'number') own[key] = String(id);
          }
        }
        return walk(element, segments, { ...labels, ...own });
      });
    }
    if (segments.length === 0) return typeof value === 'number' && Number.isFinite(value) ? [{ labels, value }] : [];
    if (typeof value !== 'object' || value === null) return [];
    return walk((value as Record<string, unknown>)[segments[0]!], segments.slice(1), labels);
  };
  return walk(data, path.split('.'), {});
}
