import { describe, expect, it } from 'vitest';
import { isArborError } from '../../src/runtime/errors.js';
import { DEFAULT_AMQP_URL, DEFAULT_RABBITMQ_OPTIONS, normalizeRabbitmqOptions } from '../../src/transport/options.js';

function invalidField(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isArborError(err, 'INVALID_SPEC')) return String(err.details.field);
    throw err;
  }
  return undefined;
}

describe('normalizeRabbitmqOptions', () => {
  it('fills every field from the defaults when given nothing and no environment', () => {
    const o = normalizeRabbitmqOptions({}, {});
    expect(o.url).toBe(DEFAULT_AMQP_URL);
    expect(o).toMatchObject({ ...DEFAULT_RABBITMQ_OPTIONS, coalesce: { ...DEFAULT_RABBITMQ_OPTIONS.coalesce } });
  });

  it('takes the URL from AMQP_URL when the options name none', () => {
    expect(normalizeRabbitmqOptions({}, { AMQP_URL: 'amqp://u:p@broker:5672/vh' }).url).toBe('amqp://u:p@broker:5672/vh');
    expect(normalizeRabbitmqOptions({ url: 'amqps://x@y' }, { AMQP_URL: 'amqp://u:p@broker' }).url).toBe('amqps://x@y');
  });

  it('accepts amqps URLs so that TLS is used', () => {
    expect(normalizeRabbitmqOptions({ url: 'amqps://guest:guest@secure.example:5671' }, {}).url).toMatch(/^amqps:/);
  });

  it('merges partial nested options with their defaults', () => {
    const o = normalizeRabbitmqOptions({ retryBackoff: { min: 5 }, coalesce: { maxBatchCount: 3 }, reconnect: { max: 9000 } }, {});
    expect(o.retryBackoff).toEqual({ min: 5, max: 10_000, factor: 2 });
    expect(o.coalesce).toEqual({ enabled: true, maxBatchBytes: 65_536, maxBatchCount: 3 });
    expect(o.reconnect).toEqual({ min: 100, max: 9000 });
  });

  it('turns coalescing off with false', () => {
    expect(normalizeRabbitmqOptions({ coalesce: false }, {}).coalesce.enabled).toBe(false);
  });

  it('takes every broker address from url, a comma-separated url or AMQP_URL, and urls', () => {
    expect(normalizeRabbitmqOptions({ url: 'amqp://u:p@h1:5681', urls: ['amqp://u:p@h2:5682', 'amqp://u:p@h3'] }, {}).hosts).toEqual(['h1:5681', 'h2:5682', 'h3:5672']);
    expect(normalizeRabbitmqOptions({ url: 'amqp://u:p@h1:5681, amqp://u:p@h2:5682' }, {})).toMatchObject({ url: 'amqp://u:p@h1:5681', hosts: ['h1:5681', 'h2:5682'] });
    expect(normalizeRabbitmqOptions({}, { AMQP_URL: 'amqps://u:p@h1,amqps://u:p@h2' }).hosts).toEqual(['h1:5671', 'h2:5671']);
  });

  it('never shows the password of a broker address that does not match the first', () => {
    expect(() => normalizeRabbitmqOptions({ url: 'amqp://u:topsecret@h1', urls: ['amqp://u:othersecret@h2'] }, {})).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC', message: expect.not.stringMatching(/topsecret|othersecret/) as unknown }),
    );
  });

  it('keeps the failure detector times unset unless given, so they scale with the heartbeat', () => {
    expect(normalizeRabbitmqOptions({}, {}).failureDetector).toEqual({ threshold: 8 });
    expect(normalizeRabbitmqOptions({ failureDetector: { threshold: 12, acceptablePause: 5000 } }, {}).failureDetector).toEqual({ threshold: 12, acceptablePause: 5000 });
  });

  it('keeps batches no larger than the largest message', () => {
    expect(normalizeRabbitmqOptions({ maxMessageBytes: 1000 }, {}).coalesce.maxBatchBytes).toBe(1000);
    expect(invalidField(() => normalizeRabbitmqOptions({ maxMessageBytes: 1000, coalesce: { maxBatchBytes: 2000 } }, {}))).toBe('coalesce.maxBatchBytes');
  });

  it.each([
    ['heartbeat', { heartbeat: 0 }],
    ['heartbeat', { heartbeat: 1.5 }],
    ['prefetch', { prefetch: -1 }],
    ['poolPrefetch', { poolPrefetch: 70_000 }],
    ['maxAttempts', { maxAttempts: 0 }],
    ['maxMessageBytes', { maxMessageBytes: Number.NaN }],
    ['dedupCapacity', { dedupCapacity: 0 }],
    ['sendTimeout', { sendTimeout: '10s' }],
    ['cluster', { cluster: 'has.dot' }],
    ['cluster', { cluster: '' }],
    ['retryBackoff.factor', { retryBackoff: { factor: 0.5 } }],
    ['retryBackoff.max', { retryBackoff: { min: 500, max: 100 } }],
    ['reconnect.max', { reconnect: { min: 500, max: 100 } }],
    ['coalesce', { coalesce: 'yes' }],
    ['failureDetector', { failureDetector: 8 }],
    ['queueType', { queueType: 'stream' }],
    ['ephemeral', { ephemeral: 'yes' }],
    ['urls', { urls: 'amqp://guest:guest@h2' }],
    ['urls[0]', { urls: ['amqp://other:guest@h2'] }],
    ['urls[0]', { urls: ['amqps://guest:guest@h2'] }],
    ['urls[1]', { urls: ['amqp://guest:guest@h2', 'amqp://guest:guest@h3/othervhost'] }],
    ['failureDetector.threshold', { failureDetector: { threshold: 0.5 } }],
    ['failureDetector.acceptablePause', { failureDetector: { acceptablePause: -1 } }],
    ['failureDetector.minStdDeviation', { failureDetector: { minStdDeviation: 0 } }],
    ['url', { url: 'http://guest:guest@host' }],
    ['url', { url: 42 }],
  ])('rejects a bad %s with INVALID_SPEC naming the field', (field, options) => {
    expect(invalidField(() => normalizeRabbitmqOptions(options as never, {}))).toBe(field);
  });

  it('names the bad value in the message', () => {
    expect(() => normalizeRabbitmqOptions({ heartbeat: -5 }, {})).toThrow(/heartbeat .*got -5/);
  });

  it('never shows the password of a rejected URL', () => {
    let message = '';
    try {
      normalizeRabbitmqOptions({ url: 'http://admin:s3cret@host' }, {});
    } catch (err) {
      message = err instanceof Error ? `${err.message} ${JSON.stringify((err as { details?: unknown }).details)}` : '';
    }
    expect(message).toContain('admin:***@host');
    expect(message).not.toContain('s3cret');
  });
});

describe('managementUrl', () => {
  it('defaults to the AMQP host and credentials on port 15672 with the vhost as path, and never shows it', () => {
    const o = normalizeRabbitmqOptions({ url: 'amqp://bob:pa%2Fss@broker.local:5673/my-vh' }, {});
    expect(o.managementUrl).toBe('http://bob:pa%2Fss@broker.local:15672/my-vh');
    expect(JSON.stringify(o)).not.toContain('pa%2Fss');
    expect(Object.keys(o)).not.toContain('managementUrl');
  });

  it('uses https on 15671 for amqps and the default vhost when the URL has none', () => {
    expect(normalizeRabbitmqOptions({ url: 'amqps://u:p@h' }, {}).managementUrl).toBe('https://u:p@h:15671/%2F');
  });

  it('is undefined when turned off and kept as given otherwise', () => {
    expect(normalizeRabbitmqOptions({ managementUrl: false }, {}).managementUrl).toBeUndefined();
    expect(normalizeRabbitmqOptions({ managementUrl: 'http://a:b@m:8080/%2F' }, {}).managementUrl).toBe('http://a:b@m:8080/%2F');
  });

  it('rejects a non-http URL naming the field, with the password redacted', () => {
    expect(invalidField(() => normalizeRabbitmqOptions({ managementUrl: 'amqp://u:topsecret@h' }, {}))).toBe('managementUrl');
    expect(invalidField(() => normalizeRabbitmqOptions({ managementUrl: 42 as unknown as string }, {}))).toBe('managementUrl');
    let thrown: unknown;
    try {
      normalizeRabbitmqOptions({ managementUrl: 'ftp://u:topsecret@h' }, {});
    } catch (err) {
      thrown = err;
    }
    expect(isArborError(thrown, 'INVALID_SPEC')).toBe(true);
    expect(JSON.stringify({ m: (thrown as Error).message, d: (thrown as { details?: unknown }).details })).not.toContain('topsecret');
  });
});
