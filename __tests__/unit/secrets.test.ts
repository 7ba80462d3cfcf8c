import { redactUrl, Secrets } from '../../src/secrets/secrets.js';

describe('secrets are masked wherever text leaves the process', () => {
  test('URL passwords are registered, encoded forms too, and redacted in URLs', () => {
    const registered: string[] = [];
    const s = new Secrets((v) => registered.push(v));
    expect(s.addUrl('https://bot:p@ss w0rd@proxy.corp.example/go')).toBe('https://bot:***@proxy.corp.example/go');
    expect(s.mask('GOPROXY=https://bot:p%40ss%20w0rd@proxy.corp.example/go and p@ss w0rd')).toBe(
      'GOPROXY=https://bot:***@proxy.corp.example/go and ***',
    );
    expect(registered).toContain('p@ss w0rd');
  });
  test('a value with characters that URL-encode is registered in both forms, once', () => {
    const registered: string[] = [];
    const s = new Secrets((v) => registered.push(v));
    s.add('a+b/c=d@e');
    s.add('a+b/c=d@e');
    expect(registered).toEqual(['a+b/c=d@e', 'a%2Bb%2Fc%3Dd%40e']);
  });
  test("an access token is registered and masked in text, but outputs keep it (the local proxy's, for later steps)", () => {
    const registered: string[] = [];
    const s = new Secrets((v) => registered.push(v));
    s.add('hunter22');
    s.addAccessToken('Tok3n_abcdefghijklmnop');
    const url = 'http://127.0.0.1:4000/Tok3n_abcdefghijklmnop|https://u:hunter22@p.example';
    expect(registered).toEqual(['hunter22', 'Tok3n_abcdefghijklmnop']);
    expect(s.mask(url)).toBe('http://127.0.0.1:4000/***|https://u:***@p.example');
    expect(s.maskOutput(url)).toBe('http://127.0.0.1:4000/Tok3n_abcdefghijklmnop|https://u:***@p.example');
  });
  test('URLs without credentials are unchanged', () => {
    expect(redactUrl('https://proxy.golang.org')).toBe('https://proxy.golang.org');
  });
});
