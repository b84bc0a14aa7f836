import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, transportError } from '../../src/transport/redact.js';

describe('redactUrl', () => {
  it('masks the password and keeps user, host, port and vhost', () => {
    expect(redactUrl('amqp://guest:guest@127.0.0.1:5672')).toBe('amqp://guest:***@127.0.0.1:5672');
    expect(redactUrl('amqps://app:p%40ss@rabbit.example:5671/prod?heartbeat=5')).toBe('amqps://app:***@rabbit.example:5671/prod?heartbeat=5');
  });

  it('masks a password that contains an at sign', () => {
    expect(redactUrl('amqp://u:p@ss@host/vh')).toBe('amqp://u:***@host/vh');
  });

  it('leaves a URL without password unchanged', () => {
    expect(redactUrl('amqp://127.0.0.1:5672')).toBe('amqp://127.0.0.1:5672');
    expect(redactUrl('amqp://user@host')).toBe('amqp://user@host');
  });

  it('masks password query parameters', () => {
    expect(redactUrl('amqp://host?password=hunter2&x=1')).toBe('amqp://host?password=***&x=1');
  });

  it('still masks credentials in a string that is not a valid URL', () => {
    expect(redactUrl('amqp://u:secret@[bad host')).not.toContain('secret');
  });
});

describe('redactText and transportError', () => {
  it('scrub the URL and the bare password, raw and percent-decoded, out of free text', () => {
    const url = 'amqp://app:p%40ss@host';
    expect(redactText(`failed ${url}; password p@ss or p%40ss`, url)).toBe('failed amqp://app:***@host; password *** or ***');
  });

  it('wraps a client error as TRANSPORT_ERROR without the password and without the original as cause', () => {
    const url = 'amqp://app:topsecret@host';
    const original = Object.assign(new Error(`connect to ${url} refused`), { code: 'ECONNREFUSED' });
    const err = transportError(original, url, 'cannot connect');
    expect(err.code).toBe('TRANSPORT_ERROR');
    expect(err.message).toContain('app:***@host');
    expect(err.message).not.toContain('topsecret');
    expect(err.details.amqpCode).toBe('ECONNREFUSED');
    expect(err.cause).toBeUndefined();
  });
});
