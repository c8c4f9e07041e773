/**
 * The prom-client classes the agent uses, required from their own files: the package's index also loads its default
 * metrics, cluster aggregation, the Pushgateway client and OpenTelemetry's API (80 modules, about 10 MB of RSS and
 * 0.1 s of start), none of which the agent calls. They are the very classes the index exports (one module cache), so
 * a metric made with either registers in the other's registry alike. Import prom-client's values from here.
 */
import type * as PromClient from 'prom-client';

export type Registry = PromClient.Registry;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;

export const Registry: typeof PromClient.Registry = require('prom-client/lib/registry');
export const Counter: typeof PromClient.Counter = require('prom-client/lib/counter');
export const Gauge: typeof PromClient.Gauge = require('prom-client/lib/gauge');
