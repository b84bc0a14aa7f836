import { describe, expect, it } from 'vitest';
import { waterfall, type SpanLine } from '../../examples/demo/trace.js';

function span(name: string, spanId: string, parentSpanId: string | undefined, start: number, attributes: Record<string, unknown> = {}, traceId = 't1'): SpanLine {
  return { name, traceId, spanId, ...(parentSpanId ? { parentSpanId } : {}), kind: 0, start, end: start + 2, error: false, attributes };
}

describe('the demo trace waterfall', () => {
  it('lists the spans of the workflow in start order, indented under their parents, and leaves other traces out', () => {
    const spans = [
      span('process go', 'b', 'a', 1005, { 'arbor.actor.path': 'arbor://owner/root/x', 'arbor.node': 'node-1' }),
      span('send go', 'a', undefined, 1000, { 'messaging.message.conversation_id': 'wf', 'messaging.destination.name': 'arbor://owner/root/x', 'arbor.node': 'owner' }),
      span('send next', 'c', 'b', 1006, { 'messaging.destination.name': 'arbor://owner/root/y' }),
      span('send other', 'z', undefined, 1001, { 'messaging.message.conversation_id': 'other' }, 't2'),
    ];
    const lines = waterfall(spans, 'wf');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\s+\+0 ms\s+2\.0 ms {2}send go {2}root\/x @owner$/);
    expect(lines[1]).toMatch(/\+5 ms\s+2\.0 ms {4}process go {2}root\/x @node-1$/);
    expect(lines[2]).toMatch(/\+6 ms\s+2\.0 ms {6}send next {2}root\/y$/);
    expect(waterfall(spans, 'wf', 1).at(-1)).toContain('2 more spans in 1 trace');
  });
});
