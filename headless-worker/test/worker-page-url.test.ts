import { describe, expect, it } from 'vitest';
import { workerPageUrl } from '../fleet.ts';
import { withFleetToken, withoutFleetToken, withoutPassword } from '../headless-worker.ts';

describe('worker page URL', () => {
  it('opens the worker page in autostart mode under the worker name', () => {
    expect(workerPageUrl('http://127.0.0.1:5000', 'headless-1')).toBe('http://127.0.0.1:5000/worker?autostart=1&kind=headless&name=headless-1');
  });

  it('keeps a path prefix, with or without a trailing slash', () => {
    expect(workerPageUrl('https://grid.example/base/', 'a-2')).toBe('https://grid.example/base/worker?autostart=1&kind=headless&name=a-2');
    expect(workerPageUrl('https://grid.example/base', 'a-2')).toBe('https://grid.example/base/worker?autostart=1&kind=headless&name=a-2');
  });

  it('rejects what is not an http(s) URL', () => {
    expect(() => workerPageUrl('ftp://127.0.0.1:5000', 'x')).toThrow(/must be http\(s\)/);
    expect(() => workerPageUrl('', 'x')).toThrow(/not a valid URL/);
  });

  it('asks for a backend by name when told to', () => {
    expect(workerPageUrl('http://127.0.0.1:5000', 'h-1', { backend: 'cpu' })).toBe(
      'http://127.0.0.1:5000/worker?autostart=1&kind=headless&name=h-1&backend=cpu',
    );
  });

  it('hands TF.js its environment flags the way TF.js reads them from a page’s address', () => {
    const page = new URL(workerPageUrl('http://127.0.0.1:5000', 'h-1', { backend: 'webgl', tfjsFlags: 'WEBGL_FORCE_F16_TEXTURES:true' }));
    expect(page.searchParams.get('tfjsflags')).toBe('WEBGL_FORCE_F16_TEXTURES:true');
    expect(page.searchParams.get('backend')).toBe('webgl');
  });

  it('carries the fleet token in the fragment only, which the browser never sends to the server', () => {
    const page = workerPageUrl('http://127.0.0.1:5000', 'headless-1');
    expect(withFleetToken(page, 'fleet token/with+odd=chars')).toBe(`${page}#fleet-token=fleet+token%2Fwith%2Bodd%3Dchars`);
    expect(withFleetToken(page, undefined)).toBe(page);
  });

  it('takes the fleet token out of a message naming that URL, as given or as encoded there', () => {
    const token = 'fleet token/with+odd=chars';
    const url = withFleetToken('http://127.0.0.1:9/worker?name=h-1', token);
    expect(withoutFleetToken(`net::ERR_CONNECTION_REFUSED at ${url} (token ${token})`, token)).toBe(
      'net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/worker?name=h-1#fleet-token=<fleet token> (token <fleet token>)',
    );
  });

  it('hides the password of a master behind basic authentication, as given or percent-encoded', () => {
    expect(withoutPassword('https://grid:pa%2Fss@grid.example/base/')).toBe('https://grid:***@grid.example/base/');
    const page = workerPageUrl('http://grid:secret@127.0.0.1:9', 'h-1');
    expect(withoutPassword(`net::ERR_CONNECTION_REFUSED at ${page}`, page)).toBe(
      'net::ERR_CONNECTION_REFUSED at http://grid:***@127.0.0.1:9/worker?autostart=1&kind=headless&name=h-1',
    );
    expect(withoutPassword('http://127.0.0.1:9/worker')).toBe('http://127.0.0.1:9/worker');
    expect(withoutPassword('not a url')).toBe('not a url');
  });
});
