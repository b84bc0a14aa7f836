/**
 * The inspector's HTTP server (`node:http`, no framework): the page, a JSON API, and a
 * server-sent event stream. A new stream starts with the whole tree once (the page's first
 * paint), then carries diffs at most once per `interval`; a page that cannot keep up is cut off
 * and reconnects to a fresh snapshot, so a slow browser never makes the server buffer without bound.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toError } from '../runtime/errors.js';
import { assets } from './assets.js';
import type { InspectedSystem, InspectorModel, ModelEvent } from './model.js';
import type { ResolvedInspectorOptions } from './options.js';
import { tokenAccepted } from './token.js';
import { diagramSvg } from './diagram.js';
import { hasMetrics, metricsOf } from './metrics-hook.js';
import type { WorkflowSource } from './workflow-source.js';

/** A page that has this much unsent is too slow: it is disconnected. */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** A comment line keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/** Each event is serialised once, however many pages are open. */
const framed = new WeakMap<ModelEvent, string>();
function frame(event: ModelEvent): string {
  let text = framed.get(event);
  if (text === undefined) framed.set(event, (text = `event: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`));
  return text;
}

export interface ServerParts {
  system: InspectedSystem;
  model: InspectorModel;
  workflows: WorkflowSource | undefined;
  options: ResolvedInspectorOptions;
}

export function inspectorServer(parts: ServerParts): Server {
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    handle(parts, streams, req, res).catch((err: unknown) => {
      parts.system.logger.warn({ err: toError(err).message, url: req.url }, 'inspector request failed');
      if (!res.headersSent) sendJson(res, 500, { error: toError(err).message });
      else res.end();
    });
  });
  const keepalive = setInterval(() => {
    for (const res of streams) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();
  server.on('close', () => {
    clearInterval(keepalive);
    for (const res of streams) res.end();
  });
  return server;
}

async function handle(parts: ServerParts, streams: Set<ServerResponse>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://inspector');
  if (!tokenAccepted(parts.options.token, req.headers, url)) return sendJson(res, 401, { error: 'this inspector needs its token: Authorization: Bearer <token>, or ?token=<token>' });
  if (req.method !== 'GET') return sendJson(res, 405, { error: `${String(req.method)} is not allowed; the inspector is read-only` });
  const { system, model, workflows, options } = parts;
  switch (url.pathname) {
    case '/':
    case '/app.js':
    case '/app.css': {
      const asset = (await assets()).get(url.pathname);
      if (!asset) return sendJson(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
      return void res.end(asset.body);
    }
    case '/api/status':
      return sendJson(res, 200, await system.clusterStatus({ timeout: options.timeout }));
    case '/api/snapshot':
      await model.whenReady();
      return sendJson(res, 200, snapshot(parts));
    case '/api/actor': {
      const path = url.searchParams.get('path');
      if (!path) return sendJson(res, 400, { error: 'give the actor as ?path=arbor://node/...' });
      const node = url.searchParams.get('node') ?? undefined;
      const detail = await system.actorDetail(path, { ...(node ? { node } : {}), timeout: options.timeout });
      if (!detail) return sendJson(res, 404, { error: `no actor at ${path}` });
      return sendJson(res, 200, detail);
    }
    case '/api/diagram': {
      const path = url.searchParams.get('path');
      if (!path) return sendJson(res, 400, { error: 'give the actor as ?path=arbor://node/...' });
      const node = url.searchParams.get('node') ?? undefined;
      const detail = await system.actorDetail(path, { ...(node ? { node } : {}), timeout: options.timeout });
      if (!detail?.dot) return sendJson(res, 404, { error: `no diagram for ${path}: it is not a state machine, or not there` });
      res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'no-cache' });
      return void res.end(await diagramSvg(detail.dot));
    }
    case '/api/workflows':
      if (!workflows) return sendJson(res, 200, { source: 'none', workflows: [] });
      return sendJson(res, 200, { source: workflows.source, workflows: await workflows.list() });
    case '/api/workflow': {
      const id = url.searchParams.get('id');
      if (!id) return sendJson(res, 400, { error: 'give the workflow as ?id=<correlation id>' });
      return sendJson(res, 200, { correlationId: id, steps: workflows ? await workflows.workflow(id) : [] });
    }
    case '/api/dead-letters':
      return sendJson(res, 200, model.deadLetters);
    case '/metrics': {
      const metrics = await metricsOf(system);
      if (metrics === undefined || metrics === '') return sendJson(res, 404, { error: 'this system keeps no metrics: start it with createSystem({ metrics: true }) (or arbor run --metrics-port); the page computes its sparklines from the status instead' });
      if (typeof metrics === 'string') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        return void res.end(metrics);
      }
      return sendJson(res, 200, metrics);
    }
    case '/events':
      await model.whenReady();
      return stream(parts, streams, req, res);
    default:
      return sendJson(res, 404, { error: `no such page: ${url.pathname}` });
  }
}

function snapshot({ system, model, workflows }: ServerParts): unknown {
  return {
    self: system.node,
    rows: [...model.rows.values()],
    nodes: model.nodes,
    samples: model.samples,
    deadLetters: model.deadLetters,
    workflows: workflows?.source ?? 'none',
    metrics: hasMetrics(system),
  };
}

function stream(parts: ServerParts, streams: Set<ServerResponse>, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (text: string): void => {
    if (res.writableLength > MAX_BUFFERED) {
      res.end();
      return;
    }
    res.write(text);
  };
  send(`event: snapshot\ndata: ${JSON.stringify(snapshot(parts))}\n\n`);
  streams.add(res);
  const unsubscribe = parts.model.subscribe((event: ModelEvent) => send(frame(event)));
  req.on('close', () => {
    unsubscribe();
    streams.delete(res);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(JSON.stringify(value));
}
