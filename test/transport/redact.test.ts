import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
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

  it('masks a password holding an unencoded slash, hash or question mark whole', () => {
    expect(redactUrl('amqp://guest:se/cr#e?t@host:5672/vh')).toBe('amqp://guest:***@host:5672/vh');
  });

  it('masks credentials when the scheme lacks its slashes', () => {
    expect(redactUrl('amqp//guest:secret@host')).toBe('amqp//guest:***@host');
    expect(redactUrl('amqp:/guest:secret@host')).toBe('amqp:/guest:***@host');
    expect(redactUrl('guest:secret@host')).toBe('guest:***@host');
  });
});

describe('redactText and transportError', () => {
  it('scrub the URL and the bare password, raw and percent-decoded, out of free text', () => {
    const url = 'amqp://app:p%40ss@host';
    expect(redactText(`failed ${url}; password p@ss or p%40ss`, url)).toBe('failed amqp://app:***@host; password *** or ***');
  });

  it('wraps a client error as TRANSPORT_ERROR without the password, with a scrubbed copy (not the original) as cause', () => {
    const url = 'amqp://app:topsecret@host';
    const original = Object.assign(new Error(`connect to ${url} refused`), { code: 'ECONNREFUSED' });
    const err = transportError(original, url, 'cannot connect');
    expect(err.code).toBe('TRANSPORT_ERROR');
    expect(err.message).toContain('app:***@host');
    expect(err.message).not.toContain('topsecret');
    expect(err.details.amqpCode).toBe('ECONNREFUSED');
    expect(err.cause).not.toBe(original);
    expect(err.cause).toMatchObject({ code: 'ECONNREFUSED', message: 'connect to amqp://app:***@host refused' });
    expect(Object.keys(err.cause as object)).not.toContain('url');
  });
});

describe('redactUrl, as a property', () => {
  it('never lets a password of printable characters through, whatever the URL shape around it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('amqp://', 'amqps://', 'amqp:/', 'amqp:', 'amqp//', ''),
        fc.stringMatching(/^[a-z]{1,8}$/),
        fc.string({ minLength: 3, maxLength: 20 }).filter((p) => !/[\s@]/.test(p)).map((p) => `Z${p}Q`),
        fc.constantFrom('host', 'host:5672/vh', '127.0.0.1:1/x?heartbeat=5', '[bad'),
        (scheme, user, password, rest) => {
          expect(redactUrl(`${scheme}${user}:${password}@${rest}`)).not.toContain(password);
        },
      ),
    );
  });
});
