/**
 * The one validation toolkit and the one error hierarchy: every `INVALID_SPEC` is an
 * `InvalidSpecError` naming the field and the value, and every error a user can catch is an
 * `ArborError` with a code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArborError, InvalidSpecError, isArborError } from '../../src/index.js';
import { CliError } from '../../src/cli/errors.js';
import { validator } from '../../src/runtime/validate.js';

const check = validator('test option');

describe('validator', () => {
  it('accepts exactly the integers within the bounds and names the field of anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), fc.integer({ min: -100, max: 0 }), fc.integer({ min: 0, max: 100 }), (value, min, max) => {
        const ok = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
        if (ok) expect(check.int('retries', value, min, max)).toBe(value);
        else {
          expect(() => check.int('retries', value, min, max)).toThrow(InvalidSpecError);
          expect(() => check.int('retries', value, min, max)).toThrow(expect.objectContaining({ code: 'INVALID_SPEC', field: 'retries', details: { field: 'retries', value } }));
        }
      }),
    );
  });

  it('says what was validated, which field, what it must be and what it got', () => {
    expect(() => check.number('heartbeat', -1, 0)).toThrow('invalid test option: heartbeat must be a finite number of at least 0, got -1');
  });
});

describe('InvalidSpecError', () => {
  it('shows a redacted value in place of the raw one, in the message and the details', () => {
    const err = new InvalidSpecError('url', 'amqp://u:secret@h', 'must be reachable', { subject: 'rabbitmq option', shown: 'amqp://u:***@h' });
    expect(err.message).toBe('invalid rabbitmq option: url must be reachable, got "amqp://u:***@h"');
    expect(JSON.stringify(err.details)).not.toContain('secret');
    expect(err.value).toBe('amqp://u:***@h');
  });
});

describe('error hierarchy', () => {
  it('makes CLI errors Arbor errors with their own code', () => {
    const err = new CliError('USAGE', 'unknown command "x"');
    expect(err).toBeInstanceOf(ArborError);
    expect(isArborError(err, 'USAGE')).toBe(true);
    expect(err.name).toBe('CliError');
  });
});
