/** The inspector's token check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenAccepted } from '../../src/inspector/token.js';

const url = (query = '') => new URL(`http://inspector/api/status${query}`);

describe('the token check', () => {
  it('lets every request through when no token is configured', () => {
    expect(tokenAccepted(undefined, {}, url())).toBe(true);
  });

  it('accepts the token as a bearer header, an X-Arbor-Token header, or a token query parameter', () => {
    expect(tokenAccepted('s3cret', { authorization: 'Bearer s3cret' }, url())).toBe(true);
    expect(tokenAccepted('s3cret', { authorization: 'bearer   s3cret' }, url())).toBe(true);
    expect(tokenAccepted('s3cret', { 'x-arbor-token': 's3cret' }, url())).toBe(true);
    expect(tokenAccepted('s3cret', {}, url('?token=s3cret'))).toBe(true);
    expect(tokenAccepted('a b&c', {}, url('?token=a%20b%26c'))).toBe(true);
  });

  it('refuses a request without the token, or with another one', () => {
    expect(tokenAccepted('s3cret', {}, url())).toBe(false);
    expect(tokenAccepted('s3cret', { authorization: 'Basic s3cret' }, url())).toBe(false);
    expect(tokenAccepted('s3cret', { authorization: 'Bearer s3cre' }, url())).toBe(false);
    expect(tokenAccepted('s3cret', {}, url('?token=S3CRET'))).toBe(false);
  });

  it('accepts exactly the configured token, whatever it is', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (token, other) => {
        const query = (t: string) => url(`?token=${encodeURIComponent(t)}`);
        expect(tokenAccepted(token, {}, query(token))).toBe(true);
        expect(tokenAccepted(token, {}, query(other))).toBe(other === token);
      }),
    );
  });
});
