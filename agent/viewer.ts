/**
 * GET /: the live viewer (viewer/ as static files), uPlot from node_modules at /vendor/uplot/, and the thresholds
 * from the config at /viewer-config.json. Every response carries the page's security headers; the CSP's
 * connect-src lists only this origin and the agents the page shows (those named in `?agents=`, else those of
 * viewer.agents), the page's whole set of feeds.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import compression from 'compression';
import express, { Router, type Request, type Response } from 'express';
import type { AgentContext, Endpoint } from './context';
import { createAgentList } from './fleet/agent-list';
import { MAX_AGENTS, agentUrl } from './fleet/agent-url';

/** viewer/ next to agent/ (ts-jest, ts-node) or two levels up from dist/agent/ (the build). */
function findViewerDir(): string {
  const candidates = [resolve(__dirname, '..', 'viewer'), resolve(__dirname, '..', '..', 'viewer')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`viewer files not found in ${candidates.join(' or ')}`);
  return found;
}

const UPLOT_DIST = join(dirname(require.resolve('uplot/package.json')), 'dist');
const UPLOT_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'];

/**
 * Only flat names of the page's own kinds of file are served: no directory, no dot segment, no percent-encoding can
 * reach express.static, and files kept beside the page for development (tsconfig.json) are not served.
 */
const VIEWER_PATH = /^\/(?:[A-Za-z0-9_-]+\.(?:html|js|css|svg))?$/;

/** The origins of `?agents=` (comma-separated, or repeated) that CSP reads as origins; anything else is skipped. */
export function agentOrigins(query: unknown): string[] {
  const values = (Array.isArray(query) ? query : [query]).filter((v): v is string => typeof v === 'string');
  const origins = new Set<string>();
  for (const item of values.flatMap((v) => v.split(','))) {
    if (origins.size >= MAX_AGENTS) break;
    const url = agentUrl(item);
    if (url) origins.add(url.origin);
  }
  return [...origins];
}

function contentSecurityPolicy(connectOrigins: string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // uPlot sizes and colours its elements through CSSOM (element.style), which style-src does not restrict.
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${["'self'", ...connectOrigins].join(' ')}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    // Neither the page nor uPlot writes HTML from strings: any innerHTML-style sink is refused outright.
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/**
 * The page's own CSP replaces the deny-all one http-hardening.ts sets (with nosniff and no referrer) on every response.
 * `fleet`: the agents of viewer.agents, which the page shows when its URL names none.
 */
function setPageHeaders(req: Request, res: Response, fleet: string[]): void {
  const agents = req.query.agents === undefined ? fleet : req.query.agents;
  res.set({
    'Content-Security-Policy': contentSecurityPolicy(agentOrigins(agents)),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // File names carry no content hash and change with the agent: always revalidate (ETag/Last-Modified make it a 304).
    'Cache-Control': 'no-cache',
  });
}

export function viewerEndpoint({ config, logger }: AgentContext): Endpoint {
  const viewerDir = findViewerDir();
  const fleet = createAgentList(config.viewer.agents, logger);
  const serveViewer = express.static(viewerDir, { index: 'index.html', dotfiles: 'ignore', redirect: false, cacheControl: false });
  // The page's files are text a third of their size gzipped; only they are compressed here (never /events).
  const compress = compression();
  const router = Router();

  router.get('/viewer-config.json', async (req, res) => {
    const agents = await fleet.current();
    setPageHeaders(req, res, agents);
    res.set('Cache-Control', 'no-store').json({
      warn: config.viewer.warn,
      critical: config.viewer.critical,
      maxAgents: MAX_AGENTS,
      // How far back the page backfills from each agent's ring: it assumes the others keep as many events as this one.
      replay: config.sse.replay,
      agents,
    });
  });

  for (const file of UPLOT_FILES) {
    router.get(`/vendor/uplot/${file}`, async (req, res, next) => {
      setPageHeaders(req, res, await fleet.current());
      compress(req, res, () => res.sendFile(join(UPLOT_DIST, file), { cacheControl: false }, (err) => err && next(err)));
    });
  }

  router.use(async (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !VIEWER_PATH.test(req.path)) return next();
    setPageHeaders(req, res, await fleet.current());
    compress(req, res, () => serveViewer(req, res, next));
  });

  return { router };
}
