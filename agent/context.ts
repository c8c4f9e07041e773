import type { Router } from 'express';
import type { AlertEngine } from './alerts/engine';
import type { Registry } from 'prom-client';
import type { Config } from './config';
import type { Feed } from './feed';
import type { Logger } from './logger';
import type { Inventory, Source } from './sources/types';

/** What the HTTP endpoints are built from: the running feed and the facts read once at start. */
export interface AgentContext {
  config: Config;
  feed: Feed;
  source: Source['name'];
  inventory: Inventory;
  /** hostfeed's version. */
  version: string;
  /** This process's boot id: the prefix of every event id. */
  boot: string;
  logger: Logger;
  /** The agent's prom-client registry: register extra metrics here (see agent/metrics/registry.ts); /metrics serves them. */
  metrics?: Registry;
  /** The alert engine, absent when alerts.enabled is false. */
  alerts?: AlertEngine;
}

/** One part of the HTTP surface: an express router and what to end when the agent stops. */
export interface Endpoint {
  router: Router;
  /** Ends open responses and timers; called once on stop, before the server closes. */
  close?(): void;
}
