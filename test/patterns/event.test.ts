import { describe, expect, it } from 'vitest';
import { SimulatedClock, assertPatternEvent, createEvent, deriveEvent, eventLogger, isPatternEvent } from '../../src/index.js';
import { memoryLogger } from './helpers.js';

describe('pattern events', () => {
  it('gives a root event every metadata field, its own id as correlation and causation', () => {
    const clock = new SimulatedClock(1234);
    const e = createEvent('research.requested', { topic: 'actors' }, { source: 'planner', clock, id: () => 'e1' });
    expect(e).toEqual({ type: 'research.requested', id: 'e1', source: 'planner', time: 1234, correlationId: 'e1', causationId: 'e1', schemaVersion: 1, data: { topic: 'actors' } });
    expect(isPatternEvent(e)).toBe(true);
  });

  it('derives the next event in the same workflow, caused by its parent', () => {
    const root = createEvent('research.requested', null, { source: 'planner', correlationId: 'wf-1', schemaVersion: 2 });
    const next = deriveEvent(root, 'research.done', { notes: 3 }, 'researcher');
    expect(next).toMatchObject({ type: 'research.done', source: 'researcher', correlationId: 'wf-1', causationId: root.id, schemaVersion: 2, data: { notes: 3 } });
    expect(next.id).not.toBe(root.id);
  });

  it('rejects malformed events with INVALID_EVENT naming the field and value', () => {
    const good = createEvent('x', 1, { source: 's' });
    expect(() => assertPatternEvent({ ...good, correlationId: 42 })).toThrow(
      expect.objectContaining({ code: 'INVALID_EVENT', message: 'invalid event "x": correlationId must be a non-empty string, got 42', details: { field: 'correlationId', value: 42, eventType: 'x' } }),
    );
    expect(() => assertPatternEvent({ ...good, schemaVersion: 0 })).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'schemaVersion' }) }));
    const { data: _data, ...noData } = good;
    expect(() => assertPatternEvent(noData)).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'data' }) }));
    expect(() => assertPatternEvent('nope')).toThrow(TypeError);
    expect(() => deriveEvent({ type: 'x' } as never, 'y', 1, 's')).toThrow(expect.objectContaining({ code: 'INVALID_EVENT', details: expect.objectContaining({ field: 'id' }) }));
  });

  it('rejects bad options with INVALID_SPEC naming the option', () => {
    expect(() => createEvent('x', 1, { source: '' })).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'source', value: '' }));
    expect(() => createEvent('x', 1, { source: 's', schemaVersion: 1.5 })).toThrow(expect.objectContaining({ field: 'schemaVersion' }));
    expect(() => createEvent('', 1, { source: 's' })).toThrow(expect.objectContaining({ field: 'type' }));
  });

  it('gives loggers that stamp every line with the event id, correlation and causation ids', () => {
    const { logger, lines } = memoryLogger();
    const root = createEvent('a', 1, { source: 's', id: () => 'r' });
    const child = deriveEvent(root, 'b', 2, 's', { id: () => 'c' });
    eventLogger(logger, child).info('hello');
    expect(lines[0]).toMatchObject({ msg: 'hello', eventId: 'c', eventType: 'b', correlationId: 'r', causationId: 'r' });
  });
});
