/**
 * The live workflow view across the cluster: every node that keeps a workflow buffer
 * (`workflowBuffer`, on by default where an inspector is served) is asked for its part of a
 * workflow, and the parts are merged in time order (each node's acceptance order within it, the
 * clocks' across nodes). A node that does not answer within the timeout is left out, so a slow
 * node costs the page that node's steps, never the view.
 */
import type { WorkflowSource, WorkflowStep, WorkflowSummary } from './workflow-source.js';
import { WORKFLOW_QUERY } from '../observability/workflow-buffer.js';

/** What the view needs of a system. */
export interface QueryingSystem {
  _queryNodes(name: string, arg: string | undefined, timeout: number): Promise<Array<{ node: string; value: unknown }>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isStep(v: unknown): v is WorkflowStep {
  return isObject(v) && typeof v['at'] === 'number' && typeof v['type'] === 'string' && typeof v['to'] === 'string' && typeof v['node'] === 'string';
}

function isSummary(v: unknown): v is WorkflowSummary {
  return isObject(v) && typeof v['correlationId'] === 'string' && typeof v['steps'] === 'number' && typeof v['first'] === 'number' && typeof v['last'] === 'number';
}

/** Merges the nodes' lists: one summary per correlation id, most recently active first. */
export function mergeSummaries(parts: readonly unknown[], limit = 200): WorkflowSummary[] {
  const byId = new Map<string, WorkflowSummary>();
  for (const part of parts) {
    if (!Array.isArray(part)) continue;
    for (const s of part) {
      if (!isSummary(s)) continue;
      const w = byId.get(s.correlationId);
      if (!w) byId.set(s.correlationId, { correlationId: s.correlationId, steps: s.steps, first: s.first, last: s.last });
      else {
        w.steps += s.steps;
        w.first = Math.min(w.first, s.first);
        w.last = Math.max(w.last, s.last);
      }
    }
  }
  return [...byId.values()].sort((a, b) => b.last - a.last).slice(0, limit);
}

/** Merges the nodes' steps of one workflow in time order (a node's own order kept for equal times), numbered afresh. */
export function mergeSteps(parts: readonly { node: string; value: unknown }[]): WorkflowStep[] {
  const all: Array<{ step: WorkflowStep; part: number; index: number }> = [];
  parts.forEach((part, p) => {
    if (Array.isArray(part.value)) part.value.forEach((step: unknown, index) => isStep(step) && all.push({ step, part: p, index }));
  });
  all.sort((x, y) => x.step.at - y.step.at || x.part - y.part || x.index - y.index);
  return all.map(({ step }, i) => ({ ...step, seq: i + 1 }));
}

/** The cluster-wide live workflow source of `system`. */
export function clusterWorkflows(system: QueryingSystem, timeout = 2000): WorkflowSource {
  return {
    source: 'live',
    async list() {
      return mergeSummaries((await system._queryNodes(WORKFLOW_QUERY, undefined, timeout)).map((a) => a.value));
    },
    async workflow(correlationId: string) {
      return mergeSteps(await system._queryNodes(WORKFLOW_QUERY, correlationId, timeout));
    },
  };
}
