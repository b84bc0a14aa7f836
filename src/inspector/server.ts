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
import type { DlqSource } from './dlq-source.js';
import type { DlqFilter } from '../transport/dlq.js';

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
  /** The cluster's dead-letter queue (RabbitMQ transport), for the page's list and redrive. */
  dlq?: DlqSource | undefined;
}

/** The most dead-letter queue entries one list returns. */
const DLQ_LIST_LIMIT = 200;
/** The largest request body the inspector reads (a redrive's filter). */
const MAX_BODY = 16 * 1024;

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
  if (req.method === 'POST' && url.pathname === '/api/dlq/redrive') return redrive(parts, req, res, url);
  // The page and its script and style are the same for everyone and hold no data: they load without
  // the token (a browser asks for `app.js` without the page's query), everything else needs it.
  const isAsset = req.method === 'GET' && (url.pathname === '/' || url.pathname === '/app.js' || url.pathname === '/app.css');
  if (!isAsset && !tokenAccepted(parts.options.token, req.headers, url)) return sendJson(res, 401, { error: 'this inspector needs its token: Authorization: Bearer <token>, or ?token=<token>' });
  if (req.method !== 'GET') return sendJson(res, 405, { error: `${String(req.method)} is not allowed here; the only action is POST /api/dlq/redrive` });
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
    case '/api/dlq': {
      if (!parts.dlq) return sendJson(res, 200, { available: false, reason: 'this system is not on the RabbitMQ transport: it has no cluster dead-letter queue', entries: [] });
      const limit = Math.min(DLQ_LIST_LIMIT, Math.max(1, Number(url.searchParams.get('limit') ?? DLQ_LIST_LIMIT) || DLQ_LIST_LIMIT));
      const filter = dlqFilter(Object.fromEntries(url.searchParams));
      return sendJson(res, 200, { available: true, queue: parts.dlq.queue, entries: await parts.dlq.list({ ...filter, limit }) });
    }
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

/** The filter fields of a request (`code`, `path`, `correlationId` or `correlation`, `id`); anything else is ignored. */
function dlqFilter(input: Record<string, unknown>): DlqFilter {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const filter: DlqFilter = {};
  const code = text(input['code']);
  const path = text(input['path']);
  const correlationId = text(input['correlationId']) ?? text(input['correlation']);
  const id = text(input['id']);
  if (code) filter.code = code;
  if (path) filter.path = path;
  if (correlationId) filter.correlationId = correlationId;
  if (id) filter.id = id;
  return filter;
}

/**
 * `POST /api/dlq/redrive` with a JSON filter (`{}`: every entry): what `arbor dlq redrive` does,
 * answered with its report. With a token it must come in a header; the body must be JSON and a
 * browser's `Origin`, when sent, must be this server, so another site cannot make a visitor's
 * browser act here (a cross-site JSON POST needs a preflight this server never grants).
 */
async function redrive(parts: ServerParts, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (!tokenAccepted(parts.options.token, req.headers, url, true)) return sendJson(res, 401, { error: 'a redrive needs the token in a header: Authorization: Bearer <token> or X-Arbor-Token' });
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && new URL(origin).host !== req.headers.host) return sendJson(res, 403, { error: `a redrive from another origin (${origin}) is refused` });
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: 'send the redrive filter as application/json' });
  if (!parts.dlq) return sendJson(res, 409, { error: 'this system is not on the RabbitMQ transport: it has no cluster dead-letter queue' });
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)) || '{}');
  } catch (err) {
    return sendJson(res, 400, { error: `the redrive filter is not JSON: ${toError(err).message}` });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendJson(res, 400, { error: 'the redrive filter must be a JSON object ({} for every entry)' });
  const filter = dlqFilter(body as Record<string, unknown>);
  const report = await parts.dlq.redrive(filter);
  parts.system.logger.warn({ filter, redriven: report.redriven, kept: report.kept }, 'inspector: dead letters redriven');
  return sendJson(res, 200, report);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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
